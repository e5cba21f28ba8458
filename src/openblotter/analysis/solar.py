"""Sunset and civil dusk, vectorised, as local clock minutes: the clock of the veil of darkness.

The veil-of-darkness test needs, for every stop, whether it was light or dark at the place and
moment it happened. This module computes the two events it needs:

* **sunset**: the upper limb of the sun touches the horizon, i.e. the centre of the sun is at a
  zenith angle of 90.833° (34' of refraction plus a 16' solar radius);
* **civil dusk**: the end of civil twilight, the centre of the sun 6° below the geometric horizon
  (zenith 96°, no refraction), after which it is "dark" in the test's sense.

Method: the NOAA solar-position algorithm (the spreadsheet of NOAA's Global Monitoring Laboratory,
after Meeus, *Astronomical Algorithms*, 1991). For a local date, the solar declination and the
equation of time give the hour angle at which the sun reaches the zenith angle; the event time in
UTC is ``720 - 4·longitude - equation_of_time + 4·hour_angle`` minutes after 0 h UTC. The solar
position is then re-evaluated at that estimated time and the event recomputed (three passes in
all): within a few seconds of PyEphem (VSOP87) in the tests, up to ±61° latitude.

Times come back as **minutes after local midnight** of the given date, in the place's IANA time
zone, read with :mod:`zoneinfo` so daylight saving time is honoured: the UTC offset is taken at
local noon of each date, which is the offset in force at sunset and dusk everywhere, because
clocks change at night. A dusk after midnight (high latitudes in summer) is returned as more than
1440. Where the event does not happen on that date (polar day or night, or a summer night that
never gets 6° dark) the result is NaN from the numpy functions and null from the frame function:
never an exception.

Cost: every computation is a handful of numpy array operations, and :func:`add_sun_times` runs them
once per *distinct* (date, latitude, longitude, time zone) and joins the result back, as the Open
Policing Project does, so the per-stop cost is one hash join.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CIVIL_DUSK_ZENITH",
    "SUNSET_ZENITH",
    "add_sun_times",
    "clock_changes",
    "solar_event_utc",
    "sun_times",
    "utc_offset_minutes",
]

logger = logging.getLogger(__name__)

SUNSET_ZENITH = 90.833
"""Zenith angle (degrees) of the sun's centre at apparent sunset."""

CIVIL_DUSK_ZENITH = 96.0
"""Zenith angle (degrees) of the sun's centre at the end of civil twilight."""

_UNIX_EPOCH_JD = 2440587.5  # Julian day of 1970-01-01 00:00 UTC
_PASSES = 3


