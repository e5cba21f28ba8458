"""Golden test: NYPD Stop, Question and Frisk 2016 (old 112-column UF-250 layout), checked against
facts read from the raw file independently (tests/data/real/nypd-sqf/facts.json) and against the
raw file itself, read here with the csv module. Where the mapping recodes or combines indicator
columns, the rule is restated below and applied to the raw values."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, time
from typing import TYPE_CHECKING, Any

import pytest

from tests.contract.golden import contains, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "nypd-sqf"
FILE = "sqf-2016.csv"
AGENCY = "ny_nypd"

# The recodes of agencies/ny_nypd/mappings/stops_2016.yaml, restated.
RACE = {
    "A": "asian/pacific islander",
    "B": "black",
    "I": "other",
    "P": "hispanic",
    "Q": "hispanic",
    "W": "white",
    "U": "unknown",
    "Z": "other",
}
RACE_DETAIL: dict[str, list[str] | None] = {
    "A": None,
    "B": ["black"],
    "I": ["native american"],
    "P": ["black", "hispanic"],
    "Q": ["white", "hispanic"],
    "W": ["white"],
    "U": ["unknown"],
    "Z": ["other"],
}
ETHNICITY = {"P": "hispanic", "Q": "hispanic", "U": "unknown", "Z": "unknown"}  # else not hispanic
SEX = {"M": "male", "F": "female", "Z": "unknown"}
REASON = {
    "cs_objcs": "suspicious object",
    "cs_descr": "matched suspect description",
    "cs_casng": "casing",
    "cs_lkout": "lookout",
    "cs_cloth": "other reasonable suspicion",
    "cs_drgtr": "drug transaction",
    "cs_furtv": "other reasonable suspicion",
    "cs_vcrim": "violent crime",
    "cs_bulge": "other reasonable suspicion",
    "cs_other": "other reasonable suspicion",
}
SEARCH_BASIS = {
    "sb_hdobj": "suspected weapons",
    "sb_outln": "suspected weapons",
    "sb_admis": "other",
    "sb_other": "other",
}
CONTRABAND = {
    "contrabn": "other",
    "pistol": "firearm",
    "riflshot": "firearm",
    "asltweap": "firearm",
    "machgun": "firearm",
    "knifcuti": "weapon other than firearm",
    "othrweap": "weapon other than firearm",
}
FORCE = {  # pf_hcuff is not force: it is actions_taken handcuffed
    "pf_hands": "physical control",
    "pf_wall": "physical control",
    "pf_grnd": "takedown",
    "pf_drwep": "firearm unholstered",
    "pf_ptwep": "firearm pointed",
    "pf_baton": "impact weapon",
    "pf_pepsp": "chemical agent",
    "pf_other": "other",
}
BOROUGH = {
    "BRONX": "Bronx",
    "BROOKLYN": "Kings",
    "MANHATTAN": "New York",
    "QUEENS": "Queens",
    "STATEN IS": "Richmond",
}


def _fact() -> dict[str, Any]:
    fact: dict[str, Any] = facts(SOURCE)["files"][FILE]
    return fact


def _flags(row: dict[str, str], table: dict[str, str]) -> list[str] | None:
    """The codes of the ticked (Y) columns, in column order, without repeats (as the engine)."""
    out: list[str] = []
    for column, code in table.items():
        if row[column] == "Y" and code not in out:
            out.append(code)
    return out or None


def _key(row: dict[str, str]) -> str:
    return f"{row['year']}-{row['pct'].strip()}-{row['ser_num'].strip()}"


def _list(value: Any) -> list[str] | None:
    return list(value) if value is not None else None


@pytest.fixture(scope="module")
def stops(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The raw file's stops by year-pct-ser_num, read with csv (the all-space record left out)."""
    path = real_file(SOURCE, FILE, tmp_path_factory.mktemp("raw"))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        records = list(csv.DictReader(handle))
    fact = _fact()
    assert len(records) == fact["records_including_header"] - 1 == 12405
    blank = [n for n, r in enumerate(records, start=2) if all(v == " " for v in r.values())]
    assert blank == fact["junk_rows"]["all_space"]["lines"] == [12406]
    rows = {_key(r): r for r in records if any(v != " " for v in r.values())}
    assert len(rows) == fact["data_rows"] == fact["record_id"]["distinct"] == 12404
    return rows


