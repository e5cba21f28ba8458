"""Threshold test on data drawn from the beta model with planted thresholds.

One design, three groups over eight locations: ``a`` (the reference, thresholds around 0.30),
``b`` (thresholds lower by 0.6 on the logit scale, around 0.20: discrimination planted) and
``c`` (the same thresholds as ``a``: the null). The fit must cover the true stop-weighted
thresholds, find ``b`` below ``a`` and not find ``c`` below or above ``a``. The default run fits
one seed; the slow test repeats it over ten seeds and reports recovery, power and
false-positive rates.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from openblotter.analysis import Result
from openblotter.analysis.threshold import fit_threshold
from openblotter.analysis.threshold_models import simulate_counts

pytest.importorskip("numpyro", reason="the threshold test needs the analysis extra")

GROUPS = ("a", "b", "c")
GAP = 0.6


def _expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)), dtype=np.float64)


def planted(seed: int, locations: int = 8) -> tuple[pl.DataFrame, dict[str, float]]:
    """Counts drawn from the model and the true stop-weighted threshold of each group."""
    rng = np.random.default_rng(seed)
    base = np.log(0.3 / 0.7) + rng.normal(0.0, 0.15, locations)
    thresholds = _expit(np.column_stack([base, base - GAP, base]))
    stops = rng.integers(20_000, 60_000, size=thresholds.shape)
    searches, hits = simulate_counts(thresholds=thresholds, stops=stops, seed=seed)
    frame = pl.DataFrame(
        {
            "location": np.repeat([f"loc{i:02d}" for i in range(locations)], len(GROUPS)),
            "group": np.tile(GROUPS, locations),
            "stops": stops.ravel(),
            "searches": searches.ravel(),
            "hits": hits.ravel(),
        }
    )
    weights = stops.sum(axis=1) / stops.sum()
    truth = {g: float(weights @ thresholds[:, k]) for k, g in enumerate(GROUPS)}
    return frame, truth


def fit(frame: pl.DataFrame, seed: int, draws: int = 150) -> Result:
    return fit_threshold(
        frame,
        location="location",
        group="group",
        stops="stops",
        searches="searches",
        hits="hits",
        model="beta",
        chains=1,
        draws=draws,
        warmup=draws,
        seed=seed,
        reference_group="a",
    )


def outcome(result: Result, truth: dict[str, float]) -> dict[str, bool]:
    weighted = {
        e.labels["group"]: e for e in result.estimates if e.quantity == "weighted_threshold"
    }
    diff = {e.labels["group"]: e for e in result.estimates if e.quantity == "threshold_difference"}
    covered = {
        g: weighted[g].interval[0] <= truth[g] <= weighted[g].interval[1]  # type: ignore[index]
        for g in GROUPS
    }
    return {
        "covered_all": all(covered.values()),
        **{f"covered_{g}": v for g, v in covered.items()},
        "detected_b": diff["b"].interval[1] < 0,  # type: ignore[index]
        "false_positive_c": not (diff["c"].interval[0] <= 0 <= diff["c"].interval[1]),  # type: ignore[index]
    }


def test_threshold_simulation__recovers_planted_and_null_thresholds() -> None:
    frame, truth = planted(seed=11)
    result = fit(frame, seed=11)
    got = outcome(result, truth)
    assert got["covered_all"], (truth, result.summary)
    assert got["detected_b"]
    assert not got["false_positive_c"]
    assert float(result.diagnostics["ppc_search_coverage"]) >= 0.8


@pytest.mark.study
def test_threshold_simulation__rates_over_ten_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = []
    for seed in range(10):
        frame, truth = planted(seed=100 + seed)
        outcomes.append(outcome(fit(frame, seed=seed, draws=200), truth))
    rates = {k: float(np.mean([o[k] for o in outcomes])) for k in outcomes[0]}
    with capsys.disabled():
        print(f"\nthreshold simulation over {len(outcomes)} seeds: {rates}")  # noqa: T201
    assert rates["covered_a"] >= 0.7
    assert rates["covered_b"] >= 0.7
    assert rates["detected_b"] >= 0.8
    assert rates["false_positive_c"] <= 0.2
