"""The Committee: proposals, approvals, members, threshold, module binding, window, deployment links."""

from __future__ import annotations

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.abi import decode_events
from ledger.contracts.deployment import DEFAULT_PROPOSAL_WINDOW, Contracts, deploy

from .conftest import Keys, proposal_id


def _three_of(c: Contracts, k: Keys, threshold: int) -> None:
    c.committee.add_member(k.committee, k.member2.address)
    c.committee.add_member(k.committee, k.member3.address)
    c.committee.set_threshold(k.committee, threshold)


def test_deployer_is_the_only_member_with_threshold_one(contracts: Contracts, keys: Keys) -> None:
    com = contracts.committee
    assert com.members() == [keys.committee.address]
    assert com.threshold() == 1
    assert com.modules() == (contracts.deployment.issuer_registry, contracts.deployment.contribution_ledger,
                             contracts.deployment.credential_registry)
    assert com.proposal_window() == DEFAULT_PROPOSAL_WINDOW
    assert com.predecessor() is None and com.successor() == (None, 0)
    # 2.1.0: the ledger's `about` and the registry's awards (mentees, nominations) on 2.0.0's rules.
    assert [facade.version() for facade in contracts.facades] == ["2.0.0", "2.0.0", "2.1.0", "2.1.0"]
    for module in (contracts.issuers, contracts.contributions, contracts.credentials):
        assert module._call("committee")[0] == com.address


def test_threshold_one_executes_in_the_propose_transaction(contracts: Contracts, keys: Keys) -> None:
    receipt = contracts.committee.add_member(keys.committee, keys.member2.address)
    names = [e.name for e in decode_events(receipt.logs, crypto=contracts.chain.crypto)]
    assert names == ["ProposalCreated", "ProposalApproved", "MemberAdded", "ProposalExecuted"]
    assert contracts.committee.is_member(keys.member2.address)
    proposal = contracts.committee.proposal(proposal_id(receipt))
    assert proposal.executed and proposal.approvals == 1 and proposal.proposer == keys.committee.address
    assert proposal.expires_at == receipt.block_number + DEFAULT_PROPOSAL_WINDOW


