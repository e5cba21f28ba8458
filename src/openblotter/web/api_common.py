"""What every ``/api/v1/`` route shares: the router, its error handling, links and responses.

- :data:`router`: GET only; a request carrying a body gets 413; an explorer query that runs past
  its time limit gets 503 with ``Retry-After``; both in the shared error envelope (the app's
  handlers turn the other errors into the same envelope: 400 bad filter, 404 unknown release or
  dataset, 422 bad parameter, 429 rate limit, 500 with an incident id).
- :func:`send`: a model (or ready JSON bytes) as a response with an ``ETag`` and
  ``Cache-Control`` (a matching ``If-None-Match`` gets 304). Releases never change, so answers
  drawn from one may be cached by clients and proxies.
- :func:`link`: the :class:`~openblotter.web.api_models.ReleaseLink` every answer carries.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from starlette.requests import Request  # noqa: TC002 - FastAPI reads the annotation
from starlette.responses import JSONResponse, Response

from openblotter.web.api_models import ErrorEnvelope, ReleaseLink
from openblotter.web.explorer import Explorer, QueryTimeoutError, explorer_of

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Hashable

    from pydantic import BaseModel

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.web.portal import Portal

__all__ = [
    "PREFIX",
    "BodyTooLargeError",
    "ResponseCache",
    "envelope",
    "explorer",
    "link",
    "portal",
    "router",
    "send",
]

PREFIX = "/api/v1"
MAX_BODY = 0
"""The API is read-only (GET): any request body is refused with 413."""
CACHE_SECONDS = 300
RETRY_AFTER_TIMEOUT = 5


class BodyTooLargeError(Exception):
    """A request carried a body; the API takes none."""


def envelope(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The shared error envelope as a response."""
    body = {"error": {"status": status, "code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


class _Route(APIRoute):
    """An API route that answers the API's own refusals in the shared envelope."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The FastAPI handler, with query time-outs (503) and bodies (413) answered."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except QueryTimeoutError as exc:
                return envelope(503, exc.code, str(exc), {"Retry-After": str(RETRY_AFTER_TIMEOUT)})
            except BodyTooLargeError as exc:
                return envelope(413, "payload-too-large", str(exc))

        return guarded


async def _no_body(request: Request) -> None:
    length = request.headers.get("content-length")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    try:
        too_big = chunked or (length is not None and int(length) > MAX_BODY)
    except ValueError:
        too_big = True
    if too_big:
        raise BodyTooLargeError("the API is read-only and takes no request body")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {
        400: "A filter, sort or page the published schema does not allow.",
        404: "No such agency, release, dataset, table or file.",
        413: "The request carried a body (the API takes none).",
        422: "A parameter has the wrong type or is out of range.",
        429: "Too many requests from this client; see Retry-After.",
        500: "An unexpected error; the message carries an incident id.",
        503: "The query ran past the time limit; narrow the filters (see Retry-After).",
    }
    return {c: {"model": ErrorEnvelope, "description": words[c]} for c in codes}


ERRORS = _errors
router = APIRouter(
    prefix=PREFIX,
    route_class=_Route,
    dependencies=[Depends(_no_body)],
    responses=_errors(413, 422, 429, 500),
)


def portal(request: Request) -> Portal:
    """The app's portal."""
    found: Portal = request.app.state.portal
    return found


def explorer(request: Request) -> Explorer:
    """The app's explorer (made on first use)."""
    return explorer_of(request.app)


def release_url(release: ReleaseRecord) -> str:
    """The API URL of a release."""
    return f"{PREFIX}/releases/{release.short_id}"


def link(release: ReleaseRecord) -> ReleaseLink:
    """The release link every answer drawn from a release carries."""
    base = release_url(release)
    return ReleaseLink(
        id=release.release_id,
        short_id=release.short_id,
        agency=release.agency_slug,
        version=release.version,
        url=base,
        manifest_url=f"{base}/files/manifest.json",
    )


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def send(request: Request, payload: BaseModel | bytes, *, max_age: int = CACHE_SECONDS) -> Response:
    """``payload`` as JSON with an ETag and Cache-Control; 304 when the client has it."""
    body = payload if isinstance(payload, bytes) else payload.model_dump_json().encode()
    tag = _etag(body)
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={max_age}"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def dumps(data: Any) -> bytes:
    """Plain data as compact JSON bytes."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class ResponseCache:
    """A thread-safe LRU of finished response bodies (answers from immutable releases).

    Bounded by entries and by bytes, so visitors asking for many different answers cannot grow
    the process without limit.
    """

    def __init__(self, size: int = 1024, max_bytes: int = 64 * 2**20) -> None:
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size, self._max_bytes, self._bytes = size, max_bytes, 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """The cached body, or ``None``."""
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> bytes:
        """Cache ``body`` under ``key`` (unless it alone exceeds the byte bound); return it."""
        if len(body) > self._max_bytes:
            return body
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while len(self._items) > self._size or self._bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)
        return body
