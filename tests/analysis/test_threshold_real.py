"""Threshold test on real counts: the OPP 2017 Connecticut state patrol (8 counties).

The published fit (Pierson et al. 2017, ``fig4b_threshold_test.csv`` of 5harad/openpolicing,
beta model) puts the stop-weighted search threshold at 0.271 for white, 0.189 for Black and
0.201 for Hispanic drivers. With a short run we check the qualitative finding — Black and
Hispanic drivers are searched at lower thresholds than white drivers — and that the published
numbers fall inside our 95 % intervals.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from openblotter.analysis.threshold import fit_threshold

pytest.importorskip("numpyro", reason="the threshold test needs the analysis extra")

COUNTS = Path(__file__).parent.parent / "data/real/opp-threshold-counts/threshold_counts_2017.csv"
PUBLISHED_CT = {"White drivers": 0.2709, "Black drivers": 0.1891, "Hispanic drivers": 0.2007}


def test_threshold_real__connecticut_black_and_hispanic_thresholds_below_white() -> None:
    counts = pl.read_csv(COUNTS).filter(pl.col("state") == "CT")
    result = fit_threshold(
        counts,
        location="location_variable",
        group="driver_race",
        stops="num_stops",
        searches="num_searches",
        hits="num_hits",
        model="beta",
        chains=1,
        draws=200,
        seed=7,
        reference_group="White drivers",
    )
    weighted = {
        e.labels["group"]: e for e in result.estimates if e.quantity == "weighted_threshold"
    }
    for group, published in PUBLISHED_CT.items():
        low, high = weighted[group].interval  # type: ignore[misc]
        assert low <= published <= high, (group, published, low, high)
    for e in result.estimates:
        if e.quantity == "threshold_difference":
            assert e.interval is not None
            assert e.interval[1] < 0, e
            assert e.extra["prob_below_reference"] > 0.95
    assert result.diagnostics["divergences"] == 0
    assert float(result.diagnostics["rhat_max"]) < 1.1
