"""``blotter serve``: the public portal and JSON API over the store's published releases."""

from __future__ import annotations

import os

import click

from openblotter.cli.context import AppContext, pass_app

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (PostgreSQL: several; a DuckDB store is opened read-only by each).",
)
@pass_app
def serve(app: AppContext, host: str, port: int, workers: int) -> None:
    """Serve the portal (pages in English and Spanish with JSON twins) and /api/v1/."""
    from openblotter.web.main import run_server

    settings = app.settings
    os.environ["BLOTTER_DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.database_url is not None:
        os.environ["BLOTTER_DATABASE_URL"] = settings.database_url.get_secret_value()
    app.close()
    click.echo(f"OpenBlotter portal at http://{host}:{port}/ (Ctrl+C stops it)", err=True)
    run_server(host=host, port=port, workers=workers)
