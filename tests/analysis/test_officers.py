"""Officer internal benchmarking: planted biased officers, FDR under the null, worked example."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.multitest import multipletests

from openblotter.analysis.multiple_testing import benjamini_hochberg, empirical_null, local_fdr
from openblotter.analysis.officers import Benchmark, fit_benchmark, officer_benchmark
from openblotter.errors import ConfigError
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from tests.analysis.planted import officer_stops

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug


def _flagged(result) -> set[str]:
    return {
        e.labels["officer"]
        for e in result.estimates
        if e.quantity == "officer_ratio" and e.extra["flagged"] == 1.0
    }


def test_benjamini_hochberg__equals_statsmodels() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = np.concatenate([rng.uniform(size=40), rng.uniform(0, 0.01, size=5)])
        expected = multipletests(p, method="fdr_bh")[1]
        np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12)
    assert np.isnan(benjamini_hochberg([0.01, np.nan, 0.04])[1])
    assert benjamini_hochberg([]).size == 0


def test_local_fdr__small_in_the_tail_and_one_in_the_centre() -> None:
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.normal(size=300), rng.normal(4.0, 1.0, size=20)])
    rates, null = local_fdr(z)
    assert rates[-20:].mean() < 0.2
    assert np.median(rates[:300]) > 0.8
    assert 0.85 <= null.pi0 <= 1.0
    widened = empirical_null(rng.normal(0.5, 2.0, size=2000))
    assert widened.mean == pytest.approx(0.5, abs=0.15)
    assert widened.sd == pytest.approx(2.0, abs=0.15)


def test_officer_benchmark__finds_planted_officers_and_not_their_neighbours(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    frames, biased = officer_stops(seed=4, officers=60, biased=5, bias_odds=3.0)
    load_frames(store, standard, frames, tmp_path)
    with store.snapshot() as tx:
        result = officer_benchmark(tx, AGENCY, by="district", min_stops=50)
        naive = officer_benchmark(tx, AGENCY, period=None, time_bands=1, min_stops=50)
        with pytest.raises(ConfigError, match="time_bands"):
            officer_benchmark(tx, AGENCY, time_bands=5)
        with pytest.raises(ConfigError, match="fewer than 2 officers"):
            officer_benchmark(tx, AGENCY, min_stops=10_000)
    flagged = _flagged(result)
    assert len(flagged & biased) >= 4, flagged
    assert len(flagged - biased) <= 1, flagged
    # against the department as a whole, officers posted where more black people live are flagged
    assert len(_flagged(naive) - biased) >= 5
    count = next(e for e in result.estimates if e.quantity == "flagged_officers")
    assert count.value == len(flagged)
    assert count.n == 60
    assert result.filters[2] == "strata: district x year x 4 time-of-day bands"
    one = next(e for e in result.estimates if e.labels.get("officer") == sorted(biased)[0])
    assert one.value > 1.2
    assert one.labels["comparison"] == "peers in the same strata"
    assert result.method == "officer-benchmarking"


def _cells(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The aggregation of ``benchmark_counts`` in polars (district x year x 4 bands)."""
    joined = (
        frames["stops"]
        .join(frames["stop_subjects"], on="stop_id")
        .join(frames["stop_officers"], on="stop_id")
    )
    return (
        joined.with_columns(
            pl.col("district").alias("place"),
            pl.col("date").dt.year().cast(pl.String).alias("period"),
            (pl.col("time").dt.hour().cast(pl.Int64) * 4 // 24).alias("band"),
        )
        .group_by("officer_key", "place", "period", "band")
        .agg(pl.len().alias("n"), (pl.col("subject_race") == "black").sum().alias("y"))
    )


def _discoveries(seeds: range, *, biased: int) -> tuple[float, float, float]:
    """Mean false discovery proportion, share of data sets with any, and power."""
    fdp, any_false, found = [], 0, 0
    spec = Benchmark(by="district", min_stops=50)
    for seed in seeds:
        frames, planted = officer_stops(seed=seed, officers=60, biased=biased, bias_odds=3.0)
        flagged = _flagged(fit_benchmark(_cells(frames), spec))
        false = len(flagged - planted)
        fdp.append(false / len(flagged) if flagged else 0.0)
        any_false += false > 0
        found += len(flagged & planted)
    return float(np.mean(fdp)), any_false / len(seeds), found / max(biased * len(seeds), 1)


def test_officer_benchmark__null_simulation_rarely_flags_anyone() -> None:
    _, familywise, _ = _discoveries(range(8), biased=0)
    assert familywise <= 0.25  # BH at q = 0.05 under the complete null: P(any flag) <= 0.05


@pytest.mark.study
def test_officer_benchmark__fdr_study() -> None:
    _, null_rate, _ = _discoveries(range(100, 400), biased=0)
    fdr, _, power = _discoveries(range(500, 700), biased=6)
    message = f"P(any flag | null) {null_rate:.3f}, FDR {fdr:.3f} and power {power:.3f} with 6"
    print(f"\nofficer benchmarking: {message}")  # noqa: T201
    assert null_rate <= 0.08
    assert fdr <= 0.08


WORKED = pl.DataFrame(
    {
        "officer_key": ["o1", "o1", "o2", "o2", "o3", "o3"],
        "place": ["north", "south", "north", "south", "north", "south"],
        "n": [80, 20, 50, 50, 20, 80],
        "y": [40, 2, 20, 5, 6, 8],
    }
)


def test_officer_benchmark__worked_example_of_the_method_page() -> None:
    spec = Benchmark(by="district", period=None, time_bands=1, min_stops=50)
    result = fit_benchmark(WORKED, spec)
    o1 = next(e for e in result.estimates if e.labels.get("officer") == "o1")
    # o1: 42 of 100 black. Peers: north 26/70, south 13/130; weights 0.8 and 0.2
    assert o1.extra["officer_share"] == pytest.approx(0.42)
    assert o1.extra["benchmark_share"] == pytest.approx(0.8 * 26 / 70 + 0.2 * 13 / 130)
    assert o1.extra["benchmark_share"] == pytest.approx(0.31714, abs=1e-5)
    assert o1.value == pytest.approx(1.3243, abs=1e-4)
    # z: p north = 66/150, south = 15/150; var = 0.8² p(1-p)(1/80 + 1/70) + 0.2² p(1-p)(1/20 + 1/130)
    assert o1.extra["z"] == pytest.approx(1.5451, abs=1e-4)
    assert o1.extra["p_value"] == pytest.approx(0.0612, abs=1e-4)
    assert o1.extra["q_value"] == pytest.approx(0.1835, abs=1e-4)
    assert o1.interval == pytest.approx((0.9163, 1.9140), abs=1e-4)
    assert o1.extra["flagged"] == 0.0
