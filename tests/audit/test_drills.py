"""Tamper drills (RELIABILITY.md checklist B 19-20): the log is changed behind the store's back,
as someone holding the database file or the database owner's password could, and ``verify``
names the first bad index and what happened; published heads stop matching."""

from __future__ import annotations

from openblotter.audit import consistency, current_head, publish_head, verify
from tests.audit.conftest import Log, forged


def publish(log: Log) -> tuple[int, str]:
    with log.store.transaction() as tx:
        head = publish_head(tx, clock=log.clock, published_in="daily")
    return head.size, head.root


def test_drill__intact_log_verifies(log: Log) -> None:
    log.fill(30)
    publish(log)
    log.fill(5)
    result = verify(log.store)
    assert result.ok, result.problem
    assert (result.size, result.first_bad, result.heads_checked) == (35, None, 1)


def test_drill__an_edited_reason_is_named_and_the_published_head_no_longer_matches(
    log: Log,
) -> None:
    log.fill(30)
    size, _ = publish(log)
    log.raw(("UPDATE audit_log SET reason = ? WHERE idx = ?", ["nothing happened", 17]))
    result = verify(log.store)
    assert not result.ok
    assert result.first_bad == 17
    assert "entry 17 edited" in result.problem
    assert f"head of size {size} published in daily" in result.problem
    assert "no longer matches" in result.problem
    assert result.heads_failed == 1


def test_drill__an_edit_with_recomputed_hashes_still_breaks_the_chain(log: Log) -> None:
    log.fill(20)
    rows = log.rows()
    previous = rows[8][10]
    row = forged(9, previous, rows[9][1], **dict(zip(
        ("actor", "role", "action", "object", "outcome", "reason", "client"),
        (*rows[9][2:7], "edited", rows[9][8]), strict=True)))  # fmt: skip
    assert row[10] != rows[9][10]
    rows[9] = row
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 10  # entry 9 now chains; entry 10 no longer follows it
    assert "entry 10" in result.problem


def test_drill__a_log_rewritten_from_an_entry_on_fails_every_later_head(log: Log) -> None:
    log.fill(10)
    publish(log)
    log.fill(10)
    publish(log)
    rows = log.rows()
    chain = rows[13][10]
    for i in range(14, 20):  # a careful forger: every hash recomputed from entry 14 on
        rows[i] = forged(i, chain, rows[i][1], reason="rewritten")
        chain = rows[i][10]
    log.rewrite(rows)
    result = verify(log.store)
    assert not result.ok
    assert result.first_bad == 10  # the head of size 10 still matches, the one of 20 not
    assert "head of size 20" in result.problem
    assert "head of size 10" not in result.problem


def test_drill__truncation_is_inconsistent_with_the_published_head(log: Log) -> None:
    log.fill(40)
    size, root = publish(log)
    assert consistency(log.store, size, root).ok
    log.raw(("DELETE FROM audit_log WHERE idx >= ?", [30]))
    check = consistency(log.store, size, root)
    assert not check.ok
    assert "truncated" in check.problem
    result = verify(log.store)
    assert not result.ok
    assert result.first_bad == 30
    assert "truncated" in result.problem
    assert "entries 30 to 39 removed" in result.problem
    # appending again cannot paper over it: the new log does not extend the old head
    log.fill(12)
    assert current_head(log.store).size == 42
    assert not consistency(log.store, size, root).ok
    assert not verify(log.store).ok


def test_drill__a_deleted_entry_in_the_middle_is_missing(log: Log) -> None:
    log.fill(25)
    log.raw(("DELETE FROM audit_log WHERE idx = ?", [11]))
    result = verify(log.store)
    assert result.first_bad == 11
    assert "entry 11 missing" in result.problem


def test_drill__deletion_with_the_later_entries_renumbered(log: Log) -> None:
    log.fill(25)
    rows = log.rows()
    del rows[11]
    rows = [(i, *r[1:]) for i, r in enumerate(rows)]
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 11
    assert "entry 11 removed and the entries after renumbered" in result.problem


def test_drill__a_forged_entry_inserted_in_the_middle(log: Log) -> None:
    log.fill(25)
    rows = log.rows()
    fake = forged(8, rows[7][10], rows[7][1])  # hashes correct, following entry 7
    rows = [*rows[:8], fake, *((i + 1, *r[1:]) for i, r in enumerate(rows[8:], start=8))]
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 8
    assert "entry 8 inserted" in result.problem


def test_drill__a_careless_forgery_inserted_in_the_middle(log: Log) -> None:
    log.fill(25)
    rows = log.rows()
    fake = (8, rows[7][1], "mallory", "admin", "user.grant", "user:m", "succeeded", "", "",
            "ab" * 32, "cd" * 32)  # fmt: skip
    rows = [*rows[:8], fake, *((i + 1, *r[1:]) for i, r in enumerate(rows[8:], start=8))]
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 8
    assert "entry 8 inserted" in result.problem


def test_drill__a_forged_entry_appended_with_wrong_hashes(log: Log) -> None:
    log.fill(10)
    rows = log.rows()
    log.raw((
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [10, rows[9][1], "mallory", "admin", "user.grant", "user:m", "succeeded", "", "",
         "ab" * 32, "cd" * 32],
    ))  # fmt: skip
    result = verify(log.store)
    assert result.first_bad == 10
    assert "entry 10 edited or forged" in result.problem


def test_drill__two_swapped_entries(log: Log) -> None:
    log.fill(25)
    rows = log.rows()
    rows[4], rows[15] = (4, *rows[15][1:]), (15, *rows[4][1:])
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 4
    assert "entries 4 and 15 were swapped" in result.problem


def test_drill__two_adjacent_entries_swapped(log: Log) -> None:
    log.fill(10)
    rows = log.rows()
    rows[6], rows[7] = (6, *rows[7][1:]), (7, *rows[6][1:])
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 6
    assert "entries 6 and 7 were swapped" in result.problem


def test_drill__an_edited_time_is_an_edit(log: Log) -> None:
    log.fill(10)
    rows = log.rows()
    log.raw(("UPDATE audit_log SET logged_at = ? WHERE idx = ?", [rows[2][1], 5]))
    result = verify(log.store)
    assert result.first_bad == 5
    assert "entry 5 edited" in result.problem


def test_drill__the_first_entry_deleted(log: Log) -> None:
    log.fill(5)
    log.raw(("DELETE FROM audit_log WHERE idx = ?", [0]))
    result = verify(log.store)
    assert result.first_bad == 0
    assert "entry 0 missing: the log starts at entry 1" in result.problem


def test_drill__an_edited_leaf_hash(log: Log) -> None:
    log.fill(8)
    log.raw(("UPDATE audit_log SET leaf_hash = ? WHERE idx = ?", ["00" * 32, 4]))
    result = verify(log.store)
    assert result.first_bad == 4
    assert "entry 4's recorded leaf hash was edited" in result.problem


def test_drill__three_entries_rotated(log: Log) -> None:
    log.fill(8)
    rows = log.rows()
    rows[2], rows[3], rows[4] = (2, *rows[4][1:]), (3, *rows[2][1:]), (4, *rows[3][1:])
    log.rewrite(rows)
    result = verify(log.store)
    assert result.first_bad == 2
    assert "reordered: entry 2 holds the entry first written as 4" in result.problem
