"""Merkle trees: the positional tree of contracts v2 (the index is bound), the sorted-pair tree of v1
(still verified), proofs that fail when they should."""

from __future__ import annotations

import os

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ledger.credentials.merkle import (
    POSITIONAL,
    SORTED_PAIRS,
    ZERO_NODE,
    MerkleTree,
    compute_root,
    depth_of,
    hash_pair,
    leaf_node,
    proof_length,
    verify,
)
from ledger.crypto.hashing import keccak256, sm3
from ledger.errors import ValidationError

_values = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True)


def _reference_root(values: list[bytes], layout: str) -> bytes:
    """An independent, obviously-correct statement of each layout (level by level)."""
    level = [keccak256(keccak256(v)) for v in values]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 2):
            if i + 1 == len(level):
                nxt.append(keccak256(level[i] + ZERO_NODE) if layout == POSITIONAL else level[i])
            elif layout == POSITIONAL:
                nxt.append(keccak256(level[i] + level[i + 1]))
            else:
                a, b = sorted((level[i], level[i + 1]))
                nxt.append(keccak256(a + b))
        level = nxt
    return level[0]


def test_leaf_node_is_openzeppelin_double_hash() -> None:
    value = bytes(range(32))
    assert leaf_node(value) == keccak256(keccak256(value))
    assert hash_pair(b"\x02" * 32, b"\x01" * 32) == keccak256(b"\x01" * 32 + b"\x02" * 32)


def test_small_positional_trees_by_hand() -> None:
    a, b, c = (bytes([n]) * 32 for n in (1, 2, 3))
    la, lb, lc = (leaf_node(v) for v in (a, b, c))
    assert MerkleTree.build([a]).root == la and MerkleTree.build([a]).proof(0) == ()
    tree = MerkleTree.build([a, b, c])
    left, right = keccak256(la + lb), keccak256(lc + ZERO_NODE)  # c pairs with zero: hashed, not promoted
    assert tree.root == keccak256(left + right)
    assert tree.proof(0) == (lb, right) and tree.proof(1) == (la, right)
    assert tree.proof(2) == (ZERO_NODE, left)
    assert tree.depth == 2 == depth_of(3) and len(tree) == 3 and tree.layout == POSITIONAL
    assert verify(tree.root, c, tree.proof(2), index=2)
    assert not verify(tree.root, c, tree.proof(2), index=3)  # another position, another root
    assert compute_root(c, tree.proof(2), index=4) is None  # an index past the proof's depth leads nowhere


def test_small_sorted_pair_trees_by_hand() -> None:
    a, b, c = (bytes([n]) * 32 for n in (1, 2, 3))
    la, lb, lc = (leaf_node(v) for v in (a, b, c))
    tree = MerkleTree.build([a, b, c], layout=SORTED_PAIRS)
    assert tree.root == hash_pair(hash_pair(la, lb), lc)
    assert tree.proof(0) == (lb, lc)
    assert tree.proof(2) == (hash_pair(la, lb),)  # c is promoted past level 0
    assert tree.depth == 2 and len(tree) == 3


@settings(max_examples=100, deadline=None)
@given(_values, st.sampled_from([POSITIONAL, SORTED_PAIRS]))
def test_root_matches_reference_and_every_proof_verifies(values: list[bytes], layout: str) -> None:
    tree = MerkleTree.build(values, layout=layout)
    assert tree.root == _reference_root(values, layout)
    proofs = tree.proofs()
    for i, value in enumerate(values):
        assert proofs[i] == tree.proof(i)
        assert len(proofs[i]) == proof_length(i, len(values), layout)
        assert verify(tree.root, value, proofs[i], index=i, layout=layout)
        assert tree.index_of(value) == i


