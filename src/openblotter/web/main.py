"""The app as uvicorn imports it in each worker: settings from the environment, store read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.logs import configure_logging
from openblotter.settings import Settings
from openblotter.storage import open_store
from openblotter.web.app import create_app
from openblotter.web.portal import Portal

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["app_from_environment", "run_server"]


def app_from_environment() -> FastAPI:
    """The portal over the store the ``BLOTTER_*`` environment names, opened read-only."""
    settings = Settings()
    configure_logging(settings.log_level)
    store = open_store(settings, read_only=True)
    return create_app(
        Portal(store, settings.data_dir),
        rate=settings.rate_limit_per_second,
        burst=settings.rate_limit_burst,
    )


def run_server(*, host: str, port: int, workers: int) -> None:
    """Run uvicorn with ``workers`` processes, each building the app from the environment."""
    import uvicorn

    uvicorn.run(
        "openblotter.web.main:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        server_header=False,
        proxy_headers=False,
    )
