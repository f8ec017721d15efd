"""CredentialRegistry: types, anchoring, criteria-checked issuance, status of credentials and leaves."""

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
    receipt = c.credentials.define_type(k.committee, CHECKED_TYPE, field=7, level=3,
                                        allowed_kinds=T.IssuerKinds.of(T.IssuerKind.COMMUNITY),
                                        criteria=T.Criteria(min_total=9), meta_hash=meta)
    t2 = c.credentials.credential_type(CHECKED_TYPE)
    assert (t2.version, t2.field, t2.level, t2.criteria.min_total, t2.prerequisites, t2.meta_hash) == (
        2, 7, 3, 9, (), meta)
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
    receipt = c.credentials.anchor(k.university, root, 1000, BATCH_TYPE, meta)
    assert c.credentials.anchor_of(root) == T.Anchor(root, k.university.address, BATCH_TYPE, 1000,
                                                     receipt.block_number)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args == {"root": root, "issuer": k.university.address,
                                                   "typeId": BATCH_TYPE, "count": 1000, "metaHash": meta}
    c.credentials.anchor(k.authority, rand32(), 5, OTHER_TYPE)  # "any" scope
    assert not c.credentials.anchor_of(rand32()).exists


def test_anchor_errors(world: World) -> None:
    c, k = world.c, world.k
    root = rand32()
    first = c.credentials.anchor(k.university, root, 3, BATCH_TYPE)
    with pytest.raises(E.RootAlreadyAnchored) as again:
        c.credentials.anchor(k.authority, root, 3, BATCH_TYPE)
    assert (again.value.root, again.value.issuer, again.value.blockNumber) == (
        root, k.university.address, first.block_number)
    with pytest.raises(E.UnknownType) as unknown_type:
        c.credentials.anchor(k.university, rand32(), 3, 99)
    assert unknown_type.value.typeId == 99
    with pytest.raises(E.OutOfScope) as scope:
        c.credentials.anchor(k.university, rand32(), 3, OTHER_TYPE)
    assert (scope.value.issuer, scope.value.typeId) == (k.university.address, OTHER_TYPE)
    with pytest.raises(E.IssuerKindNotAllowed) as kind:
        c.credentials.anchor(k.community, rand32(), 3, BATCH_TYPE)
    assert (kind.value.typeId, kind.value.kind) == (BATCH_TYPE, T.IssuerKind.COMMUNITY)
    with pytest.raises(E.EmptyBatch):
        c.credentials.anchor(k.university, rand32(), 0, BATCH_TYPE)
    with pytest.raises(E.InvalidRoot):
        c.credentials.anchor(k.university, b"\0" * 32, 3, BATCH_TYPE)
    with pytest.raises(E.UnknownIssuer):
        c.credentials.anchor(k.stranger, rand32(), 3, BATCH_TYPE)
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive):
        c.credentials.anchor(k.university, rand32(), 3, BATCH_TYPE)


# ------------------------------------------------------------------------------------------- issue


@dataclass
class Candidate:
    """A subject whose contributions meet CHECKED_TYPE's criteria, and a BASIC_TYPE credential."""

    subject: bytes
    keys: list[bytes]
    basic: bytes


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
    return Candidate(subject, [i.key for i in items], basic)


def test_issue_checked_credential(world: World) -> None:
    c, k = world.c, world.k
    cand = _candidate(world)
    cred = rand32()
    receipt = c.credentials.issue(k.university, CHECKED_TYPE, cand.subject, cred, cand.keys, [cand.basic])
    assert c.credentials.issued(cred) == T.IssuedCredential(cred, cand.subject, k.university.address, CHECKED_TYPE,
                                                           1, receipt.block_number)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args == {
        "credentialHash": cred, "subject": cand.subject, "issuer": k.university.address, "typeId": CHECKED_TYPE,
        "typeVersion": 1, "contributionKeys": tuple(cand.keys), "prerequisiteCredentialHashes": (cand.basic,)}
    with pytest.raises(E.CredentialExists) as again:
        c.credentials.issue(k.authority, CHECKED_TYPE, cand.subject, cred, cand.keys, [cand.basic])
    assert again.value.credentialHash == cred
    assert not c.credentials.issued(rand32()).exists


