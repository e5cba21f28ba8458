"""Write a public table as CSV, NDJSON, Parquet and XLSX, byte for byte the same every time.

- **CSV** (RFC 4180, UTF-8, LF, header row): list fields joined with their delimiter; a text
  cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL gets a leading
  ``'`` so no spreadsheet runs it as a formula (OWASP ASVS 1.2.10). The same in XLSX, where every
  text cell is written as text, never as a formula.
- **NDJSON** and **Parquet** keep exact values (programs read them, not spreadsheets).
- **XLSX**: a minimal SpreadsheetML workbook (inline strings, a bold frozen header row) built
  with vectorised string operations, one sheet per million rows, zip entries dated 1980-01-01 and
  no document properties, so two runs give the same bytes. Characters XML cannot hold (control
  characters) are dropped from XLSX cells only.
"""

from __future__ import annotations

import zipfile
from html import escape
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["FORMULA_STARTS", "XLSX_MAX_ROWS", "neutralise_formulas", "write_table"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header


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


_ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OX = "http://schemas.openxmlformats.org"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_REL = f"{_OX}/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="{_OX}/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SML}.styles+xml"/>'
        "{sheets}</Types>"
    ),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="{_OX}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_OX}/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all(_ILLEGAL_XML, "")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _cell(name: str, dtype: pl.DataType, letters: str) -> pl.Expr:
    """The XML of one column's cells (inline strings, numbers, booleans; nothing for null)."""
    column = pl.col(name)
    ref = pl.lit(f'<c r="{letters}') + pl.col("__row").cast(pl.String)
    if dtype == pl.Boolean:
        body = (
            ref + pl.lit('" t="b"><v>') + column.cast(pl.Int8).cast(pl.String) + pl.lit("</v></c>")
        )
    elif dtype.is_numeric():
        value = column.fill_nan(None) if dtype.is_float() else column
        value = (
            pl.when(value.is_infinite()).then(None).otherwise(value) if dtype.is_float() else value
        )
        body = ref + pl.lit('"><v>') + value.cast(pl.String) + pl.lit("</v></c>")
    else:
        body = (
            ref
            + pl.lit('" t="inlineStr"><is><t xml:space="preserve">')
            + _escape(column.cast(pl.String))
            + pl.lit("</t></is></c>")
        )
    return body.fill_null("")


def _sheet_xml(frame: pl.DataFrame, first_row: int) -> Iterator[bytes]:
    """The worksheet XML of ``frame`` (header row first), in pieces."""
    yield (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        b'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
    )
    letters = [_column_letters(i) for i in range(frame.width)]
    header = "".join(
        f'<c r="{col}1" s="1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
        for col, name in zip(letters, frame.columns, strict=True)
    )
    yield f'<row r="1">{header}</row>'.encode()
    cells = [_cell(n, t, col) for (n, t), col in zip(frame.schema.items(), letters, strict=True)]
    for start in range(0, frame.height, 50_000):
        chunk = frame.slice(start, 50_000).with_columns(
            pl.int_range(
                first_row + start + 2, first_row + start + 2 + min(50_000, frame.height - start)
            ).alias("__row")
        )
        rows = chunk.select(
            (
                pl.lit('<row r="')
                + pl.col("__row").cast(pl.String)
                + pl.lit('">')
                + pl.concat_str(cells)
                + pl.lit("</row>")
            ).alias("xml")
        )
        yield "".join(rows.get_column("xml").to_list()).encode()
    yield b"</sheetData></worksheet>"


def _xlsx(frame: pl.DataFrame, path: Path, delimiters: dict[str, str], sheet: str) -> None:
    """A minimal, valid SpreadsheetML workbook written with vectorised string building."""
    flat = neutralise_formulas(_flat(frame, delimiters))
    temporal = [n for n, t in flat.schema.items() if t.is_temporal()]
    flat = flat.with_columns([pl.col(n).cast(pl.String) for n in temporal])
    starts = list(range(0, max(flat.height, 1), XLSX_MAX_ROWS))
    names = [sheet[:28] if i == 0 else f"{sheet[:24]} ({i + 1})" for i in range(len(starts))]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(starts))
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, n in enumerate(names)
        )
        + "</sheets></workbook>"
    )
    relations = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(starts))
        )
        + f'<Relationship Id="rId{len(starts) + 1}" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
    )
    parts = {
        "[Content_Types].xml": _XLSX_PARTS["[Content_Types].xml"].replace("{sheets}", overrides),
        "_rels/.rels": _XLSX_PARTS["_rels/.rels"],
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": relations,
        "xl/styles.xml": _XLSX_PARTS["xl/styles.xml"],
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode())
        for i, start in enumerate(starts):
            info = zipfile.ZipInfo(f"xl/worksheets/sheet{i + 1}.xml", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                for piece in _sheet_xml(flat.slice(start, XLSX_MAX_ROWS), start):
                    handle.write(piece)


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
