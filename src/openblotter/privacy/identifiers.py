"""Which stored values identify a person, and which records share them.

A stop's narrative can name the person in its ``stop_subjects`` row; a force report can name the
subject of its ``force_subjects`` row. Records that hang off one root record by a foreign key on
the leading part of their primary key form a *family* (stops + stop_subjects + stop_officers;
use_of_force + force_subjects + force_officers; complaints + allegations). The identifiers of a
family are the values of its restricted, free-valued fields (names, dates of birth, plates,
licence numbers, subject ids); coded restricted fields (the volunteered identity attributes of a
hate-crime victim) are categories, not identifiers, and are only ever dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from openblotter.privacy.redact import date_variants
from openblotter.schema.model import PrivacyClass

if TYPE_CHECKING:
    from openblotter.schema.model import Field, TableSchema
    from openblotter.schema.registry import Standard

__all__ = [
    "KNOWN",
    "NAMES",
    "family_root",
    "identifier_fields",
    "merge_identifiers",
    "record_identifiers",
]

NAMES = "_names"
KNOWN = "_known"


def family_root(standard: Standard, dataset: str) -> tuple[str, tuple[str, ...]]:
    """The root dataset of ``dataset``'s family and the fields of ``dataset`` that key it."""
    schema = standard.schema(dataset)
    for fk in schema.foreign_keys:
        if fk.resource in (dataset, "agencies"):
            continue
        if schema.primary_key[: len(fk.fields)] == fk.fields:
            root, _ = family_root(standard, fk.resource)
            return root, fk.fields[: len(standard.schema(root).primary_key)]
    return dataset, schema.primary_key


def identifier_fields(schema: TableSchema) -> tuple[list[Field], list[Field]]:
    """(name fields, other identifying fields) among a dataset's restricted fields."""
    free = [
        f
        for f in schema.fields
        if f.privacy == PrivacyClass.RESTRICTED
        and f.codelist is None
        and f.type in ("string", "date", "datetime")
    ]
    names = [f for f in free if "name" in f.name]
    return names, [f for f in free if f not in names]


def record_identifiers(frame: pl.DataFrame, schema: TableSchema, key: list[str]) -> pl.DataFrame:
    """One row per ``key``: its list of names (``_names``) and other identifiers (``_known``)."""
    name_fields, other_fields = identifier_fields(schema)
    present = [f for f in (*name_fields, *other_fields) if f.name in frame.columns]
    if not present or frame.is_empty():
        empty = {k: frame.schema[k] for k in key}
        return pl.DataFrame(schema={**empty, NAMES: pl.List(pl.String), KNOWN: pl.List(pl.String)})
    names = [pl.col(f.name) for f in name_fields if f.name in frame.columns]
    known: list[pl.Expr] = []
    for fld in other_fields:
        if fld.name not in frame.columns:
            continue
        if fld.type == "string":
            known.append(pl.col(fld.name))
        else:
            known.append(
                pl.col(fld.name)
                .cast(pl.Date)
                .map_elements(date_variants, return_dtype=pl.List(pl.String))
            )
    exploded = frame.select(
        *key,
        (pl.concat_list(names) if names else pl.lit([], pl.List(pl.String))).alias(NAMES),
        (pl.concat_list(known) if known else pl.lit([], pl.List(pl.String))).alias(KNOWN),
    )
    return merge_identifiers(exploded, key)


def merge_identifiers(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """One row per ``key``: the union of the ``_names`` and ``_known`` lists of its rows."""
    return frame.group_by(key, maintain_order=True).agg(
        pl.col(column)
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique(maintain_order=True)
        for column in (NAMES, KNOWN)
    )
