"""Signing in and out: the system-use notice, password, then the TOTP code, then a session.

The login form is protected by a double-submit CSRF cookie (there is no session yet); the code
form and everything after by the session's own token. A failed step shows one message whatever
went wrong (unknown user, wrong password, locked account), so the page reveals nothing.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from openblotter.accounts import close_session, login_password, login_totp
from openblotter.errors import AuthenticationError
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    checked_form,
    clear_cookie,
    set_cookie,
    staff_of,
    visitor,
)
from openblotter.web.staff.rendering import redirect, render, staff_route

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["NOTICE", "register"]

NOTICE = (
    "This is a restricted system of the agency. Only authorised staff may use it. Every "
    "action and every view of restricted records is recorded in a tamper-evident audit log "
    "that oversight bodies can check. Unauthorised use may be unlawful."
)
"""The system-use notice shown before credentials are accepted (RELIABILITY D.47, CJIS AC-8)."""


async def login_form(request: Request) -> Response:
    """The notice and the user name and password form."""
    staff = staff_of(request)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"title": "Staff sign-in", "notice": NOTICE, "csrf": token, "error": None},
    )
    set_cookie(response, staff, LOGIN_CSRF_COOKIE, token)
    return response


async def login_submit(request: Request) -> Response:
    """Check the password; on success ask for the code."""
    staff = staff_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    form = await checked_form(request, expected=expected or "")
    try:
        pending = login_password(
            staff.store,
            str(form.get("user_name", ""))[:64],
            str(form.get("password", ""))[:256],
            client=client_of(request),
            clock=staff.clock,
        )
    except AuthenticationError as exc:
        page = {"title": "Staff sign-in", "notice": NOTICE, "csrf": expected, "error": str(exc)}
        return render(request, "login.html", page, status=401)
    response = redirect("/staff/login/code")
    set_cookie(response, staff, SESSION_COOKIE, pending)
    return response


async def code_form(request: Request) -> Response:
    """The second step: the six-digit code from the authenticator app."""
    session = visitor(request).session
    if session is None or session.stage != "password":
        return redirect("/staff/login")
    page = {"title": "Enter your code", "csrf": session.csrf_token, "error": None}
    return render(request, "code.html", page)


async def code_submit(request: Request) -> Response:
    """Check the code; on success open the session under a new token."""
    staff = staff_of(request)
    session = visitor(request).session
    if session is None or session.stage != "password":
        return redirect("/staff/login")
    form = await checked_form(request)
    try:
        full = login_totp(
            staff.store,
            request.cookies.get(SESSION_COOKIE, ""),
            str(form.get("code", ""))[:12],
            client=client_of(request),
            clock=staff.clock,
        )
    except AuthenticationError as exc:
        refused = render(
            request,
            "login.html",
            {
                "title": "Staff sign-in",
                "notice": NOTICE,
                "error": str(exc),
                "csrf": request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32),
            },
            status=401,
        )
        clear_cookie(refused, staff, SESSION_COOKIE)
        return refused
    response = redirect("/staff")
    set_cookie(response, staff, SESSION_COOKIE, full.token)
    return response


async def logout(request: Request) -> Response:
    """End the session on the server, then forget the cookie."""
    staff = staff_of(request)
    await checked_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(staff.store, token, clock=staff.clock, client=client_of(request))
    response = redirect("/staff/login")
    clear_cookie(response, staff, SESSION_COOKIE)
    return response


def register(app: FastAPI) -> None:
    """Add the sign-in routes."""
    staff_route(app, "GET", "/staff/login", "session.login", login_form)
    staff_route(app, "POST", "/staff/login", "session.login", login_submit)
    staff_route(app, "GET", "/staff/login/code", "session.login", code_form)
    staff_route(app, "POST", "/staff/login/code", "session.login", code_submit)
    staff_route(app, "POST", "/staff/logout", "session.logout", logout)
