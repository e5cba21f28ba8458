"""Where analyses read their data: Ibis expressions over the standard's tables.

Every analysis splits into an *aggregation* — a ``GROUP BY`` over records, the part whose cost
grows with the data — and a *model* fitted on the small table it returns. The aggregations are
written once, as Ibis expressions over unbound tables named and typed as the standard's datasets
(:func:`tables`), so the same expression:

* compiles to the store's own SQL and runs inside it, in the caller's snapshot
  (:func:`run` — DuckDB and PostgreSQL);
* runs on any other engine Ibis speaks to that holds tables of the same names
  (:func:`run_on` — Polars here; Spark, Trino or BigQuery for a state-wide collection).

No value is pasted into SQL by hand: Ibis renders literals through sqlglot, which quotes them.
Restricted columns (names, dates of birth, licence numbers) are never selected by the views here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from openblotter.privacy.generalize import AGE_BANDS, AGE_BREAKS
from openblotter.schema import load_standard
from openblotter.schema.frames import frame_schema

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import polars as pl

    from openblotter.storage.base import Transaction

__all__ = [
    "GEOGRAPHY_FIELDS",
    "STOP_FLAGS",
    "age_band",
    "counts",
    "provenance",
    "run",
    "run_on",
    "subject_stops",
    "table",
]

GEOGRAPHY_FIELDS = (
    "county_name",
    "precinct",
    "district",
    "division",
    "sector",
    "beat",
    "zone",
    "reporting_area",
    "location",
)
"""Columns of ``stops`` a result may be broken down by as its geography."""

STOP_FLAGS = (
    "search_conducted",
    "search_person",
    "search_vehicle",
    "frisk_performed",
    "contraband_found",
    "arrest_made",
    "citation_issued",
    "warning_issued",
    "summons_issued",
    "force_used",
    "consent_search_requested",
    "consent_search_given",
    "property_seized",
)
"""The true/false outcomes of ``stop_subjects`` that among-stop rates are computed for."""

_SUBJECT_COLUMNS = (
    "agency_slug",
    "stop_id",
    "subject_seq",
    "subject_role",
    "subject_race",
    "subject_ethnicity",
    "subject_sex",
    "subject_age",
    "search_basis",
    "outcome",
    *STOP_FLAGS,
)
_STOP_COLUMNS = ("date", "time", "lat", "lng", "type", "reason_for_stop", *GEOGRAPHY_FIELDS)


@cache
def table(dataset: str) -> ir.Table:
    """The unbound Ibis table of a dataset, named and typed as the standard defines it.

    Select the columns you need: the stored tables also carry provenance columns, so a bare
    ``SELECT *`` of this table returns more than its schema says.
    """
    schema = frame_schema(load_standard().schema(dataset))
    return ibis.table(ibis.Schema.from_polars(schema), name=dataset)


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """The ``age_band`` code of an age in years, as an Ibis expression (null stays null)."""
    branches = [(age <= edge, band) for edge, band in zip(AGE_BREAKS, AGE_BANDS, strict=False)]
    return ibis.cases(*branches, else_=AGE_BANDS[-1])


def subject_stops(agency: str | None = None) -> ir.Table:
    """One row per stopped person: ``stop_subjects`` joined to its stop.

    Columns: the subject's identity (race, ethnicity, sex, age and ``age_band``), the outcome
    flags of :data:`STOP_FLAGS`, ``search_basis`` and ``outcome``, the stop's date, time,
    coordinates, type, reason and geography, plus ``year`` and ``month`` (``"2016-03"``).
    ``agency`` keeps one agency's stops; ``None`` keeps all (a state collection).
    """
    subjects, stops = table("stop_subjects"), table("stops")
    if agency is not None:
        subjects = subjects.filter(subjects.agency_slug == agency)
        stops = stops.filter(stops.agency_slug == agency)
    joined = subjects.select(*_SUBJECT_COLUMNS).join(
        stops.select("agency_slug", "stop_id", *_STOP_COLUMNS), ["agency_slug", "stop_id"]
    )
    age = joined.subject_age
    return joined.mutate(
        age_band=ibis.ifelse(age.isnull(), ibis.null("string"), age_band(age)),
        year=joined.date.year(),
        month=joined.date.strftime("%Y-%m"),
    )


def run(expr: ir.Table, tx: Transaction) -> pl.DataFrame:
    """Compile ``expr`` to the store's SQL and run it in ``tx`` (one consistent snapshot)."""
    sql = ibis.to_sql(expr, dialect=tx.dialect)
    schema = {name: dtype.to_polars() for name, dtype in expr.schema().items()}
    return tx.frame(str(sql), schema=schema)


def run_on(expr: ir.Table, backend: Any) -> pl.DataFrame:
    """Run ``expr`` on another Ibis backend that holds tables named as the standard's datasets."""
    result: pl.DataFrame = backend.to_polars(expr)
    return result


def provenance(tx: Transaction, agency: str, datasets: Iterable[str]) -> dict[str, str]:
    """Where a result's records came from: the store's ingest batches that wrote them."""
    known = set(load_standard().datasets)
    batches: set[int] = set()
    for dataset in datasets:
        if dataset not in known:
            raise ValueError(f"not a dataset of the standard: {dataset}")
        rows = tx.query(
            f'SELECT DISTINCT "_batch_id" FROM "{dataset}" WHERE agency_slug = ?',  # noqa: S608
            [agency],
        ).rows
        batches.update(int(r[0]) for r in rows)
    return {"agency": agency, "batches": ",".join(str(b) for b in sorted(batches))}


def counts(
    view: ir.Table, by: Sequence[str], measures: Mapping[str, ir.Value] | None = None
) -> ir.Table:
    """``GROUP BY by`` with ``n`` (rows) and the sum of each boolean in ``measures``."""
    aggregates: dict[str, Any] = {"n": view.count()}
    for name, flag in (measures or {}).items():
        # a CASE, not a cast: PostgreSQL has no boolean → bigint cast
        aggregates[name] = ibis.ifelse(flag.fill_null(ibis.literal(value=False)), 1, 0).sum()
    return view.group_by(list(by)).aggregate(**aggregates)
