"""IssuerRegistry issuers: adding, children (offer and accept), status and scope histories, authorisation."""

from __future__ import annotations

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.deployment import Contracts

from .conftest import (
    BASIC_TYPE,
    BATCH_TYPE,
    CHECKED_TYPE,
    OTHER_TYPE,
    Keys,
    World,
    child_of,
    mine,
    rand32,
    require_history,
)

ZERO_ADDRESS = "0x" + "00" * 20


def _define(c: Contracts, k: Keys, *type_ids: int) -> None:
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.COMMUNITY)
    for t in type_ids:
        c.credentials.define_type(k.committee, t, field=1, level=1, allowed_kinds=kinds, criteria=T.Criteria())


def test_add_issuer_records_everything(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _define(c, k, 1, 2, 3)
    meta = rand32()
    receipt = c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.UNIVERSITY, [1, 2], meta)
    block = receipt.block_number
    issuer = c.issuers.issuer(k.university.address)
    assert issuer == T.Issuer(k.university.address, 1, 1, T.IssuerKind.UNIVERSITY, T.IssuerStatus.ACTIVE, None, 0,
                              False, meta, False, 0, k.university.address, False, False, block, 0, 0)
    assert c.issuers.issuer_at(1) == k.university.address and c.issuers.issuer_count() == 1
    assert c.issuers.in_scope(k.university.address, 1) and not c.issuers.in_scope(k.university.address, 3)
    assert c.issuers.status_history(k.university.address) == [T.StatusChange(block, T.IssuerStatus.ACTIVE, True)]
    assert c.issuers.key_info(k.university.address) == T.KeyInfo(block, 0, 0)
    assert c.issuers.organisation_of(k.university.address) == 1
    added = next(e for e in c.events() if e.name == "IssuerAdded").args
    assert added == {"issuer": k.university.address, "parent": ZERO_ADDRESS, "kind": T.IssuerKind.UNIVERSITY,
                     "id": 1, "depth": 0, "metaHash": meta, "scope": (1, 2)}


def test_add_issuer_errors(contracts: Contracts, keys: Keys) -> None:
    c, k = contracts, keys
    _define(c, k, 1)
    c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.UNIVERSITY, [])
    with pytest.raises(E.IssuerExists) as exists:
        c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.COMMUNITY, [])
    assert exists.value.issuer == k.university.address
    with pytest.raises(E.InvalidIssuerAddress):
        c.issuers.add_issuer(k.committee, ZERO_ADDRESS, T.IssuerKind.COMMUNITY, [])
    with pytest.raises(E.InvalidIssuerKind) as kind:
        c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.NONE, [])
    assert kind.value.kind == T.IssuerKind.NONE
    with pytest.raises(E.AnyScopeNotAllowed) as anyscope:
        c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.COMMUNITY, [T.ANY_TYPE])
    assert (anyscope.value.issuer, anyscope.value.kind) == (k.community.address, T.IssuerKind.COMMUNITY)
    # Scope is granted against the type's allowed kinds, so a type must be defined first.
    with pytest.raises(E.UnknownType) as undefined:
        c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.COMMUNITY, [99])
    assert undefined.value.typeId == 99
    with pytest.raises(E.IssuerKindNotAllowed) as kind_refused:
        c.issuers.add_issuer(k.committee, k.enterprise.address, T.IssuerKind.ENTERPRISE, [1])
    assert (kind_refused.value.typeId, kind_refused.value.kind) == (1, T.IssuerKind.ENTERPRISE)


def test_authority_with_any_scope(world: World) -> None:
    c, k = world.c, world.k
    assert c.issuers.issuer(k.authority.address).any_scope
    node = c.issuers.issuer(k.authority.address).node
    assert c.issuers.writer_for(k.authority.address, BATCH_TYPE) == (node, node, T.IssuerKind.AUTHORITY)
    # "any" covers the defined types that allow an authority, as a grant would check.
    with pytest.raises(E.OutOfScope):
        c.issuers.writer_for(k.authority.address, 12345)
    c.issuers.set_issuer_scope(k.committee, k.authority.address, [T.ANY_TYPE], False)
    with pytest.raises(E.OutOfScope):
        c.issuers.writer_for(k.authority.address, BATCH_TYPE)


