"""Threshold test: input checks, the incomplete-beta quadrature, result shape and reproducibility."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.analysis import Result
from openblotter.analysis.threshold import METHOD, fit_threshold, prepare_counts
from openblotter.analysis.threshold_models import beta_upper_tail
from openblotter.errors import ConfigError

pytest.importorskip("numpyro", reason="the threshold test needs the analysis extra")

COLUMNS = {"location": "county", "group": "race", "stops": "n", "searches": "s", "hits": "h"}


def _counts(**overrides: list[object]) -> pl.DataFrame:
    data: dict[str, list[object]] = {
        "county": ["a", "a", "b", "b", "c", "c"],
        "race": ["white", "black"] * 3,
        "n": [1000, 800, 1200, 500, 900, 700],
        "s": [30, 40, 25, 30, 20, 35],
        "h": [12, 10, 9, 8, 8, 9],
    }
    data.update(overrides)
    return pl.DataFrame(data)


def test_prepare_counts__sums_repeated_cells_and_keeps_types() -> None:
    frame = pl.concat([_counts(), _counts().head(1)])
    table = prepare_counts(frame, **COLUMNS)
    assert table.columns == ["location", "group", "stops", "searches", "hits"]
    assert table.height == 6
    row = table.filter((pl.col("location") == "a") & (pl.col("group") == "white")).row(0)
    assert row[2:] == (2000, 60, 24)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_counts().drop("s"), "missing searches column 's'"),
        (_counts(n=[1000, -1, 1200, 500, 900, 700]), "negative counts in 1 row"),
        (
            _counts(s=[30, 40, 25, 30, 20, 900]),
            "more searches than stops in 1 row(s) (data row numbers: 6)",
        ),
        (_counts(h=[12, 10, 9, 8, 8, 36]), "more hits than searches"),
        (_counts(h=[12, None, 9, 8, 8, 9]), "missing location, group or count in 1 row"),
        (_counts(n=["x"] * 6), "is not numeric"),
        (_counts(n=[1000.5, 800, 1200, 500, 900, 700]), "not whole numbers"),
    ],
)
def test_prepare_counts__rejects_bad_input_with_config_error(
    frame: pl.DataFrame, message: str
) -> None:
    with pytest.raises(ConfigError, match="threshold test") as info:
        prepare_counts(frame, **COLUMNS)
    assert message in str(info.value)


def test_prepare_counts__messages_name_rows_not_values() -> None:
    with pytest.raises(ConfigError) as info:
        prepare_counts(_counts(county=["Secret Street 12"] * 6, h=[99] * 6), **COLUMNS)
    assert "Secret Street" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "probit"}, "unknown model"),
        ({"chains": 0}, "chains must be at least 1"),
        ({"by": "state"}, "missing by column 'state'"),
        ({"reference_group": "martian"}, "reference group 'martian'"),
    ],
)
def test_fit_threshold__rejects_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        fit_threshold(_counts(), **COLUMNS, draws=4, **kwargs)  # type: ignore[call-overload]


def test_fit_threshold__needs_two_groups_and_two_locations() -> None:
    with pytest.raises(ConfigError, match="at least 2 groups and 2 locations"):
        fit_threshold(_counts(race=["white"] * 6), **COLUMNS, draws=4)  # type: ignore[call-overload]


def test_beta_upper_tail__matches_scipy_over_a_wide_range() -> None:
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(0)
    a = np.exp(rng.uniform(np.log(0.02), np.log(50), 5000))
    b = np.exp(rng.uniform(np.log(0.5), np.log(500), 5000))
    x = rng.uniform(0.001, 0.99, 5000)
    ours = np.asarray(beta_upper_tail(x, a, b))
    ref = special.betaincc(a, b, x)
    keep = (ref > 1e-12) & (ref < 1 - 1e-12)
    assert np.max(np.abs(ours - ref)[keep] / ref[keep]) < 1e-5
    assert np.max(np.abs(ours - ref)[keep] / (1 - ref[keep])) < 1e-5


def test_beta_upper_tail__gradients_match_finite_differences() -> None:
    special = pytest.importorskip("scipy.special")
    import jax

    grad = jax.vmap(jax.grad(lambda x, a, b: jax.numpy.log(beta_upper_tail(x, a, b)), (0, 1, 2)))
    x, a, b = np.array([0.3, 0.1, 0.6]), np.array([0.22, 0.5, 3.0]), np.array([7.0, 20.0, 4.0])
    gx, ga, gb = (np.asarray(g) for g in grad(x, a, b))
    eps = 1e-6

    def fd(dx: float, da: float, db: float) -> np.ndarray:
        up = np.log(special.betaincc(a + da, b + db, x + dx))
        down = np.log(special.betaincc(a - da, b - db, x - dx))
        return np.asarray((up - down) / (2 * eps), dtype=np.float64)

    np.testing.assert_allclose(gx, fd(eps, 0, 0), rtol=1e-5)
    np.testing.assert_allclose(ga, fd(0, eps, 0), rtol=1e-5)
    np.testing.assert_allclose(gb, fd(0, 0, eps), rtol=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    x=st.floats(0.01, 0.95),
    a=st.floats(0.05, 20.0),
    b=st.floats(0.6, 200.0),
)
def test_beta_upper_tail__is_a_probability_decreasing_in_x(x: float, a: float, b: float) -> None:
    lower, upper = np.asarray(
        beta_upper_tail(np.array([x, x + 0.01]), np.array([a, a]), np.array([b, b]))
    )
    assert 0.0 <= upper <= lower <= 1.0


OPTIONS = {
    "model": "discriminant",
    "chains": 1,
    "draws": 20,
    "warmup": 20,
    "seed": 3,
    "max_tree_depth": 5,
}


def _two_states() -> pl.DataFrame:
    empty_cell = _counts(s=[30, 40, 25, 30, 20, 0], h=[12, 10, 9, 8, 8, 0])
    return pl.concat(
        [_counts().with_columns(state=pl.lit("XA")), empty_cell.with_columns(state=pl.lit("XB"))]
    )


@pytest.fixture(scope="module")
def by_state() -> list[Result]:
    return fit_threshold(_two_states(), **COLUMNS, by="state", **OPTIONS)  # type: ignore[call-overload, no-any-return]


def test_fit_threshold__by_gives_one_labelled_result_per_value(by_state: list[Result]) -> None:
    assert [r.estimates[0].labels["state"] for r in by_state] == ["XA", "XB"]


def test_fit_threshold__same_seed_same_numbers(by_state: list[Result]) -> None:
    alone = fit_threshold(_counts(), **COLUMNS, **OPTIONS)  # type: ignore[call-overload]
    split = [{k: v for k, v in row.items() if k != "state"} for row in by_state[0].rows()]
    assert alone.rows() == split
    assert alone.diagnostics == by_state[0].diagnostics


def test_fit_threshold__result_shape(by_state: list[Result]) -> None:
    first = by_state[0]
    assert first.method == METHOD
    quantities = [e.quantity for e in first.estimates]
    assert quantities.count("threshold") == 6
    assert quantities.count("weighted_threshold") == 2
    assert quantities.count("threshold_difference") == 1
    difference = next(e for e in first.estimates if e.quantity == "threshold_difference")
    assert difference.labels == {"state": "XA", "group": "black", "reference": "white"}
    for estimate in first.estimates:
        assert estimate.interval is not None
        assert estimate.interval[0] <= estimate.value <= estimate.interval[1]  # type: ignore[operator]
    for key in ("rhat_max", "ess_min", "divergences", "ppc_search_rate_rms", "ppc_hit_rate_rms"):
        assert key in first.diagnostics
    row = first.rows()[0]
    assert {"location", "group", "estimate", "low", "high", "n", "rhat", "ess"} <= set(row)
    assert any("locations" in c for c in first.caveats)  # only 3 locations


def test_fit_threshold__drops_cells_without_searches_with_a_caveat(by_state: list[Result]) -> None:
    result = by_state[1]
    assert sum(e.quantity == "threshold" for e in result.estimates) == 5
    assert any("no searches" in c for c in result.caveats)
