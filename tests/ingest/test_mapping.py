"""Mappings: structure errors, checks against the standard, choosing one, drafting one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openblotter.errors import ConfigError, NotFoundError
from openblotter.ingest.agencies import AgencyFolder, choose_mapping
from openblotter.ingest.mapping import load_mapping
from openblotter.ingest.scaffold import check_mapping, scaffold
from openblotter.schema import Standard
from openblotter.storage import initialize
from openblotter.storage.duckdb import DuckDBStore
from tests.ingest.builders import STOPS_MAPPING, run, stop_row, write_csv, write_mapping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("records:\n  stops:\n    fields:\n      stop_id: {colum: id}\n", "colum"),
        ("records:\n  stops:\n    fields:\n      stop_id: {column: id, value: 1}\n", "exactly one"),
        ("version: 0\n", "version"),
        ("read: {format: docx}\n", "read.format"),
    ],
)
def test_load_mapping__structure_errors_name_the_key(
    tmp_path: Path, change: str, message: str
) -> None:
    data = yaml.safe_load(STOPS_MAPPING)
    data.update(yaml.safe_load(change))
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=message):
        load_mapping(path)


def test_load_mapping__not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("records: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_mapping(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "stop_id: {column: id}\n      date",
            "stop_id: {column: id}\n      nonsense: {column: id}\n      date",
            "no field 'nonsense'",
        ),
        ("recode: {B: black", "recode: {B: purple", "'purple' is not in code list race"),
        ("  stops:\n", "  stopz:\n", "no dataset 'stopz'"),
    ],
)
def test_check_mapping__against_the_standard(
    standard: Standard, tmp_path: Path, old: str, new: str, message: str
) -> None:
    mapping = write_mapping(tmp_path / "m.yaml", STOPS_MAPPING.replace(old, new, 1))
    with pytest.raises((ConfigError, NotFoundError), match=message):
        check_mapping(mapping, standard)


def test_check_mapping__notes_what_is_missing(standard: Standard, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "m.yaml")
    notes = check_mapping(mapping, standard)
    assert any("tested_against" in n for n in notes)


def test_every_agency_mapping__is_valid(standard: Standard) -> None:
    paths = sorted(ROOT.glob("agencies/*/mappings/*.yaml"))
    assert paths
    for path in paths:
        check_mapping(load_mapping(path), standard)


def test_every_agency_mapping__has_a_golden_test() -> None:
    golden = " ".join(p.read_text() for p in (ROOT / "tests" / "contract").glob("test_golden_*.py"))
    for path in sorted(ROOT.glob("agencies/*/mappings/*.yaml")):
        slug = path.parent.parent.name
        assert f'"{slug}"' in golden, f"{path} has no golden test naming agency {slug}"


def test_choose_mapping__by_checksum_then_by_columns(tmp_path: Path) -> None:
    old = write_mapping(tmp_path / "old.yaml", STOPS_MAPPING.replace("name: stops", "name: old"))
    new_text = STOPS_MAPPING.replace("name: stops", "name: new").replace(
        "column: id}", "column: ID}"
    )
    new = write_mapping(tmp_path / "new.yaml", new_text)
    path = write_csv(tmp_path / "f.csv", [stop_row(1)])
    assert choose_mapping([old, new], path).name == "old"
    other = tmp_path / "other.csv"
    other.write_text("x\n1\n")
    with pytest.raises(ConfigError, match="no mapping fits"):
        choose_mapping([old, new], other)


def test_agency_folder__unknown_agency_lists_the_known(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="ky_owensboro_pd"):
        AgencyFolder.find(ROOT / "agencies", "zz_nowhere")


def test_scaffold__drafts_a_mapping_that_checks(standard: Standard, tmp_path: Path) -> None:
    rows = [stop_row(i) for i in range(30)]
    header = [
        "stop_id",
        "date",
        "time",
        "type",
        "subject_race",
        "subject_age",
        "search_conducted",
        "officer_key",
    ]
    data = [
        {
            "stop_id": r["id"],
            "date": r["date"],
            "time": r["time"],
            "type": r["type"],
            "subject_race": "NA"
            if i == 0
            else {"B": "black", "W": "white", "H": "Hisp"}[r["race"]],
            "subject_age": r["age"],
            "search_conducted": r["searched"],
            "officer_key": r["officer"],
        }
        for i, r in enumerate(rows)
    ]
    path = write_csv(tmp_path / "agency.csv", data, header)
    text = scaffold(path, "stops", standard)
    draft = yaml.safe_load(text)
    assert draft["read"]["missing_values"] == ["", "NA"]
    assert draft["records"]["stop_subjects"]["fields"]["subject_race"]["recode"] == {
        "Hisp": "REVIEW"
    }
    assert draft["records"]["stop_officers"]["fields"]["stop_id"] == {"column": "stop_id"}
    # the data officer's review: the date format, then the time format, then the unknown code
    fixed = (
        text.replace("REVIEW (strftime format)", "'%Y-%m-%d'", 1)
        .replace("REVIEW (strftime format)", "'%H:%M:%S'", 1)
        .replace("Hisp: REVIEW", "Hisp: hispanic")
    )
    out = tmp_path / "draft.yaml"
    out.write_text(fixed)
    draft_mapping = load_mapping(out)
    check_mapping(draft_mapping, standard)
    # and the reviewed draft loads the whole file
    with DuckDBStore(":memory:") as store:
        initialize(store, standard)
        result = run(store, standard, path, draft_mapping)
        assert (result.rows_loaded, result.errors) == (30, {})
        races = dict(
            store.query("SELECT subject_race, count(*) FROM stop_subjects GROUP BY 1").rows
        )
    assert races == {None: 1, "black": 9, "white": 10, "hispanic": 10}  # row 0 is "NA"
