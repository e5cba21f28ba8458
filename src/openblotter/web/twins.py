"""Pages and their JSON twins: one page model, rendered as HTML or returned as JSON.

:func:`add_page` registers a page under four paths — ``/path``, ``/path.json``, ``/es/path`` and
``/es/path.json`` — with one *builder* ``(request, portal, language, **path_params) -> dict``.
The HTML response renders the model through a Jinja2 template (autoescaped, translated with the
page's language); the JSON twin returns the model itself, also for ``Accept: application/json``.
Both carry an ``ETag`` of the model and ``Cache-Control``; a matching ``If-None-Match`` gets 304.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.responses import Response

from openblotter.web.i18n import DEFAULT, LANGUAGES, Language, language

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.requests import Request

    from openblotter.web.portal import Portal

__all__ = ["add_page", "environment", "render_page"]

_TEMPLATES = Path(__file__).parent / "templates"
_CACHE_SECONDS = 60


class _PageCache:
    """Rendered pages by (path, query, JSON or not, portal state); least recently used go."""

    def __init__(self, size: int, max_bytes: int) -> None:
        self._size, self._max_bytes = size, max_bytes
        self._items: OrderedDict[tuple[object, ...], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: tuple[bytes, str]) -> None:
        if len(value[0]) > self._max_bytes:
            return
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_PAGES = _PageCache(size=256, max_bytes=1_000_000)


@cache
def environment(code: str) -> jinja2.Environment:
    """The Jinja2 environment of one language (autoescape on, gettext installed)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    lang = language(code)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lang.gettext, lang.ngettext, newstyle=True
    )
    env.globals["lang"] = lang
    env.globals["languages"] = LANGUAGES
    return env


def _wants_json(request: Request, *, suffix_json: bool) -> bool:
    if suffix_json:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _etag(payload: bytes) -> str:
    return '"' + hashlib.blake2b(payload, digest_size=12).hexdigest() + '"'


def _respond(request: Request, body: bytes, media_type: str) -> Response:
    tag = _etag(body)
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={_CACHE_SECONDS}", "Vary": "Accept"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def render_page(
    request: Request, lang: Language, template: str, model: dict[str, Any], path: str
) -> str:
    """The HTML of a page: the template with the model, the language and its twin links."""
    other = {
        code: ("" if code == DEFAULT else f"/{code}") + path
        for code in LANGUAGES
        if code != lang.code
    }
    return (
        environment(lang.code)
        .get_template(template)
        .render(
            page=model,
            path=path,
            json_path=f"{lang.prefix}{path.rstrip('/') or '/index'}.json",
            other_languages=other,
            request=request,
        )
    )


def add_page(
    app: FastAPI,
    path: str,
    template: str,
    builder: Callable[..., dict[str, Any]],
    *,
    name: str,
) -> None:
    """Register a page and its JSON twin in every language (see the module docstring)."""
    json_path = "/index.json" if path == "/" else f"{path}.json"

    def endpoint(code: str, *, suffix_json: bool) -> Callable[..., Any]:
        lang = language(code)

        async def handle(request: Request) -> Response:
            portal: Portal = request.app.state.portal
            as_json = _wants_json(request, suffix_json=suffix_json)
            key = (request.url.path, request.url.query, as_json, portal.state())
            cached = _PAGES.get(key)
            if cached is None:
                cached = _build(request, portal, as_json=as_json)
                _PAGES.put(key, cached)
            return _respond(request, *cached)

        def _build(request: Request, portal: Portal, *, as_json: bool) -> tuple[bytes, str]:
            model = builder(request, portal, lang, **dict(request.path_params))
            if as_json:
                body = json.dumps(model, ensure_ascii=False, default=str).encode()
                return body, "application/json"
            concrete = request.url.path.removeprefix(lang.prefix) or "/"
            html = render_page(request, lang, template, model, concrete)
            return html.encode(), "text/html; charset=utf-8"

        return handle

    for code in LANGUAGES:
        prefix = "" if code == DEFAULT else f"/{code}"
        page_path = (prefix + path) if path != "/" else (prefix or "/")
        app.add_route(
            page_path,
            endpoint(code, suffix_json=False),
            methods=["GET"],
            name=f"{name}-{code}",
            include_in_schema=False,
        )
        app.add_route(
            prefix + json_path,
            endpoint(code, suffix_json=True),
            methods=["GET"],
            name=f"{name}-{code}-json",
            include_in_schema=False,
        )
