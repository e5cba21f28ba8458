"""``blotter demo``: the main job on a fresh machine (``make demo``).

Creates the store, then loads every real sample file the agency mappings were tested against
(``tests/data/real``), printing per source the counts and the quarantine summary, then builds a
public release of every agency (``--no-releases`` skips it). Run it twice: the second run finds
every file already loaded and every release unchanged, and changes nothing.
"""

from __future__ import annotations

import lzma
import os
import shutil
import tempfile
from pathlib import Path

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.db import print_status
from openblotter.cli.release import agency_publication
from openblotter.clock import SystemClock
from openblotter.ingest.agencies import AgencyFolder
from openblotter.ingest.mapping import load_mapping
from openblotter.ingest.pipeline import IngestResult, ingest_file
from openblotter.publish.release import create_release
from openblotter.storage import Store, initialize, status

__all__ = ["demo"]


def _sample(samples: Path, name: str, work: Path) -> Path | None:
    """The sample file called ``name`` under ``samples`` (decompressed if stored as .xz)."""
    for found in sorted(samples.rglob(f"{name}*")):
        if found.name == name:
            return found
        if found.name == f"{name}.xz":
            target = work / name
            with lzma.open(found) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            return target
    return None


def _line(agency: str, result: IngestResult) -> str:
    if result.status == "duplicate":
        return f"  {agency:<16} {result.file[:40]:<40} already loaded (batch {result.duplicate_of})"
    issues = ", ".join(f"{c} {n:,}" for c, n in sorted(result.errors.items())) or "none"
    return (
        f"  {agency:<16} {result.file[:40]:<40} read {result.rows_read:>8,}  loaded "
        f"{result.rows_loaded:>8,}  quarantined {result.rows_quarantined:>5,}  junk "
        f"{result.rows_junk:>3,}  quarantine reasons: {issues}"
    )


@click.command()
@click.option(
    "--samples",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("tests/data/real"),
    show_default=True,
    help="Folder of the real sample files.",
)
@click.option(
    "--releases/--no-releases",
    default=True,
    show_default=True,
    help="Build a public release of every agency after loading.",
)
@click.option(
    "--analyses/--no-analyses",
    default=True,
    show_default=True,
    help="Run the analysis suite on every agency and save its publishable results.",
)
@click.option(
    "--serve/--no-serve",
    default=False,
    show_default=True,
    help="End by serving the portal at http://127.0.0.1:8000 (make demo does).",
)
@pass_app
def demo(app: AppContext, samples: Path, releases: bool, analyses: bool, serve: bool) -> None:
    """Create the store, load the bundled real agency samples, release and analyse them."""
    app.settings.data_dir.mkdir(parents=True, exist_ok=True)
    std = app.standard
    store = app.store(check_version=False)
    initialize(store, std)
    fields = sum(len(std.schema(n).fields) for n in std.datasets)
    click.echo(
        f"OpenBlotter data standard {std.version}: {len(std.datasets)} datasets, "
        f"{fields} fields, {len(std.codelists)} code lists"
    )
    click.echo(f"\nLoading the real samples in {samples} with each agency's mappings:")
    agencies = sorted(p.parent.name for p in app.settings.agencies_dir.glob("*/agency.yaml"))
    with tempfile.TemporaryDirectory(prefix="blotter-demo-") as tmp:
        for slug in agencies:
            folder = AgencyFolder.find(app.settings.agencies_dir, slug)
            config = folder.config()
            for path in sorted((folder.path / "mappings").glob("*.yaml")):
                mapping = load_mapping(path)
                for tested in mapping.tested_against:
                    sample = _sample(samples, tested.file, Path(tmp))
                    if sample is None:
                        click.echo(f"  {slug:<16} {tested.file[:40]:<40} sample not found, skipped")
                        continue
                    result = ingest_file(
                        store,
                        std,
                        sample,
                        mapping=mapping,
                        agency_slug=slug,
                        agency=config,
                        clock=SystemClock(),
                    )
                    click.echo(_line(slug, result))
    click.echo("")
    print_status(status(store, std))
    if releases:
        click.echo("\nPublic releases (de-identified, suppressed, leak-scanned):")
        for slug in agencies:
            name, policy, sources = agency_publication(app, slug)
            record = create_release(
                store,
                std,
                agency_slug=slug,
                agency_name=name,
                policy=policy,
                releases_dir=app.settings.data_dir / "releases",
                clock=SystemClock(),
                sources=sources,
            )
            rows = sum(record.summary.get("rows", {}).values())
            state = "unchanged" if record.unchanged else "written"
            click.echo(
                f"  {slug:<16} release {record.short_id} v{record.version} {state}, "
                f"{rows:,} rows in {record.path}"
            )
    if analyses:
        _analyse(app, store, agencies)
    if serve:
        from openblotter.web.main import run_server

        app.close()
        click.echo("\nServing the portal at http://127.0.0.1:8000/ (Ctrl+C stops it)")
        click.echo(
            "Staff pages at http://127.0.0.1:8000/staff/login — create an account first: "
            "`blotter user add NAME --display-name TEXT` then "
            "`blotter user grant NAME data_officer --agency SLUG`"
        )
        os.environ["BLOTTER_DATA_DIR"] = str(app.settings.data_dir.resolve())
        os.environ["BLOTTER_AGENCIES_DIR"] = str(app.settings.agencies_dir.resolve())
        if app.settings.database_url is not None:
            os.environ["BLOTTER_DATABASE_URL"] = app.settings.database_url.get_secret_value()
        run_server(host="127.0.0.1", port=8000, workers=1)
        return
    click.echo(
        "\nNext: `blotter batches`, `blotter quarantine list`, `blotter release list`, "
        "`blotter completeness --agency ky_owensboro_pd`, "
        '`blotter sql "SELECT subject_race, count(*) FROM stop_subjects GROUP BY 1"`, '
        "`blotter analyze rates --agency ct_hartford_pd`, `blotter serve`"
    )


def _analyse(app: AppContext, store: Store, agencies: list[str]) -> None:
    """Run the analysis suite on every agency and save the results for the portal."""
    from openblotter.cli.analyze_agency import run_suite_for_agency

    click.echo("\nAnalyses (saved to analyses/<agency>.json for the portal):")
    for slug in agencies:
        click.echo(f"\n  {slug}")
        run_suite_for_agency(
            app, slug, methods=None, seed=0, draws=300, save=True, fmt="table", store=store
        )
