"""The ledger's own contracts on every backend: the story a consortium lives, through the typed facades.

Deploy the four contracts of v2 (the SM3 builds on SM chains), define types then grant them, record
contributions, co-sign from another organisation, a criteria-checked issuance and a refused one, anchor a
Merkle batch built with the chain's hash (the positional tree), revoke a leaf by its index, read the events
back through the backend's logs, decode reverts into the contracts' custom errors with their fields, and
time travel: the index, synced from the chain's logs, answers as of a block before and after each change.
One test per backend, so the matrix shows each column's result.
"""

from __future__ import annotations

import os

import pytest

from ledger import types as T
from ledger.chain.base import ChainBackend
from ledger.contracts import errors as E
from ledger.contracts.abi import artifact
from ledger.contracts.deployment import Contracts, deploy
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.hashing import hash_function
from ledger.index import Index
from tests.conformance.conftest import Harness

CHECKED, BATCH = 101, 201
WINDOW = (1_700_000_000, 1_900_000_000)


def _item(subject: bytes, kind: T.ContributionKind, project: bytes) -> T.ContributionItem:
    return T.ContributionItem(key=os.urandom(32), subject=subject, project=project, kind=kind, field=1, weight=3,
                              occurred_at=WINDOW[0] + 100, evidence_hash=os.urandom(32))


def test_the_ledger_story(harness: Harness, chain: ChainBackend) -> None:
    committee, university, community, maintainer = (harness.new_key() for _ in range(4))
    deployment = deploy(chain, committee)
    c = Contracts(chain, deployment)
    assert c.issuers.crypto == harness.crypto
    assert c.committee.members() == [committee.address]  # a storage array read: SM3 at run time on SM chains
    assert artifact("IssuerRegistry", harness.crypto).hash == ("sm3" if harness.crypto == "sm" else "keccak256")

    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.COMMUNITY)
    criteria = T.Criteria.with_kinds({T.ContributionKind.CODE: 2}, min_total=3, min_distinct_projects=2,
                                     min_co_signs=1, window_from=WINDOW[0], window_to=WINDOW[1])
    c.credentials.define_type(committee, CHECKED, field=1, level=1, allowed_kinds=kinds, criteria=criteria)
    c.credentials.define_type(committee, BATCH, field=1, level=1, allowed_kinds=kinds, criteria=T.Criteria())
    added = c.issuers.add_issuer(committee, university.address, T.IssuerKind.UNIVERSITY, [CHECKED, BATCH]).block_number
    c.issuers.add_issuer(committee, community.address, T.IssuerKind.COMMUNITY, [CHECKED])
    c.issuers.add_issuer(committee, maintainer.address, T.IssuerKind.COMMUNITY, [])

    # record three contributions of one subject in one transaction; another organisation co-signs them
    subject, projects = os.urandom(32), [os.urandom(32), os.urandom(32)]
    items = [_item(subject, T.ContributionKind.CODE, projects[0]), _item(subject, T.ContributionKind.CODE, projects[1]),
             _item(subject, T.ContributionKind.DOCS, projects[1])]
    recorded = c.contributions.record(community, items)
    for it in items:
        c.contributions.co_sign(maintainer, it.key)
    assert c.contributions.contribution(items[0].key).co_sign_orgs == 1
    project_tag = hash_function(harness.crypto)(projects[0])[:12]  # bytes12(keccak256(project)): SM3 on SM chains
    assert c.contributions.contribution(items[0].key).project_tag == project_tag

    # a second claim of the same pull request is refused, decoded with its fields
    with pytest.raises(E.ContributionExists) as claimed:
        c.contributions.record(community, [items[0]])
    assert claimed.value.key == items[0].key

    # criteria-checked issuance: refused with two contributions, issued with three
    credential = os.urandom(32)
    with pytest.raises(E.NotEnoughContributions) as short:
        c.credentials.issue(community, CHECKED, subject, credential, [it.key for it in items[:2]])
    assert (short.value.needed, short.value.found) == (3, 2)
    issued = c.credentials.issue(community, CHECKED, subject, credential, [it.key for it in items])
    assert c.credentials.issued(community.address, credential).subject == subject

    # a Merkle batch built with the chain's hash (the contract hashes with the KECCAK256 opcode)
    leaves = [os.urandom(32) for _ in range(5)]
    tree = MerkleTree.build(leaves, hash_function(harness.crypto))
    anchored = c.issuers.anchor(university, BATCH, len(leaves), tree.root)
    assert c.credentials.verify_leaf(tree.root, leaves[3], 3, tree.proof(3))
    assert not c.credentials.verify_leaf(tree.root, leaves[3], 2, tree.proof(3))  # the index is bound
    with pytest.raises(E.RootAlreadyAnchored) as twice:
        c.issuers.anchor(university, BATCH, len(leaves), tree.root)
    assert (twice.value.root, twice.value.issuer) == (tree.root, university.address)
    with pytest.raises(E.NotManager):  # another organisation's key cannot touch the batch
        c.issuers.set_leaves_status(community, university.address, tree.root, [3], T.CredentialStatus.REVOKED,
                                    T.RevocationReason.MISCONDUCT)
    revoked = c.issuers.revoke_leaf(university, tree.root, 3, T.RevocationReason.MISCONDUCT)
    assert c.issuers.leaf_status(university.address, tree.root, 3) == T.CredentialStatus.REVOKED
    assert c.credentials.verify_batch_credential(university.address, tree.root, leaves[3], 3,
                                                 tree.proof(3)) == T.Verdict.REVOKED

    # the events, read back through the backend's logs
    names = [e.name for e in c.events()]
    for expected in ("IssuerAdded", "TypeDefined", "ContributionRecorded", "ContributionCoSigned",
                     "CredentialIssued", "BatchAnchored", "LeafRevoked"):
        assert expected in names, expected
    assert names.count("ContributionRecorded") == 3

    # time travel: the index, synced from the logs, answers as of any block
    with Index.open(None) as index:
        index.sync(chain, deployment)
        r = index.reader
        assert not r.is_authorized(university.address, BATCH, added - 1) and r.is_authorized(university.address, BATCH, added)
        assert r.contribution(items[0].key, at=recorded.block_number - 1) is None
        assert r.contribution(items[0].key, at=recorded.block_number) is not None
        assert r.issued(credential, at=issued.block_number - 1, issuer=community.address) is None
        assert r.issued(credential, at=issued.block_number, issuer=community.address) is not None
        assert r.batch(university.address, tree.root, at=anchored.block_number) is not None
        assert r.leaf_status_at(university.address, tree.root, 3, revoked.block_number - 1) is None
        assert r.leaf_status_at(university.address, tree.root, 3, revoked.block_number).status == "Revoked"
