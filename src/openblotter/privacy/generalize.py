"""Coarsen ``generalize`` fields for publication (ARCHITECTURE.md decision 6; RELIABILITY.md 3.5).

Each generalisation named by a field's ``generalization`` property is a vectorised Polars
expression, so a release can coarsen millions of records without Python per row:

- ``age_band``: the ``age_band`` code list's bands (under 15, 15-17, 18-24, 25-34, …, 65 and over),
  the ones census population tables use, so published rates divide by matching denominators;
- ``round_coordinates``: latitude/longitude rounded to 3 decimals by default (about 110 m);
- ``block_address``: a street address becomes its hundred block ("1234 N MAIN ST" → "1200 block
  of N MAIN ST"); intersections and addresses without a number are kept;
- ``time_hour``: the hour only; ``date_month``: the first day of the month.

- ``hexagon_centroids``: a point moved to the centre of its hexagon in a grid (the alternative
  to rounding that ``coordinates: hexagon`` chooses).

``redact_text`` (narratives) is ``openblotter.privacy.redact``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from openblotter.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "AGE_BANDS",
    "AGE_BREAKS",
    "GENERALIZERS",
    "age_band",
    "block_address",
    "date_month",
    "generalize",
    "hexagon_centroids",
    "round_coordinates",
    "time_hour",
]

AGE_BREAKS = (14, 17, 24, 34, 44, 54, 64)  # right-closed: 14 → "under 15", 15 → "15-17"
AGE_BANDS = ("under 15", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65 and over")


def age_band(age: pl.Expr) -> pl.Expr:
    """The ``age_band`` code of an age in years (null stays null)."""
    index = pl.sum_horizontal([(age > edge).cast(pl.Int32) for edge in AGE_BREAKS])
    band = index.replace_strict(
        list(range(len(AGE_BANDS))), list(AGE_BANDS), return_dtype=pl.String
    )
    return pl.when(age.is_not_null()).then(band).otherwise(None)


def round_coordinates(value: pl.Expr, decimals: int = 3) -> pl.Expr:
    """A coordinate rounded to ``decimals`` places (3 ≈ 110 m of latitude)."""
    return value.round(decimals)


_HOUSE = r"^\s*(\d+)[A-Za-z]?(?:-\d+)?\s+(.+)$"


def block_address(address: pl.Expr) -> pl.Expr:
    """A house-numbered address as its hundred block; other locations unchanged."""
    number = address.str.extract(_HOUSE, 1).cast(pl.Int64, strict=False)
    street = address.str.extract(_HOUSE, 2)
    block = pl.format("{} block of {}", (number // 100 * 100).cast(pl.String), street)
    already = address.str.contains(r"^\s*\d+ block of ").fill_null(value=False)
    return pl.when(number.is_not_null() & ~already).then(block).otherwise(address)


def time_hour(value: pl.Expr) -> pl.Expr:
    """A time of day truncated to the hour."""
    return pl.time(hour=value.dt.hour())


def date_month(value: pl.Expr) -> pl.Expr:
    """A date replaced by the first day of its month."""
    return value.dt.truncate("1mo")


GENERALIZERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "age_band": age_band,
    "round_coordinates": round_coordinates,
    "block_address": block_address,
    "time_hour": time_hour,
    "date_month": date_month,
}


def generalize(name: str, column: str) -> pl.Expr:
    """The expression that coarsens ``column`` by the generalisation called ``name``."""
    try:
        return GENERALIZERS[name](pl.col(column)).alias(column)
    except KeyError:
        raise ConfigError(f"no generalisation {name!r} (known: {sorted(GENERALIZERS)})") from None


_EARTH_RADIUS = 6_378_137.0  # metres (Web Mercator sphere)


def hexagon_centroids(lat: pl.Series, lng: pl.Series, size_m: float) -> tuple[pl.Series, pl.Series]:
    """Each point moved to the centre of its cell in a grid of pointy-top hexagons.

    ``size_m`` is the distance from a hexagon's centre to a corner, in metres on the ground at
    the point's latitude. The grid lives in Web Mercator, scaled by the cosine of each point's
    latitude rounded to the degree, so cells are close to ``size_m`` anywhere a city lies.
    """
    la = lat.to_numpy().astype(np.float64)
    lo = lng.to_numpy().astype(np.float64)
    x = _EARTH_RADIUS * np.radians(lo)
    y = _EARTH_RADIUS * np.log(np.tan(np.pi / 4 + np.radians(la) / 2))
    size = size_m / np.cos(np.radians(np.round(la)))
    q = (np.sqrt(3) / 3 * x - y / 3) / size
    r = (2 / 3 * y) / size
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    cx = size * np.sqrt(3) * (rq + rr / 2)
    cy = size * 1.5 * rr
    out_lat = np.degrees(2 * np.arctan(np.exp(cy / _EARTH_RADIUS)) - np.pi / 2)
    out_lng = np.degrees(cx / _EARTH_RADIUS)
    return (
        pl.Series(lat.name, np.round(out_lat, 6)).fill_nan(None),
        pl.Series(lng.name, np.round(out_lng, 6)).fill_nan(None),
    )
