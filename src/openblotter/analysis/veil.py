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
SQL ``GROUP BY``, for stops held in memory; for stops in the store,
:func:`openblotter.analysis.veil_store.veil_of_darkness_store` computes the same counts inside
it, as SQL, and both end in :func:`describe`. The model (:func:`fit`) only sees the small count
table, so its cost does not grow with the number of stops: a GLM on the counts gives exactly the
estimate and standard error of the row-level logistic regression.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Literal

import polars as pl

from openblotter.analysis.veil_data import METHOD, Frame, aggregate, prepare, sun_table
from openblotter.analysis.veil_model import fit, natural_spline_basis
from openblotter.errors import ConfigError
from openblotter.schema import load_standard

if TYPE_CHECKING:
    from collections.abc import Mapping

    from openblotter.analysis.result import Result


__all__ = [
    "METHOD",
    "aggregate",
    "check_options",
    "describe",
    "fit",
    "natural_spline_basis",
    "prepare",
    "sun_table",
    "veil_of_darkness",
    "veil_of_darkness_dst",
]

logger = logging.getLogger(__name__)


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


def check_options(
    *,
    comparison: str,
    reference: str,
    spline_df: int,
    bin_minutes: int,
    level: float,
    window_start: str,
    knots: str,
    dst_window_days: int | None,
) -> None:
    """Raise :class:`~openblotter.errors.ConfigError` for an option the test cannot take."""
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
    if window_start not in ("dusk", "sunset") or knots not in ("stops", "cells"):
        raise ConfigError("window_start is 'dusk' or 'sunset'; knots is 'stops' or 'cells'")
    if dst_window_days is not None and not 1 <= dst_window_days <= 120:
        raise ConfigError("the daylight-saving window must be between 1 and 120 days")


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
    return describe(
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
        provenance=provenance,
    )


def describe(
    cells: pl.DataFrame,
    sun: pl.DataFrame,
    *,
    spline_df: int,
    interact_time_location: bool,
    knots: Literal["stops", "cells"],
    level: float,
    comparison: str,
    reference: str,
    window_start: Literal["dusk", "sunset"],
    dst_window_days: int | None,
    provenance: Mapping[str, str] | None,
) -> Result:
    """Fit the model on the count table of :func:`aggregate` and say what was kept and why.

    ``sun`` is the sun table the counts were made with (its size is a diagnostic; a zone without
    clock changes earns the DST variant a caveat). Shared by the in-memory test and the one that
    runs in the store (:mod:`openblotter.analysis.veil_store`), so both report alike.
    """
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
