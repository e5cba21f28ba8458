"""Staff accounts: create, disable, enable, unlock, change factors, expire after 90 days idle.

Every function takes the acting ``Principal`` and asks the matrix first: a refusal is audited
(outcome ``denied``, a transaction of its own) and raised as ``PermissionDeniedError``. Every
change and its audit entry commit in one transaction, the entry written last (ADR 0007 §3).
``grant`` and ``revoke`` live in ``accounts.grants`` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openblotter.accounts._guard import authorize, event, utc
from openblotter.accounts.grants import grant, revoke
from openblotter.accounts.lockout import USER_NAME, clear_failures
from openblotter.accounts.passwords import check_password_policy, hash_password
from openblotter.accounts.principal import Principal
from openblotter.accounts.sessions import close_all, grants_of
from openblotter.accounts.totp import new_secret
from openblotter.audit import append
from openblotter.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from openblotter.clock import Clock
    from openblotter.storage.base import Store, Transaction

__all__ = [
    "INACTIVE_DAYS",
    "RESERVED_NAMES",
    "STATUSES",
    "UserRecord",
    "add_user",
    "change_password",
    "check_user_name",
    "disable",
    "disable_inactive",
    "enable",
    "grant",
    "list_users",
    "reset_totp",
    "revoke",
    "roles_of",
    "unlock",
]

STATUSES = ("active", "locked", "disabled")
INACTIVE_DAYS = 90
#: names an audit entry uses for someone who is not an account
RESERVED_NAMES = frozenset({"anonymous", "operator", "system", "public", "admin", "root"})
_MAX_DISPLAY = 200


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An account as listed: never its password hash or TOTP secret."""

    user_name: str
    display_name: str
    status: str
    created_at: dt.datetime
    password_changed_at: dt.datetime
    last_login_at: dt.datetime | None
    totp_enrolled: bool
    grants: tuple[tuple[str, str | None], ...]


def check_user_name(user_name: str) -> str:
    """The user name if it is valid (``^[a-z0-9][a-z0-9._-]{1,63}$``, not reserved)."""
    if not USER_NAME.fullmatch(user_name):
        raise ConfigError(
            "a user name is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if user_name in RESERVED_NAMES:
        raise ConfigError(f"{user_name!r} is reserved; choose another user name")
    return user_name


def _status(tx: Transaction, user_name: str) -> str:
    status = tx.query("SELECT status FROM users WHERE user_name = ?", [user_name]).scalar()
    if status is None:
        raise NotFoundError(f"no account named {user_name!r}")
    return str(status)


def _permitted(
    store: Store, actor: Principal, action: str, user_name: str, *, clock: Clock, client: str
) -> str:
    """Check (and on refusal audit) ``action`` on account ``user_name``; return its object id."""
    obj = f"user:{user_name}"
    authorize(
        store, actor, action, obj=obj, clock=clock, client=client, state={"target": user_name}
    )
    return obj


def add_user(
    store: Store,
    user_name: str,
    password: str,
    *,
    display_name: str,
    actor: Principal,
    clock: Clock,
    client: str = "",
) -> str:
    """Create an active account with no roles; return its new TOTP secret, to enrol once."""
    check_user_name(user_name)
    obj = f"user:{user_name}"
    authorize(
        store, actor, "user.add", obj=obj, clock=clock, client=client, state={"target": user_name}
    )
    display = display_name.strip()
    if not display or len(display) > _MAX_DISPLAY:
        raise ConfigError(f"the display name must be 1 to {_MAX_DISPLAY} characters")
    check_password_policy(password, user_name=user_name)
    secret = new_secret()
    hashed = hash_password(password)
    now = clock.now()
    with store.transaction() as tx:
        if tx.query("SELECT 1 FROM users WHERE user_name = ?", [user_name]).rows:
            raise ConfigError(f"there is already an account named {user_name!r}")
        tx.execute(
            "INSERT INTO users (user_name, display_name, password_hash, totp_secret,"
            " totp_last_step, status, created_at, password_changed_at, last_login_at)"
            " VALUES (?, ?, ?, ?, NULL, 'active', ?, ?, NULL)",
            [user_name, display, hashed, secret, now, now],
        )
        append(tx, event(actor, "user.add", obj, client=client), clock=clock)
    return secret


def disable(
    store: Store, user_name: str, *, actor: Principal, clock: Clock, reason: str, client: str = ""
) -> None:
    """Disable an account and end all its sessions (in the same transaction)."""
    obj = _permitted(store, actor, "user.disable", user_name, clock=clock, client=client)
    if not reason.strip():
        raise ConfigError("say why the account is disabled (--reason)")
    with store.transaction() as tx:
        if _status(tx, user_name) == "disabled":
            raise ConfigError(f"the account {user_name!r} is already disabled")
        tx.execute("UPDATE users SET status = 'disabled' WHERE user_name = ?", [user_name])
        close_all(tx, user_name)
        append(
            tx, event(actor, "user.disable", obj, reason=reason.strip(), client=client), clock=clock
        )


def enable(
    store: Store, user_name: str, *, actor: Principal, clock: Clock, client: str = ""
) -> None:
    """Enable a disabled account (its failed log-ins are forgotten; 90 days start again)."""
    obj = _permitted(store, actor, "user.enable", user_name, clock=clock, client=client)
    with store.transaction() as tx:
        if _status(tx, user_name) != "disabled":
            raise ConfigError(f"the account {user_name!r} is not disabled")
        tx.execute("UPDATE users SET status = 'active' WHERE user_name = ?", [user_name])
        clear_failures(tx, user_name)
        append(tx, event(actor, "user.enable", obj, client=client), clock=clock)


def unlock(
    store: Store, user_name: str, *, actor: Principal, clock: Clock, client: str = ""
) -> None:
    """Unlock an account locked after failed log-ins, and forget its failures."""
    obj = _permitted(store, actor, "user.unlock", user_name, clock=clock, client=client)
    with store.transaction() as tx:
        status = _status(tx, user_name)
        clear_failures(tx, user_name)
        if status == "locked":
            tx.execute("UPDATE users SET status = 'active' WHERE user_name = ?", [user_name])
        append(
            tx, event(actor, "user.unlock", obj, reason=f"was {status}", client=client), clock=clock
        )


def change_password(
    store: Store,
    user_name: str,
    password: str,
    *,
    actor: Principal,
    clock: Clock,
    client: str = "",
    keep_session: str | None = None,
) -> None:
    """Set a new password; every session of the account ends except token ``keep_session``.

    The web layer asks for a fresh re-authentication first (``sessions.requires_fresh``).
    """
    obj = _permitted(store, actor, "user.password.change", user_name, clock=clock, client=client)
    check_password_policy(password, user_name=user_name)
    hashed = hash_password(password)
    with store.transaction() as tx:
        _status(tx, user_name)
        tx.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE user_name = ?",
            [hashed, clock.now(), user_name],
        )
        close_all(tx, user_name, keep=keep_session)
        append(tx, event(actor, "user.password.change", obj, client=client), clock=clock)


