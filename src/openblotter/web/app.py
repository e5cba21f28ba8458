"""The portal's ASGI app: public pages with JSON twins, the API, static files, safety layers.

:func:`create_app` wires one :class:`~openblotter.web.portal.Portal` (the read model over the
store and its releases) into a FastAPI app. Pages are registered by the modules of
``openblotter.web.pages``; the JSON API by ``openblotter.web.api``. Errors share one envelope
(``{"error": {"status", "code", "message", "incident"}}``) on JSON routes and a plain page on
HTML routes; an unexpected exception is logged with an incident id and shown only as that id.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from openblotter.errors import (
    AuthenticationError,
    BlotterError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
)
from openblotter.web.i18n import DEFAULT, LANGUAGES, language
from openblotter.web.security import (
    SECURITY_HEADERS,
    RateLimiter,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
)
from openblotter.web.twins import environment

if TYPE_CHECKING:
    from starlette.requests import Request

    from openblotter.web.portal import Portal
    from openblotter.web.staff import Staff

__all__ = ["create_app"]

logger = logging.getLogger(__name__)
_STATIC = __import__("pathlib").Path(__file__).parent / "static"


def _is_json(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return (
        path.startswith(("/api/", "/staff/api/"))
        or path.endswith(".json")
        or ("application/json" in accept and "text/html" not in accept)
    )


def _error(
    request: Request, status: int, code: str, message: str, incident: str | None = None
) -> Response:
    headers = SECURITY_HEADERS
    if request.url.path.startswith("/staff"):  # staff answers are never cached, errors too
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    if _is_json(request):
        body: dict[str, Any] = {"status": status, "code": code, "message": message}
        if incident:
            body["incident"] = incident
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    first = request.url.path.strip("/").split("/", 1)[0]
    lang = language(first if first in LANGUAGES else DEFAULT)
    html = (
        environment(lang.code)
        .get_template("error.html")
        .render(
            page={"status": status, "code": code, "message": message, "incident": incident},
            path=request.url.path.removeprefix(lang.prefix) or "/",
            json_path=None,
            other_languages={},
            request=request,
        )
    )
    # a 500 answer is sent from outside the middleware stack: it carries the headers itself
    return HTMLResponse(html, status_code=status, headers=headers)


def _internal(request: Request, exc: Exception) -> Response:
    """A 500 with an incident id; the exception itself goes to the log only."""
    incident = secrets.token_hex(6)
    logger.error("incident %s on %s", incident, request.url.path, exc_info=exc)
    return _error(request, 500, "internal-error", "Something went wrong on our side.", incident)


def create_app(
    portal: Portal, *, rate: float = 50.0, burst: int = 200, staff: Staff | None = None
) -> FastAPI:
    """The portal app over ``portal``; ``rate``/``burst`` set the per-client request limit.

    With ``staff`` (a writable store and its folders) the staff pages work; without, they
    answer 404.
    """
    app = FastAPI(
        title="OpenBlotter API",
        version="1",
        description="Public police data published by OpenBlotter: releases, datasets, "
        "aggregates and analyses. Every number links to the release it came from.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.portal = portal
    app.state.staff = staff

    from openblotter.web.staff.guard import LoginRequiredError

    @app.exception_handler(LoginRequiredError)
    async def login_first(request: Request, exc: LoginRequiredError) -> Response:
        if _is_json(request):
            return _error(request, 401, exc.code, str(exc))
        return RedirectResponse(
            "/staff/login", status_code=303, headers={"Cache-Control": "no-store"}
        )

    @app.exception_handler(AuthenticationError)
    async def unauthenticated(request: Request, exc: AuthenticationError) -> Response:
        return _error(request, 401, exc.code, str(exc))

    @app.exception_handler(PermissionDeniedError)
    async def forbidden(request: Request, exc: PermissionDeniedError) -> Response:
        return _error(request, 403, exc.code, str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, "not-found", str(exc))

    @app.exception_handler(BlotterError)
    async def refused(request: Request, exc: BlotterError) -> Response:
        return _error(request, 400, exc.code, str(exc))

    @app.exception_handler(StorageError)
    async def store_failed(request: Request, exc: StorageError) -> Response:
        # the store's message can name tables, the host or the role: it goes to the log only
        return _internal(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _error(request, 422, "invalid-request", problems or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return _error(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        return _internal(request, exc)

    from openblotter.web import api, pages
    from openblotter.web import staff as staff_pages
    from openblotter.web.staff.uploads import UploadLimitMiddleware

    pages.register(app)
    staff_pages.register(app)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.add_middleware(RateLimitMiddleware, limiter=RateLimiter(rate, burst), exempt=("/static/",))
    limit = staff.upload_max_bytes if staff is not None else 1 << 20
    app.add_middleware(UploadLimitMiddleware, limit=limit, prefixes=("/staff/",))
    app.add_middleware(SecurityHeadersMiddleware)
    return app
