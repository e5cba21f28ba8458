"""Batches on both stores: all-or-nothing, idempotent, upserting, counts conserved, quarantine."""

from __future__ import annotations

import json
from pathlib import Path

from openblotter.ingest.mapping import Mapping
from openblotter.schema import Standard
from openblotter.storage import Store
from tests.ingest.builders import run, stop_row, write_csv


def _count(store: Store, table: str) -> int:
    return int(store.query(f"SELECT count(*) FROM {table}").scalar())


def test_ingest__loads_every_record_and_conserves_counts(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "stops.csv", [stop_row(i) for i in range(100)])
    result = run(store, standard, path, stops_mapping)
    assert result.status == "committed"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (100, 100, 0)
    assert result.records["stops"].inserted == 100
    assert _count(store, "stops") == _count(store, "stop_subjects") == 100
    rows = store.query("SELECT DISTINCT _batch_id FROM stops").rows
    assert rows == [(result.batch_id,)]
    lineage = store.query("SELECT min(_source_row), max(_source_row) FROM stops").rows[0]
    assert lineage == (2, 101)  # the header is row 1


def test_ingest__bad_rows_go_to_quarantine_with_reasons(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    """RELIABILITY.md A.1: bad date, value not in the code list, missing key."""
    rows = [stop_row(i) for i in range(50)]
    rows[10] = stop_row(10, date="2020-13-45")
    rows[20] = stop_row(20, race="Q")
    rows[30] = stop_row(30, id="")
    result = run(store, standard, write_csv(tmp_path / "s.csv", rows), stops_mapping)
    assert result.rows_read == 50
    assert result.rows_quarantined == 3
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert _count(store, "stops") == 47
    assert _count(store, "stop_subjects") == 47  # a bad row keeps none of its records
    issues = store.query(
        "SELECT source_row, dataset, field, code FROM batch_issues WHERE quarantined "
        "ORDER BY source_row, dataset, field"
    ).rows
    codes = {(row, code) for row, _, _, code in issues}
    assert (12, "invalid-date") in codes
    assert (22, "value-not-in-codelist") in codes
    assert (32, "missing-required-field") in codes
    raw = json.loads(store.query("SELECT raw FROM quarantine_rows WHERE source_row = 22").scalar())
    assert raw["race"] == "Q"
    message = store.query(
        "SELECT message FROM batch_issues WHERE source_row = 22 AND code = 'value-not-in-codelist'"
    ).scalar()
    assert "Q" in message  # a code (not an identifier) is shown so the recode can be fixed


def test_ingest__same_file_twice_is_a_no_op(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [stop_row(i) for i in range(20)])
    first = run(store, standard, path, stops_mapping)
    second = run(store, standard, path, stops_mapping)
    assert second.status == "duplicate"
    assert second.duplicate_of == first.batch_id
    assert _count(store, "stops") == 20
    assert _count(store, "batches") == 1


def test_ingest__corrected_redelivery_upserts_and_reports_changes(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    original = [stop_row(i) for i in range(30)]
    run(store, standard, write_csv(tmp_path / "v1.csv", original), stops_mapping)
    corrected = [stop_row(i, type="pedestrian") if i < 10 else stop_row(i) for i in range(32)]
    result = run(store, standard, write_csv(tmp_path / "v2.csv", corrected), stops_mapping)
    stops = result.records["stops"]
    assert (stops.inserted, stops.updated, stops.unchanged) == (2, 10, 20)
    assert _count(store, "stops") == 32
    assert store.query("SELECT count(*) FROM stops WHERE type = 'pedestrian'").scalar() == 10
    changed_batch = store.query("SELECT DISTINCT _batch_id FROM stops WHERE type = 'pedestrian'")
    assert changed_batch.rows == [(result.batch_id,)]


def test_ingest__duplicate_key_in_one_file_keeps_the_first(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    """RELIABILITY.md A.5: two copies of one record → one record, one quarantine row."""
    rows = [stop_row(i) for i in range(10)] + [stop_row(3, type="pedestrian")]
    result = run(store, standard, write_csv(tmp_path / "d.csv", rows), stops_mapping)
    assert result.rows_quarantined == 1
    # one issue for each dataset in which the row repeats a key: stops, subjects, officers
    assert result.errors == {"duplicate-key": 3}
    assert _count(store, "stops") == 10
    assert store.query("SELECT type FROM stops WHERE stop_id = 'S3'").scalar() == "vehicular"
    issue = store.query(
        "SELECT source_row, message FROM batch_issues "
        "WHERE code = 'duplicate-key' AND dataset = 'stops'"
    )
    assert issue.rows[0][0] == 12
    assert "source row 5" in issue.rows[0][1]
    assert store.query("SELECT count(*) FROM quarantine_rows WHERE source_row = 12").scalar() == 1
    raw = json.loads(store.query("SELECT raw FROM quarantine_rows WHERE source_row = 12").scalar())
    assert set(raw) == {"stops", "stop_subjects", "stop_officers"}  # every record the row gave
    assert raw["stops"] == [
        {
            "agency_slug": "ca_test_pd",
            "stop_id": "S3",
            "date": "2020-03-01",
            "time": "12:30:00",
            "type": "pedestrian",
        }
    ]


def test_ingest__reject_threshold_loads_nothing(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    """RELIABILITY.md A.2: above the reject threshold the target is unchanged."""
    rows = [stop_row(i, date="bad") if i < 3 else stop_row(i) for i in range(20)]
    result = run(
        store, standard, write_csv(tmp_path / "r.csv", rows), stops_mapping, reject_above=0.1
    )
    assert result.status == "rejected"
    assert _count(store, "stops") == 0
    assert store.query("SELECT status FROM batches").scalar() == "rejected"
    quarantined = "SELECT count(DISTINCT source_row) FROM batch_issues WHERE quarantined"
    assert store.query(quarantined).scalar() == 3


def test_ingest__junk_rows_are_counted_per_rule(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    rows = [stop_row(i) for i in range(5)]
    rows.append(dict.fromkeys(rows[0], " "))  # an all-space record (NYPD 2016's trailer)
    rows.append({k: k for k in rows[0]})  # a repeated header
    result = run(store, standard, write_csv(tmp_path / "j.csv", rows), stops_mapping)
    assert result.junk == {"blank-record": 1, "repeated-header": 1}
    assert result.rows_read == 7
    assert result.rows_loaded == 5
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read


def test_ingest__predicated_values_are_removed_with_a_warning(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    rows = [stop_row(1, searched="FALSE", basis="consent")]
    result = run(store, standard, write_csv(tmp_path / "p.csv", rows), stops_mapping)
    assert result.rows_loaded == 1
    assert result.warnings.get("predicate-violated") == 1
    assert store.query("SELECT search_basis FROM stop_subjects").scalar() is None


def test_ingest__list_fields_split_and_recode(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    rows = [stop_row(0, basis="consent; probable cause;consent")]
    run(store, standard, write_csv(tmp_path / "l.csv", rows), stops_mapping)
    value = store.query("SELECT search_basis FROM stop_subjects").scalar()
    assert list(value) == ["consent", "probable cause"]


def test_ingest__an_agency_yaml_outside_the_standard_is_refused(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    import pytest

    from openblotter.errors import ConfigError
    from openblotter.ingest.mapping import AgencyConfig
    from openblotter.ingest.pipeline import ingest_file
    from tests.ingest.builders import FixedClock, datetime_utc

    bad = AgencyConfig(
        slug="ca_test_pd", name="Test", state="CA", agency_type="police dept", timezone="UTC"
    )
    path = write_csv(tmp_path / "a.csv", [stop_row(1)])
    with pytest.raises(ConfigError, match="agency_type"):
        ingest_file(
            store,
            standard,
            path,
            mapping=stops_mapping,
            agency_slug=bad.slug,
            agency=bad,
            clock=FixedClock(datetime_utc),
        )
    assert _count(store, "batches") == 0
    assert not [t for t in store.tables() if t.startswith("_stage_")]


def test_ingest__links_to_missing_records_are_reported_not_dropped(
    store: Store, standard: Standard, stops_mapping: Mapping, tmp_path: Path
) -> None:
    """stop_officers point at officers; this mapping writes no officers records."""
    rows = [stop_row(i) for i in range(5)] + [stop_row(5, officer="")]
    result = run(store, standard, write_csv(tmp_path / "o.csv", rows), stops_mapping)
    assert result.rows_loaded == 6
    assert result.warnings["unknown-reference"] == 5  # the row without an officer has no link
    assert _count(store, "stop_officers") == 5
    messages = store.query(
        "SELECT DISTINCT message FROM batch_issues WHERE code = 'unknown-reference'"
    ).rows
    assert messages == [("stop_officers.agency_slug, officer_key points to no officers record",)]
