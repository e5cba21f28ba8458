"""Synthetic stops with a planted daylight effect, to check the veil-of-darkness test recovers it.

:func:`daylight_stops` draws stops over whole years at a few places (latitude, longitude, IANA
time zone), each with a few districts. Among Black and White drivers, the log-odds that a stopped
driver is Black is::

    district effect + smooth function of clock time + log(dark_odds_ratio) * dark
                    [+ seasonal_effect * cos(2π (day of year - 15) / 365)]

where ``dark`` is 1 after civil dusk, 0 before sunset and ½ in between (partial visibility). So
``dark_odds_ratio`` is exactly the odds ratio the test estimates, 1 is the null, and below 1
means Black drivers are stopped relatively more in daylight, when race is visible. The clock-time
term is what the test's spline must absorb; ``seasonal_effect`` (0 by default) plants a change
in who drives in winter versus summer, the confounder the test's assumptions rule out, to show
the full-year test's failure mode and the daylight-saving variant's robustness.

Darkness is computed with :mod:`openblotter.analysis.solar` at each stop's exact coordinates.
Everything is drawn from one seeded :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from openblotter.analysis.solar import sun_times

__all__ = ["PLACES", "Place", "daylight_stops"]


@dataclass(frozen=True, slots=True)
class Place:
    """A synthetic place: a name, its centre and its IANA time zone."""

    name: str
    lat: float
    lng: float
    timezone: str


PLACES = (
    Place("Eastport", 41.76, -72.69, "America/New_York"),
    Place("Prairie City", 37.69, -97.33, "America/Chicago"),
    Place("Bayside", 37.34, -121.89, "America/Los_Angeles"),
)
"""Three places in three US time zones (coordinates of real cities, names invented)."""

_OTHER_RACES = ("hispanic", "asian/pacific islander", "other", "unknown")


def _clock_effect(minute: np.ndarray) -> np.ndarray:
    """A smooth daily cycle in who is stopped (what the test's spline must absorb)."""
    angle = 2 * np.pi * minute / 1440.0
    return 0.35 * np.cos(angle - 0.6) + 0.15 * np.sin(2 * angle)


def daylight_stops(
    n: int,
    *,
    seed: int,
    dark_odds_ratio: float = 1.0,
    places: tuple[Place, ...] = PLACES,
    years: tuple[int, ...] = (2023,),
    districts: int = 3,
    black_share: float = 0.3,
    other_share: float = 0.15,
    seasonal_effect: float = 0.0,
    missing_coordinates: float = 0.0,
    jitter: float = 0.05,
) -> pl.DataFrame:
    """``n`` synthetic stops with a planted darkness odds ratio.

    Columns: ``place``, ``district`` (``"<place> <k>"``), ``timezone``, ``date`` (Date),
    ``time`` (Time), ``lat``/``lng`` (Float64, null for a ``missing_coordinates`` share, else
    within ``jitter`` degrees of the place), ``subject_race`` (standard codes). About
    ``black_share`` of Black-or-White stops are Black at baseline; ``other_share`` of all stops
    are of other codes. Half the stops fall at uniform clock times, half in the evening
    (around 19:00), so the inter-twilight window is well populated.
    """
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(places), n)
    district = rng.integers(0, districts, n)
    year = np.asarray(years, dtype=np.int64)[rng.integers(0, len(years), n)]
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - first).astype(
        np.int64
    )
    date = first + np.floor(rng.random(n) * length).astype(np.int64)
    evening = rng.random(n) < 0.5
    seconds = np.where(
        evening,
        np.round(rng.normal(19 * 3600, 2 * 3600, n)) % 86400,
        rng.integers(0, 86400, n),
    ).astype(np.int64)
    minute = seconds / 60.0
    lat0 = np.array([p.lat for p in places])[place]
    lng0 = np.array([p.lng for p in places])[place]
    lat = lat0 + rng.uniform(-jitter, jitter, n)
    lng = lng0 + rng.uniform(-jitter, jitter, n)
    sunset = np.empty(n)
    dusk = np.empty(n)
    # truth at each stop's coordinates to 0.01° (about 1 km, under 3 s of sun time), computed
    # once per distinct (place, date, cell) and broadcast back
    lat_cell = np.round(lat * 100).astype(np.int64)
    lng_cell = np.round(lng * 100).astype(np.int64)
    for k, p in enumerate(places):  # one vectorised pass per place
        rows = np.flatnonzero(place == k)
        key = (date[rows].astype(np.int64) * 20_000 + lat_cell[rows] + 9_000) * 40_000 + (
            lng_cell[rows] + 18_000
        )
        unique, inverse = np.unique(key, return_inverse=True)
        unique_lng = unique % 40_000 - 18_000
        unique_lat = (unique // 40_000) % 20_000 - 9_000
        unique_day = unique // 40_000 // 20_000
        s, d = sun_times(
            unique_day.astype("datetime64[D]"),
            unique_lat / 100.0,
            unique_lng / 100.0,
            timezone=p.timezone,
        )
        sunset[rows], dusk[rows] = s[inverse], d[inverse]
    darkness = np.where(minute >= dusk, 1.0, np.where(minute > sunset, 0.5, 0.0))
    darkness = np.where(np.isnan(dusk) | np.isnan(sunset), 0.0, darkness)
    district_effect = rng.normal(0.0, 0.4, (len(places), districts))[place, district]
    day_of_year = (date - first).astype(np.float64)
    logit = (
        np.log(black_share / (1 - black_share))
        + district_effect
        + _clock_effect(minute)
        + np.log(dark_odds_ratio) * darkness
        + seasonal_effect * np.cos(2 * np.pi * (day_of_year - 15) / 365.0)
    )
    black = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    race_code = np.where(black, 0, 1)
    other = rng.random(n) < other_share
    race_code[other] = 2 + rng.integers(0, len(_OTHER_RACES), int(other.sum()))
    missing = rng.random(n) < missing_coordinates
    names = [p.name for p in places]
    district_names = [f"{name} {k + 1}" for name in names for k in range(districts)]
    return pl.DataFrame(
        {
            "place": pl.Series(place).replace_strict(
                dict(enumerate(names)), return_dtype=pl.String
            ),
            "district": pl.Series(place * districts + district).replace_strict(
                dict(enumerate(district_names)), return_dtype=pl.String
            ),
            "timezone": pl.Series(place).replace_strict(
                dict(enumerate(p.timezone for p in places)), return_dtype=pl.String
            ),
            "date": date,
            "time": pl.Series(seconds * 1_000_000_000).cast(pl.Time),
            "lat": pl.Series(lat).scatter(np.flatnonzero(missing), None),
            "lng": pl.Series(lng).scatter(np.flatnonzero(missing), None),
            "subject_race": pl.Series(race_code).replace_strict(
                dict(enumerate(("black", "white", *_OTHER_RACES))), return_dtype=pl.String
            ),
        }
    )
