"""Proofs built in Python are accepted by the contract; a proof for another leaf is rejected.

The tree comes from ``ledger.credentials.merkle``; a tiny independent sorted-pair implementation below checks
that the root is what the documented rules give, so the contract, the library and this file agree.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.deployment import Contracts, deploy
from ledger.credentials.merkle import Hasher, MerkleTree
from ledger.crypto.hashing import hash_function
from tests.conftest import open_test_chain

from .conftest import BATCH_TYPE, new_key


def _reference_root(values: list[bytes], h: Hasher) -> bytes:
    """Sorted-pair tree, leaves double-hashed, odd node promoted (written from the spec); ``h`` is the
    chain's hash (keccak256, SM3 on SM chains, whose KECCAK256 opcode computes SM3)."""
    level = [h(h(v)) for v in values]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            a, b = sorted((level[i], level[i + 1]))
            nxt.append(h(a + b))
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


class _Setup:
    def __init__(self, config: pytest.Config) -> None:
        self.chain, self.close = open_test_chain(config)
        self.hasher = hash_function(self.chain.crypto)
        self.committee, self.issuer = new_key(self.chain), new_key(self.chain)
        self.c = Contracts(self.chain, deploy(self.chain, self.committee))
        self.c.issuers.add_issuer(self.committee, self.issuer.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
        self.c.credentials.define_type(self.committee, BATCH_TYPE, field=1, level=1,
                                       allowed_kinds=T.IssuerKinds.of(T.IssuerKind.UNIVERSITY),
                                       criteria=T.Criteria())


@pytest.fixture(scope="module")
def setup(pytestconfig: pytest.Config) -> Iterator[_Setup]:
    s = _Setup(pytestconfig)
    yield s
    s.close()


values32 = st.binary(min_size=32, max_size=32)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leaves=st.lists(values32, min_size=1, max_size=40, unique=True), data=st.data())
def test_contract_accepts_python_proofs_and_rejects_others(setup: _Setup, leaves: list[bytes],
                                                           data: st.DataObject) -> None:
    tree = MerkleTree.build(leaves, setup.hasher)
    assert tree.root == _reference_root(leaves, setup.hasher)
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    proof = tree.proof(index)
    creds = setup.c.credentials
    assert creds.leaf_hash(leaves[index]) == setup.hasher(setup.hasher(leaves[index]))
    assert creds.verify_leaf(tree.root, leaves[index], proof)
    if len(leaves) > 1:
        other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda j: j != index), label="other")
        assert not creds.verify_leaf(tree.root, leaves[other], proof)
    outsider = data.draw(values32.filter(lambda v: v not in leaves), label="outsider")
    assert not creds.verify_leaf(tree.root, outsider, proof)


@settings(max_examples=10, deadline=None)
@given(leaves=st.lists(values32, min_size=2, max_size=64, unique=True), data=st.data())
def test_set_leaf_status_takes_the_proof_on_chain(
    pytestconfig: pytest.Config, leaves: list[bytes], data: st.DataObject
) -> None:
    setup = _Setup(pytestconfig)  # state changes: a fresh chain per example keeps replays identical
    tree = MerkleTree.build(leaves, setup.hasher)
    setup.c.credentials.anchor(setup.issuer, tree.root, len(leaves), BATCH_TYPE)
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda j: j != index), label="other")
    with pytest.raises(E.InvalidProof):
        setup.c.credentials.set_leaf_status(setup.issuer, tree.root, leaves[other], tree.proof(index),
                                            T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    setup.c.credentials.set_leaf_status(setup.issuer, tree.root, leaves[index], tree.proof(index),
                                        T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    assert setup.c.credentials.status_of(leaves[index], tree.root).status == T.CredentialStatus.REVOKED
    setup.close()
