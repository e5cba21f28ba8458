"""The aggregation behind the per-capita rates: counts of each measure, matched to population.

:func:`aggregate` is one ``GROUP BY [by,] group`` per measure (people stopped, arrests among
them, people arrested, people subjected to force) as an Ibis expression run in the store,
with the first and last record date; :func:`measure_frame` joins its rows to the population
counts of :func:`openblotter.analysis.population.population_cells` and adds the agency-wide rows
and the years of records each rate is spread over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import polars as pl

from openblotter.analysis import source
from openblotter.analysis.eligibility import OPP_YEARS, PERIODS, Eligibility, opp_stops

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["DATASETS", "aggregate", "measure_frame"]

DATASETS = {
    "stops": {"stops", "stop_subjects"},
    "stop_arrests": {"stops", "stop_subjects"},
    "arrests": {"arrests"},
    "force": {"use_of_force", "force_subjects"},
}


def _years(first: Any, last: Any) -> float:
    """Calendar months from the first date's to the last date's, both included, over 12."""
    return float((last.year - first.year) * 12 + last.month - first.month + 1) / 12.0


def measure_frame(
    raw: pl.DataFrame, cells: pl.DataFrame, by: str | None
) -> tuple[pl.DataFrame, int]:
    """Events and population per (place, group), with the agency-wide rows (place null).

    Every population cell gets a row, with 0 events where there were none. For a geography
    ``by`` the population is the place's and the agency-wide rows sum the places that have one
    (also returns the events of places without); for a period it is the agency's in every
    period. ``years`` is :func:`_years` of the records (per period).
    """
    overall = _years(raw.get_column("first").min(), raw.get_column("last").max())
    events = pl.col("events").sum()
    located = raw.filter(pl.col("place").is_not_null())
    counted = located.group_by("place", "group").agg(events)
    zero = pl.col("events").fill_null(0)
    lost = 0
    if by is not None and by not in PERIODS:
        parts = cells.join(counted, on=["place", "group"], how="left").with_columns(
            events=zero, years=pl.lit(overall)
        )
        lost = int(raw.get_column("events").sum()) - int(parts.get_column("events").sum())
        whole = parts.group_by("group").agg(events, pl.col("population").sum())
    else:
        agency = cells.drop("place")
        whole = agency.join(raw.group_by("group").agg(events), on="group", how="left")
        whole = whole.with_columns(events=zero)
        first, last = pl.col("first"), pl.col("last")
        months = (last.dt.year() - first.dt.year()) * 12 + last.dt.month() - first.dt.month() + 1
        periods = located.group_by("place").agg(first.min(), last.max())
        parts = (
            periods.with_columns(years=months.cast(pl.Float64) / 12.0)
            .join(agency, how="cross")
            .join(counted, on=["place", "group"], how="left")
            .with_columns(events=zero)
        )
    whole = whole.with_columns(place=pl.lit(None, pl.String), years=pl.lit(overall))
    columns = ["place", "group", "events", "population", "years"]
    pieces = [whole.select(columns), parts.select(columns)] if by else [whole.select(columns)]
    frame = pl.concat(pieces, how="vertical_relaxed")
    return frame.with_columns(
        by_label=pl.when(pl.col("place").is_null()).then(None).otherwise(pl.lit(by))
    ), lost


def _with_periods(view: ir.Table) -> ir.Table:
    age = view.subject_age
    return view.mutate(
        age_band=ibis.ifelse(age.isnull(), ibis.null("string"), source.age_band(age)),
        year=view.date.year(),
        month=view.date.strftime("%Y-%m"),
    )


def aggregate(
    agency: str, measure: str, *, group: str, by: str | None, eligibility: Eligibility
) -> ir.Table:
    """The ``GROUP BY`` of one measure: ``events``, ``known`` and the first and last date."""
    if measure in ("stops", "stop_arrests"):
        view = source.subject_stops(agency)
        view = opp_stops(view) if eligibility == "opp" else view
        flag = view.agency_slug.notnull() if measure == "stops" else view.arrest_made
    else:
        if measure == "arrests":
            arrests = source.table("arrests")
            view = arrests.filter(arrests.agency_slug == agency)
        else:
            people, incidents = source.table("force_subjects"), source.table("use_of_force")
            people = people.filter(people.agency_slug == agency)
            incidents = incidents.filter(incidents.agency_slug == agency)
            geography = [c for c in source.GEOGRAPHY_FIELDS if c in incidents.columns]
            view = people.join(
                incidents.select("agency_slug", "incident_id", "date", *geography),
                ["agency_slug", "incident_id"],
            )
        view = _with_periods(view)
        if eligibility == "opp":
            view = view.filter(view.year.between(*OPP_YEARS))
        flag = view.agency_slug.notnull()
    keys = [by, group] if by is not None else [group]
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")  # PostgreSQL: no bool::bigint
    return view.group_by(keys).aggregate(
        n=view.count(),
        known=ibis.ifelse(flag.notnull(), one, zero).sum(),
        events=ibis.ifelse(flag.fill_null(ibis.literal(value=False)), one, zero).sum(),
        first=view.date.min(),
        last=view.date.max(),
    )
