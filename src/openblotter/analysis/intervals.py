"""Confidence intervals for rates, proportions and their comparisons, vectorised over arrays.

Each function takes counts as numbers or numpy arrays (broadcast together) and returns arrays of
the same shape; a cell with no records (``n == 0``) gets ``nan``, never an error. ``level`` is the
two-sided coverage (0.95 by default). The methods are the ones the field reports:

* :func:`wilson` — the Wilson (1927) score interval for a proportion ``x / n``: it stays inside
  [0, 1] and keeps close to its nominal coverage for small ``n`` and proportions near 0 or 1,
  where the textbook Wald interval fails (Brown, Cai & DasGupta 2001);
* :func:`poisson_exact` — the exact (Garwood 1936) interval for a Poisson count, from the
  chi-square quantiles; divide by the exposure (population) for a rate;
* :func:`rate_ratio` — the ratio of two proportions ``(x1/n1) / (x0/n0)`` with the Katz et al.
  (1978) log interval, ``exp(log RR ± z·sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0))``;
* :func:`poisson_rate_ratio` — the ratio of two Poisson rates (events per population) with the
  log interval ``exp(log RR ± z·sqrt(1/c1 + 1/c0))``, populations taken as known;
* :func:`newcombe_difference` — the difference of two proportions ``x1/n1 - x0/n0`` with
  Newcombe's (1998, method 10) hybrid score interval, built from the two Wilson intervals.

Zero counts. A log interval has no finite bound when a count is 0. Where (and only where) a
count in the comparison is 0, :func:`rate_ratio` and :func:`poisson_rate_ratio` add 0.5 to the
counts of that comparison (and 1 to its totals: 0.5 to each cell of the 2x2 table, as Haldane and
Anscombe proposed) and say so in the ``corrected`` array, so a result can state it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Comparison",
    "Interval",
    "newcombe_difference",
    "poisson_exact",
    "poisson_rate_ratio",
    "rate_ratio",
    "wilson",
    "z_value",
]


class Interval(NamedTuple):
    """Lower and upper bounds, arrays of the inputs' broadcast shape."""

    low: NDArray[np.float64]
    high: NDArray[np.float64]


class Comparison(NamedTuple):
    """A comparison of two groups: the estimate, its bounds, and where 0.5 was added."""

    estimate: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    corrected: NDArray[np.bool_]


def z_value(level: float = 0.95) -> float:
    """The standard normal quantile of a two-sided ``level`` interval (1.96 for 0.95)."""
    if not 0.0 < level < 1.0:
        raise ValueError("level must be strictly between 0 and 1")
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _counts(*values: ArrayLike) -> list[NDArray[np.float64]]:
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    for array in arrays:
        if np.any(array < 0):
            raise ValueError("counts must not be negative")
    return [np.array(a, dtype=np.float64) for a in arrays]


def _proportions(x: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    if np.any(x > n):
        raise ValueError("a count of events cannot exceed its number of records")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, x / np.where(n > 0, n, 1.0), np.nan)


def wilson(x: ArrayLike, n: ArrayLike, level: float = 0.95) -> Interval:
    """The Wilson score interval of the proportion ``x / n`` (``nan`` where ``n == 0``).

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = x/n``.
    """
    xs, ns = _counts(x, n)
    p = _proportions(xs, ns)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1.0 + z * z / ns
        centre = (p + z * z / (2.0 * ns)) / denom
        half = z * np.sqrt(p * (1.0 - p) / ns + z * z / (4.0 * ns * ns)) / denom
    low = np.where(ns > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ns > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # exact at the edges: x = 0 gives 0, x = n gives 1 (the formula does, up to rounding)
    low = np.where((ns > 0) & (xs == 0), 0.0, low)
    high = np.where((ns > 0) & (xs == ns), 1.0, high)
    return Interval(low, high)


def poisson_exact(count: ArrayLike, level: float = 0.95) -> Interval:
    """The exact (Garwood) interval for the mean of a Poisson count.

    ``[chi2(a/2; 2k)/2, chi2(1-a/2; 2k+2)/2]``, the lower bound 0 when ``k == 0``. Divide both by
    the exposure (for example the population) to get an interval for a rate.
    """
    (k,) = _counts(count)
    alpha = 1.0 - level
    z_value(level)  # validates level
    low = np.where(k > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * np.maximum(k, 1.0)) / 2.0, 0.0)
    high = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * k + 2.0) / 2.0
    return Interval(np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64))


