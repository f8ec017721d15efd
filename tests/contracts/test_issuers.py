"""IssuerRegistry issuers: adding, children, status and scope histories, authorisation."""

from __future__ import annotations

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.deployment import Contracts

from .conftest import BASIC_TYPE, BATCH_TYPE, CHECKED_TYPE, OTHER_TYPE, Keys, World, rand32, require_history


def test_add_issuer_records_everything(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    meta = rand32()
    receipt = c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.UNIVERSITY, [1, 2], meta)
    issuer = c.issuers.issuer(k.university.address)
    assert issuer == T.Issuer(k.university.address, 1, T.IssuerKind.UNIVERSITY, T.IssuerStatus.ACTIVE, None, 0,
                              False, meta, False)
    assert c.issuers.issuer_at(1) == k.university.address and c.issuers.issuer_count() == 1
    assert c.issuers.in_scope(k.university.address, 1) and not c.issuers.in_scope(k.university.address, 3)
    assert c.issuers.status_history(k.university.address) == [
        T.StatusChange(receipt.block_number, T.IssuerStatus.ACTIVE)]
    added = next(e for e in c.events() if e.name == "IssuerAdded").args
    assert added == {"issuer": k.university.address, "parent": "0x" + "00" * 20, "kind": T.IssuerKind.UNIVERSITY,
                     "id": 1, "depth": 0, "metaHash": meta, "scope": (1, 2)}


def test_add_issuer_errors(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.UNIVERSITY, [])
    with pytest.raises(E.IssuerExists) as exists:
        c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.COMMUNITY, [])
    assert exists.value.issuer == k.university.address
    with pytest.raises(E.InvalidIssuerAddress):
        c.issuers.add_issuer(k.committee, "0x" + "00" * 20, T.IssuerKind.COMMUNITY, [])
    with pytest.raises(E.InvalidIssuerKind) as kind:
        c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.NONE, [])
    assert kind.value.kind == T.IssuerKind.NONE
    with pytest.raises(E.AnyScopeNotAllowed) as anyscope:
        c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.COMMUNITY, [T.ANY_TYPE])
    assert (anyscope.value.issuer, anyscope.value.kind) == (k.community.address, T.IssuerKind.COMMUNITY)


def test_authority_with_any_scope(world: World) -> None:
    c, k = world.c, world.k
    assert c.issuers.issuer(k.authority.address).any_scope
    assert c.issuers.writer_for(k.authority.address, 12345) == (4, T.IssuerKind.AUTHORITY)
    c.issuers.set_issuer_scope(k.committee, k.authority.address, [T.ANY_TYPE], False)
    with pytest.raises(E.OutOfScope):
        c.issuers.writer_for(k.authority.address, 12345)


def test_child_issuer_within_parent_scope(world: World) -> None:
    c, k = world.c, world.k
    college = world.new_key()
    c.issuers.add_child_issuer(k.university, college.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    child = c.issuers.issuer(college.address)
    assert (child.parent, child.depth, child.status) == (k.university.address, 1, T.IssuerStatus.ACTIVE)
    assert c.issuers.writer_for(college.address, BATCH_TYPE)[1] == T.IssuerKind.UNIVERSITY
    with pytest.raises(E.OutOfScope):
        c.issuers.writer_for(college.address, CHECKED_TYPE)


def test_child_issuer_errors(world: World) -> None:
    c, k = world.c, world.k
    child = world.new_key().address
    with pytest.raises(E.ParentKindNotAllowed) as parent_kind:
        c.issuers.add_child_issuer(k.enterprise, child, T.IssuerKind.ENTERPRISE, [])
    assert (parent_kind.value.parent, parent_kind.value.kind) == (k.enterprise.address, T.IssuerKind.ENTERPRISE)
    with pytest.raises(E.ChildKindNotAllowed) as child_kind:
        c.issuers.add_child_issuer(k.university, child, T.IssuerKind.AUTHORITY, [])
    assert child_kind.value.kind == T.IssuerKind.AUTHORITY
    with pytest.raises(E.ScopeNotSubset) as subset:
        c.issuers.add_child_issuer(k.university, child, T.IssuerKind.UNIVERSITY, [BATCH_TYPE, OTHER_TYPE])
    assert (subset.value.child, subset.value.typeId) == (child, OTHER_TYPE)
    with pytest.raises(E.ScopeNotSubset):
        c.issuers.add_child_issuer(k.university, child, T.IssuerKind.UNIVERSITY, [T.ANY_TYPE])
    with pytest.raises(E.UnknownIssuer) as unknown:
        c.issuers.add_child_issuer(k.stranger, child, T.IssuerKind.UNIVERSITY, [])
    assert unknown.value.issuer == k.stranger.address
    with pytest.raises(E.IssuerExists):
        c.issuers.add_child_issuer(k.university, k.community.address, T.IssuerKind.UNIVERSITY, [])
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive) as inactive:
        c.issuers.add_child_issuer(k.university, child, T.IssuerKind.UNIVERSITY, [])
    assert inactive.value.status == T.IssuerStatus.SUSPENDED


