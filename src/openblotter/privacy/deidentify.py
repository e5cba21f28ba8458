"""The de-identification step: the only way a stored table becomes a publishable one.

Publication is by **allow-list** (RELIABILITY.md 3.3, the Dallas lesson): the output has exactly
the standard's ``public`` and ``generalize`` fields, in the standard's order, and nothing else —
restricted fields, provenance columns and any column a future migration adds are absent unless the
standard classifies them. Each ``generalize`` field is coarsened as the agency's publication
policy says; times become hours when the policy asks; free text is redacted with the record
family's own identifiers (see ``privacy.identifiers``) or dropped.

``published_fields`` says what a release's schema is; ``deidentify`` produces the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from openblotter.errors import ConfigError
from openblotter.privacy.generalize import (
    age_band,
    block_address,
    date_month,
    hexagon_centroids,
    time_hour,
)
from openblotter.privacy.identifiers import KNOWN, NAMES
from openblotter.privacy.redact import redact_column
from openblotter.schema.model import PrivacyClass

if TYPE_CHECKING:
    from openblotter.privacy.policy import PublicationPolicy
    from openblotter.schema.model import Field, TableSchema

__all__ = ["AGE_TOP_CODE", "PublishedField", "deidentify", "published_fields"]

#: exact ages at or above this are published as this value (HIPAA Safe Harbor: "90 or older")
AGE_TOP_CODE = 90


@dataclass(frozen=True, slots=True)
class PublishedField:
    """A field as a release publishes it: the standard's field and what was done to it."""

    field: Field
    type: str
    treatment: str | None = None
    codelist: str | None = None

    @property
    def name(self) -> str:
        """The column name (always the standard's)."""
        return self.field.name

    @property
    def note(self) -> str:
        """A sentence for the data dictionary about the treatment, or ''."""
        return _NOTES.get(self.treatment or "", "")


_NOTES = {
    "age_band": "Published as an age band (the age_band code list), not the exact age.",
    "age_top_coded": f"Exact age; ages of {AGE_TOP_CODE} and over are published as {AGE_TOP_CODE}.",
    "round_coordinates": "Rounded (see the release's publication policy for the decimals).",
    "hexagon": "Moved to the centre of its hexagon in a grid (see the publication policy).",
    "block_address": "House numbers replaced by the hundred block ('1200 block of N MAIN ST').",
    "redact_text": "Identifiers of people removed and marked [REDACTED: kind].",
    "time_hour": "Truncated to the hour.",
    "date_month": "Published as the first day of its month.",
}


def _treatment(fld: Field, policy: PublicationPolicy) -> PublishedField | None:
    if fld.privacy in (PrivacyClass.RESTRICTED, PrivacyClass.PROHIBITED):
        return None
    if fld.privacy == PrivacyClass.PUBLIC:
        if fld.type in ("time", "datetime") and policy.time == "hour":
            return PublishedField(fld, fld.type, "time_hour", fld.codelist)
        return PublishedField(fld, fld.type, None, fld.codelist)
    method = fld.generalization
    if method == "age_band":
        if policy.age == "band":
            return PublishedField(fld, "string", "age_band", "age_band")
        return PublishedField(fld, fld.type, "age_top_coded")
    if method == "round_coordinates":
        if policy.coordinates == "drop":
            return None
        return PublishedField(
            fld, fld.type, "hexagon" if policy.coordinates == "hexagon" else method
        )
    if method == "block_address":
        return None if policy.addresses == "drop" else PublishedField(fld, fld.type, method)
    if method == "redact_text":
        return None if policy.narratives == "drop" else PublishedField(fld, fld.type, method)
    if method in ("time_hour", "date_month"):
        return PublishedField(fld, fld.type, method, fld.codelist)
    raise ConfigError(f"field {fld.name!r}: no publication rule for generalisation {method!r}")


def published_fields(schema: TableSchema, policy: PublicationPolicy) -> list[PublishedField]:
    """The fields a release of ``schema`` carries under ``policy``, in the standard's order."""
    out = []
    for fld in schema.fields:
        published = _treatment(fld, policy)
        if published is not None:
            out.append(published)
    return out


def _coarsen(pub: PublishedField, policy: PublicationPolicy) -> pl.Expr:
    column = pl.col(pub.name)
    match pub.treatment:
        case "age_band":
            return age_band(column).alias(pub.name)
        case "age_top_coded":
            return pl.min_horizontal(column, pl.lit(AGE_TOP_CODE)).alias(pub.name)
        case "round_coordinates":
            return column.round(policy.coordinate_decimals).alias(pub.name)
        case "block_address":
            return block_address(column).alias(pub.name)
        case "time_hour" if pub.type == "datetime":
            return column.dt.truncate("1h").alias(pub.name)
        case "time_hour":
            return time_hour(column).alias(pub.name)
        case "date_month":
            return date_month(column).alias(pub.name)
        case _:
            return column


def deidentify(
    schema: TableSchema,
    frame: pl.DataFrame,
    policy: PublicationPolicy,
    *,
    identifiers: pl.DataFrame | None = None,
    family_key: tuple[str, ...] = (),
) -> pl.DataFrame:
    """The publishable rows of ``frame``: allow-listed fields only, each treated per ``policy``.

    ``identifiers`` (from ``privacy.identifiers.record_identifiers`` over the record's family,
    keyed by ``family_key``) feeds the redaction of free text.
    """
    fields = published_fields(schema, policy)
    missing = [p.name for p in fields if p.name not in frame.columns]
    if missing:
        raise ConfigError(f"{schema.name}: the frame lacks published fields {missing}")
    out = frame.select([_coarsen(p, policy) for p in fields])
    hexes = [p.name for p in fields if p.treatment == "hexagon"]
    if hexes:
        lat, lng = hexagon_centroids(out["lat"], out["lng"], policy.hexagon_meters)
        out = out.with_columns(lat, lng)
    texts = [p.name for p in fields if p.treatment == "redact_text"]
    if texts:
        context = frame.select(list(family_key)) if family_key else pl.DataFrame()
        if identifiers is not None and family_key:
            context = context.join(
                identifiers, on=list(family_key), how="left", maintain_order="left"
            )
        has_ids = NAMES in context.columns
        for name in texts:
            work = out.select(name)
            if has_ids:
                work = work.with_columns(context.select(NAMES, KNOWN))
            redacted = redact_column(
                work, name, names=NAMES if has_ids else None, known=KNOWN if has_ids else None
            )
            out = out.with_columns(redacted)
    return out
