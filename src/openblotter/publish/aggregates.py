"""The aggregate tables of a release: counts by race, age band, sex, geography and month.

For each dataset the counted unit is a person where the dataset records people (a stopped
person, a force subject, an arrested person, a complainant) and otherwise the record (a call, a
hate incident by offender race). The tables are the total, each dimension the dataset has, and
race by each other dimension, in one long table (``"all"`` where a cell does not break down by a
dimension), suppressed by ``privacy.suppress``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from openblotter.privacy.generalize import age_band
from openblotter.privacy.suppress import Suppression, cube, grouping_sets, suppress

if TYPE_CHECKING:
    from openblotter.schema.registry import Standard

__all__ = [
    "GEOGRAPHY_FIELDS",
    "SPECS",
    "AggregateSpec",
    "aggregate",
    "choose_geography",
    "tables_of",
]

#: candidate geography fields, coarse to fine; the first most records carry is used
GEOGRAPHY_FIELDS = (
    "district",
    "precinct",
    "division",
    "sector",
    "zone",
    "beat",
    "reporting_area",
    "county_name",
)


@dataclass(frozen=True, slots=True)
class AggregateSpec:
    """Where a dataset's counted people and their attributes are."""

    unit: str
    people: str | None = None
    race: str | None = None
    sex: str | None = None
    age: str | None = None


SPECS: dict[str, AggregateSpec] = {
    "stops": AggregateSpec(
        "people stopped", "stop_subjects", "subject_race", "subject_sex", "subject_age"
    ),
    "use_of_force": AggregateSpec(
        "people subjected to force", "force_subjects", "subject_race", "subject_sex", "subject_age"
    ),
    "arrests": AggregateSpec("people arrested", None, "subject_race", "subject_sex", "subject_age"),
    "critical_incidents": AggregateSpec(
        "incidents", None, "subject_race", "subject_sex", "subject_age"
    ),
    "complaints": AggregateSpec(
        "complaints", None, "complainant_race", "complainant_sex", "complainant_age"
    ),
    "hate_incidents": AggregateSpec("incidents (by offender race)", None, "offender_race"),
    "calls_for_service": AggregateSpec("calls"),
}


def tables_of(dims: list[str]) -> list[tuple[str, ...]]:
    """The published tables: the total, each dimension, and race by each other dimension.

    Race by everything is what the toolkit asks about; crossing every pair (geography by month
    has thousands of cells in a big city, most of them small) would link the tables into one
    web that suppression must hide almost entirely.
    """
    sets = grouping_sets(dims, depth=1)
    if "race" in dims:
        sets += [("race", d) for d in dims if d != "race"]
    return sets


def choose_geography(frame: pl.DataFrame, preferred: str | None) -> str | None:
    """The geography field for aggregates: the policy's, else the first most records carry."""
    if preferred:
        return preferred if preferred in frame.columns else None
    for name in GEOGRAPHY_FIELDS:
        if name in frame.columns and frame.height and frame[name].null_count() <= frame.height / 2:
            return name
    return None


def aggregate(
    standard: Standard,
    dataset: str,
    frames: dict[str, pl.DataFrame],
    *,
    k: int,
    geography: str | None,
    date_column: str | None,
) -> tuple[Suppression, str] | None:
    """The suppressed aggregate table of ``dataset`` and its unit (None if it has no spec)."""
    spec = SPECS.get(dataset)
    root = frames.get(dataset)
    if spec is None or root is None:
        return None
    base = root
    if spec.people:
        people = frames.get(spec.people)
        if people is None:
            return None
        key = list(standard.schema(dataset).primary_key)
        extra = [c for c in (geography, date_column) if c and c not in people.columns]
        base = people.join(root.select(*key, *extra), on=key, how="left")
    columns: dict[str, pl.Expr] = {}
    if spec.race:
        columns["race"] = pl.col(spec.race)
    if spec.age:
        columns["age_band"] = age_band(pl.col(spec.age))
    if spec.sex:
        columns["sex"] = pl.col(spec.sex)
    if geography and geography in base.columns:
        columns["geography"] = pl.col(geography)
    if date_column and date_column in base.columns:
        columns["month"] = pl.col(date_column).cast(pl.Date).dt.strftime("%Y-%m")
    dims = list(columns)
    table = base.select([expr.cast(pl.String).alias(name) for name, expr in columns.items()])
    if not dims:
        table = pl.DataFrame({"total": ["all"] * base.height})
        dims = ["total"]
    cells = cube(table, dims, tables_of(dims))
    return suppress(cells, dims, k), spec.unit
