"""Failed log-ins: each one recorded and audited; 5 within 15 minutes lock the account.

A locked account stays locked until an administrator (or the operator) unlocks it (CJIS AC-7,
RELIABILITY D.38); the person at the log-in form is told only the one message below, whether
the name is unknown, the password wrong, or the account locked or disabled (ASVS 6.3.8).
A per-client throttle lives in the web app's rate limiter, not here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, NoReturn

from openblotter.audit import AuditEvent, append
from openblotter.errors import AuthenticationError

if TYPE_CHECKING:
    from openblotter.clock import Clock
    from openblotter.storage.base import Store, Transaction

__all__ = [
    "CODE_REFUSED",
    "FAILED_LOGIN",
    "MAX_FAILURES",
    "USER_NAME",
    "WINDOW",
    "clear_failures",
    "fail",
    "failure_count",
    "typed_name",
]

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
FAILED_LOGIN = (
    "The user name or password is wrong, or the account is locked. "
    "Ask an administrator if this keeps happening."
)
CODE_REFUSED = (
    "The code is wrong, expired or already used, or the account is locked. "
    "Wait for the next code and try again."
)
_NOT_A_NAME = "(not a user name)"


def typed_name(user_name: str) -> str:
    """What to record for a typed user name: itself if it could be one, else a placeholder.

    A password typed into the name field would not then land in the audit log whenever it
    contains a character no user name has.
    """
    name = user_name.strip().lower()
    return name if USER_NAME.fullmatch(name) else _NOT_A_NAME


def failure_count(tx: Transaction, user_name: str, *, now: dt.datetime) -> int:
    """Failed log-ins of one account within the last ``WINDOW``."""
    count = tx.query(
        "SELECT count(*) FROM login_failures WHERE user_name = ? AND failed_at > ?",
        [user_name, now - WINDOW],
    ).scalar()
    return int(count or 0)


def clear_failures(tx: Transaction, user_name: str) -> None:
    """Forget an account's failed log-ins (after a full log-in, or when it is unlocked)."""
    tx.execute("DELETE FROM login_failures WHERE user_name = ?", [user_name])


def fail(
    store: Store,
    user_name: str,
    *,
    reason: str,
    client: str,
    clock: Clock,
    action: str = "session.login",
    message: str = FAILED_LOGIN,
) -> NoReturn:
    """Record and audit one failed attempt, lock the account at the limit, and raise.

    One transaction of its own: the failure row, its audit entry (outcome ``failed``, the
    reason for the auditors only) and, at the 5th failure within 15 minutes, the lock and
    its audit entry (``session.lockout``). Then ``AuthenticationError(message)``.
    """
    name = typed_name(user_name)
    now = clock.now()
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO login_failures (user_name, failed_at, client) VALUES (?, ?, ?)",
            [name, now, client],
        )
        status = tx.query("SELECT status FROM users WHERE user_name = ?", [name]).scalar()
        failures = failure_count(tx, name, now=now)
        locks = status == "active" and failures >= MAX_FAILURES
        if locks:
            tx.execute("UPDATE users SET status = 'locked' WHERE user_name = ?", [name])
        append(
            tx,
            AuditEvent(name, "public", action, f"user:{name}", "failed", reason, client),
            clock=clock,
        )
        if locks:
            append(
                tx,
                AuditEvent(
                    name,
                    "public",
                    "session.lockout",
                    f"user:{name}",
                    "succeeded",
                    f"locked after {failures} failed log-ins within "
                    f"{int(WINDOW.total_seconds() // 60)} minutes",
                    client,
                ),
                clock=clock,
            )
    raise AuthenticationError(message)
