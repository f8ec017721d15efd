"""Rules that keep one party from vouching for itself or escaping the committee's choices.

Found in a security review: co-signs from the recorder's own organisation, a child issuer of another
kind than its parent, a prerequisite cycle made by redefining a type, and an approval that came back
with a member who was removed and added again.
"""

from __future__ import annotations

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.crypto.keys import PrivateKey

from .conftest import BASIC_TYPE, BATCH_TYPE, CHECKED_TYPE, World, child_of, item

UNI_OR_AUTH = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.AUTHORITY)


def _children(world: World, parent: PrivateKey, kind: T.IssuerKind, n: int, scope: tuple[int, ...] = (BATCH_TYPE,)
              ) -> list[PrivateKey]:
    return [child_of(world.c, parent, scope, kind) for _ in range(n)]


def test_the_recorders_own_organisation_cannot_co_sign(world: World) -> None:
    c, k = world.c, world.k
    college, teacher = _children(world, k.university, T.IssuerKind.UNIVERSITY, 2)
    grandchild = child_of(c, college)
    recorded_by_parent, recorded_by_child = item(), item()
    c.contributions.record(k.university, [recorded_by_parent])
    c.contributions.record(college, [recorded_by_child])
    # children and grandchildren of the recorder, its parent, and a sibling: all one organisation
    for signer, key in [
        (college, recorded_by_parent), (grandchild, recorded_by_parent),
        (k.university, recorded_by_child), (teacher, recorded_by_child), (grandchild, recorded_by_child),
    ]:  # fmt: skip
        with pytest.raises(E.SameOrganisationAsRecorder) as refused:
            c.contributions.co_sign(signer, key.key)
        assert (refused.value.key, refused.value.signer) == (key.key, signer.address)
    assert c.contributions.contribution(recorded_by_child.key).co_sign_orgs == 0
    # another organisation's child may: it answers to another top-level issuer; its organisation once
    (outsider,) = _children(world, k.community, T.IssuerKind.COMMUNITY, 1, ())
    c.contributions.co_sign(outsider, recorded_by_child.key)
    with pytest.raises(E.AlreadyCoSignedByOrganisation):
        c.contributions.co_sign(k.community, recorded_by_child.key)
    c.contributions.co_sign(k.enterprise, recorded_by_child.key)
    assert c.contributions.contribution(recorded_by_child.key).co_sign_orgs == 2


def test_organisation_views(world: World) -> None:
    c, k = world.c, world.k
    (college,) = _children(world, k.university, T.IssuerKind.UNIVERSITY, 1)
    university_id, university_org, _ = c.issuers.writer(k.university.address)
    college_id, college_org, _ = c.issuers.writer(college.address)
    _, community_org, _ = c.issuers.writer(k.community.address)
    assert university_org == college_org == university_id == c.issuers.organisation_of(college.address)
    assert college_id != university_id and community_org != university_org
    assert c.issuers.organisation_of(k.stranger.address) == 0


def test_a_child_is_of_its_parents_kind(world: World) -> None:
    c, k = world.c, world.k
    # A "University" child of a Community could issue the types the committee allows Universities only.
    child = world.new_key()
    for kind in (T.IssuerKind.UNIVERSITY, T.IssuerKind.ENTERPRISE, T.IssuerKind.AUTHORITY):
        with pytest.raises(E.ChildKindNotAllowed) as refused:
            c.issuers.offer_child(k.community, child.address, kind, [])
        assert (refused.value.child, refused.value.kind) == (child.address, kind)
    # and the committee cannot give the Community a University-only type in the first place
    with pytest.raises(E.IssuerKindNotAllowed) as not_allowed:
        c.issuers.set_issuer_scope(k.committee, k.community.address, [BASIC_TYPE], True)
    assert (not_allowed.value.typeId, not_allowed.value.kind) == (BASIC_TYPE, T.IssuerKind.COMMUNITY)


def test_redefining_a_type_cannot_make_a_prerequisite_cycle(world: World) -> None:
    c, k = world.c, world.k
    # CHECKED_TYPE needs BASIC_TYPE: BASIC_TYPE may not now need CHECKED_TYPE, directly or through another.
    with pytest.raises(E.InvalidPrerequisite) as direct:
        c.credentials.define_type(k.committee, BASIC_TYPE, field=1, level=1, allowed_kinds=UNI_OR_AUTH,
                                  criteria=T.Criteria(), prerequisites=[CHECKED_TYPE])
    assert (direct.value.typeId, direct.value.prerequisite) == (BASIC_TYPE, CHECKED_TYPE)
    advanced = 9
    c.credentials.define_type(k.committee, advanced, field=1, level=3, allowed_kinds=UNI_OR_AUTH,
                              criteria=T.Criteria(), prerequisites=[CHECKED_TYPE])
    with pytest.raises(E.InvalidPrerequisite) as indirect:
        c.credentials.define_type(k.committee, BASIC_TYPE, field=1, level=1, allowed_kinds=UNI_OR_AUTH,
                                  criteria=T.Criteria(), prerequisites=[advanced])
    assert (indirect.value.typeId, indirect.value.prerequisite) == (BASIC_TYPE, advanced)
    assert c.credentials.credential_type(BASIC_TYPE).version == 1
    # a redefinition that keeps the graph acyclic is fine
    c.credentials.define_type(k.committee, advanced, field=1, level=3, allowed_kinds=UNI_OR_AUTH,
                              criteria=T.Criteria(), prerequisites=[CHECKED_TYPE, BASIC_TYPE])
    assert c.credentials.credential_type(advanced).version == 2


def test_an_approval_does_not_come_back_with_a_readmitted_member(world: World) -> None:
    c, k = world.c, world.k
    second, third = world.new_key(), world.new_key()
    com = c.committee
    com.add_member(k.committee, second.address)
    com.add_member(k.committee, third.address)
    com.set_threshold(k.committee, 2)
    pending = com.proposal_count()
    com.add_member(second, world.new_key().address)  # proposed; second's approval is 1 of 2
    assert com.has_approved(pending, second.address) and com.proposal(pending).approvals == 1
    com.remove_member(k.committee, second.address)
    com.approve(third, com.proposal_count() - 1)  # 2 of 2: removed
    assert not com.is_member(second.address) and com.proposal(pending).approvals == 0
    com.add_member(k.committee, second.address)
    com.approve(third, com.proposal_count() - 1)  # added back
    assert com.is_member(second.address)
    # second's approval of `pending` was given in its earlier term: it does not count again
    assert not com.has_approved(pending, second.address)
    assert com.proposal(pending).approvals == 0
    com.approve(second, pending)  # approving again, in the new term, is accepted and counts
    proposal = com.proposal(pending)
    assert com.has_approved(pending, second.address) and proposal.approvals == 1 and not proposal.executed
