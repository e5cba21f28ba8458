"""The leak scan reads every format back, in bounded pieces, and misses nothing at a boundary."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from openblotter.publish import leakscan
from openblotter.publish.leakscan import Sensitive, scan
from openblotter.publish.writers import write_table


@pytest.mark.parametrize("chunk", [7, 64, 8 << 20])
def test_scan__finds_canaries_and_identifiers_in_every_format_whatever_the_chunk(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leakscan, "_CHUNK", chunk)
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(50)],
            "note": ["nothing here"] * 49 + ["Met Quillonetta Zarkowsky, plate CNRY4242"],
        }
    )
    write_table(frame, tmp_path / "data", "t")
    sensitive = Sensitive(canaries=["Quillonetta"])
    sensitive.add_value("Quillonetta Zarkowsky", "people: first + last")
    sensitive.add_value("CNRY4242", "stops.vehicle_license_plate")
    sensitive.add_value("Smith", "too common to search alone")
    findings = scan(tmp_path, sensitive)
    by_file = {(f.file, f.kind) for f in findings}
    for fmt in ("csv", "ndjson", "parquet", "xlsx"):
        assert (f"data/t.{fmt}", "canary") in by_file
        assert (f"data/t.{fmt}", "identifier") in by_file
    assert not any("common" in f.source for f in findings)
    assert all("Quillonetta" not in f.source for f in findings)


def test_scan__a_clean_folder_has_no_finding(tmp_path: Path) -> None:
    write_table(pl.DataFrame({"id": ["a"], "note": ["1200 block of N MAIN ST"]}), tmp_path, "t")
    sensitive = Sensitive(canaries=["Quillonetta"], restricted_columns={"subject_last_name"})
    sensitive.add_value("Jackson Pollock", "people")
    assert scan(tmp_path, sensitive) == []


def test_scan__a_restricted_column_header_is_a_finding(tmp_path: Path) -> None:
    write_table(
        pl.DataFrame({"id": ["a"], "subject_last_name": ["x"]}), tmp_path, "t", formats=("csv",)
    )
    findings = scan(tmp_path, Sensitive(restricted_columns={"subject_last_name"}))
    assert [(f.kind, f.source) for f in findings] == [("restricted column", "subject_last_name")]
