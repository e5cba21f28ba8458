"""The veil-of-darkness test: are drivers of one group stopped relatively less often after dark?

Question. Officers can often see a driver's race in daylight but not after dark. If the share of
stopped drivers who are Black (the *comparison* group, against a *reference* group, White by
default) is lower after dark than in daylight at the same clock time, that is evidence that
race influenced who was stopped in daylight (Grogger & Ridgeway 2006, JASA 101:878-887).

Specification (Pierson et al. 2020, *Nature Human Behaviour* 4:736-745; code in
``stanford-policylab/opp``, ``lib/veil_of_darkness*.R`` and ``lib/eligibility.R``):

1. sunset and civil dusk for every stop's date and place (:mod:`openblotter.analysis.solar`),
   computed once per distinct (date, place) and joined back;
2. keep stops of the two groups whose clock minute lies in the *inter-twilight window* of their
   location: between the earliest and the latest dusk of the period (``window_start="sunset"``
   opens it at the earliest sunset instead), the clock times that are light on some days and
   dark on others;
3. drop stops between sunset and dusk (neither light nor dark); ``dark`` = minute >= dusk;
4. count stops by (location, [period], dark, 5-minute clock bin) and fit the binomial GLM::

       logit P(comparison | stop) = a_location [+ a_period] + b * dark + ns(minute, df)

   with a natural cubic spline of clock time (df 6 by default; optionally one spline per
   location) and location fixed effects. ``exp(b)`` is the odds ratio of a stopped driver being
   in the comparison group after dark versus in daylight; below 1 is what a daylight bias
   predicts.

The daylight-saving variant (:func:`veil_of_darkness_dst`) keeps only stops within a few weeks
of the spring and autumn clock changes, where the same clock time is light on one side and dark
on the other, and adds one fixed effect per (clock change, year) period, as the paper does.

Steps 2-4 up to the counts are one polars expression chain (:func:`aggregate`) that reads like a
SQL ``GROUP BY``; :data:`AGGREGATE_SQL` is the same query for DuckDB, checked against it in
the tests. The model (:func:`fit`) only sees the small count table, so its cost does not grow
with the number of stops: a GLM on the counts gives exactly the estimate and standard error of
the row-level logistic regression.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.solar import clock_changes, sun_times
from openblotter.errors import ConfigError
from openblotter.schema import load_standard

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

__all__ = [
    "AGGREGATE_SQL",
    "METHOD",
    "aggregate",
    "fit",
    "natural_spline_basis",
    "prepare",
    "sun_table",
    "veil_of_darkness",
    "veil_of_darkness_dst",
]

logger = logging.getLogger(__name__)

METHOD = "veil-of-darkness"
"""Method id: the page ``docs/methods/veil-of-darkness.md``."""

Frame = pl.DataFrame | pl.LazyFrame
_SUN_KEYS = ["date", "lat_cell", "lng_cell", "tz"]

AGGREGATE_SQL = """
WITH joined AS (
  SELECT p.*, s.sunset_minute, s.dusk_minute, s.clock_change, s.change_year,
         s.days_from_change,
         p.subject_race IN ($comparison, $reference) AND p.location IS NOT NULL
           AND s.sunset_minute IS NOT NULL AND s.dusk_minute IS NOT NULL AS eligible
  FROM prepared p LEFT JOIN sun s
    ON p.date = s.date AND p.lat_cell = s.lat_cell AND p.lng_cell = s.lng_cell AND p.tz = s.tz
), windowed AS (
  SELECT *,
    MIN(CASE WHEN eligible THEN CASE WHEN $window_start = 'sunset' THEN sunset_minute
                                     ELSE dusk_minute END END)
      OVER (PARTITION BY location) AS window_lo,
    MAX(CASE WHEN eligible THEN dusk_minute END) OVER (PARTITION BY location) AS window_hi
  FROM joined
), labelled AS (
  SELECT *, CASE
    WHEN date IS NULL OR minute IS NULL THEN 'missing-date-or-time'
    WHEN subject_race IS NULL OR subject_race NOT IN ($comparison, $reference) THEN 'other-race'
    WHEN location IS NULL THEN 'missing-location'
    WHEN lat_cell IS NULL OR lng_cell IS NULL THEN 'missing-coordinates'
    WHEN sunset_minute IS NULL OR dusk_minute IS NULL THEN 'no-sun-times'
    WHEN minute < window_lo OR minute > window_hi THEN 'outside-window'
    WHEN minute > sunset_minute AND minute < dusk_minute THEN 'twilight'
    WHEN $dst_window_days >= 0 AND (days_from_change IS NULL
         OR abs(days_from_change) > $dst_window_days) THEN 'outside-dst-windows'
    ELSE 'kept' END AS status
  FROM windowed
)
SELECT status, location,
  CASE WHEN status = 'kept' AND $dst_window_days >= 0
       THEN clock_change || '-' || CAST(change_year AS VARCHAR) END AS period,
  CASE WHEN status = 'kept' THEN minute >= dusk_minute END AS is_dark,
  CASE WHEN status = 'kept'
       THEN CAST(floor((minute + $half_bin) / $bin_minutes) AS INTEGER) * $bin_minutes
       END AS minute_bin,
  count(*) AS n,
  sum(CASE WHEN subject_race = $comparison THEN 1 ELSE 0 END) AS n_comparison,
  sum(CASE WHEN used_centroid THEN 1 ELSE 0 END) AS n_centroid
