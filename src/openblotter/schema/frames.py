"""The Polars type of each standard field, so frames read from either store have one shape.

DuckDB hands back typed Arrow columns; PostgreSQL rows come back as Python objects whose inferred
types depend on the values (an all-null column has no type). Casting both to ``frame_schema``
makes what the rest of the system sees independent of the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from openblotter.schema.model import Field, TableSchema

__all__ = ["frame_schema", "polars_dtype"]

_SCALAR: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "time": pl.Time(),
    "datetime": pl.Datetime("us", "UTC"),
    "year": pl.Int32(),
}


def polars_dtype(fld: Field) -> pl.DataType:
    """The Polars type a field's values have in a frame."""
    if fld.type == "list":
        return pl.List(_SCALAR[fld.item_type or "string"])
    return _SCALAR[fld.type]


def frame_schema(schema: TableSchema) -> dict[str, pl.DataType]:
    """Column name → Polars type for every field of a dataset, in order."""
    return {f.name: polars_dtype(f) for f in schema.fields}
