"""Veil of darkness on synthetic stops: planted effects recovered, nulls covered, DST variant."""

from __future__ import annotations

import math

import pytest

from openblotter.analysis import Result
from openblotter.analysis.veil import veil_of_darkness, veil_of_darkness_dst
from openblotter.testing.daylight import PLACES, daylight_stops


def _odds(result: Result) -> tuple[float, float, float]:
    estimate = result.estimates[1]
    assert estimate.quantity == "dark_odds_ratio"
    assert estimate.value is not None
    assert estimate.interval is not None
    return estimate.value, *estimate.interval


@pytest.mark.parametrize(("planted", "seed"), [(0.8, 21), (0.7, 22), (1.25, 23)])
def test_veil_of_darkness__recovers_the_planted_odds_ratio(planted: float, seed: int) -> None:
    stops = daylight_stops(60_000, seed=seed, dark_odds_ratio=planted)
    value, low, high = _odds(
        veil_of_darkness(stops, timezone_column="timezone", location="district")
    )
    assert low < planted < high
    assert not low < 1.0 < high  # 60k stops are enough to see these effects
    assert abs(math.log(value) - math.log(planted)) < 0.1


def test_veil_of_darkness_dst__recovers_the_planted_odds_ratio() -> None:
    stops = daylight_stops(150_000, seed=31, dark_odds_ratio=0.7, years=(2022, 2023))
    result = veil_of_darkness_dst(stops, timezone_column="timezone", location="district")
    _, low, high = _odds(result)
    assert low < 0.7 < high
    assert high < 1.0
    assert result.estimates[0].labels["variant"] == "dst"
    assert any("clock change" in f for f in result.filters)
    # four periods: forward and back in each of two years
    assert result.diagnostics["variant"] == "dst"


def test_veil_of_darkness_dst__no_clock_changes_means_nothing_to_compare() -> None:
    phoenix = PLACES[0].__class__("Desert", 33.45, -112.07, "America/Phoenix")
    stops = daylight_stops(5_000, seed=32, places=(phoenix,))
    result = veil_of_darkness_dst(stops, timezone="America/Phoenix", location="district")
    assert result.estimates[0].value is None
    assert any("no daylight-saving" in c for c in result.caveats)


def test_veil_of_darkness__missing_coordinates_fall_back_to_the_centroid() -> None:
    place = PLACES[1]
    full = daylight_stops(40_000, seed=41, dark_odds_ratio=0.75, places=(place,))
    holes = daylight_stops(
        40_000, seed=41, dark_odds_ratio=0.75, places=(place,), missing_coordinates=0.4
    )
    tz = place.timezone
    with_coords = veil_of_darkness(full, timezone=tz, location="district")
    with_centroid = veil_of_darkness(
        holes, timezone=tz, location="district", centroid=(place.lat, place.lng)
    )
    without = veil_of_darkness(holes, timezone=tz, location="district")
    n_full, n_centroid = with_coords.estimates[0].n or 0, with_centroid.estimates[0].n or 0
    assert abs(n_centroid - n_full) < 0.005 * n_full  # nobody lost; a few change side of dusk
    assert (without.estimates[0].n or 0) < 0.7 * n_full
    assert with_centroid.estimates[1].value == pytest.approx(
        with_coords.estimates[1].value, rel=0.02
    )
    assert any("agency centroid" in c for c in with_centroid.caveats)


def test_veil_of_darkness__seasonal_confounding_biases_full_year_more_than_dst() -> None:
    stops = daylight_stops(150_000, seed=51, seasonal_effect=0.5)  # no darkness effect at all
    full, _, _ = _odds(veil_of_darkness(stops, timezone_column="timezone", location="district"))
    dst, _, _ = _odds(veil_of_darkness_dst(stops, timezone_column="timezone", location="district"))
    assert abs(math.log(full)) > 0.3  # the failure mode the docs describe
    assert abs(math.log(dst)) < abs(math.log(full)) / 2


def _null_misses(seeds: range, n: int, *, dst: bool = False) -> int:
    test = veil_of_darkness_dst if dst else veil_of_darkness
    misses = 0
    for seed in seeds:
        stops = daylight_stops(n, seed=seed)
        _, low, high = _odds(test(stops, timezone_column="timezone", location="district"))
        misses += not low < 1.0 < high
    return misses


def test_veil_of_darkness__null_intervals_cover_one() -> None:
    # 20 seeded null data sets: at the nominal 5 % about one miss is expected
    assert _null_misses(range(1000, 1020), 15_000) <= 3


@pytest.mark.slow
def test_veil_of_darkness__null_false_positive_rate_is_nominal() -> None:
    seeds = 200
    misses = _null_misses(range(2000, 2000 + seeds), 20_000)
    # binomial(200, 0.05) has 99.9 % of its mass in [2, 21]
    assert 2 <= misses <= 21


@pytest.mark.slow
def test_veil_of_darkness_dst__null_false_positive_rate_is_nominal() -> None:
    seeds = 100
    misses = _null_misses(range(3000, 3000 + seeds), 40_000, dst=True)
    # binomial(100, 0.05) has 99.9 % of its mass in [0, 13]
    assert misses <= 13
