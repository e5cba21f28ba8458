"""``blotter report`` through click's CliRunner (the command is registered in cli/__init__)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
import pytest
from click.testing import CliRunner

from openblotter.cli.context import AppContext
from openblotter.cli.report import report, subject_of
from openblotter.errors import ConfigError
from openblotter.storage import initialize, open_store
from openblotter.testing.daylight import daylight_stops
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.settings import Settings

AGENCY = SYNTHETIC_AGENCY.slug


@pytest.fixture
def loaded(store_settings: Settings, standard: Standard, tmp_path: Path) -> Settings:
    """A store (DuckDB and PostgreSQL) holding synthetic vehicle stops of the synthetic agency."""
    stops = daylight_stops(6_000, seed=7, dark_odds_ratio=0.8)
    ids = pl.Series("stop_id", [f"s{i:06d}" for i in range(stops.height)])
    frames = {
        "stops": stops.select("date", "time", "lat", "lng", "district")
        .with_columns(ids)
        .with_columns(type=pl.lit("vehicular")),
        "stop_subjects": stops.select("subject_race").with_columns(ids, subject_seq=pl.lit(1)),
    }
    store = open_store(store_settings)
    try:
        initialize(store, standard)
        work = tmp_path / "work"
        work.mkdir()
        load_frames(store, standard, frames, work)
        assert subject_of(store, AGENCY) == ("drivers", "driver")
    finally:
        store.close()
    return store_settings


def _run(settings: Settings, *args: str) -> tuple[int, str, BaseException | None]:
    app = AppContext(settings=settings)
    try:
        result = CliRunner().invoke(report, list(args), obj=app)
    finally:
        app.close()
    return result.exit_code, result.output, result.exception


def test_report__writes_the_page_with_results_and_failures(loaded: Settings) -> None:
    code, output, error = _run(
        loaded, "--agency", AGENCY, "--methods", "veil-of-darkness,complaint-outcomes"
    )
    assert error is None, output
    assert code == 0
    target = loaded.data_dir / "reports" / f"{AGENCY}.html"
    assert f"written to {target}" in output
    assert "(1 analyses, 1 not run)" in output
    page = target.read_text(encoding="utf-8")
    assert "Synthetic Police Department" in page
    assert "After dark, the odds that a stopped driver was Black rather than White" in page
    assert "Complaint outcomes" in page
    assert "Not run." in page
    assert 'href="docs/methods/veil-of-darkness.md"' in page


def test_report__to_standard_output_with_a_methods_url(loaded: Settings) -> None:
    code, output, error = _run(
        loaded,
        "--agency", AGENCY,
        "--methods", "complaint-outcomes",
        "--out", "-",
        "--methods-url", "https://example.org/methods/{method}/",
    )  # fmt: skip
    assert error is None, output
    assert code == 0
    assert output.startswith("<!DOCTYPE html>")
    assert 'href="https://example.org/methods/complaint-outcomes/"' in output


def test_report__unknown_agency_or_method_is_a_config_error(loaded: Settings) -> None:
    _code, _output, error = _run(loaded, "--agency", "zz_nobody")
    assert isinstance(error, ConfigError)
    _code, _output, error = _run(loaded, "--agency", AGENCY, "--methods", "astrology")
    assert isinstance(error, ConfigError)
