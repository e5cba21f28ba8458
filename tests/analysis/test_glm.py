"""The binomial GLM on grouped counts against statsmodels (row level and grouped)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openblotter.analysis.design import MISSING, design_matrix, independent_columns
from openblotter.analysis.glm import fit_binomial, fit_counts
from openblotter.errors import ConfigError


def _grouped(seed: int, rows: int = 200) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "race": rng.choice(["white", "black", "hispanic"], rows, p=[0.5, 0.3, 0.2]),
            "district": rng.choice(["A", "B", "C", "D"], rows),
            "n": rng.integers(1, 40, rows),
        }
    )
    eta = (
        -1.5
        + 0.6 * (frame["race"] == "black").to_numpy()
        + 0.3 * (frame["district"] == "B").to_numpy()
    )
    k = rng.binomial(frame["n"].to_numpy(), 1 / (1 + np.exp(-eta)))
    return frame.with_columns(k=pl.Series(k))


def _statsmodels(frame: pl.DataFrame, factors: list[str], references: dict[str, str]):
    design = design_matrix(frame, factors, references=references)
    k, n = frame["k"].to_numpy(), frame["n"].to_numpy()
    model = sm.GLM(np.column_stack([k, n - k]), design.matrix, family=sm.families.Binomial())
    return model.fit(tol=1e-13), design


def test_fit_counts__equals_statsmodels_grouped_binomial() -> None:
    frame = _grouped(1)
    fit = fit_counts(frame, factors=["race", "district"], references={"race": "white"})
    reference, design = _statsmodels(frame, ["race", "district"], fit.references)
    assert [c.name for c in fit.coefficients] == list(design.names)
    np.testing.assert_allclose([c.estimate for c in fit.coefficients], reference.params, rtol=1e-8)
    np.testing.assert_allclose([c.std_error for c in fit.coefficients], reference.bse, rtol=1e-5)
    np.testing.assert_allclose([c.p_value for c in fit.coefficients], reference.pvalues, rtol=1e-3)
    low, high = np.asarray(reference.conf_int()).T
    np.testing.assert_allclose([c.interval[0] for c in fit.coefficients], low, atol=1e-6)
    np.testing.assert_allclose([c.interval[1] for c in fit.coefficients], high, atol=1e-6)
    assert fit.deviance == pytest.approx(reference.deviance, rel=1e-9)
    assert fit.null_deviance == pytest.approx(reference.null_deviance, rel=1e-9)
    assert fit.converged
    assert fit.references == {"race": "white", "district": fit.references["district"]}
    black = fit.coefficient("race", "black")
    assert black is not None
    assert black.odds_ratio == pytest.approx(np.exp(black.estimate))


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per trial (y = 1 for the successes) from a count table."""
    records = []
    for race, district, n, k in frame.select("race", "district", "n", "k").iter_rows():
        records += [(race, district, 1)] * k + [(race, district, 0)] * (n - k)
    return pl.DataFrame(records, schema=["race", "district", "y"], orient="row")


def test_fit_counts__equals_the_row_level_logistic_regression() -> None:
    frame = _grouped(2, rows=60)
    rows = _rows(frame)
    fit = fit_counts(frame, factors=["race", "district"], references={"race": "white"})
    design = design_matrix(
        rows.with_columns(n=pl.lit(1)), ["race", "district"], references=fit.references
    )
    logit = sm.Logit(rows["y"].to_numpy(), design.matrix).fit(disp=0)
    np.testing.assert_allclose([c.estimate for c in fit.coefficients], logit.params, rtol=1e-7)
    np.testing.assert_allclose([c.std_error for c in fit.coefficients], logit.bse, rtol=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(8, 80),
    levels=st.lists(st.integers(2, 4), min_size=1, max_size=3),
    base=st.floats(-2.5, 1.0),
)
def test_fit_counts__matches_statsmodels_on_random_grouped_data(
    seed: int, rows: int, levels: list[int], base: float
) -> None:
    rng = np.random.default_rng(seed)
    factors = [f"f{i}" for i in range(len(levels))]
    data = {
        f: rng.choice([f"L{j}" for j in range(m)], rows)
        for f, m in zip(factors, levels, strict=True)
    }
    n = rng.integers(0, 30, rows)
    eta = base + sum(rng.normal(0, 0.7) * (data[f] == "L1") for f in factors)
    k = rng.binomial(n, 1 / (1 + np.exp(-eta)))
    frame = pl.DataFrame({**data, "n": n, "k": k})
    try:
        fit = fit_counts(frame, factors=factors)
    except ConfigError:
        assume(False)
        return
    assume(not fit.separated and not fit.warnings and not fit.aliased)
    kept = frame.filter(pl.col("n") > 0)
    reference, _ = _statsmodels(kept, factors, fit.references)
    np.testing.assert_allclose(
        [c.estimate for c in fit.coefficients], reference.params, rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        [c.std_error for c in fit.coefficients], reference.bse, rtol=1e-5, atol=1e-8
    )
    assert fit.deviance == pytest.approx(reference.deviance, rel=1e-7, abs=1e-7)


