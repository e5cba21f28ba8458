"""Table Schema → SQL DDL, per dialect. Dataset tables are never written by hand.

Every dataset table gets the schema's fields, in order, plus three provenance columns that the
loader fills: ``_batch_id`` (the batch that last wrote the record), ``_source_row`` (its row
number in the source file) and ``_record_hash`` (a digest of the record's values, to tell an
unchanged re-delivery from a correction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from openblotter.errors import SchemaError

if TYPE_CHECKING:
    from openblotter.schema.model import Field, TableSchema

__all__ = [
    "PROVENANCE_COLUMNS",
    "SOURCE_ROW",
    "Dialect",
    "column_type",
    "create_table_sql",
    "quote",
]

Dialect = Literal["duckdb", "postgres"]

_TYPES: dict[Dialect, dict[str, str]] = {
    "duckdb": {
        "string": "VARCHAR",
        "integer": "BIGINT",
        "number": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "time": "TIME",
        "datetime": "TIMESTAMPTZ",
        "year": "INTEGER",
        "list": "VARCHAR[]",
    },
    "postgres": {
        "string": "TEXT",
        "integer": "BIGINT",
        "number": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "time": "TIME",
        "datetime": "TIMESTAMPTZ",
        "year": "INTEGER",
        "list": "TEXT[]",
    },
}

#: the row's number in its source file (header lines included), on every record and issue
SOURCE_ROW = "_source_row"

PROVENANCE_COLUMNS: dict[str, dict[Dialect, str]] = {
    "_batch_id": {"duckdb": "BIGINT NOT NULL", "postgres": "BIGINT NOT NULL"},
    SOURCE_ROW: {"duckdb": "BIGINT", "postgres": "BIGINT"},
    "_record_hash": {"duckdb": "VARCHAR", "postgres": "TEXT"},
}


def quote(identifier: str) -> str:
    """Quote an SQL identifier (both dialects use double quotes)."""
    if '"' in identifier or "\x00" in identifier:
        raise SchemaError(f"refusing to quote identifier {identifier!r}")
    return f'"{identifier}"'


def column_type(field: Field, dialect: Dialect) -> str:
    """The SQL type of a field in a dialect."""
    try:
        return _TYPES[dialect][field.type]
    except KeyError:
        raise SchemaError(f"no {dialect} type for field type {field.type!r}") from None


def create_table_sql(
    schema: TableSchema, dialect: Dialect, *, table: str | None = None, primary_key: bool = True
) -> str:
    """``CREATE TABLE`` for a dataset, with its provenance columns and (optionally) its key.

    The embedded DuckDB store is created without the key constraint (see ADR 0005): its index
    must fit in memory, and the loader already guarantees one record per key.
    """
    name = table or schema.name
    lines = []
    for fld in schema.fields:
        null = " NOT NULL" if fld.required or fld.name in schema.primary_key else ""
        lines.append(f"  {quote(fld.name)} {column_type(fld, dialect)}{null}")
    lines.extend(f"  {quote(col)} {types[dialect]}" for col, types in PROVENANCE_COLUMNS.items())
    if schema.primary_key and primary_key:
        lines.append(f"  PRIMARY KEY ({', '.join(quote(k) for k in schema.primary_key)})")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {quote(name)} (\n{body}\n)"
