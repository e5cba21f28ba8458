"""Golden test: Dallas, TX response to resistance 2016 (CPE prepared copy), checked against facts
read from the raw file independently (tests/data/real/dallas-uof-2016/facts.json) and against the
raw file itself, read here with the csv module.

The mapping (agencies/tx_dallas_pd/mappings/use_of_force.yaml) makes one incident per officer's
report (the row's UOF_NUMBER list); the recodes it applies are restated below.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pytest

from tests.contract.golden import contains, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.ingest.pipeline import IngestResult
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "dallas-uof-2016"
FILE = "37-00049_UOF-P_2016_prepped.csv"
FORCE_COLUMNS = [f"TYPE_OF_FORCE_USED{i}" for i in range(1, 11)]

# The mapping's recode of TYPE_OF_FORCE_USEDn (None: not force, left out).
FORCE = {
    "Verbal Command": None,
    "Combat Stance": None,
    "Weapon display at Person": "firearm pointed",
    "Taser": "electronic control device",
    "Taser Display at Person": "ecd displayed",
    "OC Spray": "chemical agent",
    "Pepperball Saturation": "chemical agent",
    "Pepperball Impact": "impact projectile",
    "K-9 Deployment": "canine deployed",
    "Baton Strike/Open Mode": "impact weapon",
    "Baton Strike/Closed Mode": "impact weapon",
    "Other Impact Weapon": "impact weapon",
    "Baton Display": "impact weapon displayed",
    "Hand/Arm/Elbow Strike": "strike",
    "Feet/Leg/Knee Strike": "strike",
    "Take Down - Arm": "takedown",
    "Take Down - Body": "takedown",
    "Take Down - Group": "takedown",
    "Take Down - Head": "takedown",
    "Handcuffing Take Down": "takedown",
    "BD - Tripped": "takedown",
    "BD - Grabbed": "physical control",
    "BD - Pushed": "physical control",
    "Held Suspect Down": "physical control",
    "Joint Locks": "physical control",
    "Pressure Points": "physical control",
    "Hand Controlled Escort": "physical control",
    "LVNR": "neck restraint",
    "Leg Restraint System": "restraint device",
}
RACE = {
    "Black": "black",
    "Hispanic": "hispanic",
    "White": "white",
    "Asian": "asian/pacific islander",
    "Other": "other",
    "American Ind": "other",
    "NULL": None,
}
SEX = {"Male": "male", "Female": "female", "Unknown": "unknown", "NULL": None}
REASON = {
    "Service Call": "call for service",
    "Call for Cover": "call for service",
    "Traffic Stop": "traffic stop",
    "Pedestrian Stop": "pedestrian stop",
    "Warrant Execution": "warrant service",
    "Suspicious Activity": "suspicious activity",
    "Crime in Progress": "suspicious activity",
    "Crowd Control": "crowd control",
    "Off-Duty Employment": "off duty",
    "Off-Duty Incident": "off duty",
    "Arrest": "other",
    "Other ( In Narrative)": "other",
    "Accidental Discharge": "other",
    "NULL": None,
}
YES_NO = {"Yes": "true", "No": "false"}


@dataclass
class Loaded:
    store: Store
    result: IngestResult


def raw_rows(path: Path) -> list[dict[str, str]]:
    """The data rows (after the two header lines), keyed by the first header line's names."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        next(reader)  # Dallas's original names
        return [dict(zip(header, row, strict=True)) for row in reader]


def mdy(text: str) -> date:
    """M/D/YY with a two-digit year (hire years 1979-2016)."""
    month, day, year = (int(part) for part in text.split("/"))
    return date(1900 + year if year >= 69 else 2000 + year, month, day)


def force_codes(row: dict[str, str]) -> set[str]:
    return {code for c in FORCE_COLUMNS if row[c] and (code := FORCE[row[c]]) is not None}


