"""Golden test: Seattle, WA use of force (City of Seattle open data, early 2023 export), checked
against facts read from the raw file independently (tests/data/real/seattle-uof/facts.json) and
against the raw file itself, read here with the csv module.

The mapping (agencies/wa_seattle_pd/mappings/use_of_force.yaml) makes one incident per
Incident_Num; the recodes it applies are restated below.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.contract.golden import contains, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.ingest.pipeline import IngestResult
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "seattle-uof"
FILE = "Use_Of_Force.csv"

RACE = {
    "White": "white",
    "Black or African American": "black",
    "Asian": "asian/pacific islander",
    "Nat Hawaiian/Oth Pac Islander": "asian/pacific islander",
    "American Indian/Alaska Native": "other",
    "Two or More Races": "other",
    "Hispanic or Latino": "hispanic",
    "Not Specified": "unknown",
}
# Gender-identity labels are removed by the value gate before any recode: they become missing.
SEX = {
    "Male": "male",
    "Female": "female",
    "Unknown": "unknown",
    "Other": "other",
    "-": None,
    "Transgender Female": None,
    "Transgender Male": None,
    "Non-binary": None,
}
GENDER_IDENTITY = ["Transgender Female", "Transgender Male", "Non-binary"]
PRECINCT_NON_VALUES = {"-", "X", "OOJ", "0"}
BEAT_NON_VALUES = {"-", "XX", "99", "0"}
LEVEL = {
    "Level 1 - Use of Force": 1,
    "Level 2 - Use of Force": 2,
    "Level 3 - Use of Force": 3,
    "Level 3 - OIS": 3,
}
# One record of use_of_force per row: every incident-level count below is per source row.
PER_ROW = "force_officers o JOIN use_of_force u ON u.incident_id = o.incident_id"
SUBJECT_PER_ROW = (
    "force_officers o JOIN force_subjects s"
    " ON s.incident_id = o.incident_id AND s.subject_seq = o.subject_seq"
)


@dataclass
class Loaded:
    store: Store
    result: IngestResult


@pytest.fixture
def raw(tmp_path: Path) -> list[dict[str, str]]:
    folder = tmp_path / "raw"
    folder.mkdir()
    path = real_file(SOURCE, FILE, folder)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def loaded(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Loaded:
    result = load(
        store,
        standard,
        clock,
        agency="wa_seattle_pd",
        dataset="use_of_force",
        path=real_file(SOURCE, FILE, tmp_path),
    )
    fact = facts(SOURCE)["files"][FILE]
    assert result.status == "committed"
    assert result.rows_read == fact["data_rows"] == 15120
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_quarantined == 0
    assert result.rows_junk == 0
    assert result.errors == {}
    return Loaded(store, result)


def test_seattle__one_incident_per_incident_num(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]["incidents"]
    db = loaded.store
    assert db.query("SELECT count(*) FROM use_of_force").scalar() == fact["distinct"] == 14312
    assert db.query("SELECT count(*) FROM force_officers").scalar() == 15120
    rows = counts(
        db,
        "SELECT n, count(*) FROM (SELECT incident_id, count(*) AS n FROM force_officers"
        " GROUP BY incident_id) AS i GROUP BY n",
    )
    assert rows == {int(k): v for k, v in fact["rows_per_incident"].items()}
    officers = counts(
        db,
        "SELECT n, count(*) FROM (SELECT incident_id, count(DISTINCT officer_key) AS n"
        " FROM force_officers GROUP BY incident_id) AS i GROUP BY n",
    )
    assert officers == {int(k): v for k, v in fact["officers_per_incident"].items()}
    subjects = counts(
        db,
        "SELECT n, count(*) FROM (SELECT incident_id, count(*) AS n FROM force_subjects"
        " GROUP BY incident_id) AS i GROUP BY n",
    )
    assert subjects == {int(k): v for k, v in fact["subjects_per_incident"].items()}
    # A subject seen by several officers of one Incident_Num is one record (42 repeats merged).
    pairs = sum(int(k) * v for k, v in fact["subjects_per_incident"].items())
    assert db.query("SELECT count(*) FROM force_subjects").scalar() == pairs == 15120 - 42
    assert loaded.result.records["force_subjects"].merged == 42
    linked = db.query(f"SELECT count(*) FROM {SUBJECT_PER_ROW}").scalar()
    assert linked == 15120


def test_seattle__dates_and_times(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]["dates"]["Occured_date_time"]
    db = loaded.store
    first = db.query("SELECT date, time FROM use_of_force ORDER BY date, time LIMIT 1").rows[0]
    last = db.query(
        "SELECT date, time FROM use_of_force ORDER BY date DESC, time DESC LIMIT 1"
    ).rows[0]
    assert f"{first[0]}T{first[1]}" == fact["min"] == "2014-01-27T21:10:00"
    assert f"{last[0]}T{last[1]}" == fact["max"] == "2023-01-19T00:32:00"
    assert db.query("SELECT count(*) FROM use_of_force WHERE time IS NULL").scalar() == 0
    year = "extract(year FROM u.date)"
    per_year = counts(db, f"SELECT CAST({year} AS INTEGER), count(*) FROM {PER_ROW} GROUP BY 1")
    assert per_year == {int(k): v for k, v in fact["rows_per_year"].items()}


def test_seattle__levels_and_shootings(loaded: Loaded, raw: list[dict[str, str]]) -> None:
    fact = facts(SOURCE)["files"][FILE]["value_counts"]["Incident_Type"]
    db = loaded.store
    types = counts(db, f"SELECT u.incident_type, count(*) FROM {PER_ROW} GROUP BY 1")
    assert types == fact
    levels = counts(db, f"SELECT u.force_level, count(*) FROM {PER_ROW} GROUP BY 1")
    expected: Counter[int] = Counter()
    for label, n in fact.items():
        expected[LEVEL[label]] += n
    assert levels == expected
    ois = {row["Incident_Num"] for row in raw if row["Incident_Type"] == "Level 3 - OIS"}
    shootings = counts(
        db,
        "SELECT lower(CAST(officer_involved_shooting AS VARCHAR)), count(*) FROM use_of_force"
        " GROUP BY 1",
    )
    assert shootings == {"true": len(ois), "false": 14312 - len(ois)}
    fired = db.query("SELECT count(*) FROM use_of_force WHERE firearm_discharged").scalar()
    assert fired == len(ois)
    ois_rows = db.query(
        f"SELECT count(*) FROM {PER_ROW} WHERE u.officer_involved_shooting"
    ).scalar()
    assert ois_rows == fact["Level 3 - OIS"] == 108


def test_seattle__place_non_values_are_missing(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]["value_counts"]
    db = loaded.store

    def expected(column: str, non_values: set[str]) -> dict[str | None, int]:
        out: Counter[str | None] = Counter()
        for value, n in fact[column].items():
            out[None if value in non_values else value] += n
        return dict(out)

    precinct = counts(db, f"SELECT u.precinct, count(*) FROM {PER_ROW} GROUP BY 1")
    assert precinct == expected("Precinct", PRECINCT_NON_VALUES)
    beat = counts(db, f"SELECT u.beat, count(*) FROM {PER_ROW} GROUP BY 1")
    assert beat == expected("Beat", BEAT_NON_VALUES)
    sector = counts(db, f"SELECT u.sector, count(*) FROM {PER_ROW} GROUP BY 1")
    assert sector == expected("Sector", {""})


def test_seattle__subject_race_is_recoded(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]["value_counts"]["Subject_Race"]
    db = loaded.store
    race = counts(db, f"SELECT s.subject_race, count(*) FROM {SUBJECT_PER_ROW} GROUP BY 1")
    expected: Counter[str] = Counter()
    for label, n in fact.items():
        expected[RACE[label]] += n
    assert race == expected
    islander = db.query(
        f"SELECT count(*) FROM {SUBJECT_PER_ROW} WHERE "
        + contains(db, "s.subject_race_detail", "pacific islander")
    ).scalar()
    assert islander == fact["Nat Hawaiian/Oth Pac Islander"]
    native = db.query(
        f"SELECT count(*) FROM {SUBJECT_PER_ROW} WHERE "
        + contains(db, "s.subject_race_detail", "native american")
    ).scalar()
    assert native == fact["American Indian/Alaska Native"]


def test_seattle__gender_identity_is_never_stored(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]["value_counts"]["Subject_Gender"]
    db = loaded.store
    removed = sum(fact[label] for label in GENDER_IDENTITY)
    assert removed == 37
    assert loaded.result.warnings == {"prohibited-value-removed": removed}
    sex = counts(db, f"SELECT s.subject_sex, count(*) FROM {SUBJECT_PER_ROW} GROUP BY 1")
    expected: Counter[str | None] = Counter()
    for label, n in fact.items():
        expected[SEX[label]] += n
    assert sex == expected
    # Nothing the batch kept (issues, quarantine) repeats a removed value.
    messages = [r[0] for r in db.query("SELECT message FROM batch_issues").rows]
    assert messages
    assert not any("transgender" in m.lower() or "binary" in m.lower() for m in messages)
    assert db.query("SELECT count(*) FROM quarantine_rows").scalar() == 0


def test_seattle__officers_and_report_ids(loaded: Loaded, raw: list[dict[str, str]]) -> None:
    fact = facts(SOURCE)["files"][FILE]
    db = loaded.store
    officers = fact["officer_id"]["distinct"]
    assert db.query("SELECT count(*) FROM officers").scalar() == officers == 1365
    assert db.query("SELECT count(*) FROM officer_ids WHERE id_type = 'other'").scalar() == (
        officers
    )
    orphans = db.query(
        "SELECT count(*) FROM force_officers o LEFT JOIN officers f"
        " ON f.officer_key = o.officer_key WHERE f.officer_key IS NULL"
    ).scalar()
    assert orphans == 0
    # Every row's ID is kept as its report id, the malformed one as it is.
    ids = db.query(
        "SELECT count(DISTINCT r) FROM (SELECT unnest(report_ids) AS r FROM force_officers) AS u"
    ).scalar()
    assert ids == fact["record_id"]["distinct"] == len(raw)
    malformed = fact["record_id"]["not_matching_pattern"][0]["ID"]
    kept = db.query(
        "SELECT count(*) FROM force_officers WHERE " + contains(db, "report_ids", malformed)
    ).scalar()
    assert kept == 1
    # Subject ids are kept as given (restricted), placeholders included.
    subjects = db.query("SELECT count(DISTINCT subject_id) FROM force_subjects").scalar()
    assert subjects == fact["subject_id"]["distinct"]
    top = fact["subject_id"]["most_incidents_per_subject"]["7884"]
    assert (
        db.query(
            "SELECT count(DISTINCT incident_id) FROM force_subjects WHERE subject_id = '7884'"
        ).scalar()
        == top
    )
