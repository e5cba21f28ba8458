"""One's own account: change the password, enrol a new TOTP secret, issue and revoke API tokens.

Changing a factor needs a fresh re-authentication (:mod:`reauth`): the forms carry the password
and code fields whenever the session is not fresh. A new password ends every other session of
the account; a new TOTP secret ends all of them, this one included, so the next sign-in proves
the new secret works. A new secret or API token is shown once, on the answer page
(``Cache-Control: no-store``), and never again: lists show a token's id and scope only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openblotter.accounts import (
    AGENCY_ROLES,
    change_password,
    check_password_policy,
    issue,
    list_tokens,
    list_users,
    provisioning_uri,
    reset_totp,
    revoke_token,
)
from openblotter.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from openblotter.accounts.tokens import MAX_DAYS
from openblotter.errors import BlotterError, ConfigError, NotFoundError
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import (
    SESSION_COOKIE,
    LoginRequiredError,
    authorize,
    clear_cookie,
    staff_of,
)
from openblotter.web.staff.reauth import (
    confirm,
    field,
    keep,
    needs_reauth,
    posted,
    session_of,
    status_of,
)
from openblotter.web.staff.rendering import redirect, render, staff_route

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

    from openblotter.accounts import TokenRecord
    from openblotter.clock import Clock

__all__ = ["register", "secret_page", "stamp", "token_rows"]

_DONE = {
    "password": "Your password was changed; your other sessions have ended.",
    "token-revoked": "The API token was revoked.",
}
_DEFAULT_DAYS = 30


def stamp(value: object) -> str:
    """A stored time as the staff pages show it ('' for none)."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else ""


def token_rows(tokens: list[TokenRecord], clock: Clock) -> list[dict[str, str | bool]]:
    """Tokens as listed: id, scope, dates and state (never the token or its hash)."""
    now = clock.now()
    rows: list[dict[str, str | bool]] = []
    for token in tokens:
        if token.revoked_at is not None:
            state = "revoked"
        elif token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        rows.append(
            {
                "id": token.token_id,
                "role": token.role,
                "agency": token.agency,
                "created": stamp(token.created_at),
                "expires": stamp(token.expires_at),
                "state": state,
                "active": state == "active",
            }
        )
    return rows


def secret_page(
    request: Request, page: dict[str, Any], *, secret: str = "", user_name: str = ""
) -> Response:
    """The one page that shows a new TOTP secret (with its enrolment URI) or a new API token."""
    shown: dict[str, Any] = {"uri": "", "grouped": "", "token": "", "signed_out": False}
    if secret:
        shown["uri"] = provisioning_uri(secret, user_name)
        shown["grouped"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "secret.html", {**shown, **page})


def _model(request: Request, *, error: str = "", done: str = "") -> dict[str, Any]:
    staff = staff_of(request)
    me = session_of(request).user_name
    record = next((u for u in list_users(staff.store) if u.user_name == me), None)
    if record is None:  # the session outlived its account: lookup would have refused it
        raise LoginRequiredError("sign in to continue")
    return {
        "title": "Your account",
        "name": me,
        "display": record.display_name,
        "grants": [
            {"role": role, "label": agency or "all agencies"} for role, agency in record.grants
        ],
        "last_login": stamp(record.last_login_at) or "never",
        "password_changed": stamp(record.password_changed_at),
        "scopes": [
            {"value": f"{role}:{agency}", "role": role, "agency": agency}
            for role, agency in record.grants
            if role in AGENCY_ROLES and agency
        ],
        "tokens": token_rows(list_tokens(staff.store, me), staff.clock),
        "reauth": needs_reauth(request),
        "min_length": MIN_LENGTH,
        "max_length": MAX_LENGTH,
        "max_days": MAX_DAYS,
        "days": _DEFAULT_DAYS,
        "error": error,
        "done": _DONE.get(done, ""),
    }


def _refused(request: Request, exc: BlotterError, token: str | None = None) -> Response:
    page = _model(request, error=str(exc))
    return keep(render(request, "account.html", page, status=status_of(exc)), request, token)


async def account_page(request: Request) -> Response:
    """One's roles, password and second factor, and API tokens."""
    authorize(request, "staff.home", target=f"user:{session_of(request).user_name}")
    return render(
        request, "account.html", _model(request, done=request.query_params.get("done", ""))
    )


