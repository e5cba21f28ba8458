"""Staff pages: rendered fresh for each request, never cached, never indexed, never framed.

They use the portal's base template (skip link, landmarks, visible focus) in English; restricted
rows appear only here, so every answer says ``Cache-Control: no-store``. Routes register through
:func:`staff_route`, which records the route's action: a meta test checks that every route of the
app names an action of the permission matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, RedirectResponse

from openblotter.web.twins import environment

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["NO_STORE", "ROUTE_ACTIONS", "redirect", "render", "staff_route"]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Robots-Tag": "noindex"}

ROUTE_ACTIONS: dict[tuple[str, str], str] = {}
"""(method, path) → the permission-matrix action the route performs."""


def staff_route(
    app: FastAPI, method: str, path: str, action: str, endpoint: Callable[..., Any]
) -> None:
    """Add a staff route and record the action it performs."""
    ROUTE_ACTIONS[(method, path)] = action

    async def acting(request: Request) -> Response:
        request.state.action = action.split("|")[0]  # what a refusal here is recorded as
        result: Response = await endpoint(request)
        return result

    app.add_route(path, acting, methods=[method], include_in_schema=False)


def render(
    request: Request, template: str, page: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """A staff page from ``templates/staff/<template>``, with who is signed in."""
    who = getattr(request.state, "visitor", None)
    if who is not None and who.signed_in:
        me = {
            "user": who.session.user_name,
            "csrf": who.session.csrf_token,
            "roles": sorted({role for role, _ in who.grants}),
        }
        page = {**me, **page}
    page = {"user": "", "csrf": "", "roles": [], **page}
    html = (
        environment("en")
        .get_template(f"staff/{template}")
        .render(
            page=page,
            path=request.url.path,
            json_path=None,
            other_languages={},
            request=request,
        )
    )
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def redirect(url: str) -> RedirectResponse:
    """See other: the answer to every successful staff POST."""
    return RedirectResponse(url, status_code=303, headers=NO_STORE)
