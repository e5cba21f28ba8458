"""``blotter ingest``, ``blotter batches`` and ``blotter quarantine``: loading agency files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from openblotter.audit import append
from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.output import format_option, render
from openblotter.clock import SystemClock
from openblotter.errors import NotFoundError
from openblotter.ingest.agencies import AgencyFolder, choose_mapping
from openblotter.ingest.mapping import load_mapping
from openblotter.ingest.pipeline import IngestResult, ingest_file
from openblotter.ingest.readers import file_sha256

__all__ = ["batches", "ingest", "print_result", "quarantine"]


def print_result(result: IngestResult, *, err: bool = False) -> None:
    """The end-of-run summary of one batch."""

    def echo(text: str) -> None:
        click.echo(text, err=err)

    if result.status == "duplicate":
        previous = f"batch {result.duplicate_of}"
        echo(f"{result.file}: already loaded as {previous} (same SHA-256); nothing to do")
        return
    echo(f"{result.file}: batch {result.batch_id} {result.status.upper()}")
    echo(
        f"  rows read {result.rows_read:,} = loaded {result.rows_loaded:,} + quarantined "
        f"{result.rows_quarantined:,} + junk {result.rows_junk:,}"
    )
    for rule, count in sorted(result.junk.items()):
        echo(f"    junk dropped by rule {rule}: {count:,}")
    for column, concept in sorted(result.refused_columns.items()):
        echo(f"  refused column {column!r}: {concept} is never stored")
    for dataset, outcome in result.records.items():
        merged = f", {outcome.merged:,} identical repeats merged" if outcome.merged else ""
        echo(
            f"  {dataset}: {outcome.inserted:,} new, {outcome.updated:,} changed, "
            f"{outcome.unchanged:,} unchanged{merged}"
        )
    for code, count in sorted(result.errors.items()):
        echo(f"  error   {code}: {count:,}")
    for code, count in sorted(result.warnings.items()):
        echo(f"  warning {code}: {count:,}")
    for note in result.notes:
        echo(f"  note: {note}")


class _Progress:
    """A one-line progress counter on a terminal's stderr."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0

    def __call__(self, rows: int) -> None:
        self.rows += rows
        click.echo(f"\r  {self.name}: {self.rows:,} rows read…", err=True, nl=False)

    def done(self) -> None:
        if self.rows:
            click.echo("", err=True)


@click.command()
@click.option("--agency", "agency_slug", required=True, help="Agency slug, e.g. ky_owensboro_pd.")
@click.option("--dataset", required=True, help="Dataset the files feed, e.g. stops.")
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mapping YAML to use (default: the agency's mapping that fits each file).",
)
@click.option("--force", is_flag=True, help="Load a file again even if it was loaded before.")
@click.option(
    "--reject-above",
    type=click.FloatRange(0, 1),
    default=None,
    help="Reject the whole batch when more than this share of rows is quarantined (e.g. 0.05).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON.")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_app
def ingest(
    app: AppContext,
    agency_slug: str,
    dataset: str,
    mapping_path: Path | None,
    force: bool,
    reject_above: float | None,
    as_json: bool,
    files: tuple[Path, ...],
) -> None:
    """Load agency FILES (CSV, TSV, XLSX, JSON, NDJSON, Parquet or ZIP) into the store.

    Each file is one all-or-nothing batch: rows that fail validation go to quarantine with the
    reason, junk rows are counted per rule, and a file loaded before is skipped.
    """
    std = app.standard
    std.schema(dataset)
    folder = AgencyFolder.find(app.settings.agencies_dir, agency_slug)
    agency = folder.config()
    store = app.store()
    results = []
    for path in files:
        sha256 = file_sha256(path)  # read the file once for its checksum
        if mapping_path is not None:
            mapping = load_mapping(mapping_path)
        else:
            candidates = folder.mappings(dataset)
            if not candidates:
                where = folder.path / "mappings"
                raise NotFoundError(f"agency {agency_slug} has no mapping for {dataset} in {where}")
            mapping = choose_mapping(candidates, path, sha256=sha256)
        progress = _Progress(path.name) if sys.stderr.isatty() else None

        result = ingest_file(
            store,
            std,
            path,
            mapping=mapping,
            agency_slug=agency_slug,
            agency=agency,
            clock=SystemClock(),
            force=force,
            reject_above=reject_above,
            progress=progress,
            sha256=sha256,
            before_commit=lambda tx, done, name=path.name: append(
                tx,
                app.audit_event(
                    "cli.ingest",
                    f"batch:{done.batch_id}",
                    reason=f"{name}: {done.status}, {done.rows_loaded} loaded, "
                    f"{done.rows_quarantined} quarantined",
                ),
                clock=SystemClock(),
            ),
        )
        if result.status == "duplicate":
            app.audited(
                store,
                "cli.ingest",
                f"batch:{result.duplicate_of}",
                reason=f"{path.name}: the same file was loaded before",
            )
        if progress is not None:
            progress.done()
        results.append(result)
        if not as_json:
            print_result(result)
    if as_json:
        click.echo(json.dumps([r.summary() for r in results], indent=2))


@click.command()
@click.option("--agency", "agency_slug", help="Only this agency's batches.")
@format_option
@pass_app
def batches(app: AppContext, agency_slug: str | None, fmt: str) -> None:
    """List loaded batches with their counts and status."""
    store = app.store()
    where, params = ("WHERE agency_slug = ?", [agency_slug]) if agency_slug else ("", [])
    result = store.query(
        "SELECT batch_id, agency_slug, mapping, file_name, status, rows_read, rows_loaded,"  # noqa: S608 - fixed clauses, values are parameters
        f" rows_quarantined, rows_junk, received_at FROM batches {where} ORDER BY batch_id",
        params,
    )
    click.echo(render(result, fmt))


@click.group()
def quarantine() -> None:
    """Rows that failed validation, with the reasons."""


@quarantine.command("list")
@format_option
@pass_app
def quarantine_list(app: AppContext, fmt: str) -> None:
    """Count quarantined rows and issues per batch and code."""
    result = app.store().query(
        "SELECT batch_id, code, severity, count(*) AS issues,"
        " count(DISTINCT source_row) AS rows FROM batch_issues WHERE quarantined"
        " GROUP BY batch_id, code, severity ORDER BY batch_id, issues DESC"
    )
    click.echo(render(result, fmt))


@quarantine.command("show")
@click.argument("batch_id", type=int)
@click.option("--code", help="Only issues with this code.")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows to show.")
@format_option
@pass_app
def quarantine_show(app: AppContext, batch_id: int, code: str | None, limit: int, fmt: str) -> None:
    """Show BATCH_ID's quarantined rows: source row, field, code, message and raw values."""
    store = app.store()
    if not store.query("SELECT 1 FROM batches WHERE batch_id = ?", [batch_id]).rows:
        raise NotFoundError(f"no batch {batch_id}")
    app.audited(store, "cli.quarantine.show", f"batch:{batch_id}", reason="quarantined rows")
    where = "AND i.code = ?" if code else ""
    params: list[object] = [batch_id, *([code] if code else []), limit]
    result = store.query(
        "SELECT i.source_row, i.dataset, i.field, i.code, i.message, q.raw"  # noqa: S608 - fixed clauses, values are parameters
        " FROM batch_issues AS i LEFT JOIN quarantine_rows AS q"
        " ON q.batch_id = i.batch_id AND q.source_row = i.source_row"
        f" WHERE i.batch_id = ? AND i.quarantined {where}"
        " ORDER BY i.source_row, i.dataset, i.field LIMIT ?",
        params,
    )
    click.echo(render(result, fmt))
