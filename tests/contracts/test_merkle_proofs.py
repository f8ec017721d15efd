"""Proofs built in Python are accepted by the contract at their own index, and refused at any other.

The tree comes from ``ledger.credentials.merkle`` (positional, contracts v2); a tiny independent
implementation below, written from ``contracts/README.md`` ("Merkle tree"), checks that the root is what
the documented rules give, so the contract, the library and this file agree. The hash is the chain's own
(``hash_function(chain.crypto)``: keccak256 here, SM3 on an EVM whose KECCAK256 opcode is SM3), so the
same test holds on an SM chain.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import types as T
from ledger.contracts.deployment import Contracts, deploy
from ledger.credentials.merkle import MerkleTree, depth_of
from ledger.crypto.hashing import hash_function
from tests.conftest import open_test_chain

from .conftest import BATCH_TYPE, new_key

ZERO = b"\0" * 32


def _reference_root(values: list[bytes], h) -> bytes:  # type: ignore[no-untyped-def]
    """Positional tree, leaves double-hashed, an odd last node paired with zero (written from the spec)."""
    level = [h(h(v)) for v in values]
    while len(level) > 1:
        if len(level) % 2:
            level.append(ZERO)
        level = [h(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class _Setup:
    def __init__(self, config: pytest.Config) -> None:
        self.chain, self.close = open_test_chain(config)  # the chain --chain names
        self.committee, self.issuer = new_key(self.chain), new_key(self.chain)
        self.c = Contracts(self.chain, deploy(self.chain, self.committee))
        self.c.credentials.define_type(self.committee, BATCH_TYPE, field=1, level=1,
                                       allowed_kinds=T.IssuerKinds.of(T.IssuerKind.UNIVERSITY),
                                       criteria=T.Criteria())
        self.c.issuers.add_issuer(self.committee, self.issuer.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
        self.hash = hash_function(self.chain.crypto)


@pytest.fixture(scope="module")
def setup(pytestconfig: pytest.Config) -> Iterator[_Setup]:
    s = _Setup(pytestconfig)
    yield s
    s.close()


values32 = st.binary(min_size=32, max_size=32)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leaves=st.lists(values32, min_size=1, max_size=70, unique=True), data=st.data())
def test_contract_accepts_python_proofs_at_their_index_only(setup: _Setup, leaves: list[bytes],
                                                            data: st.DataObject) -> None:
    h = setup.hash
    tree = MerkleTree.build(leaves, h)
    assert tree.root == _reference_root(leaves, h)
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    proof = tree.proof(index)
    assert len(proof) == depth_of(len(leaves)) == tree.depth
    creds = setup.c.credentials
    assert creds.leaf_hash(leaves[index]) == h(h(leaves[index]))
    assert creds.verify_leaf(tree.root, leaves[index], index, proof)
    wrong = data.draw(st.integers(0, 2 * len(leaves) + 8).filter(lambda j: j != index), label="wrong index")
    assert not creds.verify_leaf(tree.root, leaves[index], wrong, proof)
    if len(leaves) > 1:
        other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda j: j != index), label="other")
        assert not creds.verify_leaf(tree.root, leaves[other], other, proof)
        assert not creds.verify_leaf(tree.root, leaves[other], index, proof)
    outsider = data.draw(values32.filter(lambda v: v not in leaves), label="outsider")
    assert not creds.verify_leaf(tree.root, outsider, index, proof)
    assert not creds.verify_leaf(tree.root, leaves[index], index, (*proof, ZERO))  # one level too many


@settings(max_examples=10, deadline=None)
@given(leaves=st.lists(values32, min_size=2, max_size=64, unique=True), data=st.data())
def test_the_on_chain_verdict_follows_python_proofs(
    pytestconfig: pytest.Config, leaves: list[bytes], data: st.DataObject
) -> None:
    setup = _Setup(pytestconfig)  # state changes: a fresh chain per example keeps replays identical
    tree = MerkleTree.build(leaves, setup.hash)
    setup.c.issuers.anchor(setup.issuer, BATCH_TYPE, len(leaves), tree.root)
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda j: j != index), label="other")
    creds, issuer = setup.c.credentials, setup.issuer.address
    assert creds.verify_batch_credential(issuer, tree.root, leaves[index], index, tree.proof(index)) == T.Verdict.VALID
    assert creds.verify_batch_credential(issuer, tree.root, leaves[index], other,
                                         tree.proof(index)) == T.Verdict.PROOF_INVALID
    setup.c.issuers.revoke_leaf(setup.issuer, tree.root, index, T.RevocationReason.OTHER)
    assert creds.verify_batch_credential(issuer, tree.root, leaves[index], index,
                                         tree.proof(index)) == T.Verdict.REVOKED
    assert creds.verify_batch_credential(issuer, tree.root, leaves[other], other, tree.proof(other)) == T.Verdict.VALID
    setup.close()
