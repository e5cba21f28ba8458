"""Golden test: Hartford, CT vehicle stops (Stanford Open Policing), checked against facts read
from the raw file independently (tests/data/real/opp-ct-hartford/facts.json) and against the raw
file itself, read here with the csv module. Where the mapping recodes, the recode is restated
below and applied to the raw values."""

from __future__ import annotations

import csv
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from tests.contract.golden import contains, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "opp-ct-hartford"
FILE = "ct_hartford_2020_04_01.csv"
AGENCY = "ct_hartford_pd"

# The recodes of agencies/ct_hartford_pd/mappings/stops.yaml, restated.
REASON = {
    "Speed Related": "moving violation",
    "Stop Sign": "moving violation",
    "Traffic Control Signal": "moving violation",
    "Moving Violation": "moving violation",
    "Cell Phone": "moving violation",
    "Defective Lights": "equipment violation",
    "Window Tint": "equipment violation",
    "Equipment Violation": "equipment violation",
    "Display of Plates": "non-moving violation",
    "Registration": "non-moving violation",
    "Suspended License": "non-moving violation",
    "Unlicensed Operation": "non-moving violation",
    "Seatbelt": "non-moving violation",
    "Administrative Offense": "non-moving violation",
    "STC Violation": "traffic violation",
    "Other": "other",
}
SEARCH_BASIS = {"O": "probable cause", "C": "consent", "I": "vehicle inventory", "N": None}
RESULTS = {
    "I": "citation",
    "M": "summons",
    "V": "verbal warning",
    "W": "written warning",
    "N": "no action",
    "U": None,
}
RACE_DETAIL = {"W": "white", "B": "black", "I": "native american", "A": None}
ETHNICITY = {"H": "hispanic", "N": "not hispanic", "N|H": "unknown"}


def _fact() -> dict[str, Any]:
    fact: dict[str, Any] = facts(SOURCE)["files"][FILE]
    return fact


def _items(text: str, table: dict[str, str | None]) -> list[str] | None:
    """A `|` list recoded item by item, duplicates and missing items dropped (as the engine)."""
    out: list[str] = []
    for part in text.split("|"):
        code = table[part]
        if code is not None and code not in out:
            out.append(code)
    return out or None


@pytest.fixture(scope="module")
def raw_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """The raw file's rows with their line numbers (header = line 1), read with csv."""
    path = real_file(SOURCE, FILE, tmp_path_factory.mktemp("raw"))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [dict(row, _line=str(n)) for n, row in enumerate(csv.DictReader(handle), start=2)]
    assert len(rows) == _fact()["data_rows"] == 18439
    return rows


