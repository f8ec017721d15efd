"""Who may write through which path: the authorisation gaps a security review listed.

Every refusal is asserted by its error class and all of its fields. Where a write is refused because of
someone's standing, the same calldata is first shown to go through for a caller in good standing (a
dry-run ``chain.call`` before the change, or the committee proposing it), so that a test fails if the
refusal comes from anything but the rule under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ledger import types as T
from ledger.chain.base import Reverted, Transaction
from ledger.contracts import errors as E
from ledger.contracts.deployment import Contracts
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.hashing import hash_function
from ledger.crypto.keys import PrivateKey
from ledger.errors import ContractError

from .conftest import BASIC_TYPE, BATCH_TYPE, OTHER_TYPE, World, item, rand32, require_call_sender

UNIVERSITY = T.IssuerKind.UNIVERSITY
INACTIVE = [T.IssuerStatus.SUSPENDED, T.IssuerStatus.RETIRED]


def _fields(error: ContractError) -> dict[str, Any]:
    """All of a decoded contract error's fields, by their Solidity names."""
    return {name: getattr(error, name) for name in error.fields}


def _new_key(world: World) -> PrivateKey:
    return world.new_key()


def _would_succeed(world: World, key: PrivateKey, tx: Transaction) -> bool:
    """Whether ``tx`` from ``key`` runs without reverting on the current state (a dry run, nothing sent)."""
    assert tx.to is not None
    require_call_sender(world.chain)
    try:
        world.chain.call(tx.to, tx.data, sender=key.address)
    except Reverted:
        return False
    return True


# ------------------------------------------------------------------------ inactive ancestors


@dataclass(frozen=True)
class Lineage:
    """university -> college -> teacher -> assistant, all of the University's kind."""

    college: PrivateKey
    teacher: PrivateKey  # the writer under test: the university's grandchild
    assistant: PrivateKey  # the teacher's own child, whose status the teacher manages


def _lineage(world: World) -> Lineage:
    c, k = world.c, world.k
    college, teacher, assistant = _new_key(world), _new_key(world), _new_key(world)
    scope = [BATCH_TYPE, BASIC_TYPE]
    c.issuers.add_child_issuer(k.university, college.address, UNIVERSITY, scope)
    c.issuers.add_child_issuer(college, teacher.address, UNIVERSITY, scope)
    c.issuers.add_child_issuer(teacher, assistant.address, UNIVERSITY, scope)
    return Lineage(college, teacher, assistant)


@dataclass(frozen=True)
class WritePath:
    """One write the teacher attempts, prepared before its ancestor is stopped."""

    tx: Transaction
    written: Callable[[], bool]


def _anchor(world: World, line: Lineage) -> WritePath:
    root = rand32()
    return WritePath(world.c.credentials.build_anchor(root, 3, BATCH_TYPE),
                     lambda: world.c.credentials.anchor_of(root).exists)


def _issue(world: World, line: Lineage) -> WritePath:
    credential = rand32()
    return WritePath(world.c.credentials.build_issue(BASIC_TYPE, rand32(), credential, []),
                     lambda: world.c.credentials.issued(credential).exists)


def _record(world: World, line: Lineage) -> WritePath:
    work = item()
    return WritePath(world.c.contributions.build_record([work]),
                     lambda: world.c.contributions.contribution(work.key).exists)


def _co_sign(world: World, line: Lineage) -> WritePath:
    work = item()
    world.c.contributions.record(world.k.community, [work])  # another organisation's record
    return WritePath(world.c.contributions.build_co_sign(work.key),
                     lambda: world.c.contributions.has_co_signed(work.key, line.teacher.address))


def _add_child(world: World, line: Lineage) -> WritePath:
    child = world.new_key().address
    return WritePath(world.c.issuers.build_add_child_issuer(child, UNIVERSITY, [BATCH_TYPE]),
                     lambda: world.c.issuers.issuer(child).exists)


