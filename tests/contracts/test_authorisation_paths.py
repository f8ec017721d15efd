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
from ledger.chain.base import FUNDING, Reverted, Transaction
from ledger.contracts import errors as E
from ledger.contracts.deployment import Contracts
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.hashing import hash_function
from ledger.crypto.keys import PrivateKey
from ledger.errors import ContractError

from .conftest import BASIC_TYPE, BATCH_TYPE, OTHER_TYPE, World, item, rand32, require_call_sender

ZERO32 = b"\0" * 32

UNIVERSITY = T.IssuerKind.UNIVERSITY
INACTIVE = [T.IssuerStatus.SUSPENDED, T.IssuerStatus.RETIRED]


def _fields(error: ContractError) -> dict[str, Any]:
    """All of a decoded contract error's fields, by their Solidity names."""
    return {name: getattr(error, name) for name in error.fields}


def _new_key(world: World) -> PrivateKey:
    key = world.new_key()
    if FUNDING in world.chain.features:
        world.chain.fund(key.address, 10**21)
    return key


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
    for parent, child in ((k.university, college), (college, teacher), (teacher, assistant)):
        c.issuers.offer_child(parent, child.address, UNIVERSITY, scope)
        c.issuers.accept_child(child, parent.address, UNIVERSITY, scope)
    return Lineage(college, teacher, assistant)


@dataclass(frozen=True)
class WritePath:
    """One write the teacher attempts, prepared before its ancestor is stopped."""

    tx: Transaction
    written: Callable[[], bool]


def _anchor(world: World, line: Lineage) -> WritePath:
    root = rand32()
    return WritePath(world.c.issuers.build_anchor(BATCH_TYPE, 3, root),
                     lambda: world.c.issuers.anchor_of(line.teacher.address, root).exists)


def _issue(world: World, line: Lineage) -> WritePath:
    credential = rand32()
    return WritePath(world.c.credentials.build_issue(BASIC_TYPE, rand32(), credential, []),
                     lambda: world.c.credentials.issued(line.teacher.address, credential).exists)


def _record(world: World, line: Lineage) -> WritePath:
    work = item()
    return WritePath(world.c.contributions.build_record([work]),
                     lambda: world.c.contributions.contribution(work.key).exists)


def _co_sign(world: World, line: Lineage) -> WritePath:
    work = item()
    world.c.contributions.record(world.k.community, [work])  # another organisation's record
    return WritePath(world.c.contributions.build_co_sign(work.key),
                     lambda: world.c.contributions.has_co_signed(work.key, line.teacher.address))


def _offer_child(world: World, line: Lineage) -> WritePath:
    child = world.new_key().address
    return WritePath(world.c.issuers.build_offer_child(child, UNIVERSITY, [BATCH_TYPE]),
                     lambda: world.c.issuers.child_offer(child, line.teacher.address).exists)


def _revoke_leaf(world: World, line: Lineage) -> WritePath:
    root = rand32()
    world.c.issuers.anchor(line.teacher, BATCH_TYPE, 4, root)
    return WritePath(world.c.issuers.build_revoke_leaf(root, 1, T.RevocationReason.MISCONDUCT),
                     lambda: world.c.issuers.leaf_status(line.teacher.address, root, 1) == T.CredentialStatus.REVOKED)


def _revoke_batch(world: World, line: Lineage) -> WritePath:
    root = rand32()
    world.c.issuers.anchor(line.assistant, BATCH_TYPE, 4, root)  # the teacher manages its child's batch
    return WritePath(world.c.issuers.build_revoke_batch(line.assistant.address, root, T.RevocationReason.OTHER),
                     lambda: world.c.issuers.anchor_of(line.assistant.address, root).revoked)


def _offer_successor(world: World, line: Lineage) -> WritePath:
    successor = world.new_key().address
    return WritePath(world.c.issuers.build_offer_successor(line.assistant.address, successor),
                     lambda: world.c.issuers.successor_offer(successor, line.assistant.address).offered)


