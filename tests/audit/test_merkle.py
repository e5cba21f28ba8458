"""RFC 6962 / 9162 Merkle hashing: the transparency-dev vectors, and the proofs' properties."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    prefix_roots,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# transparency-dev/merkle testonly/constants.go (RELIABILITY.md §2.3)
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
# the abbreviations RELIABILITY.md gives, size 0 to 8
ABBREVIATED = [
    ("e3b0c442", "b855"),
    ("6e340b9c", "a01d"),
    ("fac54203", "c125"),
    ("aeb6bcfe", "6e77"),
    ("d37ee418", "14b7"),
    ("4e3bbb1f", "64d4"),
    ("76e67dad", "87ef"),
    ("ddb89be4", "4c8c"),
    ("5dc9da79", "4328"),
]
# the full roots, computed here and checked against the abbreviations above
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [leaf_hash(leaf) for leaf in LEAVES]

# transparency-dev/merkle proof/verify_test.go: (leaf index, size, path); the Go file counts
# leaves from 1
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 read literally (recursive): the reference for the iterative version."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def leaves_of(n: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(f"{salt}:{i}".encode()) for i in range(n)]


def flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


@pytest.mark.parametrize("size", range(9))
def test_root__reproduces_the_transparency_dev_vectors(size: int) -> None:
    root = root_from_leaf_hashes(HASHES[:size]).hex()
    start, end = ABBREVIATED[size]
    assert root.startswith(start)
    assert root.endswith(end)
    assert root == ROOTS[size]


def test_root__of_size_8_is_exactly_the_published_value() -> None:
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert root_from_leaf_hashes(HASHES).hex() == expected


def test_root__of_the_empty_tree_is_sha256_of_nothing() -> None:
    assert root_from_leaf_hashes([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_leaf_and_node__use_distinct_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion__matches_the_transparency_dev_proofs(
    index: int, size: int, path: list[str]
) -> None:
    proof = inclusion_proof(index, HASHES[:size])
    assert [p.hex() for p in proof] == path
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(index, size, HASHES[index], proof, root)
    for wrong in (index - 1, index + 1, index ^ 2):
        assert not verify_inclusion(wrong, size, HASHES[index], proof, root)
    assert not verify_inclusion(index, size * 2, HASHES[index], proof, root)
    assert not verify_inclusion(index, size // 2, HASHES[index], proof, root)
    assert not verify_inclusion(index, size, HASHES[index], [*proof, root], root)
    assert not verify_inclusion(index, size, HASHES[index], [root, *proof], root)
    assert not verify_inclusion(index, size, HASHES[index], proof[:-1], root)
    assert not verify_inclusion(index, size, HASHES[index], proof, EMPTY_ROOT)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency__matches_the_transparency_dev_proofs(
    first: int, second: int, path: list[str]
) -> None:
    proof = consistency_proof(first, HASHES[:second])
    assert [p.hex() for p in proof] == path
    old, new = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, old, new, proof)
    if not proof:
        return
    assert not verify_consistency(first, second, new, old, proof)
    assert not verify_consistency(first - 1, second, old, new, proof)
    assert not verify_consistency(first + 1, second, old, new, proof)
    assert not verify_consistency(first, second * 2, old, new, proof)
    assert not verify_consistency(first, second, old, new, [])
    assert not verify_consistency(first, second, old, new, proof[:-1])
    assert not verify_consistency(first, second, old, new, [*proof, old])
    assert not verify_consistency(first, second, old, new, [proof[0], *proof])


def test_consistency__edge_sizes() -> None:
    a, b = HASHES[1], HASHES[2]
    assert verify_consistency(0, 0, a, a, [])
    assert not verify_consistency(0, 0, a, b, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, b, [])
    assert not verify_consistency(1, 0, a, b, [])
    assert not verify_consistency(1, 2, a, b, [])
    assert not verify_consistency(1, 1, a, a, [EMPTY_ROOT])
    assert consistency_proof(0, HASHES) == []
    assert consistency_proof(8, HASHES) == []
    with pytest.raises(ValueError, match="no prefix"):
        consistency_proof(9, HASHES)
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(8, HASHES)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=300), salt=st.integers(0, 2**16))
def test_root__iterative_equals_the_recursive_definition(n: int, salt: int) -> None:
    hashes = leaves_of(n, salt)
    assert root_from_leaf_hashes(hashes) == mth(hashes)
    sizes = sorted({0, n, n // 2, n // 3})
    roots = prefix_roots(hashes, sizes)
    assert all(roots[s] == mth(hashes[:s]) for s in sizes)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=1, max_value=160), salt=st.integers(0, 2**16), data=st.data())
def test_inclusion__every_leaf_verifies_and_any_flipped_bit_fails(
    n: int, salt: int, data: st.DataObject
) -> None:
    hashes = leaves_of(n, salt)
    root = root_from_leaf_hashes(hashes)
    for i in range(n):
        proof = inclusion_proof(i, hashes)
        assert verify_inclusion(i, n, hashes[i], proof, root)
        bit = data.draw(st.integers(0, 255), label="leaf bit")
        assert not verify_inclusion(i, n, flip(hashes[i], bit), proof, root)
        if proof:
            k = data.draw(st.integers(0, len(proof) - 1), label="proof element")
            broken = [*proof[:k], flip(proof[k], bit), *proof[k + 1 :]]
            assert not verify_inclusion(i, n, hashes[i], broken, root)
        for b in range(n.bit_length() + 1):
            assert not verify_inclusion(i ^ (1 << b), n, hashes[i], proof, root)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=1, max_value=160), salt=st.integers(0, 2**16), data=st.data())
def test_consistency__every_prefix_verifies_and_a_changed_old_leaf_fails(
    n: int, salt: int, data: st.DataObject
) -> None:
    hashes = leaves_of(n, salt)
    root = root_from_leaf_hashes(hashes)
    for m in range(n + 1):
        proof = consistency_proof(m, hashes)
        old = root_from_leaf_hashes(hashes[:m])
        assert verify_consistency(m, n, old, root, proof)
        if m == 0:
            continue
        j = data.draw(st.integers(0, m - 1), label="changed leaf")
        altered = [*hashes[:j], leaf_hash(b"forged"), *hashes[j + 1 :]]
        altered_old = root_from_leaf_hashes(altered[:m])
        # the old head was of the altered log; today's log (with the original leaf) must not
        # prove that it extends it, nor may the altered log prove it extends the real head
        assert not verify_consistency(m, n, altered_old, root, proof)
        altered_proof = consistency_proof(m, altered)
        assert not verify_consistency(m, n, old, root_from_leaf_hashes(altered), altered_proof)


def test_proofs__at_ten_thousand_leaves_for_a_sample() -> None:
    n = 10_000
    hashes = leaves_of(n, 7)
    root = root_from_leaf_hashes(hashes)
    rng = random.Random(20261128)
    for i in [0, 1, n // 2, n - 2, n - 1, *rng.sample(range(n), 40)]:
        proof = inclusion_proof(i, hashes)
        assert len(proof) <= 14
        assert verify_inclusion(i, n, hashes[i], proof, root)
        assert not verify_inclusion(i, n, flip(hashes[i], i % 256), proof, root)
        assert not verify_inclusion(i ^ 1, n, hashes[i], proof, root)
    roots = prefix_roots(hashes, range(0, n + 1, 37))
    for m in [1, 2, 1024, 4096, 8191, 8192, 8193, n - 1, n, *rng.sample(range(1, n), 30)]:
        old = roots[m] if m in roots else root_from_leaf_hashes(hashes[:m])
        proof = consistency_proof(m, hashes)
        assert verify_consistency(m, n, old, root, proof)
        j = rng.randrange(m)
        altered = root_from_leaf_hashes([*hashes[:j], leaf_hash(b"x"), *hashes[j + 1 : m]])
        assert not verify_consistency(m, n, altered, root, proof)