def _manage_child(world: World, line: Lineage) -> WritePath:
    assistant = line.assistant.address
    return WritePath(world.c.issuers.build_set_issuer_status(assistant, T.IssuerStatus.SUSPENDED),
                     lambda: world.c.issuers.issuer(assistant).status == T.IssuerStatus.SUSPENDED)


WRITE_PATHS: dict[str, Callable[[World, Lineage], WritePath]] = {
    "anchor": _anchor,
    "issue": _issue,
    "record": _record,
    "coSign": _co_sign,
    "addChildIssuer": _add_child,
    "setIssuerStatus-of-own-child": _manage_child,
}


@pytest.mark.parametrize("status", INACTIVE, ids=lambda s: s.name.lower())
@pytest.mark.parametrize("ancestor", ["parent", "grandparent"])
@pytest.mark.parametrize("path", list(WRITE_PATHS))
def test_an_inactive_ancestor_stops_every_write_of_its_subtree(
    world: World, path: str, ancestor: str, status: T.IssuerStatus
) -> None:
    c, k = world.c, world.k
    line = _lineage(world)
    stopped = line.college if ancestor == "parent" else k.university
    write = WRITE_PATHS[path](world, line)
    assert _would_succeed(world, line.teacher, write.tx)  # the teacher may do it while its tree is active
    c.issuers.propose_issuer_status(k.committee, stopped.address, status)
    with pytest.raises(E.AncestorNotActive) as refused:
        c.issuers.send(line.teacher, write.tx)
    assert _fields(refused.value) == {"issuer": line.teacher.address, "ancestor": stopped.address,
                                      "status": status}
    assert not write.written()
    assert c.issuers.issuer(line.teacher.address).status == T.IssuerStatus.ACTIVE  # its own status is intact
    if status == T.IssuerStatus.SUSPENDED:  # lifting the suspension gives the subtree its writes back
        c.issuers.propose_issuer_status(k.committee, stopped.address, T.IssuerStatus.ACTIVE)
        c.issuers.send(line.teacher, write.tx)
        assert write.written()


# ----------------------------------------------------------------------- issue() authorisation


def test_issue_refusals_carry_their_fields(world: World) -> None:
    c, k = world.c, world.k
    tried: list[bytes] = []

    def issue(key: PrivateKey, type_id: int) -> None:
        tried.append(rand32())
        c.credentials.issue(key, type_id, rand32(), tried[-1], [])

    with pytest.raises(E.UnknownType) as unknown_type:
        issue(k.university, 99)
    assert _fields(unknown_type.value) == {"typeId": 99}
    with pytest.raises(E.UnknownType) as checked_first:  # the type is checked before the caller
        issue(k.stranger, 99)
    assert _fields(checked_first.value) == {"typeId": 99}
    with pytest.raises(E.OutOfScope) as scope:
        issue(k.university, OTHER_TYPE)
    assert _fields(scope.value) == {"issuer": k.university.address, "typeId": OTHER_TYPE}
    # BATCH_TYPE is in the Community's and the Enterprise's scope, but the type allows neither kind.
    for key, kind in ((k.community, T.IssuerKind.COMMUNITY), (k.enterprise, T.IssuerKind.ENTERPRISE)):
        with pytest.raises(E.IssuerKindNotAllowed) as not_allowed:
            issue(key, BATCH_TYPE)
        assert _fields(not_allowed.value) == {"typeId": BATCH_TYPE, "kind": kind}
    with pytest.raises(E.UnknownIssuer) as unknown:
        issue(k.stranger, BASIC_TYPE)
    assert _fields(unknown.value) == {"issuer": k.stranger.address}
    assert len(tried) == 6 and not any(c.credentials.issued(h).exists for h in tried)