def _mark_child(world: World, line: Lineage) -> WritePath:
    assistant = line.assistant.address
    since = world.chain.block_number()
    return WritePath(world.c.issuers.build_mark_compromised(assistant, since),
                     lambda: world.c.issuers.key_info(assistant).compromised_since != 0)


def _manage_child(world: World, line: Lineage) -> WritePath:
    assistant = line.assistant.address
    return WritePath(world.c.issuers.build_set_issuer_status(assistant, T.IssuerStatus.SUSPENDED),
                     lambda: world.c.issuers.issuer(assistant).status == T.IssuerStatus.SUSPENDED)


WRITE_PATHS: dict[str, Callable[[World, Lineage], WritePath]] = {
    "anchor": _anchor,
    "issue": _issue,
    "record": _record,
    "coSign": _co_sign,
    "offerChild": _offer_child,
    "setIssuerStatus-of-own-child": _manage_child,
    "revokeLeaf": _revoke_leaf,
    "revokeBatch-of-own-child": _revoke_batch,
    "offerSuccessor-for-own-child": _offer_successor,
    "markCompromised-of-own-child": _mark_child,
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
    # The type allows neither a Community nor an Enterprise: it could never be granted to them.
    for key in (k.community, k.enterprise):
        with pytest.raises(E.OutOfScope) as not_granted:
            issue(key, BATCH_TYPE)
        assert _fields(not_granted.value) == {"issuer": key.address, "typeId": BATCH_TYPE}
    with pytest.raises(E.UnknownIssuer) as unknown:
        issue(k.stranger, BASIC_TYPE)
    assert _fields(unknown.value) == {"issuer": k.stranger.address}
    issuers = (k.university, k.stranger, k.community, k.enterprise)
    assert len(tried) == 6 and not any(c.credentials.issued(i.address, h).exists for h in tried for i in issuers)


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
    assert not c.credentials.issued(k.university.address, credential).exists


# ----------------------------------------------------------- strangers and inactive issuers


def test_non_members_cannot_approve_or_execute(world: World) -> None:
    c, k = world.c, world.k
    com = c.committee
    com.add_member(k.committee, k.member2.address)
    com.add_member(k.committee, k.member3.address)
    com.set_threshold(k.committee, 2)
    removal = com.proposal_count()
    com.remove_member(k.committee, k.member3.address)
    com.approve(k.member2, removal)
    assert not com.is_member(k.member3.address)
    pending = com.proposal_count()
    c.issuers.add_issuer(k.committee, k.stranger.address, T.IssuerKind.COMMUNITY, [])
    for outsider in (k.stranger, k.member3):  # never a member, and a member no more
        with pytest.raises(E.NotCommitteeMember) as approving:
            com.approve(outsider, pending)
        assert _fields(approving.value) == {"caller": outsider.address}
        with pytest.raises(E.NotCommitteeMember) as executing:
            com.execute(outsider, pending)
        assert _fields(executing.value) == {"caller": outsider.address}
        with pytest.raises(E.NotCommitteeMember) as proposing:
            com.propose(outsider, com.address, com.encode("setThreshold", 1))
        assert _fields(proposing.value) == {"caller": outsider.address}
        with pytest.raises(E.NotProposerOrCommittee) as cancelling:
            com.cancel(outsider, pending)
        assert _fields(cancelling.value) == {"id": pending, "caller": outsider.address}
    proposal = com.proposal(pending)
    assert proposal.approvals == 1 and not proposal.executed
    assert not c.issuers.issuer(k.stranger.address).exists


def test_a_stranger_cannot_revoke_co_sign_or_anchor(world: World) -> None:
    c, k = world.c, world.k
    work = item()
    c.contributions.record(k.university, [work])
    root = rand32()
    c.issuers.anchor(k.university, BATCH_TYPE, 4, root)
    credential = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), credential, [])
    uni = k.university.address
    attempts: list[Callable[[], object]] = [
        lambda: c.contributions.revoke(k.stranger, work.key, T.RevocationReason.MISCONDUCT),
        lambda: c.contributions.co_sign(k.stranger, work.key),
        lambda: c.contributions.record(k.stranger, [item()]),
        lambda: c.issuers.anchor(k.stranger, BATCH_TYPE, 3, rand32()),
        lambda: c.issuers.revoke_leaf(k.stranger, root, 0, T.RevocationReason.MISCONDUCT),
        lambda: c.issuers.revoke_batch(k.stranger, uni, root, T.RevocationReason.MISCONDUCT),
        lambda: c.issuers.set_leaves_status(k.stranger, uni, root, [0], T.CredentialStatus.REVOKED,
                                            T.RevocationReason.OTHER),
        lambda: c.issuers.restore_leaves(k.stranger, uni, root, [0], T.CredentialStatus.REVOKED),
        lambda: c.issuers.offer_successor(k.stranger, uni, world.new_key().address),
        lambda: c.issuers.offer_child(k.stranger, world.new_key().address, UNIVERSITY, []),
        lambda: c.issuers.set_issuer_status(k.stranger, uni, T.IssuerStatus.SUSPENDED),
        lambda: c.issuers.mark_compromised(k.stranger, uni, 1),
        lambda: c.credentials.issue(k.stranger, BASIC_TYPE, rand32(), rand32(), []),
        lambda: c.credentials.set_status(k.stranger, uni, credential, T.CredentialStatus.REVOKED,
                                         T.RevocationReason.OTHER),
        lambda: c.credentials.anchor_report(k.stranger, rand32()),
    ]
    for attempt in attempts:
        with pytest.raises(E.UnknownIssuer) as refused:
            attempt()
        assert _fields(refused.value) == {"issuer": k.stranger.address}
    stored = c.contributions.contribution(work.key)
    assert (stored.status, stored.co_sign_orgs) == (T.ContributionStatus.ACTIVE, 0)
    assert c.issuers.leaf_status(uni, root, 0) == T.CredentialStatus.NONE and not c.issuers.anchor_of(uni, root).revoked
    assert c.issuers.key_info(uni).compromised_since == 0


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
        c.issuers.build_anchor(BATCH_TYPE, 3, root),
    ]
    assert all(_would_succeed(world, k.university, tx) for tx in txs)
    c.issuers.propose_issuer_status(k.committee, k.university.address, status)
    for tx in txs:
        with pytest.raises(E.IssuerNotActive) as refused:
            c.issuers.send(k.university, tx)
        assert _fields(refused.value) == {"issuer": k.university.address, "status": status}
    assert c.contributions.contribution(own.key).status == T.ContributionStatus.ACTIVE
    assert c.contributions.contribution(others.key).co_sign_orgs == 0
    assert not c.issuers.anchor_of(k.university.address, root).exists