def _solar_declination_and_eqtime(jd: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Declination (radians) and equation of time (minutes) at Julian day ``jd`` (NOAA)."""
    t = (jd - 2451545.0) / 36525.0
    mean_long = np.radians((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360.0)
    mean_anom = np.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    ecc = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    center = (
        np.sin(mean_anom) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * mean_anom) * (0.019993 - 0.000101 * t)
        + np.sin(3 * mean_anom) * 0.000289
    )
    omega = np.radians(125.04 - 1934.136 * t)
    apparent_long = np.radians(np.degrees(mean_long) + center - 0.00569 - 0.00478 * np.sin(omega))
    seconds = 21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))
    obliquity = np.radians(23.0 + (26.0 + seconds / 60.0) / 60.0 + 0.00256 * np.cos(omega))
    declination = np.arcsin(np.sin(obliquity) * np.sin(apparent_long))
    y = np.tan(obliquity / 2.0) ** 2
    eqtime = 4.0 * np.degrees(
        y * np.sin(2 * mean_long)
        - 2 * ecc * np.sin(mean_anom)
        + 4 * ecc * y * np.sin(mean_anom) * np.cos(2 * mean_long)
        - 0.5 * y * y * np.sin(4 * mean_long)
        - 1.25 * ecc * ecc * np.sin(2 * mean_anom)
    )
    return declination, eqtime


def solar_event_utc(
    dates: ArrayLike, lat: ArrayLike, lng: ArrayLike, *, zenith: float
) -> NDArray[np.float64]:
    """Minutes after 0 h UTC of ``dates`` at which the setting sun reaches ``zenith`` degrees.

    ``dates`` are calendar dates (``datetime64[D]`` or anything numpy converts to it), ``lat``
    and ``lng`` decimal degrees (east positive); all three broadcast together. The date is taken
    as the *local* date at ``lng`` (the evening of that day), so the result may exceed 1440 west
    of Greenwich. NaN where the sun does not reach ``zenith`` that day, or where an input is NaN
    or a latitude is outside [-90, 90].
    """
    days = np.asarray(dates, dtype="datetime64[D]").astype(np.float64)
    lat_r = np.radians(np.asarray(lat, dtype=np.float64))
    lng_d = np.asarray(lng, dtype=np.float64)
    days, lat_r, lng_d = np.broadcast_arrays(days, lat_r, lng_d)
    cos_zenith = np.cos(np.radians(zenith))
    minutes = 720.0 - 4.0 * lng_d  # first guess: solar noon
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for _ in range(_PASSES):
            declination, eqtime = _solar_declination_and_eqtime(
                _UNIX_EPOCH_JD + days + minutes / 1440.0
            )
            cos_hour_angle = cos_zenith / (np.cos(lat_r) * np.cos(declination)) - np.tan(
                lat_r
            ) * np.tan(declination)
            valid = np.abs(cos_hour_angle) <= 1.0
            hour_angle = np.degrees(np.arccos(np.where(valid, cos_hour_angle, np.nan)))
            estimate = 720.0 - 4.0 * lng_d - eqtime + 4.0 * hour_angle
            # keep iterating from solar noon where this pass found no event
            minutes = np.where(np.isnan(estimate), minutes, estimate)
        result = np.where(valid & (np.abs(lat_r) <= np.pi / 2), estimate, np.nan)
    return np.asarray(result, dtype=np.float64)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown IANA time zone {timezone!r}") from exc


def utc_offset_minutes(dates: ArrayLike, timezone: str) -> NDArray[np.float64]:
    """UTC offset (minutes, east positive) in force at local noon of each date in ``timezone``.

    Evaluated once per distinct date with :mod:`zoneinfo` (a few thousand dates at most for
    any data set), then broadcast back. Raises :class:`~openblotter.errors.ConfigError` for an
    unknown zone.
    """
    zone = _zone(timezone)
    days = np.asarray(dates, dtype="datetime64[D]")
    unique, inverse = np.unique(days, return_inverse=True)
    epoch = dt.date(1970, 1, 1)
    offsets = np.empty(unique.shape, dtype=np.float64)
    for i, day in enumerate(unique.astype(np.int64).tolist()):  # distinct dates, not rows
        noon = dt.datetime.combine(epoch + dt.timedelta(days=day), dt.time(12), tzinfo=zone)
        offset = noon.utcoffset()
        offsets[i] = offset.total_seconds() / 60.0 if offset is not None else 0.0
    return offsets[inverse].reshape(days.shape)


def sun_times(
    dates: ArrayLike, lat: ArrayLike, lng: ArrayLike, *, timezone: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sunset and civil dusk as minutes after local midnight in ``timezone`` (NaN: no event).

    Example:
        >>> import numpy as np
        >>> sunset, dusk = sun_times(
        ...     np.array(["2024-06-21"], dtype="datetime64[D]"),
        ...     41.76,
        ...     -72.69,
        ...     timezone="America/New_York",
        ... )
        >>> int(sunset[0]) // 60, int(dusk[0]) - int(sunset[0]) > 25
        (20, True)
    """
    offset = utc_offset_minutes(dates, timezone)
    sunset = solar_event_utc(dates, lat, lng, zenith=SUNSET_ZENITH) + offset
    dusk = solar_event_utc(dates, lat, lng, zenith=CIVIL_DUSK_ZENITH) + offset
    return sunset, dusk


@functools.lru_cache(maxsize=512)
def _changes_in_year(year: int, timezone: str) -> tuple[tuple[int, str, float], ...]:
    """(days since 1970, direction, shift) of each offset change in one year (cached)."""
    start = np.datetime64(f"{year}-01-01", "D")
    days = start + np.arange(-1, 366)
    days = days[days.astype("datetime64[Y]").astype(np.int64) + 1970 <= year]
    offsets = utc_offset_minutes(days, timezone)
    shift = np.diff(offsets)
    return tuple(
        (int(days[i + 1].astype(np.int64)), "forward" if shift[i] > 0 else "back", float(shift[i]))
        for i in np.flatnonzero(shift != 0).tolist()
    )


def clock_changes(years: ArrayLike, timezone: str) -> pl.DataFrame:
    """The daylight-saving clock changes of ``timezone`` in each of ``years``.

    One row per change: ``year``, ``date`` (the first local date whose evening is on the new
    offset), ``direction`` (``"forward"`` when clocks go forward, i.e. spring; ``"back"`` in
    autumn) and ``shift_minutes``. A zone without daylight saving time gives no rows.
    """
    _zone(timezone)
    rows = [
        (year, day, direction, shift)
        for year in np.unique(np.asarray(years, dtype=np.int64)).tolist()
        for day, direction, shift in _changes_in_year(year, timezone)
    ]
    return pl.DataFrame(
        {
            "year": [r[0] for r in rows],
            "date": [r[1] for r in rows],
            "direction": [r[2] for r in rows],
            "shift_minutes": [r[3] for r in rows],
        },
        schema={
            "year": pl.Int64,
            "date": pl.Int32,
            "direction": pl.String,
            "shift_minutes": pl.Float64,
        },
    ).with_columns(pl.col("date").cast(pl.Date))


def add_sun_times(
    frame: pl.DataFrame,
    *,
    date: str = "date",
    lat: str = "lat",
    lng: str = "lng",
    timezone: str | None = None,
    timezone_column: str | None = None,
) -> pl.DataFrame:
    """Add ``sunset_minute`` and ``dusk_minute`` (Float64, null where none) to ``frame``.

    The computation runs once per distinct (date, lat, lng, time zone) and is joined back.
    The time zone is ``timezone`` for every row, or the IANA name in ``timezone_column``.
    Rows with a null date, coordinate or zone get nulls.
    """
    if (timezone is None) == (timezone_column is None):
        raise ConfigError("give exactly one of timezone= and timezone_column=")
    tz_expr = pl.col(timezone_column) if timezone_column else pl.lit(timezone, dtype=pl.String)
    keyed = frame.with_columns(tz_expr.alias("__tz"))
    keys = [date, lat, lng, "__tz"]
    distinct = keyed.select(keys).unique().drop_nulls()
    sunset = np.full(distinct.height, np.nan)
    dusk = np.full(distinct.height, np.nan)
    zones = distinct.get_column("__tz").to_numpy()
    for zone in np.unique(zones).tolist():  # one pass per time zone
        rows = zones == zone
        part = distinct.filter(pl.Series(rows))
        sunset[rows], dusk[rows] = sun_times(
            part.get_column(date).to_numpy(),
            part.get_column(lat).to_numpy(),
            part.get_column(lng).to_numpy(),
            timezone=str(zone),
        )
    table = distinct.with_columns(
        pl.Series("sunset_minute", sunset).fill_nan(None),
        pl.Series("dusk_minute", dusk).fill_nan(None),
    )
    logger.debug("sun times for %d distinct date-places", distinct.height)
    return keyed.join(table, on=keys, how="left", maintain_order="left").drop("__tz")
