"""Server-side sessions: only a SHA-256 of the cookie is stored; 30-minute idle, 12-hour limit.

A log-in makes a session in two stages: ``password`` (the first factor passed; it lives 5
minutes and grants nothing) and ``active`` (the TOTP code passed; a new token, so a token seen
before the log-in is worth nothing afterwards). ``lookup`` refuses and deletes a session idle
for more than 30 minutes or older than 12 hours (RELIABILITY D.42), and one whose account is
no longer active. Logging out deletes the row, so the old cookie is refused on the server (D.43).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NoReturn

from openblotter.accounts._guard import utc
from openblotter.accounts.lockout import fail
from openblotter.accounts.passwords import verify_password
from openblotter.accounts.principal import AGENCY_ROLES, Principal
from openblotter.accounts.totp import check
from openblotter.audit import AuditEvent, append
from openblotter.errors import AuthenticationError

if TYPE_CHECKING:
    from openblotter.clock import Clock
    from openblotter.storage.base import Store, Transaction

__all__ = [
    "ABSOLUTE_LIMIT",
    "FRESH_MINUTES",
    "IDLE_LIMIT",
    "PENDING_LIMIT",
    "REAUTH_REFUSED",
    "SESSION_ENDED",
    "TOUCH_EVERY",
    "Session",
    "Stage",
    "choose",
    "claim_step",
    "close",
    "close_all",
    "grants_of",
    "lookup",
    "new_token",
    "open_session",
    "purge_expired",
    "reauthenticate",
    "requires_fresh",
    "token_hash",
]

Stage = Literal["password", "active"]
IDLE_LIMIT = dt.timedelta(minutes=30)
ABSOLUTE_LIMIT = dt.timedelta(hours=12)
#: how long the first factor waits for the code
PENDING_LIMIT = dt.timedelta(minutes=5)
#: last_seen_at is written at most this often (fewer writes; idle time errs on the short side)
TOUCH_EVERY = dt.timedelta(seconds=60)
FRESH_MINUTES = 5
SESSION_ENDED = "The session has ended: log in again."
REAUTH_REFUSED = "The password or code is wrong, or the code was already used."
# Deployment-wide roles, strongest first; agency roles likewise.
_DEPLOYMENT_ORDER = ("admin", "auditor", "commenter")
_AGENCY_ORDER = ("supervisor", "data_officer")


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser. ``token`` exists only in memory and in the cookie."""

    token: str = field(repr=False)
    user_name: str
    stage: Stage
    csrf_token: str = field(repr=False)
    created_at: dt.datetime
    last_seen_at: dt.datetime
    #: when the account last gave both factors (log-in or re-authentication); None if pending
    authenticated_at: dt.datetime | None
    client: str = ""
    #: the account's (role, agency) grants, agency None for deployment-wide roles
    grants: tuple[tuple[str, str | None], ...] = ()

    def principal(self, agency: str | None = None, *, role: str | None = None) -> Principal:
        """The principal this session acts as for an object of ``agency`` (see ``choose``).

        A session that has not passed the second factor acts as the public.
        """
        if self.stage != "active":
            return Principal.anonymous()
        return choose(self.user_name, self.grants, agency=agency, role=role)


def choose(
    user_name: str,
    grants: tuple[tuple[str, str | None], ...],
    *,
    agency: str | None = None,
    role: str | None = None,
) -> Principal:
    """The principal a signed-in account acts as for an object of ``agency``.

    The strongest role the account holds for that agency (supervisor before data officer)
    or, without one, its strongest deployment-wide role (admin, auditor, commenter). With
    ``agency=None``, no deployment-wide role and agency roles for exactly one agency: that
    agency. ``role`` asks for one particular held role. With no fitting grant: the public.
    """
    held = [(r, a) for r, a in grants if role is None or r == role]
    if agency is None:
        agencies = {a for r, a in held if r in AGENCY_ROLES}
        if len(agencies) == 1 and not any(a is None for _r, a in held):
            agency = agencies.pop()
    for wanted in _AGENCY_ORDER:
        if agency is not None and (wanted, agency) in held:
            return Principal(user_name, wanted, agency, "session")
    for wanted in _DEPLOYMENT_ORDER:
        if (wanted, None) in held:
            return Principal(user_name, wanted, None, "session")
    return Principal(user_name, "public", None, "session")


