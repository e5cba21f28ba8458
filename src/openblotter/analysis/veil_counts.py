"""Veil of darkness, the counts the store makes: Ibis expressions over the standard's tables.

:func:`places_expr` (the distinct places and dates of an agency's stops) and :func:`cells_expr`
(the count table of :func:`~openblotter.analysis.veil_data.aggregate`, given the sun table and
each location's window) are what :func:`~openblotter.analysis.veil_store.veil_of_darkness_store`
runs in the store; they run unchanged on any Ibis backend holding ``stops`` and
``stop_subjects``. :func:`_placed` is :func:`~openblotter.analysis.veil_data.prepare` in Ibis.

See ``openblotter.analysis.veil`` for the method.
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir
import polars as pl

from openblotter.analysis.source import table
from openblotter.analysis.veil_data import prepare

__all__ = ["SUN_COLUMNS", "cells_expr", "merge_cells", "places_expr", "windows"]

_GROUPS = ["status", "location", "period", "is_dark", "minute_bin"]
SUN_COLUMNS = {
    "date": pl.Date,
    "lat_cell": pl.Int32,
    "lng_cell": pl.Int32,
    "sunset_minute": pl.Int32,
    "dusk_minute": pl.Int32,
    "period": pl.String,
    "days_from_change": pl.Int32,
}
"""The sun table :func:`cells_expr` takes: one row per date and cell with both sun times, and
``period`` (clock change and year, as the daylight-saving variant's fixed effect)."""


def _round(value: ir.FloatingValue) -> ir.IntegerValue:
    """Half away from zero, as Polars' ``round(mode="half_away_from_zero")`` in ``prepare``."""
    return ((value.abs() + 0.5).floor() * value.sign()).cast("int32")


def _placed(
    view: ir.Table,
    *,
    location: str | None,
    centroid: tuple[float, float] | None,
    coordinate_decimals: int,
) -> ir.Table:
    """:func:`~openblotter.analysis.veil_data.prepare` as an Ibis expression (one time zone).

    The centroid's cell is computed by ``prepare`` itself, so both round it alike; the
    expressions are kept flat because Ibis inlines every column into those that use it.
    """
    lat, lng = view.lat.cast("float64"), view.lng.cast("float64")
    usable = (lat.abs() <= 90.0) & (lng.abs() <= 180.0) & ~((lat == 0.0) & (lng == 0.0))
    own = usable.fill_null(False)  # noqa: FBT003
    scale = 10.0**coordinate_decimals
    fallback = _centroid_cell(centroid, coordinate_decimals)

    def cell(value: ir.FloatingValue, other: int | None) -> ir.IntegerValue:
        default = ibis.null("int32") if other is None else ibis.literal(other, "int32")
        return ibis.ifelse(own, _round(value * scale), default)

    return view.mutate(
        # widen first: Polars computes hour in 8 bits (22 * 60 would wrap), and Ibis drops a cast
        # to the int32 it believes hour already is
        minute=(view.time.hour().cast("int64") * 60 + view.time.minute().cast("int64")).cast(
            "int32"
        ),
        location=view[location].cast("string") if location else ibis.literal("all"),
        lat_cell=cell(lat, fallback[0]),
        lng_cell=cell(lng, fallback[1]),
        used_centroid=~own,
    )


def _centroid_cell(
    centroid: tuple[float, float] | None, coordinate_decimals: int
) -> tuple[int | None, int | None]:
    if centroid is None:
        return None, None
    frame = pl.DataFrame(
        {"date": [None], "time": [None], "subject_race": [None], "lat": [None], "lng": [None]},
        schema={
            "date": pl.Date,
            "time": pl.Time,
            "subject_race": pl.String,
            "lat": pl.Float64,
            "lng": pl.Float64,
        },
    )
    row = (
        prepare(frame, timezone="UTC", centroid=centroid, coordinate_decimals=coordinate_decimals)
        .select("lat_cell", "lng_cell")
        .collect()
        .row(0)
    )
    return row[0], row[1]


def places_expr(
    agency: str,
    *,
    location: str | None,
    centroid: tuple[float, float] | None,
    coordinate_decimals: int = 1,
) -> ir.Table:
    """Distinct (location, date, lat_cell, lng_cell) of the agency's stops: step 1."""
    stops = table("stops")
    stops = stops.filter(stops.agency_slug == agency)
    placed = _placed(
        stops, location=location, centroid=centroid, coordinate_decimals=coordinate_decimals
    )
    keys = ["location", "date", "lat_cell", "lng_cell"]
    return (
        placed.filter(placed.lat_cell.notnull(), placed.lng_cell.notnull()).select(keys).distinct()
    )


def windows(
    places: pl.DataFrame, sun: pl.DataFrame, *, window_start: Literal["dusk", "sunset"]
) -> pl.DataFrame:
    """Each location's inter-twilight window over ``places``: ``location``, ``lo``, ``hi``."""
    opening = "sunset_minute" if window_start == "sunset" else "dusk_minute"
    return (
        places.filter(pl.col("location").is_not_null())
        .join(sun, on=["date", "lat_cell", "lng_cell"])
        .filter(pl.col("sunset_minute").is_not_null() & pl.col("dusk_minute").is_not_null())
        .group_by("location")
        .agg(pl.col(opening).min().alias("lo"), pl.col("dusk_minute").max().alias("hi"))
    )


def _people(agency: str, location: str | None) -> ir.Table:
    """:func:`~openblotter.analysis.source.subject_stops` narrowed to what the test reads.

    The same join, of fewer columns: Ibis compiles every column of a view, used or not, and
    the wide view costs a few tenths of a second per query to compile.
    """
    subjects, stops = table("stop_subjects"), table("stops")
    people = subjects.filter(subjects.agency_slug == agency).select(
        "agency_slug", "stop_id", "subject_race"
    )
    columns = ["agency_slug", "stop_id", "date", "time", "lat", "lng"]
    places = stops.filter(stops.agency_slug == agency).select(
        *columns, *([location] if location else [])
    )
    return people.join(places, ["agency_slug", "stop_id"])


def cells_expr(
    agency: str,
    sun: pl.DataFrame,
    bounds: pl.DataFrame,
    *,
    location: str | None = None,
    centroid: tuple[float, float] | None = None,
    comparison: str = "black",
    reference: str = "white",
    bin_minutes: int = 5,
    coordinate_decimals: int = 1,
    window_start: Literal["dusk", "sunset"] = "dusk",
    dst_window_days: int | None = None,
) -> ir.Table:
    """Step 3: the count table of :func:`~openblotter.analysis.veil_data.aggregate`, in Ibis.

    ``sun`` has the columns of :data:`SUN_COLUMNS` (one row per date and cell with both sun
    times); ``bounds`` the window per location (:func:`windows`). :func:`merge_cells` turns the
    rows into the count table. Besides the count columns, every row carries
    ``eligible_lo``/``eligible_hi``: the window the test's own stops give
    (:func:`veil_of_darkness_store` checks it against ``bounds``).
    """
    view = _placed(
        _people(agency, location),
        location=location,
        centroid=centroid,
        coordinate_decimals=coordinate_decimals,
    )
    sun_t = ibis.memtable(sun.select(list(SUN_COLUMNS)).cast(SUN_COLUMNS))  # type: ignore[arg-type]
    sun_t = sun_t.rename(sun_date="date", sun_lat="lat_cell", sun_lng="lng_cell")
    bounds_t = ibis.memtable(
        bounds.select("location", "lo", "hi").cast({"lo": pl.Int32, "hi": pl.Int32})
    )
    bounds_t = bounds_t.rename(bound_location="location")
    joined = view.left_join(
        sun_t,
        [
            view.date == sun_t.sun_date,
            view.lat_cell == sun_t.sun_lat,
            view.lng_cell == sun_t.sun_lng,
        ],
    )
    joined = joined.left_join(bounds_t, joined.location == bounds_t.bound_location)
    race, minute = joined.subject_race, joined.minute
    sunset, dusk = joined.sunset_minute, joined.dusk_minute
    groups = race.isin([comparison, reference])
    eligible = groups & joined.location.notnull() & sunset.notnull() & dusk.notnull()
    outside_dst: ir.BooleanValue = ibis.literal(value=False)
    if dst_window_days is not None:
        days = joined.days_from_change
        outside_dst = days.isnull() | (days.abs() > dst_window_days)
    no_coordinates = joined.used_centroid if centroid is None else ibis.literal(value=False)
    status = ibis.cases(
        (joined.date.isnull() | minute.isnull(), "missing-date-or-time"),
        (race.isnull() | ~groups, "other-race"),
        (joined.location.isnull(), "missing-location"),
        (no_coordinates, "missing-coordinates"),
        (sunset.isnull() | dusk.isnull(), "no-sun-times"),
        ((minute < joined.lo) | (minute > joined.hi), "outside-window"),
        ((minute > sunset) & (minute < dusk), "twilight"),
        (outside_dst, "outside-dst-windows"),
        else_="kept",
    )
    opening = sunset if window_start == "sunset" else dusk
    # the period, darkness and bin of every row, not only of kept ones (merge_cells blanks the
    # others): the status is then used once, as PostgreSQL repeats an expression per use
    labelled = joined.mutate(
        status=status,
        period=joined.period if dst_window_days is not None else ibis.null("string"),
        is_dark=minute >= dusk,
        minute_bin=((minute + bin_minutes // 2) // bin_minutes * bin_minutes).cast("int32"),
        # 1/0 by CASE: PostgreSQL has no cast from boolean to bigint
        is_comparison=ibis.ifelse(race == comparison, 1, 0),
        centroid=ibis.ifelse(joined.used_centroid, 1, 0),
        eligible_open=ibis.ifelse(eligible, opening, ibis.null("int32")),
        eligible_dusk=ibis.ifelse(eligible, dusk, ibis.null("int32")),
    )
    return labelled.group_by(_GROUPS).aggregate(
        n=labelled.count(),
        n_comparison=labelled.is_comparison.sum(),
        n_centroid=labelled.centroid.sum(),
        eligible_lo=labelled.eligible_open.min(),
        eligible_hi=labelled.eligible_dusk.max(),
    )


def merge_cells(raw: pl.DataFrame) -> pl.DataFrame:
    """The count table of ``aggregate`` (plus the window columns) from :func:`cells_expr`'s rows.

    ``period``, ``is_dark`` and ``minute_bin`` are blanked where the stop was not kept, and the
    rows that then coincide are added up.
    """
    kept = pl.col("status") == "kept"
    return (
        raw.with_columns(pl.when(kept).then(pl.col(c)).alias(c) for c in _GROUPS[2:])
        .group_by(_GROUPS)
        .agg(
            pl.col("n", "n_comparison", "n_centroid").sum(),
            pl.col("eligible_lo").min(),
            pl.col("eligible_hi").max(),
        )
    )
