"""Veil of darkness, the data side: prepared stops, sun times and the aggregation.

The aggregation of stops held in memory, in Polars; the same counts computed inside the store
are :func:`openblotter.analysis.veil_counts.cells_expr`, checked against this one in the tests.
The model is fitted on them.

See ``openblotter.analysis.veil`` for the method.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import polars as pl

from openblotter.analysis.solar import clock_changes, sun_times
from openblotter.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["METHOD", "Frame", "aggregate", "prepare", "sun_table"]

METHOD = "veil-of-darkness"
"""Method id: the page ``docs/methods/veil-of-darkness.md``."""

Frame = pl.DataFrame | pl.LazyFrame
_SUN_KEYS = ["date", "lat_cell", "lng_cell", "tz"]


def prepare(
    stops: Frame,
    *,
    timezone: str | None = None,
    timezone_column: str | None = None,
    centroid: tuple[float, float] | None = None,
    location: str | None = None,
    coordinate_decimals: int = 1,
) -> pl.LazyFrame:
    """Stops reduced to the columns the test needs, with the keys of their place.

    Adds ``minute`` (clock minute of the day, 0-1439), ``lat_cell``/``lng_cell`` (coordinates
    times 10**``coordinate_decimals``, rounded to integers; the ``centroid`` where the stop's own
    coordinates are missing, out of range or exactly (0, 0)), ``used_centroid``, ``tz`` (the
    ``timezone`` or the stop's ``timezone_column``) and ``location`` (the ``location`` column as
    text, or ``"all"``). ``stops`` needs ``date``, ``time`` and ``subject_race``; ``lat`` and
    ``lng`` are optional.
    """
    if (timezone is None) == (timezone_column is None):
        raise ConfigError("give exactly one of timezone= and timezone_column=")
    if not 0 <= coordinate_decimals <= 4:
        raise ConfigError("coordinate_decimals must be between 0 and 4")
    lazy = stops.lazy()
    schema = lazy.collect_schema()
    missing = [c for c in ("date", "time", "subject_race") if c not in schema]
    if location is not None and location not in schema:
        missing.append(location)
    if timezone_column is not None and timezone_column not in schema:
        missing.append(timezone_column)
    if missing:
        raise ConfigError(f"stops lack the column(s) {', '.join(missing)}")
    scale = 10.0**coordinate_decimals

    def coordinate(name: str, limit: float) -> pl.Expr:
        if name not in schema:
            return pl.lit(None, dtype=pl.Float64)
        col = pl.col(name).cast(pl.Float64)
        return pl.when(col.abs() <= limit).then(col)

    lat, lng = coordinate("lat", 90.0), coordinate("lng", 180.0)
    own = lat.is_not_null() & lng.is_not_null() & ~((lat == 0.0) & (lng == 0.0))
    fallback_lat, fallback_lng = centroid if centroid is not None else (None, None)

    def cell(own_value: pl.Expr, fallback: float | None) -> pl.Expr:
        value = pl.when(own).then(own_value).otherwise(pl.lit(fallback, dtype=pl.Float64))
        return (value * scale).round(0, mode="half_away_from_zero").cast(pl.Int32)

    date, time = pl.col("date"), pl.col("time")
    if schema["date"] == pl.String:
        date = date.str.to_date(strict=False)
    elif isinstance(schema["date"], pl.Datetime):
        date = date.dt.date()
    if schema["time"] == pl.String:
        time = pl.coalesce(
            time.str.to_time("%H:%M:%S", strict=False), time.str.to_time("%H:%M", strict=False)
        )
    elif isinstance(schema["time"], pl.Datetime):
        time = time.dt.time()
    return lazy.select(
        date.cast(pl.Date).alias("date"),
        (time.dt.hour().cast(pl.Int32) * 60 + time.dt.minute().cast(pl.Int32)).alias("minute"),
        cell(lat, fallback_lat).alias("lat_cell"),
        cell(lng, fallback_lng).alias("lng_cell"),
        (~own).alias("used_centroid"),
        # categoricals: the join and GROUP BY on 10**7 rows run about 40 % faster than on text
        (pl.col(timezone_column) if timezone_column else pl.lit(timezone))
        .cast(pl.String)
        .cast(pl.Categorical)
        .alias("tz"),
        (pl.col(location).cast(pl.String) if location else pl.lit("all"))
        .cast(pl.Categorical)
        .alias("location"),
        pl.col("subject_race").cast(pl.String).cast(pl.Categorical),
    )


def sun_table(prepared: Frame, *, coordinate_decimals: int = 1) -> pl.DataFrame:
    """Sunset, dusk and the nearest clock change for each distinct (date, place, zone).

    ``prepared`` is the output of :func:`prepare` (with the same ``coordinate_decimals``). The
    result has the keys ``date``, ``lat_cell``, ``lng_cell``, ``tz`` and ``sunset_minute``,
    ``dusk_minute`` (whole minutes after local midnight, truncated; null where the event does
    not happen), ``clock_change`` (``"forward"``/``"back"``, the nearest daylight-saving change
    in that zone, null where the zone has none), ``change_year`` and ``days_from_change``.
    """
    keys = prepared.lazy().select(_SUN_KEYS).unique().drop_nulls().collect()
    scale = 10.0**coordinate_decimals
    n = keys.height
    sunset, dusk = np.full(n, np.nan), np.full(n, np.nan)
    change_days = np.full(n, np.nan)
    direction = np.full(n, None, dtype=object)
    zones = keys.get_column("tz").to_numpy()
    dates = keys.get_column("date").to_numpy().astype("datetime64[D]")
    for zone in np.unique(zones).tolist():  # one pass per time zone, not per row
        rows = zones == zone
        part = keys.filter(pl.Series(rows))
        sunset[rows], dusk[rows] = sun_times(
            dates[rows],
            part.get_column("lat_cell").to_numpy() / scale,
            part.get_column("lng_cell").to_numpy() / scale,
            timezone=str(zone),
        )
        years = dates[rows].astype("datetime64[Y]").astype(np.int64) + 1970
        changes = clock_changes(np.arange(years.min() - 1, years.max() + 2), str(zone))
        if changes.height:
            when = changes.get_column("date").to_numpy().astype("datetime64[D]").astype(np.int64)
            day = dates[rows].astype(np.int64)
            after = np.clip(np.searchsorted(when, day), 1, when.size - 1)
            nearest = np.where(
                np.abs(day - when[after - 1]) <= np.abs(when[after] - day), after - 1, after
            )
            change_days[rows] = when[nearest]
            direction[rows] = changes.get_column("direction").to_numpy()[nearest]
    change_date = pl.Series("change_date", change_days).fill_nan(None).cast(pl.Int32)
    return keys.with_columns(
        pl.Series("sunset_minute", np.floor(sunset)).fill_nan(None).cast(pl.Int32),
        pl.Series("dusk_minute", np.floor(dusk)).fill_nan(None).cast(pl.Int32),
        pl.Series("clock_change", direction, dtype=pl.String),
        change_date.cast(pl.Date).dt.year().alias("change_year"),
        (pl.col("date").cast(pl.Int32) - change_date).alias("days_from_change"),
    )


def aggregate(
    prepared: Frame,
    sun: pl.DataFrame,
    *,
    comparison: str = "black",
    reference: str = "white",
    bin_minutes: int = 5,
    window_start: Literal["dusk", "sunset"] = "dusk",
    dst_window_days: int | None = None,
) -> pl.LazyFrame:
    """Count stops per (status, location, period, dark, clock bin): the heavy part, as a GROUP BY.

    ``status`` is ``"kept"`` for the stops the model uses and otherwise names the first rule
    that removed the stop (``missing-date-or-time``, ``other-race``, ``missing-location``,
    ``missing-coordinates``, ``no-sun-times``, ``outside-window``, ``twilight``,
    ``outside-dst-windows``); ``period``, ``is_dark`` and ``minute_bin`` are null except on kept
    rows. ``n`` counts stops, ``n_comparison`` those of the comparison group, ``n_centroid``
    those placed at the agency centroid. :func:`~openblotter.analysis.veil_counts.cells_expr`
    is the same aggregation as an Ibis expression, run by the store.
    """
    status_col, race = pl.col("status"), pl.col("subject_race")
    eligible = (
        race.is_in([comparison, reference])
        & pl.col("location").is_not_null()
        & pl.col("sunset_minute").is_not_null()
        & pl.col("dusk_minute").is_not_null()
    )
    opening = pl.col("sunset_minute" if window_start == "sunset" else "dusk_minute")
    minute, sunset, dusk = pl.col("minute"), pl.col("sunset_minute"), pl.col("dusk_minute")
    outside_dst = pl.lit(value=False)
    if dst_window_days is not None:
        days = pl.col("days_from_change")
        outside_dst = days.is_null() | (days.abs() > dst_window_days)
    kept = status_col == "kept"
    period = pl.lit(None, dtype=pl.String)
    if dst_window_days is not None:
        period = pl.concat_str(pl.col("clock_change"), pl.lit("-"), pl.col("change_year"))
    return (
        prepared.lazy()
        .join(sun.lazy(), on=_SUN_KEYS, how="left")
        .with_columns(
            pl.when(eligible).then(opening).min().over("location").alias("window_lo"),
            pl.when(eligible).then(dusk).max().over("location").alias("window_hi"),
        )
        .with_columns(
            pl.when(pl.col("date").is_null() | minute.is_null())
            .then(pl.lit("missing-date-or-time"))
            .when(race.is_null() | ~race.is_in([comparison, reference]))
            .then(pl.lit("other-race"))
            .when(pl.col("location").is_null())
            .then(pl.lit("missing-location"))
            .when(pl.col("lat_cell").is_null() | pl.col("lng_cell").is_null())
            .then(pl.lit("missing-coordinates"))
            .when(sunset.is_null() | dusk.is_null())
            .then(pl.lit("no-sun-times"))
            .when((minute < pl.col("window_lo")) | (minute > pl.col("window_hi")))
            .then(pl.lit("outside-window"))
            .when((minute > sunset) & (minute < dusk))
            .then(pl.lit("twilight"))
            .when(outside_dst)
            .then(pl.lit("outside-dst-windows"))
            .otherwise(pl.lit("kept"))
            .alias("status")
        )
        .group_by(
            "status",
            "location",
            pl.when(kept).then(period).alias("period"),
            pl.when(kept).then(minute >= dusk).alias("is_dark"),
            pl.when(kept)
            .then((minute + bin_minutes // 2) // bin_minutes * bin_minutes)
            .alias("minute_bin"),
        )
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            (race == comparison).sum().cast(pl.Int64).alias("n_comparison"),
            pl.col("used_centroid").sum().cast(pl.Int64).alias("n_centroid"),
        )
    )
