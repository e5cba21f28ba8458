"""Read agency files into chunks of text columns, whatever shape they arrive in.

Supported: CSV/TSV (delimiter and quoting detection, UTF-8 with or without BOM, CP-1252 and
Latin-1, CRLF, quoted newlines), XLSX (sheet choice), JSON and NDJSON, Parquet, and ZIP archives
of these. Every cell is read as text (typing is the mapping's job) and every chunk carries
``_source_row``: the row's number in the file counting header lines, as a spreadsheet shows it.

CSV is parsed by Polars in bounded-memory batches. A file Polars cannot parse cleanly (a row with
too many or too few cells) is read again with Python's csv module, which keeps every row and
reports the ragged ones instead of failing the whole file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from openblotter.errors import SourceUnreadableError
from openblotter.ingest.archive import ArchiveLimits, extract_member
from openblotter.schema.ddl import SOURCE_ROW as ROW

if TYPE_CHECKING:
    from collections.abc import Iterator

    from openblotter.ingest.mapping import ReadOptions

__all__ = [
    "ROW",
    "ArchiveLimits",
    "RaggedSourceError",
    "SourceReader",
    "file_sha256",
    "open_source",
]

logger = logging.getLogger(__name__)

RAGGED = "_ragged"
_SNIFF_BYTES = 64 * 1024


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet",
}  # fmt: skip


def _detect_format(path: Path, requested: str) -> str:
    """The format asked for, else the one the suffix names, else the one the bytes show."""
    if requested != "auto":
        return requested
    if path.suffix.lower() in _FORMATS:
        return _FORMATS[path.suffix.lower()]
    with path.open("rb") as handle:
        head = handle.read(4)
    return "xlsx" if head.startswith(b"PK") else "parquet" if head.startswith(b"PAR1") else "csv"


def _detect_encoding(path: Path) -> str:
    """``utf-8-sig`` (BOM), ``utf-8``, or ``cp1252`` (``latin-1`` if CP-1252 cannot decode it)."""
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8"
        handle.seek(0)
        legacy = codecs.getincrementaldecoder("cp1252")()
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                legacy.decode(block)
        except UnicodeDecodeError:
            return "latin-1"
    return "cp1252"


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    target = workdir / (path.stem + ".utf8" + path.suffix)
    with (
        path.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        sample = handle.read(_SNIFF_BYTES)
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ","
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return best


@dataclass
class SourceReader:
    """An opened source: its columns and an iterator over chunks of text columns."""

    path: Path
    format: str
    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    member: str | None = None
    notes: list[str] = field(default_factory=list)
    _chunks: Iterator[pl.DataFrame] | None = None

    def chunks(self) -> Iterator[pl.DataFrame]:
        """Chunks of rows, every column text, plus ``_source_row`` (and ``_ragged``)."""
        if self._chunks is None:
            raise SourceUnreadableError(f"{self.path.name}: chunks were already read")
        chunks, self._chunks = self._chunks, None
        return chunks


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = raw.strip() or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _with_rows(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    frame = frame.select(pl.all().cast(pl.String))
    return frame.with_columns(
        pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias(ROW),
        pl.lit(value=False).alias(RAGGED),
    )


def _header(path: Path, delimiter: str, skip: int) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for _ in range(skip):
            next(reader, None)
        header = next(reader, None)
    if header is None:
        raise SourceUnreadableError(f"{path.name}: the file is empty (no header line)")
    return header


def _csv_chunks_polars(
    path: Path, columns: list[str], delimiter: str, opts: ReadOptions, chunk_rows: int
) -> Iterator[pl.DataFrame]:
    first = opts.skip_rows + opts.header_rows + 1
    frame = pl.scan_csv(
        path,
        has_header=True,
        separator=delimiter,
        skip_rows=opts.skip_rows,
        skip_rows_after_header=opts.header_rows - 1,
        infer_schema=False,
        new_columns=columns,
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    for batch in frame.collect_batches(chunk_size=chunk_rows):
        yield _with_rows(batch, first)
        first += batch.height


def _csv_chunks_python(
    path: Path, columns: list[str], delimiter: str, opts: ReadOptions, chunk_rows: int
) -> Iterator[pl.DataFrame]:
    """The exact reader: keeps ragged rows (padded or cut) and flags them."""
    width = len(columns)
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for _ in range(opts.skip_rows + opts.header_rows):
            next(reader, None)
        rows: list[list[str]] = []
        ragged: list[bool] = []
        numbers: list[int] = []
        number = opts.skip_rows + opts.header_rows
        for row in reader:
            number += 1
            ragged.append(len(row) != width)
            rows.append((row + [""] * width)[:width])
            numbers.append(number)
            if len(rows) >= chunk_rows:
                yield _python_frame(columns, rows, numbers, ragged)
                rows, numbers, ragged = [], [], []
        if rows:
            yield _python_frame(columns, rows, numbers, ragged)


def _python_frame(
    columns: list[str], rows: list[list[str]], numbers: list[int], ragged: list[bool]
) -> pl.DataFrame:
    data = {name: [r[i] for r in rows] for i, name in enumerate(columns)}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(
        pl.Series(ROW, numbers, dtype=pl.Int64), pl.Series(RAGGED, ragged, dtype=pl.Boolean)
    )


class RaggedSourceError(SourceUnreadableError):
    """Polars met a row it cannot parse; the caller reads the file again, exactly."""


def _checked(chunks: Iterator[pl.DataFrame], name: str) -> Iterator[pl.DataFrame]:
    try:
        yield from chunks
    except pl.exceptions.PolarsError as exc:
        raise RaggedSourceError(f"{name}: rows do not match the header ({exc})") from exc


def _open_csv(
    path: Path, opts: ReadOptions, fmt: str, workdir: Path, chunk_rows: int, *, exact: bool
) -> SourceReader:
    encoding = _detect_encoding(path) if opts.encoding == "auto" else opts.encoding
    readable = path
    notes = []
    if encoding not in {"utf-8", "utf-8-sig"}:
        readable = _transcode(path, encoding, workdir)
        notes.append(f"transcoded from {encoding}")
    if fmt == "tsv":
        delimiter = "\t"
    elif opts.delimiter != "auto":
        delimiter = opts.delimiter
    else:
        delimiter = _sniff_delimiter(readable, "utf-8-sig")
    columns = _unique_names(_header(readable, delimiter, opts.skip_rows))
    if exact:
        notes.append("rows with a different number of cells than the header: read exactly")
        chunks = _csv_chunks_python(readable, columns, delimiter, opts, chunk_rows)
    else:
        chunks = _checked(
            _csv_chunks_polars(readable, columns, delimiter, opts, chunk_rows), path.name
        )
    return SourceReader(
        path=path,
        format=fmt,
        columns=columns,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        _chunks=chunks,
    )


def _single_frame(path: Path, fmt: str, frame: pl.DataFrame, first_row: int) -> SourceReader:
    columns = _unique_names([str(c) for c in frame.columns])
    frame.columns = columns
    return SourceReader(
        path=path, format=fmt, columns=columns, _chunks=iter([_with_rows(frame, first_row)])
    )


def _open_xlsx(path: Path, opts: ReadOptions) -> SourceReader:
    try:
        sheets = pl.read_excel(
            path,
            sheet_id=0,
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            raise_if_empty=False,
        )
    except Exception as exc:
        raise SourceUnreadableError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    if not isinstance(sheets, dict):  # pragma: no cover - sheet_id=0 always gives a dict
        sheets = {"Sheet1": sheets}
    if opts.sheet is None:
        name = next(iter(sheets))
    elif isinstance(opts.sheet, int):
        name = list(sheets)[opts.sheet]
    elif opts.sheet in sheets:
        name = opts.sheet
    else:
        raise SourceUnreadableError(
            f"{path.name}: no sheet {opts.sheet!r} (sheets: {', '.join(sheets)})"
        )
    raw = sheets[name]
    start = opts.skip_rows
    header = [str(v) if v is not None else "" for v in raw.row(start)] if raw.height > start else []
    if not header:
        raise SourceUnreadableError(f"{path.name}: sheet {name!r} is empty")
    body = raw.slice(start + opts.header_rows)
    body.columns = _unique_names(header)
    reader = _single_frame(path, "xlsx", body, start + opts.header_rows + 1)
    reader.member = name
    return reader


def _open_json(path: Path, fmt: str) -> SourceReader:
    try:
        frame = pl.read_ndjson(path) if fmt == "ndjson" else pl.read_json(path)
    except pl.exceptions.PolarsError as exc:
        raise SourceUnreadableError(f"{path.name}: not readable as {fmt.upper()} ({exc})") from exc
    nested = [n for n, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct)]
    if nested:
        frame = frame.with_columns(pl.col(nested).map_elements(_json_text, return_dtype=pl.String))
    return _single_frame(path, fmt, frame, 1)


def _json_text(value: object) -> str:
    import json

    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, ensure_ascii=False, default=str)


def _open_parquet(path: Path, chunk_rows: int) -> SourceReader:
    try:
        lazy = pl.scan_parquet(path)
        columns = _unique_names(list(lazy.collect_schema().names()))
    except pl.exceptions.PolarsError as exc:
        raise SourceUnreadableError(f"{path.name}: not a readable Parquet file ({exc})") from exc

    def chunks() -> Iterator[pl.DataFrame]:
        first = 1
        for batch in lazy.collect_batches(chunk_size=chunk_rows):
            batch.columns = columns
            yield _with_rows(batch, first)
            first += batch.height

    return SourceReader(path=path, format="parquet", columns=columns, _chunks=chunks())


def open_source(
    path: Path,
    options: ReadOptions,
    *,
    workdir: Path | None = None,
    chunk_rows: int = 250_000,
    limits: ArchiveLimits | None = None,
    exact: bool = False,
) -> SourceReader:
    """Open a source file for reading; ``workdir`` holds transcoded or extracted copies.

    CSV is parsed by Polars unless ``exact``; when Polars meets a row it cannot parse, reading
    raises ``RaggedSourceError`` and the caller opens the file again with ``exact=True``.
    """
    if not path.is_file():
        raise SourceUnreadableError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise SourceUnreadableError(f"{path.name}: the file is empty")
    work = workdir or Path(tempfile.mkdtemp(prefix="blotter-read-"))
    member = None
    readable = path
    if zipfile.is_zipfile(path) and path.suffix.lower() not in {".xlsx", ".xlsm"}:
        readable, member = extract_member(path, options, work, limits or ArchiveLimits())
    fmt = _detect_format(readable, options.format)
    if fmt in {"csv", "tsv"}:
        reader = _open_csv(readable, options, fmt, work, chunk_rows, exact=exact)
    elif fmt == "xlsx":
        reader = _open_xlsx(readable, options)
    elif fmt in {"json", "ndjson"}:
        reader = _open_json(readable, fmt)
    elif fmt == "parquet":
        reader = _open_parquet(readable, chunk_rows)
    else:  # pragma: no cover - guarded by ReadOptions
        raise SourceUnreadableError(f"{path.name}: unsupported format {fmt}")
    reader.path = path
    if member is not None:
        reader.member = member
    logger.info("opened %s as %s (%d columns)", path.name, fmt, len(reader.columns))
    return reader
