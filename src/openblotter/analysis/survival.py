"""Kaplan-Meier estimates from counted durations, with quantiles and their intervals.

Time to decision (a complaint received → its finding or closure) has *open* cases: a case still
under investigation has lasted at least as long as it has been open, and its end is unknown. A
median over the closed cases only is biased low — the long cases are exactly the ones still
open. The Kaplan-Meier estimator uses the open cases as right-censored observations:

    S(t) = prod over event times u <= t of (1 - d_u / r_u)

with ``d_u`` decisions at ``u`` and ``r_u`` cases still open just before ``u`` (censored cases
leave the risk set after the events at their time). The input is a count table — one row per
(duration, event or censored) with a count — so the cost does not depend on the number of cases.

Quantiles (quartiles, median): the ``p``-quantile is the smallest time ``t`` with
``S(t) <= 1 - p`` (the textbook definition; undefined when the curve never gets that low; where
``S`` equals ``1 - p`` exactly over an interval, R's ``survfit`` reports its midpoint and SAS and
statsmodels its end, as they require ``S(t) < 1 - p``). Their
intervals are Brookmeyer & Crowley's (1982): the set of times whose ``S(t)`` is not rejected as
``1 - p`` by a z-test on the complementary log-log scale with Greenwood's variance — as SAS
``LIFETEST`` and statsmodels' ``SurvfuncRight.quantile_ci`` compute them; the upper bound is
infinite when the test never rejects beyond the last time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["KaplanMeier", "kaplan_meier"]


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """A Kaplan-Meier curve at its distinct times, with Greenwood standard errors."""

    times: NDArray[np.float64]
    at_risk: NDArray[np.float64]
    events: NDArray[np.float64]
    censored: NDArray[np.float64]
    survival: NDArray[np.float64]
    std_error: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Cases in all."""
        return int(self.events.sum() + self.censored.sum())

    def quantile(self, p: float) -> float | None:
        """The smallest time with ``S(t) <= 1 - p``, or ``None`` if the curve stays above."""
        hit = np.flatnonzero((self.events > 0) & (self.survival <= 1.0 - p + 1e-12))
        return float(self.times[hit[0]]) if hit.size else None

    def quantile_interval(self, p: float, level: float = 0.95) -> tuple[float, float] | None:
        """Brookmeyer-Crowley interval of the ``p``-quantile (log-log scale), or ``None``."""
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + level / 2.0)
        rows = self.events > 0
        s, se, t = self.survival[rows], self.std_error[rows], self.times[rows]
        target = 1.0 - p
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.log(-np.log(s)) - math.log(-math.log(target))
            gprime = -1.0 / (s * np.log(s))
            r = g / (gprime * se)
        inside = np.flatnonzero(np.abs(np.nan_to_num(r, nan=np.inf)) <= z)
        if inside.size == 0:
            return None
        low = float(t[inside[0]])
        high = math.inf if inside[-1] == t.size - 1 else float(t[inside[-1] + 1])
        return (low, high)


def kaplan_meier(
    times: ArrayLike, events: ArrayLike, counts: ArrayLike | None = None
) -> KaplanMeier:
    """The Kaplan-Meier curve of durations ``times`` with event flags ``events``.

    Each row is ``counts`` cases (1 by default) that lasted ``times`` and ended with a decision
    (``events`` true) or are still open (false: censored). Rows may repeat a time. Raises
    ``ValueError`` for negative times or counts.
    """
    t = np.asarray(times, dtype=np.float64)
    e = np.asarray(events, dtype=np.bool_)
    c = np.ones_like(t) if counts is None else np.asarray(counts, dtype=np.float64)
    if t.size and (np.any(t < 0) or np.any(c < 0)):
        raise ValueError("durations and counts must not be negative")
    distinct, index = np.unique(t, return_inverse=True)
    d = np.bincount(index, weights=np.where(e, c, 0.0), minlength=distinct.size).astype(np.float64)
    q = np.bincount(index, weights=np.where(e, 0.0, c), minlength=distinct.size).astype(np.float64)
    leaving = d + q
    at_risk = leaving[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - d / at_risk, 1.0)
        survival = np.cumprod(factor).astype(np.float64)
        terms = np.where(at_risk > 0, d / (at_risk * (at_risk - d)), 0.0)
        terms = np.where((at_risk == d) & (d > 0), np.inf, terms)
        std_error = np.where(survival > 0, survival * np.sqrt(np.cumsum(terms)), np.nan)
    return KaplanMeier(distinct, at_risk, d, q, survival, std_error)
