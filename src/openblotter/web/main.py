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
    """The portal over the store the ``BLOTTER_*`` environment names.

    Public only (``BLOTTER_STAFF_PAGES=false``): the store is opened read-only. With staff
    pages it is opened for writing, and the staff side gets the standard and the folders.
    """
    settings = Settings()
    configure_logging(settings.log_level)
    store = open_store(settings, read_only=not settings.staff_pages)
    staff = None
    if settings.staff_pages:
        from openblotter.clock import SystemClock
        from openblotter.schema import load_standard
        from openblotter.storage import ensure_current
        from openblotter.web.staff import Staff

        standard = load_standard()
        ensure_current(store, standard)
        staff = Staff(
            store=store,
            clock=SystemClock(),
            standard=standard,
            data_dir=settings.data_dir,
            agencies_dir=settings.agencies_dir,
            upload_max_bytes=settings.upload_max_bytes,
            secure_cookies=settings.secure_cookies,
        )
    return create_app(
        Portal(store, settings.data_dir),
        rate=settings.rate_limit_per_second,
        burst=settings.rate_limit_burst,
        staff=staff,
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
