"""``blotter sql``: read-only SQL over the store for analysts."""

from __future__ import annotations

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.cli.output import format_option, render

__all__ = ["sql"]


@click.command()
@click.argument("query")
@format_option
@pass_app
def sql(app: AppContext, query: str, fmt: str) -> None:
    """Run one read-only SQL QUERY over the store; anything that writes is refused.

    Example: blotter sql "SELECT subject_race, count(*) FROM stop_subjects GROUP BY 1"
    """
    store = app.store(read_only=True)
    result = store.read_only_query(query, timeout_seconds=app.settings.sql_timeout_seconds)
    click.echo(render(result, fmt))
