"""Crash safety: ``kill -9`` at any point of an ingest leaves the store exactly as before
(RELIABILITY.md A.6), on DuckDB and PostgreSQL; the rerun then completes without duplicates.

Batch status lives in the same transaction as the records, so "committed data with a failed
status" (A.7) cannot happen by construction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openblotter.ingest.readers import file_sha256
from openblotter.settings import Settings
from openblotter.storage import open_store
from openblotter.testing import stops_mapping_yaml, write_stops_csv

ROWS = 150_000
AGENCY = "ca_crash_pd"


def _env(settings: Settings, agencies: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOTTER_")}
    env["BLOTTER_DATA_DIR"] = str(settings.data_dir)
    env["BLOTTER_AGENCIES_DIR"] = str(agencies)
    if settings.database_url is not None:
        env["BLOTTER_DATABASE_URL"] = settings.database_url.get_secret_value()
    return env


def _blotter(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "openblotter", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _state(settings: Settings) -> tuple[int, int, int, int]:
    with open_store(settings) as store:
        return (
            int(store.query("SELECT count(*) FROM stops").scalar()),
            int(store.query("SELECT count(*) FROM stop_subjects").scalar()),
            int(store.query("SELECT count(*) FROM batches").scalar()),
            int(
                store.query(
                    "SELECT count(*) FROM (SELECT stop_id FROM stops "
                    "GROUP BY agency_slug, stop_id HAVING count(*) > 1) AS d"
                ).scalar()
            ),
        )


@pytest.mark.slow
def test_kill_9__leaves_the_store_as_before_then_rerun_completes(
    store_settings: Settings, tmp_path: Path
) -> None:
    agencies = tmp_path / "agencies"
    (agencies / AGENCY / "mappings").mkdir(parents=True)
    (agencies / AGENCY / "agency.yaml").write_text(
        f"slug: {AGENCY}\nname: Crash PD\nstate: CA\nagency_type: municipal police\n"
        "timezone: America/Los_Angeles\n"
    )
    small = write_stops_csv(tmp_path / "small.csv", 500, seed=1)
    big = write_stops_csv(tmp_path / "big.csv", ROWS, seed=2)
    (agencies / AGENCY / "mappings" / "stops.yaml").write_text(
        stops_mapping_yaml(big.name, file_sha256(big))
    )
    env = _env(store_settings, agencies)
    ingest = ["ingest", "--agency", AGENCY, "--dataset", "stops"]
    assert _blotter(env, "db", "init").wait(timeout=120) == 0
    # records already there before the crash must survive it untouched
    assert _blotter(env, *ingest, str(small)).wait(timeout=120) == 0
    before = _state(store_settings)
    assert before == (500, 500, 1, 0)

    started = time.monotonic()
    reference = _blotter({**env, "BLOTTER_DATA_DIR": str(tmp_path / "ref")}, "db", "init")
    reference.wait(timeout=120)
    if store_settings.database_url is None:  # time a full run on a scratch DuckDB store
        started = time.monotonic()
        full = _blotter({**env, "BLOTTER_DATA_DIR": str(tmp_path / "ref")}, *ingest, str(big))
        assert full.wait(timeout=600) == 0
    duration = max(time.monotonic() - started, 2.0)

    killed_mid_run = 0
    for fraction in (0.1, 0.5, 0.9):
        process = _blotter(env, *ingest, str(big))
        time.sleep(duration * fraction)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        after = _state(store_settings)
        complete = (ROWS, ROWS, 2, 0)
        # all or nothing: a kill that lands after the commit (while the process is still
        # writing its report or exiting) leaves the whole batch, never part of one
        assert after in (before, complete), f"kill at {fraction:.0%} left part of a batch"
        if after == complete:
            break
        killed_mid_run += 1
    assert killed_mid_run >= 1, "the ingest always finished before the kill"

    rerun = _blotter(env, *ingest, str(big))
    assert rerun.wait(timeout=600) == 0
    final = _state(store_settings)
    with open_store(store_settings) as store:  # no scratch left behind by the killed batches
        assert not [t for t in store.tables() if t.startswith("_stage_")]
    # the big delivery reuses stop ids 1..500 of the small one: they are upserted, not doubled
    assert final == (ROWS, ROWS, 2, 0)