@settings(max_examples=100, deadline=None)
@given(_values, st.data())
def test_a_positional_proof_binds_its_index(values: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree.build(values)
    i = data.draw(st.integers(0, len(values) - 1))
    j = data.draw(st.integers(0, 4 * len(values) + 4).filter(lambda k: k != i))
    assert not verify(tree.root, values[i], tree.proof(i), index=j)


@settings(max_examples=100, deadline=None)
@given(_values, st.data(), st.sampled_from([POSITIONAL, SORTED_PAIRS]))
def test_proof_for_any_other_leaf_is_rejected(values: list[bytes], data: st.DataObject, layout: str) -> None:
    assume(len(values) >= 2)
    tree = MerkleTree.build(values, layout=layout)
    i = data.draw(st.integers(0, len(values) - 1))
    j = data.draw(st.integers(0, len(values) - 1).filter(lambda k: k != i))
    assert not verify(tree.root, values[i], tree.proof(j), index=j, layout=layout)
    assert not verify(tree.root, values[i], tree.proof(j), index=i, layout=layout)


@settings(max_examples=80, deadline=None)
@given(_values, st.data(), st.sampled_from([POSITIONAL, SORTED_PAIRS]))
def test_tampered_or_truncated_proof_is_rejected(values: list[bytes], data: st.DataObject, layout: str) -> None:
    tree = MerkleTree.build(values, layout=layout)
    i = data.draw(st.integers(0, len(values) - 1))
    proof = list(tree.proof(i))
    assume(proof)
    assert not verify(tree.root, values[i], proof[:-1], index=i, layout=layout)
    k = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(proof[k])
    flipped[bit // 8] ^= 1 << (bit % 8)
    proof[k] = bytes(flipped)
    assert not verify(tree.root, values[i], proof, index=i, layout=layout)
    outsider = data.draw(st.binary(min_size=32, max_size=32).filter(lambda v: v not in values))
    assert not verify(tree.root, outsider, tree.proof(i), index=i, layout=layout)


def test_hash_function_is_a_parameter() -> None:
    values = [os.urandom(32) for _ in range(9)]
    tree = MerkleTree.build(values, hasher=sm3)
    assert tree.root != MerkleTree.build(values).root
    assert all(verify(tree.root, v, tree.proof(i), sm3, index=i) for i, v in enumerate(values))
    assert not verify(tree.root, values[0], tree.proof(0), index=0)  # keccak256 disagrees
    assert compute_root(values[3], tree.proofs()[3], sm3, index=3) == tree.root


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
    with pytest.raises(ValueError, match="layout"):
        MerkleTree.build([b"\x01" * 32], layout="sorted")
    with pytest.raises(ValueError, match="index"):
        compute_root(b"\x01" * 32, [])


def test_hundred_thousand_leaves_build_fast() -> None:
    import time

    values = [os.urandom(32) for _ in range(100_000)]
    # CPU time, not wall time: the machine running the tests may be shared.
    started = time.process_time()
    tree = MerkleTree.build(values)
    proofs = tree.proofs()
    elapsed = time.process_time() - started
    assert verify(tree.root, values[77_777], proofs[77_777], index=77_777)
    assert elapsed < 1.5, f"100k leaves + proofs took {elapsed:.2f} s of CPU"  # ~0.35 s here


def test_the_upper_half_walked_once_per_batch_still_binds_every_sibling_and_index() -> None:
    # compute_root keeps the way up from mid height for the other leaves of a batch: a tampered upper
    # sibling, or a leaf moved to another index, must still lead elsewhere after valid proofs were checked.
    values = [os.urandom(32) for _ in range(64)]
    tree = MerkleTree.build(values)
    for i, value in enumerate(values):
        assert verify(tree.root, value, tree.proof(i), index=i)
    path = list(tree.proof(5))
    path[-1] = os.urandom(32)
    assert not verify(tree.root, values[5], path, index=5)
    assert not verify(tree.root, values[5], tree.proof(5), index=4)
    assert not verify(tree.root, values[4], tree.proof(5), index=5)