async def password(request: Request) -> Response:
    """Set a new password (fresh re-authentication); every other session ends."""
    staff = staff_of(request)
    form = await posted(request)
    me = session_of(request).user_name
    principal = authorize(
        request, "user.password.change", state={"target": me}, target=f"user:{me}"
    )
    new = field(form, "new_password", 256)
    token: str | None = None
    try:
        if new != field(form, "new_password_again", 256):
            raise ConfigError("the two new passwords differ: type the same one twice")
        check_password_policy(new, user_name=me)  # a weak one does not spend a code
        token = confirm(request, form)
        change_password(
            staff.store,
            me,
            new,
            actor=principal,
            clock=staff.clock,
            client=client_of(request),
            keep_session=session_of(request).token,
        )
    except LoginRequiredError:
        raise
    except BlotterError as exc:
        return _refused(request, exc, token)
    return keep(redirect("/staff/account?done=password"), request, token)


async def totp(request: Request) -> Response:
    """Enrol a new TOTP secret (fresh re-authentication), shown once; every session ends."""
    staff = staff_of(request)
    form = await posted(request)
    me = session_of(request).user_name
    principal = authorize(request, "session.totp_enrol", state={"target": me}, target=f"user:{me}")
    token: str | None = None
    try:
        token = confirm(request, form)
        secret = reset_totp(
            staff.store, me, actor=principal, clock=staff.clock, client=client_of(request)
        )
    except LoginRequiredError:
        raise
    except BlotterError as exc:
        return _refused(request, exc, token)
    page = {
        "title": "Your new second factor",
        "lead": "Your old codes no longer work, and every session of yours has ended, this "
        "one too. Add the new secret to your authenticator app, then sign in again with a "
        "code from it.",
        "account": me,
        "signed_out": True,
        "next": "/staff/login",
        "next_label": "Sign in again",
    }
    response = secret_page(request, page, secret=secret, user_name=me)
    clear_cookie(response, staff, SESSION_COOKIE)
    return response


async def issue_token(request: Request) -> Response:
    """Issue an API token for one of one's own agency roles; the answer shows it once."""
    staff = staff_of(request)
    form = await posted(request)
    me = session_of(request).user_name
    role, _, agency = field(form, "grant", 120).partition(":")
    principal = authorize(
        request,
        "user.token.issue",
        agency=agency or None,
        state={"target": me},
        target=f"user:{me}",
    )
    days = field(form, "days", 4).strip()
    try:
        if not days.isdigit():
            raise ConfigError(f"a token lasts 1 to {MAX_DAYS} days: give a whole number")
        raw = issue(
            staff.store,
            me,
            agency=agency,
            role=role,
            days=int(days),
            actor=principal,
            clock=staff.clock,
            client=client_of(request),
        )
    except LoginRequiredError:
        raise
    except BlotterError as exc:
        return _refused(request, exc)
    page = {
        "title": "Your new API token",
        "lead": f"A token for the {role.replace('_', ' ')} role of {agency}, valid for "
        f"{int(days)} days. Send it as 'Authorization: Bearer <token>'.",
        "account": me,
        "token": raw,
        "next": "/staff/account",
        "next_label": "Back to your account",
    }
    return secret_page(request, page)


async def revoke_api_token(request: Request) -> Response:
    """Revoke an API token: one's own, or (an administrator) anyone's."""
    staff = staff_of(request)
    await posted(request)
    token_id = str(request.path_params["token"])
    owner = next((t.user_name for t in list_tokens(staff.store) if t.token_id == token_id), None)
    principal = authorize(
        request, "user.token.revoke", state={"target": owner}, target=f"token:{token_id}"
    )
    if owner is None:
        raise NotFoundError("no such API token")
    revoke_token(
        staff.store, token_id, actor=principal, clock=staff.clock, client=client_of(request)
    )
    if owner == principal.user:
        return redirect("/staff/account?done=token-revoked")
    return redirect(f"/staff/users/{owner}?done=token-revoked")


def register(app: FastAPI) -> None:
    """Add one's own account page and its forms."""
    staff_route(app, "GET", "/staff/account", "staff.home", account_page)
    staff_route(app, "POST", "/staff/account/password", "user.password.change", password)
    staff_route(app, "POST", "/staff/account/totp", "session.totp_enrol", totp)
    staff_route(app, "POST", "/staff/account/tokens", "user.token.issue", issue_token)
    staff_route(
        app, "POST", "/staff/tokens/{token:name}/revoke", "user.token.revoke", revoke_api_token
    )
