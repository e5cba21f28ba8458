"""``blotter generate``: synthetic agency files with known truth, and their mappings."""

from __future__ import annotations

from pathlib import Path

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.ingest.readers import file_sha256
from openblotter.testing import (
    identity_mapping_yaml,
    stops_mapping_yaml,
    write_records_csv,
    write_stops_csv,
)

__all__ = ["generate"]


@click.command()
@click.option("--dataset", required=True, help="Dataset to generate, e.g. stops.")
@click.option("--rows", type=click.IntRange(min=1), required=True, help="Number of rows.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV file to write; its mapping is written beside it (NAME.mapping.yaml).",
)
@pass_app
def generate(app: AppContext, dataset: str, rows: int, seed: int, out: Path) -> None:
    """Write a synthetic agency-style CSV with planted, known properties, and its mapping.

    Stops come in the Open Policing layout with planted search and hit-rate disparities; every
    other dataset is generated from its table schema.
    """
    std = app.standard
    std.schema(dataset)
    out.parent.mkdir(parents=True, exist_ok=True)
    if dataset == "stops":
        write_stops_csv(out, rows, seed=seed)
        mapping = stops_mapping_yaml(out.name, file_sha256(out))
    else:
        write_records_csv(out, dataset, std, rows=rows, seed=seed)
        mapping = identity_mapping_yaml(dataset, std, out.name, file_sha256(out))
    mapping_path = out.with_name(out.stem + ".mapping.yaml")
    mapping_path.write_text(mapping, encoding="utf-8")
    click.echo(f"wrote {out} ({rows:,} rows) and {mapping_path}")
