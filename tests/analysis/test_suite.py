"""The analysis suite on the store: method registry, runners, failures that say why, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from openblotter.analysis import Result
from openblotter.analysis.suite import (
    METHODS,
    Failure,
    Options,
    default_geography,
    run_method,
    run_suite,
)
from openblotter.cli.analyze_agency import COMMAND_NAMES
from openblotter.errors import ConfigError
from openblotter.schema import Standard
from openblotter.settings import Settings
from openblotter.storage import Store
from openblotter.testing.daylight import PLACES, daylight_stops
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from tests.cli.test_cli import blotter

AGENCY = SYNTHETIC_AGENCY.slug
DOCS = Path(__file__).resolve().parents[2] / "docs" / "methods"


def _frames(n: int = 3000, seed: int = 3) -> dict[str, pl.DataFrame]:
    """Stops at one place with districts, coordinates, searches and hits."""
    stops = daylight_stops(n, seed=seed, places=PLACES[:1], dark_odds_ratio=0.7)
    rng = np.random.default_rng(seed)
    ids = [f"s{i}" for i in range(n)]
    searched = rng.random(n) < 0.2
    found = [bool(f) if s else None for s, f in zip(searched, rng.random(n) < 0.3, strict=True)]
    return {
        "stops": stops.select("date", "time", "lat", "lng", "district").with_columns(
            stop_id=pl.Series(ids), type=pl.lit("vehicular")
        ),
        "stop_subjects": pl.DataFrame(
            {
                "stop_id": ids,
                "subject_seq": [1] * n,
                "subject_race": stops["subject_race"],
                "subject_age": rng.integers(16, 80, n),
                "search_conducted": searched.tolist(),
                "contraband_found": pl.Series(found, dtype=pl.Boolean),
            }
        ),
    }


@pytest.fixture
def loaded(store: Store, standard: Standard, tmp_path: Path) -> Store:
    load_frames(store, standard, _frames(), tmp_path)
    return store


def test_every_method_has_a_command_and_a_page() -> None:
    assert set(COMMAND_NAMES) == set(METHODS)
    assert len(set(COMMAND_NAMES.values())) == len(COMMAND_NAMES)
    missing = [m for m in METHODS if not (DOCS / f"{m}.md").exists()]
    assert not missing, f"methods without a page in docs/methods: {missing}"


def test_default_geography_is_the_agency_s_districts(loaded: Store) -> None:
    with loaded.snapshot() as tx:
        assert default_geography(tx, AGENCY) == "district"


def test_veil_runs_on_the_store_with_the_agency_timezone(loaded: Store) -> None:
    result = run_method(loaded, AGENCY, "veil-of-darkness")
    assert isinstance(result, Result)
    assert result.method == "veil-of-darkness"
    assert result.provenance["agency"] == AGENCY
    assert result.provenance["batches"]
    odds = next(e for e in result.estimates if e.quantity == "dark_odds_ratio")
    assert odds.interval is not None
    assert odds.interval[0] < 0.7 < odds.interval[1]


def test_unknown_method_and_agency_are_refused_clearly(loaded: Store) -> None:
    with pytest.raises(ConfigError, match="unknown method"):
        run_method(loaded, AGENCY, "astrology")
    with pytest.raises(ConfigError, match="no agency 'xx_nowhere'"):
        run_method(loaded, "xx_nowhere", "veil-of-darkness")


def test_suite_reports_a_method_without_data_as_a_failure(loaded: Store) -> None:
    results = run_suite(
        loaded,
        AGENCY,
        methods=["veil-of-darkness", "complaint-outcomes"],
        options=Options(draws=100),
    )
    assert isinstance(results[0], Result)
    failure = results[1]
    assert isinstance(failure, Failure)
    assert "no complaints" in failure.reason
    assert failure.to_dict()["method"] == "complaint-outcomes"


def test_suite_leaves_out_methods_whose_data_the_agency_lacks(loaded: Store) -> None:
    chosen = [r.method for r in run_suite(loaded, AGENCY, methods=None, options=Options(draws=60))]
    assert "complaint-outcomes" not in chosen
    assert "force-severity" not in chosen
    assert "veil-of-darkness" in chosen


def test_cli_analyze_veil_on_the_agency(
    loaded: Store, store_settings: Settings, tmp_path: Path
) -> None:
    """``blotter analyze veil --agency`` as a user runs it, on the same store (both kinds)."""
    loaded.close()  # DuckDB: one process at a time writes; the command reads
    done = blotter(
        "analyze", "veil", "--agency", AGENCY, "--format", "json", settings=store_settings
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["method"] == "veil-of-darkness"
    assert payload["provenance"]["agency"] == AGENCY
    assert any(e["quantity"] == "dark_odds_ratio" for e in payload["estimates"])
    table = blotter("analyze", "veil", "--agency", AGENCY, settings=store_settings)
    assert table.returncode == 0
    assert "dark_odds_ratio" in table.stdout
    assert "caveat:" in table.stderr
    fitted = blotter(
        "analyze",
        "threshold",
        "--agency",
        AGENCY,
        "--draws",
        "60",
        "--format",
        "json",
        settings=store_settings,
    )
    assert fitted.returncode == 0, fitted.stderr
    assert json.loads(fitted.stdout)["method"] == "threshold-test"
    missing = blotter("analyze", "complaints", "--agency", AGENCY, settings=store_settings)
    assert missing.returncode != 0
    assert "no complaints" in missing.stderr