@pytest.mark.parametrize("status", INACTIVE, ids=lambda s: s.name.lower())
def test_an_inactive_issuer_cannot_issue(world: World, status: T.IssuerStatus) -> None:
    c, k = world.c, world.k
    credential = rand32()
    tx = c.credentials.build_issue(BASIC_TYPE, rand32(), credential, [])
    assert _would_succeed(world, k.university, tx)
    c.issuers.propose_issuer_status(k.committee, k.university.address, status)
    with pytest.raises(E.IssuerNotActive) as refused:
        c.credentials.send(k.university, tx)
    assert _fields(refused.value) == {"issuer": k.university.address, "status": status}
    assert not c.credentials.issued(credential).exists


# ----------------------------------------------------------- strangers and inactive issuers


def test_non_members_cannot_approve_or_execute(world: World) -> None:
    c, k = world.c, world.k
    c.issuers.add_member(k.committee, k.member2.address)
    c.issuers.add_member(k.committee, k.member3.address)
    c.issuers.set_threshold(k.committee, 2)
    removal = c.issuers.proposal_count()
    c.issuers.remove_member(k.committee, k.member3.address)
    c.issuers.approve(k.member2, removal)
    assert not c.issuers.is_member(k.member3.address)
    pending = c.issuers.proposal_count()
    c.issuers.add_issuer(k.committee, k.stranger.address, T.IssuerKind.COMMUNITY, [BATCH_TYPE])
    for outsider in (k.stranger, k.member3):  # never a member, and a member no more
        with pytest.raises(E.NotCommitteeMember) as approving:
            c.issuers.approve(outsider, pending)
        assert _fields(approving.value) == {"caller": outsider.address}
        with pytest.raises(E.NotCommitteeMember) as executing:
            c.issuers.execute(outsider, pending)
        assert _fields(executing.value) == {"caller": outsider.address}
    proposal = c.issuers.proposal(pending)
    assert proposal.approvals == 1 and not proposal.executed
    assert not c.issuers.issuer(k.stranger.address).exists


def test_a_stranger_cannot_revoke_co_sign_or_anchor(world: World) -> None:
    c, k = world.c, world.k
    work = item()
    c.contributions.record(k.university, [work])
    root = rand32()
    attempts: list[Callable[[], object]] = [
        lambda: c.contributions.revoke(k.stranger, work.key, T.RevocationReason.MISCONDUCT),
        lambda: c.contributions.co_sign(k.stranger, work.key),
        lambda: c.credentials.anchor(k.stranger, root, 3, BATCH_TYPE),
    ]
    for attempt in attempts:
        with pytest.raises(E.UnknownIssuer) as refused:
            attempt()
        assert _fields(refused.value) == {"issuer": k.stranger.address}
    stored = c.contributions.contribution(work.key)
    assert (stored.status, stored.co_sign_count) == (T.ContributionStatus.ACTIVE, 0)
    assert not c.credentials.anchor_of(root).exists


@pytest.mark.parametrize("status", INACTIVE, ids=lambda s: s.name.lower())
def test_an_inactive_issuer_cannot_revoke_co_sign_or_anchor(world: World, status: T.IssuerStatus) -> None:
    c, k = world.c, world.k
    own, others = item(), item()
    c.contributions.record(k.university, [own])
    c.contributions.record(k.community, [others])
    root = rand32()
    txs = [
        c.contributions.build_revoke(own.key, T.RevocationReason.MISCONDUCT),
        c.contributions.build_co_sign(others.key),
        c.credentials.build_anchor(root, 3, BATCH_TYPE),
    ]
    assert all(_would_succeed(world, k.university, tx) for tx in txs)
    c.issuers.propose_issuer_status(k.committee, k.university.address, status)
    for tx in txs:
        with pytest.raises(E.IssuerNotActive) as refused:
            c.issuers.send(k.university, tx)
        assert _fields(refused.value) == {"issuer": k.university.address, "status": status}
    assert c.contributions.contribution(own.key).status == T.ContributionStatus.ACTIVE
    assert c.contributions.contribution(others.key).co_sign_count == 0
    assert not c.credentials.anchor_of(root).exists


