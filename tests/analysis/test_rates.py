"""Among-stop and per-capita rates: the worked example of the method pages, on both stores.

The worked example (docs/methods/rates-and-benchmarks.md, per-capita-rates.md and
outcome-test.md) is 610 stops in 2018 in two districts, built block by block below so every
count can be checked by hand: white drivers 400 stopped, 40 searched, 12 hits, 20 arrested;
Black drivers 200 stopped, 40 searched, 10 hits, 20 arrested; 10 drivers of unknown race.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import polars as pl
import pytest

from openblotter.analysis import source
from openblotter.analysis.per_capita import per_capita_from_counts, per_capita_rates
from openblotter.analysis.rates import aggregate, among_stop_rates, rates_from_counts
from openblotter.analysis.result import Estimate, Result
from openblotter.errors import ConfigError, NotFoundError
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames

if TYPE_CHECKING:
    from openblotter.schema import Standard
    from openblotter.storage import Store
    from openblotter.storage.base import Transaction

AGENCY = SYNTHETIC_AGENCY.slug

# (district, race, rows, searched, found, basis, arrested, consent asked, consent given)
BLOCKS: list[
    tuple[str | None, str, int, bool, bool, str | None, bool, bool | None, bool | None]
] = [
    ("A", "white", 2, True, True, "consent", False, True, True),
    ("A", "white", 8, True, False, "consent", False, True, True),
    ("A", "white", 7, True, True, "probable cause", False, False, None),
    ("A", "white", 13, True, False, "probable cause", False, False, None),
    ("A", "white", 10, False, False, None, False, True, False),
    ("A", "white", 20, False, False, None, True, False, None),
    ("A", "white", 240, False, False, None, False, False, None),
    ("B", "white", 3, True, True, "probable cause", False, False, None),
    ("B", "white", 7, True, False, "probable cause", False, False, None),
    ("B", "white", 90, False, False, None, False, False, None),
    ("A", "black", 1, True, True, "consent", False, True, True),
    ("A", "black", 9, True, False, "consent", False, True, True),
    ("A", "black", 3, True, True, "probable cause", False, False, None),
    ("A", "black", 7, True, False, "probable cause", False, False, None),
    ("A", "black", 5, False, False, None, False, True, False),
    ("A", "black", 10, False, False, None, True, False, None),
    ("A", "black", 65, False, False, None, False, False, None),
    ("B", "black", 2, True, True, "incident to arrest", True, False, None),
    ("B", "black", 3, True, False, "incident to arrest", True, False, None),
    ("B", "black", 4, True, True, "odor of contraband", False, False, None),
    ("B", "black", 11, True, False, "odor of contraband", False, False, None),
    ("B", "black", 5, False, False, None, True, False, None),
    ("B", "black", 75, False, False, None, False, False, None),
    ("A", "unknown", 10, False, False, None, False, False, None),
]
POPULATION = {"white": 40_000, "black": 10_000, "hispanic": 5_000}
SUMMARY = (  # docs/methods/rates-and-benchmarks.md
    "Stopped Black people were searched at 2.00 times the rate of white people (20.0% against "
    "10.0%; 95% interval of the ratio 1.34 to 3.00)."
)
PER_CAPITA_SUMMARY = (  # docs/methods/per-capita-rates.md
    "Black residents were stopped at 2.00 times the rate of white residents (20.0 against 10.0 "
    "stops per 1,000 residents a year; interval of the ratio 1.69 to 2.37), measured against the "
    "residential population."
)


def worked_example(extra_blocks: list[Any] | None = None) -> dict[str, pl.DataFrame]:
    """The worked example as ``stops`` and ``stop_subjects`` frames (one person per stop)."""
    rows: list[dict[str, Any]] = []
    for district, race, count, searched, found, basis, arrested, asked, gave in [
        *BLOCKS,
        *(extra_blocks or []),
    ]:
        for _ in range(count):
            rows.append(
                {
                    "stop_id": f"s{len(rows):04d}",
                    "date": dt.date(2018, 1, 1) + dt.timedelta(days=len(rows) % 365),
                    "district": district,
                    "subject_race": race,
                    "search_conducted": searched,
                    "contraband_found": found if searched else None,
                    "search_basis": [basis] if basis else None,
                    "arrest_made": arrested,
                    "force_used": False,
                    "consent_search_requested": asked,
                    "consent_search_given": gave,
                }
            )
    frame = pl.DataFrame(rows, schema_overrides={"search_basis": pl.List(pl.String)})
    stops = frame.select("stop_id", "date", "district", type=pl.lit("vehicular"))
    subjects = frame.drop("date", "district").with_columns(subject_seq=pl.lit(1))
    return {"stops": stops, "stop_subjects": subjects}


def population_frame(vintage: int = 2018) -> pl.DataFrame:
    races = ["all", *POPULATION]
    counts = [sum(POPULATION.values()), *POPULATION.values()]
    return pl.DataFrame(
        {
            "geography_type": "agency",
            "geography_id": "0937000",
            "geography_name": "Synthetic city",
            "race": races,
            "sex": "all",
            "age_band": "all",
            "population": counts,
            "source": "ACS 5-year B03002",
            "vintage": vintage,
        }
    )


@pytest.fixture
def example(store: Store, standard: Standard, tmp_path: Path) -> Store:
    frames = {"population": population_frame(), **worked_example()}
    load_frames(store, standard, frames, tmp_path)
    return store


def _find(result: Result, quantity: str, **labels: str) -> Estimate:
    found = [
        e
        for e in result.estimates
        if e.quantity == quantity and all(e.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, (quantity, labels, len(found))
    return found[0]


def test_among_stop_rates__worked_example(example: Store) -> None:
    with example.snapshot() as tx:
        result = among_stop_rates(tx, AGENCY)
    assert result.method == "rates-and-benchmarks"
    search_b = _find(result, "search_rate", group="black", place="all")
    assert (search_b.value, search_b.n, search_b.extra["events"]) == (0.2, 200, 40.0)
    assert search_b.interval == pytest.approx((0.15045, 0.26086), abs=5e-6)
    ratio = _find(result, "rate_ratio", group="black", outcome="search_conducted", place="all")
    assert ratio.value == pytest.approx(2.0)
    se = math.sqrt(1 / 40 - 1 / 200 + 1 / 40 - 1 / 400)
    assert ratio.interval == pytest.approx(
        (2 * math.exp(-1.959964 * se), 2 * math.exp(1.959964 * se)), rel=1e-6
    )
    assert ratio.interval == pytest.approx((1.3352, 2.9958), abs=5e-5)
    assert ratio.labels["reference"] == "white"
    arrest = _find(result, "rate_ratio", group="black", outcome="arrest_made", place="all")
    assert arrest.value == pytest.approx(2.0)
    refusal_w = _find(result, "consent_refusal_rate", group="white", place="all")
    assert (refusal_w.value, refusal_w.n) == (10 / 400, 400)
    request_b = _find(result, "consent_request_rate", group="black", place="all")
    assert request_b.value == pytest.approx(15 / 200)
    # force recorded as never used: a rate of 0, not skipped; the ratio needs the 0.5 correction
    force = _find(result, "rate_ratio", group="black", outcome="force_used", place="all")
    assert force.extra == {"zero_corrected": 1.0}
    assert _find(result, "force_rate", group="black", place="all").value == 0.0
    # frisks were never recorded: skipped with a caveat, never reported as 0
    assert not [e for e in result.estimates if e.labels.get("outcome") == "frisk_performed"]
    assert any(c.startswith("frisk_performed: never recorded") for c in result.caveats)
    assert "subject_race recorded (10 of 610 stopped people without)" in result.filters
    assert result.provenance["agency"] == AGENCY
    assert result.summary == SUMMARY


def test_among_stop_rates__by_district_and_by_year(example: Store) -> None:
    with example.snapshot() as tx:
        by_district = among_stop_rates(tx, AGENCY, by="district", outcomes=["search_conducted"])
        by_year = among_stop_rates(tx, AGENCY, by="year", outcomes=["search_conducted"])
    a_black = _find(by_district, "search_rate", group="black", place="A")
    assert (a_black.value, a_black.n, a_black.labels["geography"]) == (0.2, 100, "district")
    b_ratio = _find(by_district, "rate_ratio", group="black", place="B")
    assert b_ratio.value == pytest.approx(2.0)
    whole = _find(by_district, "rate_ratio", group="black", place="all")
    assert whole.labels["geography"] == "agency"
    year = _find(by_year, "search_rate", group="white", place="2018")
    assert (year.value, year.n) == (0.1, 400)


def test_among_stop_rates__opp_eligibility_and_options(example: Store) -> None:
    with example.snapshot() as tx:
        opp = among_stop_rates(tx, AGENCY, eligibility="opp", outcomes=["search_conducted"])
        by_black = among_stop_rates(tx, AGENCY, reference="black", outcomes=["arrest_made"])
        with pytest.raises(ConfigError, match="group must be one of"):
            among_stop_rates(tx, AGENCY, group="subject_name")
        with pytest.raises(ConfigError, match="by must be"):
            among_stop_rates(tx, AGENCY, by="officer_id")
        with pytest.raises(ConfigError, match="compares subject_race"):
            among_stop_rates(tx, AGENCY, group="subject_sex", eligibility="opp")
        with pytest.raises(ConfigError, match="reference group 'hispanic' has no records"):
            among_stop_rates(tx, AGENCY, reference="hispanic")
        with pytest.raises(NotFoundError):
            among_stop_rates(tx, "zz_nobody_pd")
    assert any("vehicular stops only" in f for f in opp.filters)
    assert _find(opp, "rate_ratio", group="black", place="all").value == pytest.approx(2.0)
    assert _find(by_black, "rate_ratio", group="white").value == pytest.approx(0.5)


def test_among_stop_rates__places_without_a_district_count_agency_wide(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    extra = [(None, "black", 20, True, False, "probable cause", False, False, None)]
    load_frames(store, standard, worked_example(extra), tmp_path)
    with store.snapshot() as tx:
        result = among_stop_rates(tx, AGENCY, by="district", outcomes=["search_conducted"])
    whole = _find(result, "search_rate", group="black", place="all")
    assert (whole.n, whole.extra["events"]) == (220, 60.0)
    rates = [e for e in result.estimates if e.quantity == "search_rate"]
    assert sum(e.n or 0 for e in rates if e.labels["place"] in ("A", "B")) == 600
    assert any("20 stopped people without" in f for f in result.filters)


def test_rates_from_counts__matches_the_store_and_validates() -> None:
    counts = pl.DataFrame({"group": ["white", "black"], "events": [40, 40], "n": [400, 200]})
    result = rates_from_counts(counts)
    ratio = _find(result, "rate_ratio", group="black")
    assert ratio.interval == pytest.approx((1.3352, 2.9958), abs=5e-5)
    assert result.diagnostics["reference"] == "white"
    with pytest.raises(ConfigError, match="lacks"):
        rates_from_counts(counts.drop("n"))
    with pytest.raises(ConfigError, match="events <= n"):
        rates_from_counts(counts.with_columns(events=pl.lit(500)))


def _dataset(tx: Transaction, dataset: str) -> pl.DataFrame:
    """All of a dataset's records, typed as the standard (named columns: not the store's own)."""
    schema = {k: v.to_polars() for k, v in source.table(dataset).schema().items()}
    columns = ", ".join(f'"{c}"' for c in schema)
    return tx.frame(f'SELECT {columns} FROM "{dataset}"', schema=schema)


def test_aggregate__same_counts_on_an_ibis_polars_backend(example: Store) -> None:
    with example.snapshot() as tx:
        frames = {d: _dataset(tx, d) for d in ("stops", "stop_subjects")}
        in_store = source.run(aggregate(AGENCY, by="district"), tx)
    backend = ibis.polars.connect(frames)
    on_polars = source.run_on(aggregate(AGENCY, by="district"), backend)
    keys = ["district", "subject_race"]
    assert in_store.sort(keys).equals(on_polars.sort(keys))
    assert int(in_store["n"].sum()) == 610


def test_per_capita_rates__worked_example(example: Store) -> None:
    with example.snapshot() as tx:
        result = per_capita_rates(tx, AGENCY)
    assert result.method == "per-capita-rates"
    white = _find(result, "stops_per_1000", group="white", measure="stops")
    black = _find(result, "stops_per_1000", group="black", measure="stops")
    assert (white.value, black.value) == (pytest.approx(10.0), pytest.approx(20.0))
    assert black.extra == {"events": 200.0, "population": 10_000.0, "years": 1.0}
    assert black.interval == pytest.approx((17.3241, 22.9722), abs=5e-4)
    ratio = _find(result, "rate_ratio", group="black", measure="stops")
    se = math.sqrt(1 / 200 + 1 / 400)
    assert ratio.interval == pytest.approx(
        (2 * math.exp(-1.959964 * se), 2 * math.exp(1.959964 * se))
    )
    assert ratio.interval == pytest.approx((1.68777, 2.36999), abs=5e-5)
    # a population group never stopped has a rate of 0 with its exact upper bound
    hispanic = _find(result, "stops_per_1000", group="hispanic", measure="stops")
    assert hispanic.value == 0.0
    assert hispanic.interval == pytest.approx((0.0, 0.73778), abs=5e-5)
    arrests = _find(result, "rate_ratio", group="black", measure="stop_arrests")
    assert arrests.value == pytest.approx(4.0)
    assert result.provenance["population_source"] == "ACS 5-year B03002"
    assert result.provenance["population_vintage"] == "2018"
    assert black.labels["population_vintage"] == "2018"
    assert any(c.startswith("Residents are not the people at risk") for c in result.caveats)
    assert any(c.startswith("arrests: no records") for c in result.caveats)
    assert any("10 without" in f for f in result.filters)  # unknown race has no population
    assert result.summary == PER_CAPITA_SUMMARY


def test_per_capita_rates__refuses_without_population(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    load_frames(store, standard, worked_example(), tmp_path)
    with store.snapshot() as tx, pytest.raises(ConfigError, match="no population rows") as info:
        per_capita_rates(tx, AGENCY)
    assert "--dataset population" in str(info.value)


def test_per_capita_rates__chooses_a_vintage_and_checks_options(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    two = pl.concat([population_frame(2016), population_frame(2018)])
    load_frames(store, standard, {"population": two, **worked_example()}, tmp_path)
    with store.snapshot() as tx:
        latest = per_capita_rates(tx, AGENCY, measures=["stops"])
        older = per_capita_rates(tx, AGENCY, measures=["stops"], vintage=2016)
        with pytest.raises(ConfigError, match="no counts by sex"):
            per_capita_rates(tx, AGENCY, group="subject_sex")
        with pytest.raises(ConfigError, match="no population by location"):
            per_capita_rates(tx, AGENCY, by="location")
        with pytest.raises(ConfigError, match="per-capita rates compare"):
            per_capita_rates(tx, AGENCY, group="subject_ethnicity")
    assert latest.provenance["population_vintage"] == "2018"
    assert older.provenance["population_vintage"] == "2016"


def test_per_capita_from_counts__by_place_with_years() -> None:
    counts = pl.DataFrame(
        {
            "district": ["A", "A", "B", "B"],
            "race": ["white", "black", "white", "black"],
            "stops": [30, 60, 10, 10],
            "residents": [3000, 2000, 1000, 1000],
            "years": [2.0, 2.0, 2.0, 2.0],
        }
    )
    result = per_capita_from_counts(
        counts, group="race", events="stops", population="residents", years="years", by="district"
    )
    a = _find(result, "events_per_1000", group="black", place="A")
    assert a.value == pytest.approx(15.0)
    assert _find(result, "rate_ratio", group="black", place="A").value == pytest.approx(3.0)


def _page(name: str) -> str:
    path = Path(__file__).resolve().parents[2] / "docs" / "methods" / f"{name}.md"
    return " ".join(path.read_text(encoding="utf-8").split())


def test_the_method_pages_quote_the_tested_summaries() -> None:
    assert SUMMARY in _page("rates-and-benchmarks")
    assert PER_CAPITA_SUMMARY in _page("per-capita-rates")


def test_per_capita_rates__by_district_and_by_year(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    districts = pl.DataFrame(
        {
            "geography_type": "district",
            "geography_id": ["A", "A", "B", "B", "C"],
            "race": ["white", "black", "white", "black", "white"],
            "sex": "all",
            "age_band": "all",
            "population": [30_000, 5_000, 10_000, 5_000, 1_000],
            "source": "ACS 5-year B03002 by district",
            "vintage": 2018,
        }
    )
    both = pl.concat([population_frame(), districts], how="diagonal")
    frames = {"population": both, **worked_example()}
    load_frames(store, standard, frames, tmp_path)
    with store.snapshot() as tx:
        with pytest.raises(ConfigError, match="several population sources"):
            per_capita_rates(tx, AGENCY, by="district")
        by_district = per_capita_rates(
            tx, AGENCY, by="district", population_source="ACS 5-year B03002 by district"
        )
        by_year = per_capita_rates(tx, AGENCY, by="year", population_source="ACS 5-year B03002")
    a = _find(by_district, "stops_per_1000", group="black", measure="stops", place="A")
    assert (a.value, a.labels["geography"]) == (pytest.approx(20.0), "district")
    b = _find(by_district, "rate_ratio", group="black", measure="stops", place="B")
    assert b.value == pytest.approx(2.0)  # 100 / 5,000 against 100 / 10,000
    # a district with residents and no stops has a rate of 0
    c = _find(by_district, "stops_per_1000", group="white", measure="stops", place="C")
    assert c.value == 0.0
    # agency-wide: the districts with a population, summed
    whole = _find(by_district, "stops_per_1000", group="white", measure="stops", place="all")
    assert whole.extra["population"] == 41_000.0
    year = _find(by_year, "stops_per_1000", group="black", measure="stops", place="2018")
    assert (year.value, year.extra["years"]) == (pytest.approx(20.0), 1.0)
