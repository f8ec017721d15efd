"""Merkle trees: OpenZeppelin's convention, our promoted-odd layout, proofs that fail when they should."""

from __future__ import annotations

import os

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ledger.credentials.merkle import MerkleTree, compute_root, hash_pair, leaf_node, proof_length, verify
from ledger.crypto.hashing import keccak256
from ledger.errors import ValidationError

_values = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True)


def _reference_root(values: list[bytes]) -> bytes:
    """An independent, obviously-correct statement of the layout (recursive halving by pairs)."""
    level = [keccak256(keccak256(v)) for v in values]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 2):
            if i + 1 == len(level):
                nxt.append(level[i])
            else:
                a, b = sorted((level[i], level[i + 1]))
                nxt.append(keccak256(a + b))
        level = nxt
    return level[0]


def test_leaf_node_is_openzeppelin_double_hash() -> None:
    value = bytes(range(32))
    assert leaf_node(value) == keccak256(keccak256(value))
    assert hash_pair(b"\x02" * 32, b"\x01" * 32) == keccak256(b"\x01" * 32 + b"\x02" * 32)


def test_small_trees_by_hand() -> None:
    a, b, c = (bytes([n]) * 32 for n in (1, 2, 3))
    la, lb, lc = (leaf_node(v) for v in (a, b, c))
    assert MerkleTree.build([a]).root == la and MerkleTree.build([a]).proof(0) == ()
    tree = MerkleTree.build([a, b, c])
    assert tree.root == hash_pair(hash_pair(la, lb), lc)
    assert tree.proof(0) == (lb, lc)
    assert tree.proof(2) == (hash_pair(la, lb),)  # c is promoted past level 0
    assert tree.depth == 2 and len(tree) == 3


@settings(max_examples=150, deadline=None)
@given(_values)
def test_root_matches_reference_and_every_proof_verifies(values: list[bytes]) -> None:
    tree = MerkleTree.build(values)
    assert tree.root == _reference_root(values)
    proofs = tree.proofs()
    for i, value in enumerate(values):
        assert proofs[i] == tree.proof(i)
        assert len(proofs[i]) == proof_length(i, len(values))
        assert verify(tree.root, value, proofs[i])
        assert tree.index_of(value) == i


@settings(max_examples=150, deadline=None)
@given(_values, st.data())
def test_proof_for_any_other_leaf_is_rejected(values: list[bytes], data: st.DataObject) -> None:
    assume(len(values) >= 2)
    tree = MerkleTree.build(values)
    i = data.draw(st.integers(0, len(values) - 1))
    j = data.draw(st.integers(0, len(values) - 1).filter(lambda k: k != i))
    assert not verify(tree.root, values[i], tree.proof(j))


@settings(max_examples=100, deadline=None)
@given(_values, st.data())
def test_tampered_or_truncated_proof_is_rejected(values: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree.build(values)
    i = data.draw(st.integers(0, len(values) - 1))
    proof = list(tree.proof(i))
    assume(proof)
    assert not verify(tree.root, values[i], proof[:-1])
    k = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(proof[k])
    flipped[bit // 8] ^= 1 << (bit % 8)
    proof[k] = bytes(flipped)
    assert not verify(tree.root, values[i], proof)
    outsider = data.draw(st.binary(min_size=32, max_size=32).filter(lambda v: v not in values))
    assert not verify(tree.root, outsider, tree.proof(i))


def test_hash_function_is_a_parameter() -> None:
    def sha256(data: bytes) -> bytes:
        import hashlib

        return hashlib.sha256(data).digest()

    values = [os.urandom(32) for _ in range(9)]
    tree = MerkleTree.build(values, hasher=sha256)
    assert tree.root != MerkleTree.build(values).root
    assert all(verify(tree.root, v, tree.proof(i), sha256) for i, v in enumerate(values))
    assert not verify(tree.root, values[0], tree.proof(0))  # keccak256 disagrees
    assert compute_root(values[3], tree.proofs()[3], sha256) == tree.root


def test_bad_input_refused() -> None:
    with pytest.raises(ValidationError, match="at least one leaf"):
        MerkleTree.build([])
    with pytest.raises(ValidationError, match="leaf 1"):
        MerkleTree.build([b"\x00" * 32, b"\x00" * 31])
    with pytest.raises(ValidationError, match="leaf 1"):
        MerkleTree.build([b"\x00" * 32, "00" * 32])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="leaf 2 repeats leaf 0"):
        MerkleTree.build([b"\x01" * 32, b"\x02" * 32, b"\x01" * 32])
    with pytest.raises(IndexError):
        MerkleTree.build([b"\x01" * 32]).proof(1)
    with pytest.raises(ValidationError):
        proof_length(5, 5)


def test_hundred_thousand_leaves_build_fast() -> None:
    import time

    values = [os.urandom(32) for _ in range(100_000)]
    # CPU time, not wall time: the machine running the tests may be shared.
    started = time.process_time()
    tree = MerkleTree.build(values)
    proofs = tree.proofs()
    elapsed = time.process_time() - started
    assert verify(tree.root, values[77_777], proofs[77_777])
    assert elapsed < 1.5, f"100k leaves + proofs took {elapsed:.2f} s of CPU"  # ~0.35 s here
