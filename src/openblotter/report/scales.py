"""Chart scales: map values to positions, with readable ticks, linear or logarithmic.

A ratio is drawn on a log scale symmetric about 1, so that 0.5 and 2 (half and double) sit the
same distance from "no difference"; its domain is capped at 1/1000 to 1000 and values outside are
drawn at the edge. Other quantities get a linear scale with "nice" ticks (steps of 1, 2 or 5
times a power of ten) that always includes the values asked for (0 for shares and differences).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Scale", "make_scale", "nice_step"]

_LOG_CAP = math.log(1000.0)
_LOG_MIN = math.log(1.25)
_FINE = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0)
_MAX_TICKS = 7


@dataclass(frozen=True, slots=True)
class Scale:
    """A map from values in ``domain`` to positions in ``span``, with tick values."""

    domain: tuple[float, float]
    span: tuple[float, float]
    ticks: tuple[float, ...]
    log: bool = False

    def position(self, value: float) -> float:
        """Where ``value`` goes, clamped to the span."""
        low, high = self.domain
        if self.log:
            value = math.log(value) if value > 0 else low
        if not math.isfinite(value):
            value = high if value > 0 else low
        share = (value - low) / (high - low) if high > low else 0.5
        share = min(1.0, max(0.0, share))
        return self.span[0] + share * (self.span[1] - self.span[0])


def nice_step(extent: float, target: int = 5) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about ``target`` intervals.

    >>> nice_step(1.0), nice_step(0.37), nice_step(830)
    (0.2, 0.1, 200.0)
    """
    if not extent > 0 or not math.isfinite(extent):
        return 1.0
    raw = extent / target
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 5.0, 10.0):
        if raw <= multiple * power * 1.0000001:
            return multiple * power
    return 10.0 * power


def _log_ticks(half_width: float) -> tuple[float, ...]:
    low, high = math.exp(-half_width), math.exp(half_width)
    candidates = [
        _FINE,
        tuple(2.0**k for k in range(-10, 11)),
        tuple(4.0**k for k in range(-5, 6)),
        tuple(10.0**k for k in range(-3, 4)),
    ]
    chosen: tuple[float, ...] = ()
    for options in candidates:
        inside = tuple(t for t in options if low * 0.999 <= t <= high * 1.001)
        reach = max((abs(math.log(t)) for t in inside), default=0.0)
        if len(inside) <= _MAX_TICKS:
            chosen = inside
            if len(inside) >= 3 and reach >= 0.5 * half_width:  # spread over the axis
                break
    return chosen or (1.0,)


def make_scale(
    values: Sequence[float],
    *,
    log: bool,
    include: Sequence[float] = (),
    zero: bool = False,
    span: tuple[float, float],
) -> Scale:
    """A scale covering ``values`` and ``include`` (and 0 when ``zero``), onto ``span``."""
    if log:
        logs = [math.log(v) for v in [*values, *include] if v > 0 and math.isfinite(v)]
        half = max([abs(v) for v in logs] + [_LOG_MIN]) * 1.08
        half = min(half, _LOG_CAP)
        return Scale((-half, half), span, _log_ticks(half), log=True)
    points = [v for v in [*values, *include] if math.isfinite(v)] or [0.0]
    if zero:
        points.append(0.0)
    low, high = min(points), max(points)
    if not math.isfinite(high - low):
        low, high = max(low, -1e300) / 2, min(high, 1e300) / 2
    if high == low:
        pad = abs(low) * 0.5 or 1.0
        low, high = low - pad, high + pad
        if zero and min(points) >= 0:
            low = 0.0
    step = nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    count = round((high - low) / step)
    ticks = tuple(round(low + i * step, 12) for i in range(count + 1)) if count <= 20 else ()
    return Scale((low, high), span, ticks)
