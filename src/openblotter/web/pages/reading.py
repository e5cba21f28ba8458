"""The plain-language page ``/how-to-read``: how to read the portal's numbers, and their limits.

Counts and rates, intervals, withheld small counts, benchmarks and what they cannot tell, and why
a disparity is not by itself proof of discrimination — in English and Spanish. The text lives in
the template (each paragraph a catalog message); the page model is its table of contents.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = ["SECTIONS", "reading_page", "register"]


def _(message: str) -> str:
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


SECTIONS = (
    ("counts", _("Counts and rates")),
    ("intervals", _("Intervals: how sure a number is")),
    ("withheld", _("Withheld small counts")),
    ("benchmarks", _("Benchmarks and their limits")),
    ("disparity", _("A disparity is not proof")),
    ("completeness", _("What the data leave out")),
    ("checking", _("Checking a number yourself")),
)
"""The page's sections: anchor and heading (a catalog message)."""


@cache
def _model(lang: Language) -> dict[str, Any]:
    return {
        "title": lang.gettext("How to read these numbers"),
        "sections": [{"id": a, "heading": lang.gettext(h)} for a, h in SECTIONS],
        "headings": {a: lang.gettext(h) for a, h in SECTIONS},
    }


def reading_page(_request: Request, _portal: Portal, lang: Language) -> dict[str, Any]:
    """The page's title and table of contents."""
    return dict(_model(lang))


def register(app: FastAPI) -> None:
    """Add the page."""
    add_page(app, "/how-to-read", "how_to_read.html", reading_page, name="how-to-read")
