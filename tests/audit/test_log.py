"""Writing and reading the audit log on both stores: entries, heads, proofs, and the rule that
an action whose entry cannot be written does not happen."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading

import pytest

from openblotter.audit import (
    AuditEvent,
    append,
    consistency,
    current_head,
    entries,
    merkle,
    prove_consistency,
    prove_inclusion,
    publish_head,
    published_heads,
    record,
    verify,
)
from openblotter.audit.entry import MAX_FIELD, canonical_time, entry_bytes
from openblotter.audit.heads import stored_leaf_hashes
from openblotter.clock import FixedClock
from openblotter.errors import ConfigError, IntegrityError, NotFoundError, StorageError
from openblotter.schema import Standard
from openblotter.storage import initialize
from openblotter.storage.postgres import PostgresStore
from tests.audit.conftest import HOSTILE, START, Log, StepClock, event


def test_append__numbers_entries_from_zero_and_chains_them(log: Log) -> None:
    assert [record(log.store, event(i), clock=log.clock) for i in range(5)] == [0, 1, 2, 3, 4]
    rows = log.rows()
    previous = bytes(32)
    for i, row in enumerate(rows):
        fields = dict(
            zip(
                ("actor", "role", "action", "object", "outcome", "reason", "client"),
                row[2:9],
                strict=True,
            )
        )
        body = entry_bytes(i, row[1], fields)
        assert json.loads(body)["idx"] == i
        leaf = hashlib.sha256(b"\x00" + body).digest()
        assert row[9] == leaf.hex()
        assert row[10] == hashlib.sha256(previous + leaf).hexdigest()
        previous = bytes.fromhex(row[10])
    assert verify(log.store).ok


def test_entry__is_canonical_json_with_utc_microseconds() -> None:
    at = dt.datetime(2026, 11, 28, 7, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    body = entry_bytes(
        3,
        at,
        dict.fromkeys(("actor", "role", "action", "object", "outcome", "reason", "client"), "é"),
    )
    assert (
        body
        == (
            '{"action":"é","actor":"é","client":"é","idx":3,"logged_at":"2026-11-28T12:00:00.000005Z",'
            '"object":"é","outcome":"é","reason":"é","role":"é"}'
        ).encode()
    )
    with pytest.raises(ConfigError, match="timezone-aware"):
        canonical_time(dt.datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_append__keeps_the_time_to_the_microsecond(log: Log) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=dt.UTC))
    record(log.store, event(0), clock=clock)
    (row,) = entries(log.store, limit=10)
    assert row["logged_at"] == clock.at
    assert row["logged_at"].utcoffset() == dt.timedelta(0)
    assert verify(log.store).ok


def test_append__hostile_strings_round_trip_exactly(log: Log) -> None:
    hostile = AuditEvent(
        actor=f"eve{HOSTILE}", role="public", action="session.login", object=HOSTILE,
        outcome="failed", reason=HOSTILE, client="198.51.100.7\r\nX-Forwarded-For: 1.2.3.4",
    )  # fmt: skip
    record(log.store, hostile, clock=log.clock)
    (row,) = entries(log.store, limit=1)
    assert row["actor"] == hostile.actor
    assert row["object"] == HOSTILE
    assert row["reason"] == HOSTILE
    assert row["client"] == hostile.client
    assert verify(log.store).ok


def test_append__caps_each_field_and_replaces_what_no_store_can_hold(log: Log) -> None:
    record(log.store, event(0, reason="A" * 50_000, object="nul\x00here"), clock=log.clock)
    (row,) = entries(log.store, limit=1)
    assert len(row["reason"]) == MAX_FIELD
    assert row["reason"].startswith("AAAA")
    assert row["reason"].endswith("…[truncated: 50,000 characters]")
    assert row["object"] == "nul\ufffdhere"
    assert verify(log.store).ok


def test_append__refuses_an_unknown_outcome(log: Log) -> None:
    with pytest.raises(ConfigError, match="outcome must be one of"):
        record(log.store, event(0, outcome="maybe"), clock=log.clock)
    assert log.rows() == []


@pytest.mark.parametrize("failure", ["bad outcome", "unwritable table"])
def test_append__failure_rolls_back_the_action_it_audits(log: Log, failure: str) -> None:
    record(log.store, event(0), clock=log.clock)
    if failure == "unwritable table":
        log.raw("ALTER TABLE audit_log RENAME TO audit_log_gone")
    bad = event(1, outcome="maybe") if failure == "bad outcome" else event(1)

    def action() -> None:
        with log.store.transaction() as tx:
            tx.execute("INSERT INTO blotter_meta (key, value) VALUES ('the_action', 'done')")
            append(tx, bad, clock=log.clock)

    with pytest.raises((ConfigError, StorageError)):
        action()
    done = log.store.query("SELECT count(*) FROM blotter_meta WHERE key = 'the_action'")
    assert done.scalar() == 0


def test_append__commits_with_the_action(log: Log) -> None:
    with log.store.transaction() as tx:
        tx.execute("INSERT INTO blotter_meta (key, value) VALUES ('the_action', 'done')")
        idx = append(tx, event(0), clock=log.clock)
    assert idx == 0
    assert log.store.query("SELECT count(*) FROM blotter_meta WHERE key = 'the_action'").scalar()

    def failing_action() -> None:
        with log.store.transaction() as tx:
            append(tx, event(1), clock=log.clock)
            raise RuntimeError("the action fails after its entry was written")

    with pytest.raises(RuntimeError):
        failing_action()
    assert len(log.rows()) == 1  # the entry went with the action


def test_append__reads_only_the_last_entry(log: Log) -> None:
    log.fill(6)
    rows = log.rows()
    # garbage in an old entry's hashes does not stop appending (append never re-reads it) …
    log.raw(("UPDATE audit_log SET leaf_hash = 'zz', chain_hash = 'zz' WHERE idx = ?", [1]))
    assert record(log.store, event(6), clock=log.clock) == 6
    assert log.rows()[6][10] != rows[5][10]
    # … verification is where it shows
    assert verify(log.store).first_bad == 1


@pytest.mark.postgres
def test_append__concurrent_writers_queue_on_postgresql(pg_url: str, standard: Standard) -> None:
    with PostgresStore(pg_url) as store:
        initialize(store, standard)
    errors: list[BaseException] = []
    clock = StepClock()

    def writer(offset: int) -> None:
        try:
            with PostgresStore(pg_url) as store:
                for i in range(20):
                    record(store, event(offset + i), clock=clock)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with PostgresStore(pg_url) as store:
        indices = store.query("SELECT idx FROM audit_log ORDER BY idx").rows
        assert [r[0] for r in indices] == list(range(60))
        assert verify(store).ok


def test_entries__page_newest_first_and_filter(log: Log) -> None:
    log.fill(12)
    page = entries(log.store, limit=5)
    assert [r["idx"] for r in page] == [11, 10, 9, 8, 7]
    assert [r["idx"] for r in entries(log.store, limit=5, offset=10)] == [1, 0]
    assert {r["actor"] for r in entries(log.store, limit=100, actor="maria")} == {"maria"}
    assert [r["idx"] for r in entries(log.store, limit=100, action="user.create")] == [10, 6, 2]
    assert entries(log.store, limit=100, actor="maria", action="user.create") == []
    assert len(entries(log.store, limit=10**9)) == 12
    with pytest.raises(ConfigError):
        entries(log.store, limit=-1)


def test_head__is_the_root_of_the_stored_leaf_hashes(log: Log) -> None:
    assert current_head(log.store).size == 0
    assert current_head(log.store).root == hashlib.sha256(b"").hexdigest()
    log.fill(9)
    head = current_head(log.store)
    assert head.size == 9
    assert head.recorded_at is None
    assert head.root == merkle.root_from_leaf_hashes(stored_leaf_hashes(log.store)).hex()


def test_publish_head__records_heads_and_each_stays_consistent(log: Log) -> None:
    log.fill(5)
    with log.store.transaction() as tx:
        first = publish_head(tx, clock=log.clock, published_in="daily")
    log.fill(7)
    with log.store.transaction() as tx:
        second = publish_head(tx, clock=log.clock, published_in="release:xx_pd/v1")
    heads = published_heads(log.store)
    assert [(h.size, h.root, h.published_in) for h in heads] == [
        (5, first.root, "daily"),
        (12, second.root, "release:xx_pd/v1"),
    ]
    assert heads[0].recorded_at == first.recorded_at
    check = consistency(log.store, 5, first.root)
    assert check.ok, check.problem
    assert (check.size, check.root) == (12, second.root)
    assert check.proof == prove_consistency(log.store, 5)
    assert verify(log.store).heads_checked == 2


def test_publish_head__an_earlier_head_only_if_it_is_one_of_this_log(log: Log, fixed) -> None:  # type: ignore[no-untyped-def]
    log.fill(4)
    early = current_head(log.store)
    log.fill(3)
    with log.store.transaction() as tx:
        assert publish_head(tx, clock=fixed, published_in="release:a/v1", head=early).size == 4
    with log.store.transaction() as tx:  # same instant, same head: recorded once
        publish_head(tx, clock=fixed, published_in="release:a/v1", head=early)
    assert [h.size for h in published_heads(log.store)] == [4]
    fake = type(early)(size=4, root="00" * 32)
    with pytest.raises(IntegrityError), log.store.transaction() as tx:
        publish_head(tx, clock=log.clock, published_in="daily", head=fake)
    with pytest.raises(ConfigError), log.store.transaction() as tx:
        publish_head(tx, clock=log.clock, published_in=" ")


def test_consistency__refuses_a_head_this_log_does_not_extend(log: Log) -> None:
    log.fill(6)
    head = current_head(log.store)
    assert not consistency(log.store, 6, "ab" * 32).ok
    assert not consistency(log.store, 0, "ab" * 32).ok
    assert consistency(log.store, 0, hashlib.sha256(b"").hexdigest()).ok
    short = consistency(log.store, 7, head.root)
    assert not short.ok
    assert "truncated" in short.problem
    with pytest.raises(ConfigError, match="64 hexadecimal"):
        consistency(log.store, 6, "not hex")


def test_proofs__verify_against_the_heads(log: Log) -> None:
    log.fill(11)
    hashes = stored_leaf_hashes(log.store)
    root = merkle.root_from_leaf_hashes(hashes)
    for i in range(11):
        proof = [bytes.fromhex(p) for p in prove_inclusion(log.store, i)]
        assert merkle.verify_inclusion(i, 11, hashes[i], proof, root)
    small = merkle.root_from_leaf_hashes(hashes[:6])
    proof = [bytes.fromhex(p) for p in prove_inclusion(log.store, 2, 6)]
    assert merkle.verify_inclusion(2, 6, hashes[2], proof, small)
    steps = [bytes.fromhex(p) for p in prove_consistency(log.store, 3, 6)]
    assert merkle.verify_consistency(3, 6, merkle.root_from_leaf_hashes(hashes[:3]), small, steps)
    with pytest.raises(NotFoundError):
        prove_inclusion(log.store, 11)
    with pytest.raises(NotFoundError):
        prove_consistency(log.store, 3, 12)
    with pytest.raises(ConfigError):
        prove_consistency(log.store, 5, 4)


def test_record__time_comes_from_the_clock(log: Log) -> None:
    record(log.store, event(0), clock=FixedClock(START))
    assert entries(log.store, limit=1)[0]["logged_at"] == START


def test_append__many_in_one_transaction_read_the_log_once_and_chain(log: Log) -> None:
    log.fill(3)
    with log.store.transaction() as tx:
        indices = [append(tx, event(i), clock=log.clock) for i in range(3, 40)]
        with_head = publish_head(tx, clock=log.clock, published_in="daily")
        indices.append(append(tx, event(40), clock=log.clock))
    assert indices == list(range(3, 41))
    assert with_head.size == 40
    with log.store.transaction() as tx:  # a new transaction starts from the stored log
        assert append(tx, event(41), clock=log.clock) == 41
    result = verify(log.store)
    assert result.ok, result.problem
    assert (result.size, result.heads_checked) == (42, 1)