def test_depth_is_bounded(world: World) -> None:
    c, k = world.c, world.k
    parent = k.university
    for depth in range(1, T.MAX_ISSUER_DEPTH + 1):
        child = world.new_key()
        c.issuers.add_child_issuer(parent, child.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
        assert c.issuers.issuer(child.address).depth == depth
        parent = child
    too_deep = world.new_key().address
    with pytest.raises(E.DepthExceeded) as info:
        c.issuers.add_child_issuer(parent, too_deep, T.IssuerKind.UNIVERSITY, [])
    assert (info.value.child, info.value.depth) == (too_deep, T.MAX_ISSUER_DEPTH + 1)


def test_suspended_ancestor_suspends_the_subtree(world: World) -> None:
    c, k = world.c, world.k
    college, teacher = world.new_key(), world.new_key()
    c.issuers.add_child_issuer(k.university, college.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.add_child_issuer(college, teacher.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    before = c.chain.block_number()
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.AncestorNotActive) as info:
        c.issuers.writer(teacher.address)
    assert (info.value.issuer, info.value.ancestor, info.value.status) == (
        teacher.address, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.AncestorNotActive):
        c.issuers.writer_for(teacher.address, BATCH_TYPE)
    assert c.issuers.is_authorized(teacher.address, BATCH_TYPE, before)
    assert not c.issuers.is_authorized(teacher.address, BATCH_TYPE, c.chain.block_number())


def test_parent_losing_a_type_takes_it_from_children(world: World) -> None:
    c, k = world.c, world.k
    college = world.new_key()
    c.issuers.add_child_issuer(k.university, college.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.set_issuer_scope(k.committee, k.university.address, [BATCH_TYPE], False)
    with pytest.raises(E.OutOfScope) as info:
        c.issuers.writer_for(college.address, BATCH_TYPE)
    assert (info.value.issuer, info.value.typeId) == (college.address, BATCH_TYPE)
    assert not c.issuers.is_authorized(college.address, BATCH_TYPE, c.chain.block_number())


def test_status_changes_by_committee_and_history(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    added = c.issuers.status_history(uni)[0].block_number
    suspended = c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.SUSPENDED).block_number
    reactivated = c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.ACTIVE).block_number
    retired = c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.RETIRED).block_number
    assert [h.status for h in c.issuers.status_history(uni)] == [
        T.IssuerStatus.ACTIVE, T.IssuerStatus.SUSPENDED, T.IssuerStatus.ACTIVE, T.IssuerStatus.RETIRED]
    assert c.issuers.status_at(uni, added - 1) == T.IssuerStatus.NONE
    assert c.issuers.status_at(uni, suspended) == T.IssuerStatus.SUSPENDED
    assert c.issuers.status_at(uni, reactivated) == T.IssuerStatus.ACTIVE
    assert c.issuers.status_at(uni, retired + 5) == T.IssuerStatus.RETIRED
    assert [c.issuers.is_authorized(uni, BATCH_TYPE, b) for b in (added - 1, added, suspended, reactivated,
                                                                   retired)] == [False, True, False, True, False]
    with pytest.raises(E.IssuerIsRetired) as final:
        c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.ACTIVE)
    assert final.value.issuer == uni
    # The same answers from state at an old block (historical calls).
    require_history(world.chain)
    assert c.issuers.issuer(uni, block=suspended).status == T.IssuerStatus.SUSPENDED


