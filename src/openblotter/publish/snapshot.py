"""Read one agency's records from the store, and the identifiers of each record family.

A release reads every dataset inside one snapshot (a batch committed halfway through cannot make
the tables disagree); the frames keep restricted fields, because the de-identification step and
the leak scan need them: they never leave this process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from openblotter.privacy.identifiers import (
    KNOWN,
    NAMES,
    family_root,
    merge_identifiers,
    record_identifiers,
)
from openblotter.publish.completeness import date_field
from openblotter.schema.ddl import quote
from openblotter.schema.frames import frame_schema

if TYPE_CHECKING:
    import datetime as dt

    from openblotter.schema.registry import Standard
    from openblotter.storage.base import Transaction

__all__ = ["Families", "family_identifiers", "read_agency_frames"]

#: family root → (its key, one row per root record with the family's names and identifiers)
Families = dict[str, tuple[tuple[str, ...], pl.DataFrame]]


def read_agency_frames(
    tx: Transaction, standard: Standard, agency_slug: str, *, cutoff: dt.date | None = None
) -> dict[str, pl.DataFrame]:
    """Every dataset's stored records of one agency (restricted fields included), key-ordered.

    An agency's records are its own and those its batches loaded: a collector (the FBI's hate
    crime file, a state's stop data) releases the records of every agency it delivered.

    Records dated after ``cutoff`` (the release lag) are left out, and so are the child records
    of a left-out root (the subjects of a held-back stop).
    """
    frames: dict[str, pl.DataFrame] = {}
    for dataset in standard.datasets:
        schema = standard.schema(dataset)
        columns = ", ".join(quote(f.name) for f in schema.fields)
        order = ", ".join(quote(k) for k in schema.primary_key)
        frame = tx.frame(
            f"SELECT {columns} FROM {quote(dataset)} WHERE agency_slug = ? OR _batch_id IN "  # noqa: S608 - identifiers quoted
            f"(SELECT batch_id FROM batches WHERE agency_slug = ?) ORDER BY {order}",
            [agency_slug, agency_slug],
            schema=frame_schema(schema),
        )
        if frame.is_empty():
            continue
        column = date_field(schema)
        if cutoff is not None and column:
            frame = frame.filter(
                pl.col(column).is_null() | (pl.col(column).cast(pl.Date) <= cutoff)
            )
        root, key = family_root(standard, dataset)
        if root != dataset and root in frames:
            parent_key = standard.schema(root).primary_key
            kept = (
                frames[root]
                .select(list(parent_key))
                .rename(dict(zip(parent_key, key, strict=True)))
            )
            frame = frame.join(kept, on=list(key), how="semi", maintain_order="left")
        frames[dataset] = frame
    return frames


def family_identifiers(standard: Standard, frames: dict[str, pl.DataFrame]) -> Families:
    """Per family root: its key and every member's identifiers, keyed by the root's key."""
    families: dict[str, list[pl.DataFrame]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    for dataset, frame in frames.items():
        root, key = family_root(standard, dataset)
        root_key = standard.schema(root).primary_key
        ids = record_identifiers(frame, standard.schema(dataset), list(key))
        families.setdefault(root, []).append(ids.rename(dict(zip(key, root_key, strict=True))))
        keys[root] = root_key
    out = {}
    for root, parts in families.items():
        merged = merge_identifiers(pl.concat(parts), list(keys[root]))
        merged = merged.filter((pl.col(NAMES).list.len() > 0) | (pl.col(KNOWN).list.len() > 0))
        out[root] = (keys[root], merged)
    return out
