"""``blotter mapping``: check a mapping, or draft one from a file's header."""

from __future__ import annotations

from pathlib import Path

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.ingest.mapping import load_mapping
from openblotter.ingest.scaffold import check_mapping, scaffold

__all__ = ["mapping"]


@click.group()
def mapping() -> None:
    """Mappings: an agency's columns to the standard's fields (YAML)."""


@mapping.command("check")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_app
def check(app: AppContext, files: tuple[Path, ...]) -> None:
    """Validate mapping FILES against the standard and the prohibited-attribute gate."""
    for path in files:
        notes = check_mapping(load_mapping(path), app.standard)
        click.echo(f"{path}: valid")
        for note in notes:
            click.echo(f"  note: {note}")


@mapping.command("scaffold")
@click.option("--dataset", required=True, help="Dataset the file feeds, e.g. stops.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def draft(app: AppContext, dataset: str, out: Path | None, file: Path) -> None:
    """Draft a mapping for FILE from its header and first rows."""
    text = scaffold(file, dataset, app.standard)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
