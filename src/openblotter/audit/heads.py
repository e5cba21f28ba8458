"""Tree heads of the audit log: the current one, the published ones, and proofs between them.

A tree head is the log's size and the Merkle root of its first ``size`` leaf hashes. Heads are
published (recorded in ``audit_heads``) when a release is built and when ``blotter audit head
--publish`` runs; anyone who kept an old head can ask for a consistency proof and check, with
public data only, that today's log extends it. Everything here reads the stored leaf hashes
only; ``verify`` is what recomputes them from the entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openblotter.audit import merkle
from openblotter.audit.entry import clean_field
from openblotter.audit.log import lock
from openblotter.errors import ConfigError, IntegrityError, NotFoundError

if TYPE_CHECKING:
    from openblotter.clock import Clock
    from openblotter.storage.base import Store, Transaction

__all__ = [
    "ConsistencyCheck",
    "TreeHead",
    "consistency",
    "current_head",
    "has_audit_log",
    "parse_root",
    "prove_consistency",
    "prove_inclusion",
    "publish_head",
    "published_heads",
    "stored_leaf_hashes",
]


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The log's size and Merkle root (hex); ``recorded_at`` is set for a published head."""

    size: int
    root: str
    recorded_at: dt.datetime | None = None
    published_in: str = ""


@dataclass(frozen=True, slots=True)
class ConsistencyCheck:
    """Whether the current log extends an earlier head, with the RFC 9162 proof (hex)."""

    ok: bool
    first_size: int
    first_root: str
    size: int
    root: str
    proof: list[str] = field(default_factory=list)
    problem: str = ""


def has_audit_log(store: Store) -> bool:
    """Whether the store has the audit tables (every store after migration 4)."""
    return {"audit_log", "audit_heads"} <= store.tables()


def stored_leaf_hashes(reader: Store | Transaction) -> list[bytes]:
    """The stored leaf hashes in index order (one column: no entry is re-hashed)."""
    rows = reader.query("SELECT leaf_hash FROM audit_log ORDER BY idx").rows
    try:
        return [bytes.fromhex(row[0]) for row in rows]
    except (TypeError, ValueError) as exc:
        raise IntegrityError(
            "an audit entry has a malformed leaf hash: run `blotter audit verify`"
        ) from exc


def parse_root(root: str) -> bytes:
    """A root given as 64 hex digits, as bytes."""
    try:
        value = bytes.fromhex(root.strip())
    except ValueError:
        value = b""
    if len(value) != merkle.HASH_SIZE:
        raise ConfigError("a tree head root is 64 hexadecimal digits (a SHA-256)")
    return value


def current_head(store: Store) -> TreeHead:
    """The head of the log as it stands, from the stored leaf hashes."""
    hashes = stored_leaf_hashes(store)
    return TreeHead(size=len(hashes), root=merkle.root_from_leaf_hashes(hashes).hex())


def publish_head(
    tx: Transaction,
    *,
    clock: Clock,
    published_in: str,
    head: TreeHead | None = None,
) -> TreeHead:
    """Record the current head (or ``head``, an earlier head of this log) in ``audit_heads``.

    ``published_in`` says where it went: ``daily``, ``release:<agency>/v<version>`` …
    Recording the same head twice at the same instant records it once.
    """
    if not published_in.strip():
        raise ConfigError("say where the head is published (published_in)")
    lock(tx)
    hashes = stored_leaf_hashes(tx)
    if head is None:
        head = TreeHead(size=len(hashes), root=merkle.root_from_leaf_hashes(hashes).hex())
    elif head.size > len(hashes) or (
        merkle.root_from_leaf_hashes(hashes[: head.size]) != parse_root(head.root)
    ):
        raise IntegrityError(
            f"the head of size {head.size} to record is not a head of this audit log"
        )
    at = clock.now()
    existing = tx.query(
        "SELECT root FROM audit_heads WHERE size = ? AND recorded_at = ?", [head.size, at]
    ).scalar()
    if existing is None:
        tx.execute(
            "INSERT INTO audit_heads (size, root, recorded_at, published_in) VALUES (?, ?, ?, ?)",
            [head.size, head.root, at, clean_field(published_in)],
        )
    elif existing != head.root:
        raise IntegrityError(f"a different head of size {head.size} is recorded at {at}")
    return TreeHead(size=head.size, root=head.root, recorded_at=at, published_in=published_in)


def published_heads(store: Store) -> list[TreeHead]:
    """Every recorded head, oldest first."""
    rows = store.query(
        "SELECT size, root, recorded_at, published_in FROM audit_heads ORDER BY recorded_at, size"
    ).rows
    return [
        TreeHead(size=int(size), root=root, recorded_at=at.astimezone(dt.UTC), published_in=where)
        for size, root, at, where in rows
    ]


def consistency(store: Store, first_size: int, first_root: str) -> ConsistencyCheck:
    """Whether the current log extends the head (``first_size``, ``first_root``).

    The proof is the RFC 9162 consistency proof from ``first_size`` to the current size,
    checked here exactly as an outside auditor would check it.
    """
    if first_size < 0:
        raise ConfigError("a tree head's size cannot be negative")
    old = parse_root(first_root)
    hashes = stored_leaf_hashes(store)
    size, root = len(hashes), merkle.root_from_leaf_hashes(hashes)
    if first_size > size:
        return ConsistencyCheck(
            ok=False,
            first_size=first_size,
            first_root=old.hex(),
            size=size,
            root=root.hex(),
            problem=(
                f"the log holds {size} entries, fewer than the {first_size} of that head: "
                "it was truncated"
            ),
        )
    proof = merkle.consistency_proof(first_size, hashes)
    ok = merkle.verify_consistency(first_size, size, old, root, proof)
    if first_size == 0:
        ok = ok and old == merkle.EMPTY_ROOT
    return ConsistencyCheck(
        ok=ok,
        first_size=first_size,
        first_root=old.hex(),
        size=size,
        root=root.hex(),
        proof=[p.hex() for p in proof],
        problem=""
        if ok
        else (
            f"the log's first {first_size} entries do not hash to that head's root: "
            "entries below it were changed, removed or reordered"
        ),
    )


def _sizes(hashes: list[bytes], first: int, second: int | None) -> int:
    second = len(hashes) if second is None else second
    if first < 0 or second < first:
        raise ConfigError(f"no proof from size {first} to size {second}")
    if second > len(hashes):
        raise NotFoundError(f"the audit log holds {len(hashes)} entries, not {second}")
    return second


def prove_consistency(store: Store, first: int, second: int | None = None) -> list[str]:
    """The consistency proof (hex) from the first ``first`` entries to the first ``second``.

    ``second`` is by default the whole log.
    """
    hashes = stored_leaf_hashes(store)
    second = _sizes(hashes, first, second)
    return [p.hex() for p in merkle.consistency_proof(first, hashes[:second])]


def prove_inclusion(store: Store, index: int, size: int | None = None) -> list[str]:
    """The inclusion proof (hex) of entry ``index`` in the tree of the first ``size`` entries.

    ``size`` is by default the whole log.
    """
    hashes = stored_leaf_hashes(store)
    size = _sizes(hashes, index, size)
    if index >= size:
        raise NotFoundError(f"entry {index} is not in a tree of {size} entries")
    return [p.hex() for p in merkle.inclusion_proof(index, hashes[:size])]
