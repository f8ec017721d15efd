"""Types, anchoring (IssuerRegistry), criteria-checked issuance, status of credentials and batch leaves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.abi import decode_events
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.hashing import hash_function

from .conftest import (
    BASIC_TYPE,
    BATCH_TYPE,
    CHECKED_TYPE,
    OTHER_TYPE,
    WINDOW_FROM,
    WINDOW_TO,
    World,
    child_of,
    item,
    rand32,
    require_history,
)

UNI_OR_AUTH = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.AUTHORITY)
NO_CRITERIA = T.Criteria()


# ------------------------------------------------------------------------------------------- types


def test_define_and_redefine_a_type(world: World) -> None:
    c, k = world.c, world.k
    t = c.credentials.credential_type(CHECKED_TYPE)
    assert (t.version, t.field, t.level, t.allowed_kinds, t.prerequisites) == (1, 1, 2, UNI_OR_AUTH, (BASIC_TYPE,))
    assert t.criteria.min_per_kind[T.ContributionKind.DOCS] == 1 and t.criteria.window_to == WINDOW_TO
    meta = rand32()
    wider = UNI_OR_AUTH | T.IssuerKinds.of(T.IssuerKind.COMMUNITY)
    receipt = c.credentials.define_type(k.committee, CHECKED_TYPE, field=7, level=3, allowed_kinds=wider,
                                        criteria=T.Criteria(min_total=9), meta_hash=meta)
    t2 = c.credentials.credential_type(CHECKED_TYPE)
    assert (t2.version, t2.field, t2.level, t2.criteria.min_total, t2.prerequisites, t2.meta_hash) == (
        2, 7, 3, 9, (), meta)
    assert t2.allowed_kinds == wider
    with pytest.raises(E.AllowedKindsNarrowed) as narrower:  # scope was granted against them: kinds only widen
        c.credentials.define_type(k.committee, CHECKED_TYPE, field=7, level=3, allowed_kinds=UNI_OR_AUTH,
                                  criteria=T.Criteria())
    assert (narrower.value.typeId, narrower.value.previous, narrower.value.requested) == (
        CHECKED_TYPE, int(wider), int(UNI_OR_AUTH))
    require_history(world.chain)
    assert c.credentials.credential_type(CHECKED_TYPE, block=receipt.block_number - 1).version == 1
    assert c.credentials.type_ids() == [BATCH_TYPE, BASIC_TYPE, CHECKED_TYPE, OTHER_TYPE]
    defined = next(e for e in decode_events(receipt.logs, crypto=c.chain.crypto) if e.name == "TypeDefined").args
    assert defined["version"] == 2 and defined["criteria"]["minTotal"] == 9 and defined["metaHash"] == meta
    assert not c.credentials.credential_type(99).exists


def test_define_type_errors(world: World) -> None:
    c, k = world.c, world.k

    def define(type_id: int = 10, kinds: int = int(UNI_OR_AUTH), criteria: T.Criteria = NO_CRITERIA,
               prerequisites: tuple[int, ...] = ()) -> None:
        c.credentials.define_type(k.committee, type_id, field=1, level=1, allowed_kinds=kinds, criteria=criteria,
                                  prerequisites=prerequisites)

    with pytest.raises(E.InvalidTypeId) as zero:
        define(type_id=0)
    assert zero.value.typeId == 0
    for bad in (0, 1, 0x20, 0x80):
        with pytest.raises(E.InvalidAllowedKinds) as kinds:
            define(kinds=bad)
        assert kinds.value.allowedKinds == bad
    with pytest.raises(E.InvalidWindow) as window:
        define(criteria=T.Criteria(window_from=10, window_to=9))
    assert (window.value.windowFrom, window.value.windowTo) == (10, 9)
    with pytest.raises(E.InvalidPrerequisite) as undefined:
        define(prerequisites=(BASIC_TYPE, 77))
    assert (undefined.value.typeId, undefined.value.prerequisite) == (10, 77)
    with pytest.raises(E.InvalidPrerequisite):
        define(type_id=BASIC_TYPE, prerequisites=(BASIC_TYPE,))
    with pytest.raises(E.TooManyPrerequisites) as many:
        define(prerequisites=(BASIC_TYPE,) * 9)
    assert (many.value.count, many.value.max) == (9, 8)


def test_committee_only_functions_refuse_direct_calls(world: World) -> None:
    c, k = world.c, world.k
    direct = c.credentials.build_raw("defineType", 10, 1, 1, int(UNI_OR_AUTH), T.Criteria().as_tuple(), [],
                                     b"\0" * 32)
    for caller in (k.committee, k.university, k.stranger):
        with pytest.raises(E.NotCommittee) as info:
            c.credentials.send(caller, direct)
        assert info.value.caller == caller.address


# ----------------------------------------------------------------------------------------- anchor


def test_anchor(world: World) -> None:
    c, k = world.c, world.k
    root, meta = rand32(), rand32()
    receipt = c.issuers.anchor(k.university, BATCH_TYPE, 1000, root, meta)
    assert c.issuers.anchor_of(k.university.address, root) == T.Anchor(k.university.address, root, BATCH_TYPE, 1000,
                                                                      receipt.block_number)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args == {"issuer": k.university.address, "root": root,
                                                   "typeId": BATCH_TYPE, "count": 1000, "metaHash": meta}
    c.issuers.anchor(k.authority, OTHER_TYPE, 5, rand32())  # "any" scope
    assert not c.issuers.anchor_of(k.university.address, rand32()).exists
    assert not c.issuers.anchor_of(k.authority.address, root).exists  # keyed by its issuer


def test_anchor_errors(world: World) -> None:
    c, k = world.c, world.k
    root = rand32()
    first = c.issuers.anchor(k.university, BATCH_TYPE, 3, root)
    with pytest.raises(E.RootAlreadyAnchored) as again:
        c.issuers.anchor(k.university, BATCH_TYPE, 3, root)
    assert (again.value.root, again.value.issuer, again.value.blockNumber) == (
        root, k.university.address, first.block_number)
    with pytest.raises(E.OutOfScope) as unknown_type:  # an undefined type is in nobody's scope
        c.issuers.anchor(k.university, 99, 3, rand32())
    assert unknown_type.value.typeId == 99
    with pytest.raises(E.OutOfScope) as scope:
        c.issuers.anchor(k.university, OTHER_TYPE, 3, rand32())
    assert (scope.value.issuer, scope.value.typeId) == (k.university.address, OTHER_TYPE)
    with pytest.raises(E.OutOfScope):  # a community could never be granted a University type
        c.issuers.anchor(k.community, BATCH_TYPE, 3, rand32())
    with pytest.raises(E.EmptyBatch):
        c.issuers.anchor(k.university, BATCH_TYPE, 0, rand32())
    with pytest.raises(E.InvalidRoot):
        c.issuers.anchor(k.university, BATCH_TYPE, 3, b"\0" * 32)
    with pytest.raises(E.UnknownIssuer):
        c.issuers.anchor(k.stranger, BATCH_TYPE, 3, rand32())
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive):
        c.issuers.anchor(k.university, BATCH_TYPE, 3, rand32())


def test_a_child_anchors_within_every_ancestors_scope(world: World) -> None:
    c, k = world.c, world.k
    college = child_of(c, k.university, (BATCH_TYPE,))
    teacher = child_of(c, college, (BATCH_TYPE,))
    root = rand32()
    c.issuers.anchor(teacher, BATCH_TYPE, 2, root)
    assert c.issuers.anchor_of(teacher.address, root).exists
    c.issuers.set_issuer_scope(k.committee, k.university.address, [BATCH_TYPE], False)
    with pytest.raises(E.OutOfScope):
        c.issuers.anchor(teacher, BATCH_TYPE, 2, rand32())


# ------------------------------------------------------------------------------------------- issue


@dataclass
class Candidate:
    """A subject whose contributions meet CHECKED_TYPE's criteria, and a BASIC_TYPE credential."""

    subject: bytes
    keys: list[bytes]
    basic: T.Prerequisite


