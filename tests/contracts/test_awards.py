"""Awards checked by the contracts (2.1.0): a contribution *about* another, the mentor award (distinct
mentees) and the community MVP award (nominations, one per organisation).

Each rule has a test, each way to cheat an attack that must fail with the contract's own error: a
self-review counted as a mentee, two children of one organisation nominating twice, nominations from a
suspended, compromised or retired organisation, nominations outside the window, a withdrawal by a
stranger. Every privileged function (withdrawNomination; defineType's award fields) is tried by an
unauthorised caller. They run on every chain ``--chain`` names, SM chains included.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.abi import decode_events
from ledger.crypto.keys import PrivateKey

from .conftest import World, child_of, item, rand32

K = T.ContributionKind
MENTOR_TYPE = 41  # a mentor award: 2 mentees, reviews or mentoring, each co-signed once
MVP_TYPE = 42  # a community MVP award: 3 nominating organisations
MENTEE_KINDS = (1 << K.REVIEW) | (1 << K.MENTORING)
DAY = 86_400


def _now(w: World) -> int:
    return w.chain.block_timestamp(w.chain.block_number())


def define_mentor(w: World, *, min_mentees: int = 2, min_co_signs: int = 1) -> None:
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.AUTHORITY)
    w.c.credentials.define_type(w.k.committee, MENTOR_TYPE, field=1, level=2, allowed_kinds=kinds,
                                criteria=T.Criteria(min_total=1, min_co_signs=min_co_signs, min_mentees=min_mentees,
                                                    mentee_kinds=MENTEE_KINDS))


def define_mvp(w: World, *, needed: int = 3, window: tuple[int, int] | None = None, flags: int = 0) -> None:
    now = _now(w)
    window_from, window_to = window or (now - 30 * DAY, now + 30 * DAY)
    kinds = T.IssuerKinds.of(T.IssuerKind.COMMUNITY, T.IssuerKind.AUTHORITY)
    w.c.credentials.define_type(w.k.committee, MVP_TYPE, field=1, level=3, allowed_kinds=kinds,
                                criteria=T.Criteria(min_total=1, window_from=window_from, window_to=window_to,
                                                    min_nominations=needed, award_flags=flags))


def university(w: World) -> PrivateKey:
    """Another top-level University (another organisation)."""
    key = w.new_key()
    w.c.issuers.add_issuer(w.k.committee, key.address, T.IssuerKind.UNIVERSITY, [])
    return key


# == about ==============================================================================================


def test_a_contribution_names_what_it_is_about_and_that_must_be_recorded(world: World) -> None:
    c, k = world.c, world.k
    pr = item()
    review = replace(item(kind=K.REVIEW), about=pr.key)
    with pytest.raises(E.AboutNotFound) as info:  # the pull request is not recorded yet
        c.contributions.record(k.community, [review])
    assert (info.value.key, info.value.about) == (review.key, pr.key)
    receipt = c.contributions.record(k.community, [pr, review])  # earlier in the same batch is enough
    names = [e.name for e in decode_events(receipt.logs, crypto=world.chain.crypto)]
    assert names == ["ContributionRecorded", "ContributionRecorded", "ContributionAbout"]
    assert c.contributions.about_of([review.key, pr.key, rand32()]) == [pr.key, None, None]


def test_a_released_key_forgets_what_it_was_about(world: World) -> None:
    c, k = world.c, world.k
    pr = item()
    review = replace(item(kind=K.REVIEW), about=pr.key)
    c.contributions.record(k.community, [pr, review])
    c.contributions.revoke(k.community, review.key, T.RevocationReason.ISSUED_IN_ERROR)
    c.contributions.propose_release(k.committee, review.key)
    assert c.contributions.about_of([review.key]) == [None]
    c.contributions.record(k.university, [replace(review, about=bytes(32))])
    assert c.contributions.about_of([review.key]) == [None]


# == award criteria at definition ========================================================================


@pytest.mark.parametrize("criteria", [
    T.Criteria(min_mentees=2),  # no mentee kinds
    T.Criteria(mentee_kinds=MENTEE_KINDS),  # kinds without a minimum
    T.Criteria(min_mentees=1, mentee_kinds=1 << 12),  # a 13th kind
    T.Criteria(award_flags=T.AWARD_SELF_NOMINATION),  # the nomination flag without nominations
    T.Criteria(min_nominations=2, award_flags=2),  # an unknown flag
])
def test_award_criteria_that_do_not_fit_together_are_refused(world: World, criteria: T.Criteria) -> None:
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY)
    with pytest.raises(E.InvalidAwardCriteria):
        world.c.credentials.define_type(world.k.committee, 77, field=1, level=1, allowed_kinds=kinds,
                                        criteria=criteria)


def test_only_the_committee_defines_an_award(world: World) -> None:
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY)
    tx = world.c.credentials.build_raw("defineType", MVP_TYPE, 1, 1, int(kinds),
                                       T.Criteria(min_nominations=1).as_tuple(), [], bytes(32))
    for caller in (world.k.authority, world.k.stranger):
        with pytest.raises(E.NotCommittee):
            world.c.credentials.send(caller, tx)


def test_an_award_type_reads_back_with_its_award_criteria(world: World) -> None:
    define_mentor(world, min_mentees=5)
    define_mvp(world, needed=4, flags=T.AWARD_SELF_NOMINATION)
    mentor = world.c.credentials.credential_type(MENTOR_TYPE).criteria
    assert (mentor.min_mentees, mentor.mentee_kinds, mentor.min_nominations) == (5, MENTEE_KINDS, 0)
    mvp = world.c.credentials.credential_type(MVP_TYPE).criteria
    assert (mvp.min_nominations, mvp.award_flags, mvp.is_award) == (4, T.AWARD_SELF_NOMINATION, True)


# == mentor award =======================================================================================


class Mentoring:
    """A mentor (subject) whose reviews, recorded by the community and co-signed by the university, are
    about the work of other people."""

    def __init__(self, w: World) -> None:
        self.w, self.mentor = w, rand32()

    def work_of(self, subject: bytes) -> bytes:
        pr = item(subject)
        self.w.c.contributions.record(self.w.k.university, [pr])
        return pr.key

    def review(self, about: bytes | None, kind: K = K.REVIEW, *, co_sign: bool = True) -> bytes:
        base = item(self.mentor, kind=kind)
        self.w.c.contributions.record(self.w.k.community,
                                      [replace(base, about=about or bytes(32))])
        if co_sign:
            self.w.c.contributions.co_sign(self.w.k.enterprise, base.key)
        return base.key

    def issue(self, keys: list[bytes]) -> bytes:
        credential = rand32()
        self.w.c.credentials.issue(self.w.k.authority, MENTOR_TYPE, self.mentor, credential, keys)
        return credential


def test_a_mentor_award_is_issued_for_reviews_of_two_peoples_work(world: World) -> None:
    define_mentor(world)
    m = Mentoring(world)
    keys = [m.review(m.work_of(rand32())), m.review(m.work_of(rand32()), K.MENTORING)]
    credential = m.issue(keys)
    assert world.c.credentials.issued(world.k.authority.address, credential).type_id == MENTOR_TYPE


def test_cheat_a_self_review_is_not_a_mentee(world: World) -> None:
    define_mentor(world)
    m = Mentoring(world)
    own = m.work_of(m.mentor)  # the mentor's own pull request
    self_review = m.review(own)
    with pytest.raises(E.MenteeIsHolder) as info:
        m.issue([m.review(m.work_of(rand32())), self_review])
    assert (info.value.key, info.value.about) == (self_review, own)


def test_cheat_many_reviews_of_one_persons_work_are_one_mentee(world: World) -> None:
    define_mentor(world)
    m = Mentoring(world)
    mentee = rand32()
    keys = [m.review(m.work_of(mentee)) for _ in range(3)]
    with pytest.raises(E.NotEnoughMentees) as info:
        m.issue(keys)
    assert (info.value.needed, info.value.found) == (2, 1)


def test_reviews_about_nothing_revoked_work_or_of_another_kind_count_no_mentee(world: World) -> None:
    define_mentor(world)
    m = Mentoring(world)
    revoked = m.work_of(rand32())
    world.c.contributions.revoke(world.k.university, revoked, T.RevocationReason.MISCONDUCT)
    keys = [
        m.review(m.work_of(rand32())),  # the one that counts
        m.review(None),  # a review about nothing
        m.review(revoked),  # about revoked work
        m.review(m.work_of(rand32()), K.CODE),  # code is not among the mentee kinds
    ]
    with pytest.raises(E.NotEnoughMentees) as info:
        m.issue(keys)
    assert (info.value.needed, info.value.found) == (2, 1)


def test_cheat_work_recorded_by_a_stolen_key_is_no_mentee(world: World) -> None:
    define_mentor(world)
    m = Mentoring(world)
    thief = university(world)
    fake = item(rand32())
    receipt = world.c.contributions.record(thief, [fake])
    world.c.issuers.propose_mark_compromised(world.k.committee, thief.address, receipt.block_number)
    with pytest.raises(E.NotEnoughMentees) as info:
        m.issue([m.review(m.work_of(rand32())), m.review(fake.key)])
    assert (info.value.needed, info.value.found) == (2, 1)


def test_cheat_work_naming_nobody_or_a_review_of_a_review_is_no_mentee(world: World) -> None:
    """Work recorded for subject 0 names nobody; a review of someone's review of the mentor's own pull
    request mentors nobody new (the reviewer of the review would otherwise count as a mentee)."""
    define_mentor(world)
    m = Mentoring(world)
    own = m.work_of(m.mentor)
    someone = item(rand32(), kind=K.REVIEW)
    world.c.contributions.record(world.k.university, [replace(someone, about=own)])
    keys = [
        m.review(m.work_of(rand32())),  # the one that counts
        m.review(m.work_of(bytes(32))),  # about work recorded for nobody
        m.review(someone.key),  # about a review (of the mentor's own work)
    ]
    with pytest.raises(E.NotEnoughMentees) as info:
        m.issue(keys)
    assert (info.value.needed, info.value.found) == (2, 1)


def test_the_usual_criteria_still_apply_to_every_review(world: World) -> None:
    define_mentor(world)
    m = Mentoring(world)
    uncosigned = m.review(m.work_of(rand32()), co_sign=False)
    with pytest.raises(E.NotEnoughCoSigns) as info:
        m.issue([m.review(m.work_of(rand32())), uncosigned])
    assert info.value.key == uncosigned


# == community MVP award ================================================================================


class Mvp:
    """A subject with one recorded contribution in the window, and the MVP type defined."""

    def __init__(self, w: World, **kwargs: object) -> None:
        self.w = w
        define_mvp(w, **kwargs)  # type: ignore[arg-type]
        self.subject = rand32()
        work = item(self.subject, occurred_at=_now(w) - 1000)
        w.c.contributions.record(w.k.community, [work])
        self.evidence = [work.key]

    def nominate(self, key: PrivateKey) -> int:
        return self.w.c.credentials.nominate(key, MVP_TYPE, self.subject).block_number

    def nominations(self) -> list[T.Nomination]:
        return self.w.c.credentials.nominations(MVP_TYPE, self.version, self.subject)

    @property
    def version(self) -> int:
        return self.w.c.credentials.credential_type(MVP_TYPE).version

    def issue(self, by: PrivateKey | None = None) -> bytes:
        credential = rand32()
        self.w.c.credentials.issue(by or self.w.k.authority, MVP_TYPE, self.subject, credential, self.evidence)
        return credential


def test_an_mvp_award_is_issued_with_nominations_from_three_organisations(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    for nominator in (k.university, k.community):
        mvp.nominate(nominator)
    with pytest.raises(E.NotEnoughNominations) as info:
        mvp.issue()
    assert (info.value.needed, info.value.found) == (3, 2)
    block = mvp.nominate(k.enterprise)
    shown = mvp.nominations()
    assert [n.nominator for n in shown] == [k.university.address, k.community.address, k.enterprise.address]
    assert shown[2].org == world.c.issuers.organisation_of(k.enterprise.address) and shown[2].block_number == block
    mvp.issue()


def test_nominated_event_names_type_version_subject_and_organisation(world: World) -> None:
    mvp = Mvp(world)
    receipt = world.c.credentials.nominate(world.k.university, MVP_TYPE, mvp.subject)
    (event,) = decode_events(receipt.logs, crypto=world.chain.crypto)
    assert event.name == "Nominated"
    assert (event.args["typeId"], event.args["version"], event.args["subject"], event.args["nominator"]) == (
        MVP_TYPE, 1, mvp.subject, world.k.university.address)
    assert event.args["org"] == world.c.issuers.organisation_of(world.k.university.address)


def test_cheat_two_children_of_one_organisation_nominate_once(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    first, second = child_of(world.c, k.university), child_of(world.c, k.university)
    mvp.nominate(first)
    org = world.c.issuers.organisation_of(k.university.address)
    for again in (second, k.university):
        with pytest.raises(E.AlreadyNominated) as info:
            mvp.nominate(again)
        assert (info.value.typeId, info.value.version, info.value.subject, info.value.org, info.value.nominator) == (
            MVP_TYPE, 1, mvp.subject, org, first.address)
    assert len(mvp.nominations()) == 1


def test_cheat_the_issuing_organisations_own_nomination_does_not_count(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    for nominator in (k.university, k.community, k.authority):  # the authority issues
        mvp.nominate(nominator)
    with pytest.raises(E.NotEnoughNominations) as info:
        mvp.issue(k.authority)
    assert (info.value.needed, info.value.found) == (3, 2)


def test_a_type_may_count_the_issuing_organisations_own_nomination(world: World) -> None:
    k = world.k
    mvp = Mvp(world, flags=T.AWARD_SELF_NOMINATION)
    for nominator in (k.university, k.community, k.authority):
        mvp.nominate(nominator)
    mvp.issue(k.authority)


def test_cheat_a_suspended_organisation_neither_nominates_nor_counts(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    child = child_of(world.c, k.university)
    for nominator in (child, k.community, k.enterprise):
        mvp.nominate(nominator)
    world.c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.NotEnoughNominations) as info:  # the child's nomination: its organisation is suspended
        mvp.issue()
    assert (info.value.needed, info.value.found) == (3, 2)
    other = rand32()
    with pytest.raises(E.AncestorNotActive):
        world.c.credentials.nominate(child, MVP_TYPE, other)
    with pytest.raises(E.IssuerNotActive):
        world.c.credentials.nominate(k.university, MVP_TYPE, other)
    world.c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.ACTIVE)
    mvp.issue()  # reinstated: it counts again


def test_cheat_a_retired_organisations_nomination_does_not_count(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    for nominator in (k.university, k.community, k.enterprise):
        mvp.nominate(nominator)
    world.c.issuers.propose_issuer_status(k.committee, k.enterprise.address, T.IssuerStatus.RETIRED)
    with pytest.raises(E.NotEnoughNominations) as info:
        mvp.issue()
    assert (info.value.needed, info.value.found) == (3, 2)


def test_cheat_a_stolen_keys_nomination_does_not_count(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    mvp.nominate(k.university)
    mvp.nominate(k.community)
    theft = mvp.nominate(k.enterprise)  # made with a key stolen at that block
    world.c.issuers.propose_mark_compromised(k.committee, k.enterprise.address, theft)
    with pytest.raises(E.NotEnoughNominations) as info:
        mvp.issue()
    assert (info.value.needed, info.value.found) == (3, 2)
    with pytest.raises(E.KeyCompromised):
        world.c.credentials.nominate(k.enterprise, MVP_TYPE, rand32())


def test_a_stolen_keys_nomination_gives_way_to_another_key_of_its_organisation(world: World) -> None:
    """A thief's nomination does not count; it must not keep the organisation's place either, or the thief
    could take every subject's place for the organisation before being found."""
    k = world.k
    mvp = Mvp(world)
    stolen = child_of(world.c, k.university)
    theft = mvp.nominate(stolen)
    with pytest.raises(E.AlreadyNominated):  # while the key is not known to be stolen, the place is taken
        mvp.nominate(k.university)
    world.c.issuers.propose_mark_compromised(k.committee, stolen.address, theft)
    receipt = world.c.credentials.nominate(k.university, MVP_TYPE, mvp.subject)
    assert [e.name for e in decode_events(receipt.logs, crypto=world.chain.crypto)] == [
        "NominationWithdrawn", "Nominated"]
    assert [n.nominator for n in mvp.nominations()] == [k.university.address]
    mvp.nominate(k.community)
    mvp.nominate(k.enterprise)
    mvp.issue()


