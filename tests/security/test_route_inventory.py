"""Every route of the app names an action (RELIABILITY E.48, OWASP API9) and none rewrites the log.

The inventory is the app itself: ``app.routes`` walked as the router sees it (page routes added
with ``add_route``, the staff routes, the ``/api/v1`` router, static files). A staff route is in
``ROUTE_ACTIONS`` with actions of the permission matrix; every other route is public, takes
GET and HEAD only, and is the matrix's ``public.read``. A route that is neither fails here, and
so does an audit action a route could use to change the log (B.16).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from starlette.responses import PlainTextResponse

from openblotter.accounts import ACTIONS, MATRIX, Principal, decide
from openblotter.storage.duckdb import DuckDBStore
from openblotter.web.app import create_app
from openblotter.web.portal import Portal
from openblotter.web.staff.rendering import ROUTE_ACTIONS
from tests.security.inventory import (
    PUBLIC_ACTION,
    READ_ONLY,
    concrete,
    endpoints,
    staff_actions,
    unmapped,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI
    from starlette.requests import Request

AUDIT_READS = {"audit.read", "audit.verify"}
"""The only audit actions a route may perform: reading entries and re-hashing them."""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    with DuckDBStore(":memory:") as store:
        yield create_app(Portal(store, tmp_path), rate=1e6, burst=10**6)  # no 429 in the sweep


def test_inventory__every_route_names_an_action_of_the_matrix(app: FastAPI) -> None:
    assert unmapped(app) == []
    found = endpoints(app)
    staff = {(m, e.path) for e in found if e.staff for m in e.methods - {"HEAD"}}
    assert staff == set(ROUTE_ACTIONS)  # no staff route outside the record, none recorded twice
    assert all(e.methods <= READ_ONLY for e in found if not e.staff)
    assert MATRIX[PUBLIC_ACTION]["public"] is not None
    assert not ACTIONS[PUBLIC_ACTION].restricted


def test_inventory__sees_every_route_of_the_openapi_document(app: FastAPI) -> None:
    paths = {re.sub(r":[a-z]+\}", "}", e.path) for e in endpoints(app)}  # as OpenAPI writes them
    documented = set(app.openapi()["paths"])
    assert documented <= paths, documented - paths
    assert any(p.startswith("/api/v1/") for p in paths)
    assert any(e.kind == "mount" for e in endpoints(app))  # static files


def test_inventory__a_route_without_an_action_fails(app: FastAPI) -> None:
    async def anything(_: Request) -> PlainTextResponse:
        return PlainTextResponse("x")

    app.add_route("/staff/backdoor", anything, methods=["POST"])
    app.add_route("/export-everything", anything, methods=["GET", "POST"])

    @app.delete("/api/v1/releases/{release}")
    async def delete_release(release: str) -> None: ...

    assert unmapped(app) == [
        "POST /staff/backdoor: a staff route without an action",
        "POST /export-everything: public, but not read-only",
        "DELETE /api/v1/releases/{release}: public, but not read-only",
    ]


def test_inventory__public_routes_refuse_every_method_but_get_and_head(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://testserver")
    public = [e for e in endpoints(app) if not e.staff]
    assert len(public) > 40
    for endpoint in public:
        url = concrete(endpoint.path)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            answer = client.request(method, url)
            assert answer.status_code == 405, (method, url, answer.status_code)


def test_inventory__no_route_can_change_the_audit_log() -> None:
    routed = {action for key in ROUTE_ACTIONS for action in staff_actions(*key)}
    audit = {action for action in routed if action.startswith("audit.")}
    assert audit <= AUDIT_READS, audit - AUDIT_READS
    assert {method for method, _ in ROUTE_ACTIONS} <= {"GET", "POST"}  # no PUT, PATCH, DELETE
    admin = Principal("adam", "admin", None, "session")
    for action in audit:  # separation of duties: an admin reads nothing of the log (E.55)
        assert not decide(admin, action).allowed
    # what the log's own writers do is never a route's action: appending happens inside the
    # action it records, and the stores refuse UPDATE/DELETE on the audit tables
    # (tests/audit/test_guard.py::test_guard__both_stores_refuse_and_the_log_is_untouched)
    assert "audit.head.publish" not in routed
