"""Verifying the audit log: every entry against its hashes, and the log against its heads.

``verify`` re-reads every row, rebuilds its leaf hash from its columns and its chain hash from
the previous row's, and checks that the indices run 0, 1, 2 … without a gap or a repeat. At
the first row that disagrees it names the index and, as far as the evidence allows, what
happened: an entry *edited* (its columns no longer hash to its leaf), *missing* (a gap),
*inserted* (a later row holds the entry first written at this index), *reordered* (a row holds
the entry written at another index) or *removed and renumbered*. Then every recorded tree head
is checked: its root must equal the root of the log's first ``size`` entries as they stand, and
a log shorter than a head was *truncated*. A log rewritten from some entry on, hashes and all,
still disagrees with every head published after that entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openblotter.audit import merkle
from openblotter.audit.entry import FIELDS, GENESIS_CHAIN, chain_hash, row_leaf_hash
from openblotter.audit.heads import published_heads
from openblotter.audit.log import COLUMNS

if TYPE_CHECKING:
    import datetime as dt

    from openblotter.audit.heads import TreeHead
    from openblotter.storage.base import Store

__all__ = ["AuditVerification", "verify"]


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """The outcome of ``verify``: ``first_bad`` is the first index found wrong (None if none)."""

    ok: bool
    size: int
    first_bad: int | None
    problem: str
    heads_checked: int
    heads_failed: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    idx: int
    logged_at: dt.datetime
    fields: dict[str, Any]
    leaf: bytes | None
    chain: bytes | None

    def leaf_at(self, idx: int) -> bytes:
        return row_leaf_hash(idx, self.logged_at, self.fields)

    def follows(self, previous: bytes | None) -> bool:
        return (
            previous is not None
            and self.leaf is not None
            and (chain_hash(previous, self.leaf) == self.chain)
        )


def _hex(value: Any) -> bytes | None:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        return None
    return raw if len(raw) == merkle.HASH_SIZE else None


def _read(store: Store) -> list[_Row]:
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY idx"  # noqa: S608 - constant
    return [
        _Row(
            idx=int(row[0]),
            logged_at=row[1],
            fields=dict(zip(FIELDS, row[2:-2], strict=True)),
            leaf=_hex(row[-2]),
            chain=_hex(row[-1]),
        )
        for row in store.query(sql).rows
    ]


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"


def _origin(rows: list[_Row], p: int) -> int | None:
    """The index the entry now at position ``p`` was written with, if any.

    That is the index with which its columns hash to its stored leaf, searched outwards from p.
    """
    row = rows[p]
    if row.leaf is None:
        return None
    for distance in range(len(rows) + 1):
        for q in {p - distance, p + distance}:
            if q >= 0 and row.leaf_at(q) == row.leaf:
                return q
    return None


def _inserted_before(rows: list[_Row], p: int, previous: bytes) -> int | None:
    """A later position holding the entry first written at ``p`` (rows were inserted)."""
    for j in range(p + 1, len(rows)):
        if rows[j].follows(previous) and rows[j].leaf_at(p) == rows[j].leaf:
            return j
    return None


def _diagnose(rows: list[_Row], p: int, previous: bytes) -> tuple[int, str]:
    """The first bad index and what went wrong, at the first position that fails."""
    row = rows[p]
    if row.idx > p:
        where = f"goes from entry {p - 1} to {row.idx}" if p else f"starts at entry {row.idx}"
        return p, f"{_span(p, row.idx - 1)} missing: the log {where}"
    if row.idx < p:
        return row.idx, f"entry {row.idx} appears twice: a row was inserted with its index"
    own = row.leaf is not None and row.leaf_at(p) == row.leaf
    q = None if own else _origin(rows, p)
    if q is not None and q < p:
        return q, (
            f"{_span(q, p - 1)} inserted: entry {p} holds the entry first written as {q}, "
            "and the entries after it were renumbered"
        )
    if q is not None and q > p:
        if len(rows) > q and rows[q].idx == q and _origin(rows, q) == p:
            return p, f"entries {p} and {q} were swapped (reordered)"
        if p + 1 < len(rows) and _origin(rows, p + 1) == q + 1:
            return p, (
                f"{_span(p, q - 1)} removed and the entries after renumbered: entry {p} "
                f"holds the entry first written as {q}"
            )
        return p, f"reordered: entry {p} holds the entry first written as {q}"
    j = _inserted_before(rows, p, previous)
    if j is not None:
        return p, f"{_span(p, j - 1)} inserted: entry {j} holds the entry first written as {p}"
    if not own and row.follows(previous):
        return p, f"entry {p} edited: its columns no longer hash to its recorded leaf hash"
    if not own and chain_hash(previous, row.leaf_at(p)) == row.chain:
        return p, f"entry {p}'s recorded leaf hash was edited (its columns and chain hash agree)"
    if own:
        return p, (
            f"entry {p} does not follow entry {p - 1} in the hash chain: its chain hash was "
            "edited, or it was forged with a leaf hash of its own"
        )
    return p, (
        f"entry {p} edited or forged: neither its columns, its leaf hash nor its chain hash "
        f"agree with entry {p - 1}"
    )


def _check_chain(rows: list[_Row], leaves: list[bytes]) -> tuple[int | None, str]:
    previous = GENESIS_CHAIN
    for p, row in enumerate(rows):
        if row.idx != p or leaves[p] != row.leaf or not row.follows(previous):
            return _diagnose(rows, p, previous)
        previous = row.chain or GENESIS_CHAIN
    return None, ""


def _describe(head: TreeHead) -> str:
    at = f" on {head.recorded_at:%Y-%m-%d %H:%M:%S} UTC" if head.recorded_at else ""
    where = f" in {head.published_in}" if head.published_in else ""
    return f"the head of size {head.size} published{where}{at}"


def _check_heads(leaves: list[bytes], heads: list[TreeHead]) -> tuple[int | None, list[str], int]:
    n = len(leaves)
    roots = merkle.prefix_roots(leaves, (h.size for h in heads if h.size <= n))
    matching = [h.size for h in heads if h.size <= n and roots[h.size].hex() == h.root]
    first_bad: int | None = None
    problems: list[str] = []
    failed = 0
    for head in heads:
        if head.size > n:
            failed += 1
            first_bad = n if first_bad is None else min(first_bad, n)
            problems.append(
                f"truncated: {_describe(head)} but the log holds {n} entries "
                f"({_span(n, head.size - 1)} removed)"
            )
        elif roots[head.size].hex() != head.root:
            failed += 1
            below = max((s for s in matching if s < head.size), default=0)
            first_bad = below if first_bad is None else min(first_bad, below)
            problems.append(
                f"{_describe(head)} no longer matches: an entry from {below} to "
                f"{head.size - 1} was changed"
            )
    return first_bad, problems, failed


def verify(store: Store) -> AuditVerification:
    """Check every entry's hashes and indices, then every recorded head (see the module doc)."""
    rows = _read(store)
    heads = published_heads(store)
    leaves = [row.leaf_at(p) for p, row in enumerate(rows)]  # what each entry hashes to now
    first_bad, problem = _check_chain(rows, leaves)
    head_bad, head_problems, failed = _check_heads(leaves, heads)
    if first_bad is None:
        first_bad = head_bad
    problems = [problem] if problem else []
    problems += head_problems
    return AuditVerification(
        ok=first_bad is None and not problems,
        size=len(rows),
        first_bad=first_bad,
        problem="; ".join(problems),
        heads_checked=len(heads),
        heads_failed=failed,
    )