def _candidate(world: World, *, co_sign: bool = True) -> Candidate:
    c, k = world.c, world.k
    subject = rand32()
    p1, p2 = rand32(), rand32()
    items = [item(subject, project=p1), item(subject, project=p2),
             item(subject, project=p1, kind=T.ContributionKind.DOCS)]
    c.contributions.record(k.university, items)
    if co_sign:
        for it in items:
            c.contributions.co_sign(k.community, it.key)
    basic = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, subject, basic, [])
    return Candidate(subject, [i.key for i in items], T.Prerequisite(k.university.address, basic))


def test_issue_checked_credential(world: World) -> None:
    c, k = world.c, world.k
    cand = _candidate(world)
    cred = rand32()
    receipt = c.credentials.issue(k.university, CHECKED_TYPE, cand.subject, cred, cand.keys, [cand.basic])
    uni = c.issuers.issuer(k.university.address)
    assert c.credentials.issued(k.university.address, cred) == T.IssuedCredential(
        k.university.address, cred, cand.subject, CHECKED_TYPE, 1, receipt.block_number, uni.id)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args == {
        "credentialHash": cred, "subject": cand.subject, "issuer": k.university.address, "typeId": CHECKED_TYPE,
        "typeVersion": 1, "contributionKeys": tuple(cand.keys),
        "prerequisites": ({"issuer": k.university.address, "credentialHash": cand.basic.credential_hash},)}
    with pytest.raises(E.CredentialExists) as again:
        c.credentials.issue(k.university, CHECKED_TYPE, cand.subject, cred, cand.keys, [cand.basic])
    assert (again.value.issuer, again.value.credentialHash) == (k.university.address, cred)
    c.credentials.issue(k.authority, CHECKED_TYPE, cand.subject, cred, cand.keys, [cand.basic])  # its own record
    assert not c.credentials.issued(k.university.address, rand32()).exists


