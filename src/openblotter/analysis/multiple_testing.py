"""Multiple-testing control for many simultaneous comparisons (officers, places).

Testing hundreds of officers at the 5 % level flags about 5 % of them by chance alone. Two
controls, as Ridgeway & MacDonald (2009) use them for internal benchmarking:

* :func:`benjamini_hochberg` — the Benjamini & Hochberg (1995) step-up procedure: flagging the
  tests whose *q-value* (BH-adjusted p-value) is at most ``q`` keeps the expected share of false
  discoveries among the flagged at or below ``q`` (for independent or positively dependent
  tests);
* :func:`local_fdr` — Efron's (2004, 2007) local false discovery rate: the probability that a
  test with this z-score is null, ``fdr(z) = pi0 * f0(z) / f(z)``, where ``f`` is the density of
  all the z-scores (a Gaussian kernel estimate here, not Efron's Poisson regression on a
  histogram) and ``f0`` the null density — the theoretical N(0, 1) or an *empirical null*
  N(delta0, sigma0^2) estimated from the centre of the z-scores (median and interquartile
  range), which absorbs variation that affects every test (assignments the strata do not
  capture) and makes flagging more conservative when the z-scores are overdispersed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["EmpiricalNull", "benjamini_hochberg", "empirical_null", "local_fdr"]


def benjamini_hochberg(p_values: ArrayLike) -> NDArray[np.float64]:
    """BH-adjusted p-values (q-values), in the input order; ``nan`` stays ``nan``.

    ``q_(i) = min over j >= i of (m / j) * p_(j)`` for the sorted p-values, capped at 1, with
    ``m`` the number of non-missing p-values.
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(adjusted, 1.0)
    return out


@dataclass(frozen=True, slots=True)
class EmpiricalNull:
    """The null distribution N(mean, sd^2) of z-scores and the share of nulls ``pi0``."""

    mean: float
    sd: float
    pi0: float


def empirical_null(z: ArrayLike) -> EmpiricalNull:
    """Estimate the null from the centre of the z-scores (median; IQR / 1.349; central share).

    ``pi0`` is the share of z-scores within one null sd of the null mean divided by what a
    pure null would put there (0.683), capped at 1.
    """
    values = np.asarray(z, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 3:
        return EmpiricalNull(0.0, 1.0, 1.0)
    q25, median, q75 = np.quantile(values, [0.25, 0.5, 0.75])
    sd = float((q75 - q25) / 1.3489795003921634) or 1.0
    central = float(np.mean(np.abs(values - median) <= sd))
    return EmpiricalNull(float(median), sd, min(1.0, central / 0.6826894921370859))


def local_fdr(
    z: ArrayLike, *, null: Literal["theoretical", "empirical"] = "theoretical"
) -> tuple[NDArray[np.float64], EmpiricalNull]:
    """Local false discovery rates of ``z`` (each in [0, 1]) and the null used.

    With ``null="theoretical"`` the null is N(0, 1) and ``pi0`` is still estimated from the
    centre. Needs at least 10 finite z-scores; with fewer every rate is 1 (nothing flagged).
    """
    values = np.asarray(z, dtype=np.float64)
    finite = np.isfinite(values)
    estimated = empirical_null(values)
    used = (
        estimated
        if null == "empirical"
        else EmpiricalNull(0.0, 1.0, min(1.0, _central_share(values[finite])))
    )
    out = np.ones(values.shape)
    if finite.sum() < 10 or np.ptp(values[finite]) == 0:
        return out, used
    density = stats.gaussian_kde(values[finite])(values[finite])
    null_density = stats.norm.pdf(values[finite], loc=used.mean, scale=used.sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(density > 0, used.pi0 * null_density / density, 1.0)
    out[finite] = np.clip(rates, 0.0, 1.0)
    return out, used


def _central_share(values: NDArray[np.float64]) -> float:
    """pi0 under the N(0, 1) null: the share of |z| <= 1 over 0.683."""
    if values.size == 0:
        return 1.0
    return float(np.mean(np.abs(values) <= 1.0)) / (math.erf(1 / math.sqrt(2)))
