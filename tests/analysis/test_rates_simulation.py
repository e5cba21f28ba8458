"""Rates and the outcome test on simulated stops: planted differences recovered, nulls not found.

The default run plants a search-rate ratio and a hit-rate difference in stops loaded into each
store and checks the methods recover them within their intervals, and runs a few null data sets
(equal rates) straight on counts. ``pytest -m study`` runs the many-seed studies and prints the
false-positive rates (the share of null data sets whose 95 % interval excludes "no difference")
and the coverage of the planted values; docs/methods/*.md quote them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pytest

from openblotter.analysis.outcome import hit_rates_from_counts, outcome_test
from openblotter.analysis.rates import among_stop_rates, rates_from_counts
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from tests.analysis.test_rates import _find

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.analysis.result import Estimate
    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug
DISTRICTS = ("A", "B", "C", "D")


def simulated_stops(
    n: int,
    *,
    seed: int,
    search: dict[str, float],
    hit: dict[str, float],
    black_share: float = 0.35,
) -> dict[str, pl.DataFrame]:
    """``n`` stops of white and Black drivers in four districts with planted rates.

    District hit rates scale the group's hit rate (0.8 to 1.2), so places differ but the
    planted group difference holds within each.
    """
    rng = np.random.default_rng(seed)
    race = np.where(rng.random(n) < black_share, "black", "white")
    district = rng.choice(np.array(DISTRICTS), n)
    scale = {"A": 0.8, "B": 0.9, "C": 1.1, "D": 1.2}
    p_search = np.where(race == "black", search["black"], search["white"])
    p_hit = np.where(race == "black", hit["black"], hit["white"]) * np.vectorize(scale.get)(
        district
    )
    searched = rng.random(n) < p_search
    found = np.where(searched, rng.random(n) < p_hit, None)
    ids = [f"s{i:06d}" for i in range(n)]
    days = rng.integers(0, 365, n)
    stops = pl.DataFrame(
        {
            "stop_id": ids,
            "date": [dt.date(2018, 1, 1) + dt.timedelta(days=int(d)) for d in days],
            "district": district,
            "type": "vehicular",
        }
    )
    subjects = pl.DataFrame(
        {
            "stop_id": ids,
            "subject_seq": 1,
            "subject_race": race,
            "search_conducted": searched,
            "contraband_found": pl.Series(found.tolist(), dtype=pl.Boolean),
        }
    )
    return {"stops": stops, "stop_subjects": subjects}


def _covers(estimate: Estimate, value: float) -> bool:
    assert estimate.interval is not None
    return estimate.interval[0] <= value <= estimate.interval[1]


def test_planted_search_ratio_and_hit_difference_are_recovered(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    frames = simulated_stops(
        20_000, seed=11, search={"white": 0.10, "black": 0.15}, hit={"white": 0.30, "black": 0.20}
    )
    load_frames(store, standard, frames, tmp_path)
    with store.snapshot() as tx:
        rates = among_stop_rates(tx, AGENCY, outcomes=["search_conducted"], by="district")
        hits = outcome_test(tx, AGENCY, by="district")
    ratio = _find(rates, "rate_ratio", group="black", place="all")
    assert _covers(ratio, 1.5)
    assert not _covers(ratio, 1.0)
    for place in DISTRICTS:
        assert _covers(_find(rates, "rate_ratio", group="black", place=place), 1.5)
    weighted = _find(hits, "weighted_hit_rate_difference", group="black", searches="all")
    assert _covers(weighted, -0.10)
    assert not _covers(weighted, 0.0)
    pooled = _find(hits, "hit_rate_difference", group="black", searches="all", place="all")
    assert _covers(pooled, -0.10)


def _null_counts(seed: int, *, n: int = 4000) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Counts of a null world: equal search and hit rates, districts with different hit rates.

    The groups are spread unevenly over the districts (white drivers mostly in A, Black drivers
    mostly in D), so a pooled hit-rate difference is confounded by place; the search-weighted
    difference within places is not.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i, place in enumerate(DISTRICTS):
        hit = 0.15 + 0.1 * i
        for group, share in (("white", 0.4 - 0.1 * i), ("black", 0.1 + 0.1 * i)):
            stops = int(n * share)
            searches = int(rng.binomial(stops, 0.1))
            rows.append((place, group, stops, searches, int(rng.binomial(searches, hit))))
    frame = pl.DataFrame(rows, schema=["place", "group", "stops", "searches", "hits"], orient="row")
    return frame, frame.rename({"stops": "n", "searches": "events"})


def _null_findings(seed: int, n: int = 4000) -> dict[str, bool]:
    """For one null data set: which intervals exclude 'no difference'."""
    hits, rates = _null_counts(seed, n=n)
    ratio = _find(rates_from_counts(rates, by="place"), "rate_ratio", place="all")
    outcome = hit_rates_from_counts(hits, location="place")
    weighted = _find(outcome, "weighted_hit_rate_difference", group="black")
    pooled = _find(outcome, "hit_rate_difference", group="black", place="all")
    place_a = _find(outcome, "hit_rate_difference", group="black", place="A")
    return {
        "search_rate_ratio": not _covers(ratio, 1.0),
        "weighted_hit_difference": not _covers(weighted, 0.0),
        "pooled_hit_difference": not _covers(pooled, 0.0),
        "district_hit_difference": not _covers(place_a, 0.0),
    }


def test_null_data_sets__no_difference_found_in_a_few_seeds() -> None:
    findings = [_null_findings(seed) for seed in range(20)]
    for key in ("search_rate_ratio", "weighted_hit_difference", "district_hit_difference"):
        assert sum(f[key] for f in findings) <= 3, key  # P(X >= 4) = 1.6 % at a 5 % rate


@pytest.mark.study
def test_study__false_positive_rates_over_many_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    seeds = 4000
    findings = [_null_findings(10_000 + seed, n=8000) for seed in range(seeds)]
    rates = {key: sum(f[key] for f in findings) / seeds for key in findings[0]}
    with capsys.disabled():
        print(f"\nfalse-positive rates over {seeds} null data sets: {rates}")  # noqa: T201
    for key in ("search_rate_ratio", "weighted_hit_difference", "district_hit_difference"):
        assert 0.03 <= rates[key] <= 0.07, (key, rates[key])
    # pooling over places with different hit rates and group mixes finds a spurious difference
    assert rates["pooled_hit_difference"] > 0.5


@pytest.mark.study
def test_study__coverage_of_planted_differences(capsys: pytest.CaptureFixture[str]) -> None:
    seeds, covered_ratio, covered_diff, power_diff = 500, 0, 0, 0
    for seed in range(seeds):
        rng = np.random.default_rng(20_000 + seed)
        rows = []
        for place, hit_scale in zip(DISTRICTS, (0.8, 0.9, 1.1, 1.2), strict=True):
            for group, stops, search, hit in (
                ("white", 3000, 0.10, 0.30),
                ("black", 1500, 0.15, 0.20),
            ):
                s = int(rng.binomial(stops, search))
                rows.append((place, group, stops, s, int(rng.binomial(s, hit * hit_scale))))
        frame = pl.DataFrame(rows, schema=["place", "group", "n", "events", "hits"], orient="row")
        ratio = _find(rates_from_counts(frame, by="place"), "rate_ratio", place="all")
        outcome = hit_rates_from_counts(frame.rename({"events": "searches"}), location="place")
        weighted = _find(outcome, "weighted_hit_rate_difference", group="black")
        covered_ratio += _covers(ratio, 1.5)
        covered_diff += _covers(weighted, -0.10)
        power_diff += not _covers(weighted, 0.0)
    with capsys.disabled():
        print(  # noqa: T201
            f"\ncoverage over {seeds} data sets: search rate ratio {covered_ratio / seeds:.3f}, "
            f"weighted hit difference {covered_diff / seeds:.3f}; power {power_diff / seeds:.3f}"
        )
    assert covered_ratio / seeds >= 0.92
    assert covered_diff / seeds >= 0.92
