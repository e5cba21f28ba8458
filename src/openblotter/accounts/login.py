"""Logging in: the password (first factor), then a TOTP code (second factor) for a new session.

``login_password`` answers every failure (unknown name, wrong password, locked or disabled
account) with the same ``AuthenticationError`` message and about the same time: an unknown
name still costs one argon2 verification (``passwords.verify_dummy``) and one failure
transaction. Each failure is recorded and audited, and the 5th within 15 minutes locks the
account (``lockout``). The first factor yields a short-lived ``password``-stage token worth
nothing on its own; ``login_totp`` trades it and a code for an ``active`` session under a new
token, so a token planted before the log-in is worthless after it (session fixation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.accounts.lockout import CODE_REFUSED, clear_failures, fail
from openblotter.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)
from openblotter.accounts.sessions import (
    choose,
    claim_step,
    grants_of,
    lookup,
    open_session,
    token_hash,
)
from openblotter.accounts.totp import check
from openblotter.audit import AuditEvent, append, record
from openblotter.errors import AuthenticationError

if TYPE_CHECKING:
    from openblotter.accounts.sessions import Session
    from openblotter.clock import Clock
    from openblotter.storage.base import Store

__all__ = ["LOGIN_EXPIRED", "login_password", "login_totp"]

LOGIN_EXPIRED = "The log-in has expired or is not valid: enter the user name and password again."


def login_password(
    store: Store, user_name: str, password: str, *, client: str, clock: Clock
) -> str:
    """Check the first factor; return a pending token for ``login_totp``.

    Raises ``AuthenticationError`` with one message for every failure.
    """
    name = user_name.strip().lower()
    found = store.query("SELECT password_hash, status FROM users WHERE user_name = ?", [name]).rows
    if not found:
        verify_dummy(password)
        fail(store, name, reason="unknown user name", client=client, clock=clock)
    password_hash, status = found[0]
    matches = verify_password(password_hash, password)
    if status != "active":
        fail(store, name, reason=f"account {status}", client=client, clock=clock)
    if not matches:
        fail(store, name, reason="wrong password", client=client, clock=clock)
    with store.transaction() as tx:
        if needs_rehash(password_hash):
            tx.execute(
                "UPDATE users SET password_hash = ? WHERE user_name = ?",
                [hash_password(password), name],
            )
        pending = open_session(tx, name, stage="password", client=client, now=clock.now())
    return pending.token


def login_totp(
    store: Store, pending_token: str, code: str, *, client: str, clock: Clock
) -> Session:
    """Check the second factor; return a full session under a NEW token.

    The pending token is deleted. A wrong code, or a code already used (its step is at or
    before the last accepted one), counts as a failed log-in. An account without an enrolled
    TOTP secret never gets a full session.
    """
    pending = lookup(store, pending_token, clock=clock, stage="password")
    if pending is None:
        record(
            store,
            AuditEvent(
                "anonymous",
                "public",
                "session.login",
                "session",
                "failed",
                "code without a valid first step",
                client,
            ),
            clock=clock,
        )
        raise AuthenticationError(LOGIN_EXPIRED)
    name = pending.user_name
    now = clock.now()
    secret, last_step = store.query(
        "SELECT totp_secret, totp_last_step FROM users WHERE user_name = ?", [name]
    ).rows[0]
    if not secret:
        fail(store, name, reason="no second factor enrolled", client=client, clock=clock)
    step = check(secret, code, now, last_step)
    if step is None:
        fail(
            store,
            name,
            reason="wrong or reused code",
            client=client,
            clock=clock,
            message=CODE_REFUSED,
        )
    with store.transaction() as tx:
        claimed = claim_step(tx, name, step)
        if claimed:
            tx.execute("DELETE FROM sessions WHERE session_hash = ?", [token_hash(pending_token)])
            tx.execute("UPDATE users SET last_login_at = ? WHERE user_name = ?", [now, name])
            clear_failures(tx, name)
            session = open_session(tx, name, stage="active", client=client, now=now)
            role = choose(name, grants_of(tx, name)).role
            append(
                tx,
                AuditEvent(name, role, "session.login", f"user:{name}", "succeeded", "", client),
                clock=clock,
            )
    if not claimed:
        fail(
            store,
            name,
            reason="code already used",
            client=client,
            clock=clock,
            message=CODE_REFUSED,
        )
    return session
