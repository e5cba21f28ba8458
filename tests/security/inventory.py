"""The app's route inventory (RELIABILITY E.48, OWASP API9): every endpoint and the action it does.

``endpoints`` walks ``app.routes`` the way the router sees them: plain routes (the page routes
registered with ``add_route`` and the staff routes), the ``/api/v1`` router however FastAPI keeps
an included router, and mounts (static files). ``unmapped`` names every endpoint that is neither
a staff route with an action of the permission matrix nor a public, read-only one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Mount, Route

from openblotter.accounts import ACTIONS, MATRIX
from openblotter.web.staff.rendering import ROUTE_ACTIONS

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from fastapi import FastAPI

READ_ONLY = frozenset({"GET", "HEAD"})
PUBLIC_ACTION = "public.read"
_PARAM = re.compile(r"\{([a-z_]+)(?::([a-z]+))?\}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One path the app answers and the methods it takes there."""

    path: str
    methods: frozenset[str]
    kind: str  # "route" or "mount"

    @property
    def staff(self) -> bool:
        """Whether the path is under /staff (the restricted side)."""
        return self.path == "/staff" or self.path.startswith("/staff/")


def _included(route: BaseRoute) -> Iterator[Endpoint]:
    router = route.original_router  # type: ignore[attr-defined]
    prefix = getattr(getattr(route, "include_context", None), "prefix", "") or ""
    yield from _walk(router.routes, prefix)


def _walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[Endpoint]:
    for route in routes:
        if isinstance(route, Route):
            yield Endpoint(prefix + route.path, frozenset(route.methods or ()), "route")
        elif isinstance(route, Mount):
            yield Endpoint(prefix + route.path + "/{path:path}", READ_ONLY, "mount")
        elif hasattr(route, "original_router"):  # FastAPI's included router (>= 0.16x)
            yield from _included(route)
        else:
            raise AssertionError(f"a kind of route this inventory does not know: {route!r}")


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every endpoint of ``app``, in routing order."""
    return list(_walk(app.routes))


def staff_actions(method: str, path: str) -> list[str]:
    """The matrix actions a staff route performs ("a|b" is either of two)."""
    return ROUTE_ACTIONS[(method, path)].split("|")


def unmapped(app: FastAPI) -> list[str]:
    """Endpoints that name no action: a staff route outside ``ROUTE_ACTIONS`` (or naming an
    action the matrix does not have), or a public route that takes more than GET and HEAD."""
    problems: list[str] = []
    if PUBLIC_ACTION not in ACTIONS or MATRIX[PUBLIC_ACTION]["public"] is None:
        problems.append(f"{PUBLIC_ACTION} is not an action the public may do")
    for endpoint in endpoints(app):
        for method in sorted(endpoint.methods - {"HEAD"}):
            key = (method, endpoint.path)
            if key in ROUTE_ACTIONS:
                unknown = [a for a in staff_actions(*key) if a not in ACTIONS or a not in MATRIX]
                if unknown:
                    problems.append(f"{method} {endpoint.path}: unknown action {unknown}")
            elif endpoint.staff:
                problems.append(f"{method} {endpoint.path}: a staff route without an action")
            elif method not in READ_ONLY:
                problems.append(f"{method} {endpoint.path}: public, but not read-only")
    return problems


def concrete(path: str) -> str:
    """A URL that the route template ``path`` matches (any value of the right shape)."""

    def value(match: re.Match[str]) -> str:
        return {"int": "1", "path": "x/y"}.get(match.group(2) or "", "x")

    return _PARAM.sub(value, path)