@pytest.fixture
def loaded(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Store:
    result = load(
        store,
        standard,
        clock,
        agency=AGENCY,
        dataset="stops",
        path=real_file(SOURCE, FILE, tmp_path),
    )
    fact = _fact()
    assert result.status == "committed"
    assert result.rows_read == fact["records_including_header"] - 1 == 12405
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    # The trailing record of 112 single spaces is junk, counted by its rule; nothing else is.
    assert (
        result.junk
        == {"blank-record": fact["junk_rows"]["all_space"]["count"]}
        == {"blank-record": 1}
    )
    assert result.rows_quarantined == 0
    assert result.rows_loaded == fact["data_rows"] == 12404
    assert result.errors == {}
    return store


def test_nypd_2016__the_2016_mapping_is_chosen_and_every_stop_loaded(loaded: Store) -> None:
    mapping = loaded.query("SELECT mapping, datasets FROM batches").rows
    assert mapping == [("stops_2016", "stops,stop_subjects")]
    assert loaded.query("SELECT count(*) FROM stops").scalar() == 12404
    assert loaded.query("SELECT count(*) FROM stop_subjects").scalar() == 12404
    assert loaded.query("SELECT count(*) FROM stop_officers").scalar() == 0  # no officer id
    kinds = counts(loaded, "SELECT type, count(*) FROM stops GROUP BY 1")
    assert kinds == {"pedestrian": 12404}
    seq = counts(loaded, "SELECT subject_seq, count(*) FROM stop_subjects GROUP BY 1")
    assert seq == {1: 12404}


def test_nypd_2016__composite_ids_and_unpadded_dates_and_times(
    loaded: Store, stops: dict[str, dict[str, str]]
) -> None:
    rows = loaded.query("SELECT stop_id, date, time, duration_minutes FROM stops").rows
    got = {r[0]: (r[1], r[2], r[3]) for r in rows}
    assert set(got) == set(stops)
    expected = {}
    for key, r in stops.items():
        # datestop is MMDDYYYY without the leading zero, timestop HHMM without leading zeros.
        mmddyyyy = r["datestop"].zfill(8)
        day = date(int(mmddyyyy[4:]), int(mmddyyyy[:2]), int(mmddyyyy[2:4]))
        clock = r["timestop"].zfill(4)
        minutes = None if r["perstop"] == "**" else int(r["perstop"])
        expected[key] = (day, time(int(clock[:2]), int(clock[2:])), minutes)
    assert got == expected
    fact = _fact()["dates"]
    assert Counter(str(len(r["datestop"])) for r in stops.values()) == fact["datestop_lengths"]
    assert min(v[0] for v in got.values()) == date.fromisoformat(fact["datestop"]["min"])
    assert max(v[0] for v in got.values()) == date.fromisoformat(fact["datestop"]["max"])
    assert len({v[0] for v in got.values()}) == fact["datestop"]["distinct_days"] == 366
    assert got["2016-41-22"][:2] == (date(2016, 2, 7), time(1, 0))  # '2072016', '100'
    assert (
        sum(v[2] is None for v in got.values())
        == _fact()["missing_markers"]["**"]["columns"]["perstop"]
    )


def test_nypd_2016__place_fields(loaded: Store, stops: dict[str, dict[str, str]]) -> None:
    rows = loaded.query(
        "SELECT stop_id, precinct, sector, beat, county_name, location FROM stops"
    ).rows
    for stop_id, precinct, sector, beat, county, location in rows:
        r = stops[stop_id]
        assert precinct == r["pct"].strip()
        assert sector == (r["sector"].strip() or None)
        assert beat == (r["beat"].strip() or None)
        assert county == BOROUGH[r["city"]]
        parts = [r[c].strip() for c in ("stname", "stinter", "crossst") if r[c].strip()]
        assert location == (" & ".join(parts) or None)
    county = counts(loaded, "SELECT county_name, count(*) FROM stops GROUP BY 1")
    assert county == {BOROUGH[k]: n for k, n in _fact()["value_counts"]["city"].items()}
    assert loaded.query("SELECT count(*) FROM stops WHERE lat IS NOT NULL").scalar() == 0


def test_nypd_2016__race_letters_per_the_codebook(
    loaded: Store, stops: dict[str, dict[str, str]]
) -> None:
    raw = _fact()["value_counts"]["race"]
    race = counts(loaded, "SELECT subject_race, count(*) FROM stop_subjects GROUP BY 1")
    expected: Counter[str] = Counter()
    for letter, n in raw.items():
        expected[RACE[letter]] += n
    assert race == expected
    # P (Black-Hispanic) and Q (White-Hispanic) are both OPP hispanic.
    assert race["hispanic"] == raw["P"] + raw["Q"] == 873 + 2753
    assert race["other"] == raw["I"] + raw["Z"]
    rows = loaded.query(
        "SELECT stop_id, subject_race_detail, subject_ethnicity FROM stop_subjects"
    ).rows
    for stop_id, detail, ethnicity in rows:
        letter = stops[stop_id]["race"]
        assert _list(detail) == RACE_DETAIL[letter], letter
        assert ethnicity == ETHNICITY.get(letter, "not hispanic"), letter
    black = contains(loaded, "subject_race_detail", "black")
    hispanic = contains(loaded, "subject_race_detail", "hispanic")
    black_hispanic = loaded.query(
        f"SELECT count(*) FROM stop_subjects WHERE {black} AND {hispanic}"
    ).scalar()
    assert black_hispanic == raw["P"]
    native = contains(loaded, "subject_race_detail", "native american")
    assert loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {native}").scalar() == raw["I"]


def test_nypd_2016__sex_and_age(loaded: Store) -> None:
    raw = _fact()["value_counts"]["sex"]
    sex = counts(loaded, "SELECT subject_sex, count(*) FROM stop_subjects GROUP BY 1")
    assert sex == {SEX[k]: n for k, n in raw.items()}
    age = _fact()["age"]["age"]
    got = loaded.query(
        "SELECT count(subject_age), min(subject_age), max(subject_age) FROM stop_subjects"
    ).rows[0]
    assert tuple(got) == (age["numeric_count"], age["min"], age["max"]) == (12370, 1, 99)
    young = counts(
        loaded, "SELECT subject_age, count(*) FROM stop_subjects WHERE subject_age < 10 GROUP BY 1"
    )
    assert young == {int(k): n for k, n in age["out_of_10_110_values"].items()}


def test_nypd_2016__indicator_columns_become_booleans(loaded: Store) -> None:
    raw = _fact()["value_counts"]
    pairs = {
        "frisk_performed": "frisked",
        "search_conducted": "searched",
        "arrest_made": "arstmade",
        "summons_issued": "sumissue",
        "in_response_to_call": "radio",
        "reason_communicated": "explnstp",
    }
    for field, column in pairs.items():
        table = "stops" if field == "in_response_to_call" else "stop_subjects"
        got = counts(
            loaded,
            f"SELECT CASE WHEN {field} THEN 'Y' ELSE 'N' END, count(*) FROM {table} "
            f"WHERE {field} IS NOT NULL GROUP BY 1",
        )
        assert got == raw[column], field
    # search_person: the old form's search is of the person; only set when searched.
    person = counts(
        loaded,
        "SELECT CAST(search_person AS VARCHAR), count(*) FROM stop_subjects GROUP BY 1",
    )
    assert person == {"true": raw["searched"]["Y"], None: raw["searched"]["N"]}
    # A summons is not a citation.
    assert (
        loaded.query(
            "SELECT count(*) FROM stop_subjects WHERE citation_issued IS NOT NULL"
        ).scalar()
        == 0
    )
    assert raw["sumissue"]["Y"] == 367


def test_nypd_2016__outcome_is_arrest_then_summons(
    loaded: Store, stops: dict[str, dict[str, str]]
) -> None:
    crosstab = next(
        c["counts"]
        for c in _fact()["value_counts_crosstabs"]
        if c["columns"] == "arstmade | sumissue"
    )
    outcome = counts(loaded, "SELECT outcome, count(*) FROM stop_subjects GROUP BY 1")
    assert outcome == {
        "arrest": crosstab["Y | N"] + crosstab["Y | Y"],
        "summons": crosstab["N | Y"],
        "none": crosstab["N | N"],
    }
    reasons = loaded.query(
        "SELECT count(*) FROM stop_subjects WHERE reason_for_arrest IS NOT NULL"
    ).scalar()
    offences = sum(r["arstmade"] == "Y" and r["arstoffn"].strip() != "" for r in stops.values())
    assert reasons == offences == 2642  # one arrest has no offence


def test_nypd_2016__contraband_and_weapons(loaded: Store, stops: dict[str, dict[str, str]]) -> None:
    decoded = _fact()["decoded"]
    found = counts(
        loaded, "SELECT CAST(contraband_found AS VARCHAR), count(*) FROM stop_subjects GROUP BY 1"
    )
    # contraband_found = contrabn or any weapon found.
    assert found == {
        "true": decoded["contraband_or_weapon_found"],
        "false": 12404 - decoded["contraband_or_weapon_found"],
    }
    rows = dict(loaded.query("SELECT stop_id, contraband_types FROM stop_subjects").rows)
    assert {k: _list(v) for k, v in rows.items()} == {
        k: _flags(r, CONTRABAND) for k, r in stops.items()
    }
    firearm = contains(loaded, "contraband_types", "firearm")
    guns = sum(
        any(r[c] == "Y" for c in ("pistol", "riflshot", "asltweap", "machgun"))
        for r in stops.values()
    )
    assert loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {firearm}").scalar() == guns
    # 196 stops found contraband without a search.
    unsearched = loaded.query(
        "SELECT count(*) FROM stop_subjects WHERE contraband_found AND NOT search_conducted "
        f"AND {contains(loaded, 'contraband_types', 'other')}"
    ).scalar()
    crosstab = _fact()["value_counts_crosstabs"][0]["counts"]
    assert unsearched == crosstab["N | Y"] == 196


def test_nypd_2016__search_basis_from_the_sb_columns(
    loaded: Store, stops: dict[str, dict[str, str]]
) -> None:
    rows = dict(loaded.query("SELECT stop_id, search_basis FROM stop_subjects").rows)
    assert {k: _list(v) for k, v in rows.items()} == {
        k: _flags(r, SEARCH_BASIS) for k, r in stops.items()
    }
    with_basis = loaded.query(
        "SELECT count(*) FROM stop_subjects WHERE search_basis IS NOT NULL AND search_conducted"
    ).scalar()
    assert with_basis == _fact()["decoded"]["search_basis_any_sb"] == 2958


def test_nypd_2016__reasons_for_stop_from_the_cs_columns(
    loaded: Store, stops: dict[str, dict[str, str]]
) -> None:
    rows = loaded.query(
        "SELECT stop_id, reason_for_stop, reason_for_stop_code, reason_for_stop_text FROM stops"
    ).rows
    for stop_id, reasons, code, text in rows:
        r = stops[stop_id]
        assert _list(reasons) == _flags(r, REASON)
        assert code == r["detailCM"]
        assert text == (None if r["crimsusp"].strip() in {"", "N/A"} else r["crimsusp"].strip())
    raw = _fact()["value_counts"]
    for column, code in REASON.items():
        if code == "other reasonable suspicion":
            continue
        hits = contains(loaded, "reason_for_stop", code)
        got = loaded.query(f"SELECT count(*) FROM stops WHERE {hits}").scalar()
        assert got == raw[column]["Y"], column


def test_nypd_2016__force_and_handcuffing(loaded: Store, stops: dict[str, dict[str, str]]) -> None:
    rows = loaded.query(
        "SELECT stop_id, force_used, force_types, actions_taken FROM stop_subjects"
    ).rows
    for stop_id, used, types, actions in rows:
        r = stops[stop_id]
        expected = _flags(r, FORCE)
        assert used == (expected is not None)
        assert _list(types) == expected
        assert _list(actions) == (["handcuffed"] if r["pf_hcuff"] == "Y" else None)
    raw = _fact()["value_counts"]
    cuffed = contains(loaded, "actions_taken", "handcuffed")
    assert (
        loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {cuffed}").scalar()
        == (raw["pf_hcuff"]["Y"])
    )
    # Any pf_* box (handcuffing included), as the survey counts it.
    any_pf = loaded.query(
        f"SELECT count(*) FROM stop_subjects WHERE force_used OR {cuffed}"
    ).scalar()
    assert any_pf == _fact()["decoded"]["any_physical_force_pf"] == 3873
    takedown = contains(loaded, "force_types", "takedown")
    assert (
        loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {takedown}").scalar()
        == (raw["pf_grnd"]["Y"])
    )


def test_nypd_2016__reasons_for_frisk_kept_as_text(
    loaded: Store, stops: dict[str, dict[str, str]]
) -> None:
    rows = dict(
        loaded.query(
            "SELECT stop_id, reason_for_frisk FROM stop_subjects WHERE frisk_performed"
        ).rows
    )
    rf = [c for c in next(iter(stops.values())) if c.startswith("rf_")]
    frisked = {k for k, r in stops.items() if r["frisked"] == "Y"}
    assert set(rows) == frisked
    assert all(
        (text is not None) == any(stops[k][c] == "Y" for c in rf) for k, text in rows.items()
    )
    assert "suspicious bulge" in rows[next(k for k in frisked if stops[k]["rf_bulg"] == "Y")]
    unfrisked = loaded.query(
        "SELECT count(*) FROM stop_subjects "
        "WHERE NOT frisk_performed AND reason_for_frisk IS NOT NULL"
    ).scalar()
    assert unfrisked == 0
