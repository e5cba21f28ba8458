"""Interval helpers against statsmodels (an independent implementation) and their properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson, confint_poisson_2indep

from openblotter.analysis.intervals import (
    newcombe_difference,
    poisson_exact,
    poisson_rate_ratio,
    rate_ratio,
    wilson,
    z_value,
)


@st.composite
def proportion(draw: st.DrawFn, max_n: int = 5000) -> tuple[int, int]:
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


@given(proportion(), levels)
def test_wilson__matches_statsmodels_and_contains_the_estimate(
    xn: tuple[int, int], level: float
) -> None:
    x, n = xn
    low, high = wilson(x, n, level)
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - level, method="wilson")
    assert float(low) == pytest.approx(ref_low, abs=1e-12)
    assert float(high) == pytest.approx(ref_high, abs=1e-12)
    assert 0.0 <= low <= x / n <= high <= 1.0


@given(st.integers(0, 100_000), levels)
def test_poisson_exact__matches_statsmodels_exact_c(k: int, level: float) -> None:
    low, high = poisson_exact(k, level)
    ref_low, ref_high = confint_poisson(k, 1, method="exact-c", alpha=1 - level)
    assert float(low) == pytest.approx(ref_low if k else 0.0, rel=1e-9, abs=1e-12)
    assert float(high) == pytest.approx(ref_high, rel=1e-9)
    assert low <= k <= high


@given(proportion(), proportion(), levels)
def test_newcombe_difference__matches_statsmodels(
    a: tuple[int, int], b: tuple[int, int], level: float
) -> None:
    (x1, n1), (x0, n0) = a, b
    diff = newcombe_difference(x1, n1, x0, n0, level)
    ref = confint_proportions_2indep(
        x1, n1, x0, n0, method="newcomb", compare="diff", alpha=1 - level
    )
    assert float(diff.low) == pytest.approx(float(ref[0]), abs=1e-9)
    assert float(diff.high) == pytest.approx(float(ref[1]), abs=1e-9)
    assert diff.low <= diff.estimate <= diff.high
    assert diff.low >= -1.0
    assert diff.high <= 1.0


@given(proportion(), proportion(), levels)
def test_rate_ratio__is_the_katz_log_interval(
    a: tuple[int, int], b: tuple[int, int], level: float
) -> None:
    (x1, n1), (x0, n0) = a, b
    ratio = rate_ratio(x1, n1, x0, n0, level)
    assert bool(ratio.corrected) == (x1 == 0 or x0 == 0)
    if x1 and x0:
        ref = confint_proportions_2indep(
            x1, n1, x0, n0, method="log", compare="ratio", alpha=1 - level
        )
        assert float(ratio.estimate) == pytest.approx((x1 / n1) / (x0 / n0), rel=1e-12)
        assert float(ratio.low) == pytest.approx(float(ref[0]), rel=1e-9)
        assert float(ratio.high) == pytest.approx(float(ref[1]), rel=1e-9)
    assert ratio.low <= ratio.estimate <= ratio.high
    assert ratio.low > 0


def test_rate_ratio__adds_one_half_only_where_a_count_is_zero() -> None:
    ratio = rate_ratio([0, 30, 5], [100, 100, 50], [20, 20, 0], [100, 100, 50])
    assert ratio.corrected.tolist() == [True, False, True]
    # (0.5/101) / (20.5/101): 0.5 added to each cell of the 2x2 table
    assert ratio.estimate[0] == pytest.approx(0.5 / 20.5)
    assert ratio.estimate[1] == pytest.approx(1.5)
    se = math.sqrt(1 / 0.5 - 1 / 101 + 1 / 20.5 - 1 / 101)
    assert ratio.high[0] == pytest.approx(0.5 / 20.5 * math.exp(1.959963984540054 * se))


@given(st.integers(0, 5000), st.integers(1, 10**6), st.integers(0, 5000), st.integers(1, 10**6))
def test_poisson_rate_ratio__matches_statsmodels_wald_log(
    c1: int, e1: int, c0: int, e0: int
) -> None:
    ratio = poisson_rate_ratio(c1, e1, c0, e0)
    assert bool(ratio.corrected) == (c1 == 0 or c0 == 0)
    if c1 and c0:
        ref = confint_poisson_2indep(c1, e1, c0, e0, method="wald-log", compare="ratio")
        assert float(ratio.low) == pytest.approx(float(ref[0]), rel=1e-9)
        assert float(ratio.high) == pytest.approx(float(ref[1]), rel=1e-9)
    assert 0 < ratio.low <= ratio.estimate <= ratio.high


def test_empty_cells_give_nan_not_errors() -> None:
    low, high = wilson([0, 3], [0, 10])
    assert math.isnan(low[0])
    assert math.isnan(high[0])
    assert not math.isnan(low[1])
    assert math.isnan(float(rate_ratio(3, 10, 0, 0).estimate))
    assert math.isnan(float(newcombe_difference(0, 0, 3, 10).estimate))
    assert math.isnan(float(poisson_rate_ratio(3, 0, 3, 10).estimate))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="exceed"):
        wilson(11, 10)
    with pytest.raises(ValueError, match="negative"):
        wilson(-1, 10)
    with pytest.raises(ValueError, match="level"):
        z_value(1.0)


def test_vectorised_over_arrays() -> None:
    x = np.arange(0, 101, 10)
    low, high = wilson(x, np.full(x.shape, 100))
    assert low.shape == high.shape == x.shape
    assert np.all(np.diff(low) > 0)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([0.02, 0.1, 0.3, 0.5]), st.sampled_from([20, 50, 200]))
def test_wilson__coverage_is_near_nominal(p: float, n: int) -> None:
    rng = np.random.default_rng(int(p * 1000) + n)
    x = rng.binomial(n, p, size=4000)
    low, high = wilson(x, np.full(x.shape, n))
    coverage = float(np.mean((low <= p) & (p <= high)))
    # Wilson coverage oscillates around the nominal level; it stays within a few points of it
    assert 0.90 <= coverage <= 0.99


def test_rate_ratio__coverage_is_near_nominal() -> None:
    rng = np.random.default_rng(7)
    n1, n0, p1, p0 = 400, 600, 0.12, 0.08
    ratio = rate_ratio(rng.binomial(n1, p1, 4000), n1, rng.binomial(n0, p0, 4000), n0)
    coverage = float(np.mean((ratio.low <= p1 / p0) & (p1 / p0 <= ratio.high)))
    assert 0.93 <= coverage <= 0.97