def test_issue_names_the_type_version(world: World) -> None:
    c, k = world.c, world.k
    c.credentials.define_type(k.committee, BASIC_TYPE, field=1, level=1, allowed_kinds=UNI_OR_AUTH,
                              criteria=T.Criteria())
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    assert c.credentials.issued(k.university.address, cred).type_version == 2


def test_issue_contribution_checks(world: World) -> None:
    c, k = world.c, world.k
    cand = _candidate(world)

    def issue(keys: list[bytes], subject: bytes = cand.subject) -> None:
        c.credentials.issue(k.university, CHECKED_TYPE, subject, rand32(), keys, [cand.basic])

    with pytest.raises(E.DuplicateContribution) as dup:
        issue(cand.keys + [cand.keys[0]])
    assert dup.value.key == cand.keys[0]
    missing = rand32()
    with pytest.raises(E.ContributionNotFound) as not_found:
        issue(cand.keys + [missing])
    assert not_found.value.key == missing
    stranger_work = item()
    c.contributions.record(k.university, [stranger_work])
    with pytest.raises(E.ContributionSubjectMismatch) as mismatch:
        issue(cand.keys + [stranger_work.key])
    assert (mismatch.value.key, mismatch.value.expected, mismatch.value.found) == (
        stranger_work.key, cand.subject, stranger_work.subject)
    for when in (WINDOW_FROM - 1, WINDOW_TO + 1):
        late = item(cand.subject, occurred_at=when)
        c.contributions.record(k.university, [late])
        with pytest.raises(E.ContributionOutsideWindow) as window:
            issue(cand.keys + [late.key])
        assert (window.value.occurredAt, window.value.windowFrom, window.value.windowTo) == (
            when, WINDOW_FROM, WINDOW_TO)
    unsigned = item(cand.subject)
    c.contributions.record(k.university, [unsigned])
    with pytest.raises(E.NotEnoughCoSigns) as cosigns:
        issue(cand.keys + [unsigned.key])
    assert (cosigns.value.key, cosigns.value.needed, cosigns.value.found) == (unsigned.key, 1, 0)
    c.contributions.revoke(k.university, cand.keys[0], T.RevocationReason.MISCONDUCT)
    with pytest.raises(E.ContributionNotValid) as revoked:
        issue(cand.keys)
    assert (revoked.value.key, revoked.value.status) == (cand.keys[0], T.ContributionStatus.REVOKED)


def test_issue_criteria_clauses(world: World) -> None:
    c, k = world.c, world.k
    cand = _candidate(world)

    def issue(keys: list[bytes]) -> None:
        c.credentials.issue(k.university, CHECKED_TYPE, cand.subject, rand32(), keys, [cand.basic])

    with pytest.raises(E.NotEnoughContributions) as total:
        issue(cand.keys[:2])
    assert (total.value.needed, total.value.found) == (3, 2)
    extra_code = item(cand.subject)
    c.contributions.record(k.university, [extra_code])
    c.contributions.co_sign(k.community, extra_code.key)
    with pytest.raises(E.NotEnoughOfKind) as per_kind:
        issue(cand.keys[:2] + [extra_code.key])  # three CODE, no DOCS
    assert (per_kind.value.kind, per_kind.value.needed, per_kind.value.found) == (T.ContributionKind.DOCS, 1, 0)
    same_project = rand32()
    items = [item(cand.subject, project=same_project), item(cand.subject, project=same_project),
             item(cand.subject, project=same_project, kind=T.ContributionKind.DOCS)]
    c.contributions.record(k.university, items)
    for it in items:
        c.contributions.co_sign(k.community, it.key)
    with pytest.raises(E.NotEnoughDistinctProjects) as projects:
        issue([i.key for i in items])
    assert (projects.value.needed, projects.value.found) == (2, 1)


