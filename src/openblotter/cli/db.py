"""``blotter db``: create, inspect and migrate the store."""

from __future__ import annotations

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.storage import StoreStatus, initialize, migrate, status

__all__ = ["db", "print_status"]


@click.group()
def db() -> None:
    """The store: a DuckDB file, or PostgreSQL when BLOTTER_DATABASE_URL is set."""


def print_status(state: StoreStatus) -> None:
    """Print a store's status for people."""
    click.echo(f"store:     {state.label}")
    if not state.initialized:
        click.echo("status:    not initialised (run `blotter db init`)")
        return
    click.echo(f"standard:  {state.store_version} (this OpenBlotter: {state.standard_version})")
    click.echo(f"migration: {state.migration} of {state.latest_migration}")
    click.echo(f"status:    {'current' if state.current else 'needs `blotter db migrate`'}")
    for name in state.changed_datasets:
        click.echo(f"  changed table schema: {name}")
    for name in state.missing_datasets:
        click.echo(f"  missing table: {name}")
    total = sum(state.row_counts.values())
    click.echo(f"records:   {total:,}")
    width = max((len(n) for n in state.row_counts), default=0)
    for name, count in state.row_counts.items():
        click.echo(f"  {name.ljust(width)}  {count:>12,}")


@db.command("init")
@pass_app
def init(app: AppContext) -> None:
    """Create the store and every table of the standard (safe to run again)."""
    store = app.store(check_version=False)
    state = initialize(store, app.standard)
    print_status(state)


@db.command("status")
@pass_app
def show_status(app: AppContext) -> None:
    """Show the store's standard version, migrations and record counts."""
    store = app.store(check_version=False)
    print_status(status(store, app.standard))


@db.command("migrate")
@pass_app
def run_migrate(app: AppContext) -> None:
    """Bring a store made by an older standard up to this one."""
    store = app.store(check_version=False)
    done = migrate(store, app.standard)
    if not done:
        click.echo("nothing to migrate: the store is current")
    for step in done:
        click.echo(f"applied: {step}")
    print_status(status(store, app.standard))