@pytest.mark.parametrize("status", INACTIVE, ids=lambda s: s.name.lower())
def test_an_inactive_issuer_no_longer_manages_its_credentials(world: World, status: T.IssuerStatus) -> None:
    c, k = world.c, world.k
    credential = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), credential, [])
    leaves = [rand32() for _ in range(4)]
    tree = MerkleTree.build(leaves, hash_function(world.chain.crypto))
    c.credentials.anchor(k.university, tree.root, len(leaves), BATCH_TYPE)
    txs = [
        c.credentials.build_set_status(credential, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER),
        c.credentials.build_set_leaf_status(tree.root, leaves[2], tree.proof(2), T.CredentialStatus.SUSPENDED,
                                            T.RevocationReason.OTHER),
    ]
    assert all(_would_succeed(world, k.university, tx) for tx in txs)
    c.issuers.propose_issuer_status(k.committee, k.university.address, status)
    for tx in txs:
        with pytest.raises(E.IssuerNotActive) as refused:
            c.credentials.send(k.university, tx)
        assert _fields(refused.value) == {"issuer": k.university.address, "status": status}
    assert c.credentials.status_of(credential).status == T.CredentialStatus.NONE
    assert c.credentials.status_of(leaves[2], tree.root).status == T.CredentialStatus.NONE


# ------------------------------------------------------ committee members acting directly


@dataclass(frozen=True)
class Targets:
    """Things on chain for the committee's functions to act on."""

    contribution: bytes
    credential: bytes
    tree: MerkleTree
    leaves: list[bytes]


def _targets(world: World) -> Targets:
    c, k = world.c, world.k
    work = item()
    c.contributions.record(k.university, [work])
    credential = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), credential, [])
    leaves = [rand32() for _ in range(4)]
    tree = MerkleTree.build(leaves, hash_function(world.chain.crypto))
    c.credentials.anchor(k.university, tree.root, len(leaves), BATCH_TYPE)
    return Targets(work.key, credential, tree, leaves)


@dataclass(frozen=True)
class DirectCall:
    """A committee function called directly: the error expected, and the effect when proposed instead."""

    tx: Transaction
    error: type[ContractError]
    fields: Callable[[str], dict[str, Any]]  # the expected fields, given the caller's address
    done: Callable[[], bool]


def _direct_call(name: str, world: World, t: Targets) -> DirectCall:
    c, k = world.c, world.k
    uni = k.university.address
    reason = int(T.RevocationReason.OTHER)
    revoked = int(T.CredentialStatus.REVOKED)
    if name == "setIssuerStatus":
        # Not modifier-gated: besides the committee, the issuer's parent may call it, so a member who is
        # not the parent is told exactly that.
        return DirectCall(c.issuers.build_raw("setIssuerStatus", uni, int(T.IssuerStatus.SUSPENDED)),
                          E.NotParentOrCommittee, lambda caller: {"issuer": uni, "caller": caller},
                          lambda: c.issuers.issuer(uni).status == T.IssuerStatus.SUSPENDED)
    if name == "revoke":
        # Besides the committee, only the recorder may revoke: a member who is no issuer is unknown there.
        return DirectCall(c.contributions.build_raw("revoke", t.contribution, reason),
                          E.UnknownIssuer, lambda caller: {"issuer": caller},
                          lambda: c.contributions.contribution(t.contribution).status
                          == T.ContributionStatus.REVOKED)
    if name == "setStatus":
        return DirectCall(c.credentials.build_raw("setStatus", t.credential, revoked, reason),
                          E.NotCredentialIssuer, lambda caller: {"credentialHash": t.credential, "caller": caller},
                          lambda: c.credentials.status_of(t.credential).status == T.CredentialStatus.REVOKED)
    if name == "setLeafStatus":
        return DirectCall(c.credentials.build_raw("setLeafStatus", t.tree.root, t.leaves[1], t.tree.proof(1),
                                                  revoked, reason),
                          E.NotRootIssuer, lambda caller: {"root": t.tree.root, "caller": caller},
                          lambda: c.credentials.status_of(t.leaves[1], t.tree.root).status
                          == T.CredentialStatus.REVOKED)
    if name == "defineType":
        return DirectCall(c.credentials.build_raw("defineType", 10, 1, 1, int(T.IssuerKinds.of(UNIVERSITY)),
                                                  T.Criteria().as_tuple(), [], bytes(32)),
                          E.NotCommittee, lambda caller: {"caller": caller},
                          lambda: c.credentials.credential_type(10).exists)
    if name == "addIssuer":
        newcomer = world.new_key().address
        return DirectCall(c.issuers.build_raw("addIssuer", newcomer, int(T.IssuerKind.COMMUNITY), [BATCH_TYPE],
                                              bytes(32)),
                          E.NotCommittee, lambda caller: {"caller": caller},
                          lambda: c.issuers.issuer(newcomer).exists)
    if name == "setIssuerScope":
        return DirectCall(c.issuers.build_raw("setIssuerScope", uni, [OTHER_TYPE], True),
                          E.NotCommittee, lambda caller: {"caller": caller},
                          lambda: c.issuers.in_scope(uni, OTHER_TYPE))
    raise AssertionError(f"no such case: {name}")