def test_issue_prerequisite_checks(world: World) -> None:
    c, k = world.c, world.k
    cand = _candidate(world)

    def issue(prereqs: list[T.Prerequisite]) -> None:
        c.credentials.issue(k.university, CHECKED_TYPE, cand.subject, rand32(), cand.keys, prereqs)

    with pytest.raises(E.MissingPrerequisite) as missing:
        issue([])
    assert missing.value.typeId == BASIC_TYPE
    unknown = rand32()
    with pytest.raises(E.PrerequisiteNotFound) as not_found:
        issue([T.Prerequisite(k.university.address, unknown)])
    assert (not_found.value.issuer, not_found.value.credentialHash) == (k.university.address, unknown)
    with pytest.raises(E.PrerequisiteNotFound):  # the right hash under another issuer is no prerequisite
        issue([T.Prerequisite(k.authority.address, cand.basic.credential_hash)])
    other_subject, others = rand32(), rand32()
    c.credentials.issue(k.university, BASIC_TYPE, other_subject, others, [])
    with pytest.raises(E.PrerequisiteSubjectMismatch) as mismatch:
        issue([T.Prerequisite(k.university.address, others)])
    assert (mismatch.value.expected, mismatch.value.found) == (cand.subject, other_subject)
    wrong_type = rand32()
    c.credentials.issue(k.authority, OTHER_TYPE, cand.subject, wrong_type, [])
    with pytest.raises(E.MissingPrerequisite):
        issue([T.Prerequisite(k.authority.address, wrong_type)])
    with pytest.raises(E.TooManyPrerequisites):
        issue([cand.basic] * 9)
    c.credentials.set_status(k.university, k.university.address, cand.basic.credential_hash,
                             T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    with pytest.raises(E.PrerequisiteNotValid) as suspended:
        issue([cand.basic])
    assert (suspended.value.credentialHash, suspended.value.status) == (cand.basic.credential_hash,
                                                                        T.CredentialStatus.SUSPENDED)
    c.credentials.set_status(k.university, k.university.address, cand.basic.credential_hash, T.CredentialStatus.VALID)
    issue([cand.basic])  # reinstated: accepted again


def test_issue_authorisation(world: World) -> None:
    c, k = world.c, world.k
    with pytest.raises(E.UnknownType):
        c.credentials.issue(k.university, 99, rand32(), rand32(), [])
    with pytest.raises(E.OutOfScope):
        c.credentials.issue(k.university, OTHER_TYPE, rand32(), rand32(), [])
    with pytest.raises(E.OutOfScope):
        c.credentials.issue(k.community, BATCH_TYPE, rand32(), rand32(), [])
    with pytest.raises(E.UnknownIssuer):
        c.credentials.issue(k.stranger, BASIC_TYPE, rand32(), rand32(), [])
    # a type redefined to allow fewer kinds cannot exist; a type widened later lets the kind in at grant
    community_kinds = UNI_OR_AUTH | T.IssuerKinds.of(T.IssuerKind.COMMUNITY)
    c.credentials.define_type(k.committee, OTHER_TYPE, field=2, level=1, allowed_kinds=community_kinds,
                              criteria=T.Criteria())
    c.issuers.set_issuer_scope(k.committee, k.community.address, [OTHER_TYPE], True)
    c.credentials.issue(k.community, OTHER_TYPE, rand32(), rand32(), [])


# ------------------------------------------------------------------------------------------ status


def test_status_lifecycle_of_an_issued_credential(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    uni_id = c.issuers.issuer(uni).id
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    assert c.credentials.status_of(uni, cred).status == T.CredentialStatus.NONE
    s = c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.MISCONDUCT)
    assert c.credentials.status_of(uni, cred) == T.CredentialStatusRecord(
        uni, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.MISCONDUCT, s.block_number, uni_id)
    c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.VALID)
    assert c.credentials.status_of(uni, cred).status == T.CredentialStatus.VALID
    r = c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.SUPERSEDED)
    assert decode_events(r.logs, crypto=c.chain.crypto)[0].args == {"credentialHash": cred, "issuer": uni, "by": uni,
                                             "status": T.CredentialStatus.REVOKED,
                                             "reason": T.RevocationReason.SUPERSEDED}
    assert [e.status for e in c.credentials.status_log(uni, cred)] == [
        T.CredentialStatus.SUSPENDED, T.CredentialStatus.VALID, T.CredentialStatus.REVOKED]
    with pytest.raises(E.CredentialIsRevoked) as final:
        c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.VALID)
    assert (final.value.issuer, final.value.credentialHash) == (uni, cred)


