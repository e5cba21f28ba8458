"""``blotter standard``: print and export the data dictionary of the standard."""

from __future__ import annotations

from pathlib import Path

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.schema.dictionary import to_html, to_json, to_markdown

__all__ = ["standard"]


@click.group()
def standard() -> None:
    """The OpenBlotter data standard: datasets, fields, code lists."""


@standard.command("list")
@pass_app
def list_datasets(app: AppContext) -> None:
    """List every dataset with its grain and number of fields."""
    std = app.standard
    click.echo(f"OpenBlotter data standard {std.version}: {len(std.datasets)} datasets")
    width = max(len(n) for n in std.datasets)
    for name in std.datasets:
        schema = std.schema(name)
        click.echo(
            f"  {name.ljust(width)}  {len(schema.fields):3d} fields  one record per {schema.grain}"
        )


@standard.command("show")
@click.argument("dataset")
@pass_app
def show(app: AppContext, dataset: str) -> None:
    """Show the fields of one DATASET."""
    schema = app.standard.schema(dataset)
    click.echo(f"{schema.title} ({schema.name}), standard {schema.version}")
    click.echo(schema.description)
    click.echo(f"One record per {schema.grain}; key: {', '.join(schema.primary_key)}")
    click.echo("")
    width = max(len(f.name) for f in schema.fields)
    for fld in schema.fields:
        extra = f" [{fld.codelist}]" if fld.codelist else ""
        req = " required" if fld.required else ""
        click.echo(f"  {fld.name.ljust(width)}  {fld.type:<8} {fld.privacy.value:<10}{req}{extra}")
        click.echo(f"  {' ' * width}  {fld.title}")


@standard.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--dataset", "datasets", multiple=True, help="Only these datasets (repeatable).")
@pass_app
def export(app: AppContext, fmt: str, out: Path | None, datasets: tuple[str, ...]) -> None:
    """Export the data dictionary as JSON, Markdown or accessible HTML."""
    std = app.standard
    names = [std.schema(d).name for d in datasets] or None
    if fmt == "json":
        text = to_json(std)
    elif fmt == "html":
        text = to_html(std, names)
    else:
        text = to_markdown(std, names)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out} ({len(text.encode()):,} bytes)")