def test_child_is_offered_then_accepted(world: World) -> None:
    c, k = world.c, world.k
    college = world.new_key()
    meta = rand32()
    c.issuers.offer_child(k.university, college.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE], meta)
    assert not c.issuers.issuer(college.address).exists  # an offer registers nothing
    offer = c.issuers.child_offer(college.address, k.university.address)
    assert offer.exists and offer.by == c.issuers.issuer(k.university.address).id
    c.issuers.accept_child(college, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE], meta)
    child = c.issuers.issuer(college.address)
    assert (child.parent, child.depth, child.status, child.meta_hash) == (
        k.university.address, 1, T.IssuerStatus.ACTIVE, meta)
    assert not c.issuers.child_offer(college.address, k.university.address).exists
    assert c.issuers.writer_for(college.address, BATCH_TYPE)[2] == T.IssuerKind.UNIVERSITY
    assert c.issuers.organisation_of(college.address) == c.issuers.issuer(k.university.address).node
    with pytest.raises(E.OutOfScope):
        c.issuers.writer_for(college.address, CHECKED_TYPE)
    names = [e.name for e in c.events()]
    assert names.index("ChildOffered") < names.index("IssuerAdded", names.index("ChildOffered"))


def test_child_offer_errors(world: World) -> None:
    c, k = world.c, world.k
    child = world.new_key()
    with pytest.raises(E.ParentKindNotAllowed) as parent_kind:
        c.issuers.offer_child(k.enterprise, child.address, T.IssuerKind.ENTERPRISE, [])
    assert (parent_kind.value.parent, parent_kind.value.kind) == (k.enterprise.address, T.IssuerKind.ENTERPRISE)
    with pytest.raises(E.ChildKindNotAllowed) as child_kind:
        c.issuers.offer_child(k.university, child.address, T.IssuerKind.AUTHORITY, [])
    assert child_kind.value.kind == T.IssuerKind.AUTHORITY
    with pytest.raises(E.ScopeNotSubset) as subset:
        c.issuers.offer_child(k.university, child.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE, OTHER_TYPE])
    assert (subset.value.child, subset.value.typeId) == (child.address, OTHER_TYPE)
    with pytest.raises(E.ScopeNotSubset):
        c.issuers.offer_child(k.university, child.address, T.IssuerKind.UNIVERSITY, [T.ANY_TYPE])
    with pytest.raises(E.UnknownIssuer) as unknown:
        c.issuers.offer_child(k.stranger, child.address, T.IssuerKind.UNIVERSITY, [])
    assert unknown.value.issuer == k.stranger.address
    with pytest.raises(E.IssuerExists):
        c.issuers.offer_child(k.university, k.community.address, T.IssuerKind.UNIVERSITY, [])
    with pytest.raises(E.NoChildOffer) as none:
        c.issuers.accept_child(child, k.university.address, T.IssuerKind.UNIVERSITY, [])
    assert (none.value.child, none.value.parent) == (child.address, k.university.address)
    with pytest.raises(E.UnknownIssuer):
        c.issuers.accept_child(child, k.stranger.address, T.IssuerKind.UNIVERSITY, [])
    c.issuers.offer_child(k.university, child.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    with pytest.raises(E.NoChildOffer):  # other terms than offered
        c.issuers.accept_child(child, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE, BASIC_TYPE])
    with pytest.raises(E.NoChildOffer):  # nor can another key take the offer
        c.issuers.accept_child(k.stranger, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.cancel_child_offer(k.university, child.address)
    with pytest.raises(E.NoChildOffer):
        c.issuers.accept_child(child, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    with pytest.raises(E.NoChildOffer):
        c.issuers.cancel_child_offer(k.university, child.address)
    c.issuers.offer_child(k.university, child.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive) as inactive:  # the parent's standing is checked again at acceptance
        c.issuers.accept_child(child, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    assert inactive.value.status == T.IssuerStatus.SUSPENDED
    with pytest.raises(E.IssuerNotActive):
        c.issuers.offer_child(k.university, world.new_key().address, T.IssuerKind.UNIVERSITY, [])


def test_child_acceptance_rechecks_the_parents_scope(world: World) -> None:
    c, k = world.c, world.k
    child = world.new_key()
    c.issuers.offer_child(k.university, child.address, T.IssuerKind.UNIVERSITY, [BASIC_TYPE])
    c.issuers.set_issuer_scope(k.committee, k.university.address, [BASIC_TYPE], False)
    with pytest.raises(E.ScopeNotSubset):
        c.issuers.accept_child(child, k.university.address, T.IssuerKind.UNIVERSITY, [BASIC_TYPE])


def test_depth_is_bounded(world: World) -> None:
    c, k = world.c, world.k
    parent = k.university
    for depth in range(1, T.MAX_ISSUER_DEPTH + 1):
        child = child_of(c, parent)
        assert c.issuers.issuer(child.address).depth == depth
        parent = child
    too_deep = world.new_key().address
    with pytest.raises(E.DepthExceeded) as info:
        c.issuers.offer_child(parent, too_deep, T.IssuerKind.UNIVERSITY, [])
    assert (info.value.child, info.value.depth) == (too_deep, T.MAX_ISSUER_DEPTH + 1)


def test_suspended_ancestor_suspends_the_subtree(world: World) -> None:
    c, k = world.c, world.k
    college = child_of(c, k.university)
    teacher = child_of(c, college)
    before = c.chain.block_number()
    suspended = c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.AncestorNotActive) as info:
        c.issuers.writer(teacher.address)
    assert (info.value.issuer, info.value.ancestor, info.value.status) == (
        teacher.address, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.AncestorNotActive):
        c.issuers.writer_for(teacher.address, BATCH_TYPE)
    assert c.issuers.is_authorized(teacher.address, BATCH_TYPE, before)
    # Any moment of a block counts: the suspension's block still was an active moment; the next is not.
    assert c.issuers.is_authorized(teacher.address, BATCH_TYPE, suspended.block_number)
    assert not c.issuers.is_authorized(teacher.address, BATCH_TYPE, suspended.block_number + 1)
    assert c.issuers.standing(teacher.address, before) == T.Standing.SUSPENDED


def test_parent_losing_a_type_takes_it_from_children(world: World) -> None:
    c, k = world.c, world.k
    college = child_of(c, k.university)
    c.issuers.set_issuer_scope(k.committee, k.university.address, [BATCH_TYPE], False)
    with pytest.raises(E.OutOfScope) as info:
        c.issuers.writer_for(college.address, BATCH_TYPE)
    assert (info.value.issuer, info.value.typeId) == (college.address, BATCH_TYPE)
    assert not c.issuers.is_authorized(college.address, BATCH_TYPE, c.chain.block_number() + 1)


def test_status_changes_by_committee_and_history(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    added = c.issuers.status_history(uni)[0].block_number
    suspended = c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.SUSPENDED).block_number
    mine(c.chain, 2)
    reactivated = c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.ACTIVE).block_number
    retired = c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.RETIRED).block_number
    assert [h.status for h in c.issuers.status_history(uni)] == [
        T.IssuerStatus.ACTIVE, T.IssuerStatus.SUSPENDED, T.IssuerStatus.ACTIVE, T.IssuerStatus.RETIRED]
    assert c.issuers.status_at(uni, added - 1) == T.IssuerStatus.NONE
    assert c.issuers.status_at(uni, suspended) == T.IssuerStatus.SUSPENDED
    assert c.issuers.status_at(uni, reactivated) == T.IssuerStatus.ACTIVE
    assert c.issuers.status_at(uni, retired + 5) == T.IssuerStatus.RETIRED
    # isAuthorized answers for any moment of a block: the blocks of the suspension and of the retirement
    # began active; the blocks after them are not.
    assert [c.issuers.is_authorized(uni, BATCH_TYPE, b) for b in (
        added - 1, added, suspended, suspended + 1, reactivated, retired, retired + 1)] == [
        False, True, True, False, True, True, False]
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
    with pytest.raises(E.UnknownIssuer):  # a stranger is not even a writer
        c.issuers.set_issuer_status(k.stranger, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.NotParentOrCommittee) as info:  # nor can an issuer change its own status
        c.issuers.set_issuer_status(k.university, k.university.address, T.IssuerStatus.RETIRED)
    assert (info.value.issuer, info.value.caller) == (k.university.address, k.university.address)


