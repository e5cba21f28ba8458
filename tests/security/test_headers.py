"""Staff answers carry the strict headers and are never cached; cookies are locked down (F.57).

Every staff page (as each account that may see it, and as the public, who is sent to the
sign-in page), every answer of the sign-in (the page, a refused password, an accepted one, the
code page, a refused and an accepted code) and a logout: HSTS of at least a year, a CSP with
``object-src 'none'``, ``base-uri 'none'`` and ``frame-ancestors``, ``nosniff``, a referrer
policy and ``Cache-Control: no-store``. The same holds for refusals and errors under /staff. Every
session and sign-in cookie is ``Secure``, ``HttpOnly`` and ``SameSite=Strict`` — also when it is
cleared. The public side's headers are tests/web/test_security.py's.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from openblotter.accounts.totp import code_at
from tests.security.recipes import RECIPES, SIGN_IN
from tests.security.world import COLUMNS, World, csrf_of, principals
from tests.web.staff_support import AGENCY, PASSWORD

pytestmark = pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)

ONE_YEAR = 31_536_000
STAFF_COOKIES = ("blotter_session", "blotter_login_csrf")


def header_problems(response: Any) -> list[str]:
    """What the response lacks of the staff side's headers (empty: nothing)."""
    headers = response.headers
    problems = []
    hsts = re.search(r"max-age=(\d+)", headers.get("strict-transport-security", ""))
    if hsts is None or int(hsts.group(1)) < ONE_YEAR:
        problems.append("HSTS of at least a year")
    csp = headers.get("content-security-policy", "")
    problems += [
        f"CSP {d}"
        for d in ("object-src 'none'", "base-uri 'none'", "frame-ancestors")
        if d not in csp
    ]
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("nosniff")
    if not headers.get("referrer-policy"):
        problems.append("Referrer-Policy")
    if "no-store" not in headers.get("cache-control", ""):
        problems.append("Cache-Control: no-store")
    return problems


def _sign_in_answers(world: World) -> list[tuple[str, Any]]:
    """Every answer of one sign-in, with a refused password and a refused code on the way."""
    site, browser = world.site, world.client()
    answers = [("GET /staff/login", browser.get("/staff/login"))]
    token = csrf_of(answers[-1][1])
    wrong = {"csrf": token, "user_name": "olivia", "password": "not the password"}
    answers.append(("POST /staff/login (refused)", browser.post("/staff/login", data=wrong)))
    right = {**wrong, "password": PASSWORD}
    answers.append(("POST /staff/login", browser.post("/staff/login", data=right)))
    answers.append(("GET /staff/login/code", browser.get("/staff/login/code")))
    csrf = csrf_of(answers[-1][1])
    site.tick()
    code = code_at(site.secrets["olivia"], site.clock.now())
    answers.append(
        (
            "POST /staff/login/code",
            browser.post("/staff/login/code", data={"csrf": csrf, "code": code}),
        )
    )
    assert [r.status_code for _, r in answers] == [200, 401, 303, 200, 303]
    return answers


def _refused_code(world: World) -> tuple[str, Any]:
    browser = world.client()
    token = csrf_of(browser.get("/staff/login"))
    browser.post("/staff/login", data={"csrf": token, "user_name": "sam", "password": PASSWORD})
    csrf = csrf_of(browser.get("/staff/login/code"))
    refused = browser.post("/staff/login/code", data={"csrf": csrf, "code": "000000"})
    assert refused.status_code == 401
    return "POST /staff/login/code (refused)", refused


def test_headers__every_staff_page_and_sign_in_answer(world: World) -> None:
    answers = [*_sign_in_answers(world), _refused_code(world)]
    anonymous = world.client()
    pages = [key for key in RECIPES if key[0] == "GET" and key not in SIGN_IN]
    for user in COLUMNS.values():
        browser = world.signed_in(user)[0] if user is not None else anonymous
        for key in pages:
            for call in RECIPES[key](world, 1, user):
                if user is None or call.allowed(principals(user)):
                    response = call.send(browser, None)
                    assert response.status_code in (200, 303), (user, key)
                    answers.append((f"{user} GET {call.url}", response))
    olivia, csrf = world.signed_in("olivia")
    answers.append(("POST /staff/logout", olivia.post("/staff/logout", data={"csrf": csrf})))
    assert len(answers) > 30
    problems = {name: header_problems(response) for name, response in answers}
    assert not {name: p for name, p in problems.items() if p}


def test_headers__refusals_and_errors_under_staff_are_not_cached_either(world: World) -> None:
    olivia, csrf = world.signed_in("olivia")
    big = b"a,b\n" + b"1,2\n" * (world.site.app.state.staff.upload_max_bytes // 4)  # type: ignore[attr-defined]
    answers = {
        "403 refused by the matrix": olivia.get("/staff/audit"),
        "403 without the CSRF token": olivia.post(f"/staff/agencies/{AGENCY}/releases", data={}),
        "404 no such batch": olivia.get("/staff/batches/999999"),
        "400 no such decision": olivia.post(
            f"/staff/releases/{world.to_approve}/explode", data={"csrf": csrf}
        ),
        "413 upload over the limit": olivia.post(
            f"/staff/agencies/{AGENCY}/upload",
            data={"csrf": csrf, "mapping": "stops_synthetic"},
            files={"file": ("big.csv", big, "text/csv")},
        ),
        "401 token route without a token": olivia.post(f"/staff/api/agencies/{AGENCY}/ingest"),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {name: int(name[:3]) for name in answers}
    problems = {name: header_problems(response) for name, response in answers.items()}
    assert not {name: p for name, p in problems.items() if p}


def _cookies(response: Any) -> list[tuple[str, str, dict[str, str]]]:
    """(name, value, attributes) of every Set-Cookie of a staff cookie in the response."""
    found = []
    for header in response.headers.get_list("set-cookie"):
        first, *rest = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        attributes = {k.lower(): v for k, _, v in (a.partition("=") for a in rest)}
        if name in STAFF_COOKIES:
            found.append((name, value.strip('"'), attributes))
    return found


def _locked_down(attributes: dict[str, str]) -> bool:
    return (
        "secure" in attributes
        and "httponly" in attributes
        and attributes.get("samesite", "").lower() == "strict"
        and attributes.get("path") == "/"
    )


def _every_cookie(world: World) -> list[tuple[str, str, dict[str, str]]]:
    answers = [r for _, r in _sign_in_answers(world)] + [_refused_code(world)[1]]
    olivia, csrf = world.signed_in("olivia")
    answers.append(olivia.post("/staff/logout", data={"csrf": csrf}))
    sam, csrf = world.signed_in("sam")
    answers.append(sam.post("/staff/account/totp", data={"csrf": csrf}))  # ends every session
    return [cookie for response in answers for cookie in _cookies(response)]


def test_cookies__every_staff_cookie_set_is_secure_httponly_and_strict(world: World) -> None:
    setting = [(name, attrs) for name, value, attrs in _every_cookie(world) if value]
    assert {name for name, _ in setting} == set(STAFF_COOKIES)
    assert [(name, attrs) for name, attrs in setting if not _locked_down(attrs)] == []


def test_cookies__clearing_a_staff_cookie_keeps_the_same_attributes(world: World) -> None:
    clearing = [(name, attrs) for name, value, attrs in _every_cookie(world) if not value]
    assert clearing, "logging out clears the session cookie"
    assert all(attrs.get("max-age") == "0" for _, attrs in clearing)
    assert [(name, attrs) for name, attrs in clearing if not _locked_down(attrs)] == []
