"""The PostgreSQL store does not run the server out of connections (RELIABILITY E.52, API4).

``PostgresStore`` keeps one connection per thread. The web app's sync work runs in anyio's
worker threads, which end after 10 idle seconds and are replaced by new ones; each new thread
opens a new connection. Were the connections of finished threads kept until ``close``, the count
would grow with every burst of traffic under ``blotter serve`` until PostgreSQL refused clients
("too many clients already") — which this test found; the store now closes them.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from openblotter.storage.postgres import PostgresStore

THREADS = 30


@pytest.mark.postgres
def test_postgres_store__finished_threads_leave_no_connections_open(pg_url: str) -> None:
    name = f"sec_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(f"{pg_url}&application_name={name}")
    try:
        for _ in range(THREADS):  # as anyio's worker threads come and go
            worker = threading.Thread(target=lambda: store.query("SELECT 1"))
            worker.start()
            worker.join()
        count = "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
        open_now = int(store.query(count, [name]).scalar() or 0)
    finally:
        store.close()
    assert open_now <= 2, f"{open_now} connections open for {THREADS} finished threads"
