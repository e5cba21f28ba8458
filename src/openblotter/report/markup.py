"""Building HTML and SVG markup safely: elements whose text and attribute values are escaped.

Tag and attribute names are this package's constants (checked against an XML-name pattern);
every text child and attribute value goes through :func:`markupsafe.escape`, so a label such as
``<script>`` reaches the page as inert text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["attributes", "element", "html_id", "void"]


def html_id(raw: str) -> str:
    """A valid, readable id attribute made from ``raw``."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-") or "chart"
    return cleaned if cleaned[0].isalpha() else f"c-{cleaned}"


_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9:-]*$")


def _name(name: str) -> Markup:
    """A tag or attribute name (always a constant of this module), checked before use."""
    if not _NAME.match(name):
        raise ValueError(f"not an XML name: {name!r}")
    return Markup(name)  # noqa: S704 - a checked name, never data


def attributes(attrs: dict[str, object]) -> Markup:
    """`` name="value"`` pairs, values escaped; ``None`` values are left out."""
    return Markup("").join(
        Markup(' {}="{}"').format(_name(k), v) for k, v in attrs.items() if v is not None
    )


def element(tag: str, attrs: dict[str, object] | None = None, *children: str) -> Markup:
    """``<tag attrs>children</tag>``, children escaped (``Markup`` children pass as they are)."""
    inner = Markup("").join(escape(c) for c in children)
    return Markup("<{}{}>{}</{}>").format(_name(tag), attributes(attrs or {}), inner, _name(tag))


def void(tag: str, attrs: dict[str, object]) -> Markup:
    """``<tag attrs/>`` (SVG's self-closing elements)."""
    return Markup("<{}{}/>").format(_name(tag), attributes(attrs))
