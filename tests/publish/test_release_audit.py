"""A release manifest carries the audit log's tree head, recorded as published in that release,
without changing what the release's content hash covers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import duckdb

from openblotter.audit import AuditEvent, current_head, published_heads, record, verify
from openblotter.clock import FixedClock
from openblotter.storage.duckdb import DuckDBStore
from openblotter.storage.lifecycle import initialize
from tests.publish.conftest import NOW, load_sensitive, sensitive_rows
from tests.publish.test_release import build, folder_of

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.privacy.policy import PublicationPolicy
    from openblotter.schema import Standard
    from openblotter.storage import Store


def _audit(store: Store, n: int) -> None:
    for i in range(n):
        record(
            store,
            AuditEvent(actor="maria", role="data_officer", action="batch.ingest",
                       object=f"batch:{i}", outcome="succeeded"),
            clock=FixedClock(NOW),
        )  # fmt: skip


def _manifest(root: Path, record_: object) -> dict[str, object]:
    return json.loads((folder_of(root, record_) / "manifest.json").read_text())  # type: ignore[no-any-return]


def test_release__manifest_carries_the_audit_head_it_records(
    sensitive_store: Store, standard: Standard, tmp_path: Path, policy: PublicationPolicy
) -> None:
    _audit(sensitive_store, 7)
    head = current_head(sensitive_store)
    release = build(sensitive_store, standard, tmp_path, policy)
    manifest = _manifest(tmp_path, release)
    assert manifest["audit_head"] == {"size": 7, "root": head.root}
    (published,) = published_heads(sensitive_store)
    assert (published.size, published.root) == (7, head.root)
    assert published.published_in == f"release:{release.release_id}"
    assert verify(sensitive_store).ok


def test_release__an_unchanged_rerelease_stays_unchanged_whatever_the_log_did(
    sensitive_store: Store, standard: Standard, tmp_path: Path, policy: PublicationPolicy
) -> None:
    first = build(sensitive_store, standard, tmp_path, policy)
    _audit(sensitive_store, 5)  # staff actions since: the log moved on, the data did not
    again = build(sensitive_store, standard, tmp_path, policy)
    assert again.unchanged
    assert again.release_id == first.release_id
    assert len(published_heads(sensitive_store)) == 1  # no release, no new head


def test_release__the_audit_head_does_not_enter_the_content_hash(
    sensitive_store: Store, standard: Standard, tmp_path: Path, policy: PublicationPolicy
) -> None:
    _audit(sensitive_store, 3)
    mine = build(sensitive_store, standard, tmp_path, policy)
    other = DuckDBStore(tmp_path / "other.duckdb")
    try:
        initialize(other, standard)
        load_sensitive(other, standard, tmp_path, sensitive_rows())
        theirs = build(other, standard, tmp_path / "twin", policy)  # an empty audit log
    finally:
        other.close()
    assert theirs.content_sha256 == mine.content_sha256
    a, b = _manifest(tmp_path, mine), _manifest(tmp_path / "twin", theirs)
    assert a["files"] == b["files"]
    assert a["audit_head"] != b["audit_head"]
    assert {k: v for k, v in a.items() if k != "audit_head"} == {
        k: v for k, v in b.items() if k != "audit_head"
    }


def test_release__a_store_without_audit_tables_releases_without_a_head(
    standard: Standard, tmp_path: Path, policy: PublicationPolicy
) -> None:
    path = tmp_path / "old.duckdb"
    store = DuckDBStore(path)
    initialize(store, standard)
    load_sensitive(store, standard, tmp_path, sensitive_rows())
    store.close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE audit_log")
    con.execute("DROP TABLE audit_heads")
    con.close()
    store = DuckDBStore(path)
    try:
        release = build(store, standard, tmp_path, policy)
        assert "audit_head" not in _manifest(tmp_path, release)
    finally:
        store.close()
