"""A store holding stops with everything a release must not publish: names, dates of birth,
licence numbers, plates, narratives that repeat them, and planted canaries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openblotter.clock import FixedClock
from openblotter.privacy.policy import PublicationPolicy
from openblotter.schema import Standard
from openblotter.storage import Store
from tests.ingest.builders import run, write_csv, write_mapping

AGENCY = "ca_test_pd"
CANARY_FIRST = "Quillonetta"
CANARY_LAST = "Zarkowsky"
CANARY_PLATE = "CNRY4242"
CANARY_LICENCE = "D99CANARY7"
NOW = dt.datetime(2021, 6, 1, 12, tzinfo=dt.UTC)

MAPPING = """
name: sensitive_stops
version: 1
description: stops with identifiers in restricted fields and in free text
read: {missing_values: [""]}
records:
  stops:
    fields:
      stop_id: {column: id}
      date: {column: date}
      time: {column: time}
      type: {value: vehicular}
      location: {column: location}
      lat: {column: lat}
      lng: {column: lng}
      district: {column: district}
      reason_for_stop_text: {column: reason}
      violation: {column: violation, split: "|"}
      vehicle_license_plate: {column: plate}
  stop_subjects:
    fields:
      stop_id: {column: id}
      subject_seq: {value: 1}
      subject_race: {column: race}
      subject_sex: {column: sex}
      subject_age: {column: age}
      subject_first_name: {column: first}
      subject_last_name: {column: last}
      subject_birth_date: {column: dob}
      subject_drivers_license: {column: licence}
      search_conducted: {column: searched}
      contraband_found: {column: found}
"""
HEADER = [
    "id",
    "date",
    "time",
    "location",
    "lat",
    "lng",
    "district",
    "reason",
    "violation",
    "plate",
    "race",
    "sex",
    "age",
    "first",
    "last",
    "dob",
    "licence",
    "searched",
    "found",
]
FIRST = ["Maria", "James", "Aisha", "Chen", "Olu", "Dmitri", "Lucia"]
LAST = ["Alvarez", "Okafor", "Nakamura", "Lindqvist", "Moreau", "Kowalczyk", "Haddad"]
RACES = ["white", "black", "hispanic", "asian/pacific islander"]


def sensitive_rows(n: int = 90, **changes: dict[str, str]) -> list[dict[str, str]]:
    """``n`` stops; row 0 is the canary. ``changes`` maps a stop id to columns to override."""
    rows = []
    for i in range(n):
        first, last = FIRST[i % 7], LAST[(i * 3) % 7]
        day = dt.date(2020, 1, 1) + dt.timedelta(days=(i * 4) % 360)
        born = dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
        row = {
            "id": f"S{i:03d}",
            "date": day.isoformat(),
            "time": f"{i % 24:02d}:{(i * 7) % 60:02d}:00",
            "location": f"{100 + i * 17} N Main St",
            "lat": f"{34.05 + (i % 9) * 0.0123:.5f}",
            "lng": f"{-118.25 - (i % 5) * 0.0177:.5f}",
            "district": f"D{i % 3}",
            "reason": (
                f"Stopped {first} {last} (DOB {born:%m/%d/%Y}) near {200 + i} Oak Ave, "
                f"call back 555-201-{1000 + i}; plate 7ABC{i:03d}"
            ),
            "violation": "speeding|equipment" if i % 2 else "speeding",
            "plate": f"7ABC{i:03d}",
            "race": RACES[i % 4],
            "sex": "male" if i % 3 else "female",
            "age": str(17 + i % 60),
            "first": first,
            "last": last,
            "dob": born.isoformat(),
            "licence": f"D{i:07d}",
            "searched": "true" if i % 5 == 0 else "false",
            "found": ("true" if i % 10 == 0 else "false") if i % 5 == 0 else "",
        }
        if i == 0:
            row.update(
                first=CANARY_FIRST,
                last=CANARY_LAST,
                plate=CANARY_PLATE,
                licence=CANARY_LICENCE,
                dob="1911-11-11",
                reason=(
                    f"{CANARY_FIRST} {CANARY_LAST} said her plate {CANARY_PLATE} and licence "
                    f"{CANARY_LICENCE}; born 11/11/1911, phone (555) 867-5309, SSN 078-05-1120"
                ),
            )
        row.update(changes.get(row["id"], {}))
        rows.append(row)
    return rows


def load_sensitive(
    store: Store,
    standard: Standard,
    tmp_path: Path,
    rows: list[dict[str, str]],
    name: str = "stops.csv",
) -> None:
    mapping = write_mapping(tmp_path / "sensitive.yaml", MAPPING)
    path = write_csv(tmp_path / name, rows, HEADER)
    result = run(store, standard, path, mapping, clock=FixedClock(NOW))
    assert result.status == "committed", result
    assert result.rows_loaded == len(rows), result


@pytest.fixture
def sensitive_store(store: Store, standard: Standard, tmp_path: Path) -> Store:
    load_sensitive(store, standard, tmp_path, sensitive_rows())
    return store


@pytest.fixture
def policy() -> PublicationPolicy:
    return PublicationPolicy(canaries=(CANARY_FIRST, CANARY_PLATE), lag_days=7)
