"""The command line is audited too: ingest and release entries commit with what they record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from click.testing import CliRunner

from openblotter.audit import entries, verify
from openblotter.cli import cli
from openblotter.storage import open_store
from tests.web.staff_support import AGENCY, agency_folder

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.settings import Settings

from openblotter.testing import write_stops_csv


def test_cli__ingest_quarantine_and_release_are_audit_entries(
    store_settings: Settings, tmp_path: Path
) -> None:
    csv = write_stops_csv(tmp_path / "stops.csv", 200, seed=3)
    agency_folder(tmp_path / "agencies", AGENCY, csv)
    env = {
        "BLOTTER_DATA_DIR": str(store_settings.data_dir),
        "BLOTTER_AGENCIES_DIR": str(tmp_path / "agencies"),
    }
    if store_settings.database_url is not None:
        env["BLOTTER_DATABASE_URL"] = store_settings.database_url.get_secret_value()
    runner = CliRunner(env=env)

    def run(*args: str) -> None:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run("db", "init")
    run("ingest", "--agency", AGENCY, "--dataset", "stops", str(csv))
    run("ingest", "--agency", AGENCY, "--dataset", "stops", str(csv))  # the same file again
    run("quarantine", "show", "1")
    run("release", "create", "--agency", AGENCY, "--reason", "first")
    with open_store(store_settings) as store:
        log = list(reversed(entries(store, limit=100)))
        assert [(e["action"], e["object"]) for e in log] == [
            ("cli.ingest", "batch:1"),
            ("cli.ingest", "batch:1"),
            ("cli.quarantine.show", "batch:1"),
            ("cli.release.create", log[-1]["object"]),
        ]
        assert all(str(e["actor"]).startswith("cli:") for e in log)
        assert log[1]["reason"].endswith("the same file was loaded before")
        assert log[-1]["object"].startswith("release:")
        assert verify(store).ok
