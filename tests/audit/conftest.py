"""An audit log on each store, and raw access to its tables as an attacker holding the database
would have it: the DuckDB file opened with the ``duckdb`` module after the store is closed, or a
PostgreSQL connection that disables the append-only triggers for the duration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from openblotter.audit import AuditEvent, record
from openblotter.audit.entry import GENESIS_CHAIN, chain_hash, row_leaf_hash
from openblotter.audit.log import COLUMNS
from openblotter.clock import FixedClock
from openblotter.storage import Store, open_store

if TYPE_CHECKING:
    from collections.abc import Iterator

    from openblotter.settings import Settings

START = dt.datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=dt.UTC)
HOSTILE = "line one\r\nline two\x1b[31m red \x1b[0m<script>alert('x')</script>\u202e"


class StepClock:
    """A clock that moves on by a few milliseconds each time it is read."""

    def __init__(self, start: dt.datetime = START, step_us: int = 1_250) -> None:
        self.at = start
        self.step = dt.timedelta(microseconds=step_us)

    def now(self) -> dt.datetime:
        self.at += self.step
        return self.at


def event(i: int, **changes: Any) -> AuditEvent:
    """A plausible event number ``i``."""
    values: dict[str, Any] = {
        "actor": ["maria", "james", "cli:root", "anonymous"][i % 4],
        "role": ["data_officer", "supervisor", "operator", "public"][i % 4],
        "action": ["batch.ingest", "release.approve", "user.create", "session.login"][i % 4],
        "object": f"batch:{i}",
        "outcome": ["succeeded", "succeeded", "denied", "failed"][i % 4],
        "reason": f"reason {i}" if i % 3 else "",
        "client": f"203.0.113.{i % 250}" if i % 2 else "",
    }
    values.update(changes)
    return AuditEvent(**values)


@dataclass
class Log:
    """A store with an audit log, and the means to tamper with it behind the store's back."""

    settings: Settings
    store: Store
    clock: StepClock

    @property
    def postgres(self) -> bool:
        return self.settings.database_url is not None

    def fill(self, n: int) -> None:
        """Append ``n`` events, each in its own transaction."""
        for i in range(n):
            record(self.store, event(i), clock=self.clock)

    def rows(self) -> list[tuple[Any, ...]]:
        """Every row of ``audit_log`` in index order, all columns."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY idx"
        return [tuple(r) for r in self.store.query(sql).rows]

    def raw(self, *statements: tuple[str, list[Any]] | str) -> None:
        """Run statements on the database directly (``?`` placeholders), bypassing the store."""
        steps = [(s, []) if isinstance(s, str) else s for s in statements]
        if not self.postgres:
            self.store.close()
            con = duckdb.connect(str(self.settings.duckdb_path))
            try:
                for sql, params in steps:
                    con.execute(sql, params)
            finally:
                con.close()
            self.store = open_store(self.settings)
            return
        import psycopg

        assert self.settings.database_url is not None
        url = self.settings.database_url.get_secret_value()
        with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
            for table in ("audit_log", "audit_heads"):
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for sql, params in steps:
                conn.execute(sql.replace("?", "%s"), params or None)
            for table in ("audit_log", "audit_heads"):
                if conn.execute("SELECT to_regclass(%s)", [table]).fetchone() != (None,):
                    conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    def rewrite(self, rows: list[tuple[Any, ...]]) -> None:
        """Replace the whole table with ``rows`` (tuples in ``COLUMNS`` order)."""
        marks = ", ".join("?" for _ in COLUMNS)
        insert = f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({marks})"
        self.raw("DELETE FROM audit_log", *((insert, list(r)) for r in rows))


def forged(idx: int, previous_chain: str | None, at: dt.datetime, **fields: str) -> tuple[Any, ...]:
    """A row a forger writes with correct hashes (following ``previous_chain``)."""
    values = {
        "actor": "mallory",
        "role": "admin",
        "action": "user.grant",
        "object": "user:mallory",
        "outcome": "succeeded",
        "reason": "",
        "client": "",
    }
    values.update(fields)
    leaf = row_leaf_hash(idx, at, values)
    previous = bytes.fromhex(previous_chain) if previous_chain else GENESIS_CHAIN
    chain = chain_hash(previous, leaf)
    return (idx, at, *values.values(), leaf.hex(), chain.hex())


@pytest.fixture
def log(store: Store, store_settings: Settings) -> Iterator[Log]:
    """An initialised, empty audit log on each store."""
    book = Log(settings=store_settings, store=store, clock=StepClock())
    yield book
    if book.store is not store:
        book.store.close()


@pytest.fixture
def fixed() -> FixedClock:
    return FixedClock(START)
