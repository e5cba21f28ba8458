"""The veil of darkness inside the store: the stops never leave it, only counts come back.

:func:`~openblotter.analysis.veil.veil_of_darkness` takes the stops as a frame in memory. Here
the same count table (the output of :func:`~openblotter.analysis.veil_data.aggregate`, row for
row) is computed by the store's own engine, in three steps:

1. **places**: one ``GROUP BY`` over ``stops`` alone (no join) gives the distinct (location,
   date, coordinate cell) of the agency's stops: a few thousand rows;
2. **sun**: sunset, dusk and the nearest clock change for each distinct (date, cell)
   (:func:`~openblotter.analysis.veil_data.sun_table`, in numpy) and each location's
   inter-twilight window;
3. **counts**: one ``GROUP BY`` of the stopped people joined to their stops (the join of
   :func:`~openblotter.analysis.source.subject_stops`) and to those two small tables, which
   travel inside the query (:mod:`openblotter.analysis.inline`), down to (status, location,
   period, dark, clock bin): a thousand rows, from which the model is fitted.

Steps 1 and 3 are Ibis expressions (:mod:`openblotter.analysis.veil_counts`), so they also run
on any other Ibis backend.

Why not ``GROUP BY`` (location, date, minute, cell, race) and finish in Polars? Because that
does not shrink the data: stops spread over a year of minutes are nearly all distinct (7.5 of
8.5 million groups on the 10-million-stop benchmark). Classifying each stop needs its own date's
dusk, so the sun table goes to the stops, not the stops to the sun table.

The window in step 2 is taken over every stop's place; the test's window is over the stops of
the two groups only. The query also returns the latter, and in the rare case they differ (a
date whose only stops were of other groups is the year's earliest or latest dusk) step 3 runs
again with it, so the counts are exactly those of the in-memory test.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from openblotter.analysis.inline import run_with_values
from openblotter.analysis.source import provenance, run, table
from openblotter.analysis.suite import agency_context
from openblotter.analysis.veil import check_options, describe
from openblotter.analysis.veil_counts import cells_expr, merge_cells, places_expr, windows
from openblotter.analysis.veil_data import sun_table
from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from openblotter.analysis.result import Result
    from openblotter.storage.base import Transaction

__all__ = ["veil_of_darkness_store"]

logger = logging.getLogger(__name__)

_DATASETS = ("stops", "stop_subjects")
_MEAN_CENTROID_CAVEAT = (
    "The agency has no centroid in its agency.yaml: stops without usable coordinates were "
    "placed at the mean of the other stops' coordinates."
)


def _mean_centroid(tx: Transaction, agency: str) -> tuple[float, float] | None:
    stops = table("stops")
    lat, lng = stops.lat, stops.lng
    usable = stops.filter(
        stops.agency_slug == agency,
        lat.abs() <= 90.0,
        lng.abs() <= 180.0,
        ~((lat == 0.0) & (lng == 0.0)),
    )
    row = run(usable.aggregate(lat=usable.lat.mean(), lng=usable.lng.mean()), tx).row(0)
    return None if row[0] is None or row[1] is None else (float(row[0]), float(row[1]))


def _true_windows(cells: pl.DataFrame) -> pl.DataFrame:
    return (
        cells.group_by("location")
        .agg(pl.col("eligible_lo").min().alias("lo"), pl.col("eligible_hi").max().alias("hi"))
        .drop_nulls()
    )


def veil_of_darkness_store(
    tx: Transaction,
    agency: str,
    *,
    location: str | None = None,
    comparison: str = "black",
    reference: str = "white",
    dst: bool = False,
    window_days: int = 21,
    timezone: str | None = None,
    centroid: tuple[float, float] | None = None,
    spline_df: int = 6,
    interact_time_location: bool = False,
    bin_minutes: int = 5,
    coordinate_decimals: int = 1,
    window_start: Literal["dusk", "sunset"] = "dusk",
    knots: Literal["stops", "cells"] = "stops",
    level: float = 0.95,
) -> Result:
    """The veil-of-darkness test on ``agency``'s stops as ``tx`` sees them, counted in the store.

    Same options and the same result as :func:`~openblotter.analysis.veil.veil_of_darkness`
    on the agency's ``subject_stops`` (``dst=True`` is the daylight-saving variant, with
    ``window_days``). ``location`` is a geography column of ``stops``
    (:data:`~openblotter.analysis.source.GEOGRAPHY_FIELDS`). The time zone and centroid default
    to the agency's, from the store's ``agencies`` table; without a centroid there, stops
    without coordinates are placed at the mean of the others' (a caveat says so).
    """
    from openblotter.analysis.source import GEOGRAPHY_FIELDS

    dst_window_days = window_days if dst else None
    check_options(
        comparison=comparison,
        reference=reference,
        spline_df=spline_df,
        bin_minutes=bin_minutes,
        level=level,
        window_start=window_start,
        knots=knots,
        dst_window_days=dst_window_days,
    )
    if not 0 <= coordinate_decimals <= 4:
        raise ConfigError("coordinate_decimals must be between 0 and 4")
    if location is not None and location not in GEOGRAPHY_FIELDS:
        raise ConfigError(f"location must be one of {', '.join(GEOGRAPHY_FIELDS)}")
    context = agency_context(tx, agency)
    zone = timezone or context["timezone"]
    if zone is None:
        raise ConfigError(f"the veil of darkness needs {agency}'s timezone in agency.yaml")
    mean_centroid = centroid is None and context["centroid"] is None
    centroid = centroid or context["centroid"] or _mean_centroid(tx, agency)
    places = run(
        places_expr(
            agency, location=location, centroid=centroid, coordinate_decimals=coordinate_decimals
        ),
        tx,
    )
    sun = sun_table(
        places.with_columns(pl.lit(zone).alias("tz")), coordinate_decimals=coordinate_decimals
    )
    lookup = sun.filter(
        pl.col("sunset_minute").is_not_null() & pl.col("dusk_minute").is_not_null()
    ).with_columns(
        pl.concat_str(pl.col("clock_change"), pl.lit("-"), pl.col("change_year")).alias("period")
    )
    bounds = windows(places, lookup, window_start=window_start)
    options: dict[str, Any] = {
        "location": location,
        "centroid": centroid,
        "comparison": comparison,
        "reference": reference,
        "bin_minutes": bin_minutes,
        "coordinate_decimals": coordinate_decimals,
        "window_start": window_start,
        "dst_window_days": dst_window_days,
    }
    cells = merge_cells(run_with_values(cells_expr(agency, lookup, bounds, **options), tx))
    true = _true_windows(cells)
    if (
        not true.join(bounds, on="location", how="left")
        .filter(
            (pl.col("lo") != pl.col("lo_right"))
            | (pl.col("hi") != pl.col("hi_right"))
            | pl.col("lo_right").is_null()
        )
        .is_empty()
    ):
        logger.info("veil of darkness: the groups' own window differs; counting again with it")
        cells = merge_cells(run_with_values(cells_expr(agency, lookup, true, **options), tx))
    cells = cells.drop("eligible_lo", "eligible_hi")
    result = describe(
        cells,
        sun,
        spline_df=spline_df,
        interact_time_location=interact_time_location,
        knots=knots,
        level=level,
        comparison=comparison,
        reference=reference,
        window_start=window_start,
        dst_window_days=dst_window_days,
        provenance=provenance(tx, agency, _DATASETS),
    )
    kept_centroid = cells.filter(pl.col("status") == "kept").get_column("n_centroid").sum()
    if mean_centroid and centroid is not None and kept_centroid:
        result = dataclasses.replace(result, caveats=(*result.caveats, _MEAN_CENTROID_CAVEAT))
    return result