@pytest.mark.parametrize("status", INACTIVE, ids=lambda s: s.name.lower())
def test_an_inactive_issuer_no_longer_manages_its_credentials(world: World, status: T.IssuerStatus) -> None:
    c, k = world.c, world.k
    credential = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), credential, [])
    leaves = [rand32() for _ in range(4)]
    tree = MerkleTree.build(leaves, hash_function(c.chain.crypto))
    uni = k.university.address
    c.issuers.anchor(k.university, BATCH_TYPE, len(leaves), tree.root)
    txs = [
        c.credentials.build_set_status(uni, credential, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER),
        c.issuers.build_set_leaves_status(uni, tree.root, [2], T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER),
        c.issuers.build_revoke_leaf(tree.root, 2, T.RevocationReason.OTHER),
        c.issuers.build_revoke_batch(uni, tree.root, T.RevocationReason.OTHER),
    ]
    assert all(_would_succeed(world, k.university, tx) for tx in txs)
    c.issuers.propose_issuer_status(k.committee, uni, status)
    for tx in txs:
        with pytest.raises(E.IssuerNotActive) as refused:
            c.credentials.send(k.university, tx)
        assert _fields(refused.value) == {"issuer": uni, "status": status}
    assert c.credentials.status_of(uni, credential).status == T.CredentialStatus.NONE
    assert c.issuers.leaf_status(uni, tree.root, 2) == T.CredentialStatus.NONE
    assert not c.issuers.anchor_of(uni, tree.root).revoked


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
    tree = MerkleTree.build(leaves, hash_function(c.chain.crypto))
    c.issuers.anchor(k.university, BATCH_TYPE, len(leaves), tree.root)
    c.contributions.propose_revoke(k.committee, work.key, T.RevocationReason.MISCONDUCT)  # for release
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
    not_committee = (E.NotCommittee, lambda caller: {"caller": caller})
    # A member who is no issuer is unknown to the functions an issuer's managers may also call.
    unknown = (E.UnknownIssuer, lambda caller: {"issuer": caller})
    newcomer = world.new_key().address
    cases: dict[str, tuple[Transaction, tuple[type[ContractError], Callable[[str], dict[str, Any]]],
                           Callable[[], bool]]] = {
        # Not modifier-gated: besides the committee, the issuer's parent may call it.
        "setIssuerStatus": (c.issuers.build_raw("setIssuerStatus", uni, int(T.IssuerStatus.SUSPENDED)), unknown,
                            lambda: c.issuers.issuer(uni).status == T.IssuerStatus.SUSPENDED),
        "markCompromised": (c.issuers.build_raw("markCompromised", uni, 1), unknown,
                            lambda: c.issuers.key_info(uni).compromised_since == 1),
        "offerSuccessor": (c.issuers.build_raw("offerSuccessor", uni, newcomer), unknown,
                           lambda: c.issuers.successor_offer(newcomer, uni).offered),
        "revokeBatch": (c.issuers.build_raw("revokeBatch", uni, t.tree.root, reason), unknown,
                        lambda: c.issuers.anchor_of(uni, t.tree.root).revoked),
        "setLeavesStatus": (c.issuers.build_raw("setLeavesStatus", uni, t.tree.root, [1], revoked, reason), unknown,
                            lambda: c.issuers.leaf_status(uni, t.tree.root, 1) == T.CredentialStatus.REVOKED),
        "restoreLeaves": (c.issuers.build_raw("restoreLeaves", uni, t.tree.root, [2], revoked), unknown,
                          lambda: c.issuers.leaf_status(uni, t.tree.root, 2) == T.CredentialStatus.REVOKED),
        "setStatus": (c.credentials.build_raw("setStatus", uni, t.credential, revoked, reason), unknown,
                      lambda: c.credentials.status_of(uni, t.credential).status == T.CredentialStatus.REVOKED),
        # Modifier-gated: the committee only.
        "release": (c.contributions.build_raw("release", t.contribution), not_committee,
                    lambda: not c.contributions.contribution(t.contribution).exists),
        "defineType": (c.credentials.build_raw("defineType", 10, 1, 1, int(T.IssuerKinds.of(UNIVERSITY)),
                                               T.Criteria().as_tuple(), [], ZERO32), not_committee,
                       lambda: c.credentials.credential_type(10).exists),
        "addIssuer": (c.issuers.build_raw("addIssuer", newcomer, int(T.IssuerKind.COMMUNITY), [], ZERO32),
                      not_committee, lambda: c.issuers.issuer(newcomer).exists),
        "setIssuerScope": (c.issuers.build_raw("setIssuerScope", uni, [OTHER_TYPE], True), not_committee,
                           lambda: c.issuers.in_scope(uni, OTHER_TYPE)),
        "addMember": (c.committee.build_raw("addMember", newcomer), not_committee,
                      lambda: c.committee.is_member(newcomer)),
        "removeMember": (c.committee.build_raw("removeMember", k.member2.address), not_committee,
                         lambda: not c.committee.is_member(k.member2.address)),
        "setThreshold": (c.committee.build_raw("setThreshold", 2), not_committee,
                         lambda: c.committee.threshold() == 2),
        "setProposalWindow": (c.committee.build_raw("setProposalWindow", 77), not_committee,
                              lambda: c.committee.proposal_window() == 77),
        "nameSuccessor": (c.committee.build_raw("nameSuccessor", newcomer), not_committee,
                          lambda: c.committee.successor()[0] == newcomer),
    }
    tx, (error, fields), done = cases[name]
    return DirectCall(tx, error, fields, done)