def test_issue_names_the_type_version(world: World) -> None:
    c, k = world.c, world.k
    c.credentials.define_type(k.committee, BASIC_TYPE, field=1, level=1, allowed_kinds=UNI_OR_AUTH,
                              criteria=T.Criteria())
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    assert c.credentials.issued(cred).type_version == 2


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

    def issue(prereqs: list[bytes]) -> None:
        c.credentials.issue(k.university, CHECKED_TYPE, cand.subject, rand32(), cand.keys, prereqs)

    with pytest.raises(E.MissingPrerequisite) as missing:
        issue([])
    assert missing.value.typeId == BASIC_TYPE
    unknown = rand32()
    with pytest.raises(E.PrerequisiteNotFound) as not_found:
        issue([unknown])
    assert not_found.value.credentialHash == unknown
    other_subject, others = rand32(), rand32()
    c.credentials.issue(k.university, BASIC_TYPE, other_subject, others, [])
    with pytest.raises(E.PrerequisiteSubjectMismatch) as mismatch:
        issue([others])
    assert (mismatch.value.expected, mismatch.value.found) == (cand.subject, other_subject)
    wrong_type = rand32()
    c.credentials.issue(k.authority, OTHER_TYPE, cand.subject, wrong_type, [])
    with pytest.raises(E.MissingPrerequisite):
        issue([wrong_type])
    c.credentials.set_status(k.university, cand.basic, T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    with pytest.raises(E.PrerequisiteNotValid) as suspended:
        issue([cand.basic])
    assert (suspended.value.credentialHash, suspended.value.status) == (cand.basic, T.CredentialStatus.SUSPENDED)
    c.credentials.set_status(k.university, cand.basic, T.CredentialStatus.VALID)
    issue([cand.basic])  # reinstated: accepted again


def test_issue_authorisation(world: World) -> None:
    c, k = world.c, world.k
    with pytest.raises(E.UnknownType):
        c.credentials.issue(k.university, 99, rand32(), rand32(), [])
    with pytest.raises(E.OutOfScope):
        c.credentials.issue(k.university, OTHER_TYPE, rand32(), rand32(), [])
    with pytest.raises(E.IssuerKindNotAllowed):
        c.credentials.issue(k.community, BATCH_TYPE, rand32(), rand32(), [])
    with pytest.raises(E.UnknownIssuer):
        c.credentials.issue(k.stranger, BASIC_TYPE, rand32(), rand32(), [])


# ------------------------------------------------------------------------------------------ status


def test_status_lifecycle_of_an_issued_credential(world: World) -> None:
    c, k = world.c, world.k
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    assert c.credentials.status_of(cred).status == T.CredentialStatus.NONE
    s = c.credentials.set_status(k.university, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.MISCONDUCT)
    assert c.credentials.status_of(cred) == T.CredentialStatusRecord(
        b"\0" * 32, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.MISCONDUCT, s.block_number)
    c.credentials.set_status(k.university, cred, T.CredentialStatus.VALID)
    assert c.credentials.status_of(cred).status == T.CredentialStatus.VALID
    r = c.credentials.set_status(k.university, cred, T.CredentialStatus.REVOKED, T.RevocationReason.SUPERSEDED)
    assert decode_events(r.logs, crypto=c.chain.crypto)[0].args == {"credentialHash": cred, "root": b"\0" * 32, "by": k.university.address,
                                             "status": T.CredentialStatus.REVOKED,
                                             "reason": T.RevocationReason.SUPERSEDED}
    with pytest.raises(E.CredentialIsRevoked) as final:
        c.credentials.set_status(k.university, cred, T.CredentialStatus.VALID)
    assert final.value.credentialHash == cred


def test_status_transition_errors(world: World) -> None:
    c, k = world.c, world.k
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    with pytest.raises(E.InvalidStatusTransition) as reinstate:
        c.credentials.set_status(k.university, cred, T.CredentialStatus.VALID)
    assert (reinstate.value.current, reinstate.value.requested) == (T.CredentialStatus.NONE, T.CredentialStatus.VALID)
    with pytest.raises(E.InvalidStatusTransition):
        c.credentials.set_status(k.university, cred, T.CredentialStatus.NONE)
    with pytest.raises(E.InvalidReason):
        c.credentials.set_status(k.university, cred, T.CredentialStatus.REVOKED, T.RevocationReason.NONE)
    c.credentials.set_status(k.university, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    with pytest.raises(E.InvalidStatusTransition) as twice:
        c.credentials.set_status(k.university, cred, T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    assert twice.value.current == T.CredentialStatus.SUSPENDED


def test_status_authorisation(world: World) -> None:
    c, k = world.c, world.k
    cred = rand32()
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), cred, [])
    missing = rand32()
    with pytest.raises(E.CredentialNotFound) as not_found:
        c.credentials.set_status(k.university, missing, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    assert not_found.value.credentialHash == missing
    for caller in (k.authority, k.stranger):
        with pytest.raises(E.NotCredentialIssuer) as other:
            c.credentials.set_status(caller, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
        assert (other.value.credentialHash, other.value.caller) == (cred, caller.address)
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.RETIRED)
    with pytest.raises(E.IssuerNotActive):
        c.credentials.set_status(k.university, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    c.credentials.propose_set_status(k.committee, cred, T.CredentialStatus.REVOKED, T.RevocationReason.OTHER)
    assert c.credentials.status_of(cred).status == T.CredentialStatus.REVOKED


def _batch(world: World, size: int = 8) -> tuple[MerkleTree, list[bytes]]:
    leaves = [rand32() for _ in range(size)]
    tree = MerkleTree.build(leaves, hash_function(world.chain.crypto))
    world.c.credentials.anchor(world.k.university, tree.root, size, BATCH_TYPE)
    return tree, leaves


def test_leaf_status(world: World) -> None:
    c, k = world.c, world.k
    tree, leaves = _batch(world)
    receipt = c.credentials.set_leaf_status(k.university, tree.root, leaves[3], tree.proof(3),
                                            T.CredentialStatus.SUSPENDED, T.RevocationReason.OTHER)
    assert decode_events(receipt.logs, crypto=c.chain.crypto)[0].args["root"] == tree.root
    assert c.credentials.status_of(leaves[3], tree.root).status == T.CredentialStatus.SUSPENDED
    assert c.credentials.status_of(leaves[3]).status == T.CredentialStatus.NONE  # root is part of the key
    c.credentials.set_leaf_status(k.university, tree.root, leaves[3], tree.proof(3), T.CredentialStatus.VALID)
    c.credentials.propose_set_leaf_status(k.committee, tree.root, leaves[5], tree.proof(5),
                                          T.CredentialStatus.REVOKED, T.RevocationReason.EXPIRED)
    assert c.credentials.status_of(leaves[5], tree.root).reason == T.RevocationReason.EXPIRED
    with pytest.raises(E.CredentialIsRevoked):
        c.credentials.set_leaf_status(k.university, tree.root, leaves[5], tree.proof(5), T.CredentialStatus.VALID)


def test_leaf_status_errors(world: World) -> None:
    c, k = world.c, world.k
    tree, leaves = _batch(world)
    unknown = rand32()
    with pytest.raises(E.UnknownRoot) as no_root:
        c.credentials.set_leaf_status(k.university, unknown, leaves[0], tree.proof(0), T.CredentialStatus.REVOKED,
                                      T.RevocationReason.OTHER)
    assert no_root.value.root == unknown
    for caller in (k.authority, k.stranger):
        with pytest.raises(E.NotRootIssuer) as other:
            c.credentials.set_leaf_status(caller, tree.root, leaves[0], tree.proof(0), T.CredentialStatus.REVOKED,
                                          T.RevocationReason.OTHER)
        assert (other.value.root, other.value.caller) == (tree.root, caller.address)
    with pytest.raises(E.InvalidProof) as bad:
        c.credentials.set_leaf_status(k.university, tree.root, leaves[0], tree.proof(1), T.CredentialStatus.REVOKED,
                                      T.RevocationReason.OTHER)
    assert (bad.value.root, bad.value.credentialHash) == (tree.root, leaves[0])
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive):
        c.credentials.set_leaf_status(k.university, tree.root, leaves[0], tree.proof(0), T.CredentialStatus.REVOKED,
                                      T.RevocationReason.OTHER)
