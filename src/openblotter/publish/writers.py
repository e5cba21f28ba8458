"""Write a public table as CSV, NDJSON, Parquet and XLSX, byte for byte the same every time.

- **CSV** (RFC 4180, UTF-8, LF, header row): list fields joined with their delimiter; a text
  cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL gets a leading
  ``'`` so no spreadsheet runs it as a formula (OWASP ASVS 1.2.10). The same in XLSX, where every
  text cell is written as text, never as a formula.
- **NDJSON** and **Parquet** keep exact values (programs read them, not spreadsheets).
- **XLSX** (XlsxWriter, constant memory): one sheet per million rows; fixed document dates, and
  XlsxWriter's fixed zip timestamps, so two runs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["FORMULA_STARTS", "XLSX_MAX_ROWS", "neutralise_formulas", "write_table"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with ``'``."""
    pattern = (
        "^["
        + "".join(
            {"-": r"\-", "\t": r"\t", "\r": r"\r", "\0": r"\x00"}.get(c, c) for c in FORMULA_STARTS
        )
        + "]"
    )
    texts = [n for n, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [
            pl.when(pl.col(n).str.contains(pattern))
            .then(pl.lit("'") + pl.col(n))
            .otherwise(pl.col(n))
            .alias(n)
            for n in texts
        ]
    )


def _flat(frame: pl.DataFrame, delimiters: dict[str, str]) -> pl.DataFrame:
    """Lists joined with their delimiter; times and dates as ISO text is left to the writers."""
    lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.with_columns([pl.col(n).list.join(delimiters.get(n, ";")) for n in lists])


def _csv(frame: pl.DataFrame, path: Path, delimiters: dict[str, str]) -> None:
    flat = neutralise_formulas(_flat(frame, delimiters))
    flat.write_csv(
        path,
        line_terminator="\n",
        datetime_format="%Y-%m-%dT%H:%M:%SZ",
        time_format="%H:%M:%S",
        null_value="",
    )


def _xlsx(frame: pl.DataFrame, path: Path, delimiters: dict[str, str], sheet: str) -> None:
    import xlsxwriter  # type: ignore[import-untyped]

    flat = neutralise_formulas(_flat(frame, delimiters))
    temporal = [n for n, t in flat.schema.items() if t.is_temporal()]
    flat = flat.with_columns([pl.col(n).cast(pl.String) for n in temporal])
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"created": _EPOCH.replace(tzinfo=None), "title": sheet})
    header = workbook.add_format({"bold": True})
    starts = range(0, max(flat.height, 1), XLSX_MAX_ROWS)
    for part, start in enumerate(starts):
        name = sheet[:28] if part == 0 else f"{sheet[:24]} ({part + 1})"
        worksheet = workbook.add_worksheet(name)
        worksheet.freeze_panes(1, 0)
        for col, column in enumerate(flat.columns):
            worksheet.write_string(0, col, column, header)
        for r, row in enumerate(flat.slice(start, XLSX_MAX_ROWS).iter_rows(), start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    worksheet.write_string(r, col, value)
                elif isinstance(value, bool):
                    worksheet.write_boolean(r, col, value)
                else:
                    worksheet.write_number(r, col, value)
    workbook.close()


def write_table(
    frame: pl.DataFrame,
    folder: Path,
    name: str,
    *,
    formats: tuple[str, ...] = ("csv", "ndjson", "parquet", "xlsx"),
    delimiters: dict[str, str] | None = None,
) -> list[Path]:
    """Write ``frame`` as ``folder/name.<format>`` for each format; return the paths."""
    delimiters = delimiters or {}
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            _csv(frame, path, delimiters)
        elif fmt == "ndjson":
            frame.write_ndjson(path)
        elif fmt == "parquet":
            frame.write_parquet(path, compression="zstd", statistics=False)
        elif fmt == "xlsx":
            _xlsx(frame, path, delimiters, name)
        paths.append(path)
    return paths