@pytest.fixture(scope="module")
def dated(raw_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows that load: every row but the 4 with date NA."""
    return [r for r in raw_rows if r["date"] != "NA"]


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
    assert result.rows_read == fact["data_rows"] == 18439
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_junk == 0
    # The only rows quarantined are the stops without a date (stops.date is required).
    assert result.rows_quarantined == fact["dates"]["date"]["missing"] == 4
    assert result.rows_loaded == 18435
    assert result.errors == {"missing-required-field": 4}
    return store


def test_hartford__undated_stops_are_the_only_quarantined_rows(loaded: Store) -> None:
    rows = loaded.query(
        "SELECT source_row, dataset, field, code FROM batch_issues WHERE severity = 'error' "
        "ORDER BY source_row"
    ).rows
    lines = _fact()["dates"]["date_NA_lines"]
    assert [r[0] for r in rows] == lines == [6061, 10880, 14216, 14559]
    assert {(r[1], r[2], r[3]) for r in rows} == {("stops", "date", "missing-required-field")}
    quarantined = loaded.query("SELECT source_row FROM quarantine_rows ORDER BY 1").rows
    assert [r[0] for r in quarantined] == lines


def test_hartford__every_dated_stop_loaded_once(loaded: Store, dated: list[dict[str, str]]) -> None:
    for table in ("stops", "stop_subjects", "stop_officers"):
        assert loaded.query(f"SELECT count(*) FROM {table}").scalar() == len(dated) == 18435
    dates = loaded.query("SELECT min(date), max(date), min(time), max(time) FROM stops").rows[0]
    fact = _fact()["dates"]
    assert str(dates[0]) == fact["date"]["min"] == "2013-10-13"
    assert str(dates[1]) == fact["date"]["max"] == "2016-09-29"
    assert str(dates[2]) == fact["time"]["min"]
    assert str(dates[3]) == fact["time"]["max"]
    kind = counts(loaded, "SELECT type, count(*) FROM stops GROUP BY 1")
    assert kind == {"vehicular": 18435}
    role = counts(loaded, "SELECT subject_role, count(*) FROM stop_subjects GROUP BY 1")
    assert role == {"driver": 18435}


def test_hartford__pipe_joined_ids_are_kept_as_text(
    loaded: Store, raw_rows: list[dict[str, str]], dated: list[dict[str, str]]
) -> None:
    record = _fact()["record_id"]
    assert sum("|" in r["raw_row_number"] for r in raw_rows) == record["pipe_joined_ids"] == 203
    ids = {r[0] for r in loaded.query("SELECT stop_id FROM stops").rows}
    assert ids == {r["raw_row_number"] for r in dated}
    assert sum("|" in i for i in ids) == 203
    assert "2773|2778" in ids
    subjects = loaded.query(
        "SELECT count(*) FROM stop_subjects s JOIN stops t ON s.stop_id = t.stop_id"
    ).scalar()
    assert subjects == 18435


def test_hartford__opp_columns_match_the_raw_file(
    loaded: Store, raw_rows: list[dict[str, str]], dated: list[dict[str, str]]
) -> None:
    raw = _fact()["value_counts"]
    # The raw counts over every row are the facts; the loaded rows are those minus the 4 undated.
    for column in ("subject_race", "subject_sex", "arrest_made", "citation_issued"):
        assert Counter(r[column] for r in raw_rows) == raw[column]
    race = counts(loaded, "SELECT subject_race, count(*) FROM stop_subjects GROUP BY 1")
    assert race == Counter(r["subject_race"] for r in dated)
    sex = counts(loaded, "SELECT subject_sex, count(*) FROM stop_subjects GROUP BY 1")
    assert sex == Counter(r["subject_sex"] for r in dated)
    for column in ("arrest_made", "citation_issued", "warning_issued", "search_conducted"):
        got = counts(
            loaded,
            f"SELECT coalesce(upper(CAST({column} AS VARCHAR)), 'NA'), count(*) "
            f"FROM stop_subjects GROUP BY 1",
        )
        assert got == Counter(r[column] for r in dated), column
    district = counts(loaded, "SELECT coalesce(district, 'NA'), count(*) FROM stops GROUP BY 1")
    assert district == Counter(r["district"] for r in dated)
    ages = loaded.query("SELECT min(subject_age), max(subject_age) FROM stop_subjects").rows[0]
    assert (ages[0], ages[1]) == (14, 94)
    located = loaded.query("SELECT count(lat), count(lng) FROM stops").rows[0]
    expected = sum(r["lat"] != "NA" for r in dated)
    assert (located[0], located[1]) == (expected, expected)
    # OPP's geocodes, kept as they are: some fall far outside Hartford (40.7067181, -76.866 is in
    # Pennsylvania; 42.3426, -71.1217 in Massachusetts), every one of them with district NA.
    bounds = loaded.query("SELECT min(lat), max(lat), min(lng), max(lng) FROM stops").rows[0]
    lats = [float(r["lat"]) for r in dated if r["lat"] != "NA"]
    lngs = [float(r["lng"]) for r in dated if r["lng"] != "NA"]
    assert tuple(bounds) == pytest.approx((min(lats), max(lats), min(lngs), max(lngs)))
    far = [r for r in dated if r["lat"] != "NA" and not 41.6 < float(r["lat"]) < 41.9]
    assert far
    assert all(r["district"] == "NA" for r in far)


def test_hartford__predicated_search_fields(loaded: Store, dated: list[dict[str, str]]) -> None:
    # search_vehicle, search_basis and contraband_found apply only when search_conducted.
    unsearched = loaded.query(
        "SELECT count(*) FROM stop_subjects WHERE NOT search_conducted AND ("
        "search_vehicle IS NOT NULL OR search_basis IS NOT NULL OR contraband_found IS NOT NULL)"
    ).scalar()
    assert unsearched == 0
    vehicle = counts(
        loaded,
        "SELECT upper(CAST(search_vehicle AS VARCHAR)), count(*) FROM stop_subjects "
        "WHERE search_conducted GROUP BY 1",
    )
    crosstab = _fact()["value_counts_crosstabs"][2]["counts"]
    assert vehicle == {"TRUE": crosstab["TRUE | TRUE"], "FALSE": crosstab["TRUE | FALSE"], None: 2}
    contraband = counts(
        loaded,
        "SELECT coalesce(upper(CAST(contraband_found AS VARCHAR)), 'NA'), count(*) "
        "FROM stop_subjects GROUP BY 1",
    )
    assert contraband == Counter(r["contraband_found"] for r in dated)


def test_hartford__search_basis_from_the_raw_authorisation_code(
    loaded: Store, dated: list[dict[str, str]]
) -> None:
    # Recode: O -> probable cause (OPP's level), C -> consent, I (inventory) -> vehicle
    # inventory, N -> none; `|` lists split, so merged rows keep the basis OPP left NA.
    got = dict(loaded.query("SELECT stop_id, search_basis FROM stop_subjects").rows)
    expected = {
        r["raw_row_number"]: _items(r["raw_search_authorization_code"], SEARCH_BASIS) for r in dated
    }
    assert {k: (list(v) if v is not None else None) for k, v in got.items()} == expected
    # Against OPP: each single code gives OPP's search_basis; I is the finer level of `other`.
    opp = Counter(r["search_basis"] for r in dated)
    pc = contains(loaded, "search_basis", "probable cause")
    inventory = contains(loaded, "search_basis", "vehicle inventory")
    consent = contains(loaded, "search_basis", "consent")
    assert (
        loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {inventory}").scalar()
        == (opp["other"])
        == 35
    )
    # 4 searched merged rows OPP left without a basis: O|N, N|O (probable cause), O|C (both).
    assert loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {pc}").scalar() == (
        opp["probable cause"] + 4
    )
    assert loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {consent}").scalar() == (
        opp["consent"] + 1
    )
    assert (
        loaded.query(
            "SELECT count(*) FROM stop_subjects WHERE search_conducted AND search_basis IS NULL"
        ).scalar()
        == 0
    )


def test_hartford__outcome_filled_from_the_raw_disposition(
    loaded: Store, raw_rows: list[dict[str, str]], dated: list[dict[str, str]]
) -> None:
    assert Counter(r["outcome"] for r in raw_rows) == _fact()["value_counts"]["outcome"]
    # Recode: OPP's outcome when given; else raw disposition M -> summons, N -> none; merged
    # rows with `|`-joined codes stay missing.
    expected = Counter(
        r["outcome"]
        if r["outcome"] != "NA"
        else {"M": "summons", "N": "none"}.get(r["raw_intervention_disposition_code"], "NA")
        for r in dated
    )
    assert (expected["summons"], expected["none"], expected["NA"]) == (2349, 162, 10)
    got = counts(loaded, "SELECT coalesce(outcome, 'NA'), count(*) FROM stop_subjects GROUP BY 1")
    assert got == expected
    # summons_issued: a disposition code M, alone or in a merged list.
    summons = counts(
        loaded,
        "SELECT upper(CAST(summons_issued AS VARCHAR)), count(*) FROM stop_subjects GROUP BY 1",
    )
    with_m = sum("M" in r["raw_intervention_disposition_code"].split("|") for r in dated)
    assert summons == {"TRUE": with_m, "FALSE": len(dated) - with_m}


def test_hartford__stop_results_from_the_raw_disposition(
    loaded: Store, raw_rows: list[dict[str, str]], dated: list[dict[str, str]]
) -> None:
    # Recode (split on `|`): I citation, M summons, V verbal warning, W written warning,
    # N no action; U (custodial arrest, warrant unknown) has no stop_result code.
    got = dict(loaded.query("SELECT stop_id, stop_results FROM stop_subjects").rows)
    expected = {
        r["raw_row_number"]: _items(r["raw_intervention_disposition_code"], RESULTS) for r in dated
    }
    assert {k: (list(v) if v is not None else None) for k, v in got.items()} == expected
    # Against the facts' counts of the raw codes, less the 4 undated (quarantined) rows.
    raw = _fact()["value_counts"]["raw_intervention_disposition_code"]
    undated = Counter(r["raw_intervention_disposition_code"] for r in raw_rows if r["date"] == "NA")
    citation = contains(loaded, "stop_results", "citation")
    assert loaded.query(f"SELECT count(*) FROM stop_subjects WHERE {citation}").scalar() == (
        sum(n for code, n in raw.items() if "I" in code.split("|")) - undated["I"]
    )


def test_hartford__race_detail_and_ethnicity_from_the_raw_codes(
    loaded: Store, dated: list[dict[str, str]]
) -> None:
    rows = loaded.query(
        "SELECT stop_id, subject_race, subject_race_detail, subject_ethnicity FROM stop_subjects"
    ).rows
    got = {r[0]: (r[1], list(r[2]) if r[2] is not None else None, r[3]) for r in rows}
    expected = {}
    for r in dated:
        detail = [d for d in [RACE_DETAIL[r["raw_subject_race_code"]]] if d]
        if r["raw_subject_ethnicity_code"] == "H":
            detail.append("hispanic")
        expected[r["raw_row_number"]] = (
            r["subject_race"],
            detail or None,
            ETHNICITY[r["raw_subject_ethnicity_code"]],
        )
    assert got == expected
    # OPP's hispanic is raw ethnicity H over any race code: the detail says which.
    crosstab = _fact()["value_counts_crosstabs"][5]["counts"]
    hispanic = contains(loaded, "subject_race_detail", "hispanic")
    white = contains(loaded, "subject_race_detail", "white")
    black = contains(loaded, "subject_race_detail", "black")
    both = loaded.query(
        "SELECT count(*) FROM stop_subjects "
        f"WHERE subject_race = 'hispanic' AND {hispanic} AND {white}"
    ).scalar()
    assert both == crosstab["hispanic | W"] == 4953  # no undated row is Hispanic
    black_hispanic = loaded.query(
        f"SELECT count(*) FROM stop_subjects WHERE subject_race = 'hispanic' AND {black}"
    ).scalar()
    assert black_hispanic == crosstab["hispanic | B"] == 112
    native = contains(loaded, "subject_race_detail", "native american")
    other = loaded.query(
        f"SELECT count(*) FROM stop_subjects WHERE subject_race = 'other' AND {native}"
    ).scalar()
    assert other == crosstab["other | I"] == 29


def test_hartford__reason_for_stop_recoded_and_kept_as_text(
    loaded: Store, dated: list[dict[str, str]]
) -> None:
    rows = loaded.query("SELECT stop_id, reason_for_stop, reason_for_stop_text FROM stops").rows
    got = {r[0]: (list(r[1]) if r[1] is not None else None, r[2]) for r in rows}
    expected = {
        r["raw_row_number"]: (
            _items(r["reason_for_stop"], REASON),  # type: ignore[arg-type]
            r["reason_for_stop"],
        )
        for r in dated
    }
    assert got == expected
    assert _fact()["reason_for_stop_pipe_lists"] == 9


def test_hartford__officers_are_keyed_by_their_hash(
    loaded: Store, dated: list[dict[str, str]]
) -> None:
    distinct = _fact()["officer_id_hash_distinct"]
    assert distinct == len({r["officer_id_hash"] for r in dated}) == 333
    assert loaded.query("SELECT count(*) FROM officers").scalar() == distinct
    assert loaded.query("SELECT count(*) FROM officer_ids").scalar() == distinct
    assert (
        loaded.query("SELECT count(DISTINCT officer_key) FROM stop_officers").scalar() == distinct
    )
    orphans = loaded.query(
        "SELECT count(*) FROM stop_officers s LEFT JOIN officers o "
        "ON s.officer_key = o.officer_key WHERE o.officer_key IS NULL"
    ).scalar()
    assert orphans == 0
    roles = counts(loaded, "SELECT officer_role, count(*) FROM stop_officers GROUP BY 1")
    assert roles == {"primary": 18435}
