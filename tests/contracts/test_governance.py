"""IssuerRegistry governance: proposals, approvals, members, threshold, module binding."""

from __future__ import annotations

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.abi import decode_events
from ledger.contracts.deployment import Contracts

from .conftest import Keys


def _proposal_id(c: Contracts, receipt) -> int:
    created = [e for e in decode_events(receipt.logs, crypto=c.chain.crypto) if e.name == "ProposalCreated"]
    return int(created[0].args["id"])


def _three_of(c: Contracts, k: Keys, threshold: int) -> None:
    c.issuers.add_member(k.committee, k.member2.address)
    c.issuers.add_member(k.committee, k.member3.address)
    c.issuers.set_threshold(k.committee, threshold)


def test_deployer_is_the_only_member_with_threshold_one(contracts: Contracts, keys: Keys) -> None:
    assert contracts.issuers.members() == [keys.committee.address]
    assert contracts.issuers.threshold() == 1
    assert contracts.issuers.modules() == (contracts.deployment.contribution_ledger,
                                           contracts.deployment.credential_registry)
    for facade in (contracts.issuers, contracts.contributions, contracts.credentials):
        assert facade.version() == "1.0.0"


def test_threshold_one_executes_in_the_propose_transaction(contracts: Contracts, keys: Keys) -> None:
    receipt = contracts.issuers.add_member(keys.committee, keys.member2.address)
    names = [e.name for e in decode_events(receipt.logs, crypto=contracts.chain.crypto)]
    assert names == ["ProposalCreated", "ProposalApproved", "MemberAdded", "ProposalExecuted"]
    assert contracts.issuers.is_member(keys.member2.address)
    proposal = contracts.issuers.proposal(_proposal_id(contracts, receipt))
    assert proposal.executed and proposal.approvals == 1 and proposal.proposer == keys.committee.address