DIRECT = ["setIssuerStatus", "markCompromised", "offerSuccessor", "revokeBatch", "setLeavesStatus", "restoreLeaves",
          "setStatus", "release", "defineType", "addIssuer", "setIssuerScope", "addMember", "removeMember",
          "setThreshold", "setProposalWindow", "nameSuccessor"]


@pytest.mark.parametrize("name", DIRECT)
def test_a_member_calling_a_committee_function_directly_is_refused(world: World, name: str) -> None:
    c, k = world.c, world.k
    c.committee.add_member(k.committee, k.member2.address)
    call = _direct_call(name, world, _targets(world))
    for member in (k.committee, k.member2):  # the deployer and a member added later alike
        with pytest.raises(call.error) as refused:
            c.committee.send(member, call.tx)
        assert _fields(refused.value) == call.fields(member.address)
        assert not call.done()
    # The same calldata, proposed, is the committee acting: it goes through.
    assert call.tx.to is not None
    c.committee.propose(k.member2, call.tx.to, call.tx.data)
    assert call.done()


def test_only_the_bound_credential_registry_notes_type_kinds(world: World) -> None:
    c, k = world.c, world.k
    tx = c.issuers.build_raw("noteType", 50, 0b10)
    for caller in (k.committee, k.university, k.stranger):
        with pytest.raises(E.NotCredentialsModule) as refused:
            c.issuers.send(caller, tx)
        assert _fields(refused.value) == {"caller": caller.address}
    with pytest.raises(E.NotCredentialsModule):  # not even the committee: type kinds come with a definition
        c.committee.propose(k.committee, c.issuers.address, tx.data)
    with pytest.raises(E.UnknownType):
        c.issuers.set_issuer_scope(k.committee, k.university.address, [50], True)


