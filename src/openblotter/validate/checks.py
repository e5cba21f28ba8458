"""The standard's checks on typed records, vectorised.

Required fields, ranges, patterns, code lists, predicated fields, and dates outside the
delivery's period.

Checks return issues; they never raise for bad data. A predicated field that carries a value when
its condition is false is emptied, as Open Policing's ``standardize`` does, with a warning; a
*restricted* predicated field (a hate-incident victim's volunteered information) is kept only when
its condition is affirmatively true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from openblotter.schema.ddl import SOURCE_ROW as ROW
from openblotter.validate.issues import ISSUE_CODES

if TYPE_CHECKING:
    from openblotter.schema.model import Field, TableSchema

__all__ = ["ISSUE_COLUMNS", "check_records", "issue_frame"]

ISSUE_COLUMNS = [ROW, "dataset", "field", "code", "severity", "message"]
_SCHEMA = {
    ROW: pl.Int64,
    "dataset": pl.String,
    "field": pl.String,
    "code": pl.String,
    "severity": pl.String,
    "message": pl.String,
}


def issue_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Issues as a frame with the standard columns (possibly empty)."""
    return pl.DataFrame(rows, schema=_SCHEMA)


def _issues(
    frame: pl.DataFrame, mask: pl.Expr, dataset: str, field: str, code: str, message: str
) -> pl.DataFrame:
    hits = frame.filter(mask.fill_null(value=False)).select(pl.col(ROW))
    return hits.with_columns(
        dataset=pl.lit(dataset),
        field=pl.lit(field),
        code=pl.lit(code),
        severity=pl.lit(ISSUE_CODES[code].severity.value),
        message=pl.lit(message),
    )


def _value_checks(frame: pl.DataFrame, schema: TableSchema, fld: Field) -> list[pl.DataFrame]:
    col = pl.col(fld.name)
    found = []
    c = fld.constraints
    if fld.required or fld.name in schema.primary_key:
        found.append(
            _issues(
                frame,
                col.is_null(),
                schema.name,
                fld.name,
                "missing-required-field",
                f"{fld.name} is required",
            )
        )
    if fld.type in {"integer", "number", "year"} and (
        c.minimum is not None or c.maximum is not None
    ):
        low = col < c.minimum if c.minimum is not None else pl.lit(value=False)
        high = col > c.maximum if c.maximum is not None else pl.lit(value=False)
        low_text = "-∞" if c.minimum is None else f"{c.minimum:g}"
        high_text = "∞" if c.maximum is None else f"{c.maximum:g}"
        bounds = f"{low_text}..{high_text}"
        found.append(
            _issues(
                frame,
                low | high,
                schema.name,
                fld.name,
                "out-of-range",
                f"{fld.name} is outside {bounds}",
            )
        )
    if fld.type == "string" and c.pattern:
        found.append(
            _issues(
                frame,
                col.is_not_null() & ~col.str.contains(f"^(?:{c.pattern})$"),
                schema.name,
                fld.name,
                "pattern-mismatch",
                f"{fld.name} does not match {c.pattern}",
            )
        )
    if fld.type == "string" and c.enum:
        found.append(
            _issues(
                frame,
                col.is_not_null() & ~col.is_in(list(c.enum)),
                schema.name,
                fld.name,
                "value-not-in-codelist",
                f"{fld.name} is not a code of {fld.codelist or 'its list'}",
            )
        )
    return found


def check_records(
    frame: pl.DataFrame, schema: TableSchema, *, period: Any = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check typed records of one dataset; return them (predicates applied) and the issues."""
    found: list[pl.DataFrame] = [issue_frame([])]
    present = set(frame.columns)
    for fld in schema.fields:
        if fld.name not in present:
            if fld.required or fld.name in schema.primary_key:
                found.append(
                    frame.select(pl.col(ROW)).with_columns(
                        dataset=pl.lit(schema.name),
                        field=pl.lit(fld.name),
                        code=pl.lit("missing-required-field"),
                        severity=pl.lit("error"),
                        message=pl.lit(
                            f"{fld.name} is required and the mapping does not provide it"
                        ),
                    )
                )
            continue
        found += _value_checks(frame, schema, fld)
    cleared = []
    for fld in schema.fields:
        rule = fld.only_when
        if rule is None or fld.name not in present or rule.field not in present:
            continue
        condition = pl.col(rule.field) == rule.equals
        allowed = condition.fill_null(value=fld.privacy.value != "restricted")
        violated = pl.col(fld.name).is_not_null() & ~allowed
        found.append(
            _issues(
                frame,
                violated,
                schema.name,
                fld.name,
                "predicate-violated",
                f"{fld.name} only applies when {rule.field} = {str(rule.equals).lower()}; removed",
            )
        )
        cleared.append(pl.when(allowed).then(pl.col(fld.name)).otherwise(None).alias(fld.name))
    if cleared:
        frame = frame.with_columns(cleared)
    if period is not None and "date" in present and schema.field("date").type == "date":
        outside = (pl.col("date") < period.start) | (pl.col("date") > period.end)
        found.append(
            _issues(
                frame,
                outside,
                schema.name,
                "date",
                "date-outside-period",
                f"date outside the delivery's period {period.start}..{period.end}",
            )
        )
    issues = pl.concat(found, how="vertical_relaxed").select(ISSUE_COLUMNS)
    return frame, issues
