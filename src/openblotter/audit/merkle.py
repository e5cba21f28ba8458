"""The Merkle tree hash of RFC 6962 / RFC 9162, with inclusion and consistency proofs.

A leaf is ``SHA-256(0x00 ‖ data)``, an interior node ``SHA-256(0x01 ‖ left ‖ right)``; a tree
of ``n`` leaves splits at ``k``, the largest power of two strictly smaller than ``n`` (RFC 9162
§2.1.1). The distinct prefixes keep a leaf from passing for a node (second preimages).

The functions take leaf *hashes* (the log stores them), so building a proof never re-reads the
entries. Proofs are lists of 32-byte hashes ordered from the leaf (or the old tree) upwards,
exactly as RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (PROOF / SUBPROOF) define them; the verifiers
follow §2.1.3.2 and §2.1.4.2 step by step.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "prefix_roots",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
#: the root of the empty tree: SHA-256 of the empty string
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: ``SHA-256(0x00 ‖ data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf hashes, level by level in O(n).

    Pairing neighbours and carrying a level's odd last node up unchanged builds exactly the
    RFC 6962 tree (left subtrees are the largest powers of two), without recursion.
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    sha256 = hashlib.sha256
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def prefix_roots(hashes: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The root of the first ``size`` leaves for each of ``sizes`` (each ≤ ``len(hashes)``).

    One pass: a stack of perfect subtrees (a compact range), folded at each size.
    """
    wanted = sorted(set(sizes))
    if wanted and (wanted[0] < 0 or wanted[-1] > len(hashes)):
        raise ValueError(f"a tree of {len(hashes)} leaves has no prefix of every size asked")
    roots: dict[int, bytes] = {}
    stack: list[tuple[int, bytes]] = []  # (leaves covered, subtree hash), largest first
    done = 0
    for size in wanted:
        for h in hashes[done:size]:
            width, node = 1, h
            while stack and stack[-1][0] == width:
                node = node_hash(stack.pop()[1], node)
                width *= 2
            stack.append((width, node))
        done = size
        if not stack:
            roots[size] = EMPTY_ROOT
            continue
        root = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            root = node_hash(left, root)
        roots[size] = root
    return roots


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``hashes`` (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < len(hashes):
        raise ValueError(f"leaf {index} is not in a tree of {len(hashes)} leaves")
    lo, hi, m = 0, len(hashes), index
    siblings: list[bytes] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            siblings.append(root_from_leaf_hashes(hashes[lo + k : hi]))
            hi = lo + k
        else:
            siblings.append(root_from_leaf_hashes(hashes[lo : lo + k]))
            lo, m = lo + k, m - k
    return siblings[::-1]  # PATH lists the nodes from the leaf upwards


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf ``index`` (``leaf_hash``) in the tree ``root`` of ``size``.

    RFC 9162 §2.1.3.2, step by step; a wrong index, size, hash or proof length fails.
    """
    if not 0 <= index < size or len(leaf_hash) != HASH_SIZE or len(root) != HASH_SIZE:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0 or len(p) != HASH_SIZE:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_proof(first: int, hashes: Sequence[bytes]) -> list[bytes]:
    """The proof that the first ``first`` leaves' tree is a prefix of the tree of ``hashes``.

    RFC 9162 §2.1.4.1; empty when ``first`` is 0 or the whole tree.
    """
    n = len(hashes)
    if not 0 <= first <= n:
        raise ValueError(f"a tree of {n} leaves has no prefix of {first} leaves")
    if first in (0, n):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, n, first, True
    # SUBPROOF(m, D[lo:hi], whole), unrolled: each step appends one sibling; the nodes are
    # collected top-down and reversed at the end, as the recursion emits them bottom-up.
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(root_from_leaf_hashes(hashes[lo + k : hi]))
            hi = lo + k
        else:
            proof.append(root_from_leaf_hashes(hashes[lo : lo + k]))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(root_from_leaf_hashes(hashes[lo:hi]))
    proof.reverse()
    return proof


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows tree ``first_root`` (``first`` leaves) to prefix ``second_root``.

    RFC 9162 §2.1.4.2, step by step; ``second_root`` is the tree of ``second`` leaves.
    """
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:  # the empty tree is a prefix of every tree
        return not proof
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
