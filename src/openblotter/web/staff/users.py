"""Account administration: list and add accounts, grant and revoke roles, disable, enable, unlock.

Every change goes through ``openblotter.accounts``, which asks the permission matrix again,
commits the change with its audit entry and audits a refusal; the route first asks the same
matrix (:func:`guard.authorize`) for the principal to act as. Granting a role needs a fresh
re-authentication (:mod:`reauth`). Separation of duties shows on the page: an administrator's
own account has no grant, disable or unlock form (the matrix refuses them: ``not_self``), the
role list never offers ``auditor`` to an admin nor ``admin`` to an auditor, and the navigation
has no audit-log link for an admin. A new account's TOTP secret is shown once, on the answer to
its creation, and nowhere else; lists show whether a second factor is enrolled, never secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openblotter.accounts import (
    GRANTABLE_ROLES,
    add_user,
    disable,
    enable,
    grant,
    list_tokens,
    list_users,
    revoke,
    roles_of,
    unlock,
)
from openblotter.accounts.grants import check_scope
from openblotter.accounts.lockout import USER_NAME
from openblotter.audit import AuditEvent, record
from openblotter.errors import BlotterError, NotFoundError
from openblotter.web.staff import account
from openblotter.web.staff.account import secret_page, stamp, token_rows
from openblotter.web.staff.context import client_of
from openblotter.web.staff.guard import LoginRequiredError, authorize, staff_of
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
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

    from openblotter.accounts import Principal, UserRecord

__all__ = ["DONE", "register"]

#: what a redirect's ``?done=`` says happened (only these words; never an echo of input)
DONE = {
    "granted": "The role was granted.",
    "revoked": "The role was revoked, with the API tokens issued for it.",
    "disabled": "The account was disabled and all its sessions ended.",
    "enabled": "The account was enabled.",
    "unlocked": "The account was unlocked and its failed log-ins forgotten.",
    "token-revoked": "The API token was revoked.",
}


def _record_view(request: Request, principal: Principal, obj: str) -> None:
    """Reading accounts is restricted: each view is an audit entry."""
    staff = staff_of(request)
    event = AuditEvent(
        principal.actor, principal.role, "user.list", obj, "succeeded", "", client_of(request)
    )
    record(staff.store, event, clock=staff.clock)


def _account_name(request: Request) -> str:
    name = str(request.path_params["user"])
    if not USER_NAME.fullmatch(name):
        raise NotFoundError("no such account")
    return name


def _find(request: Request, name: str) -> UserRecord:
    for found in list_users(staff_of(request).store):
        if found.user_name == name:
            return found
    raise NotFoundError(f"no account named {name!r}")


def _grants(record: UserRecord) -> list[dict[str, str]]:
    return [
        {"role": role, "agency": agency or "", "label": agency or "all agencies"}
        for role, agency in record.grants
    ]


def _row(record: UserRecord) -> dict[str, Any]:
    return {
        "name": record.user_name,
        "display": record.display_name,
        "status": record.status,
        "grants": _grants(record),
        "totp": record.totp_enrolled,
        "last_login": stamp(record.last_login_at) or "never",
        "created": stamp(record.created_at),
        "password_changed": stamp(record.password_changed_at),
    }


def _list_model(
    request: Request, *, error: str = "", typed: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "title": "Accounts",
        "users": [_row(r) for r in list_users(staff_of(request).store)],
        "me": session_of(request).user_name,
        "error": error,
        "typed": typed or {"user_name": "", "display_name": ""},
    }


def _roles_for(held: set[str]) -> list[str]:
    """The roles the grant form offers: admin and auditor never together (separation of duties)."""
    return [
        role
        for role in GRANTABLE_ROLES
        if not (role == "auditor" and "admin" in held)
        and not (role == "admin" and "auditor" in held)
    ]


def _user_model(
    request: Request, record: UserRecord, *, error: str = "", done: str = ""
) -> dict[str, Any]:
    staff = staff_of(request)
    own = record.user_name == session_of(request).user_name
    return {
        "title": f"Account {record.user_name}",
        "account": _row(record),
        "own": own,
        "roles": _roles_for({role for role, _ in record.grants}),
        "agencies": sorted(p.parent.name for p in staff.agencies_dir.glob("*/agency.yaml")),
        "tokens": token_rows(list_tokens(staff.store, record.user_name), staff.clock),
        "reauth": needs_reauth(request),
        "error": error,
        "done": DONE.get(done, ""),
    }


async def users_page(request: Request) -> Response:
    """Every account with its status, roles, second factor and last log-in; the add form."""
    principal = authorize(request, "user.list", target="users")
    _record_view(request, principal, "users")
    return render(request, "users.html", _list_model(request))


async def add(request: Request) -> Response:
    """Create an account; the answer shows its TOTP secret, the only time it is shown."""
    staff = staff_of(request)
    form = await posted(request)
    name = field(form, "user_name", 64).strip().lower()
    display = field(form, "display_name", 200)
    principal = authorize(request, "user.add", state={"target": name}, target=f"user:{name}")
    try:
        secret = add_user(
            staff.store,
            name,
            field(form, "password", 256),
            display_name=display,
            actor=principal,
            clock=staff.clock,
            client=client_of(request),
        )
    except LoginRequiredError:
        raise
    except BlotterError as exc:
        typed = {"user_name": name, "display_name": display}
        page = _list_model(request, error=str(exc), typed=typed)
        return render(request, "users.html", page, status=status_of(exc))
    page = {
        "title": f"Account {name} created",
        "lead": f"The account {name} exists, active and without roles: grant it one next.",
        "account": name,
        "next": f"/staff/users/{name}",
        "next_label": f"Grant a role to {name}",
    }
    return secret_page(request, page, secret=secret, user_name=name)


async def user_page(request: Request) -> Response:
    """One account: status, roles with revoke buttons, the grant form, tokens, status changes."""
    name = _account_name(request)
    principal = authorize(request, "user.list", target=f"user:{name}")
    found = _find(request, name)
    _record_view(request, principal, f"user:{name}")
    done = request.query_params.get("done", "")
    return render(request, "user.html", _user_model(request, found, done=done))


async def _change(
    request: Request,
    action: str,
    state_extra: Callable[[str, dict[str, str]], dict[str, object]],
    run: Callable[[str, Principal, dict[str, str]], None],
    *,
    fields: tuple[str, ...],
    done: str,
    fresh: bool = False,
) -> Response:
    """The shape of every change to an account: CSRF, matrix, (re-authentication), the change."""
    form = await posted(request)
    name = _account_name(request)
    typed = {key: field(form, key).strip() for key in fields}
    agency = typed.get("agency") or None
    principal = authorize(
        request,
        action,
        agency=agency,
        state={"target": name, **state_extra(name, typed)},
        target=f"user:{name}",
    )
    found = _find(request, name)
    token: str | None = None
    try:
        if fresh:
            check_scope(typed["role"], agency)  # a mistyped form does not spend a code
            token = confirm(request, form)
        run(name, principal, typed)
    except LoginRequiredError:
        raise
    except BlotterError as exc:
        page = _user_model(request, found, error=str(exc))
        return keep(render(request, "user.html", page, status=status_of(exc)), request, token)
    return keep(redirect(f"/staff/users/{name}?done={done}"), request, token)


def _held(request: Request) -> Callable[[str, dict[str, str]], dict[str, object]]:
    """The matrix's facts for a grant: the role asked for and the roles the account holds."""

    def state(name: str, typed: dict[str, str]) -> dict[str, object]:
        held = frozenset(role for role, _ in roles_of(staff_of(request).store, name))
        return {"role": typed["role"], "target_roles": held}

    return state