def test_fit_counts__a_level_without_events_is_set_aside_and_the_rest_is_exact() -> None:
    frame = _grouped(3)
    frame = frame.with_columns(
        pl.when(pl.col("race") == "hispanic").then(0).otherwise(pl.col("k")).alias("k")
    )
    fit = fit_counts(frame, factors=["race", "district"], references={"race": "white"})
    assert fit.separated == {"race": {"hispanic": "no successes"}}
    assert fit.coefficient("race", "hispanic") is None
    hispanic_trials = int(frame.filter(pl.col("race") == "hispanic")["n"].sum())
    assert fit.trials_set_aside == hispanic_trials
    rest = frame.filter(pl.col("race") != "hispanic")
    reference, _ = _statsmodels(rest, ["race", "district"], fit.references)
    np.testing.assert_allclose([c.estimate for c in fit.coefficients], reference.params, rtol=1e-8)


def test_fit_counts__empty_levels_are_dropped_and_nulls_are_a_level() -> None:
    frame = _grouped(4).with_columns(
        pl.when(pl.col("district") == "D")
        .then(None)
        .otherwise(pl.col("district"))
        .alias("district")
    )
    frame = pl.concat(
        [frame, pl.DataFrame({"race": ["other"], "district": ["A"], "n": [0], "k": [0]})],
        how="vertical_relaxed",
    )
    fit = fit_counts(frame, factors=["race", "district"])
    assert fit.dropped_levels == {"race": ("other",)}
    assert fit.coefficient("district", MISSING) is not None or fit.references["district"] == MISSING


def test_fit_counts__aliased_columns_are_dropped_like_r() -> None:
    frame = _grouped(5).with_columns(pl.col("district").alias("copy"))
    fit = fit_counts(frame, factors=["district", "copy"])
    assert len(fit.aliased) == 3
    assert all(name.startswith("copy[") for name in fit.aliased)


def test_fit_counts__refuses_bad_references_and_flat_outcomes() -> None:
    frame = _grouped(6)
    with pytest.raises(ConfigError, match="not in the data"):
        fit_counts(frame, factors=["race"], references={"race": "martian"})
    with pytest.raises(ConfigError, match="does not vary"):
        fit_counts(frame.with_columns(k=pl.lit(0)), factors=["race"])
    with pytest.raises(ConfigError, match="between 0 and the trials"):
        fit_counts(frame.with_columns(k=pl.col("n") + 1), factors=["race"])
    zero_white = frame.with_columns(
        pl.when(pl.col("race") == "white").then(0).otherwise(pl.col("k")).alias("k")
    )
    with pytest.raises(ConfigError, match="reference 'white'"):
        fit_counts(zero_white, factors=["race"], references={"race": "white"})


def test_fit_counts__warns_on_separation_that_no_single_level_shows() -> None:
    # x > 0 has the outcome, x < 0 never: complete separation along a numeric column
    frame = pl.DataFrame(
        {
            "x": [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0],
            "g": ["a", "b", "a", "b", "a", "b"],
            "n": [10] * 6,
            "k": [0, 0, 0, 10, 10, 10],
        }
    )
    fit = fit_counts(frame, factors=["g"], numeric=["x"])
    assert not fit.separated
    assert any("possible separation" in w for w in fit.warnings)


def test_design_matrix__default_reference_is_the_largest_level() -> None:
    frame = pl.DataFrame({"g": ["a", "b", "c"], "n": [5, 50, 10]})
    design = design_matrix(frame, ["g"])
    assert design.references == {"g": "b"}
    assert design.names == ("(intercept)", "g[a]", "g[c]")


def test_fit_binomial__is_the_veil_of_darkness_fit() -> None:
    from openblotter.analysis.veil_model import _irls

    rng = np.random.default_rng(7)
    x = np.column_stack([np.ones(300), rng.normal(size=(300, 3)), rng.integers(0, 2, 300)])
    m = rng.integers(1, 20, 300).astype(float)
    y = rng.binomial(m.astype(int), 1 / (1 + np.exp(-(x @ [0.2, 0.5, -0.3, 0.1, 0.4])))).astype(
        float
    )
    assert independent_columns(x).all()
    beta, cov, stats = fit_binomial(x, y, m)
    beta_veil, cov_veil, stats_veil = _irls(x, y, m)
    np.testing.assert_allclose(beta, beta_veil, rtol=1e-8)
    np.testing.assert_allclose(cov, cov_veil, rtol=1e-6)
    assert stats["deviance"] == pytest.approx(stats_veil["deviance"])