FROM labelled
GROUP BY 1, 2, 3, 4, 5
"""
"""The :func:`aggregate` chain as SQL over the tables ``prepared`` (:func:`prepare`) and
``sun`` (:func:`sun_table`), with DuckDB ``$name`` parameters (``$dst_window_days`` = -1 for the
full-year test; ``$half_bin`` = ``$bin_minutes // 2``)."""

_CAVEATS = (
    "A lower share of the comparison group after dark is consistent with, not proof of, "
    "discrimination in daylight: the test assumes that who drives, and how, at a given clock "
    "time differs between light and dark evenings only through visibility.",
    "Street lights, headlights and moonlight let officers see drivers after dark, so the test "
    "can understate a visibility effect; it also says nothing about stops outside the window.",
    "Race is as recorded by the officer; if it is recorded less accurately after dark, that "
    "mixes with the effect measured here.",
    "Sun times use the NOAA algorithm at the stop's coordinates rounded to a grid (or at the "
    "agency centroid); stops within a minute of dusk may be classed on the wrong side.",
)
_FULL_YEAR_CAVEAT = (
    "The full-year comparison sets summer evenings against winter evenings at the same clock "
    "time; seasonal changes in who is on the road (school terms, tourism, weather, holidays) "
    "can bias it. The daylight-saving variant is less exposed."
)
_DST_CAVEAT = (
    "Only stops within a few weeks of the clock changes are used, so the estimate rests on "
    "fewer stops and on the weeks around March and November (or the local equivalents)."
)
_Z = {0.95: 1.959963984540054}


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
    those placed at the agency centroid. :data:`AGGREGATE_SQL` is the same query in SQL.
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


def natural_spline_basis(x: NDArray[np.float64], knots: NDArray[np.float64]) -> NDArray[np.float64]:
    """Natural cubic spline basis of ``x`` without the constant: ``len(knots) - 1`` columns.

    ``knots`` are sorted, boundary knots first and last. The basis is the truncated-power one of
    Hastie, Tibshirani & Friedman (*Elements of Statistical Learning*, eq. 5.4-5.5) on ``x``
    rescaled to [0, 1]; it spans the same space as R's ``splines::ns(x, knots=…,
    Boundary.knots=…)``, so fitted values and every other coefficient of a model are the same.
    """
    k = np.asarray(knots, dtype=np.float64)
    width = k[-1] - k[0]
    u = (np.asarray(x, dtype=np.float64) - k[0]) / width
    kk = (k - k[0]) / width
    cubes = np.clip(u[:, None] - kk[None, :], 0.0, None) ** 3
    d = (cubes[:, :-1] - cubes[:, -1:]) / (kk[-1] - kk[:-1])[None, :]
    return np.column_stack([u, d[:, :-1] - d[:, -1:]])


def _knots(
    x: NDArray[np.float64], weights: NDArray[np.float64], df: int, *, by: str
) -> NDArray[np.float64]:
    """Boundary knots at the range of ``x``, ``df - 1`` interior knots at its quantiles."""
    probs = np.linspace(0.0, 1.0, df + 1)[1:-1]
    if by == "cells":  # R's ns() on the count table, as OPP fits it
        interior = np.quantile(x, probs)
    else:  # quantiles of the stops: the knots of the row-level model
        order = np.argsort(x, kind="stable")
        cum = np.cumsum(weights[order]) / weights.sum()
        interior = x[order][np.searchsorted(cum, probs)]
    return np.unique(np.concatenate([[x.min()], interior, [x.max()]]))


def _deviance(y: NDArray[np.float64], m: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / (m * mu)), 0.0)
        b = np.where(m - y > 0, (m - y) * np.log((m - y) / (m * (1 - mu))), 0.0)
    return float(2.0 * np.sum(a + b))