async def grant_role(request: Request) -> Response:
    """Grant a role (for an agency, or deployment-wide); needs a fresh re-authentication."""
    staff = staff_of(request)

    def run(name: str, principal: Principal, typed: dict[str, str]) -> None:
        grant(
            staff.store,
            name,
            typed["role"],
            typed["agency"] or None,
            actor=principal,
            clock=staff.clock,
            client=client_of(request),
        )

    return await _change(
        request,
        "user.grant",
        _held(request),
        run,
        fields=("role", "agency"),
        done="granted",
        fresh=True,
    )


async def revoke_role(request: Request) -> Response:
    """Revoke a role, and the API tokens issued for it."""
    staff = staff_of(request)

    def run(name: str, principal: Principal, typed: dict[str, str]) -> None:
        revoke(
            staff.store,
            name,
            typed["role"],
            typed["agency"] or None,
            actor=principal,
            clock=staff.clock,
            client=client_of(request),
        )

    return await _change(
        request,
        "user.revoke",
        lambda _n, typed: {"role": typed["role"]},
        run,
        fields=("role", "agency"),
        done="revoked",
    )


async def disable_account(request: Request) -> Response:
    """Disable an account (with a reason); all its sessions end at once."""
    staff = staff_of(request)

    def run(name: str, principal: Principal, typed: dict[str, str]) -> None:
        disable(
            staff.store,
            name,
            actor=principal,
            clock=staff.clock,
            reason=typed["reason"],
            client=client_of(request),
        )

    return await _change(
        request, "user.disable", lambda _n, _t: {}, run, fields=("reason",), done="disabled"
    )


async def enable_account(request: Request) -> Response:
    """Enable a disabled account."""
    staff = staff_of(request)

    def run(name: str, principal: Principal, _typed: dict[str, str]) -> None:
        enable(staff.store, name, actor=principal, clock=staff.clock, client=client_of(request))

    return await _change(request, "user.enable", lambda _n, _t: {}, run, fields=(), done="enabled")


async def unlock_account(request: Request) -> Response:
    """Unlock an account locked after failed log-ins."""
    staff = staff_of(request)

    def run(name: str, principal: Principal, _typed: dict[str, str]) -> None:
        unlock(staff.store, name, actor=principal, clock=staff.clock, client=client_of(request))

    return await _change(request, "user.unlock", lambda _n, _t: {}, run, fields=(), done="unlocked")


def register(app: FastAPI) -> None:
    """Add the administrator's account pages and everyone's own account page."""
    staff_route(app, "GET", "/staff/users", "user.list", users_page)
    staff_route(app, "POST", "/staff/users", "user.add", add)
    staff_route(app, "GET", "/staff/users/{user}", "user.list", user_page)
    staff_route(app, "POST", "/staff/users/{user}/grant", "user.grant", grant_role)
    staff_route(app, "POST", "/staff/users/{user}/revoke", "user.revoke", revoke_role)
    staff_route(app, "POST", "/staff/users/{user}/disable", "user.disable", disable_account)
    staff_route(app, "POST", "/staff/users/{user}/enable", "user.enable", enable_account)
    staff_route(app, "POST", "/staff/users/{user}/unlock", "user.unlock", unlock_account)
    account.register(app)