@pytest.mark.parametrize("name", ["setIssuerStatus", "revoke", "setStatus", "setLeafStatus", "defineType",
                                  "addIssuer", "setIssuerScope"])
def test_a_member_calling_a_committee_function_directly_is_refused(world: World, name: str) -> None:
    c, k = world.c, world.k
    c.issuers.add_member(k.committee, k.member2.address)
    call = _direct_call(name, world, _targets(world))
    for member in (k.committee, k.member2):  # the deployer and a member added later alike
        with pytest.raises(call.error) as refused:
            c.issuers.send(member, call.tx)
        assert _fields(refused.value) == call.fields(member.address)
        assert not call.done()
    # The same calldata, proposed, is the committee acting: it goes through.
    assert call.tx.to is not None
    c.issuers.propose(k.member2, call.tx.to, call.tx.data)
    assert call.done()


# -------------------------------------------------------------------- the issuer tree's edges


def test_a_grandparent_cannot_change_a_grandchilds_status(world: World) -> None:
    c, k = world.c, world.k
    line = _lineage(world)
    teacher = line.teacher.address
    # setIssuerStatus accepts the committee or the issuer's own parent, nobody further up: the tree is
    # managed one level at a time, so the college answers for its teachers. The university acts on the
    # branch through the college, or stops all of it at once by suspending the college (next lines).
    for status in (T.IssuerStatus.SUSPENDED, T.IssuerStatus.RETIRED):
        with pytest.raises(E.NotParentOrCommittee) as refused:
            c.issuers.set_issuer_status(k.university, teacher, status)
        assert _fields(refused.value) == {"issuer": teacher, "caller": k.university.address}
    assert c.issuers.issuer(teacher).status == T.IssuerStatus.ACTIVE
    c.issuers.set_issuer_status(k.university, line.college.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.AncestorNotActive) as stopped:
        c.issuers.writer(teacher)
    assert _fields(stopped.value) == {"issuer": teacher, "ancestor": line.college.address,
                                      "status": T.IssuerStatus.SUSPENDED}
    c.issuers.set_issuer_status(k.university, line.college.address, T.IssuerStatus.ACTIVE)
    c.issuers.set_issuer_status(line.college, teacher, T.IssuerStatus.SUSPENDED)  # the direct parent may
    assert c.issuers.issuer(teacher).status == T.IssuerStatus.SUSPENDED


def test_an_authority_cannot_be_a_parent(world: World) -> None:
    c, k = world.c, world.k
    child = world.new_key().address
    # The parent's kind is checked first, whatever kind the child would have.
    for kind in (T.IssuerKind.AUTHORITY, UNIVERSITY, T.IssuerKind.NONE):
        with pytest.raises(E.ParentKindNotAllowed) as refused:
            c.issuers.add_child_issuer(k.authority, child, kind, [BATCH_TYPE])
        assert _fields(refused.value) == {"parent": k.authority.address, "kind": T.IssuerKind.AUTHORITY}
    assert not c.issuers.issuer(child).exists


