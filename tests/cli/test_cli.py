"""The ``blotter`` command, run as a user runs it (a subprocess) and in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest

from openblotter.errors import PermissionDeniedError, StoreVersionError
from openblotter.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard


def blotter(
    *args: str, settings: Settings | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOTTER_")}
    if settings is not None:
        env["BLOTTER_DATA_DIR"] = str(settings.data_dir)
        if settings.database_url is not None:
            env["BLOTTER_DATABASE_URL"] = settings.database_url.get_secret_value()
    return subprocess.run(
        [sys.executable, "-m", "openblotter", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_help__lists_the_commands() -> None:
    result = blotter("--help")
    assert result.returncode == 0
    for command in ("standard", "db", "sql", "demo"):
        assert command in result.stdout


def test_standard_list__names_every_dataset(standard: Standard) -> None:
    result = blotter("standard", "list")
    assert result.returncode == 0, result.stderr
    for name in standard.datasets:
        assert name in result.stdout


def test_standard_show__prints_fields(standard: Standard) -> None:
    result = blotter("standard", "show", "stop_subjects")
    assert result.returncode == 0, result.stderr
    assert "subject_race" in result.stdout
    assert "search_basis" in result.stdout


def test_standard_show__unknown_dataset_is_one_line_and_exit_5() -> None:
    result = blotter("standard", "show", "nonsense")
    assert result.returncode == 5
    assert result.stderr.count("\n") == 1
    assert "nonsense" in result.stderr
    assert "Traceback" not in result.stderr


def test_standard_export__json_is_the_whole_standard(standard: Standard) -> None:
    result = blotter("standard", "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["version"] == standard.version
    assert [r["name"] for r in document["resources"]] == list(standard.datasets)


class _A11yParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "html":
            self.lang = dict(attrs).get("lang")


def test_standard_export__html_is_accessible(tmp_path: Path, standard: Standard) -> None:
    out = tmp_path / "dictionary.html"
    result = blotter("standard", "export", "--format", "html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    parser = _A11yParser()
    parser.feed(out.read_text(encoding="utf-8"))
    assert parser.lang == "en"
    names = [t for t, _ in parser.tags]
    assert names.count("table") == names.count("caption")
    assert names.count("h1") == 1
    assert "main" in names
    headers = [a for t, a in parser.tags if t == "th"]
    assert headers
    assert all(a.get("scope") in {"col", "row"} for a in headers)
    assert names.count("h2") >= len(standard.datasets)


def test_standard_export__markdown_lists_privacy_and_crosswalk() -> None:
    result = blotter("standard", "export", "--format", "markdown", "--dataset", "stop_subjects")
    assert result.returncode == 0, result.stderr
    assert "| `subject_race` |" in result.stdout
    assert "OPP: subject_race" in result.stdout
    assert "restricted (never published)" in result.stdout


@pytest.mark.parametrize(
    "backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_db_init_status_sql__end_to_end(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    settings = Settings(data_dir=tmp_path / "data", database_url=url)  # type: ignore[arg-type]
    status = blotter("db", "status", settings=settings)
    assert status.returncode == 0, status.stderr
    assert "not initialised" in status.stdout

    before = blotter("sql", "SELECT 1", settings=settings)
    assert before.returncode in (StoreVersionError.exit_code, 8), before.stderr
    assert "blotter db init" in before.stderr

    init = blotter("db", "init", settings=settings)
    assert init.returncode == 0, init.stderr
    assert "current" in init.stdout

    query = blotter("sql", "SELECT count(*) AS n FROM stops", "--format", "json", settings=settings)
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout) == [{"n": 0}]

    csv = blotter("sql", "SELECT 'a,b' AS x, 2 AS y", "--format", "csv", settings=settings)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines() == ["x,y", '"a,b",2']

    refused = blotter("sql", "DELETE FROM stops", settings=settings)
    assert refused.returncode == PermissionDeniedError.exit_code
    assert "read-only" in refused.stderr
    assert refused.stderr.count("\n") == 1

    migrate = blotter("db", "migrate", settings=settings)
    assert migrate.returncode == 0, migrate.stderr
    assert "nothing to migrate" in migrate.stdout


def test_debug__shows_the_traceback() -> None:
    result = blotter("--debug", "standard", "show", "nonsense")
    assert result.returncode == 5
    assert "Traceback" in result.stderr


def test_demo__initialises_and_summarises(tmp_path: Path, standard: Standard) -> None:
    settings = Settings(data_dir=tmp_path / "demo-data", database_url=None)
    result = blotter("demo", "--no-releases", "--no-analyses", settings=settings)
    assert result.returncode == 0, result.stderr
    assert f"data standard {standard.version}" in result.stdout
    assert (tmp_path / "demo-data" / "blotter.duckdb").exists()


def test_release_and_completeness__end_to_end(tmp_path: Path) -> None:
    """From a generated file to a verified release, run in a folder with its own agencies/."""
    agency = tmp_path / "agencies" / "ca_synthetic_pd"
    (agency / "mappings").mkdir(parents=True)
    (agency / "agency.yaml").write_text(
        "slug: ca_synthetic_pd\nname: Synthetic PD\nagency_type: municipal police\n"
        "publication: {min_cell: 20, lag_days: 0}\n"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return blotter("--data-dir", str(tmp_path / "data"), *args, cwd=tmp_path)

    out = tmp_path / "stops.csv"
    assert run("generate", "--dataset", "stops", "--rows", "400", "--out", str(out)).returncode == 0
    (tmp_path / "stops.mapping.yaml").rename(agency / "mappings" / "stops.yaml")
    assert run("db", "init").returncode == 0
    loaded = run("ingest", "--agency", "ca_synthetic_pd", "--dataset", "stops", str(out))
    assert loaded.returncode == 0, loaded.stderr
    created = run("release", "create", "--agency", "ca_synthetic_pd")
    assert created.returncode == 0, created.stderr
    release_id = created.stdout.split()[1]
    listed = run("release", "list")
    assert release_id in listed.stdout
    assert "v1" in listed.stdout
    shown = run("release", "show", release_id)
    assert "datapackage.json" in shown.stdout
    assert "k=20" in shown.stdout
    verified = run("release", "verify", release_id)
    assert verified.returncode == 0, verified.stderr
    assert "nothing changed" in run("release", "create", "--agency", "ca_synthetic_pd").stdout
    correction = run("release", "create", "--agency", "ca_synthetic_pd", "--correction")
    assert correction.returncode == 7
    assert "reason" in correction.stderr
    report = run("completeness", "--agency", "ca_synthetic_pd", "--format", "json")
    assert report.returncode == 0, report.stderr
    payload = json.loads(report.stdout)
    assert {r["field"] for r in payload["fields"]} >= {"subject_race", "search_conducted"}
    assert "never provides" in run("completeness", "--agency", "ca_synthetic_pd").stdout
    folder = next((tmp_path / "data" / "releases" / "ca_synthetic_pd").iterdir())
    (folder / "data" / "stops.csv").write_text("tampered")
    broken = run("release", "verify", release_id)
    assert broken.returncode == 7
    assert "stops.csv" in broken.stderr
    assert run("completeness", "--agency", "ca_nobody_pd").returncode == 5
