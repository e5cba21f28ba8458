"""``blotter serve``: the public portal and JSON API over the store's published releases."""

from __future__ import annotations

import os

import click

from openblotter.cli.context import AppContext, pass_app
from openblotter.errors import ConfigError

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (PostgreSQL: several; DuckDB: several only with --public-only).",
)
@click.option(
    "--public-only",
    is_flag=True,
    help="Serve only the public portal and API; the store is opened read-only.",
)
@pass_app
def serve(app: AppContext, host: str, port: int, workers: int, public_only: bool) -> None:
    """Serve the portal (pages in English and Spanish with JSON twins), /api/v1/ and /staff."""
    from openblotter.web.main import run_server

    settings = app.settings
    staff = settings.staff_pages and not public_only
    if staff and workers > 1 and settings.database_url is None:
        raise ConfigError(
            "a DuckDB store has one writing process: serve the staff pages with --workers 1, "
            "or add --public-only, or use PostgreSQL (BLOTTER_DATABASE_URL)"
        )
    os.environ["BLOTTER_STAFF_PAGES"] = "true" if staff else "false"
    os.environ["BLOTTER_AGENCIES_DIR"] = str(settings.agencies_dir.resolve())
    os.environ["BLOTTER_DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.database_url is not None:
        os.environ["BLOTTER_DATABASE_URL"] = settings.database_url.get_secret_value()
    app.close()
    click.echo(f"OpenBlotter portal at http://{host}:{port}/ (Ctrl+C stops it)", err=True)
    if staff:
        click.echo(f"Staff sign-in at http://{host}:{port}/staff/login", err=True)
    run_server(host=host, port=port, workers=workers)