def test_an_issuer_of_another_organisation_manages_nothing_of_this_one(world: World) -> None:
    c, k = world.c, world.k
    t = _targets(world)
    uni = k.university.address
    other = k.community  # an issuer in good standing, of another organisation
    attempts: list[Callable[[], object]] = [
        lambda: c.issuers.revoke_batch(other, uni, t.tree.root, T.RevocationReason.OTHER),
        lambda: c.issuers.set_leaves_status(other, uni, t.tree.root, [0], T.CredentialStatus.REVOKED,
                                            T.RevocationReason.OTHER),
        lambda: c.issuers.restore_leaves(other, uni, t.tree.root, [0], T.CredentialStatus.REVOKED),
        lambda: c.issuers.offer_successor(other, uni, world.new_key().address),
        lambda: c.issuers.mark_compromised(other, uni, 1),
        lambda: c.credentials.set_status(other, uni, t.credential, T.CredentialStatus.REVOKED,
                                         T.RevocationReason.OTHER),
    ]
    for attempt in attempts:
        with pytest.raises(E.NotManager) as refused:
            attempt()
        assert _fields(refused.value) == {"issuer": uni, "caller": other.address}
    work = item()
    c.contributions.record(k.university, [work])
    with pytest.raises(E.NotManager):
        c.contributions.revoke(other, work.key, T.RevocationReason.OTHER)
    with pytest.raises(E.NotParentOrCommittee):
        c.issuers.set_issuer_status(other, uni, T.IssuerStatus.SUSPENDED)


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
            c.issuers.offer_child(k.authority, child, kind, [BATCH_TYPE])
        assert _fields(refused.value) == {"parent": k.authority.address, "kind": T.IssuerKind.AUTHORITY}
    assert not c.issuers.child_offer(child, k.authority.address).exists