def test_status_transition_errors(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    with pytest.raises(E.InvalidStatusTransition) as reinstate:
        c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.VALID)
    assert (reinstate.value.current, reinstate.value.requested) == (T.CredentialStatus.NONE, T.CredentialStatus.VALID)
    with pytest.raises(E.InvalidStatusTransition):
        c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.NONE)
    with pytest.raises(E.InvalidReason):
        c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.NONE)
    c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    with pytest.raises(E.InvalidStatusTransition) as twice:
        c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    assert twice.value.current == T.CredentialStatus.SUSPENDED


def test_status_authorisation(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    missing = rand32()
    with pytest.raises(E.CredentialNotFound) as not_found:
        c.credentials.set_status(k.university, uni, missing, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    assert (not_found.value.issuer, not_found.value.credentialHash) == (uni, missing)
    with pytest.raises(E.NotManager) as other:
        c.credentials.set_status(k.authority, uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    assert (other.value.issuer, other.value.caller) == (uni, k.authority.address)
    with pytest.raises(E.UnknownIssuer):
        c.credentials.set_status(k.stranger, uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.RETIRED)
    with pytest.raises(E.IssuerNotActive):
        c.credentials.set_status(k.university, uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    c.credentials.propose_set_status(k.committee, uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    assert c.credentials.status_of(uni, cred) == T.CredentialStatusRecord(
        uni, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER, c.chain.block_number(), 0)


def test_a_parent_manages_its_childs_credentials(world: World) -> None:
    c, k = world.c, world.k
    college = child_of(c, k.university, (BASIC_TYPE,))
    cred = rand32()
    c.credentials.issue(college, BASIC_TYPE, rand32(), cred, [])
    c.credentials.set_status(k.university, college.address, cred, T.CredentialStatus.REVOKED,
                             T.RevocationReason.MISCONDUCT)
    assert c.credentials.status_of(college.address, cred).status == T.CredentialStatus.REVOKED


# ------------------------------------------------------------------------------------------- leaves


def _batch(world: World, size: int = 8) -> tuple[MerkleTree, list[bytes]]:
    leaves = [rand32() for _ in range(size)]
    tree = MerkleTree.build(leaves, hash_function(world.chain.crypto))
    world.c.issuers.anchor(world.k.university, BATCH_TYPE, size, tree.root)
    return tree, leaves


def test_leaf_statuses(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    tree, leaves = _batch(world, 300)
    receipt = c.issuers.set_leaves_status(k.university, uni, tree.root, [3, 130], T.CredentialStatus.SUSPENDED,
                                          T.RevocationReason.OTHER)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args == {
        "issuer": uni, "root": tree.root, "indexes": (3, 130), "status": T.CredentialStatus.SUSPENDED,
        "reason": T.RevocationReason.OTHER, "by": uni}
    assert c.issuers.leaf_status(uni, tree.root, 3) == T.CredentialStatus.SUSPENDED
    assert c.issuers.leaf_status(uni, tree.root, 130) == T.CredentialStatus.SUSPENDED
    assert c.issuers.leaf_status_word(uni, tree.root, 1) == int(T.CredentialStatus.SUSPENDED) << 4
    c.issuers.set_leaves_status(k.university, uni, tree.root, [3], T.CredentialStatus.VALID)
    assert c.issuers.leaf_status(uni, tree.root, 3) == T.CredentialStatus.VALID
    c.issuers.propose_set_leaves_status(k.committee, uni, tree.root, [5], T.CredentialStatus.REVOKED,
                                        T.RevocationReason.EXPIRED)
    assert c.credentials.verify_batch_credential(uni, tree.root, leaves[5], 5, tree.proof(5)) == T.Verdict.REVOKED
    assert c.credentials.verify_batch_credential(uni, tree.root, leaves[130], 130,
                                                 tree.proof(130)) == T.Verdict.SUSPENDED
    with pytest.raises(E.LeafIsRevoked):
        c.issuers.set_leaves_status(k.university, uni, tree.root, [5], T.CredentialStatus.VALID)
    revoked = decode_events(c.issuers.revoke_leaf(k.university, tree.root, 7, T.RevocationReason.MISCONDUCT).logs, crypto=c.chain.crypto)
    assert revoked[0].args == {"issuer": uni, "root": tree.root, "index": 7, "reason": T.RevocationReason.MISCONDUCT}


def test_leaf_status_errors(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    tree, _leaves = _batch(world)
    with pytest.raises(E.EmptyBatch):
        c.issuers.set_leaves_status(k.university, uni, tree.root, [], T.CredentialStatus.REVOKED,
                                    T.RevocationReason.OTHER)
    with pytest.raises(E.InvalidRequestedStatus) as none:
        c.issuers.set_leaves_status(k.university, uni, tree.root, [0], T.CredentialStatus.NONE)
    assert none.value.status == T.CredentialStatus.NONE
    with pytest.raises(E.InvalidReason):
        c.issuers.set_leaves_status(k.university, uni, tree.root, [0], T.CredentialStatus.SUSPENDED)
    with pytest.raises(E.InvalidLeafTransition) as reinstate:
        c.issuers.set_leaves_status(k.university, uni, tree.root, [0], T.CredentialStatus.VALID)
    assert (reinstate.value.index, reinstate.value.current, reinstate.value.requested) == (
        0, T.CredentialStatus.NONE, T.CredentialStatus.VALID)
    c.issuers.set_leaves_status(k.university, uni, tree.root, [1], T.CredentialStatus.SUSPENDED,
                                T.RevocationReason.OTHER)
    with pytest.raises(E.InvalidLeafTransition):  # a status is not set twice
        c.issuers.set_leaves_status(k.university, uni, tree.root, [1], T.CredentialStatus.SUSPENDED,
                                    T.RevocationReason.OTHER)
    for caller in (k.authority, k.stranger):
        with pytest.raises((E.NotManager, E.UnknownIssuer)):
            c.issuers.set_leaves_status(caller, uni, tree.root, [0], T.CredentialStatus.REVOKED,
                                        T.RevocationReason.OTHER)
    c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive):
        c.issuers.set_leaves_status(k.university, uni, tree.root, [0], T.CredentialStatus.REVOKED,
                                    T.RevocationReason.OTHER)
    with pytest.raises(E.IssuerNotActive):
        c.issuers.revoke_leaf(k.university, tree.root, 0, T.RevocationReason.OTHER)


def test_leaves_a_stolen_key_changed_are_restored(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    tree, _leaves = _batch(world)
    with pytest.raises(E.NoCompromiseToRepair) as outside:  # outside a theft revocation stays final
        c.issuers.restore_leaves(k.university, uni, tree.root, [2], T.CredentialStatus.NONE)
    assert outside.value.issuer == uni
    theft = c.chain.block_number() + 1
    c.issuers.revoke_leaf(k.university, tree.root, 2, T.RevocationReason.MISCONDUCT)  # the thief
    c.issuers.propose_mark_compromised(k.committee, uni, theft)
    successor = world.new_key()
    c.issuers.propose_offer_successor(k.committee, uni, successor.address)
    c.issuers.accept_successor(successor, uni)
    receipt = c.issuers.restore_leaves(successor, uni, tree.root, [2], T.CredentialStatus.NONE)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args == {"issuer": uni, "root": tree.root, "indexes": (2,),
                                                   "status": T.CredentialStatus.NONE, "by": successor.address}
    assert c.issuers.leaf_status(uni, tree.root, 2) == T.CredentialStatus.NONE
    c.issuers.propose_restore_leaves(k.committee, uni, tree.root, [3], T.CredentialStatus.SUSPENDED)  # any status
    assert c.issuers.leaf_status(uni, tree.root, 3) == T.CredentialStatus.SUSPENDED
    with pytest.raises(E.NotManager):
        c.issuers.restore_leaves(k.authority, uni, tree.root, [2], T.CredentialStatus.NONE)