@pytest.mark.parametrize("where", ["before", "after"])
def test_cheat_a_nomination_outside_the_window_is_refused(world: World, where: str) -> None:
    now = _now(world)
    window = (now + 30 * DAY, now + 60 * DAY) if where == "before" else (now - 60 * DAY, now - 30 * DAY)
    define_mvp(world, window=window)
    with pytest.raises(E.NominationOutsideWindow) as info:
        world.c.credentials.nominate(world.k.university, MVP_TYPE, rand32())
    assert (info.value.typeId, info.value.windowFrom, info.value.windowTo) == (MVP_TYPE, *window)
    assert info.value.time >= now


def test_nominations_are_for_an_award_by_nominations_a_defined_type_and_a_subject(world: World) -> None:
    define_mentor(world)
    define_mvp(world)
    with pytest.raises(E.NotNominatedType):
        world.c.credentials.nominate(world.k.university, MENTOR_TYPE, rand32())
    with pytest.raises(E.UnknownType):
        world.c.credentials.nominate(world.k.university, 999, rand32())
    with pytest.raises(E.InvalidSubject):
        world.c.credentials.nominate(world.k.university, MVP_TYPE, bytes(32))
    with pytest.raises(E.UnknownIssuer):
        world.c.credentials.nominate(world.k.stranger, MVP_TYPE, rand32())


