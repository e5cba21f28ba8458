"""Completeness: what an agency's data carry, and what they do not tell us.

For each dataset and field, the share of records that carry a value, over the right denominator:
a field that only applies when another holds (the standard's ``onlyWhen``, Open Policing's
``reporting_predicated_columns``) is counted among those records only — search basis and
contraband among searched stops, reason for frisk among frisked people. A list field carries a
value when the list is not empty. Besides the shares: each dataset's date range, months with
suspiciously few records, and the fields the agency never provides.

Open Policing computes coverage the same way (share of non-NA values; predicated columns among
records where the predicate is TRUE). ``known_share`` goes one step further than Open Policing:
a coded value of ``unknown`` is carried but tells nothing, so it counts only in ``share``. One
rule is Open Policing's and not the standard's: ``contraband_found`` counts
among searched people (our standard lets contraband be found without a search, ADR 0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from openblotter.schema.model import Field, TableSchema
    from openblotter.schema.registry import Standard

__all__ = [
    "EXTRA_PREDICATES",
    "LOW_MONTH_SHARE",
    "UNKNOWN",
    "Completeness",
    "completeness",
    "date_field",
]

#: predicated denominators Open Policing uses that the standard does not enforce on entry
EXTRA_PREDICATES: dict[tuple[str, str], tuple[str, object]] = {
    ("stop_subjects", "contraband_found"): ("search_conducted", True),
}
#: a month with fewer records than this share of the median month is flagged
LOW_MONTH_SHARE = 0.5
_SKIP = frozenset({"agency_slug"})
#: the code that says a value was recorded as not known
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Completeness:
    """The completeness report of one agency: field shares, months, what is never provided."""

    fields: pl.DataFrame
    datasets: pl.DataFrame
    months: pl.DataFrame

    def never_provided(self, dataset: str) -> list[str]:
        """Fields of ``dataset`` that no record carries."""
        rows = self.fields.filter((pl.col("dataset") == dataset) & (pl.col("carried") == 0))
        return rows.get_column("field").to_list()


def date_field(schema: TableSchema) -> str | None:
    """The field that dates a record (the first tagged as the toolkit's date)."""
    for fld in schema.fields:
        if fld.toolkit == "date" and fld.type in ("date", "datetime"):
            return fld.name
    return None


def _present(fld: Field) -> pl.Expr:
    column = pl.col(fld.name)
    if fld.type == "list":
        return column.is_not_null() & (column.list.len() > 0)
    if fld.type == "string":
        return column.is_not_null() & (column.str.strip_chars() != "")
    return column.is_not_null()


def _known(fld: Field) -> pl.Expr:
    """Carried and not the code ``unknown`` (for a list: some element is not ``unknown``)."""
    column = pl.col(fld.name)
    if fld.codelist is None:
        return _present(fld)
    if fld.type == "list":
        return _present(fld) & (column.list.eval(pl.element() != UNKNOWN).list.any())
    return _present(fld) & (column != UNKNOWN)


def _predicate(schema: TableSchema, fld: Field) -> tuple[str, object] | None:
    if fld.only_when is not None:
        return fld.only_when.field, fld.only_when.equals
    return EXTRA_PREDICATES.get((schema.name, fld.name))


def _field_rows(schema: TableSchema, frame: pl.DataFrame) -> pl.DataFrame:
    exprs, meta = [], []
    for fld in schema.fields:
        if fld.name in _SKIP or fld.name not in frame.columns:
            continue
        predicate = _predicate(schema, fld)
        if predicate is not None and predicate[0] in frame.columns:
            applies = pl.col(predicate[0]).eq(pl.lit(predicate[1])).fill_null(value=False)
            denominator = f"records where {predicate[0]} is {str(predicate[1]).lower()}"
        else:
            predicate = None
            applies = pl.lit(value=True)
            denominator = "all records"
        exprs += [
            (applies.sum() if predicate else pl.len()).alias(f"{fld.name}__n"),
            (applies & _present(fld)).sum().alias(f"{fld.name}__c"),
            (applies & _known(fld)).sum().alias(f"{fld.name}__k"),
        ]
        meta.append((fld, denominator))
    sums = frame.select(exprs).row(0, named=True) if exprs else {}
    rows = []
    for fld, denominator in meta:
        n, carried = int(sums[f"{fld.name}__n"]), int(sums[f"{fld.name}__c"])
        known = int(sums[f"{fld.name}__k"])
        rows.append(
            {
                "dataset": schema.name,
                "field": fld.name,
                "toolkit": fld.toolkit or "",
                "privacy": fld.privacy.value,
                "denominator": denominator,
                "records": n,
                "carried": carried,
                "share": round(carried / n, 4) if n else None,
                "known_share": round(known / n, 4) if n else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "dataset": pl.String,
            "field": pl.String,
            "toolkit": pl.String,
            "privacy": pl.String,
            "denominator": pl.String,
            "records": pl.Int64,
            "carried": pl.Int64,
            "share": pl.Float64,
            "known_share": pl.Float64,
        },
    )


def _months(schema: TableSchema, frame: pl.DataFrame) -> pl.DataFrame:
    column = date_field(schema)
    empty = pl.DataFrame(
        schema={"dataset": pl.String, "month": pl.Date, "records": pl.Int64, "flag": pl.String}
    )
    if column is None or column not in frame.columns:
        return empty
    dated = frame.select(
        pl.col(column).cast(pl.Date).dt.truncate("1mo").alias("month")
    ).drop_nulls()
    if dated.is_empty():
        return empty
    counts = dated.group_by("month").agg(pl.len().cast(pl.Int64).alias("records"))
    first, last = counts["month"].min(), counts["month"].max()
    every = pl.DataFrame({"month": pl.date_range(first, last, "1mo", eager=True)})  # type: ignore[arg-type]
    counts = every.join(counts, on="month", how="left").with_columns(pl.col("records").fill_null(0))
    median = counts.filter(pl.col("records") > 0)["records"].cast(pl.Float64).median()
    low = float(median or 0.0) * LOW_MONTH_SHARE  # type: ignore[arg-type]
    return counts.select(
        pl.lit(schema.name).alias("dataset"),
        "month",
        "records",
        pl.when(pl.col("records") == 0)
        .then(pl.lit("no records"))
        .when(pl.col("records") < low)
        .then(pl.lit(f"under {LOW_MONTH_SHARE:.0%} of the median month"))
        .otherwise(pl.lit(""))
        .alias("flag"),
    ).sort("month")


def completeness(standard: Standard, frames: dict[str, pl.DataFrame]) -> Completeness:
    """The completeness report of the datasets in ``frames`` (stored values, before publication)."""
    field_parts, month_parts, dataset_rows = [], [], []
    for dataset, frame in frames.items():
        schema = standard.schema(dataset)
        field_parts.append(_field_rows(schema, frame))
        months = _months(schema, frame)
        month_parts.append(months)
        column = date_field(schema)
        first = last = None
        if column and column in frame.columns and frame.height:
            dates = frame.get_column(column).cast(pl.Date)
            first, last = dates.min(), dates.max()
        dataset_rows.append(
            {
                "dataset": dataset,
                "records": frame.height,
                "date_field": column or "",
                "first_date": first,
                "last_date": last,
                "months_flagged": months.filter(pl.col("flag") != "").height,
            }
        )
    return Completeness(
        fields=pl.concat(field_parts) if field_parts else pl.DataFrame(),
        datasets=pl.DataFrame(
            dataset_rows,
            schema={
                "dataset": pl.String,
                "records": pl.Int64,
                "date_field": pl.String,
                "first_date": pl.Date,
                "last_date": pl.Date,
                "months_flagged": pl.Int64,
            },
        ),
        months=pl.concat(month_parts) if month_parts else pl.DataFrame(),
    )