def reset_totp(
    store: Store, user_name: str, *, actor: Principal, clock: Clock, client: str = ""
) -> str:
    """Enrol a new TOTP secret (the old one stops working); every session ends. Returns it."""
    obj = _permitted(store, actor, "session.totp_enrol", user_name, clock=clock, client=client)
    secret = new_secret()
    with store.transaction() as tx:
        _status(tx, user_name)
        tx.execute(
            "UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE user_name = ?",
            [secret, user_name],
        )
        close_all(tx, user_name)
        append(tx, event(actor, "session.totp_enrol", obj, client=client), clock=clock)
    return secret


def list_users(store: Store) -> list[UserRecord]:
    """Every account, by name, with its status and grants (no hashes, no secrets)."""
    rows = store.query(
        "SELECT user_name, display_name, status, created_at, password_changed_at,"
        " last_login_at, totp_secret IS NOT NULL FROM users ORDER BY user_name"
    ).rows
    return [
        UserRecord(
            user_name=name,
            display_name=display,
            status=status,
            created_at=utc(created),
            password_changed_at=utc(changed),
            last_login_at=utc(last) if last is not None else None,
            totp_enrolled=bool(enrolled),
            grants=grants_of(store, name),
        )
        for name, display, status, created, changed, last, enrolled in rows
    ]


def roles_of(store: Store, user_name: str) -> list[tuple[str, str | None]]:
    """An account's (role, agency) grants; agency None for deployment-wide roles."""
    return list(grants_of(store, user_name))


def _last_enabled(store: Store) -> dict[str, dt.datetime]:
    """When each account was last enabled (from the audit log, the record of it)."""
    rows = store.query(
        "SELECT object, max(logged_at) FROM audit_log WHERE action = 'user.enable'"
        " AND outcome = 'succeeded' GROUP BY object"
    ).rows
    return {str(obj).removeprefix("user:"): utc(at) for obj, at in rows}


def disable_inactive(
    store: Store, *, clock: Clock, days: int = INACTIVE_DAYS, actor: Principal | None = None
) -> list[str]:
    """Disable every account not used for ``days`` days (CJIS AC-2(3)); return their names.

    "Used" is the last full log-in, else the creation, or a later re-enabling. Each one is
    audited as ``user.disable`` by ``actor`` (the operator by default: a scheduled
    ``blotter user expire-inactive``).
    """
    if days < 1:
        raise ConfigError("days must be at least 1")
    who = actor if actor is not None else Principal.operator()
    authorize(store, who, "user.disable", obj="user:*", clock=clock, state={"target": "*inactive*"})
    now = clock.now()
    cutoff = now - dt.timedelta(days=days)
    enabled = _last_enabled(store)
    rows = store.query(
        "SELECT user_name, created_at, last_login_at FROM users WHERE status <> 'disabled'"
        " ORDER BY user_name"
    ).rows
    stale = []
    for name, created, last in rows:
        used = max(utc(created), utc(last) if last is not None else utc(created))
        if name in enabled:
            used = max(used, enabled[name])
        if used < cutoff:
            stale.append(str(name))
    reason = f"not used for {days} days"
    for name in stale:
        with store.transaction() as tx:
            tx.execute("UPDATE users SET status = 'disabled' WHERE user_name = ?", [name])
            close_all(tx, name)
            append(tx, event(who, "user.disable", f"user:{name}", reason=reason), clock=clock)
    return stale