def test_a_redefinition_starts_the_nominations_afresh(world: World) -> None:
    k = world.k
    mvp = Mvp(world, needed=1)
    mvp.nominate(k.university)
    define_mvp(world, needed=1)  # version 2
    assert mvp.version == 2 and mvp.nominations() == []
    with pytest.raises(E.NotEnoughNominations):
        mvp.issue()
    mvp.nominate(k.university)  # the organisation may nominate for the new version
    mvp.issue()


# == withdrawing a nomination ============================================================================


def test_cheat_a_stranger_cannot_withdraw_a_nomination(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    mvp.nominate(k.university)
    org = world.c.issuers.organisation_of(k.university.address)
    for stranger, error in ((k.community, E.NotManager), (k.enterprise, E.NotManager),
                            (k.stranger, E.UnknownIssuer)):
        with pytest.raises(error):
            world.c.credentials.withdraw_nomination(stranger, MVP_TYPE, mvp.subject, org)
    assert len(mvp.nominations()) == 1
    with pytest.raises(E.NominationNotFound) as info:
        world.c.credentials.withdraw_nomination(k.university, MVP_TYPE, mvp.subject, org + 1000)
    assert (info.value.org, info.value.version) == (org + 1000, 1)


def test_the_nominator_its_parent_or_the_committee_withdraw(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    child = child_of(world.c, k.university)
    mvp.nominate(child)
    mvp.nominate(k.community)
    mvp.nominate(k.enterprise)
    uni, com, ent = (world.c.issuers.organisation_of(x.address) for x in (k.university, k.community, k.enterprise))
    world.c.credentials.withdraw_nomination(k.university, MVP_TYPE, mvp.subject, uni)  # the child's parent
    assert sorted(n.org for n in mvp.nominations()) == sorted([com, ent])
    world.c.credentials.propose_withdraw_nomination(k.committee, MVP_TYPE, mvp.subject, com)
    assert [n.org for n in mvp.nominations()] == [ent]
    world.c.credentials.withdraw_nomination(k.enterprise, MVP_TYPE, mvp.subject, ent)  # the nominator itself
    assert mvp.nominations() == []
    mvp.nominate(child)  # withdrawn: the organisation may nominate again
    assert [n.nominator for n in mvp.nominations()] == [child.address]


def test_a_withdrawn_nomination_no_longer_counts(world: World) -> None:
    k = world.k
    mvp = Mvp(world)
    for nominator in (k.university, k.community, k.enterprise):
        mvp.nominate(nominator)
    world.c.credentials.withdraw_nomination(k.community, MVP_TYPE, mvp.subject,
                                            world.c.issuers.organisation_of(k.community.address))
    with pytest.raises(E.NotEnoughNominations) as info:
        mvp.issue()
    assert (info.value.needed, info.value.found) == (3, 2)