def grants_of(tx: Transaction | Store, user_name: str) -> tuple[tuple[str, str | None], ...]:
    """An account's grants as (role, agency) pairs, agency None for deployment-wide roles."""
    rows = tx.query(
        "SELECT role, agency_slug FROM grants WHERE user_name = ? ORDER BY role, agency_slug",
        [user_name],
    ).rows
    return tuple((str(role), str(agency) or None) for role, agency in rows)


def open_session(
    tx: Transaction, user_name: str, *, stage: Stage, client: str, now: dt.datetime
) -> Session:
    """Insert a new session (a new token and CSRF token) in the caller's transaction."""
    token, csrf = new_token(), new_token()
    authenticated = now if stage == "active" else None
    tx.execute(
        "INSERT INTO sessions (session_hash, user_name, stage, csrf_token, client, created_at,"
        " last_seen_at, authenticated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [token_hash(token), user_name, stage, csrf, client, now, now, authenticated],
    )
    grants = grants_of(tx, user_name) if stage == "active" else ()
    return Session(token, user_name, stage, csrf, now, now, authenticated, client, grants)


def _expired(stage: str, created: dt.datetime, seen: dt.datetime, now: dt.datetime) -> bool:
    if stage != "active":
        return now - created > PENDING_LIMIT
    return now - seen > IDLE_LIMIT or now - created > ABSOLUTE_LIMIT


_SELECT = (
    "SELECT s.user_name, s.stage, s.csrf_token, s.client, s.created_at, s.last_seen_at,"
    " s.authenticated_at, u.status FROM sessions s LEFT JOIN users u"
    " ON u.user_name = s.user_name WHERE s.session_hash = ?"
)


def lookup(store: Store, token: str, *, clock: Clock, stage: Stage | None = None) -> Session | None:
    """The live session of a token, or None; expired sessions are deleted.

    Refused (and deleted): idle more than 30 minutes, older than 12 hours (a ``password``
    stage session: older than 5 minutes), or the account no longer active (disabled, locked
    or gone). With ``stage``, a session at another stage is None (but kept). A ``password``
    stage session acts as the public (``Session.principal``): check ``stage == "active"``.
    Marks the session as seen now (at most once a minute).
    """
    if not token or len(token) > 256:
        return None
    digest = token_hash(token)
    now = clock.now()
    found = store.query(_SELECT, [digest]).rows
    if not found:
        return None
    user_name, row_stage, csrf, client, created, seen, authenticated, status = found[0]
    created, seen = utc(created), utc(seen)
    if _expired(row_stage, created, seen, now) or status != "active":
        with store.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE session_hash = ?", [digest])
        return None
    if stage is not None and row_stage != stage:
        return None
    if now - seen >= TOUCH_EVERY:
        with store.transaction() as tx:
            tx.execute("UPDATE sessions SET last_seen_at = ? WHERE session_hash = ?", [now, digest])
        seen = now
    grants = grants_of(store, user_name) if row_stage == "active" else ()
    return Session(
        token=token,
        user_name=user_name,
        stage=row_stage,
        csrf_token=csrf,
        client=client,
        created_at=created,
        last_seen_at=seen,
        authenticated_at=utc(authenticated) if authenticated is not None else None,
        grants=grants,
    )


def close(store: Store, token: str, *, clock: Clock, client: str = "") -> bool:
    """Log out: delete the session on the server and audit it; False if there was none."""
    digest = token_hash(token)
    with store.transaction() as tx:
        user_name = tx.query(
            "SELECT user_name FROM sessions WHERE session_hash = ?", [digest]
        ).scalar()
        if user_name is None:
            return False
        tx.execute("DELETE FROM sessions WHERE session_hash = ?", [digest])
        role = choose(user_name, grants_of(tx, user_name)).role
        append(
            tx,
            AuditEvent(
                user_name, role, "session.logout", f"user:{user_name}", "succeeded", "", client
            ),
            clock=clock,
        )
    return True


