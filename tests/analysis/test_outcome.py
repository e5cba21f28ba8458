"""The outcome (hit-rate) test: the worked example of docs/methods/outcome-test.md, on both stores.

The stops are those of ``test_rates.worked_example``: white drivers 40 searches and 12 hits
(district A 30/9, B 10/3), Black drivers 40 searches and 10 hits (A 20/4, B 20/6); in district
B, 5 of the Black drivers' searches (2 hits) were incident to an arrest; 10 searches of each
group in district A had consent as their basis (white 2 hits, Black 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import polars as pl
import pytest

from openblotter.analysis import source
from openblotter.analysis.eligibility import NON_DISCRETIONARY, non_discretionary_codes
from openblotter.analysis.outcome import aggregate, hit_rates_from_counts, outcome_test
from openblotter.errors import ConfigError
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from tests.analysis.test_rates import _dataset, _find, _page, worked_example

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = SYNTHETIC_AGENCY.slug
SUMMARY = (  # docs/methods/outcome-test.md
    "In discretionary searches, contraband was found on 22.9% of Black people searched, against "
    "30.0% of white people (difference -7.1 points, interval -26.0 to +12.9; within each "
    "district, weighted by searches: -7.8 points, interval -28.4 to +12.9). A lower hit rate is "
    "consistent with, not proof of, a lower bar for searching the group."
)


@pytest.fixture
def example(store: Store, standard: Standard, tmp_path: Path) -> Store:
    load_frames(store, standard, worked_example(), tmp_path)
    return store


def test_outcome_test__worked_example(example: Store) -> None:
    with example.snapshot() as tx:
        result = outcome_test(tx, AGENCY, by="district")
    assert result.method == "outcome-test"
    white = _find(result, "hit_rate", group="white", searches="all", place="all")
    black = _find(result, "hit_rate", group="black", searches="all", place="all")
    assert (white.value, white.n, black.value, black.n) == (0.3, 40, 0.25, 40)
    assert black.interval == pytest.approx((0.14187, 0.40194), abs=5e-6)
    diff = _find(result, "hit_rate_difference", group="black", searches="all", place="all")
    assert diff.value == pytest.approx(-0.05)
    assert diff.interval == pytest.approx((-0.23842, 0.14315), abs=5e-6)
    weighted = _find(result, "weighted_hit_rate_difference", group="black", searches="all")
    assert weighted.value == pytest.approx(-0.0625)  # (50 x -0.1 + 30 x 0) / 80
    assert weighted.interval == pytest.approx((-0.26692, 0.14192), abs=5e-6)
    assert (weighted.n, weighted.extra["places"]) == (80, 2.0)
    b = _find(result, "hit_rate_difference", group="black", searches="all", place="B")
    assert b.value == pytest.approx(0.0)
    # discretionary: the 5 searches incident to arrest (2 hits) are left out
    disc = _find(result, "hit_rate", group="black", searches="discretionary", place="all")
    assert (disc.n, disc.extra["hits"]) == (35, 8.0)
    disc_w = _find(result, "weighted_hit_rate_difference", group="black", searches="discretionary")
    assert disc_w.value == pytest.approx((50 * -0.1 + 25 * (4 / 15 - 0.3)) / 75)
    consent = _find(result, "hit_rate_difference", group="black", searches="consent", place="all")
    assert consent.value == pytest.approx(-0.1)
    assert consent.interval == pytest.approx((-0.42054, 0.23622), abs=5e-6)
    # small cells are flagged, not hidden
    consent_a = _find(result, "hit_rate", group="black", searches="consent", place="A")
    assert consent_a.extra["small_cell"] == 1.0
    assert any("fewer than 30 searches" in c for c in result.caveats)
    assert any(c.startswith("Infra-marginality") for c in result.caveats)
    assert "subject_race recorded (10 of 610 stopped people without)" in result.filters
    assert result.summary == SUMMARY


def test_outcome_test__agency_as_a_whole_and_opp(example: Store) -> None:
    with example.snapshot() as tx:
        whole = outcome_test(tx, AGENCY)
        opp = outcome_test(tx, AGENCY, eligibility="opp", min_searches=5)
        with pytest.raises(ConfigError, match="compares subject_race"):
            outcome_test(tx, AGENCY, group="age_band", eligibility="opp")
    assert {e.labels["place"] for e in whole.estimates} == {"all"}
    assert not [e for e in whole.estimates if e.quantity == "weighted_hit_rate_difference"]
    # OPP's discretionary rule also drops nothing else here: same counts as the default
    disc = _find(opp, "hit_rate", group="black", searches="discretionary", place="all")
    assert (disc.n, disc.extra["hits"]) == (35, 8.0)
    assert any("discretionary: no basis outside plain view" in f for f in opp.filters)
    assert not any("fewer than 5 searches" in c for c in opp.caveats)


def test_outcome_test__no_search_records_means_no_test(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    frames = worked_example()
    frames["stop_subjects"] = frames["stop_subjects"].drop(
        "search_conducted", "contraband_found", "search_basis"
    )
    load_frames(store, standard, frames, tmp_path)
    with store.snapshot() as tx:
        result = outcome_test(tx, AGENCY)
    assert result.estimates == ()
    assert "never recorded whether a search was conducted" in result.summary


def test_opp_discretionary_codes_follow_the_code_list() -> None:
    opp = non_discretionary_codes("opp")
    assert set(NON_DISCRETIONARY) <= set(opp)
    assert {"suspected weapons", "officer safety", "exigent circumstances"} <= set(opp)
    assert not {"consent", "probable cause", "k9", "plain view", "odor of contraband"} & set(opp)
    assert non_discretionary_codes("known") == NON_DISCRETIONARY


def test_aggregate__same_counts_on_an_ibis_polars_backend(example: Store) -> None:
    with example.snapshot() as tx:
        frames = {d: _dataset(tx, d) for d in ("stops", "stop_subjects")}
        in_store = source.run(aggregate(AGENCY, by="district"), tx)
    on_polars = source.run_on(aggregate(AGENCY, by="district"), ibis.polars.connect(frames))
    keys = ["district", "subject_race"]
    assert in_store.sort(keys).equals(on_polars.sort(keys))
    assert int(in_store["disc_searches"].sum()) == 75


def test_hit_rates_from_counts__validates_and_sums_repeated_rows() -> None:
    counts = pl.DataFrame({"race": ["white", "white", "black"], "s": [20, 20, 40], "h": [6, 6, 10]})
    result = hit_rates_from_counts(counts, group="race", searches="s", hits="h")
    assert _find(result, "hit_rate", group="white").n == 40
    assert _find(result, "hit_rate_difference", group="black").value == pytest.approx(-0.05)
    with pytest.raises(ConfigError, match="hits <= searches"):
        hit_rates_from_counts(
            counts.with_columns(h=pl.lit(50)), group="race", searches="s", hits="h"
        )
    with pytest.raises(ConfigError, match="lacks"):
        hit_rates_from_counts(counts, group="race")


def test_the_method_page_quotes_the_tested_summary() -> None:
    assert SUMMARY in _page("outcome-test")