def test_a_child_of_kind_none_is_refused(world: World) -> None:
    c, k = world.c, world.k
    child = world.new_key().address
    # "None" is not the parent's kind, so the child-kind rule refuses it before the generic kind check.
    for parent in (k.university, k.community):
        with pytest.raises(E.ChildKindNotAllowed) as refused:
            c.issuers.add_child_issuer(parent, child, T.IssuerKind.NONE, [])
        assert _fields(refused.value) == {"child": child, "kind": T.IssuerKind.NONE}
    assert not c.issuers.issuer(child).exists


def _pass(c: Contracts, proposer: PrivateKey, approvers: list[PrivateKey], propose: Callable[[], object]) -> int:
    """Propose as ``proposer`` (by calling ``propose``), then approve by each of ``approvers``; its id."""
    pid = c.issuers.proposal_count()
    propose()
    for approver in approvers:
        c.issuers.approve(approver, pid)
    return pid


def test_a_removal_may_not_leave_fewer_members_than_the_threshold(world: World) -> None:
    c, k = world.c, world.k
    c.issuers.add_member(k.committee, k.member2.address)
    c.issuers.add_member(k.committee, k.member3.address)
    c.issuers.set_threshold(k.committee, 3)
    everyone = [k.committee.address, k.member2.address, k.member3.address]
    pid = c.issuers.proposal_count()
    c.issuers.remove_member(k.committee, k.member3.address)
    c.issuers.approve(k.member2, pid)
    with pytest.raises(E.ThresholdOutOfRange) as three_of_two:  # the third approval executes it
        c.issuers.approve(k.member3, pid)
    assert _fields(three_of_two.value) == {"threshold": 3, "memberCount": 2}
    assert getattr(three_of_two.value, "proposal_id", None) == pid  # raised from inside the proposal
    assert sorted(c.issuers.members()) == sorted(everyone) and not c.issuers.proposal(pid).executed
    # At threshold 2 of 3 one member may go; then the last but one may not.
    _pass(c, k.committee, [k.member2, k.member3], lambda: c.issuers.set_threshold(k.committee, 2))
    _pass(c, k.committee, [k.member2], lambda: c.issuers.remove_member(k.committee, k.member3.address))
    assert sorted(c.issuers.members()) == sorted(everyone[:2])
    pid = c.issuers.proposal_count()
    c.issuers.remove_member(k.committee, k.member2.address)
    with pytest.raises(E.ThresholdOutOfRange) as two_of_one:
        c.issuers.approve(k.member2, pid)
    assert _fields(two_of_one.value) == {"threshold": 2, "memberCount": 1}
    assert sorted(c.issuers.members()) == sorted(everyone[:2]) and c.issuers.threshold() == 2


def test_a_removed_member_cannot_anchor_a_report(world: World) -> None:
    c, k = world.c, world.k
    c.issuers.add_member(k.committee, k.member2.address)
    c.issuers.add_member(k.committee, k.community.address)  # a member who is also an issuer
    before = rand32()
    anchored = c.credentials.anchor_report(k.member2, before)
    c.issuers.remove_member(k.committee, k.member2.address)
    c.issuers.remove_member(k.committee, k.community.address)
    after = rand32()
    with pytest.raises(E.UnknownIssuer) as refused:  # no longer a member, and never an issuer
        c.credentials.anchor_report(k.member2, after)
    assert _fields(refused.value) == {"issuer": k.member2.address}
    assert c.credentials.report_anchor(after) == (None, 0)
    assert c.credentials.report_anchor(before) == (k.member2.address, anchored.block_number)  # history stays
    # Removal takes away a member's standing, not an issuer's: the Community still anchors as an issuer.
    as_issuer = rand32()
    c.credentials.anchor_report(k.community, as_issuer)
    assert c.credentials.report_anchor(as_issuer)[0] == k.community.address
