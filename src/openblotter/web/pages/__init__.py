"""The portal's public pages; :func:`register` adds every page and its JSON twin to the app.

Path parameters that name things (agency slugs, datasets, methods, release ids) use the ``name``
convertor: letters, digits, ``_`` and ``-`` only. A dot can then never be part of a name, so
``/agencies/x/stops.json`` reaches the JSON twin rather than the HTML page of a dataset called
``stops.json``, and no name can carry a path separator or a traversal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.convertors import CONVERTOR_TYPES, StringConvertor, register_url_convertor

from openblotter.web.pages import (
    agency,
    analyses,
    dataset,
    dictionary,
    downloads,
    home,
    methods,
    reading,
    templating,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["NameConvertor", "register"]


class NameConvertor(StringConvertor):
    """A path segment made of letters, digits, ``_`` and ``-``."""

    regex = "[A-Za-z0-9_-]+"


def register(app: FastAPI) -> None:
    """Add every public page (each with its JSON twin, in every language)."""
    if "name" not in CONVERTOR_TYPES:
        register_url_convertor("name", NameConvertor())
    templating.install()
    home.register(app)
    dictionary.register(app)
    reading.register(app)
    methods.register(app)
    downloads.register(app)
    analyses.register(app)
    agency.register(app)
    dataset.register(app)
