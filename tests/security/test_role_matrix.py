"""Role by staff route, every cell (RELIABILITY E.48/API5, B.14, B.15, B.16, E.49, E.55).

For each column of the matrix (the anonymous public, a data officer, a data officer of another
agency, a supervisor, an auditor, an admin) one browser signs in through the pages and sends a
well-formed request to every staff route (``recipes``). What comes back must be what
``accounts.decide`` says for the route's action on that object:

* allowed → success (2xx, or 303 elsewhere than the sign-in page), and for an audited step
  exactly one ``succeeded`` entry naming the user, the action and the client address (B.14);
* refused, signed in → 403 and exactly one ``denied`` entry (B.15);
* refused, anonymous → 303 to the sign-in page and nothing recorded (logging out, which checks
  the CSRF token before anything else, answers 403).

Routes that take an API token only (``/staff/api/...``) answer 401 to every browser session,
and each token holder as the matrix decides. No entry already written ever changes (B.16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from openblotter.accounts import Principal, issue
from openblotter.audit import verify
from openblotter.errors import ConfigError
from tests.security.inventory import staff_actions
from tests.security.recipes import RECIPES, SIGN_IN, Call, calls
from tests.security.world import (
    COLUMNS,
    World,
    audit_rows,
    audit_size,
    entries_since,
    principals,
)
from tests.web.staff_support import AGENCY, OTHER

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


ADDRESSES = {column: f"198.51.100.{10 + i}" for i, column in enumerate(COLUMNS)}
SUCCESS = "success"
LOGIN = "303 to the sign-in page, nothing recorded"
DENIED = "403, one denied entry"
FORBIDDEN = "403, nothing recorded"
UNAUTHENTICATED = "401, nothing recorded"


def _expected(call: Call, user: str | None) -> str:
    if call.bearer:
        return UNAUTHENTICATED  # a browser's cookies never authenticate a token route
    if call.allowed(principals(user)):
        return SUCCESS
    if user is None:
        # a logout checks its CSRF token first: the anonymous refusal is on record as denied
        return DENIED if call.action == "session.logout" else LOGIN
    return DENIED


def _observed(
    world: World, call: Call, user: str | None, address: str, response: Any, size: int
) -> str:
    added = entries_since(world.store, size)
    mine = [(e["actor"], e["action"], e["outcome"], e["client"]) for e in added]
    status, location = response.status_code, response.headers.get("location", "")
    # a logout lands on the sign-in page too: that is its success (the caller checks the session)
    to_login = status == 303 and location.startswith("/staff/login")
    if to_login and not (call.action == "session.logout" and user is not None):
        return LOGIN if not added else f"303 to the sign-in page, but recorded {mine}"
    if status in (401, 403) and not added:
        return UNAUTHENTICATED if status == 401 else FORBIDDEN
    if status == 403:
        denied = [(user or "anonymous", call.action, "denied", address)]
        return DENIED if mine == denied else f"403, recorded {mine}"
    if status in (200, 201, 303):
        roles = {p.role for p in principals(user)}
        wanted = [(user, call.action, "succeeded", address)] if call.audited else []
        if mine == wanted and all(e["role"] in roles for e in added):
            return SUCCESS
        return f"{status}, but recorded {mine} (expected {wanted})"
    return f"{status} {location} {response.text[:160]!r}"


def _browser(world: World, user: str | None, address: str) -> tuple[TestClient, str]:
    if user is None:
        return world.client(address), ""
    return world.signed_in(user, address)  # every SIGN_IN step must succeed on the way


@pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)
def test_matrix__every_staff_route_has_a_recipe_or_is_a_sign_in_step(world: World) -> None:
    from openblotter.web.staff.rendering import ROUTE_ACTIONS

    routed = set(ROUTE_ACTIONS)
    assert routed >= SIGN_IN
    missing = routed - SIGN_IN - set(RECIPES)
    assert not missing, f"staff routes without a recipe in tests/security/recipes.py: {missing}"
    assert not set(RECIPES) - routed, "recipes of routes that no longer exist"
    assert {ROUTE_ACTIONS[key] for key in SIGN_IN} == {"session.login"}
    for key, call in calls(world, 1, "olivia"):
        assert call.action in staff_actions(*key), (key, call.action)


@pytest.mark.slow
@pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)
@pytest.mark.parametrize("column", list(COLUMNS))
def test_matrix__each_role_gets_what_the_permission_matrix_decides(
    world: World, column: str
) -> None:
    user, address = COLUMNS[column], ADDRESSES[column]
    browser, csrf = _browser(world, user, address)
    assert browser.get("/staff/login").status_code == 200  # anyone may start a sign-in
    before = audit_rows(world.store)
    problems = []
    for key, call in calls(world, 100 + list(COLUMNS).index(column), user):
        sender, token = _browser(world, user, address) if call.own_session else (browser, csrf)
        size = audit_size(world.store)
        response = call.send(sender, token)
        expected = _expected(call, user)
        observed = _observed(world, call, user, address, response, size)
        if observed == SUCCESS and call.own_session and user is not None:
            assert sender.get("/staff").headers.get("location") == "/staff/login", key
        if observed == SUCCESS and call.new_password and user is not None:
            world.passwords[user] = call.new_password
        if observed != expected:
            problems.append(f"{call.method} {call.url} [{call.action}]: {expected=} {observed=}")
    assert not problems, f"{column} ({user}):\n" + "\n".join(problems)
    assert audit_rows(world.store)[: len(before)] == before  # nothing already written changed
    assert verify(world.store).ok


TOKEN_HOLDERS = {
    "data_officer": ("olivia", "data_officer", AGENCY),
    "data_officer of another agency": ("otto", "data_officer", OTHER),
    "supervisor": ("sam", "supervisor", AGENCY),
    "auditor": ("audrey", "auditor", None),
    "admin": ("adam", "admin", None),
}


@pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)
def test_matrix__token_routes_answer_each_token_as_the_matrix_decides(world: World) -> None:
    operator, clock = Principal.operator("tester"), world.site.clock
    bearer_calls = [call for _, call in calls(world, 500, None) if call.bearer]
    assert bearer_calls, "no token route left: drop this test"
    problems = []
    for number, call in enumerate(bearer_calls):
        for place, (column, (user, role, agency)) in enumerate(TOKEN_HOLDERS.items()):
            if agency is None:  # a deployment-wide role cannot hold a token at all
                with pytest.raises(ConfigError, match="agency role"):
                    issue(
                        world.store,
                        user,
                        agency=AGENCY,
                        role=role,
                        days=30,
                        actor=operator,
                        clock=clock,
                    )
                continue
            token = issue(
                world.store, user, agency=agency, role=role, days=30, actor=operator, clock=clock
            )
            fresh = Call(**{**call.__dict__, "file": world.fresh_csv(600 + 10 * number + place)})
            size = audit_size(world.store)
            response = fresh.send(world.client(ADDRESSES[column]), None, token=token)
            added = [
                (e["actor"], e["action"], e["outcome"]) for e in entries_since(world.store, size)
            ]
            allowed = fresh.allowed([Principal(user, role, agency, "token")])
            outcome = "succeeded" if allowed else "denied"
            wanted = (201 if allowed else 403, [(user, fresh.action, outcome)])
            if (response.status_code, added) != wanted:
                problems.append(f"{column}: {wanted=} got {(response.status_code, added)}")
        assert call.send(world.client(), None).status_code == 401  # no token at all
    assert not problems, "\n".join(problems)
