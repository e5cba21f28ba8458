"""Results of every kind the report shows, hand-made with known numbers, plus a real veil run.

Shared by the report's unit tests and the browser tests. The numbers are made up but shaped like
what the methods return (quantities and labels of issue 5's conventions).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.suite import Failure
from openblotter.analysis.veil import veil_of_darkness
from openblotter.testing.daylight import daylight_stops

GENERATED_AT = dt.datetime(2026, 3, 1, 14, 30, tzinfo=dt.UTC)
PROVENANCE = {"store": "duckdb", "standard": "1.0"}
_PROV = {"agency": "zz_synthetic_pd", "batches": "1,2"}
_GROUPS = ("black", "hispanic", "white")


def rates_result() -> Result:
    """Search and arrest rates per group, and rate ratios against White people."""
    rates = {"search": (0.12, 0.10, 0.075), "arrest": (0.05, 0.045, 0.04)}
    n = {"black": 12_345, "hispanic": 4_321, "white": 23_456}
    estimates = []
    for outcome, values in rates.items():
        for group, value in zip(_GROUPS, values, strict=True):
            estimates.append(
                Estimate(
                    f"{outcome}_rate",
                    value,
                    {"group": group, "outcome": f"{outcome}_conducted"},
                    (value * 0.9, value * 1.1),
                    n=n[group],
                )
            )
    estimates += [
        Estimate(
            "rate_ratio",
            1.6,
            {"group": "black", "reference": "white", "outcome": "search_conducted"},
            (1.4, 1.8),
            n=12_345,
        ),
        Estimate(
            "rate_ratio",
            1.33,
            {"group": "hispanic", "reference": "white", "outcome": "search_conducted"},
            (1.1, 1.6),
            n=4_321,
        ),
        Estimate(
            "rate_ratio",
            1.25,
            {"group": "black", "reference": "white", "outcome": "arrest_made"},
            (0.98, 1.55),
            n=12_345,
        ),
        Estimate(
            "rate_ratio",
            1.12,
            {"group": "hispanic", "reference": "white", "outcome": "arrest_made"},
            (0.8, 1.5),
            n=4_321,
        ),
    ]
    return Result(
        "rates-and-benchmarks",
        tuple(estimates),
        filters=("stops with a known subject race",),
        caveats=("Rates among stops say nothing about who was not stopped.",),
        provenance=_PROV,
    )


def outcome_result() -> Result:
    """Hit rates overall and by district, and their differences from White people."""
    estimates = [
        Estimate("hit_rate", 0.12, {"group": "black"}, (0.10, 0.14), n=1_500),
        Estimate("hit_rate", 0.18, {"group": "white"}, (0.16, 0.20), n=1_800),
        Estimate(
            "hit_rate_difference",
            -0.06,
            {"group": "black", "reference": "white"},
            (-0.09, -0.03),
            n=1_500,
        ),
    ]
    for district, shift in (("District 1", 0.0), ("District 2", 0.02)):
        for group, value in (("black", 0.11 + shift), ("white", 0.17 + shift)):
            estimates.append(
                Estimate(
                    "hit_rate",
                    value,
                    {"group": group, "place": district},
                    (value - 0.03, value + 0.03),
                    n=60,
                )
            )
    return Result(
        "outcome-test",
        tuple(estimates),
        filters=("searches with a recorded outcome",),
        caveats=(
            "Hit rates can mislead when groups carry contraband at different rates "
            "(infra-marginality).",
        ),
        provenance=_PROV,
    )


def force_result() -> Result:
    """Odds ratios of force with controls."""
    return Result(
        "use-of-force-regression",
        (
            Estimate(
                "odds_ratio", 1.45, {"group": "black", "reference": "white"}, (1.2, 1.75), n=8_000
            ),
            Estimate(
                "odds_ratio", 0.95, {"group": "hispanic", "reference": "white"}, (0.7, 1.3), n=2_000
            ),
        ),
        filters=("stops with a known subject race",),
        caveats=("Controls cannot account for everything that shapes an encounter.",),
        provenance=_PROV,
        diagnostics={"converged": 1.0, "deviance": 1234.5678},
    )


def complaints_result() -> Result:
    """Sustain rates by allegation category (a few with small n)."""
    return Result(
        "complaint-outcomes",
        (
            Estimate("sustain_rate", 0.08, {"allegation_category": "force"}, (0.06, 0.1), n=900),
            Estimate(
                "sustain_rate", 0.2, {"allegation_category": "discourtesy"}, (0.05, 0.45), n=20
            ),
        ),
        provenance=_PROV,
    )


def threshold_result() -> Result:
    """Stop-weighted thresholds and their difference (shaped like analysis.threshold)."""
    return Result(
        "threshold-test",
        (
            Estimate("weighted_threshold", 0.08, {"group": "black"}, (0.06, 0.1), n=5_000),
            Estimate("weighted_threshold", 0.12, {"group": "white"}, (0.1, 0.14), n=9_000),
            Estimate(
                "threshold_difference",
                -0.04,
                {"group": "black", "reference": "white"},
                (-0.06, -0.02),
                n=5_000,
                extra={"prob_below_reference": 0.99},
            ),
        ),
        provenance=_PROV,
        diagnostics={"rhat_max": 1.004, "divergences": 0.0},
    )


def odd_result() -> Result:
    """A method and quantity the report does not know, with labels it does not know."""
    return Result(
        "new-method",
        (
            Estimate("widget_index", 3.5, {"shift": "night"}, (2.0, 5.0), n=40),
            Estimate("widget_index", 2.25, {"shift": "day"}, None, n=None),
            Estimate("widget_index", None, {"shift": "swing"}),
        ),
        summary="",
    )


def failure() -> Failure:
    """A method that could not run."""
    return Failure(
        "officer-benchmarking",
        "Officers compared with peers",
        "the agency does not record which officers made each stop",
    )


@cache
def veil_result() -> Result:
    """A real veil-of-darkness run on synthetic stops with a planted daylight effect."""
    stops = daylight_stops(20_000, seed=3, dark_odds_ratio=0.8)
    return veil_of_darkness(
        stops, timezone_column="timezone", location="district", provenance=_PROV
    )


def all_results() -> list[Result | Failure]:
    """One of each, in report order, with the failure in the middle."""
    return [
        rates_result(),
        outcome_result(),
        veil_result(),
        failure(),
        threshold_result(),
        force_result(),
        complaints_result(),
        odd_result(),
    ]
