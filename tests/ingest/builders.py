"""Builders for ingest tests: small agency files and mappings written into tmp_path."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openblotter.clock import FixedClock
from openblotter.ingest.mapping import AgencyConfig, Mapping, load_mapping
from openblotter.ingest.pipeline import IngestResult, ingest_file
from openblotter.schema import Standard
from openblotter.storage import Store

datetime_utc = datetime(2026, 1, 1, tzinfo=UTC)

AGENCY = AgencyConfig(
    slug="ca_test_pd",
    name="Test Police Department",
    state="CA",
    agency_type="municipal police",
    timezone="America/Los_Angeles",
)

STOPS_MAPPING = """
name: stops
version: 1
description: test stops
read: {missing_values: ["", "NA"]}
records:
  stops:
    fields:
      stop_id: {column: id}
      date: {column: date, format: ["%Y-%m-%d", "%m/%d/%Y"]}
      time: {column: time}
      type: {column: type}
  stop_subjects:
    fields:
      stop_id: {column: id}
      subject_seq: {value: 1}
      subject_race: {column: race, recode: {B: black, W: white, H: hispanic}}
      subject_age: {column: age}
      search_conducted: {column: searched}
      search_basis: {column: basis, split: ";"}
      contraband_found: {column: found}
  stop_officers:
    when_present: officer
    fields:
      stop_id: {column: id}
      officer_key: {column: officer}
"""

HEADER = ["id", "date", "time", "type", "race", "age", "searched", "basis", "found", "officer"]


def stop_row(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid source row (valid by default; override one column to make it bad)."""
    row = {
        "id": f"S{i}",
        "date": "2020-03-01",
        "time": "12:30:00",
        "type": "vehicular",
        "race": "BWH"[i % 3],
        "age": str(20 + i % 50),
        "searched": "TRUE" if i % 4 == 0 else "FALSE",
        "basis": "consent" if i % 4 == 0 else "",
        "found": "FALSE" if i % 4 == 0 else "",
        "officer": f"o{i % 7}",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_mapping(path: Path, text: str = STOPS_MAPPING) -> Mapping:
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


@pytest.fixture
def stops_mapping(tmp_path: Path) -> Mapping:
    return write_mapping(tmp_path / "stops.yaml")


def run(
    store: Store, standard: Standard, path: Path, mapping: Mapping, **options: Any
) -> IngestResult:
    clock = options.pop("clock", FixedClock(datetime_utc))
    return ingest_file(
        store,
        standard,
        path,
        mapping=mapping,
        agency_slug=AGENCY.slug,
        agency=AGENCY,
        clock=clock,
        **options,
    )