def close_all(tx: Transaction, user_name: str, *, keep: str | None = None) -> None:
    """End every session of an account (in the caller's transaction), except token ``keep``."""
    if keep is None:
        tx.execute("DELETE FROM sessions WHERE user_name = ?", [user_name])
    else:
        tx.execute(
            "DELETE FROM sessions WHERE user_name = ? AND session_hash <> ?",
            [user_name, token_hash(keep)],
        )


def purge_expired(store: Store, *, clock: Clock) -> int:
    """Delete every expired session (a periodic clean-up); return how many."""
    now = clock.now()
    with store.transaction() as tx:
        rows = tx.query("SELECT session_hash, stage, created_at, last_seen_at FROM sessions").rows
        stale = [
            h for h, stage, created, seen in rows if _expired(stage, utc(created), utc(seen), now)
        ]
        for digest in stale:
            tx.execute("DELETE FROM sessions WHERE session_hash = ?", [digest])
    return len(stale)


def requires_fresh(session: Session, clock: Clock, minutes: int = FRESH_MINUTES) -> bool:
    """Whether the session must re-authenticate before a sensitive step (True) or not.

    True when its last authentication is older than ``minutes``; asked before granting roles
    and changing a factor (ASVS 7.5.1, 7.5.3).
    """
    if session.stage != "active" or session.authenticated_at is None:
        return True
    return clock.now() - session.authenticated_at > dt.timedelta(minutes=minutes)


def claim_step(tx: Transaction, user_name: str, step: int) -> bool:
    """Record ``step`` as the account's last used TOTP step, unless it (or a later one) was.

    One conditional UPDATE, so two requests racing with the same code cannot both win.
    """
    rows = tx.query(
        "UPDATE users SET totp_last_step = ? WHERE user_name = ? AND status = 'active'"
        " AND (totp_last_step IS NULL OR totp_last_step < ?) RETURNING user_name",
        [step, user_name, step],
    ).rows
    return bool(rows)


def reauthenticate(
    store: Store, token: str, password: str, code: str, *, clock: Clock, client: str = ""
) -> Session:
    """Confirm password and a fresh TOTP code again; return the session under a NEW token.

    Sets ``authenticated_at`` (see ``requires_fresh``) and replaces the token (ASVS 7.2.4):
    the caller sets the new cookie. Failures count towards the lockout like log-in failures.
    """
    session = lookup(store, token, clock=clock, stage="active")
    if session is None:
        raise AuthenticationError(SESSION_ENDED)
    name = session.user_name
    now = clock.now()
    password_hash, secret, last_step = store.query(
        "SELECT password_hash, totp_secret, totp_last_step FROM users WHERE user_name = ?",
        [name],
    ).rows[0]

    def refuse(reason: str) -> NoReturn:
        fail(
            store,
            name,
            reason=reason,
            clock=clock,
            client=client,
            action="session.reauthenticate",
            message=REAUTH_REFUSED,
        )

    if not verify_password(password_hash, password):
        refuse("wrong password")
    step = check(secret, code, now, last_step) if secret else None
    if step is None:
        refuse("wrong or reused code")
    fresh = new_token()
    with store.transaction() as tx:
        claimed = claim_step(tx, name, step)
        if claimed:
            tx.execute(
                "UPDATE sessions SET session_hash = ?, authenticated_at = ?, last_seen_at = ?"
                " WHERE session_hash = ?",
                [token_hash(fresh), now, now, token_hash(token)],
            )
            append(
                tx,
                AuditEvent(
                    name,
                    session.principal().role,
                    "session.reauthenticate",
                    f"user:{name}",
                    "succeeded",
                    "",
                    client,
                ),
                clock=clock,
            )
    if not claimed:
        refuse("code already used")
    return dataclasses.replace(session, token=fresh, authenticated_at=now, last_seen_at=now)
