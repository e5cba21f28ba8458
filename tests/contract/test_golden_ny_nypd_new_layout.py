"""Golden test: NYPD Stop, Question and Frisk in the 2017+ layout (stops_2018, stops_2020,
stops_2021), checked against facts read from the raw files independently
(tests/data/real/nypd-sqf/facts.json) and against the raw files themselves, read here with the
csv module and openpyxl.

The mappings' recodes and flag lists are stated again below in plain Python (not read from the
mappings); every loaded stop and person is compared with what its raw row gives under them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest

from tests.contract.golden import REAL, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.ingest.pipeline import IngestResult
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "nypd-sqf"
AGENCY = "ny_nypd"
F2018 = "sqf-2018_28col-subset.csv"
F2020 = "sqf-2020.xlsx"
F2021 = "sqf-2021.xlsx"
SHEETS = {F2020: "CY 2020", F2021: "Sheet1"}

# The missing markers of each mapping (`read.missing_values`), compared after trimming. The 2020
# export cut `(null)` to `(` and `(nu`; its single-space cells trim to "".
MISSING = {
    F2018: {"", "(null)"},
    F2020: {"", "(null)", "(", "(nu", "#N/A"},
    F2021: {"", "(null)", "#N/A"},
}

# SUSPECT_RACE_DESCRIPTION → subject_race, subject_race_detail, subject_ethnicity.
RACE = {
    "BLACK": ("black", ["black"], "not hispanic"),
    "WHITE": ("white", ["white"], "not hispanic"),
    "BLACK HISPANIC": ("hispanic", ["black", "hispanic"], "hispanic"),
    "WHITE HISPANIC": ("hispanic", ["white", "hispanic"], "hispanic"),
    "ASIAN / PACIFIC ISLANDER": ("asian/pacific islander", None, "not hispanic"),
    "AMERICAN INDIAN/ALASKAN NATIVE": ("other", ["native american"], "not hispanic"),
    "AMERICAN INDIAN/ALASKAN N": ("other", ["native american"], "not hispanic"),  # 2020, cut
    "MIDDLE EASTERN/SOUTHWEST ASIAN": ("other", ["middle eastern/south asian"], "not hispanic"),
    "MIDDLE EASTERN/SOUTHWEST": ("other", ["middle eastern/south asian"], "not hispanic"),
}
COUNTY = {
    "BRONX": "Bronx",
    "BROOKLYN": "Kings",
    "MANHATTAN": "New York",
    "QUEENS": "Queens",
    "STATEN ISLAND": "Richmond",
}
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
# Tick boxes (Y or not ticked) → codes of list fields, in the mappings' order.
REASONS = [
    ("SUSPECTS_ACTIONS_DECRIPTION_FLAG", "matched suspect description"),
    ("SUSPECTS_ACTIONS_CASING_FLAG", "casing"),
    ("SUSPECTS_ACTIONS_LOOKOUT_FLAG", "lookout"),
    ("SUSPECTS_ACTIONS_DRUG_TRANSACTIONS_FLAG", "drug transaction"),
    ("SUSPECTS_ACTIONS_CONCEALED_POSSESSION_WEAPON_FLAG", "suspicious object"),
    ("BACKROUND_CIRCUMSTANCES_VIOLENT_CRIME_FLAG", "violent crime"),
    ("SUSPECTS_ACTIONS_IDENTIFY_CRIME_PATTERN_FLAG", "other reasonable suspicion"),
    ("SUSPECTS_ACTIONS_PROXIMITY_TO_SCENE_FLAG", "other reasonable suspicion"),
    ("BACKROUND_CIRCUMSTANCES_SUSPECT_KNOWN_TO_CARRY_WEAPON_FLAG", "other reasonable suspicion"),
    ("SUSPECTS_ACTIONS_OTHER_FLAG", "other reasonable suspicion"),
]
SEARCH_BASIS = [
    ("SEARCH_BASIS_CONSENT_FLAG", "consent"),
    ("SEARCH_BASIS_INCIDENTAL_TO_ARREST_FLAG", "incident to arrest"),
    ("SEARCH_BASIS_HARD_OBJECT_FLAG", "suspected weapons"),
    ("SEARCH_BASIS_OUTLINE_FLAG", "suspected weapons"),
    ("SEARCH_BASIS_ADMISSION_FLAG", "other"),
    ("SEARCH_BASIS_OTHER_FLAG", "other"),
]
CONTRABAND = [
    ("FIREARM_FLAG", "firearm"),
    ("KNIFE_CUTTER_FLAG", "weapon other than firearm"),
    ("OTHER_WEAPON_FLAG", "weapon other than firearm"),
    ("OTHER_CONTRABAND_FLAG", "other"),
]
FORCE = [  # PHYSICAL_FORCE_HANDCUFF is an action, VERBAL_INSTRUCTION neither
    ("PHYSICAL_FORCE_CEW_FLAG", "electronic control device"),
    ("PHYSICAL_FORCE_DRAW_POINT_FIREARM_FLAG", "firearm pointed"),
    ("PHYSICAL_FORCE_OC_SPRAY_USED_FLAG", "chemical agent"),
    ("PHYSICAL_FORCE_WEAPON_IMPACT_FLAG", "impact weapon"),
    ("PHYSICAL_FORCE_RESTRAINT_USED_FLAG", "restraint device"),
    ("PHYSICAL_FORCE_OTHER_FLAG", "other"),
]

Row = dict[str, Any]


def _fact(name: str) -> dict[str, Any]:
    fact: dict[str, Any] = facts(SOURCE)["files"][name]
    return fact


def _clean(value: Any, missing: set[str]) -> Any:
    """A raw cell as the mapping sees it: text trimmed, missing markers None."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return None if text in missing else text
    if isinstance(value, (dt.datetime, dt.time)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(name: str) -> list[Row]:
    book = openpyxl.load_workbook(REAL / SOURCE / name, read_only=True)
    try:
        rows = book[SHEETS[name]].iter_rows(values_only=True)
        header = [str(c) for c in next(rows)]
        out = [
            {h: _clean(v, MISSING[name]) for h, v in zip(header, row, strict=True)}
            | {"_row": number}
            for number, row in enumerate(rows, start=2)
        ]
    finally:
        book.close()
    assert len(out) == _fact(name)["data_rows"]
    return out


@pytest.fixture(scope="module")
def raw_2018(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    """The 2018 subset's rows with their line numbers (header = line 1), read with csv."""
    path = real_file(SOURCE, F2018, tmp_path_factory.mktemp("raw"))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [
            {k: _clean(v, MISSING[F2018]) for k, v in row.items()} | {"_row": n}
            for n, row in enumerate(csv.DictReader(handle), start=2)
        ]
    assert len(rows) == _fact(F2018)["data_rows"] == 11008
    return rows


@pytest.fixture(scope="module")
def raw_2020() -> list[Row]:
    return _read_xlsx(F2020)


@pytest.fixture(scope="module")
def raw_2021() -> list[Row]:
    return _read_xlsx(F2021)


def _load(store: Store, standard: Standard, clock: FixedClock, path: Path) -> IngestResult:
    result = load(store, standard, clock, agency=AGENCY, dataset="stops", path=path)
    assert result.status == "committed"
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_read == _fact(path.name)["data_rows"]
    assert result.rows_quarantined == 0
    assert result.rows_junk == 0
    return result


@pytest.fixture
def loaded_2018(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> tuple[Store, IngestResult]:
    return store, _load(store, standard, clock, real_file(SOURCE, F2018, tmp_path))


@pytest.fixture
def loaded_2020(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> tuple[Store, IngestResult]:
    return store, _load(store, standard, clock, real_file(SOURCE, F2020, tmp_path))


@pytest.fixture
def loaded_2021(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> tuple[Store, IngestResult]:
    return store, _load(store, standard, clock, real_file(SOURCE, F2021, tmp_path))


# --- what a raw row should give, under the mappings' recodes ---------------------------------


def _yes(row: Row, column: str) -> bool:
    return row.get(column) == "Y"


def _yn(value: str | None) -> bool | None:
    return None if value is None else value == "Y"


def _ticked(row: Row, flags: list[tuple[str, str]]) -> list[str] | None:
    out: list[str] = []
    for column, code in flags:
        if _yes(row, column) and code not in out:
            out.append(code)
    return out or None


def _stop_id(row: Row, name: str) -> str:
    if name == F2018:
        return f"2018-subset-{row['_row']}"
    return f"{row['YEAR2']}-{row['STOP_ID']}"


def expected_subject(row: Row, name: str) -> Row:
    """The stop_subjects record the mapping of file ``name`` makes of a raw row."""
    race = RACE.get(row["SUSPECT_RACE_DESCRIPTION"] or "", (None, None, None))
    arrested = _yes(row, "SUSPECT_ARRESTED_FLAG")
    summons = _yes(row, "SUMMONS_ISSUED_FLAG")
    found = _yes(row, "OTHER_CONTRABAND_FLAG") or _yes(row, "WEAPON_FOUND_FLAG")
    searched = _yes(row, "SEARCHED_FLAG")
    age = row["SUSPECT_REPORTED_AGE"]
    out: Row = {
        "subject_seq": 1,
        "subject_role": "pedestrian",
        "subject_race": race[0],
        "subject_race_detail": race[1],
        "subject_ethnicity": race[2],
        "subject_identity_source": "unknown",
        "subject_age": None if age is None else int(float(age)),
        "subject_sex": None if row["SUSPECT_SEX"] is None else row["SUSPECT_SEX"].lower(),
        "search_conducted": searched,
        "frisk_performed": _yes(row, "FRISKED_FLAG"),
        "contraband_found": found,
        "arrest_made": arrested,
        "reason_for_arrest": row["SUSPECT_ARREST_OFFENSE"] if arrested else None,
        "summons_issued": summons,
        "citation_issued": None,
        "outcome": "arrest" if arrested else "summons" if summons else "none",
    }
    if name == F2018:  # the subset has no weapon types, bases, consent or force columns
        out["contraband_types"] = ["other"] if _yes(row, "OTHER_CONTRABAND_FLAG") else None
        return out
    requested = _yn(row["ASK_FOR_CONSENT_FLG"])
    force = _ticked(row, FORCE)
    out |= {
        "reason_communicated": _yes(row, "OFFICER_EXPLAINED_STOP_FLAG"),
        "search_basis": _ticked(row, SEARCH_BASIS) if searched else None,
        "consent_search_requested": requested,
        # the standard keeps consent_search_given only where consent was asked for
        "consent_search_given": None if requested is False else _yn(row["CONSENT_GIVEN_FLG"]),
        "contraband_types": _ticked(row, CONTRABAND) if found else None,
        "force_used": force is not None,
        "force_types": force,
        "actions_taken": (
            ["handcuffed"] if _yes(row, "PHYSICAL_FORCE_HANDCUFF_SUSPECT_FLAG") else None
        ),
    }
    return out


def expected_stop(row: Row, name: str) -> Row:
    """The stops record the mapping of file ``name`` makes of a raw row."""
    boro = row["STOP_LOCATION_BORO_NAME"]
    summons = row["SUMMONS_OFFENSE_DESCRIPTION"]
    out: Row = {
        "date_precision": "day",
        "duration_minutes": int(row["STOP_DURATION_MINUTES"]),
        "county_name": COUNTY[boro],
        "type": "pedestrian",
        "reason_for_stop_text": row["SUSPECTED_CRIME_DESCRIPTION"],
        "in_response_to_call": row["STOP_WAS_INITIATED"] == "Based on Radio Run",
        "violation": None if summons is None else [summons],
    }
    if name == F2018:
        out["date"] = dt.date(2018, MONTHS[row["MONTH2"]], 1)
        out["date_precision"] = "month"
        return out
    date, time = row["STOP_FRISK_DATE"], row["STOP_FRISK_TIME"]
    address = row["STOP_LOCATION_FULL_ADDRESS"]
    out |= {
        "date": date.date() if isinstance(date, dt.datetime) else dt.date.fromisoformat(date),
        "time": time if isinstance(time, dt.time) else dt.time.fromisoformat(time),
        "location": ", ".join(p for p in (address, boro) if p),
        "precinct": str(int(row["STOP_LOCATION_PRECINCT"])),  # 2021 writes `075`
        "division": row["STOP_LOCATION_PATROL_BORO_NAME"],
        "sector": row["STOP_LOCATION_SECTOR_CODE"],
        "reason_for_stop": _ticked(row, REASONS),
    }
    return out


def _loaded(store: Store, table: str, fields: list[str], prefix: str) -> dict[str, Row]:
    sql = f"SELECT stop_id, {', '.join(fields)} FROM {table} WHERE stop_id LIKE '{prefix}%'"
    result = store.query(sql)
    return {
        row[0]: dict(zip(fields, [_plain(v) for v in row[1:]], strict=True)) for row in result.rows
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def _compare(
    store: Store,
    raw: list[Row],
    name: str,
    table: str,
    expect: Any,
    skip: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Every loaded record of ``table`` equals what its raw row gives, field by field."""
    wanted = {_stop_id(row, name): expect(row, name) for row in raw}
    fields = sorted(next(iter(wanted.values())))
    prefix = "2018-subset-" if name == F2018 else f"{raw[0]['YEAR2']}-"
    got = _loaded(store, table, fields, prefix)
    assert set(got) == set(wanted)
    for field in fields:
        bad = [
            (sid, got[sid][field], want[field])
            for sid, want in wanted.items()
            if sid not in skip and got[sid][field] != want[field]
        ]
        assert not bad, f"{table}.{field}: {len(bad)} records differ, e.g. {bad[:3]}"


def _issues(store: Store, batch: int | None) -> dict[tuple[Any, Any, Any], int]:
    return {
        (r[0], r[1], r[2]): int(r[3])
        for r in store.query(
            "SELECT dataset, field, code, count(*) FROM batch_issues WHERE batch_id = ? "
            "GROUP BY dataset, field, code",
            [batch],
        ).rows
    }


# --- 2018: the 28-column subset --------------------------------------------------------------


def test_2018__every_row_is_a_stop_with_a_line_id(
    loaded_2018: tuple[Store, IngestResult], raw_2018: list[Row]
) -> None:
    store, result = loaded_2018
    assert result.records["stops"].inserted == 11008
    assert result.records["stop_subjects"].inserted == 11008
    assert _issues(store, result.batch_id) == {}
    # 53 groups of identical rows (109 rows) cannot be told apart, yet each is its own stop.
    same = Counter(tuple(v for k, v in row.items() if k != "_row") for row in raw_2018)
    repeated = {values: n for values, n in same.items() if n > 1}
    identical = _fact(F2018)["record_id"]["fully_identical_rows"]
    assert (len(repeated), sum(repeated.values())) == (identical["groups"], identical["rows"])
    assert store.query("SELECT count(DISTINCT stop_id) FROM stops").scalar() == 11008
    lines = store.query("SELECT min(_source_row), max(_source_row) FROM stops").rows[0]
    assert tuple(lines) == (2, 11009)
    assert store.query("SELECT count(*) FROM stop_officers").scalar() == 0
    assert store.query("SELECT count(*) FROM officers").scalar() == 0


def test_2018__date_is_the_first_of_the_month(loaded_2018: tuple[Store, IngestResult]) -> None:
    store, _ = loaded_2018
    months = counts(store, "SELECT date, count(*) FROM stops GROUP BY date")
    raw = _fact(F2018)["dates"]["MONTH2"]
    assert months == {dt.date(2018, MONTHS[m], 1): n for m, n in raw.items()}
    assert counts(store, "SELECT date_precision, count(*) FROM stops GROUP BY 1") == {
        "month": 11008
    }
    assert store.query("SELECT count(time) FROM stops").scalar() == 0


def test_2018__stops_match_the_raw_rows(
    loaded_2018: tuple[Store, IngestResult], raw_2018: list[Row]
) -> None:
    store, _ = loaded_2018
    _compare(store, raw_2018, F2018, "stops", expected_stop)
    _compare(store, raw_2018, F2018, "stop_subjects", expected_subject)


def test_2018__coded_counts_match_the_facts(loaded_2018: tuple[Store, IngestResult]) -> None:
    store, _ = loaded_2018
    raw = _fact(F2018)["value_counts"]
    race = counts(
        store, "SELECT coalesce(subject_race, '-'), count(*) FROM stop_subjects GROUP BY 1"
    )
    want: Counter[str] = Counter()
    for label, n in raw["SUSPECT_RACE_DESCRIPTION"].items():
        want[RACE[label][0] if label in RACE else "-"] += n
    assert race == dict(want)
    assert race["hispanic"] == 2411 + 978  # WHITE HISPANIC + BLACK HISPANIC
    outcome = counts(store, "SELECT outcome, count(*) FROM stop_subjects GROUP BY 1")
    cross = _fact(F2018)["value_counts_crosstabs"][1]["counts"]  # arrested | summons
    assert outcome == {
        "arrest": cross["Y | N"] + cross["Y | Y"],
        "summons": cross["N | Y"],
        "none": cross["N | N"],
    }
    summons = counts(store, "SELECT summons_issued, count(*) FROM stop_subjects GROUP BY 1")
    assert summons == {
        True: raw["SUMMONS_ISSUED_FLAG"]["Y"],
        False: raw["SUMMONS_ISSUED_FLAG"]["N"],
    }
    assert store.query("SELECT count(citation_issued) FROM stop_subjects").scalar() == 0
    found = "SELECT count(*) FROM stop_subjects WHERE contraband_found"
    assert store.query(found).scalar() == _fact(F2018)["contraband_or_weapon_found"] == 1698
    ages = store.query("SELECT count(*) - count(subject_age) FROM stop_subjects").scalar()
    assert ages == _fact(F2018)["age"]["SUSPECT_REPORTED_AGE"]["missing"] == 796


# --- 2020 -------------------------------------------------------------------------------------


def test_2020__the_mis_dated_row_is_kept_and_flagged(
    loaded_2020: tuple[Store, IngestResult],
) -> None:
    store, result = loaded_2020
    assert result.records["stops"].inserted == result.records["stop_subjects"].inserted == 9544
    dates = _fact(F2020)["dates"]["STOP_FRISK_DATE"]
    low, high = store.query("SELECT min(date), max(date) FROM stops").rows[0]
    assert (str(low), str(high)) == (dates["min"], dates["max"]) == ("2018-01-03", "2020-12-31")
    [outlier] = dates["outside_file_year"]
    flagged = store.query(
        "SELECT source_row FROM batch_issues WHERE batch_id = ? AND code = 'date-outside-period'",
        [result.batch_id],
    ).rows
    assert flagged == [(outlier["row"],)]
    row = store.query(
        f"SELECT date, time FROM stops WHERE stop_id = '2020-{outlier['STOP_ID']}'"
    ).rows[0]
    assert (str(row[0]), str(row[1])) == (outlier["STOP_FRISK_DATE"], outlier["STOP_FRISK_TIME"])
    within = "SELECT count(*) FROM stops WHERE date BETWEEN '2020-01-01' AND '2020-12-31'"
    assert store.query(within).scalar() == 9543


def test_2020__stops_match_the_raw_rows(
    loaded_2020: tuple[Store, IngestResult], raw_2020: list[Row]
) -> None:
    store, result = loaded_2020
    # The value gate does not read free text: `14 GAY ST` (Gay Street, Manhattan) is an address,
    # and both stops there keep it (an earlier gate removed it as a "sexual orientation").
    gated = store.query(
        "SELECT count(*) FROM batch_issues WHERE batch_id = ? "
        "AND code = 'prohibited-value-removed'",
        [result.batch_id],
    ).scalar()
    assert gated == 0
    gay_street = store.query("SELECT location FROM stops WHERE location LIKE '14 GAY ST%'").rows
    assert gay_street == [("14 GAY ST, MANHATTAN",), ("14 GAY ST, MANHATTAN",)]
    _compare(store, raw_2020, F2020, "stops", expected_stop)
    _compare(store, raw_2020, F2020, "stop_subjects", expected_subject)


def test_2020__cut_missing_markers_are_missing(loaded_2020: tuple[Store, IngestResult]) -> None:
    store, _ = loaded_2020
    raw = _fact(F2020)["value_counts"]
    # sector: 33 single spaces and 33 `(`; consent: `(` instead of `(null)`.
    sectors = store.query("SELECT count(*) - count(sector) FROM stops").scalar()
    assert sectors == raw["STOP_LOCATION_SECTOR_CODE"][" "] + raw["STOP_LOCATION_SECTOR_CODE"]["("]
    asked = counts(
        store,
        "SELECT coalesce(CAST(consent_search_requested AS VARCHAR), '-'), count(*) "
        "FROM stop_subjects GROUP BY 1",
    )
    flag = raw["ASK_FOR_CONSENT_FLG"]
    assert {k.lower(): v for k, v in asked.items()} == {
        "true": flag["Y"],
        "false": flag["N"],
        "-": flag["("],
    }
    ages = store.query("SELECT count(*) - count(subject_age) FROM stop_subjects").scalar()
    assert ages == _fact(F2020)["age"]["SUSPECT_REPORTED_AGE"]["missing_markers"][" "] == 735
    race = counts(
        store, "SELECT coalesce(subject_race, '-'), count(*) FROM stop_subjects GROUP BY 1"
    )
    assert race["-"] == raw["SUSPECT_RACE_DESCRIPTION"]["(null)"] == 74
    cut = raw["SUSPECT_RACE_DESCRIPTION"]
    assert race["other"] == cut["MIDDLE EASTERN/SOUTHWEST"] + cut["AMERICAN INDIAN/ALASKAN N"]


def test_2020__predicates_and_counts(loaded_2020: tuple[Store, IngestResult]) -> None:
    store, result = loaded_2020
    issues = _issues(store, result.batch_id)
    cross = _fact(F2020)["value_counts_crosstabs"]
    consent = cross[2]["counts"]  # ASK_FOR_CONSENT_FLG | CONSENT_GIVEN_FLG
    # consent_search_given is kept only where consent was asked for (N | N and N | Y removed).
    assert issues[("stop_subjects", "consent_search_given", "predicate-violated")] == (
        consent["N | N"] + consent["N | Y"]
    )
    found = "SELECT count(*) FROM stop_subjects WHERE contraband_found"
    assert store.query(found).scalar() == _fact(F2020)["contraband_or_weapon_found"] == 1808
    summons = counts(store, "SELECT summons_issued, count(*) FROM stop_subjects GROUP BY 1")
    flag = _fact(F2020)["value_counts"]["SUMMONS_ISSUED_FLAG"]
    assert summons == {True: flag["Y"], False: flag["N"]}
    assert store.query("SELECT count(citation_issued) FROM stop_subjects").scalar() == 0
    assert store.query("SELECT count(*) FROM stop_officers").scalar() == 0


# --- 2021 -------------------------------------------------------------------------------------


def test_2021__every_stop_loaded_within_the_year(
    loaded_2021: tuple[Store, IngestResult],
) -> None:
    store, result = loaded_2021
    assert result.records["stops"].inserted == result.records["stop_subjects"].inserted == 8947
    dates = _fact(F2021)["dates"]["STOP_FRISK_DATE"]
    low, high = store.query("SELECT min(date), max(date) FROM stops").rows[0]
    assert (str(low), str(high)) == (dates["min"], dates["max"])
    assert ("stops", "date", "date-outside-period") not in _issues(store, result.batch_id)
    ids = store.query("SELECT min(stop_id), count(DISTINCT stop_id) FROM stops").rows[0]
    assert tuple(ids) == ("2021-1", 8947)


def test_2021__stops_match_the_raw_rows(
    loaded_2021: tuple[Store, IngestResult], raw_2021: list[Row]
) -> None:
    store, _ = loaded_2021
    _compare(store, raw_2021, F2021, "stops", expected_stop)
    _compare(store, raw_2021, F2021, "stop_subjects", expected_subject)


def test_2021__precincts_lose_their_zero_padding(loaded_2021: tuple[Store, IngestResult]) -> None:
    store, _ = loaded_2021
    loaded = counts(store, "SELECT precinct, count(*) FROM stops GROUP BY 1")
    raw = _fact(F2021)["value_counts"]["STOP_LOCATION_PRECINCT"]
    assert loaded == {str(int(p)): n for p, n in raw.items()}
    assert loaded["75"] == raw["075"] == 477


def test_2021__race_labels_in_full(loaded_2021: tuple[Store, IngestResult]) -> None:
    store, _ = loaded_2021
    raw = _fact(F2021)["value_counts"]["SUSPECT_RACE_DESCRIPTION"]
    detail = counts(
        store,
        "SELECT array_to_string(subject_race_detail, ';'), count(*) FROM stop_subjects "
        "WHERE subject_race_detail IS NOT NULL GROUP BY 1",
    )
    assert detail == {
        "black": raw["BLACK"],
        "white": raw["WHITE"],
        "black;hispanic": raw["BLACK HISPANIC"],
        "white;hispanic": raw["WHITE HISPANIC"],
        "middle eastern/south asian": raw["MIDDLE EASTERN/SOUTHWEST ASIAN"],
        "native american": raw["AMERICAN INDIAN/ALASKAN NATIVE"],
    }
    ethnicity = counts(
        store, "SELECT coalesce(subject_ethnicity, '-'), count(*) FROM stop_subjects GROUP BY 1"
    )
    assert ethnicity["hispanic"] == raw["BLACK HISPANIC"] + raw["WHITE HISPANIC"]
    assert ethnicity["-"] == raw["(null)"]


# --- the three years together -----------------------------------------------------------------


def test_new_layout__three_years_keep_their_stops_apart(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> None:
    # STOP_ID restarts at 1 every year: the year prefix keeps 2020-1 and 2021-1 apart.
    total = 0
    for name in (F2018, F2020, F2021):
        total += _load(store, standard, clock, real_file(SOURCE, name, tmp_path)).rows_loaded
    assert total == 11008 + 9544 + 8947
    assert store.query("SELECT count(DISTINCT stop_id) FROM stops").scalar() == total
    assert store.query("SELECT count(*) FROM stop_subjects").scalar() == total
    years = counts(store, "SELECT split_part(stop_id, '-', 1), count(*) FROM stops GROUP BY 1")
    assert years == {"2018": 11008, "2020": 9544, "2021": 8947}
    mappings = counts(store, "SELECT mapping, count(*) FROM batches GROUP BY 1")
    assert mappings == {"stops_2018": 1, "stops_2020": 1, "stops_2021": 1}
