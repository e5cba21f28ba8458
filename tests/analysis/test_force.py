"""Use-of-force regression: planted odds ratios recovered in the store, nulls, worked example."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from openblotter.analysis.design import design_matrix
from openblotter.analysis.force import force_odds, force_severity
from openblotter.analysis.force_model import METHOD, GroupModel, fit_groups
from openblotter.errors import ConfigError
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from tests.analysis.planted import force_incidents, force_people, stop_frames

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug


def _estimate(result, quantity: str, group: str):
    return next(
        e for e in result.estimates if e.quantity == quantity and e.labels["group"] == group
    )


def test_force_odds__recovers_a_planted_odds_ratio_that_confounding_hides(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    people = force_people(20_000, seed=11, odds_ratio=1.8)
    load_frames(store, standard, stop_frames(people), tmp_path)
    with store.snapshot() as tx:
        result = force_odds(tx, AGENCY, by="district")
    adjusted = _estimate(result, "odds_ratio", "black")
    crude = _estimate(result, "unadjusted_odds_ratio", "black")
    assert adjusted.interval[0] <= 1.8 <= adjusted.interval[1], adjusted
    assert crude.interval[0] > 2.2, crude  # the district confounding inflates it
    assert adjusted.labels == {
        "group": "black",
        "outcome": "force_used",
        "field": "subject_race",
        "reference": "white",
        "adjusted_for": "subject_sex, age_band, stop_reason, district, year",
    }
    assert adjusted.n == int((people["subject_race"] == "black").sum())
    assert result.method == METHOD
    assert "stop type: one value only, not controlled for" in result.filters
    assert result.provenance["agency"] == AGENCY
    assert "black people were" in result.summary
    # the same model on one row per person (statsmodels) gives the same estimate and SE
    rows = people.with_columns(
        pl.sum_horizontal(pl.col("subject_age") > edge for edge in (14, 17, 24, 34, 44, 54, 64))
        .cast(pl.String)
        .alias("age_band"),
        pl.col("date").dt.year().cast(pl.String).alias("year"),
        pl.lit(1).alias("n"),
    )
    design = design_matrix(
        rows,
        ["subject_race", "subject_sex", "age_band", "reason", "district", "year"],
        references={"subject_race": "white"},
    )
    logit = sm.Logit(people["force_used"].to_numpy().astype(float), design.matrix).fit(disp=0)
    column = design.names.index("subject_race[black]")
    assert adjusted.extra["log_odds_ratio"] == pytest.approx(logit.params[column], rel=1e-6)
    assert adjusted.extra["std_error"] == pytest.approx(logit.bse[column], rel=1e-5)


def test_force_odds__without_geography_the_confounding_remains(
    memory_store: Store, standard: Standard, tmp_path: Path
) -> None:
    from openblotter.storage import initialize

    initialize(memory_store, standard)
    load_frames(memory_store, standard, stop_frames(force_people(8_000, seed=3)), tmp_path)
    with memory_store.snapshot() as tx:
        plain = force_odds(tx, AGENCY, period=None, controls=["subject_sex"])
        with pytest.raises(ConfigError, match="geography field"):
            force_odds(tx, AGENCY, by="location")
        with pytest.raises(ConfigError, match="unknown control"):
            force_odds(tx, AGENCY, controls=["officer_race"])
        with pytest.raises(ConfigError, match="reference group 'martian'"):
            force_odds(tx, AGENCY, reference="martian")
        with pytest.raises(ConfigError, match="outcome must be"):
            force_odds(tx, AGENCY, outcome="vibes")
        with pytest.raises(ConfigError, match="no stops with both arrest_made"):
            force_odds(tx, AGENCY, outcome="arrest_made")  # never recorded: all left out
    assert _estimate(plain, "odds_ratio", "black").value > 2.5
    assert plain.filters[2] == "controlled for sex: 2 values"


def test_force_severity__recovers_planted_odds_for_level_and_injury(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    load_frames(store, standard, force_incidents(8_000, seed=5, odds_ratio=1.5), tmp_path)
    with store.snapshot() as tx:
        level = force_severity(tx, AGENCY, by="precinct")
        injured = force_severity(tx, AGENCY, by="precinct", outcome="subject_injured")
    for result, outcome in ((level, "force_level>=2"), (injured, "subject_injured")):
        ratio = _estimate(result, "odds_ratio", "black")
        assert ratio.labels["outcome"] == outcome
        assert ratio.interval[0] <= 1.5 <= ratio.interval[1], (outcome, ratio)
        assert _estimate(result, "unadjusted_odds_ratio", "black").interval[0] > 1.5
        assert result.method == "force-severity"
    assert "subjected to force of level 2 or higher" in level.summary
    assert "age band: not recorded, not controlled for" in level.filters


def _null_fit(seed: int, n: int) -> tuple[float, float]:
    people = force_people(n, seed=seed, odds_ratio=1.0)
    table = (
        people.with_columns(
            pl.col("subject_age").lt(25).cast(pl.String).alias("young"),
            pl.col("date").dt.year().alias("year"),
        )
        .group_by("subject_race", "subject_sex", "young", "reason", "district", "year")
        .agg(pl.len().alias("n"), pl.col("force_used").sum().alias("k"))
        .with_columns(pl.lit(0).alias("unrecorded"))
    )
    model = GroupModel(
        METHOD,
        "force_used",
        "subject_race",
        None,
        ["subject_sex", "young", "reason"],
        "district",
        "year",
        0.95,
        "people stopped",
        "stops",
        (),
    )
    ratio = _estimate(fit_groups(table, model), "odds_ratio", "black")
    return ratio.interval


def _false_positive_rate(seeds: range, n: int) -> float:
    hits = 0
    for seed in seeds:
        low, high = _null_fit(seed, n)
        hits += not (low <= 1.0 <= high)
    return hits / len(seeds)


def test_force_odds__null_simulation_rarely_finds_an_effect() -> None:
    rate = _false_positive_rate(range(20), 4_000)
    assert rate <= 0.15, rate  # 20 seeds: 3 or more false positives has probability 1.6 %


@pytest.mark.study
def test_force_odds__null_false_positive_rate_study() -> None:
    rate = _false_positive_rate(range(1000, 2000), 6_000)
    print(f"\nforce odds ratio, null, 1,000 data sets: false-positive rate {rate:.3f}")  # noqa: T201
    assert 0.02 <= rate <= 0.08, rate


@pytest.mark.study
def test_force_odds__coverage_study() -> None:
    covered = 0
    seeds = range(3000, 3500)
    for seed in seeds:
        people = force_people(6_000, seed=seed, odds_ratio=1.8)
        table = (
            people.with_columns(
                pl.col("subject_age").lt(25).cast(pl.String).alias("young"),
                pl.col("date").dt.year().alias("year"),
            )
            .group_by("subject_race", "subject_sex", "young", "reason", "district", "year")
            .agg(pl.len().alias("n"), pl.col("force_used").sum().alias("k"))
            .with_columns(pl.lit(0).alias("unrecorded"))
        )
        model = GroupModel(
            METHOD,
            "force_used",
            "subject_race",
            None,
            ["subject_sex", "young", "reason"],
            "district",
            "year",
            0.95,
            "people stopped",
            "stops",
            (),
        )
        low, high = _estimate(fit_groups(table, model), "odds_ratio", "black").interval
        covered += low <= 1.8 <= high
    print(f"\nforce odds ratio 1.8, 500 data sets: coverage {covered / len(seeds):.3f}")  # noqa: T201
    assert covered / len(seeds) >= 0.91


WORKED = pl.DataFrame(
    {
        "subject_race": ["white", "black", "white", "black"],
        "district": ["A", "A", "B", "B"],
        "n": [800, 200, 200, 800],
        "k": [40, 18, 30, 200],
        "unrecorded": [0, 0, 0, 0],
    }
)


def test_force_odds__worked_example_of_the_method_page() -> None:
    model = GroupModel(
        METHOD,
        "force_used",
        "subject_race",
        None,
        [],
        "district",
        None,
        0.95,
        "people stopped",
        "stops",
        (),
    )
    result = fit_groups(WORKED, model)
    crude = _estimate(result, "unadjusted_odds_ratio", "black")
    adjusted = _estimate(result, "odds_ratio", "black")
    assert crude.value == pytest.approx((218 / 782) / (70 / 930), rel=1e-9)
    assert crude.value == pytest.approx(3.704, abs=5e-4)
    assert crude.interval == pytest.approx((2.784, 4.928), abs=5e-4)
    assert adjusted.value == pytest.approx(1.8855, abs=5e-5)
    assert adjusted.interval == pytest.approx((1.3423, 2.6485), abs=5e-5)
    assert result.summary == (
        "Among people stopped, controlling for district, the odds that force was used on black "
        "people were 1.89 times those for white people (95% interval 1.34 to 2.65; 1,000 stops)."
    )
    white, black = (_estimate(result, "rate", g) for g in ("white", "black"))
    assert (white.value, black.value) == (0.07, 0.218)
    np.testing.assert_allclose(black.interval, (0.1935, 0.2446), atol=5e-4)


def test_force_severity__worked_example_of_the_method_page() -> None:
    table = pl.DataFrame(
        {
            "subject_race": ["white", "black", "white", "black"],
            "precinct": ["North", "North", "South", "South"],
            "n": [300, 100, 100, 300],
            "k": [90, 40, 20, 81],
            "unrecorded": [0, 0, 0, 0],
        }
    )
    model = GroupModel(
        "force-severity",
        "force_level>=2",
        "subject_race",
        None,
        [],
        "precinct",
        None,
        0.95,
        "people force was used on",
        "people",
        (),
        "{who} were subjected to force of level 2 or higher",
    )
    result = fit_groups(table, model)
    crude = _estimate(result, "unadjusted_odds_ratio", "black")
    adjusted = _estimate(result, "odds_ratio", "black")
    assert crude.value == pytest.approx(1.1434, abs=5e-5)
    assert crude.interval == pytest.approx((0.8419, 1.5528), abs=5e-5)
    assert adjusted.value == pytest.approx(1.5232, abs=5e-5)
    assert adjusted.interval == pytest.approx((1.0638, 2.1810), abs=5e-5)
    assert result.summary == (
        "Among people force was used on, controlling for precinct, the odds that black people "
        "were subjected to force of level 2 or higher were 1.52 times those for white people "
        "(95% interval 1.06 to 2.18; 400 people)."
    )