def test_two_of_three_waits_for_the_second_approval(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _three_of(c, k, 2)
    receipt = c.issuers.add_issuer(k.member2, k.university.address, T.IssuerKind.UNIVERSITY, [])
    pid = proposal_id(receipt)
    assert not c.issuers.issuer(k.university.address).exists
    assert c.committee.proposal(pid).approvals == 1
    with pytest.raises(E.AlreadyApproved) as info:
        c.committee.approve(k.member2, pid)
    assert (info.value.id, info.value.member) == (pid, k.member2.address)
    c.committee.approve(k.member3, pid)
    assert c.issuers.issuer(k.university.address).status == T.IssuerStatus.ACTIVE
    assert c.committee.proposal(pid).executed
    with pytest.raises(E.ProposalNotPending) as closed:
        c.committee.approve(k.committee, pid)
    assert (closed.value.id, closed.value.state) == (pid, T.ProposalState.EXECUTED)
    with pytest.raises(E.ProposalNotPending):
        c.committee.execute(k.committee, pid)
    with pytest.raises(E.ProposalNotPending):
        c.committee.cancel(k.member2, pid)


def test_execute_after_threshold_lowered(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _three_of(c, k, 3)
    pending = proposal_id(c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.COMMUNITY, []))
    with pytest.raises(E.NotEnoughApprovals) as info:
        c.committee.execute(k.committee, pending)
    assert (info.value.id, info.value.needed, info.value.found) == (pending, 3, 1)
    lower = proposal_id(c.committee.set_threshold(k.committee, 1))
    c.committee.approve(k.member2, lower)
    c.committee.approve(k.member3, lower)
    assert c.committee.threshold() == 1
    c.committee.execute(k.member2, pending)
    assert c.issuers.issuer(k.community.address).exists


def test_removed_members_approval_no_longer_counts(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _three_of(c, k, 2)
    pending = proposal_id(c.issuers.add_issuer(k.member3, k.community.address, T.IssuerKind.COMMUNITY, []))
    removal = proposal_id(c.committee.remove_member(k.committee, k.member3.address))
    c.committee.approve(k.member2, removal)
    assert not c.committee.is_member(k.member3.address)
    assert c.committee.proposal(pending).approvals == 0
    with pytest.raises(E.NotCommitteeMember):
        c.committee.approve(k.member3, pending)


def test_unknown_proposal(contracts: Contracts, keys: Keys) -> None:
    with pytest.raises(E.UnknownProposal) as info:
        contracts.committee.approve(keys.committee, 99)
    assert info.value.id == 99
    with pytest.raises(E.UnknownProposal):
        contracts.committee.execute(keys.committee, 99)
    with pytest.raises(E.UnknownProposal):
        contracts.committee.proposal(99)


def test_non_members_cannot_propose_approve_or_execute(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    data = c.committee.encode("addMember", k.stranger.address)
    with pytest.raises(E.NotCommitteeMember) as info:
        c.committee.propose(k.stranger, c.committee.address, data)
    assert info.value.caller == k.stranger.address
    with pytest.raises(E.NotCommitteeMember):
        c.committee.approve(k.stranger, 0)
    with pytest.raises(E.NotCommitteeMember):
        c.committee.execute(k.stranger, 0)


def test_proposals_only_target_our_contracts(contracts: Contracts, keys: Keys) -> None:
    with pytest.raises(E.UnsupportedTarget) as info:
        contracts.committee.propose(keys.committee, keys.stranger.address, b"\x12\x34\x56\x78")
    assert info.value.target == keys.stranger.address


@pytest.mark.parametrize(
    "facade,fn,args",
    [
        ("committee", "addMember", ["member"]),
        ("committee", "removeMember", ["committee"]),
        ("committee", "setThreshold", [1]),
        ("committee", "setProposalWindow", [10]),
        ("committee", "nameSuccessor", ["member"]),
        ("committee", "bindModules", ["member", "member", "member"]),
        ("issuers", "addIssuer", ["member", 1, [], b"\0" * 32]),
        ("issuers", "setIssuerScope", ["member", [1], True]),
    ],
)
def test_committee_functions_refuse_direct_calls(contracts: Contracts, keys: Keys, facade: str, fn: str,
                                                 args: list) -> None:
    lookup = {"member": keys.member2.address, "committee": keys.committee.address}
    resolved = [lookup.get(a, a) if isinstance(a, str) else a for a in args]
    target = getattr(contracts, facade)
    tx = target.build_raw(fn, *resolved)
    for caller in (keys.stranger, keys.committee):  # even a member must go through a proposal
        with pytest.raises(E.NotCommittee) as info:
            target.send(caller, tx)
        assert info.value.caller == caller.address


def test_member_changes_and_their_errors(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    with pytest.raises(E.AlreadyMember) as dup:
        c.committee.add_member(k.committee, k.committee.address)
    assert dup.value.member == k.committee.address
    assert dup.value.proposal_id == c.committee.proposal_count()  # the reverted proposal was not stored
    for invalid in ("0x" + "00" * 20, c.committee.address):
        with pytest.raises(E.InvalidMemberAddress) as bad:
            c.committee.add_member(k.committee, invalid)
        assert bad.value.member == invalid
    with pytest.raises(E.NotMember) as missing:
        c.committee.remove_member(k.committee, k.stranger.address)
    assert missing.value.member == k.stranger.address
    with pytest.raises(E.ThresholdOutOfRange) as last:
        c.committee.remove_member(k.committee, k.committee.address)
    assert (last.value.threshold, last.value.memberCount) == (1, 0)
    c.committee.add_member(k.committee, k.member2.address)
    c.committee.remove_member(k.committee, k.committee.address)
    assert c.committee.members() == [k.member2.address]
    events = [e.name for e in c.events()]
    assert "MemberRemoved" in events


@pytest.mark.parametrize("threshold", [0, 2])
def test_threshold_never_zero_nor_above_member_count(contracts: Contracts, keys: Keys, threshold: int) -> None:
    with pytest.raises(E.ThresholdOutOfRange) as info:
        contracts.committee.set_threshold(keys.committee, threshold)
    assert (info.value.threshold, info.value.memberCount) == (threshold, 1)
    assert info.value.proposal_id >= 0


def test_modules_bind_once(contracts: Contracts, keys: Keys) -> None:
    with pytest.raises(E.ModulesAlreadyBound) as info:
        contracts.committee.bind_modules(keys.committee, keys.stranger.address, keys.stranger.address,
                                         keys.stranger.address)
    assert info.value.registry == contracts.deployment.issuer_registry
    assert info.value.ledger == contracts.deployment.contribution_ledger
    assert info.value.credentials == contracts.deployment.credential_registry


def test_a_failing_call_without_error_data_surfaces_as_proposal_execution_failed(
    contracts: Contracts, keys: Keys
) -> None:
    # The ledger has no function with this selector and no fallback: it reverts with empty data.
    with pytest.raises(E.ProposalExecutionFailed) as info:
        contracts.committee.propose(keys.committee, contracts.contributions.address, b"\xde\xad\xbe\xef")
    assert info.value.id == contracts.committee.proposal_count()
    assert info.value.reason == b"" and info.value.inner is None


def test_the_proposal_window_is_the_committees_and_bounded(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    receipt = c.committee.set_proposal_window(k.committee, 12)
    assert c.committee.proposal_window() == 12
    assert [e.args for e in decode_events(receipt.logs, crypto=c.chain.crypto) if e.name == "ProposalWindowChanged"] == [{"blocks": 12}]
    later = c.committee.add_member(k.committee, k.member2.address)
    assert c.committee.proposal(proposal_id(later)).expires_at == later.block_number + 12
    for bad in (0, 2**32 + 1):
        with pytest.raises(E.InvalidProposalWindow) as info:
            c.committee.set_proposal_window(k.committee, bad)
        assert info.value.blocks == bad


def test_a_new_deployment_names_its_predecessor_and_the_old_one_its_successor(chain, contracts: Contracts,
                                                                               keys: Keys) -> None:
    old = contracts
    newer = Contracts(chain, deploy(chain, keys.committee, predecessor=old.committee.address))
    assert newer.committee.predecessor() == old.committee.address
    receipt = old.committee.name_successor(keys.committee, newer.committee.address)
    assert old.committee.successor() == (newer.committee.address, receipt.block_number)
    with pytest.raises(E.SuccessorAlreadyNamed) as once:
        old.committee.name_successor(keys.committee, newer.committee.address)
    assert once.value.successor == newer.committee.address
    with pytest.raises(E.InvalidSuccessor):
        newer.committee.name_successor(keys.committee, newer.committee.address)