def test_parent_manages_its_child(world: World) -> None:
    c, k = world.c, world.k
    college = child_of(c, k.university)
    c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.SUSPENDED)
    assert c.issuers.issuer(college.address).status == T.IssuerStatus.SUSPENDED
    with pytest.raises(E.NotParentOrCommittee):  # siblings and others cannot
        c.issuers.set_issuer_status(k.community, college.address, T.IssuerStatus.ACTIVE)
    c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.ACTIVE)
    c.issuers.propose_issuer_status(k.committee, college.address, T.IssuerStatus.SUSPENDED)
    assert c.issuers.issuer(college.address).committee_hold
    with pytest.raises(E.CommitteeHold) as hold:  # the parent cannot undo, nor replace, the committee's decision
        c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.ACTIVE)
    assert hold.value.issuer == college.address
    with pytest.raises(E.CommitteeHold):
        c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.RETIRED)
    c.issuers.propose_issuer_status(k.committee, college.address, T.IssuerStatus.ACTIVE)
    assert not c.issuers.issuer(college.address).committee_hold
    c.issuers.set_issuer_status(k.university, college.address, T.IssuerStatus.RETIRED)
    assert c.issuers.issuer(college.address).status == T.IssuerStatus.RETIRED
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    other = world.new_key()
    with pytest.raises(E.IssuerNotActive):  # a suspended parent no longer manages nor offers
        c.issuers.offer_child(k.university, other.address, T.IssuerKind.UNIVERSITY, [])


