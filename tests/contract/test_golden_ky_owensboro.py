"""Golden test: Owensboro, KY stops (Stanford Open Policing), checked against facts read from the
raw file independently (tests/data/real/opp-ky-owensboro/facts.json)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openblotter.clock import FixedClock
from openblotter.schema import Standard
from openblotter.storage import Store
from tests.contract.golden import contains, counts, facts, load, real_file

SOURCE = "opp-ky-owensboro"
FILE = "ky_owensboro_2020_04_01.csv"


@pytest.fixture
def loaded(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Store:
    result = load(
        store,
        standard,
        clock,
        agency="ky_owensboro_pd",
        dataset="stops",
        path=real_file(SOURCE, FILE, tmp_path),
    )
    fact = facts(SOURCE)["files"][FILE]
    assert result.status == "committed"
    assert result.rows_read == fact["data_rows"] == 6921
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_quarantined == 0
    return store


def test_owensboro__every_stop_and_subject_loaded(loaded: Store) -> None:
    assert loaded.query("SELECT count(*) FROM stops").scalar() == 6921
    assert loaded.query("SELECT count(*) FROM stop_subjects").scalar() == 6921
    dates = loaded.query("SELECT min(date), max(date) FROM stops").rows[0]
    fact = facts(SOURCE)["files"][FILE]["dates"]["date"]
    assert str(dates[0]) == fact["min"]
    assert str(dates[1]) == fact["max"]


def test_owensboro__coded_values_match_the_raw_file(loaded: Store) -> None:
    raw = facts(SOURCE)["files"][FILE]["value_counts"]
    race = counts(
        loaded, "SELECT coalesce(subject_race, 'NA'), count(*) FROM stop_subjects GROUP BY 1"
    )
    assert race == raw["subject_race"]
    sex = counts(loaded, "SELECT subject_sex, count(*) FROM stop_subjects GROUP BY 1")
    assert sex == raw["subject_sex"]
    kind = counts(loaded, "SELECT coalesce(type, 'NA'), count(*) FROM stops GROUP BY 1")
    assert kind == raw["type"]
    outcome = counts(loaded, "SELECT outcome, count(*) FROM stop_subjects GROUP BY 1")
    assert outcome == raw["outcome"]
    arrests = counts(
        loaded, "SELECT upper(CAST(arrest_made AS VARCHAR)), count(*) FROM stop_subjects GROUP BY 1"
    )
    assert arrests == raw["arrest_made"]


def test_owensboro__native_american_kept_as_finer_level(loaded: Store) -> None:
    # OPP collapses raw_race AMER IND/ALASKAN into `other`; the finer level keeps it.
    native = contains(loaded, "subject_race_detail", "native american")
    rows = loaded.query(
        f"SELECT count(*) FROM stop_subjects WHERE subject_race = 'other' AND {native}"
    ).scalar()
    assert rows == facts(SOURCE)["files"][FILE]["value_counts"]["raw_race"]["AMER IND/ALASKAN"]


def test_owensboro__null_island_latitudes_are_missing(loaded: Store) -> None:
    assert loaded.query("SELECT count(*) FROM stops WHERE lat = 0").scalar() == 0
    assert loaded.query("SELECT count(*) FROM stops WHERE lat IS NULL").scalar() == 9


def test_owensboro__officers_are_keyed_by_their_hash(loaded: Store) -> None:
    distinct = facts(SOURCE)["files"][FILE]["officer_id_hash_distinct"]
    assert loaded.query("SELECT count(*) FROM officers").scalar() == distinct
    assert (
        loaded.query("SELECT count(DISTINCT officer_key) FROM stop_officers").scalar() == distinct
    )