def _irls(
    x: NDArray[np.float64], y: NDArray[np.float64], m: NDArray[np.float64], *, max_iter: int = 100
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[str, float]]:
    """Binomial GLM (logit link) by iteratively reweighted least squares, as R's ``glm``."""
    mu = (y + 0.5) / (m + 1.0)
    eta = np.log(mu / (1.0 - mu))
    beta: NDArray[np.float64] = np.zeros(x.shape[1])
    deviance_old, converged, iterations = math.inf, 0.0, 0
    while iterations < max_iter:
        iterations += 1
        mu = np.clip(1.0 / (1.0 + np.exp(-eta)), 1e-12, 1 - 1e-12)
        w = m * mu * (1.0 - mu)
        z = eta + (y - m * mu) / w
        xtw = x.T * w
        beta = np.asarray(np.linalg.solve(xtw @ x, xtw @ z), dtype=np.float64)
        eta = x @ beta
        deviance = _deviance(y, m, np.clip(1.0 / (1.0 + np.exp(-eta)), 1e-12, 1 - 1e-12))
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < 1e-10:
            converged = 1.0
            break
        deviance_old = deviance
    mu = np.clip(1.0 / (1.0 + np.exp(-eta)), 1e-12, 1 - 1e-12)
    w = m * mu * (1.0 - mu)
    cov: NDArray[np.float64] = np.asarray(np.linalg.inv((x.T * w) @ x), dtype=np.float64)
    df_resid = max(x.shape[0] - x.shape[1], 1)
    pearson = float(np.sum((y - m * mu) ** 2 / w)) / df_resid
    stats = {
        "iterations": float(iterations),
        "converged": converged,
        "deviance": _deviance(y, m, mu),
        "df_residual": float(x.shape[0] - x.shape[1]),
        "pearson_dispersion": pearson,
    }
    return beta, cov, stats


def _dummies(codes: NDArray[np.int64], levels: int) -> NDArray[np.float64]:
    """Treatment-coded indicator columns (first level dropped)."""
    out: NDArray[np.float64] = (codes[:, None] == np.arange(1, levels)[None, :]).astype(np.float64)
    return out


