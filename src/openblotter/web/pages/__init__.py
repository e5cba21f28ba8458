"""The portal's public pages; :func:`register` adds every page and its JSON twin to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.web.pages import home

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["register"]


def register(app: FastAPI) -> None:
    """Add every public page (each with its JSON twin, in every language)."""
    home.register(app)
