"""Field specs one by one: each way a mapping can build a value, on a tiny file."""

from __future__ import annotations

import json
from pathlib import Path

from openblotter.schema import Standard
from openblotter.storage import Store
from tests.ingest.builders import run, write_csv, write_mapping

HEADER = [
    "id",
    "day",
    "addrnum",
    "street",
    "cross1",
    "cross2",
    "pistol",
    "knife",
    "race",
    "gender",
    "officer",
]


def _rows() -> list[dict[str, str]]:
    return [
        {
            "id": "1",
            "day": "2021-01-02",
            "addrnum": "14",
            "street": "GAY ST",
            "cross1": "",
            "cross2": "",
            "pistol": "Y",
            "knife": "N",
            "race": "P",
            "gender": "Transgender Woman",
            "officer": "0",
        },
        {
            "id": "2",
            "day": "2021-01-03",
            "addrnum": "",
            "street": "",
            "cross1": "MAIN ST",
            "cross2": "1ST AVE",
            "pistol": "N",
            "knife": "N",
            "race": "W",
            "gender": "Male",
            "officer": "77",
        },
        {
            "id": "3",
            "day": "2021-01-04",
            "addrnum": "",
            "street": "",
            "cross1": "",
            "cross2": "",
            "pistol": "",
            "knife": "",
            "race": "B",
            "gender": "Female",
            "officer": "12",
        },
    ]


MAPPING = """
name: fields
version: 1
description: every field spec
read:
  missing_values_by_column: {officer: ["0"]}
records:
  stops:
    fields:
      stop_id: {column: id}
      date: {column: day}
      location: {coalesce: ["{addrnum} {street}", "{cross1} & {cross2}"]}
  stop_subjects:
    fields:
      stop_id: {column: id}
      subject_seq: {value: 1}
      contraband_found: {true_if_any: [{column: pistol, values: [Y]}, {column: knife, values: [Y]}]}
      subject_race: {column: race, recode: {P: hispanic, W: white, B: black}}
      subject_race_detail: {column: race, recode: {P: [black, hispanic], W: white, B: black}}
      subject_sex: {column: gender, recode: {Transgender Woman: female}}
      reason_for_frisk: {flags: [{column: pistol, code: weapon}, {column: knife, code: knife}]}
  stop_officers:
    when_present: officer
    fields:
      stop_id: {column: id}
      officer_key: {column: officer}
"""


def _load(store: Store, standard: Standard, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    result = run(
        store,
        standard,
        write_csv(tmp_path / "f.csv", rows, HEADER),
        write_mapping(tmp_path / "m.yaml", MAPPING),
    )
    assert result.rows_quarantined == 0, result.errors


def test_fields__coalesce_of_templates_gives_the_first_complete_one(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    _load(store, standard, tmp_path, _rows())
    locations = dict(store.query("SELECT stop_id, location FROM stops").rows)
    # a street called Gay St is an address, not a statement about anyone: the gate leaves it
    assert locations == {"1": "14 GAY ST", "2": "MAIN ST & 1ST AVE", "3": None}


def test_fields__true_if_any_column(store: Store, standard: Standard, tmp_path: Path) -> None:
    _load(store, standard, tmp_path, _rows())
    found = dict(store.query("SELECT stop_id, contraband_found FROM stop_subjects").rows)
    assert found == {"1": True, "2": False, "3": None}


def test_fields__one_value_recoded_to_several_list_codes(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    _load(store, standard, tmp_path, _rows())
    detail = {
        k: list(v)
        for k, v in store.query("SELECT stop_id, subject_race_detail FROM stop_subjects").rows
    }
    assert detail == {"1": ["black", "hispanic"], "2": ["white"], "3": ["black"]}


def test_fields__flags_with_nothing_ticked_are_empty(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    _load(store, standard, tmp_path, _rows())
    frisk = dict(store.query("SELECT stop_id, reason_for_frisk FROM stop_subjects").rows)
    assert frisk == {"1": "weapon", "2": None, "3": None}


def test_fields__missing_values_for_one_column(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    _load(store, standard, tmp_path, _rows())
    officers = sorted(r[0] for r in store.query("SELECT officer_key FROM stop_officers").rows)
    assert officers == ["12", "77"]  # officer 0 means "no officer" in this file


def test_fields__explicit_recode_of_a_gated_value_stores_only_the_code(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    rows = _rows()
    rows[0]["day"] = "not a date"  # quarantine the row that carries the gated value
    result = run(
        store,
        standard,
        write_csv(tmp_path / "g.csv", rows, HEADER),
        write_mapping(tmp_path / "m.yaml", MAPPING),
    )
    assert result.rows_quarantined == 1
    raw = json.loads(store.query("SELECT raw FROM quarantine_rows").scalar())
    assert raw["gender"] == "[removed: prohibited attribute]"
    assert "Transgender" not in json.dumps(raw)
    rows = _rows()
    run(
        store,
        standard,
        write_csv(tmp_path / "h.csv", rows, HEADER),
        write_mapping(tmp_path / "m.yaml", MAPPING),
    )
    assert (
        store.query("SELECT subject_sex FROM stop_subjects WHERE stop_id = '1'").scalar()
        == "female"
    )
