"""Forms need the session's CSRF token; reading pages changes nothing (RELIABILITY F.56).

Every staff POST is sent by someone the matrix allows, as a well-formed request (``recipes``),
but with no token, a forged one, or the token of another live session: each is 403 and the
store is exactly as before (no batch, release, decision, account, grant, session or audit
entry other than a refusal). Then the same request with the right token succeeds, which shows
that the token was all that stood in the way. The sign-in forms carry a double-submit token
(cookie and field) until there is a session. Every staff GET, sent by someone allowed, leaves
the store as it found it (a read is only an audit entry of the read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from openblotter.accounts.totp import code_at
from tests.security.recipes import RECIPES, SIGN_IN, Call, ordered
from tests.security.world import (
    COLUMNS,
    World,
    csrf_of,
    principals,
    snapshot,
)
from tests.web.staff_support import PASSWORD

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


SENDERS = ("olivia", "sam", "audrey", "adam", "otto")


def _allowed_calls(world: World, key: tuple[str, str]) -> list[tuple[str, Call]]:
    """Each call of the route with the first account the matrix allows to make it."""
    found: dict[str, tuple[str, Call]] = {}
    for user in SENDERS:
        for call in RECIPES[key](world, 300 + SENDERS.index(user), user):
            if call.url not in found and call.allowed(principals(user)):
                found[call.url] = (user, call)
    assert found, f"nobody may {key}: the recipe is wrong"
    return list(found.values())


def _succeeded(call: Call, response: Any) -> bool:
    location = response.headers.get("location", "")
    return response.status_code in (200, 201) or (
        response.status_code == 303
        and (location != "/staff/login" or call.action == "session.logout")
    )


@pytest.mark.slow
def test_csrf__every_staff_post_without_the_token_is_refused_and_changes_nothing(
    world: World,
) -> None:
    browsers: dict[str, tuple[TestClient, str]] = {}
    _, other_csrf = world.signed_in("adam", "192.0.2.99")  # another live session's token
    posts = [key for key in ordered(list(RECIPES)) if key[0] == "POST"]
    for key in posts:
        for user, call in _allowed_calls(world, key):
            if user not in browsers:
                browsers[user] = world.signed_in(user)
            browser, csrf = world.signed_in(user) if call.own_session else browsers[user]
            if call.bearer:  # token routes ignore cookies: a signed-in browser gets nowhere
                before = snapshot(world.store)
                assert call.send(browser, csrf).status_code == 401, key
                assert snapshot(world.store) == before, key
                continue
            for forged in (None, "", "forged-" + csrf[7:], other_csrf):
                before = snapshot(world.store)
                refused = call.send(browser, forged)
                text = refused.text[refused.text.find("<main") :][:300]
                assert refused.status_code == 403, (key, user, forged, text)
                assert snapshot(world.store) == before, (key, user, forged)
            done = call.send(browser, csrf)
            assert _succeeded(call, done), (key, user, done.status_code, done.text[:300])
            if call.new_password:
                world.passwords[user] = call.new_password


def test_csrf__the_sign_in_forms_need_their_token_too(world: World) -> None:
    store, site = world.store, world.site
    browser = world.client()
    token = csrf_of(browser.get("/staff/login"))
    form = {"user_name": "olivia", "password": PASSWORD}
    before = snapshot(store)
    stranger = world.client()  # no cookie: the field alone is not enough
    for sender, sent in (
        (browser, {}),
        (browser, {"csrf": "x" + token}),
        (stranger, {"csrf": token}),
    ):
        assert sender.post("/staff/login", data={**form, **sent}).status_code == 403
        assert snapshot(store) == before  # no pending session, no failure recorded
    assert browser.post("/staff/login", data={**form, "csrf": token}).status_code == 303
    code_csrf = csrf_of(browser.get("/staff/login/code"))
    site.tick()
    code = code_at(site.secrets["olivia"], site.clock.now())
    before = snapshot(store)
    for sent in ({}, {"csrf": token}, {"csrf": "forged"}):  # the login token is not the session's
        assert browser.post("/staff/login/code", data={"code": code, **sent}).status_code == 403
        assert snapshot(store) == before  # the code is not spent, the session not opened
    assert browser.get("/staff").headers["location"] == "/staff/login"
    done = browser.post("/staff/login/code", data={"code": code, "csrf": code_csrf})
    assert done.headers["location"] == "/staff"


def test_csrf__no_staff_get_changes_anything(world: World) -> None:
    gets = [key for key in ordered(list(RECIPES)) if key[0] == "GET"]
    assert len(gets) >= 5
    for user in [u for u in COLUMNS.values() if u is not None]:
        browser, _ = world.signed_in(user)
        for key in gets:
            for call in RECIPES[key](world, 1, user):
                before = snapshot(world.store)
                answer = call.send(browser, None)
                assert answer.status_code in (200, 403), (key, user, answer.status_code)
                assert answer.status_code == 200 or not call.allowed(principals(user))
                assert snapshot(world.store) == before, (key, user)
    anonymous = world.client()
    for method, path in sorted(SIGN_IN):
        if method == "GET":
            before = snapshot(world.store)
            assert anonymous.get(path).status_code in (200, 303)
            assert snapshot(world.store) == before, path
