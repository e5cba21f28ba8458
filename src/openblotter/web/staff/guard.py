"""Who is asking, and may they: sessions from the cookie, the permission matrix, CSRF.

Every staff route calls :func:`authorize` with its action (the same names as the permission
matrix, ``accounts.permissions.ACTIONS``). Not signed in → a redirect to the login page; signed
in but not allowed → 403, and the refusal is an audit entry (RELIABILITY B.15). A user may hold
several grants (data officer of one agency, supervisor of another): the request is allowed when
one of them allows it, and it acts in that role. Every form carries the session's CSRF token
(synchronizer pattern); a POST without the right one is refused before anything else happens.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from openblotter.accounts import Principal, decide, lookup_session
from openblotter.audit import AuditEvent, Outcome, record
from openblotter.errors import BlotterError, PermissionDeniedError
from openblotter.web.staff.context import Staff, client_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.datastructures import FormData
    from starlette.requests import Request
    from starlette.responses import Response

    from openblotter.accounts import Session

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "LoginRequiredError",
    "Visitor",
    "authorize",
    "checked_form",
    "clear_cookie",
    "refuse",
    "set_cookie",
    "staff_of",
    "visitor",
]

SESSION_COOKIE = "blotter_session"
LOGIN_CSRF_COOKIE = "blotter_login_csrf"
_FORM_LIMITS = {"max_files": 1, "max_fields": 50}


class LoginRequiredError(BlotterError):
    """The page needs a signed-in staff member (answered with a redirect to the login page)."""

    exit_code = 6
    code = "login-required"


def staff_of(request: Request) -> Staff:
    """The app's staff dependencies (404 when the app serves the public side only)."""
    staff: Staff | None = getattr(request.app.state, "staff", None)
    if staff is None:
        from openblotter.errors import NotFoundError

        raise NotFoundError("this server publishes only: staff pages are switched off")
    return staff


@dataclass(frozen=True, slots=True)
class Visitor:
    """The session behind a request (None when nobody is signed in) and the user's grants."""

    session: Session | None
    grants: tuple[tuple[str, str], ...] = ()

    @property
    def signed_in(self) -> bool:
        """Whether both factors were given."""
        return self.session is not None and self.session.stage == "active"

    def principals(self) -> list[Principal]:
        """One principal per grant of the signed-in user."""
        if self.session is None or not self.signed_in:
            return []
        return [
            Principal(user=self.session.user_name, role=role, agency=agency or None, via="session")
            for role, agency in self.grants
        ]


def visitor(request: Request) -> Visitor:
    """The visitor of this request, looked up once and kept on the request."""
    found: Visitor | None = getattr(request.state, "visitor", None)
    if found is not None:
        return found
    staff = staff_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    session = lookup_session(staff.store, token, clock=staff.clock) if token else None
    grants: tuple[tuple[str, str], ...] = ()
    if session is not None and session.stage == "active":
        grants = tuple((role, agency or "") for role, agency in session.grants)
    found = Visitor(session=session, grants=grants)
    request.state.visitor = found
    return found


def authorize(
    request: Request,
    action: str,
    *,
    agency: str | None = None,
    state: Mapping[str, object] | None = None,
    target: str = "",
) -> Principal:
    """The principal allowed to do ``action``, or raise (redirect to login, or 403 audited)."""
    staff = staff_of(request)
    who = visitor(request)
    if not who.signed_in or who.session is None:
        raise LoginRequiredError("sign in to continue")
    reasons: list[str] = []
    for principal in who.principals():
        decision = decide(principal, action, agency=agency, state=state)
        if decision.allowed:
            return principal
        reasons.append(decision.reason)
    reason = reasons[0] if reasons else "the account holds no role"
    record(
        staff.store,
        AuditEvent(
            actor=who.session.user_name,
            role=",".join(role for role, _ in who.grants) or "none",
            action=action,
            object=target or (f"agency:{agency}" if agency else ""),
            outcome="denied",
            reason=reason,
            client=client_of(request),
        ),
        clock=staff.clock,
    )
    raise PermissionDeniedError(reason)


async def checked_form(request: Request, expected: str | None = None) -> FormData:
    """The POSTed form, after its CSRF token matched the session's (or ``expected``)."""
    form = await request.form(**_FORM_LIMITS)
    if expected is None:
        session = visitor(request).session
        expected = session.csrf_token if session is not None else None
    sent = form.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        await form.close()  # spooled upload files go now, not at garbage collection
        refuse(request, "the form is out of date or was not sent by this site (CSRF token)")
    return form


def refuse(request: Request, reason: str, *, outcome: Outcome = "denied") -> NoReturn:
    """Record a refusal that comes before the permission check (ASVS 16.3.4), then raise it.

    The entry names the route's own action, the signed-in user if any, and the address.
    """
    staff = staff_of(request)
    session = visitor(request).session
    who = visitor(request)
    action = getattr(request.state, "action", "public.read")
    record(
        staff.store,
        AuditEvent(
            actor=session.user_name if who.signed_in and session is not None else "anonymous",
            role=",".join(role for role, _ in who.grants) or "public",
            action=action,
            object=request.url.path[:200],
            outcome=outcome,
            reason=reason,
            client=client_of(request),
        ),
        clock=staff.clock,
    )
    raise PermissionDeniedError(reason)


def clear_cookie(response: Response, staff: Staff, name: str) -> None:
    """Tell the browser to forget a staff cookie, with the same flags it was set with."""
    response.delete_cookie(
        name, path="/", secure=staff.secure_cookies, httponly=True, samesite="strict"
    )


def set_cookie(response: Response, staff: Staff, name: str, value: str, **extra: Any) -> None:
    """A cookie as staff cookies must be: HttpOnly, SameSite=Strict, Secure, whole site."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=staff.secure_cookies,
        path="/",
        **extra,
    )
