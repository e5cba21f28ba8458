"""``blotter analyze threshold`` through click's CliRunner (the group is registered elsewhere)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import polars as pl
import pytest
from click.testing import CliRunner

from openblotter.cli.analyze import analyze
from openblotter.errors import ConfigError, SourceUnreadableError

pytest.importorskip("numpyro", reason="the threshold test needs the analysis extra")

if TYPE_CHECKING:
    from pathlib import Path

FAST = ["--model", "discriminant", "--chains", "1", "--draws", "10", "--warmup", "10"]
COLUMNS = [
    "--location",
    "county",
    "--group",
    "race",
    "--stops",
    "n",
    "--searches",
    "s",
    "--hits",
    "h",
]


@pytest.fixture
def counts_csv(tmp_path: Path) -> Path:
    path = tmp_path / "counts.csv"
    pl.DataFrame(
        {
            "state": ["XA"] * 6,
            "county": ["a", "a", "b", "b", "c", "c"],
            "race": ["white", "black"] * 3,
            "n": [1000, 800, 1200, 500, 900, 700],
            "s": [30, 40, 25, 30, 20, 35],
            "h": [12, 10, 9, 8, 8, 9],
        }
    ).write_csv(path)
    return path


def test_analyze_threshold__table_has_one_row_per_cell_then_per_group(counts_csv: Path) -> None:
    result = CliRunner().invoke(
        analyze, ["threshold", "--counts", str(counts_csv), *COLUMNS, *FAST, "--by", "state"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:8] == [
        "state",
        "quantity",
        "location",
        "group",
        "reference",
        "estimate",
        "low",
        "high",
    ]
    assert sum(" threshold " in line for line in lines) == 6
    assert sum("weighted_threshold" in line for line in lines) == 2
    assert lines[-1] == "(9 rows)"
    assert "R-hat max" in result.stderr


def test_analyze_threshold__json_carries_rows_and_diagnostics(counts_csv: Path) -> None:
    result = CliRunner().invoke(
        analyze, ["threshold", "--counts", str(counts_csv), *COLUMNS, *FAST, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["rows"]) == 9
    assert {"rhat_max", "ess_min", "divergences", "ppc_hit_rate_rms"} <= set(payload["diagnostics"])
    cell = payload["rows"][0]
    assert {"location", "group", "estimate", "low", "high", "n"} <= set(cell)


def test_analyze_threshold__missing_column_is_a_config_error(counts_csv: Path) -> None:
    args = ["threshold", "--counts", str(counts_csv), *COLUMNS[:-1], "hits", *FAST]
    result = CliRunner().invoke(analyze, args)
    assert isinstance(result.exception, ConfigError)
    assert "missing hits column 'hits'" in str(result.exception)


def test_analyze_threshold__unreadable_file(tmp_path: Path) -> None:
    args = ["threshold", "--counts", str(tmp_path / "nope.csv"), *COLUMNS, *FAST]
    result = CliRunner().invoke(analyze, args)
    assert isinstance(result.exception, SourceUnreadableError)


def test_analyze_threshold__every_option_has_help() -> None:
    result = CliRunner().invoke(analyze, ["threshold", "--help"])
    assert result.exit_code == 0
    for option in (
        "--counts",
        "--location",
        "--group",
        "--stops",
        "--searches",
        "--hits",
        "--by",
        "--model",
        "--seed",
        "--draws",
        "--chains",
        "--format",
    ):
        assert option in result.output
