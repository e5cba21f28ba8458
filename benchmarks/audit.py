"""Audit log benchmark: appending, the tree head and verification, against bare SHA-256.

Appends ``--entries`` events (default 100,000) through ``openblotter.audit.append``, one
transaction per ``--batch`` (default 1,000) entries, into a fresh store; then computes the
current tree head (from the stored leaf hashes) and verifies the whole log (every entry
re-encoded and re-hashed, every chain hash recomputed). The reference is ``hashlib.sha256`` over
the same entry bytes, timed in the same run, so the ratios mean something on a noisy machine.
Prints one JSON line.

    .venv/bin/python benchmarks/audit.py                       # DuckDB, 100,000 entries
    .venv/bin/python benchmarks/audit.py --entries 20000
    .venv/bin/python benchmarks/audit.py --postgres postgresql://127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import tempfile
import time
import uuid
from pathlib import Path

from openblotter.audit import AuditEvent, append, current_head, verify
from openblotter.audit.entry import FIELDS, entry_bytes
from openblotter.schema import load_standard
from openblotter.storage import Store, initialize
from openblotter.storage.duckdb import DuckDBStore

ACTIONS = ("batch.ingest", "release.build", "release.approve", "session.login", "audit.read")


class TickClock:
    """One millisecond later at every reading: realistic, distinct, reproducible times."""

    def __init__(self) -> None:
        self.at = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        self.at += dt.timedelta(milliseconds=1)
        return self.at


def event(i: int) -> AuditEvent:
    return AuditEvent(
        actor=f"user{i % 37}",
        role="data_officer",
        action=ACTIONS[i % len(ACTIONS)],
        object=f"batch:{i}",
        outcome="succeeded" if i % 11 else "denied",
        reason="" if i % 3 else f"reason given for action {i}",
        client=f"198.51.100.{i % 250}",
    )


def run(store: Store, entries: int, batch: int) -> dict[str, object]:
    initialize(store, load_standard())
    clock = TickClock()
    start = time.perf_counter()
    for first in range(0, entries, batch):
        with store.transaction() as tx:
            for i in range(first, min(first + batch, entries)):
                append(tx, event(i), clock=clock)
    append_seconds = time.perf_counter() - start

    start = time.perf_counter()
    head = current_head(store)
    head_seconds = time.perf_counter() - start

    start = time.perf_counter()
    result = verify(store)
    verify_seconds = time.perf_counter() - start
    if not result.ok or head.size != entries:
        raise SystemExit(f"benchmark log is not intact: {result.problem}")

    columns = ", ".join(("idx", "logged_at", *FIELDS))
    rows = store.query(f"SELECT {columns} FROM audit_log ORDER BY idx").rows
    bodies = [entry_bytes(r[0], r[1], dict(zip(FIELDS, r[2:], strict=True))) for r in rows]
    start = time.perf_counter()
    for body in bodies:
        hashlib.sha256(b"\x00" + body).digest()
    sha_seconds = time.perf_counter() - start

    return {
        "store": store.dialect,
        "entries": entries,
        "batch": batch,
        "mean_entry_bytes": round(sum(map(len, bodies)) / len(bodies)),
        "append_seconds": round(append_seconds, 2),
        "append_entries_per_second": round(entries / append_seconds),
        "head_seconds": round(head_seconds, 3),
        "verify_seconds": round(verify_seconds, 2),
        "verify_entries_per_second": round(entries / verify_seconds),
        "sha256_seconds": round(sha_seconds, 4),
        "ratio_append_to_sha256": round(append_seconds / sha_seconds),
        "ratio_head_to_sha256": round(head_seconds / sha_seconds, 1),
        "ratio_verify_to_sha256": round(verify_seconds / sha_seconds, 1),
        "root": head.root,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--postgres", metavar="URL", help="benchmark PostgreSQL (a fresh schema)")
    args = parser.parse_args()
    if args.postgres:
        import psycopg

        from openblotter.storage.postgres import PostgresStore

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in args.postgres else "?"
        try:
            with PostgresStore(f"{args.postgres}{sep}options=-csearch_path%3D{schema}") as store:
                result = run(store, args.entries, args.batch)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    else:
        with (
            tempfile.TemporaryDirectory(prefix="blotter-bench-") as tmp,
            DuckDBStore(Path(tmp) / "audit.duckdb") as store,
        ):
            result = run(store, args.entries, args.batch)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
