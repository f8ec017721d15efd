"""The index's ChainView gives the same answers as the contracts' ChainView, at every block."""

from __future__ import annotations

from ledger.index import Index
from ledger.index.view import IndexChainView, reason_name
from ledger.verify.chainview import CredentialRef
from ledger.verify.contracts_view import ContractsView

from .history import History


def test_index_view_equals_contracts_view(history: History, index: Index) -> None:
    index.sync(history.chain, history.deployment)
    f = history.facts
    ours, theirs = IndexChainView(index.reader), ContractsView(history.c)
    keys = f["keys"]
    assert ours.chain_id() == theirs.chain_id()
    assert ours.block_number() == theirs.block_number() == history.head
    uni, college, community = keys["uni"].address, keys["college"].address, keys["community"].address
    for issuer, root in ((uni, f["root"]), (college, f["college_root"]), (college, f["stolen_root"])):
        assert ours.anchor(issuer, root) == theirs.anchor(issuer, root) is not None
    assert theirs.anchor(college, f["stolen_root"]).revoked_by == keys["college2"].address  # type: ignore[union-attr]
    assert ours.anchor(uni, b"\x01" * 32) is None and theirs.anchor(uni, b"\x01" * 32) is None
    assert ours.anchor(community, f["root"]) is None and theirs.anchor(community, f["root"]) is None  # by issuer
    assert ours.checked_issuance(community, f["issued"]) == theirs.checked_issuance(community, f["issued"])
    assert ours.checked_issuance(uni, f["issued"]) is None and theirs.checked_issuance(uni, f["issued"]) is None
    for who in keys.values():
        assert ours.compromised_since(who.address) == theirs.compromised_since(who.address)
    assert ours.compromised_since(college) == f["theft"]
    committee = history.c.committee.address
    assert ours.superseded_at(committee) == theirs.superseded_at(committee) == f["superseded_block"]
    refs = [CredentialRef(community, f["issued"])]
    refs += [CredentialRef(uni, digest, f["root"], i) for i, digest in enumerate(f["leaf_hashes"])]
    refs += [CredentialRef(college, digest, f["college_root"], i) for i, digest in enumerate(f["college_hashes"])]
    # From the block where all four contracts exist (the contracts' view cannot be asked earlier).
    for block in range(history.deployment.block_number + 4, history.head + 1):
        for ref in refs:
            assert ours.status(ref, block) == theirs.status(ref, block), (block, ref)
        for who in keys.values():
            for type_id in (1, 2):
                assert ours.is_authorized(who.address, type_id, block) == \
                    theirs.is_authorized(who.address, type_id, block), (who.address, type_id, block)
    # the thief's revocation of the college's leaf is void, and the committee restored it
    assert ours.status(refs[-2]).status == "active"
    assert ours.status(refs[2]).status == "revoked" and ours.status(refs[3]).status == "suspended"


def test_reason_names() -> None:
    assert reason_name("IssuedInError") == "issued-in-error"
    assert reason_name("Misconduct") == "misconduct"
    assert reason_name("KeyCompromised") == "key-compromised"
    assert reason_name("None") is None and reason_name(None) is None