def test_two_of_three_waits_for_the_second_approval(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _three_of(c, k, 2)
    receipt = c.issuers.add_issuer(k.member2, k.university.address, T.IssuerKind.UNIVERSITY, [1])
    pid = _proposal_id(c, receipt)
    assert not c.issuers.issuer(k.university.address).exists
    assert c.issuers.proposal(pid).approvals == 1
    with pytest.raises(E.AlreadyApproved) as info:
        c.issuers.approve(k.member2, pid)
    assert (info.value.id, info.value.member) == (pid, k.member2.address)
    c.issuers.approve(k.member3, pid)
    assert c.issuers.issuer(k.university.address).status == T.IssuerStatus.ACTIVE
    assert c.issuers.proposal(pid).executed
    with pytest.raises(E.ProposalAlreadyExecuted) as closed:
        c.issuers.approve(k.committee, pid)
    assert closed.value.id == pid
    with pytest.raises(E.ProposalAlreadyExecuted):
        c.issuers.execute(k.committee, pid)


def test_execute_after_threshold_lowered(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _three_of(c, k, 3)
    pending = _proposal_id(c, c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.COMMUNITY, []))
    with pytest.raises(E.NotEnoughApprovals) as info:
        c.issuers.execute(k.committee, pending)
    assert (info.value.id, info.value.needed, info.value.found) == (pending, 3, 1)
    lower = _proposal_id(c, c.issuers.set_threshold(k.committee, 1))
    c.issuers.approve(k.member2, lower)
    c.issuers.approve(k.member3, lower)
    assert c.issuers.threshold() == 1
    c.issuers.execute(k.member2, pending)
    assert c.issuers.issuer(k.community.address).exists


def test_removed_members_approval_no_longer_counts(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _three_of(c, k, 2)
    pending = _proposal_id(c, c.issuers.add_issuer(k.member3, k.community.address, T.IssuerKind.COMMUNITY, []))
    removal = _proposal_id(c, c.issuers.remove_member(k.committee, k.member3.address))
    c.issuers.approve(k.member2, removal)
    assert not c.issuers.is_member(k.member3.address)
    assert c.issuers.proposal(pending).approvals == 0
    with pytest.raises(E.NotCommitteeMember):
        c.issuers.approve(k.member3, pending)


def test_unknown_proposal(contracts: Contracts, keys: Keys) -> None:
    with pytest.raises(E.UnknownProposal) as info:
        contracts.issuers.approve(keys.committee, 99)
    assert info.value.id == 99
    with pytest.raises(E.UnknownProposal):
        contracts.issuers.execute(keys.committee, 99)
    with pytest.raises(E.UnknownProposal):
        contracts.issuers.proposal(99)


def test_non_members_cannot_propose_approve_or_execute(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    data = c.issuers.encode("addMember", k.stranger.address)
    with pytest.raises(E.NotCommitteeMember) as info:
        c.issuers.propose(k.stranger, c.issuers.address, data)
    assert info.value.caller == k.stranger.address
    with pytest.raises(E.NotCommitteeMember):
        c.issuers.approve(k.stranger, 0)
    with pytest.raises(E.NotCommitteeMember):
        c.issuers.execute(k.stranger, 0)


def test_proposals_only_target_our_contracts(contracts: Contracts, keys: Keys) -> None:
    with pytest.raises(E.UnsupportedTarget) as info:
        contracts.issuers.propose(keys.committee, keys.stranger.address, b"\x12\x34\x56\x78")
    assert info.value.target == keys.stranger.address


@pytest.mark.parametrize(
    "fn,args",
    [
        ("addMember", ["member"]),
        ("removeMember", ["committee"]),
        ("setThreshold", [1]),
        ("bindModules", ["member", "member"]),
        ("addIssuer", ["member", 1, [], b"\0" * 32]),
        ("setIssuerScope", ["member", [1], True]),
    ],
)
def test_committee_functions_refuse_direct_calls(contracts: Contracts, keys: Keys, fn: str, args: list) -> None:
    lookup = {"member": keys.member2.address, "committee": keys.committee.address}
    resolved = [lookup.get(a, a) if isinstance(a, str) else a for a in args]
    tx = contracts.issuers.build_raw(fn, *resolved)
    for caller in (keys.stranger, keys.committee):  # even a member must go through a proposal
        with pytest.raises(E.NotCommittee) as info:
            contracts.issuers.send(caller, tx)
        assert info.value.caller == caller.address


def test_member_changes_and_their_errors(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    with pytest.raises(E.AlreadyMember) as dup:
        c.issuers.add_member(k.committee, k.committee.address)
    assert dup.value.member == k.committee.address
    assert dup.value.proposal_id == c.issuers.proposal_count()  # the reverted proposal was not stored
    for invalid in ("0x" + "00" * 20, c.issuers.address):
        with pytest.raises(E.InvalidMemberAddress) as bad:
            c.issuers.add_member(k.committee, invalid)
        assert bad.value.member == invalid
    with pytest.raises(E.NotMember) as missing:
        c.issuers.remove_member(k.committee, k.stranger.address)
    assert missing.value.member == k.stranger.address
    with pytest.raises(E.ThresholdOutOfRange) as last:
        c.issuers.remove_member(k.committee, k.committee.address)
    assert (last.value.threshold, last.value.memberCount) == (1, 0)
    c.issuers.add_member(k.committee, k.member2.address)
    c.issuers.remove_member(k.committee, k.committee.address)
    assert c.issuers.members() == [k.member2.address]
    events = [e.name for e in c.events()]
    assert "MemberRemoved" in events


@pytest.mark.parametrize("threshold", [0, 2])
def test_threshold_never_zero_nor_above_member_count(contracts: Contracts, keys: Keys, threshold: int) -> None:
    with pytest.raises(E.ThresholdOutOfRange) as info:
        contracts.issuers.set_threshold(keys.committee, threshold)
    assert (info.value.threshold, info.value.memberCount) == (threshold, 1)
    assert info.value.proposal_id >= 0


def test_modules_bind_once(contracts: Contracts, keys: Keys) -> None:
    with pytest.raises(E.ModulesAlreadyBound) as info:
        contracts.issuers.bind_modules(keys.committee, keys.stranger.address, keys.stranger.address)
    assert info.value.ledger == contracts.deployment.contribution_ledger
    assert info.value.credentials == contracts.deployment.credential_registry


def test_a_failing_call_without_error_data_surfaces_as_proposal_execution_failed(
    contracts: Contracts, keys: Keys
) -> None:
    # The ledger has no function with this selector and no fallback: it reverts with empty data.
    with pytest.raises(E.ProposalExecutionFailed) as info:
        contracts.issuers.propose(keys.committee, contracts.contributions.address, b"\xde\xad\xbe\xef")
    assert info.value.id == contracts.issuers.proposal_count()
    assert info.value.reason == b"" and info.value.inner is None
