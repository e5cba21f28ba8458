"""Fresh re-authentication before a sensitive step (RELIABILITY D.44, ASVS 7.5.1 and 7.5.3).

Granting a role, and changing one's own password or second factor, need the password and a
TOTP code given within the last five minutes (``accounts.requires_fresh``). No extra page and no
JavaScript: when the session is not fresh as a page is drawn, the form that does the step
carries the two fields itself (``password`` and ``code``, template ``staff/reauth.html``), so one
submission confirms and acts; a fresh session's form has neither. A confirmation replaces the
session's token (ASVS 7.2.4): the answer sets the new cookie whatever the step's outcome.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from openblotter.accounts import reauthenticate, requires_fresh
from openblotter.errors import (
    AuthenticationError,
    BlotterError,
    NotFoundError,
    PermissionDeniedError,
)
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import (
    SESSION_COOKIE,
    LoginRequiredError,
    checked_form,
    set_cookie,
    staff_of,
    visitor,
)

if TYPE_CHECKING:
    from starlette.datastructures import FormData
    from starlette.requests import Request
    from starlette.responses import Response

    from openblotter.accounts import Session

__all__ = [
    "REAUTH_NEEDED",
    "confirm",
    "field",
    "keep",
    "needs_reauth",
    "posted",
    "session_of",
    "status_of",
]

REAUTH_NEEDED = (
    "This step needs your password and a current code from your authenticator app: "
    "enter both and send the form again."
)


def session_of(request: Request) -> Session:
    """The request's signed-in session, or LoginRequiredError (a redirect to the login page)."""
    who = visitor(request)
    if not who.signed_in or who.session is None:
        raise LoginRequiredError("sign in to continue")
    return who.session


async def posted(request: Request) -> FormData:
    """The form of a POST by a signed-in user, after its CSRF token matched the session's.

    Not signed in: a redirect to the login page; wrong or missing token: 403, nothing done.
    """
    session_of(request)
    return await checked_form(request)


def field(form: FormData, name: str, limit: int = 200) -> str:
    """A text field of the form (at most ``limit`` characters; '' when absent or a file)."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def needs_reauth(request: Request) -> bool:
    """Whether the session must confirm password and code before a sensitive step now."""
    session = visitor(request).session
    return session is None or requires_fresh(session, staff_of(request).clock)


def confirm(request: Request, form: FormData) -> str | None:
    """Confirm the form's password and code unless the session is fresh; the new token or None.

    Raises AuthenticationError when they are missing (nothing is recorded: no attempt was
    made) or refused (``accounts.reauthenticate`` audits it and counts it towards the lockout).
    """
    staff = staff_of(request)
    session = session_of(request)
    if not requires_fresh(session, staff.clock):
        return None
    password = field(form, "password", 256)
    code = field(form, "code", 12)
    if not password or not code.strip():
        raise AuthenticationError(REAUTH_NEEDED)
    renewed = reauthenticate(
        staff.store, session.token, password, code, clock=staff.clock, client=client_of(request)
    )
    request.state.visitor = dataclasses.replace(visitor(request), session=renewed)
    return renewed.token


def keep(response: Response, request: Request, token: str | None) -> Response:
    """Set the session cookie to ``token`` when a confirmation renewed it; return the response."""
    if token:
        set_cookie(response, staff_of(request), SESSION_COOKIE, token)
    return response


def status_of(exc: BlotterError) -> int:
    """The HTTP status a refused step answers with."""
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    return 400
