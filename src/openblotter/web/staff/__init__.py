"""Staff pages: sign-in, upload and validation reports, releases and their approval, the audit log.

ADR 0007. Every route names its permission-matrix action (``rendering.ROUTE_ACTIONS``), checks
it with :func:`guard.authorize`, checks the CSRF token on every POST, and writes its audit entry
in the same transaction as the change it makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.web.staff import auditing, ingesting, login, releasing, token_ingest, users
from openblotter.web.staff.context import Staff

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["Staff", "register"]


def register(app: FastAPI) -> None:
    """Add every staff route (they answer 404 while the app has no ``Staff``)."""
    login.register(app)
    ingesting.register(app)
    releasing.register(app)
    token_ingest.register(app)
    auditing.register(app)
    users.register(app)