def test_scope_changes_and_history(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    start = c.chain.block_number()
    added = c.issuers.set_issuer_scope(k.committee, uni, [OTHER_TYPE], True).block_number
    removed = c.issuers.set_issuer_scope(k.committee, uni, [OTHER_TYPE, BASIC_TYPE], False).block_number
    assert c.issuers.scope_history(uni, OTHER_TYPE) == [T.ScopeChange(added, True, True),
                                                       T.ScopeChange(removed, False, True)]
    assert [c.issuers.scope_at(uni, OTHER_TYPE, b) for b in (start, added, removed)] == [False, True, False]
    assert not c.issuers.in_scope(uni, BASIC_TYPE)
    changed = [e.args for e in c.events() if e.name == "IssuerScopeChanged"]
    node = c.issuers.issuer(uni).node
    assert changed[-1] == {"issuer": uni, "node": node, "typeIds": (OTHER_TYPE, BASIC_TYPE), "allowed": False}
    with pytest.raises(E.UnknownIssuer):
        c.issuers.set_issuer_scope(k.committee, k.stranger.address, [1], True)
    with pytest.raises(E.AnyScopeNotAllowed):
        c.issuers.set_issuer_scope(k.committee, uni, [T.ANY_TYPE], True)


def test_types_above_127_keep_their_scope_in_pages(world: World) -> None:
    c, k = world.c, world.k
    uni = k.university.address
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY)
    for t in (128, 70_000):
        c.credentials.define_type(k.committee, t, field=1, level=1, allowed_kinds=kinds, criteria=T.Criteria())
    c.issuers.set_issuer_scope(k.committee, uni, [128, 70_000], True)
    assert c.issuers.in_scope(uni, 128) and c.issuers.in_scope(uni, 70_000) and not c.issuers.in_scope(uni, 129)
    root = rand32()
    c.issuers.anchor(k.university, 70_000, 3, root)
    assert c.issuers.anchor_of(uni, root).type_id == 70_000
    c.issuers.set_issuer_scope(k.committee, uni, [70_000], False)
    with pytest.raises(E.OutOfScope):
        c.issuers.anchor(k.university, 70_000, 3, rand32())


def test_unknown_issuer_is_never_authorised(world: World) -> None:
    c, k = world.c, world.k
    with pytest.raises(E.UnknownIssuer):
        c.issuers.writer(k.stranger.address)
    with pytest.raises(E.UnknownIssuer):
        c.issuers.writer_for(k.stranger.address, BATCH_TYPE)
    assert not c.issuers.is_authorized(k.stranger.address, BATCH_TYPE, c.chain.block_number())
    assert c.issuers.status_at(k.stranger.address, c.chain.block_number()) == T.IssuerStatus.NONE
    assert c.issuers.standing(k.stranger.address, 1) == T.Standing.UNKNOWN
    assert not c.issuers.issuer(k.stranger.address).exists