def rate_ratio(
    x1: ArrayLike, n1: ArrayLike, x0: ArrayLike, n0: ArrayLike, level: float = 0.95
) -> Comparison:
    """Ratio of the proportions ``x1/n1`` (a group) and ``x0/n0`` (the reference), Katz interval.

    Where ``x1`` or ``x0`` is 0, 0.5 is added to both counts and 1 to both totals (``corrected``
    is True there). Where either total is 0, or the corrected reference proportion is 0, the
    ratio is ``nan``.
    """
    a, na, b, nb = _counts(x1, n1, x0, n0)
    _proportions(a, na)
    _proportions(b, nb)
    corrected = ((a == 0) | (b == 0)) & (na > 0) & (nb > 0)
    a = np.where(corrected, a + 0.5, a)
    b = np.where(corrected, b + 0.5, b)
    na = np.where(corrected, na + 1.0, na)
    nb = np.where(corrected, nb + 1.0, nb)
    valid = (na > 0) & (nb > 0) & (a > 0) & (b > 0)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(a / na) - np.log(b / nb)
        se = np.sqrt(np.maximum(1.0 / a - 1.0 / na + 1.0 / b - 1.0 / nb, 0.0))
    estimate = np.where(valid, np.exp(log_rr), np.nan)
    low = np.where(valid, np.exp(log_rr - z * se), np.nan)
    high = np.where(valid, np.exp(log_rr + z * se), np.nan)
    return Comparison(estimate, low, high, corrected & valid)


def poisson_rate_ratio(
    c1: ArrayLike, e1: ArrayLike, c0: ArrayLike, e0: ArrayLike, level: float = 0.95
) -> Comparison:
    """Ratio of the Poisson rates ``c1/e1`` and ``c0/e0`` (events per exposure), log interval.

    The exposures (populations) are taken as known. Where ``c1`` or ``c0`` is 0, 0.5 is added
    to both counts (``corrected``). Where an exposure is 0 the ratio is ``nan``.
    """
    a, ea, b, eb = _counts(c1, e1, c0, e0)
    valid = (ea > 0) & (eb > 0)
    corrected = ((a == 0) | (b == 0)) & valid
    a = np.where(corrected, a + 0.5, a)
    b = np.where(corrected, b + 0.5, b)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(a / ea) - np.log(b / eb)
        se = np.sqrt(1.0 / a + 1.0 / b)
    estimate = np.where(valid, np.exp(log_rr), np.nan)
    low = np.where(valid, np.exp(log_rr - z * se), np.nan)
    high = np.where(valid, np.exp(log_rr + z * se), np.nan)
    return Comparison(estimate, low, high, corrected)


def newcombe_difference(
    x1: ArrayLike, n1: ArrayLike, x0: ArrayLike, n0: ArrayLike, level: float = 0.95
) -> Comparison:
    """Difference of proportions ``x1/n1 - x0/n0`` with Newcombe's hybrid score interval.

    With ``(l1, u1)`` and ``(l0, u0)`` the Wilson intervals of the two proportions:
    ``d - sqrt((p1-l1)² + (u0-p0)²)`` to ``d + sqrt((u1-p1)² + (p0-l0)²)``. It needs no zero
    correction (``corrected`` is all False); a total of 0 gives ``nan``.
    """
    a, na, b, nb = _counts(x1, n1, x0, n0)
    p1, p0 = _proportions(a, na), _proportions(b, nb)
    l1, u1 = wilson(a, na, level)
    l0, u0 = wilson(b, nb, level)
    diff = p1 - p0
    low = diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = diff + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Comparison(diff, low, high, np.zeros(diff.shape, dtype=np.bool_))
