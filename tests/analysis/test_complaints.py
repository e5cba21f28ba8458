"""Complaint outcomes: sustain rates, Kaplan-Meier time to decision, discipline concurrence."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from openblotter.analysis.complaints import complaint_outcomes
from openblotter.analysis.survival import kaplan_meier
from openblotter.errors import ConfigError
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug
START = dt.date(2022, 1, 1)
AS_OF = dt.date(2022, 12, 31)


def test_kaplan_meier__hand_example_counts_open_cases() -> None:
    # 7 complaints: decided after 10, 20, 20, 40, 60 days; open after 30 and 50 days
    curve = kaplan_meier([10, 20, 20, 30, 40, 50, 60], [1, 1, 1, 0, 1, 0, 1])
    np.testing.assert_allclose(curve.survival, [6 / 7, 4 / 7, 4 / 7, 8 / 21, 8 / 21, 0.0])
    assert curve.quantile(0.25) == 20
    assert curve.quantile(0.5) == 40  # the closed cases alone would say 20
    assert curve.quantile(0.75) == 60
    closed_only = kaplan_meier([10, 20, 20, 40, 60], [1] * 5)
    assert closed_only.quantile(0.5) == 20
    assert kaplan_meier([5, 9], [0, 0]).quantile(0.5) is None


@settings(max_examples=60, deadline=None)
@given(
    durations=st.lists(st.integers(0, 40), min_size=3, max_size=120),
    seed=st.integers(0, 2**16),
    p=st.sampled_from([0.25, 0.5, 0.75]),
)
def test_kaplan_meier__matches_statsmodels(durations: list[int], seed: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    events = rng.random(len(durations)) < 0.7
    if not events.any():
        events[0] = True
    curve = kaplan_meier(durations, events)
    reference = SurvfuncRight(np.asarray(durations, float), events.astype(int))
    rows = curve.events > 0
    np.testing.assert_allclose(curve.times[rows], reference.surv_times)
    np.testing.assert_allclose(curve.survival[rows], reference.surv_prob)
    np.testing.assert_allclose(curve.std_error[rows], reference.surv_prob_se, equal_nan=True)
    if np.any(np.isclose(reference.surv_prob, 1 - p)):
        return  # statsmodels (SAS) needs S < 1 - p strictly; R and we take S <= 1 - p
    expected = reference.quantile(p)
    assert curve.quantile(p) == (None if np.isnan(expected) else expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels divides by zero where S is 0 or 1
        low, high = reference.quantile_ci(p)
    interval = curve.quantile_interval(p)
    if np.isnan(low):
        assert interval is None
    else:
        assert interval == (low, high)


def _complaint_frames() -> dict[str, pl.DataFrame]:
    """Eight complaints, 16 allegations, with known rates, durations and discipline."""
    complaints = pl.DataFrame(
        {
            "complaint_id": [f"c{i}" for i in range(1, 9)],
            "received_date": [START] * 8,
            "closed_date": [
                START + dt.timedelta(days=d) if d else None
                for d in (10, 20, 20, None, 40, None, 60, 60)
            ],
            "status": [
                "closed",
                "closed",
                "closed",
                "under investigation",
                "closed",
                "received",
                "closed",
                "closed",
            ],
            "complainant_race": [
                "black",
                "black",
                "white",
                "black",
                "white",
                "white",
                "black",
                "white",
            ],
            "complainant_sex": ["male"] * 4 + ["female"] * 4,
            "complainant_age": [22, 35, 41, 19, 60, 33, 28, 50],
        }
    )
    rows = [
        # complaint, category, finding, board recommendation, discipline
        ("c1", "force", "sustained", "command discipline a", ["command discipline a"]),
        ("c1", "discourtesy", "unfounded", None, None),
        ("c2", "force", "sustained", "command discipline a", ["no penalty"]),
        ("c2", "force", "unsubstantiated", None, None),
        ("c3", "force", "exonerated", None, None),
        ("c3", "discourtesy", "sustained", "charges", ["forfeit vacation"]),
        ("c4", "force", "pending", None, None),
        ("c5", "force", "unsubstantiated", None, None),
        ("c5", "discourtesy", "sustained", "charges", ["command discipline b"]),
        ("c6", "discourtesy", "pending", None, None),
        ("c7", "force", "within guidelines", None, None),
        (
            "c7",
            "discourtesy",
            "sustained",
            "formalized training",
            ["command discipline b", "forfeit vacation"],
        ),
        ("c7", "abuse of authority", "withdrawn", None, None),
        ("c8", "force", "sustained", "charges", ["pending"]),
        ("c8", "abuse of authority", "unfounded", None, None),
        ("c8", "discourtesy", "not sustained", None, None),
    ]
    allegations = pl.DataFrame(
        {
            "complaint_id": [r[0] for r in rows],
            "allegation_id": [f"a{i}" for i in range(len(rows))],
            "officer_key": [f"o{i % 5}" for i in range(len(rows))],
            "category": [r[1] for r in rows],
            "finding": [r[2] for r in rows],
            "board_recommendation": [r[3] for r in rows],
            "discipline": [r[4] for r in rows],
        },
        schema_overrides={"discipline": pl.List(pl.String)},
    )
    return {"complaints": complaints, "allegations": allegations}


def _find(result, quantity: str, **labels: str):
    return next(
        e
        for e in result.estimates
        if e.quantity == quantity and all(e.labels.get(k) == v for k, v in labels.items())
    )


def test_complaint_outcomes__hand_example(store: Store, standard: Standard, tmp_path: Path) -> None:
    load_frames(store, standard, _complaint_frames(), tmp_path)
    with store.snapshot() as tx:
        result = complaint_outcomes(tx, AGENCY, as_of=AS_OF)
        closed = complaint_outcomes(tx, AGENCY, as_of=AS_OF, denominator="closed")
        with pytest.raises(ConfigError, match="group must be"):
            complaint_outcomes(tx, AGENCY, group="officer_race")
    # on the merits: 16 allegations - 2 pending - 1 withdrawn = 13, 6 sustained
    overall = _find(result, "sustain_rate", category="all")
    assert (overall.value, overall.n) == (6 / 13, 13)
    assert _find(closed, "sustain_rate", category="all").n == 14
    force = _find(result, "sustain_rate", category="force")
    assert (force.value, force.n) == (3 / 7, 7)
    assert _find(result, "sustain_rate", category="discourtesy").value == 3 / 5
    # complainants: black c1 c2 c4 c7 (6 decided, 3 sustained); white c3 c5 c6 c8 (7, 3)
    black = _find(result, "sustain_rate", group="black")
    white = _find(result, "sustain_rate", group="white")
    assert (black.value, black.n, white.value, white.n) == (3 / 6, 6, 3 / 7, 7)
    ratio = _find(result, "sustain_rate_ratio", group="black")
    assert ratio.labels["reference"] == "white"
    assert ratio.value == pytest.approx((3 / 6) / (3 / 7))
    # time to decision: 10, 20, 20, open, 40, open, 60, 60 days (open ones censored at 364)
    median = _find(result, "days_to_decision", category="all complaints", quantile="median")
    assert median.value == 40
    assert median.extra["decided"] == 6
    assert median.extra["open"] == 2
    assert median.extra["closed_cases_only"] == 20
    assert (
        _find(
            result, "days_to_decision", category="all complaints", quantile="upper quartile"
        ).value
        == 60
    )
    assert "open cases censored at 2022-12-31" in result.filters
    # discipline: 6 sustained; c8's is pending; board recommendation met in 3 of 5
    concurrence = _find(result, "concurrence_rate", recommendation="all")
    assert (concurrence.value, concurrence.n) == (3 / 5, 5)
    assert concurrence.extra["same_level_share"] == 2 / 5
    assert concurrence.extra["no_penalty_share"] == 1 / 5
    assert _find(result, "concurrence_rate", recommendation="charges").value == 1 / 2
    shares = {
        e.labels["discipline"]: e.value
        for e in result.estimates
        if e.quantity == "discipline_share"
    }
    assert shares == {
        "no penalty": 1 / 5,
        "command discipline A or warning": 1 / 5,
        "command discipline B": 1 / 5,
        "vacation, suspension or probation": 2 / 5,
    }
    assert result.summary.startswith("46% of 13 decided allegations were sustained")


def test_complaint_outcomes__a_source_of_sustained_allegations_only(
    memory_store: Store, standard: Standard, tmp_path: Path
) -> None:
    from openblotter.storage import initialize

    initialize(memory_store, standard)
    frames = _complaint_frames()
    sustained = frames["allegations"].filter(pl.col("finding") == "sustained")
    complaints = frames["complaints"].filter(
        pl.col("complaint_id").is_in(sustained["complaint_id"])
    )
    complaints = complaints.with_columns(
        pl.lit(None, dtype=pl.Date).alias("received_date"),
        pl.lit(None, dtype=pl.Date).alias("closed_date"),
    )
    load_frames(
        memory_store, standard, {"complaints": complaints, "allegations": sustained}, tmp_path
    )
    with memory_store.snapshot() as tx:
        result = complaint_outcomes(tx, AGENCY)
    assert not [e for e in result.estimates if e.quantity in ("sustain_rate", "days_to_decision")]
    assert any("sustained allegations only" in c for c in result.caveats)
    assert any("No complaint dates" in c for c in result.caveats)
    assert _find(result, "concurrence_rate", recommendation="all").n == 5
