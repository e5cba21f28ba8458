"""API tokens for programmatic ingest: one agency, one role, at most 90 days, shown once.

A token reads ``obt_<id>_<secret>``: the id (not secret) names it in lists and revocations;
the store keeps only the SHA-256 of the whole token. Tokens carry agency roles only (data
officer, supervisor), and only one the account holds for that agency when it is issued and
each time it is used: revoking the grant, disabling the account, expiry or revocation all
refuse it, with one message, audited with the reason.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openblotter.accounts._guard import authorize, event, utc
from openblotter.accounts.principal import AGENCY_ROLES, Principal
from openblotter.accounts.sessions import token_hash
from openblotter.audit import AuditEvent, append, record
from openblotter.errors import AuthenticationError, ConfigError, NotFoundError

if TYPE_CHECKING:
    from openblotter.clock import Clock
    from openblotter.storage.base import Store

__all__ = [
    "MAX_DAYS",
    "PREFIX",
    "TOKEN_REFUSED",
    "TokenRecord",
    "authenticate",
    "issue",
    "list_tokens",
    "revoke",
]

MAX_DAYS = 90
PREFIX = "obt_"
TOKEN_REFUSED = "The API token is not valid (unknown, expired or revoked)."  # noqa: S105


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An issued token as listed (never the token or its hash)."""

    token_id: str
    user_name: str
    agency: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


def issue(
    store: Store,
    user_name: str,
    *,
    agency: str,
    role: str,
    days: int,
    actor: Principal,
    clock: Clock,
    client: str = "",
) -> str:
    """Issue a token for ``role`` at ``agency``; return it (the only time it is shown)."""
    obj = f"user:{user_name}"
    authorize(
        store,
        actor,
        "user.token.issue",
        obj=obj,
        clock=clock,
        client=client,
        agency=agency,
        state={"target": user_name},
    )
    if role not in AGENCY_ROLES:
        raise ConfigError(f"API tokens carry an agency role ({', '.join(AGENCY_ROLES)})")
    if not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"a token lasts 1 to {MAX_DAYS} days")
    token_id = secrets.token_hex(6)
    raw = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    now = clock.now()
    with store.transaction() as tx:
        status = tx.query("SELECT status FROM users WHERE user_name = ?", [user_name]).scalar()
        if status is None:
            raise NotFoundError(f"no account named {user_name!r}")
        if status != "active":
            raise ConfigError(f"the account {user_name!r} is {status}")
        held = tx.query(
            "SELECT 1 FROM grants WHERE user_name = ? AND role = ? AND agency_slug = ?",
            [user_name, role, agency],
        ).rows
        if not held:
            raise ConfigError(f"{user_name!r} does not hold role={role} agency={agency}")
        tx.execute(
            "INSERT INTO api_tokens (token_id, token_hash, user_name, agency_slug, role,"
            " created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                token_id,
                token_hash(raw),
                user_name,
                agency,
                role,
                now,
                now + dt.timedelta(days=days),
            ],
        )
        append(
            tx,
            event(
                actor,
                "user.token.issue",
                f"token:{token_id}",
                reason=f"user={user_name} role={role} agency={agency} days={days}",
                client=client,
            ),
            clock=clock,
        )
    return raw


def _refuse(
    store: Store, actor: str, obj: str, reason: str, *, clock: Clock, client: str
) -> AuthenticationError:
    record(
        store,
        AuditEvent(actor, "public", "session.login", obj, "failed", f"API token {reason}", client),
        clock=clock,
    )
    return AuthenticationError(TOKEN_REFUSED)


_LOOKUP = (
    "SELECT t.token_id, t.user_name, t.agency_slug, t.role, t.expires_at, t.revoked_at,"
    " u.status, g.role FROM api_tokens t LEFT JOIN users u ON u.user_name = t.user_name"
    " LEFT JOIN grants g ON g.user_name = t.user_name AND g.role = t.role"
    " AND g.agency_slug = t.agency_slug WHERE t.token_hash = ?"
)


def _problem(
    *, now: dt.datetime, expires: dt.datetime, revoked: object, status: str | None, held: bool
) -> str | None:
    """Why a known token is refused now, or None."""
    if revoked is not None:
        return "revoked"
    if now >= utc(expires):
        return "expired"
    if status != "active":
        return f"of an account that is {status or 'gone'}"
    if not held:
        return "for a role no longer held"
    return None


def authenticate(store: Store, raw: str, *, clock: Clock, client: str = "") -> Principal:
    """The principal a token acts as; AuthenticationError (audited) if it is not valid now."""
    plausible = bool(raw) and len(raw) <= 256
    found = store.query(_LOOKUP, [token_hash(raw.strip())]).rows if plausible else []
    if not found:
        raise _refuse(store, "anonymous", "token", "unknown", clock=clock, client=client)
    token_id, user_name, agency, role, expires, revoked, status, granted = found[0]
    problem = _problem(
        now=clock.now(), expires=expires, revoked=revoked, status=status, held=granted is not None
    )
    if problem is not None:
        raise _refuse(store, user_name, f"token:{token_id}", problem, clock=clock, client=client)
    return Principal(user=user_name, role=role, agency=agency, via="token")


def revoke(
    store: Store, token_id: str, *, actor: Principal, clock: Clock, client: str = ""
) -> None:
    """Revoke a token by its id (the owner, an administrator or the operator)."""
    obj = f"token:{token_id}"
    owner = store.query("SELECT user_name FROM api_tokens WHERE token_id = ?", [token_id]).scalar()
    authorize(
        store,
        actor,
        "user.token.revoke",
        obj=obj,
        clock=clock,
        client=client,
        state={"target": owner},
    )
    if owner is None:
        raise NotFoundError(f"no API token {token_id!r}")
    with store.transaction() as tx:
        tx.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
            [clock.now(), token_id],
        )
        append(
            tx,
            event(actor, "user.token.revoke", obj, reason=f"user={owner}", client=client),
            clock=clock,
        )


def list_tokens(store: Store, user_name: str | None = None) -> list[TokenRecord]:
    """Issued tokens (of one account, or all), newest first."""
    columns = "token_id, user_name, agency_slug, role, created_at, expires_at, revoked_at"
    order = "ORDER BY created_at DESC, token_id"
    if user_name is None:
        rows = store.query(f"SELECT {columns} FROM api_tokens {order}").rows  # noqa: S608
    else:
        rows = store.query(
            f"SELECT {columns} FROM api_tokens WHERE user_name = ? {order}",  # noqa: S608
            [user_name],
        ).rows
    return [
        TokenRecord(
            tid,
            user,
            agency,
            role,
            utc(created),
            utc(expires),
            utc(revoked) if revoked is not None else None,
        )
        for tid, user, agency, role, created, expires, revoked in rows
    ]
