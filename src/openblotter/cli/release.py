"""``blotter release create | list | show | verify`` and ``blotter completeness``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click
import polars as pl

from openblotter.audit import append
from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.output import format_option
from openblotter.clock import SystemClock
from openblotter.errors import IntegrityError, NotFoundError
from openblotter.ingest.agencies import AgencyFolder
from openblotter.privacy.policy import PublicationPolicy
from openblotter.publish.completeness import completeness as completeness_report
from openblotter.publish.release import (
    create_release,
    find_release,
    list_releases,
    read_agency_frames,
    verify_release,
)

if TYPE_CHECKING:
    from openblotter.publish.release import ReleaseRecord

__all__ = ["agency_publication", "completeness", "release"]


def agency_publication(
    app: AppContext, slug: str
) -> tuple[str, PublicationPolicy, list[dict[str, Any]]]:
    """The agency's name, publication policy and sources (defaults without a folder)."""
    try:
        config = AgencyFolder.find(app.settings.agencies_dir, slug).config()
    except NotFoundError:
        return slug, PublicationPolicy(), []
    policy = PublicationPolicy.parse(config.publication, where=f"{slug}/agency.yaml publication")
    return config.name, policy, config.sources


def _line(record: ReleaseRecord) -> str:
    rows = sum(record.summary.get("rows", {}).values())
    return (
        f"{record.short_id}  {record.agency_slug}  v{record.version}  {record.kind:<10}  "
        f"{record.status:<9}  {record.created_at:%Y-%m-%d %H:%M}  {rows:,} rows"
    )


@click.group()
def release() -> None:
    """Build, list, show and verify public releases."""


@release.command("create")
@click.option("--agency", "agency_slug", required=True, help="Agency slug.")
@click.option("--datasets", default=None, help="Comma-separated datasets [default: all it has].")
@click.option("--reason", default="", help="Why this release (required for --correction).")
@click.option("--correction", is_flag=True, help="This release corrects an earlier one (errata).")
@pass_app
def create(
    app: AppContext, agency_slug: str, datasets: str | None, reason: str, correction: bool
) -> None:
    """Build, leak-scan and register a release of one agency's public data."""
    name, policy, sources = agency_publication(app, agency_slug)
    store = app.store()
    record = create_release(
        store,
        app.standard,
        agency_slug=agency_slug,
        agency_name=name,
        policy=policy,
        releases_dir=app.settings.data_dir / "releases",
        clock=SystemClock(),
        datasets=[d.strip() for d in datasets.split(",")] if datasets else None,
        reason=reason,
        correction=correction,
        sources=sources,
        before_commit=lambda tx, made: append(
            tx,
            app.audit_event("cli.release.create", f"release:{made.release_id}", reason=reason),
            clock=SystemClock(),
        ),
    )
    if record.unchanged:
        click.echo(f"nothing changed since release {record.short_id} (v{record.version})")
        return
    click.echo(f"release {record.short_id} (v{record.version}) written to {record.path}")
    click.echo(f"id {record.release_id}")
    for dataset, rows in record.summary["rows"].items():
        click.echo(f"  {dataset}: {rows:,} rows")


@release.command("list")
@click.option("--agency", "agency_slug", default=None, help="Only this agency.")
@pass_app
def list_command(app: AppContext, agency_slug: str | None) -> None:
    """List releases, newest first."""
    records = list_releases(app.store(read_only=True), agency_slug)
    if not records:
        click.echo("no releases yet (blotter release create --agency SLUG)")
    for record in records:
        click.echo(_line(record))


@release.command("show")
@click.argument("release_id")
@pass_app
def show(app: AppContext, release_id: str) -> None:
    """Show a release: files, rows, suppression and its changelog entry."""
    record = find_release(app.store(read_only=True), release_id)
    folder = app.settings.data_dir / record.path
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    click.echo(_line(record))
    click.echo(f"id {record.release_id}\nfolder {folder}")
    if record.reason:
        click.echo(f"reason: {record.reason}")
    click.echo("files:")
    for name, entry in sorted(manifest["files"].items()):
        click.echo(f"  {name}  {entry['bytes']:,} bytes  sha256 {entry['sha256'][:16]}…")
    for dataset, stats in manifest["suppression"].items():
        click.echo(
            f"suppression {dataset}: k={stats['k']}, {stats['primary']} small cells, "
            f"{stats['complementary']} complementary, of {stats['cells']}"
        )


@release.command("verify")
@click.argument("release_id")
@pass_app
def verify(app: AppContext, release_id: str) -> None:
    """Re-hash every file against the manifest and validate the data package."""
    result = verify_release(
        app.store(read_only=True), app.settings.data_dir / "releases", release_id
    )
    if not result.ok:
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
        raise IntegrityError(
            f"release {result.release.short_id} failed verification "
            f"({len(result.problems)} problems)"
        )
    click.echo(
        f"release {result.release.short_id}: {result.files} files verified, data package valid"
    )


@click.command()
@click.option("--agency", "agency_slug", required=True, help="Agency slug.")
@click.option("--all-fields", is_flag=True, help="Every field, not only the toolkit's.")
@format_option
@pass_app
def completeness(app: AppContext, agency_slug: str, all_fields: bool, fmt: str) -> None:
    """What share of records carry each field the toolkit requires; months and gaps."""
    store = app.store(read_only=True)
    standard = app.standard
    with store.snapshot() as tx:
        frames = read_agency_frames(tx, standard, agency_slug)
    frames.pop("agencies", None)
    if not frames:
        raise NotFoundError(f"the store holds no records of agency {agency_slug!r}")
    report = completeness_report(standard, frames)
    fields = report.fields if all_fields else report.fields.filter(pl.col("toolkit") != "")
    if fmt == "json":
        payload = {
            "datasets": report.datasets.to_dicts(),
            "fields": fields.to_dicts(),
            "months_flagged": report.months.filter(pl.col("flag") != "").to_dicts(),
            "never_provided": {d: report.never_provided(d) for d in frames},
        }
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    if fmt == "csv":
        click.echo(fields.write_csv().rstrip("\n"))
        return
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=220,
        fmt_str_lengths=60,
        tbl_hide_dataframe_shape=True,
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_column_data_types=True,
    ):
        click.echo(report.datasets)
        click.echo(
            fields.select(
                "dataset",
                "field",
                "toolkit",
                "denominator",
                "records",
                "carried",
                "share",
                "known_share",
            )
        )
        flagged = report.months.filter(pl.col("flag") != "")
        if flagged.height:
            click.echo(flagged)
    for dataset in frames:
        never = report.never_provided(dataset)
        if never:
            click.echo(f"{dataset} never provides: {', '.join(never)}")