def test_a_child_of_kind_none_is_refused(world: World) -> None:
    c, k = world.c, world.k
    child = world.new_key().address
    # "None" is not the parent's kind, so the child-kind rule refuses it before the generic kind check.
    for parent in (k.university, k.community):
        with pytest.raises(E.ChildKindNotAllowed) as refused:
            c.issuers.offer_child(parent, child, T.IssuerKind.NONE, [])
        assert _fields(refused.value) == {"child": child, "kind": T.IssuerKind.NONE}
    assert not c.issuers.issuer(child).exists


def _pass(c: Contracts, proposer: PrivateKey, approvers: list[PrivateKey], propose: Callable[[], object]) -> int:
    """Propose as ``proposer`` (by calling ``propose``), then approve by each of ``approvers``; its id."""
    pid = c.committee.proposal_count()
    propose()
    for approver in approvers:
        c.committee.approve(approver, pid)
    return pid


def test_a_removal_may_not_leave_fewer_members_than_the_threshold(world: World) -> None:
    c, k = world.c, world.k
    com = c.committee
    com.add_member(k.committee, k.member2.address)
    com.add_member(k.committee, k.member3.address)
    com.set_threshold(k.committee, 3)
    everyone = [k.committee.address, k.member2.address, k.member3.address]
    pid = com.proposal_count()
    com.remove_member(k.committee, k.member3.address)
    com.approve(k.member2, pid)
    with pytest.raises(E.ThresholdOutOfRange) as three_of_two:  # the third approval executes it
        com.approve(k.member3, pid)
    assert _fields(three_of_two.value) == {"threshold": 3, "memberCount": 2}
    assert getattr(three_of_two.value, "proposal_id", None) == pid  # raised from inside the proposal
    assert sorted(com.members()) == sorted(everyone) and not com.proposal(pid).executed
    # At threshold 2 of 3 one member may go; then the last but one may not.
    _pass(c, k.committee, [k.member2, k.member3], lambda: com.set_threshold(k.committee, 2))
    _pass(c, k.committee, [k.member2], lambda: com.remove_member(k.committee, k.member3.address))
    assert sorted(com.members()) == sorted(everyone[:2])
    pid = com.proposal_count()
    com.remove_member(k.committee, k.member2.address)
    with pytest.raises(E.ThresholdOutOfRange) as two_of_one:
        com.approve(k.member2, pid)
    assert _fields(two_of_one.value) == {"threshold": 2, "memberCount": 1}
    assert sorted(com.members()) == sorted(everyone[:2]) and com.threshold() == 2


def test_a_removed_member_cannot_anchor_a_report(world: World) -> None:
    c, k = world.c, world.k
    com = c.committee
    com.add_member(k.committee, k.member2.address)
    com.add_member(k.committee, k.community.address)  # a member who is also an issuer
    before = rand32()
    anchored = c.credentials.anchor_report(k.member2, before)
    com.remove_member(k.committee, k.member2.address)
    com.remove_member(k.committee, k.community.address)
    after = rand32()
    with pytest.raises(E.UnknownIssuer) as refused:  # no longer a member, and never an issuer
        c.credentials.anchor_report(k.member2, after)
    assert _fields(refused.value) == {"issuer": k.member2.address}
    assert c.credentials.report_anchor(k.member2.address, after) == 0
    assert c.credentials.report_anchor(k.member2.address, before) == anchored.block_number  # history stays
    # Removal takes away a member's standing, not an issuer's: the Community still anchors as an issuer.
    as_issuer = rand32()
    block = c.credentials.anchor_report(k.community, as_issuer).block_number
    assert c.credentials.report_anchor(k.community.address, as_issuer) == block
