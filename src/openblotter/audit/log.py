"""Writing the audit log: one entry per staff action, committed with the action itself.

``append`` writes in the caller's transaction, as the last statement before its commit: if the
entry cannot be written the caller's transaction rolls back and the action does not happen
(no unaudited writes). It takes the log's lock first, then reads only the last entry's index
and chain hash, never the whole log; later appends in the same transaction (which holds the
lock, or on DuckDB sees its own snapshot) continue from the entry just written without reading
again. ``record`` appends in a transaction of its own, for denied
attempts and failed logins, whose action never happens.

The lock on PostgreSQL is a transaction-scoped advisory lock keyed on ``audit_log``'s OID:
concurrent appenders queue on it until the holder commits, readers are not blocked. ADR 0007
names ``LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE``, but PostgreSQL grants that mode
only to a role holding UPDATE, DELETE or TRUNCATE on the table, which the application role must
not hold (``grant_app_role``). DuckDB has one writer process.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import TYPE_CHECKING, Any

from openblotter.audit.entry import (
    FIELDS,
    GENESIS_CHAIN,
    chain_hash,
    event_fields,
    row_leaf_hash,
)
from openblotter.errors import ConfigError, IntegrityError

if TYPE_CHECKING:
    from openblotter.audit.events import AuditEvent
    from openblotter.clock import Clock
    from openblotter.storage.base import Store, Transaction

__all__ = ["COLUMNS", "MAX_PAGE", "append", "entries", "lock", "record"]

COLUMNS = ("idx", "logged_at", *FIELDS, "leaf_hash", "chain_hash")
#: the most entries one page of ``entries`` returns
MAX_PAGE = 1_000
# the newest entry (index, chain hash) each open transaction has written, so that appending
# many entries in one transaction reads the log once
_TIPS: weakref.WeakKeyDictionary[Transaction, tuple[int, bytes]] = weakref.WeakKeyDictionary()


def lock(tx: Transaction) -> None:
    """Take the log's write lock until the transaction ends.

    PostgreSQL only (DuckDB has one writer); needs no privilege beyond INSERT (module doc).
    """
    if tx.dialect == "postgres":
        tx.execute(
            "SELECT pg_advisory_xact_lock(CAST(CAST('audit_log' AS regclass) AS oid)::bigint)"
        )


def _last(tx: Transaction) -> tuple[int, bytes]:
    """The index and chain hash of the newest entry (``-1`` and the genesis chain if none)."""
    last = tx.query("SELECT max(idx) FROM audit_log").scalar()
    if last is None:
        return -1, GENESIS_CHAIN
    chain = tx.query("SELECT chain_hash FROM audit_log WHERE idx = ?", [int(last)]).scalar()
    try:
        previous = bytes.fromhex(chain)
    except (TypeError, ValueError):
        previous = b""
    if len(previous) != len(GENESIS_CHAIN):
        raise IntegrityError(
            f"audit entry {last} has no valid chain hash: run `blotter audit verify`"
        )
    return int(last), previous


def append(tx: Transaction, event: AuditEvent, *, clock: Clock) -> int:
    """Append ``event`` to the log inside the caller's transaction; return its index.

    Raises ConfigError for an outcome outside ``OUTCOMES``; any error here propagates, so the
    caller's transaction (and with it the action) rolls back.
    """
    fields = event_fields(event)
    at = clock.now()
    tip = _TIPS.get(tx)
    if tip is None:
        lock(tx)
        tip = _last(tx)
    last, previous = tip
    idx = last + 1
    leaf = row_leaf_hash(idx, at, fields)
    chain = chain_hash(previous, leaf)
    tx.execute(
        "INSERT INTO audit_log (idx, logged_at, actor, role, action, object, outcome, reason,"
        " client, leaf_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [idx, at, *(fields[name] for name in FIELDS), leaf.hex(), chain.hex()],
    )
    _TIPS[tx] = (idx, chain)
    return idx


def record(store: Store, event: AuditEvent, *, clock: Clock) -> int:
    """Append ``event`` in a transaction of its own (a denied attempt, a failed login)."""
    with store.transaction() as tx:
        return append(tx, event, clock=clock)


def entries(
    store: Store,
    *,
    limit: int,
    offset: int = 0,
    actor: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """One page of entries, newest first, optionally of one actor and/or one action.

    ``limit`` is capped at ``MAX_PAGE``. The values are returned exactly as stored; whoever
    shows them encodes them. The caller audits the read itself (action ``audit.read``).
    """
    if limit < 0 or offset < 0:
        raise ConfigError("limit and offset must not be negative")
    where: list[str] = []
    params: list[Any] = []
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM audit_log {clause}"  # noqa: S608 - constant parts
        "ORDER BY idx DESC LIMIT ? OFFSET ?"
    )
    rows = store.query(sql, [*params, min(limit, MAX_PAGE), offset]).as_dicts()
    for row in rows:
        row["logged_at"] = row["logged_at"].astimezone(dt.UTC)
    return rows