def test_status_change_errors(world: World) -> None:
    c, k = world.c, world.k
    with pytest.raises(E.StatusUnchanged) as same:
        c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.ACTIVE)
    assert (same.value.issuer, same.value.status) == (k.university.address, T.IssuerStatus.ACTIVE)
    with pytest.raises(E.InvalidStatus):
        c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.NONE)
    with pytest.raises(E.UnknownIssuer):
        c.issuers.propose_issuer_status(k.committee, k.stranger.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.NotParentOrCommittee) as info:
        c.issuers.set_issuer_status(k.stranger, k.university.address, T.IssuerStatus.SUSPENDED)
    assert (info.value.issuer, info.value.caller) == (k.university.address, k.stranger.address)
    with pytest.raises(E.NotParentOrCommittee):  # nor can an issuer change its own status
        c.issuers.set_issuer_status(k.university, k.university.address, T.IssuerStatus.RETIRED)


def test_parent_manages_its_child(world: World) -> None:
    c, k = world.c, world.k
    college = world.new_key()
    c.issuers.add_child_issuer(k.university, college.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.SUSPENDED)
    assert c.issuers.issuer(college.address).status == T.IssuerStatus.SUSPENDED
    with pytest.raises(E.NotParentOrCommittee):  # siblings and others cannot
        c.issuers.set_issuer_status(k.community, college.address, T.IssuerStatus.ACTIVE)
    c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.ACTIVE)
    c.issuers.propose_issuer_status(k.committee, college.address, T.IssuerStatus.SUSPENDED)
    assert c.issuers.issuer(college.address).committee_hold
    with pytest.raises(E.CommitteeHold) as hold:  # the parent cannot undo the committee
        c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.ACTIVE)
    assert hold.value.issuer == college.address
    c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.RETIRED)  # but may retire it
    assert c.issuers.issuer(college.address).status == T.IssuerStatus.RETIRED
    other = world.new_key()
    c.issuers.add_child_issuer(k.university, other.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.propose_issuer_status(k.committee, other.address, T.IssuerStatus.SUSPENDED)
    c.issuers.propose_issuer_status(k.committee, other.address, T.IssuerStatus.ACTIVE)
    assert not c.issuers.issuer(other.address).committee_hold
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive):  # a suspended parent no longer manages
        c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.ACTIVE)


def test_scope_changes_and_history(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    start = c.chain.block_number()
    added = c.issuers.set_issuer_scope(k.committee, uni, [OTHER_TYPE], True).block_number
    removed = c.issuers.set_issuer_scope(k.committee, uni, [OTHER_TYPE, BASIC_TYPE], False).block_number
    assert c.issuers.scope_history(uni, OTHER_TYPE) == [T.ScopeChange(added, True), T.ScopeChange(removed, False)]
    assert [c.issuers.scope_at(uni, OTHER_TYPE, b) for b in (start, added, removed)] == [False, True, False]
    assert not c.issuers.in_scope(uni, BASIC_TYPE)
    changed = [e.args for e in c.events() if e.name == "IssuerScopeChanged"]
    assert changed[-1] == {"issuer": uni, "typeIds": (OTHER_TYPE, BASIC_TYPE), "allowed": False}
    with pytest.raises(E.UnknownIssuer):
        c.issuers.set_issuer_scope(k.committee, k.stranger.address, [1], True)
    with pytest.raises(E.AnyScopeNotAllowed):
        c.issuers.set_issuer_scope(k.committee, uni, [T.ANY_TYPE], True)


def test_unknown_issuer_is_never_authorised(world: World) -> None:
    c, k = world.c, world.k
    with pytest.raises(E.UnknownIssuer):
        c.issuers.writer(k.stranger.address)
    with pytest.raises(E.UnknownIssuer):
        c.issuers.writer_for(k.stranger.address, BATCH_TYPE)
    assert not c.issuers.is_authorized(k.stranger.address, BATCH_TYPE, c.chain.block_number())
    assert c.issuers.status_at(k.stranger.address, c.chain.block_number()) == T.IssuerStatus.NONE
