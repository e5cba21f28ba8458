"""``blotter demo``: the main job on a fresh machine (``make demo``)."""

from __future__ import annotations

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.db import print_status
from openblotter.storage import initialize

__all__ = ["demo"]


@click.command()
@pass_app
def demo(app: AppContext) -> None:
    """Create the data directory and store, and summarise the standard."""
    app.settings.data_dir.mkdir(parents=True, exist_ok=True)
    std = app.standard
    store = app.store(check_version=False)
    state = initialize(store, std)
    fields = sum(len(std.schema(n).fields) for n in std.datasets)
    click.echo(
        f"OpenBlotter data standard {std.version}: {len(std.datasets)} datasets, "
        f"{fields} fields, {len(std.codelists)} code lists"
    )
    for name in std.datasets:
        schema = std.schema(name)
        click.echo(f"  {name:<20} {len(schema.fields):3d} fields  one record per {schema.grain}")
    click.echo("")
    print_status(state)
