"""Method pages ``/methods/{id}``: how each statistic is computed, from ``docs/methods/<id>.md``.

The repository's method documents (question, formula, assumptions, failure modes, citations, a
worked example) are the pages every analysis links to. They are rendered with markdown-it-py in
CommonMark mode with raw HTML switched off (so a document cannot inject markup or script), tables
enabled, unsafe link schemes refused by markdown-it's own check, links to sibling ``.md`` files
turned into method pages, and code blocks made keyboard-scrollable. Only ids that name a file in
the folder are served; anything else is a 404.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt

from openblotter.errors import NotFoundError
from openblotter.web.twins import add_page

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict
    from starlette.requests import Request

    from openblotter.web.i18n import Language
    from openblotter.web.portal import Portal

__all__ = [
    "METHODS_DIR",
    "method_file",
    "method_ids",
    "method_page",
    "methods_page",
    "register",
    "render_markdown",
]

_INSTALLED = Path(__file__).resolve().parents[1] / "methods_docs"
METHODS_DIR = (
    _INSTALLED if _INSTALLED.is_dir() else Path(__file__).resolve().parents[4] / "docs" / "methods"
)
"""Where the method documents live: the repository's ``docs/methods`` (an installed wheel carries
a copy as ``openblotter/web/methods_docs``)."""
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SIBLING = re.compile(r"^(?:\./)?([a-z0-9][a-z0-9-]*)\.md(#[A-Za-z0-9_-]*)?$")


def method_ids(folder: Path = METHODS_DIR) -> list[str]:
    """The ids of the method documents in ``folder`` (re-read when the folder changes)."""
    if not folder.is_dir():
        return []
    return list(_ids(folder, folder.stat().st_mtime_ns))


@lru_cache(maxsize=8)
def _ids(folder: Path, _mtime: int) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in folder.glob("*.md") if _ID.match(p.stem)))


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    sibling = _SIBLING.match(href)
    if sibling:
        token.attrSet(
            "href", f"{env.get('prefix', '')}/methods/{sibling.group(1)}{sibling.group(2) or ''}"
        )
    return self.renderToken(tokens, idx, options, env)


def _code(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    if tokens[idx].type == "fence":
        html = self.fence(tokens, idx, options, env)
    else:
        html = self.code_block(tokens, idx, options, env)
    return html.replace("<pre>", '<pre tabindex="0">', 1)


def _header_cell(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("scope", "col")
    return self.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


_MD = _parser()
_MD.add_render_rule("link_open", _link_open)
_MD.add_render_rule("fence", _code)
_MD.add_render_rule("code_block", _code)
_MD.add_render_rule("th_open", _header_cell)


def render_markdown(text: str, *, prefix: str = "", shift: int = 0) -> str:
    """``text`` (Markdown) as safe HTML: no raw HTML, safe links, sibling documents linked.

    ``shift`` lowers every heading by that many levels (2: ``#`` becomes ``<h3>``), for text
    shown under a page's own headings.
    """
    env: dict[str, Any] = {"prefix": prefix}
    tokens = _MD.parse(text, env)
    if shift:
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(6, int(token.tag[1:]) + shift)}"
    return str(_MD.renderer.render(tokens, _MD.options, env))


@lru_cache(maxsize=64)
def _document(path: Path, _mtime: int, prefix: str) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    return heading or path.stem, render_markdown(text, prefix=prefix)


def method_page(_request: Request, _portal: Portal, lang: Language, method: str) -> dict[str, Any]:
    """The method document ``method`` rendered, or NotFoundError."""
    if method not in method_ids():
        raise NotFoundError(f"no method page {method!r}")
    path = METHODS_DIR / method_file(method)
    title, html = _document(path, path.stat().st_mtime_ns, lang.prefix)
    return {
        "title": title,
        "id": method,
        "html": html,
        "source": f"docs/methods/{method}.md",
        "language": "en",
    }


def methods_page(_request: Request, _portal: Portal, lang: Language) -> dict[str, Any]:
    """Every method page, by title."""
    items = []
    for method in method_ids():
        path = METHODS_DIR / method_file(method)
        title, _html = _document(path, path.stat().st_mtime_ns, lang.prefix)
        items.append({"id": method, "title": title, "url": f"{lang.prefix}/methods/{method}"})
    return {"title": lang.gettext("Methods"), "methods": sorted(items, key=lambda m: m["title"])}


def method_file(method: str) -> str:
    """The file name of a method's document."""
    return f"{method}.md"


def register(app: FastAPI) -> None:
    """Add the method pages and their index."""
    add_page(app, "/methods", "methods.html", methods_page, name="methods")
    add_page(app, "/methods/{method:name}", "method.html", method_page, name="method")