def list_len(store: Store, column: str) -> str:
    return f"len({column})" if store.dialect == "duckdb" else f"cardinality({column})"


@pytest.fixture
def raw(tmp_path: Path) -> list[dict[str, str]]:
    folder = tmp_path / "raw"
    folder.mkdir()
    return raw_rows(real_file(SOURCE, FILE, folder))


@pytest.fixture
def loaded(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Loaded:
    result = load(
        store,
        standard,
        clock,
        agency="tx_dallas_pd",
        dataset="use_of_force",
        path=real_file(SOURCE, FILE, tmp_path),
    )
    fact = facts(SOURCE)["files"][FILE]
    assert result.status == "committed"
    assert result.rows_read == fact["data_rows"] == 2383
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_quarantined == 0
    assert result.rows_junk == 0
    assert result.errors == {}
    return Loaded(store, result)


def test_dallas__one_incident_per_officer_report(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]
    db = loaded.store
    # Two header lines: the second (Dallas's names) is not a data row.
    assert db.query("SELECT count(*) FROM use_of_force WHERE incident_id = 'UOFNum'").scalar() == 0
    # One incident per distinct UOF_NUMBER list; the 50 lists repeated on several rows merge.
    incidents = fact["uof_number"]["distinct_strings_after_strip"]
    assert db.query("SELECT count(*) FROM use_of_force").scalar() == incidents == 2328
    assert loaded.result.records["use_of_force"].merged == 2383 - 2328
    assert db.query("SELECT count(*) FROM force_subjects").scalar() == 2383
    assert db.query("SELECT count(*) FROM force_officers").scalar() == 2383
    several = db.query(
        "SELECT count(*) FROM (SELECT incident_id FROM force_subjects GROUP BY incident_id"
        " HAVING count(*) > 1) AS s"
    ).scalar()
    assert several == fact["uof_number"]["strings_on_more_than_one_row"] == 50
    # Those repeats are several unidentified people (SUBJECT_ID 0) on one officer's report.
    unknown = db.query(
        "SELECT count(*) FROM force_subjects WHERE subject_id IS NOT NULL AND incident_id IN"
        " (SELECT incident_id FROM force_subjects WHERE subject_seq > 1)"
    ).scalar()
    assert unknown == 0
    assert db.query("SELECT max(subject_seq) FROM force_subjects").scalar() == 4
    linked = db.query(
        "SELECT count(*) FROM force_officers o JOIN force_subjects s"
        " ON s.incident_id = o.incident_id AND s.subject_seq = o.subject_seq"
    ).scalar()
    assert linked == 2383


def test_dallas__uof_numbers_are_report_ids(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]["uof_number"]
    db = loaded.store
    n = list_len(db, "report_ids")
    per_row = counts(db, f"SELECT {n}, count(*) FROM force_officers GROUP BY 1")
    assert per_row == {int(k): v for k, v in fact["numbers_per_row"].items()}
    distinct = db.query(
        "SELECT count(DISTINCT r) FROM (SELECT unnest(report_ids) AS r FROM force_officers) AS u"
    ).scalar()
    assert distinct == fact["distinct_individual_numbers"] == 5422
    spaced = db.query("SELECT count(*) FROM use_of_force WHERE incident_id LIKE ' %'").scalar()
    assert spaced == 0


def test_dallas__dates_times_and_places(loaded: Loaded) -> None:
    fact = facts(SOURCE)["files"][FILE]
    db = loaded.store
    low, high = db.query(
        "SELECT min(date), max(date) FROM force_officers o JOIN use_of_force u"
        " ON u.incident_id = o.incident_id"
    ).rows[0]
    assert str(low) == fact["dates"]["INCIDENT_DATE"]["min"]
    assert str(high) == fact["dates"]["INCIDENT_DATE"]["max"]
    rows_without_time = db.query(
        "SELECT count(*) FROM force_officers o JOIN use_of_force u ON u.incident_id = o.incident_id"
        " WHERE u.time IS NULL"
    ).scalar()
    assert rows_without_time == fact["dates"]["INCIDENT_TIME"]["missing"] == 10
    times = db.query("SELECT min(time), max(time) FROM use_of_force").rows[0]
    assert str(times[0]) == fact["dates"]["INCIDENT_TIME"]["min"]
    assert str(times[1]) == fact["dates"]["INCIDENT_TIME"]["max"]
    no_coords = db.query(
        "SELECT count(*) FROM force_officers o JOIN use_of_force u ON u.incident_id = o.incident_id"
        " WHERE u.lat IS NULL AND u.lng IS NULL"
    ).scalar()
    assert no_coords == fact["coordinates"]["latitude_empty"] == 55
    division = counts(
        db,
        "SELECT u.division, count(*) FROM force_officers o JOIN use_of_force u"
        " ON u.incident_id = o.incident_id GROUP BY 1",
    )
    assert division == fact["value_counts"]["DIVISION"]


def test_dallas__subjects_match_the_raw_file(loaded: Loaded) -> None:
    raw = facts(SOURCE)["files"][FILE]["value_counts"]
    db = loaded.store

    def expected(column: str, recode: dict[str, str | None]) -> Counter[str | None]:
        out: Counter[str | None] = Counter()
        for value, n in raw[column].items():
            out[recode[value]] += n
        return out

    race = counts(db, "SELECT subject_race, count(*) FROM force_subjects GROUP BY 1")
    assert race == expected("SUBJECT_RACE", RACE)
    native = db.query(
        "SELECT count(*) FROM force_subjects WHERE "
        + contains(db, "subject_race_detail", "native american")
    ).scalar()
    assert native == raw["SUBJECT_RACE"]["American Ind"]
    sex = counts(db, "SELECT subject_sex, count(*) FROM force_subjects GROUP BY 1")
    assert sex == expected("SUBJECT_GENDER", SEX)
    arrested = counts(
        db, "SELECT lower(CAST(arrest_made AS VARCHAR)), count(*) FROM force_subjects GROUP BY 1"
    )
    assert arrested == expected("SUBJECT_WAS_ARRESTED", YES_NO)
    injured = counts(
        db,
        "SELECT lower(CAST(subject_injured AS VARCHAR)), count(*) FROM force_subjects GROUP BY 1",
    )
    assert injured == expected("SUBJECT_INJURY", YES_NO)
    # SUBJECT_ID 0 is an unidentified person: no subject_id.
    subject = facts(SOURCE)["files"][FILE]["subject_id"]
    missing = db.query("SELECT count(*) FROM force_subjects WHERE subject_id IS NULL").scalar()
    assert missing == subject["rows_with_id_0_unknown_subject"] == 147
    distinct = db.query("SELECT count(DISTINCT subject_id) FROM force_subjects").scalar()
    assert distinct == subject["distinct_excluding_0"]


def test_dallas__subject_description_splits_into_impairment_and_weapons(loaded: Loaded) -> None:
    raw = facts(SOURCE)["files"][FILE]["value_counts"]["SUBJECT_DESCRIPTION"]
    db = loaded.store
    impaired = counts(
        db,
        "SELECT lower(CAST(subject_impaired AS VARCHAR)), count(*) FROM force_subjects GROUP BY 1",
    )
    kinds = [
        "Mentally unstable",
        "Alchohol",
        "Unknown Drugs",
        "Alchohol and unknown drugs",
        "Marijuana",
    ]
    assert impaired["true"] == sum(raw[k] for k in kinds)
    assert impaired["false"] == raw["None detected"]
    alcohol = db.query(
        "SELECT count(*) FROM force_subjects WHERE "
        + contains(db, "subject_impairment_types", "alcohol")
        + " AND "
        + contains(db, "subject_impairment_types", "drugs")
    ).scalar()
    assert alcohol == raw["Alchohol and unknown drugs"]
    weapons = counts(
        db,
        "SELECT w, count(*) FROM (SELECT unnest(subject_weapon_types) AS w FROM force_subjects)"
        " AS u GROUP BY 1",
    )
    assert weapons == {
        "firearm": raw["FD-Suspect w/ Gun"],
        "other": raw["FD-Suspect w/ Other Weapon"],
        "none": raw["FD-Suspect Unarmed"],
        "motor vehicle": raw["FD-Motor Vehicle"],
        "unknown": raw["FD-Unknown if Armed"],
    }


def test_dallas__force_types_match_the_raw_file(loaded: Loaded, raw: list[dict[str, str]]) -> None:
    db = loaded.store
    expected: Counter[str] = Counter()
    for row in raw:
        expected.update(force_codes(row))
    for table in ("force_officers", "force_subjects"):
        found = counts(
            db,
            f"SELECT f, count(*) FROM (SELECT unnest(force_types) AS f FROM {table}) AS u"
            " GROUP BY 1",
        )
        assert found == expected
    # Taser is listed 184 times on 177 rows (twice on 7 rows: one code per row); nothing else
    # becomes an ECD use.
    taser = sum(1 for row in raw if "Taser" in [row[c] for c in FORCE_COLUMNS])
    assert expected["electronic control device"] == taser == 177
    cells = facts(SOURCE)["files"][FILE]["force_types_all_columns"]["Taser"]
    assert cells == 184
    only_talk = sum(1 for row in raw if not force_codes(row))
    assert db.query("SELECT count(*) FROM force_officers WHERE force_types IS NULL").scalar() == (
        only_talk
    )


def test_dallas__reason_for_contact_is_recoded(loaded: Loaded, raw: list[dict[str, str]]) -> None:
    first: dict[str, dict[str, str]] = {}
    for row in raw:
        first.setdefault(row["UOF_NUMBER"].strip(), row)
    expected = Counter(REASON[row["INCIDENT_REASON"]] for row in first.values())
    found = counts(loaded.store, "SELECT reason_for_contact, count(*) FROM use_of_force GROUP BY 1")
    assert found == expected
    off_duty = counts(
        loaded.store,
        "SELECT lower(CAST(officer_on_duty AS VARCHAR)), count(*) FROM force_officers GROUP BY 1",
    )
    reasons = facts(SOURCE)["files"][FILE]["value_counts"]["INCIDENT_REASON"]
    assert off_duty["false"] == reasons["Off-Duty Employment"] + reasons["Off-Duty Incident"]
    assert off_duty[None] == (
        reasons["Other ( In Narrative)"] + reasons["Accidental Discharge"] + reasons["NULL"]
    )


def test_dallas__ecd_cycle_lists_are_summed(loaded: Loaded) -> None:
    raw = facts(SOURCE)["files"][FILE]["value_counts"]["NUMBER_EC_CYCLES"]
    cycles = counts(
        loaded.store,
        "SELECT ecd_cycle_count, count(*) FROM force_officers GROUP BY 1",
    )
    # Lists are summed (' 1, 1' -> 2, ' 2, 4' -> 6, ' 3, 2' -> 5, ' 3, 3' -> 6); the three 0s
    # are lost to the file-wide missing marker `0` (which exists for OFFICER_ID and SUBJECT_ID).
    assert cycles == {
        None: raw["NULL"] + raw["0"],
        1: raw["1"],
        2: raw["2"] + raw[" 1, 1"],
        3: raw["3"],
        4: raw["4"],
        5: raw["5"] + raw[" 3, 2"],
        6: raw["6"] + raw[" 2, 4"] + raw[" 3, 3"],
    }


def test_dallas__officers_are_keyed_by_current_badge(
    loaded: Loaded, raw: list[dict[str, str]]
) -> None:
    fact = facts(SOURCE)["files"][FILE]
    db = loaded.store
    badges = {row["OFFICER_ID"] for row in raw} - {"0"}
    assert len(badges) == fact["officer_id"]["distinct"] - 1 == 1040
    assert db.query("SELECT count(*) FROM officers").scalar() == len(badges)
    assert db.query("SELECT count(*) FROM officer_ids WHERE id_type = 'badge'").scalar() == len(
        badges
    )
    # OFFICER_ID 0 (no current badge number) is an officer who cannot be identified.
    unidentified = sum(1 for row in raw if row["OFFICER_ID"] == "0")
    assert unidentified == 6
    nulls = db.query("SELECT count(*) FROM force_officers WHERE officer_key IS NULL").scalar()
    assert nulls == unidentified
    orphans = db.query(
        "SELECT count(*) FROM force_officers o LEFT JOIN officers f ON f.officer_key ="
        " o.officer_key WHERE o.officer_key IS NOT NULL AND f.officer_key IS NULL"
    ).scalar()
    assert orphans == 0
    hired = [mdy(row["OFFICER_HIRE_DATE"]) for row in raw if row["OFFICER_ID"] != "0"]
    low, high = db.query(
        "SELECT min(officer_hire_date), max(officer_hire_date) FROM officers"
    ).rows[0]
    assert str(low) == fact["dates"]["OFFICER_HIRE_DATE"]["min"] == "1979-08-20" == str(min(hired))
    assert high == max(hired)
    sex = counts(db, "SELECT officer_sex, count(*) FROM force_officers GROUP BY 1")
    assert sex == {
        "male": fact["value_counts"]["OFFICER_GENDER"]["Male"],
        "female": fact["value_counts"]["OFFICER_GENDER"]["Female"],
    }
    race = counts(db, "SELECT officer_race, count(*) FROM force_officers GROUP BY 1")
    expected: Counter[str | None] = Counter()
    for value, n in fact["value_counts"]["OFFICER_RACE"].items():
        expected[RACE[value]] += n
    assert race == expected
    # Years on force as given; the three 0s (officer-0 rows) are lost to the missing marker `0`.
    years = db.query(
        "SELECT count(*) FROM force_officers WHERE officer_years_of_service IS NULL"
    ).scalar()
    assert years == fact["value_counts"]["OFFICER_YEARS_ON_FORCE"]["0"] == 3


def test_dallas__injury_lists_need_an_injured_person(
    loaded: Loaded, raw: list[dict[str, str]]
) -> None:
    # Items the mapping does not count as an injury type.
    not_types = {
        "no injuries noted or visible",
        "no",
        "no injuries",
        "no visible injuries",
        "no injuries visible",
        "none",
        "injured prior to contact",
        "injury not related to force",
        "treated by dfd",
        "treated by dfd/ baylor",
        "hospitalized",
        "hospital drug evaluation",
        "apoww",
        "transported by dfd",
    }

    def has_type(text: str) -> bool:
        return any(item.strip().lower() not in not_types for item in text.split(","))

    subjects = sum(
        1 for r in raw if r["SUBJECT_INJURY"] == "No" and has_type(r["SUBJECT_INJURY_TYPE"])
    )
    officers = sum(
        1 for r in raw if r["OFFICER_INJURY"] == "No" and has_type(r["OFFICER_INJURY_TYPE"])
    )
    # Injury types on people recorded as not injured are emptied, with a warning each.
    assert loaded.result.warnings == {"predicate-violated": subjects + officers}
    db = loaded.store
    assert (
        db.query(
            "SELECT count(*) FROM force_subjects WHERE NOT subject_injured"
            " AND subject_injury_types IS NOT NULL"
        ).scalar()
        == 0
    )
    burns = db.query(
        "SELECT count(*) FROM force_subjects WHERE "
        + contains(db, "subject_injury_types", "ecd probe wound")
    ).scalar()
    assert burns > 0
