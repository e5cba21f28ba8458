"""Readers: every shape an agency file arrives in, and every way it can be malformed."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from openblotter.errors import SourceUnreadableError
from openblotter.ingest.mapping import ReadOptions
from openblotter.ingest.readers import (
    RAGGED,
    ROW,
    ArchiveLimits,
    RaggedSourceError,
    file_sha256,
    open_source,
)


def read_all(
    path: Path, options: ReadOptions | None = None, **kw: object
) -> tuple[list[str], pl.DataFrame]:
    reader = open_source(path, options or ReadOptions(), **kw)  # type: ignore[arg-type]
    frames = list(reader.chunks())
    return reader.columns, pl.concat(frames) if frames else pl.DataFrame()


def test_csv__utf8_bom_crlf_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'\xef\xbb\xbfid,note\r\n1,"two\r\nlines"\r\n2,"say ""hi"""\r\n')
    columns, frame = read_all(path)
    assert columns == ["id", "note"]
    assert frame["note"].to_list() == ["two\r\nlines", 'say "hi"']
    assert frame[ROW].to_list() == [2, 3]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_csv__legacy_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes("id,name\n1,José Núñez\n2,€ sign\n".encode(encoding, errors="replace"))
    reader = open_source(path, ReadOptions())
    frame = pl.concat(list(reader.chunks()))
    assert frame["name"][0] == "José Núñez"
    assert reader.encoding in {"cp1252", "latin-1"}


@pytest.mark.parametrize(("delimiter", "suffix"), [("\t", ".tsv"), (";", ".csv"), ("|", ".txt")])
def test_csv__delimiters_are_detected(tmp_path: Path, delimiter: str, suffix: str) -> None:
    path = tmp_path / f"d{suffix}"
    path.write_text(
        delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "2,5", "3"]) + "\n"
    )
    columns, frame = read_all(path)
    assert columns == ["a", "b", "c"]
    assert frame["b"].to_list() == ["2,5"]


def test_csv__two_header_lines_and_lines_before(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("Exported by RMS\nID,DATE\nid_orig,date_orig\n1,2020-01-01\n")
    columns, frame = read_all(path, ReadOptions(skip_rows=1, header_rows=2))
    assert columns == ["ID", "DATE"]
    assert frame["ID"].to_list() == ["1"]
    assert frame[ROW].to_list() == [4]


def test_csv__duplicate_and_blank_header_names_are_made_unique(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("a,a,,b\n1,2,3,4\n")
    columns, _ = read_all(path)
    assert columns == ["a", "a_2", "column", "b"]


def test_csv__ragged_rows_need_the_exact_reader(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6\n")
    with pytest.raises(RaggedSourceError):
        read_all(path)
    _, frame = read_all(path, exact=True)
    assert frame[RAGGED].to_list() == [False, True, True]
    assert frame["a"].to_list() == ["1", "3", "6"]
    assert frame["b"].to_list() == ["2", "4", ""]


def test_csv__empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(SourceUnreadableError, match="empty"):
        open_source(empty, ReadOptions())
    header = tmp_path / "h.csv"
    header.write_text("a,b\n")
    columns, frame = read_all(header)
    assert columns == ["a", "b"]
    assert frame.height == 0


def test_csv__chunks_keep_row_numbers_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a\n" + "".join(f"{i}\n" for i in range(25)))
    reader = open_source(path, ReadOptions(), chunk_rows=10)
    frames = list(reader.chunks())
    assert len(frames) >= 2
    rows = pl.concat(frames)[ROW].to_list()
    assert rows == list(range(2, 27))


def test_xlsx__sheet_choice_and_header_row(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing here"])
    data = book.create_sheet("CY 2020")
    data.append(["STOP_ID", "DATE"])
    data.append([1, "2020-01-02"])
    data.append([2, None])
    book.save(path)
    columns, frame = read_all(path, ReadOptions(sheet="CY 2020"))
    assert columns == ["STOP_ID", "DATE"]
    assert frame["STOP_ID"].to_list() == ["1", "2"]
    assert frame[ROW].to_list() == [2, 3]
    with pytest.raises(SourceUnreadableError, match="no sheet 'Missing'"):
        open_source(path, ReadOptions(sheet="Missing"))


def test_json_ndjson_parquet(tmp_path: Path) -> None:
    rows = [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}]
    (tmp_path / "r.json").write_text(json.dumps(rows))
    (tmp_path / "r.ndjson").write_text("\n".join(json.dumps(r) for r in rows))
    pl.DataFrame({"id": [1, 2], "day": ["2020-01-01", None]}).write_parquet(tmp_path / "r.parquet")
    for name in ("r.json", "r.ndjson"):
        _, frame = read_all(tmp_path / name)
        assert frame["id"].to_list() == ["1", "2"]
        assert json.loads(frame["tags"][0]) == ["a", "b"]
    _, frame = read_all(tmp_path / "r.parquet")
    assert frame["day"].to_list() == ["2020-01-01", None]


def test_zip__one_member_is_read_and_the_archive_is_the_delivery(tmp_path: Path) -> None:
    inner = tmp_path / "stops.csv"
    inner.write_text("a\n1\n")
    archive = tmp_path / "delivery.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(inner, "export/stops.csv")
        z.writestr("README.txt", "not data")
        z.writestr("__MACOSX/._stops.csv", "junk")
    reader = open_source(archive, ReadOptions(member="stops.csv"))
    assert reader.member == "export/stops.csv"
    assert pl.concat(list(reader.chunks()))["a"].to_list() == ["1"]
    assert file_sha256(archive) != file_sha256(inner)
    with pytest.raises(SourceUnreadableError, match="expected one data file"):
        open_source(archive, ReadOptions())


def test_zip__a_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.csv", "a\n" + "0\n" * 5_000_000)  # ~10 MB of zeros, ~10 KB packed
    with pytest.raises(SourceUnreadableError, match="archive bomb"):
        open_source(archive, ReadOptions(), limits=ArchiveLimits(max_bytes=1_000_000))
    with pytest.raises(SourceUnreadableError, match="archive bomb"):
        open_source(archive, ReadOptions())  # the ratio alone gives it away


def test_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadableError, match="no such file"):
        open_source(tmp_path / "missing.csv", ReadOptions())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SourceUnreadableError):
        open_source(bad, ReadOptions())