def _independent(x: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Columns not in the span of the columns before them (R's rule for aliased terms).

    A Cholesky factorisation of the Gram matrix built one column at a time: a column whose
    residual, after projection on the columns kept so far, is numerically zero is aliased.
    (Small Gram matrices only; LAPACK's QR is far slower under contention on small VMs.)
    """
    norms = np.linalg.norm(x, axis=0)
    unit = x / np.where(norms > 0, norms, 1.0)
    gram = unit.T @ unit
    keep: list[int] = []
    chol = np.zeros((x.shape[1], x.shape[1]))
    for j in range(x.shape[1]):  # columns of the design, not rows
        if norms[j] == 0:
            continue
        k = len(keep)
        proj = np.linalg.solve(chol[:k, :k], gram[keep, j]) if k else np.zeros(0)
        residual = gram[j, j] - proj @ proj
        if residual > 1e-9:
            chol[k, :k], chol[k, k] = proj, math.sqrt(residual)
            keep.append(j)
    out = np.zeros(x.shape[1], dtype=np.bool_)
    out[keep] = True
    return out


def _z(level: float) -> float:
    return _Z.get(level) or NormalDist().inv_cdf(0.5 + level / 2.0)


def _share(successes: int, trials: int, level: float) -> tuple[float | None, tuple[float, float]]:
    """A proportion with its Wilson interval."""
    if trials == 0:
        return None, (0.0, 1.0)
    z, p = _z(level), successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return p, (max(centre - half, 0.0), min(centre + half, 1.0))


def _codes(values: pl.Series) -> tuple[NDArray[np.int64], int]:
    levels = values.unique().sort()
    lookup = dict(zip(levels.to_list(), range(levels.len()), strict=True))
    return values.replace_strict(lookup, return_dtype=pl.Int64).to_numpy(), levels.len()


def _no_variation(kept: pl.DataFrame, column: str) -> pl.DataFrame:
    """Levels of ``column`` where only one group was stopped: they carry no information."""
    totals = kept.group_by(column).agg(pl.col("n").sum(), pl.col("n_comparison").sum())
    return totals.filter((pl.col("n_comparison") == 0) | (pl.col("n_comparison") == pl.col("n")))


def fit(
    cells: Frame,
    *,
    spline_df: int = 6,
    interact_time_location: bool = False,
    knots: Literal["stops", "cells"] = "stops",
    level: float = 0.95,
    comparison: str = "black",
    reference: str = "white",
) -> Result:
    """Fit the veil-of-darkness GLM on the count table of :func:`aggregate`.

    Uses the rows with ``status == "kept"`` (all rows when there is no ``status``): columns
    ``location``, ``is_dark``, ``minute_bin``, ``n``, ``n_comparison`` and optionally
    ``period``. Locations (and periods) where only one group was stopped are set aside, as they
    carry no information under fixed effects. ``knots="cells"`` places the spline knots at
    quantiles of the count table's bins, as OPP's ``ns()`` on its aggregated table does;
    ``"stops"`` (default) at quantiles of the stops, as the row-level model. ``comparison`` and
    ``reference`` only label the estimates. Returns a :class:`Result` whose estimates are the
    darkness coefficient (log odds ratio), the odds ratio and the comparison group's share of
    stops in light and in dark; an estimate is ``None`` when the data cannot identify it.
    """
    frame = cells.lazy()
    if "status" in frame.collect_schema():
        frame = frame.filter(pl.col("status") == "kept")
    kept = frame.collect()
    has_period = "period" in kept.columns and kept.get_column("period").null_count() == 0
    # a fixed row order makes the fit bit-for-bit reproducible (GROUP BY order is arbitrary)
    kept = kept.sort(
        [c for c in ("location", "period", "is_dark", "minute_bin") if c in kept.columns]
    )
    dropped = _no_variation(kept, "location") if kept.height else kept.head(0)
    kept = kept.join(dropped.select("location"), on="location", how="anti")
    if has_period and kept.height:
        dropped_periods = _no_variation(kept, "period")
        kept = kept.join(dropped_periods.select("period"), on="period", how="anti")
    labels = {"group": comparison, "reference_group": reference}
    dark = kept.get_column("is_dark").to_numpy().astype(bool)
    m = kept.get_column("n").to_numpy().astype(np.float64)
    y = kept.get_column("n_comparison").to_numpy().astype(np.float64)
    n_stops, n_dark = int(m.sum()), int(m[dark].sum())
    share_light = _share(int(y[~dark].sum()), n_stops - n_dark, level)
    share_dark = _share(int(y[dark].sum()), n_dark, level)
    shares = (
        Estimate("share_light", share_light[0], labels, share_light[1], level, n_stops - n_dark),
        Estimate("share_dark", share_dark[0], labels, share_dark[1], level, n_dark),
    )
    diagnostics: dict[str, float | str] = {
        "cells": kept.height,
        "locations": kept.get_column("location").n_unique(),
        "locations_dropped_one_group": dropped.height,
        "stops_dropped_one_group": int(dropped.get_column("n").sum()) if dropped.height else 0,
    }
    if n_dark == 0 or n_dark == n_stops:
        return Result(
            method=METHOD,
            estimates=(
                Estimate("dark_coefficient", None, labels, None, level, n_stops),
                Estimate("dark_odds_ratio", None, labels, None, level, n_stops),
                *shares,
            ),
            caveats=("No stops on one side of dusk: the darkness effect cannot be estimated.",),
            diagnostics=diagnostics,
            summary="Not estimable: the kept stops are all light or all dark.",
        )
    minute = kept.get_column("minute_bin").to_numpy().astype(np.float64)
    knot_values = _knots(minute, m, spline_df, by=knots)
    spline = (
        natural_spline_basis(minute, knot_values)
        if knot_values.size >= 2
        else np.empty((kept.height, 0))
    )
    loc_codes, n_loc = _codes(kept.get_column("location"))
    loc = _dummies(loc_codes, n_loc)
    columns = [np.ones((kept.height, 1)), dark[:, None].astype(np.float64), spline, loc]
    if has_period:
        columns.append(_dummies(*_codes(kept.get_column("period"))))
    if interact_time_location and n_loc > 1 and spline.shape[1]:
        columns.append((spline[:, :, None] * loc[:, None, :]).reshape(kept.height, -1))
    design = np.column_stack(columns)
    independent = _independent(design)
    diagnostics |= {
        "spline_df": float(spline.shape[1]),
        "knots": ",".join(f"{k:g}" for k in knot_values),
        "aliased_columns": float((~independent).sum()),
    }
    beta, cov, stats = _irls(design[:, independent], y, m)
    diagnostics |= stats
    coef, se = float(beta[1]), float(math.sqrt(cov[1, 1]))
    z = _z(level)
    interval = (coef - z * se, coef + z * se)
    p_value = 2.0 * NormalDist().cdf(-abs(coef / se))
    extra = {"std_error": se, "z": coef / se, "p_value": p_value}
    odds = (math.exp(coef), (math.exp(interval[0]), math.exp(interval[1])))
    summary = (
        f"After dark, the odds that a stopped driver was {comparison} rather than {reference} "
        f"were {odds[0]:.2f} times those in daylight ({level:.0%} interval {odds[1][0]:.2f} to "
        f"{odds[1][1]:.2f}; {n_stops:,} stops), at the same clock time and location. "
        "Below 1 is what a daylight bias against the group predicts."
    )
    return Result(
        method=METHOD,
        estimates=(
            Estimate("dark_coefficient", coef, labels, interval, level, n_stops, extra),
            Estimate("dark_odds_ratio", odds[0], labels, odds[1], level, n_stops, extra),
            *shares,
        ),
        diagnostics=diagnostics,
        summary=summary,
    )


def _check(comparison: str, reference: str, spline_df: int, bin_minutes: int, level: float) -> None:
    codes = load_standard().codelist("race").values
    for name, value in (("comparison", comparison), ("reference", reference)):
        if value not in codes:
            raise ConfigError(f"{name} group {value!r} is not a subject_race code ({codes})")
    if comparison == reference:
        raise ConfigError("the comparison and reference groups must differ")
    if not 1 <= spline_df <= 20:
        raise ConfigError("spline_df must be between 1 and 20")
    if not 1 <= bin_minutes <= 60:
        raise ConfigError("bin_minutes must be between 1 and 60")
    if not 0.5 <= level < 1.0:
        raise ConfigError("level must be in [0.5, 1)")


def veil_of_darkness(
    stops: Frame,
    *,
    timezone: str | None = None,
    timezone_column: str | None = None,
    centroid: tuple[float, float] | None = None,
    location: str | None = None,
    comparison: str = "black",
    reference: str = "white",
    spline_df: int = 6,
    interact_time_location: bool = False,
    bin_minutes: int = 5,
    coordinate_decimals: int = 1,
    window_start: Literal["dusk", "sunset"] = "dusk",
    knots: Literal["stops", "cells"] = "stops",
    level: float = 0.95,
    provenance: Mapping[str, str] | None = None,
    dst_window_days: int | None = None,
) -> Result:
    """The full-year veil-of-darkness test on one agency's stops (see the module docstring).

    ``stops`` (polars DataFrame or LazyFrame) has ``date``, ``time``, ``subject_race`` and
    optionally ``lat``/``lng`` (nullable; missing ones fall back to ``centroid``, given as
    ``(lat, lng)``) and the ``location`` column (district, beat…) whose fixed effects the model
    includes and within which the inter-twilight window is taken. Times are read in
    ``timezone`` (IANA name), or per stop in ``timezone_column``. Raises
    :class:`~openblotter.errors.ConfigError` for bad arguments or missing columns; data that
    cannot identify the effect gives ``None`` estimates with a caveat. ``dst_window_days``
    turns it into :func:`veil_of_darkness_dst`.
    """
    _check(comparison, reference, spline_df, bin_minutes, level)
    if window_start not in ("dusk", "sunset") or knots not in ("stops", "cells"):
        raise ConfigError("window_start is 'dusk' or 'sunset'; knots is 'stops' or 'cells'")
    if dst_window_days is not None and not 1 <= dst_window_days <= 120:
        raise ConfigError("the daylight-saving window must be between 1 and 120 days")
    prepared = prepare(
        stops,
        timezone=timezone,
        timezone_column=timezone_column,
        centroid=centroid,
        location=location,
        coordinate_decimals=coordinate_decimals,
    ).collect()
    sun = sun_table(prepared, coordinate_decimals=coordinate_decimals)
    cells = aggregate(
        prepared,
        sun,
        comparison=comparison,
        reference=reference,
        bin_minutes=bin_minutes,
        window_start=window_start,
        dst_window_days=dst_window_days,
    ).collect()
    result = fit(
        cells,
        spline_df=spline_df,
        interact_time_location=interact_time_location,
        knots=knots,
        level=level,
        comparison=comparison,
        reference=reference,
    )
    counts = dict(cells.group_by("status").agg(pl.col("n").sum()).iter_rows())
    dropped = {status: int(n) for status, n in counts.items() if status != "kept"}
    variant = "full-year" if dst_window_days is None else "dst"
    opening = "sunset" if window_start == "sunset" else "dusk"
    filters = [
        f"stops with a date and a clock time ({dropped.get('missing-date-or-time', 0)} without)",
        f"subject_race {comparison} or {reference} ({dropped.get('other-race', 0)} others)",
        f"a location and coordinates or the agency centroid "
        f"({dropped.get('missing-location', 0) + dropped.get('missing-coordinates', 0)} without)",
        f"dates with a sunset and a dusk ({dropped.get('no-sun-times', 0)} polar days or nights)",
        f"clock time between the location's earliest {opening} and latest dusk "
        f"({dropped.get('outside-window', 0)} outside)",
        f"stops between sunset and dusk removed ({dropped.get('twilight', 0)})",
    ]
    if dst_window_days is not None:
        filters.append(
            f"dates within {dst_window_days} days of a daylight-saving clock change "
            f"({dropped.get('outside-dst-windows', 0)} outside)"
        )
    filters.append(
        "locations where both groups were stopped "
        f"({int(result.diagnostics['stops_dropped_one_group'])} stops set aside)"
    )
    caveats = [*_CAVEATS, _FULL_YEAR_CAVEAT if dst_window_days is None else _DST_CAVEAT]
    caveats.extend(result.caveats)
    kept = cells.filter(pl.col("status") == "kept")
    n_kept = int(kept.get_column("n").sum())
    centroid_share = int(kept.get_column("n_centroid").sum()) / n_kept if n_kept else 0.0
    if centroid_share > 0:
        caveats.append(
            f"{centroid_share:.1%} of the kept stops had no usable coordinates; their sun times "
            "are those of the agency centroid."
        )
    if dst_window_days is not None and sun.get_column("clock_change").null_count() == sun.height:
        caveats.append("The time zone has no daylight-saving clock changes: nothing to compare.")
    dispersion = result.diagnostics.get("pearson_dispersion", 1.0)
    if isinstance(dispersion, float) and dispersion > 1.5:
        caveats.append(
            f"The counts vary more than a binomial model allows (dispersion {dispersion:.2f}): "
            "the interval is likely too narrow."
        )
    if result.diagnostics.get("converged", 1.0) == 0.0:
        caveats.append("The model fit did not converge; do not rely on the estimate.")
    for share in result.estimates[2:]:
        if share.n is not None and 0 < share.n < 100:
            caveats.append("Fewer than 100 stops on one side of dusk: the estimate is imprecise.")
            break
    estimates = tuple(
        dataclasses.replace(e, labels={**e.labels, "variant": variant}) for e in result.estimates
    )
    diagnostics = {**result.diagnostics, "variant": variant, "sun_table_rows": sun.height}
    logger.info("veil of darkness (%s): %d cells, %d stops kept", variant, cells.height, n_kept)
    return dataclasses.replace(
        result,
        estimates=estimates,
        filters=tuple(filters),
        caveats=tuple(caveats),
        provenance=dict(provenance or {}),
        diagnostics=diagnostics,
    )


def veil_of_darkness_dst(
    stops: Frame,
    *,
    window_days: int = 21,
    timezone: str | None = None,
    timezone_column: str | None = None,
    centroid: tuple[float, float] | None = None,
    location: str | None = None,
    comparison: str = "black",
    reference: str = "white",
    spline_df: int = 6,
    interact_time_location: bool = False,
    bin_minutes: int = 5,
    coordinate_decimals: int = 1,
    window_start: Literal["dusk", "sunset"] = "dusk",
    knots: Literal["stops", "cells"] = "stops",
    level: float = 0.95,
    provenance: Mapping[str, str] | None = None,
) -> Result:
    """The daylight-saving-time variant: stops within ``window_days`` of each clock change.

    Same arguments as :func:`veil_of_darkness`. The inter-twilight window is still taken over
    all the stops' dates; the model adds one fixed effect per (clock change, year) period
    (OPP's ``season * year``). The default of 21 days is OPP's ``week_radius = 3``.
    """
    return veil_of_darkness(
        stops,
        timezone=timezone,
        timezone_column=timezone_column,
        centroid=centroid,
        location=location,
        comparison=comparison,
        reference=reference,
        spline_df=spline_df,
        interact_time_location=interact_time_location,
        bin_minutes=bin_minutes,
        coordinate_decimals=coordinate_decimals,
        window_start=window_start,
        knots=knots,
        level=level,
        provenance=provenance,
        dst_window_days=window_days,
    )
