"""The public portal and JSON API: one ASGI app over the store's published releases (ADR 0006)."""

from openblotter.web.app import create_app
from openblotter.web.portal import Portal

__all__ = ["Portal", "create_app"]
