"""Issue 15's findings, each performed as an attack against the contracts: it must fail, with the exact
custom error and its fields.

One test (or a few) per finding of the security review: 1 (a stolen key), 2 (co-signs per organisation),
3 (children claimed without consent), 4 (roots and hashes taken first), 5 (squatted contribution keys),
6 (proposals that never expire), 7 (prerequisites from issuers not in good standing), 8 (the committee's
hold of a child), 9 (an anchor and a suspension in one block), 10 (history searches, the prerequisite search),
and the leaf index a Merkle proof must bind.
``contracts/README.md`` ("Threat model") names the test that closes each.
"""

from __future__ import annotations

import random

import pytest

from ledger import types as T
from ledger.chain.base import Transaction
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts import errors as E
from ledger.contracts.abi import decode_events, decode_revert
from ledger.contracts.deployment import Contracts
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.hashing import hash_function, keccak256
from ledger.crypto.keys import PrivateKey

from .conftest import BASIC_TYPE, BATCH_TYPE, CHECKED_TYPE, World, child_of, item, mine, proposal_id, rand32

R = T.RevocationReason
S = T.CredentialStatus


# -- helpers ------------------------------------------------------------------------------------------


def university(w: World) -> PrivateKey:
    """Another top-level University issuer (another organisation)."""
    key = w.new_key()
    w.c.issuers.add_issuer(w.k.committee, key.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE, CHECKED_TYPE, BASIC_TYPE])
    return key


class Batch:
    """A batch of random credential hashes in the positional tree, anchored by ``issuer``."""

    def __init__(self, w: World, issuer: PrivateKey, n: int = 8, type_id: int = BATCH_TYPE) -> None:
        self.w, self.issuer = w, issuer
        self.values = [rand32() for _ in range(n)]
        self.tree = MerkleTree.build(self.values, hash_function(w.chain.crypto))
        self.root = self.tree.root
        self.block = w.c.issuers.anchor(issuer, type_id, n, self.root).block_number

    def verdict(self, index: int, *, issuer: str | None = None, claimed: int | None = None) -> T.Verdict:
        """The chain's verdict on leaf ``index`` (its proof presented as leaf ``claimed``)."""
        return self.w.c.credentials.verify_batch_credential(
            issuer or self.issuer.address, self.root, self.values[index],
            index if claimed is None else claimed, self.tree.proof(index))


def checked_evidence(w: World, recorder: PrivateKey, subject: bytes) -> list[bytes]:
    """Three contributions that meet CHECKED_TYPE's contribution criteria, recorded by ``recorder``."""
    p1, p2 = rand32(), rand32()
    items = [item(subject, project=p1), item(subject, project=p2), item(subject, project=p1, kind=T.ContributionKind.DOCS)]
    w.c.contributions.record(recorder, items)
    return [i.key for i in items]


def basic(w: World, issuer: PrivateKey, subject: bytes) -> T.Prerequisite:
    """A BASIC_TYPE credential of ``subject`` issued by ``issuer`` (the prerequisite of CHECKED_TYPE)."""
    digest = rand32()
    w.c.credentials.issue(issuer, BASIC_TYPE, subject, digest, [])
    return T.Prerequisite(issuer.address, digest)


# == finding 1 (high): a stolen key's batches stay valid forever =======================================


def test_finding_1_the_committee_marks_a_stolen_key_and_what_it_wrote_since_is_void(world: World) -> None:
    c, k = world.c, world.k
    early = Batch(world, k.university)  # legitimate, before the theft
    mine(c.chain, 2)
    theft = c.chain.block_number() + 1
    stolen = Batch(world, k.university)  # the thief anchors
    assert stolen.verdict(3) == T.Verdict.VALID
    c.issuers.propose_mark_compromised(k.committee, k.university.address, theft)
    assert stolen.verdict(3) == T.Verdict.ISSUER_COMPROMISED
    assert early.verdict(3) == T.Verdict.VALID  # before the mark's block: still valid
    assert not c.issuers.is_authorized(k.university.address, BATCH_TYPE, stolen.block)
    assert c.issuers.key_info(k.university.address).compromised_since == theft
    with pytest.raises(E.KeyCompromised) as writes:
        c.issuers.anchor(k.university, BATCH_TYPE, 4, rand32())
    assert (writes.value.issuer, writes.value.since) == (k.university.address, theft)
    with pytest.raises(E.KeyCompromised):
        c.issuers.revoke_leaf(k.university, early.root, 0, R.MISCONDUCT)
    work = item()
    c.contributions.record(k.community, [work])
    with pytest.raises(E.KeyCompromised):
        c.contributions.co_sign(k.university, work.key)
    # the node gets a new key from the committee (a top-level issuer has no parent) and writes again
    successor = world.new_key()
    c.issuers.propose_offer_successor(k.committee, k.university.address, successor.address)
    c.issuers.accept_successor(successor, k.university.address)
    Batch(world, successor)
    # the successor manages the old key's legitimate batches
    c.issuers.set_leaves_status(successor, k.university.address, early.root, [1, 2], S.REVOKED, R.KEY_COMPROMISED)
    assert early.verdict(1) == T.Verdict.REVOKED and early.verdict(0) == T.Verdict.VALID


def test_finding_1_a_parent_marks_its_childs_stolen_key_and_replaces_it(world: World) -> None:
    c, k = world.c, world.k
    child = child_of(c, k.university)
    batch = Batch(world, child)
    c.issuers.mark_compromised(k.university, child.address, c.chain.block_number())
    assert batch.verdict(0) == T.Verdict.ISSUER_COMPROMISED
    with pytest.raises(E.KeyCompromised) as info:
        c.issuers.anchor(child, BATCH_TYPE, 2, rand32())
    assert info.value.issuer == child.address
    replacement = world.new_key()
    c.issuers.offer_successor(k.university, child.address, replacement.address)
    c.issuers.accept_successor(replacement, child.address)
    Batch(world, replacement)
    assert c.issuers.issuer(child.address).current_key == replacement.address


def test_finding_1_the_owner_marks_through_its_successor_and_a_thief_cannot_back_date(world: World) -> None:
    c, k = world.c, world.k
    org = university(world)
    stolen = Batch(world, org)
    with pytest.raises(E.InvalidCompromiseBlock) as back:  # the thief tries to void the owner's history
        c.issuers.mark_compromised(org, org.address, 1)
    assert (back.value.key, back.value.since) == (org.address, 1)
    rotated = world.new_key()
    c.issuers.offer_successor(org, org.address, rotated.address)
    c.issuers.accept_successor(rotated, org.address)
    with pytest.raises(E.KeyRotated) as old:  # the old key writes nothing after a rotation
        c.issuers.anchor(org, BATCH_TYPE, 2, rand32())
    assert (old.value.issuer, old.value.currentKey) == (org.address, rotated.address)
    c.issuers.mark_compromised(rotated, org.address, stolen.block)
    assert stolen.verdict(0) == T.Verdict.ISSUER_COMPROMISED
    with pytest.raises(E.CompromiseNotEarlier) as later:  # an issuer only moves a mark earlier
        c.issuers.mark_compromised(rotated, org.address, stolen.block + 1)
    assert (later.value.current, later.value.requested) == (stolen.block, stolen.block + 1)
    with pytest.raises(E.NotManager) as stranger:  # another organisation cannot mark it
        c.issuers.mark_compromised(k.university, org.address, stolen.block)
    assert (stranger.value.issuer, stranger.value.caller) == (org.address, k.university.address)
    with pytest.raises(E.UnknownIssuer):  # only the committee marks keys it does not know
        c.issuers.mark_compromised(k.university, k.stranger.address, 1)
    # and the key itself may raise the alarm from now on
    own = university(world)
    now = c.chain.block_number() + 1
    c.issuers.mark_compromised(own, own.address, now)
    assert c.issuers.key_info(own.address).compromised_since == now


def test_finding_1_a_whole_batch_is_revoked_by_its_issuer_its_parent_or_the_committee(world: World) -> None:
    c, k = world.c, world.k
    other = university(world)
    child = child_of(c, k.university)
    batch = Batch(world, child)
    with pytest.raises(E.NotManager) as foreign:  # another organisation
        c.issuers.revoke_batch(other, child.address, batch.root, R.MISCONDUCT)
    assert (foreign.value.issuer, foreign.value.caller) == (child.address, other.address)
    with pytest.raises(E.UnknownIssuer) as nobody:
        c.issuers.revoke_batch(k.stranger, child.address, batch.root, R.MISCONDUCT)
    assert nobody.value.issuer == k.stranger.address
    with pytest.raises(E.InvalidReason):
        c.issuers.revoke_batch(k.university, child.address, batch.root, R.NONE)
    receipt = c.issuers.revoke_batch(k.university, child.address, batch.root, R.MISCONDUCT)  # by its parent
    revoked = next(e for e in decode_events(receipt.logs, crypto=c.chain.crypto) if e.name == "BatchRevoked").args
    assert (revoked["issuer"], revoked["by"], revoked["reason"]) == (child.address, k.university.address, R.MISCONDUCT)
    assert batch.verdict(5) == T.Verdict.BATCH_REVOKED
    anchor = c.issuers.anchor_of(child.address, batch.root)
    assert (anchor.revoked, anchor.reason, anchor.revoked_by) == (True, R.MISCONDUCT,
                                                                  c.issuers.issuer(k.university.address).id)
    with pytest.raises(E.BatchIsRevoked) as final:
        c.issuers.propose_revoke_batch(k.committee, child.address, batch.root, R.OTHER)
    assert (final.value.issuer, final.value.root) == (child.address, batch.root)
    with pytest.raises(E.UnknownBatch):
        c.issuers.revoke_batch(child, child.address, rand32(), R.MISCONDUCT)
    own = Batch(world, k.university)
    c.issuers.propose_revoke_batch(k.committee, k.university.address, own.root, R.ISSUED_IN_ERROR)  # the committee
    assert own.verdict(0) == T.Verdict.BATCH_REVOKED
    assert c.issuers.anchor_of(k.university.address, own.root).revoked_by == 0


def test_finding_1_many_leaves_of_a_batch_in_one_transaction_all_or_nothing(world: World) -> None:
    c, k = world.c, world.k
    batch = Batch(world, k.university, n=300)
    c.issuers.set_leaves_status(k.university, k.university.address, batch.root, list(range(0, 300, 3)), S.REVOKED,
                                R.MISCONDUCT)
    assert batch.verdict(3) == T.Verdict.REVOKED and batch.verdict(4) == T.Verdict.VALID
    with pytest.raises(E.LeafIsRevoked) as final:
        c.issuers.set_leaves_status(k.university, k.university.address, batch.root, [4, 3], S.SUSPENDED, R.MISCONDUCT)
    assert (final.value.issuer, final.value.root, final.value.index) == (k.university.address, batch.root, 3)
    assert batch.verdict(4) == T.Verdict.VALID  # nothing of the failed call was written
    with pytest.raises(E.NotManager):
        c.issuers.set_leaves_status(university(world), k.university.address, batch.root, [4], S.REVOKED, R.OTHER)


def test_finding_1_contributions_cosigns_issuances_and_status_changes_of_a_stolen_key_are_void(world: World) -> None:
    c, k = world.c, world.k
    uni2 = university(world)
    # co-signs by a key later found stolen do not count
    subject = rand32()
    prerequisite = basic(world, uni2, subject)
    keys = checked_evidence(world, k.community, subject)
    signer = university(world)
    theft = c.chain.block_number() + 1
    for key in keys:
        c.contributions.co_sign(signer, key)
    c.issuers.propose_mark_compromised(k.committee, signer.address, theft)
    with pytest.raises(E.NotEnoughCoSigns) as cosigns:
        c.credentials.issue(k.university, CHECKED_TYPE, subject, rand32(), keys, [prerequisite])
    assert (cosigns.value.key, cosigns.value.needed, cosigns.value.found) == (keys[0], 1, 0)
    # contributions recorded by a stolen key prove nothing
    recorder = world.new_key()
    c.issuers.add_issuer(k.committee, recorder.address, T.IssuerKind.COMMUNITY, [])
    subject = rand32()
    prerequisite = basic(world, uni2, subject)
    theft = c.chain.block_number() + 1
    keys = checked_evidence(world, recorder, subject)
    for key in keys:
        c.contributions.co_sign(uni2, key)
    c.issuers.propose_mark_compromised(k.committee, recorder.address, theft)
    with pytest.raises(E.ContributionRecorderCompromised) as recorded:
        c.credentials.issue(k.university, CHECKED_TYPE, subject, rand32(), keys, [prerequisite])
    assert (recorded.value.key, recorded.value.recorderId) == (keys[0], c.issuers.issuer(recorder.address).id)
    # a single issuance by a stolen key is no prerequisite, and its status changes do not count
    victim = university(world)
    subject = rand32()
    legit = basic(world, victim, subject)
    c.credentials.set_status(victim, victim.address, legit.credential_hash, S.SUSPENDED, R.MISCONDUCT)  # the owner
    theft = c.chain.block_number() + 1
    c.credentials.set_status(victim, victim.address, legit.credential_hash, S.VALID)  # the thief reinstates
    forged = basic(world, victim, subject)  # the thief issues
    c.issuers.propose_mark_compromised(k.committee, victim.address, theft)
    assert c.credentials.status_of(victim.address, legit.credential_hash).status == S.SUSPENDED
    with pytest.raises(E.PrerequisiteIssuerNotInGoodStanding) as standing:
        c.credentials.issue(k.university, BASIC_TYPE, subject, rand32(), [], [forged])
    assert (standing.value.issuer, standing.value.credentialHash, standing.value.standing) == (
        victim.address, forged.credential_hash, T.Standing.COMPROMISED)
    with pytest.raises(E.PrerequisiteNotValid) as suspended:
        c.credentials.issue(k.university, BASIC_TYPE, subject, rand32(), [], [legit])
    assert (suspended.value.credentialHash, suspended.value.status) == (legit.credential_hash, S.SUSPENDED)


def test_finding_1_a_thief_cannot_install_keys(world: World) -> None:
    c, k = world.c, world.k
    # a successor offer made by the stolen key dies with the mark; the stolen key offers nothing more
    thief = world.new_key()
    c.issuers.offer_successor(k.university, k.university.address, thief.address)
    c.issuers.propose_mark_compromised(k.committee, k.university.address, c.chain.block_number())
    with pytest.raises(E.KeyCompromised) as accepted:
        c.issuers.accept_successor(thief, k.university.address)
    assert accepted.value.issuer == k.university.address
    with pytest.raises(E.KeyCompromised):
        c.issuers.offer_successor(k.university, k.university.address, world.new_key().address)
    # a child offer of the stolen key cannot be accepted even once the node has a new key; a child the
    # thief installed before the mark is marked by the parent's new key
    org = university(world)
    theft = c.chain.block_number() + 1
    early_child = child_of(c, org)
    early = Batch(world, early_child)
    pending = world.new_key()
    c.issuers.offer_child(org, pending.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    c.issuers.propose_mark_compromised(k.committee, org.address, theft)
    fresh = world.new_key()
    c.issuers.propose_offer_successor(k.committee, org.address, fresh.address)
    c.issuers.accept_successor(fresh, org.address)
    with pytest.raises(E.KeyCompromised) as child_offer:
        c.issuers.accept_child(pending, fresh.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    assert (child_offer.value.issuer, child_offer.value.since) == (org.address, theft)
    installed = c.issuers.key_info(early_child.address).active_from
    c.issuers.mark_compromised(fresh, early_child.address, installed)
    assert early.verdict(0) == T.Verdict.ISSUER_COMPROMISED
    # an offer made before a later rotation was overruled by it
    owner = university(world)
    stale, chosen = world.new_key(), world.new_key()
    c.issuers.offer_successor(owner, owner.address, stale.address)
    c.issuers.offer_successor(owner, owner.address, chosen.address)
    c.issuers.accept_successor(chosen, owner.address)
    with pytest.raises(E.KeyRotated) as overruled:
        c.issuers.accept_successor(stale, owner.address)
    assert (overruled.value.issuer, overruled.value.currentKey) == (owner.address, chosen.address)


# == finding 2: co-signs count signers, not organisations ===============================================


def test_finding_2_cosigns_count_once_per_organisation(world: World) -> None:
    c, k = world.c, world.k
    work = item()
    c.contributions.record(k.community, [work])
    children = [child_of(c, k.university) for _ in range(3)]
    c.contributions.co_sign(children[0], work.key)
    org = c.issuers.organisation_of(k.university.address)
    for other in children[1:] + [k.university]:
        with pytest.raises(E.AlreadyCoSignedByOrganisation) as info:
            c.contributions.co_sign(other, work.key)
        assert (info.value.key, info.value.org, info.value.signer) == (work.key, org, children[0].address)
    assert c.contributions.contribution(work.key).co_sign_orgs == 1
    c.contributions.co_sign(university(world), work.key)  # another organisation counts
    assert c.contributions.contribution(work.key).co_sign_orgs == 2


# == finding 3: any address can be claimed as a child without consent ===================================


def test_finding_3_a_child_must_accept_so_a_pending_address_cannot_be_claimed(world: World) -> None:
    c, k = world.c, world.k
    c.committee.add_member(k.committee, k.member2.address)
    c.committee.set_threshold(k.committee, 2)
    target = world.new_key()
    pending = proposal_id(c.issuers.add_issuer(k.committee, target.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE]))
    c.issuers.offer_child(k.university, target.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])  # the rogue's claim
    assert not c.issuers.issuer(target.address).exists  # an offer registers nothing
    c.committee.approve(k.member2, pending)
    assert c.issuers.issuer(target.address).parent is None
    with pytest.raises(E.NotParentOrCommittee) as rogue:
        c.issuers.set_issuer_status(k.university, target.address, T.IssuerStatus.SUSPENDED)
    assert (rogue.value.issuer, rogue.value.caller) == (target.address, k.university.address)
    with pytest.raises(E.IssuerExists) as stale:  # the stale offer can never make it a child now
        c.issuers.accept_child(target, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    assert stale.value.issuer == target.address
    lone = world.new_key()
    with pytest.raises(E.NoChildOffer) as unasked:
        c.issuers.accept_child(lone, k.university.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
    assert (unasked.value.child, unasked.value.parent) == (lone.address, k.university.address)


# == finding 4: roots and credential hashes can be taken first ===========================================


def test_finding_4_roots_hashes_and_reports_are_keyed_by_their_writer(world: World) -> None:
    c, k = world.c, world.k
    rogue = university(world)
    values = [rand32() for _ in range(4)]
    tree = MerkleTree.build(values, hash_function(c.chain.crypto))
    c.issuers.anchor(rogue, BATCH_TYPE, 4, tree.root)  # the rogue copies the root from the pool first
    c.issuers.anchor(k.university, BATCH_TYPE, 4, tree.root)  # the real issuer still anchors
    c.issuers.revoke_leaf(rogue, tree.root, 1, R.MISCONDUCT)  # the rogue revokes in its own copy only
    assert c.credentials.verify_batch_credential(k.university.address, tree.root, values[1], 1,
                                                 tree.proof(1)) == T.Verdict.VALID
    with pytest.raises(E.NotManager) as leaves:
        c.issuers.set_leaves_status(rogue, k.university.address, tree.root, [1], S.REVOKED, R.MISCONDUCT)
    assert (leaves.value.issuer, leaves.value.caller) == (k.university.address, rogue.address)
    with pytest.raises(E.NotManager):
        c.issuers.revoke_batch(rogue, k.university.address, tree.root, R.MISCONDUCT)
    credential = rand32()
    c.credentials.issue(rogue, BASIC_TYPE, rand32(), credential, [])
    c.credentials.issue(k.university, BASIC_TYPE, rand32(), credential, [])
    with pytest.raises(E.NotManager) as status:
        c.credentials.set_status(rogue, k.university.address, credential, S.REVOKED, R.MISCONDUCT)
    assert (status.value.issuer, status.value.caller) == (k.university.address, rogue.address)
    report = rand32()
    c.credentials.anchor_report(rogue, report)
    block = c.credentials.anchor_report(k.university, report).block_number
    assert c.credentials.report_anchor(k.university.address, report) == block
    with pytest.raises(E.ReportAlreadyAnchored) as twice:
        c.credentials.anchor_report(k.university, report)
    assert (twice.value.auditor, twice.value.reportHash, twice.value.blockNumber) == (k.university.address, report,
                                                                                     block)


# == finding 5: contribution keys can be squatted and are then lost for good =============================


def test_finding_5_the_committee_releases_a_revoked_squat_for_the_rightful_recorder(world: World) -> None:
    c, k = world.c, world.k
    pr = keccak256(b"github.com/org/repo/pull/42")
    squat = item(key=pr)
    c.contributions.record(k.community, [squat])
    with pytest.raises(E.ContributionNotRevoked) as live:
        c.contributions.propose_release(k.committee, pr)
    assert (live.value.key, live.value.status) == (pr, T.ContributionStatus.ACTIVE)
    c.contributions.propose_revoke(k.committee, pr, R.MISCONDUCT)
    with pytest.raises(E.ContributionExists) as exists:
        c.contributions.record(k.university, [item(key=pr)])
    assert exists.value.key == pr
    with pytest.raises(E.NotCommittee) as direct:
        c.contributions.send(k.university, c.contributions.build_raw("release", pr))
    assert direct.value.caller == k.university.address
    c.contributions.propose_release(k.committee, pr)
    rightful = item(key=pr)
    c.contributions.record(k.university, [rightful])
    live_record = c.contributions.contribution(pr)
    archived = c.contributions.archived(pr, 0)
    assert (live_record.subject, live_record.generation) == (rightful.subject, 1)
    assert (archived.subject, archived.status) == (squat.subject, T.ContributionStatus.REVOKED)


# == finding 6: pending proposals never expire and cannot be cancelled ===================================


@pytest.fixture
def short_window(chain: EmbeddedChain, keys) -> World:  # type: ignore[no-untyped-def]
    from ledger.contracts.deployment import deploy

    c = Contracts(chain, deploy(chain, keys.committee, proposal_window=20))
    return World(chain, c, keys)


def test_finding_6_proposals_expire_and_a_new_member_cannot_complete_them(short_window: World) -> None:
    c, k = short_window.c, short_window.k
    late = short_window.new_key()
    c.committee.add_member(k.committee, k.member2.address)
    c.committee.add_member(k.committee, k.member3.address)
    c.committee.set_threshold(k.committee, 3)
    receipt = c.committee.propose(k.committee, c.committee.address, c.committee.encode("setProposalWindow", 50))
    stale = proposal_id(receipt)
    events = decode_events(receipt.logs, crypto=c.chain.crypto)
    created = next(e for e in events if e.name == "ProposalCreated").args
    assert [e.args for e in events if e.name == "ProposalApproved"] == [{"id": stale, "member": k.committee.address}]
    c.committee.approve(k.member2, stale)  # 2 of 3; the third member says no by not approving
    mine(c.chain, 25)
    assert c.committee.proposal_state(stale) == T.ProposalState.EXPIRED
    for member in (k.member3, k.committee):
        with pytest.raises(E.ProposalExpired) as expired:
            c.committee.approve(member, stale)
        assert (expired.value.id, expired.value.expiresAt) == (stale, created["expiresAt"])
    admit = proposal_id(c.committee.add_member(k.committee, late.address))
    c.committee.approve(k.member2, admit)
    c.committee.approve(k.member3, admit)
    with pytest.raises(E.ProposalExpired):
        c.committee.approve(late, stale)
    with pytest.raises(E.ProposalExpired):
        c.committee.execute(late, stale)
    assert c.committee.proposal_window() == 20


def test_finding_6_a_proposal_is_cancelled_by_its_proposer_or_the_committee_only(short_window: World) -> None:
    c, k = short_window.c, short_window.k
    c.committee.add_member(k.committee, k.member2.address)
    c.committee.set_threshold(k.committee, 2)
    data = c.committee.encode("setProposalWindow", 30)
    mine_id = proposal_id(c.committee.propose(k.committee, c.committee.address, data))
    with pytest.raises(E.NotProposerOrCommittee) as other:
        c.committee.cancel(k.member2, mine_id)
    assert (other.value.id, other.value.caller) == (mine_id, k.member2.address)
    with pytest.raises(E.NotProposerOrCommittee):
        c.committee.cancel(k.stranger, mine_id)
    cancelled = c.committee.cancel(k.committee, mine_id)
    assert [e.args for e in decode_events(cancelled.logs, crypto=c.chain.crypto)] == [{"id": mine_id, "by": k.committee.address}]
    with pytest.raises(E.ProposalNotPending) as closed:
        c.committee.approve(k.member2, mine_id)
    assert (closed.value.id, closed.value.state) == (mine_id, T.ProposalState.CANCELLED)
    theirs = proposal_id(c.committee.propose(k.member2, c.committee.address, data))
    cancelling = proposal_id(c.committee.propose_cancel(k.committee, theirs))  # the committee cancels it ...
    c.committee.approve(k.member2, cancelling)  # ... once the threshold approves
    assert c.committee.proposal_state(theirs) == T.ProposalState.CANCELLED


# == finding 7: prerequisites from suspended or compromised issuers were accepted =======================


def test_finding_7_a_prerequisite_from_a_suspended_issuer_is_refused(world: World) -> None:
    c, k = world.c, world.k
    uni2 = university(world)
    subject = rand32()
    prerequisite = basic(world, uni2, subject)
    keys = checked_evidence(world, k.community, subject)
    for key in keys:
        c.contributions.co_sign(k.university, key)
    c.issuers.propose_issuer_status(k.committee, uni2.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.PrerequisiteIssuerNotInGoodStanding) as info:
        c.credentials.issue(k.university, CHECKED_TYPE, subject, rand32(), keys, [prerequisite])
    assert (info.value.issuer, info.value.credentialHash, info.value.standing) == (
        uni2.address, prerequisite.credential_hash, T.Standing.SUSPENDED)
    c.issuers.propose_issuer_status(k.committee, uni2.address, T.IssuerStatus.ACTIVE)
    c.credentials.issue(k.university, CHECKED_TYPE, subject, rand32(), keys, [prerequisite])


# == finding 8: the committee cannot hold a child its parent already suspended ==========================


def test_finding_8_the_committee_holds_a_child_its_parent_suspended(world: World) -> None:
    c, k = world.c, world.k
    child = child_of(c, k.university)
    c.issuers.set_issuer_status(k.university, child.address, T.IssuerStatus.SUSPENDED)
    receipt = c.issuers.propose_issuer_status(k.committee, child.address, T.IssuerStatus.SUSPENDED)
    node = c.issuers.issuer(child.address).node
    assert {"issuer": child.address, "node": node, "held": True} in [
        e.args for e in decode_events(receipt.logs, crypto=c.chain.crypto) if e.name == "IssuerHoldChanged"]
    with pytest.raises(E.CommitteeHold) as held:
        c.issuers.set_issuer_status(k.university, child.address, T.IssuerStatus.ACTIVE)
    assert held.value.issuer == child.address
    c.issuers.propose_issuer_status(k.committee, child.address, T.IssuerStatus.ACTIVE)  # the committee lifts it
    c.issuers.set_issuer_status(k.university, child.address, T.IssuerStatus.SUSPENDED)


# == finding 10: linear history scans, an exponential prerequisite search =================================


@pytest.mark.slow
def test_finding_10_a_long_status_history_is_searched_not_scanned(world: World) -> None:
    """Time travel over a long history: ``isAuthorized`` at an early block, sent as a transaction to
    measure it, costs about the same with 1 or 129 status entries (v1 scanned from the end: 36,991 gas at
    1 entry, 195,711 at 64, 671,871 at 256)."""
    c, k = world.c, world.k
    uni = k.university.address
    early = world.chain.block_number()
    probe = world.new_key()

    def cost() -> int:
        tx = Transaction(c.issuers.address, c.issuers.encode("isAuthorized", uni, BATCH_TYPE, early), 2_000_000)
        return world.chain.send(probe, tx).gas_used

    short = cost()
    for _ in range(64):
        c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.SUSPENDED)
        c.issuers.propose_issuer_status(k.committee, uni, T.IssuerStatus.ACTIVE)
    assert len(c.issuers.status_history(uni)) >= 129
    long = cost()
    assert c.issuers.is_authorized(uni, BATCH_TYPE, early)
    assert long - short < 25_000  # a linear scan costs about 2,500 gas an entry: 320,000 more here


def test_finding_10_the_prerequisite_search_is_bounded(world: World) -> None:
    """A lattice of 2 types a layer, each requiring both of the layer below (2^n paths): a cycle through it
    is found (each type visited once), an acyclic redefinition over it is cheap, and a type takes at most 8
    prerequisites."""
    c, k = world.c, world.k
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.AUTHORITY)

    def define(type_id: int, prerequisites: list[int], level: int = 1) -> int:
        return c.credentials.define_type(k.committee, type_id, field=1, level=level, allowed_kinds=kinds,
                                         criteria=T.Criteria(), prerequisites=prerequisites).gas_used

    base = 100
    define(base, [])
    layers, next_id = [[base]], 101
    for _ in range(16):
        layer = [next_id, next_id + 1]
        next_id += 2
        for t in layer:
            define(t, layers[-1])
        layers.append(layer)
    with pytest.raises(E.InvalidPrerequisite) as cycle:  # 2^16 paths lead back to the base
        define(base, [layers[-1][0]], level=2)
    assert (cycle.value.typeId, cycle.value.prerequisite) == (base, layers[-1][0])
    top = 900
    define(top, [])
    assert define(top, layers[-1], level=2) < 2_000_000  # v1: 7.1 M gas at 12 layers, doubling per layer
    with pytest.raises(E.TooManyPrerequisites):
        define(999, [100 + i for i in range(9)])


# == finding 9: an anchor and a suspension in one block ==================================================


def test_finding_9_the_anchor_records_the_authority_of_its_block(world: World) -> None:
    c, k = world.c, world.k
    if not hasattr(world.chain, "send_block"):
        pytest.xfail(f"{world.chain.name}: only the embedded chain mines two senders' transactions in one block "
                     "on demand")
    values = [rand32() for _ in range(3)]
    tree = MerkleTree.build(values, hash_function(c.chain.crypto))
    suspend = c.committee.build_propose(
        c.issuers.address, c.issuers.encode("setIssuerStatus", k.university.address, int(T.IssuerStatus.SUSPENDED)))
    receipts = world.chain.send_block([(k.university, c.issuers.build_anchor(BATCH_TYPE, 3, tree.root)),
                                       (k.committee, suspend)])
    assert all(r.succeeded for r in receipts) and receipts[0].block_number == receipts[1].block_number
    block = receipts[0].block_number
    assert c.issuers.is_authorized(k.university.address, BATCH_TYPE, block)
    assert not c.issuers.is_authorized(k.university.address, BATCH_TYPE, block + 1)
    assert c.issuers.status_at(k.university.address, block) == T.IssuerStatus.SUSPENDED  # end of block: exact
    assert c.credentials.verify_batch_credential(k.university.address, tree.root, values[2], 2,
                                                 tree.proof(2)) == T.Verdict.VALID
    # the other order: suspended first, then an anchor in the same block is refused
    c.issuers.propose_issuer_status(k.committee, k.university.address, T.IssuerStatus.ACTIVE)
    suspend_again = c.committee.build_propose(
        c.issuers.address, c.issuers.encode("setIssuerStatus", k.university.address, int(T.IssuerStatus.SUSPENDED)))
    late = world.chain.send_block([(k.committee, suspend_again),
                                   (k.university, c.issuers.build_anchor(BATCH_TYPE, 3, rand32()))])
    assert late[0].succeeded and not late[1].succeeded
    refused = decode_revert(late[1].revert_data or b"", crypto=c.chain.crypto)
    assert isinstance(refused, E.IssuerNotActive)
    assert (refused.issuer, refused.status) == (k.university.address, T.IssuerStatus.SUSPENDED)


# == the leaf index: a Merkle proof must bind the leaf's position ========================================


def test_leaf_index_an_edited_index_fails_verification(world: World) -> None:
    c, k = world.c, world.k
    batch = Batch(world, k.university, n=10)
    proof = batch.tree.proof(6)
    assert c.credentials.verify_leaf(batch.root, batch.values[6], 6, proof)
    for edited in (0, 2, 4, 7, 14, 6 + 16, 6 + 1024):
        assert not c.credentials.verify_leaf(batch.root, batch.values[6], edited, proof), edited
    assert batch.verdict(6, claimed=7) == T.Verdict.PROOF_INVALID
    assert batch.verdict(6, claimed=22) == T.Verdict.INDEX_OUT_OF_RANGE
    assert batch.verdict(6, issuer=k.stranger.address) == T.Verdict.UNKNOWN_BATCH
    rng = random.Random(15)
    for size in (1, 2, 3, 5, 8, 13, 33):
        values = [rng.randbytes(32) for _ in range(size)]
        tree = MerkleTree.build(values, hash_function(c.chain.crypto))
        for i in range(size):
            j = rng.randrange(size + 3)
            assert c.credentials.verify_leaf(tree.root, values[i], j, tree.proof(i)) == (j == i)


def test_cheap_revocation_needs_no_proof_and_touches_only_the_writers_batch(world: World) -> None:
    """revokeLeaf takes no proof: a status written for an index outside the batch is never consulted."""
    c, k = world.c, world.k
    batch = Batch(world, k.university, n=4)
    c.issuers.revoke_leaf(k.university, batch.root, 1_000_000, R.OTHER)  # outside the batch: harmless
    assert [batch.verdict(i) for i in range(4)] == [T.Verdict.VALID] * 4
    c.issuers.revoke_leaf(k.university, batch.root, 2, R.MISCONDUCT)
    assert batch.verdict(2) == T.Verdict.REVOKED
    with pytest.raises(E.LeafIsRevoked):
        c.issuers.revoke_leaf(k.university, batch.root, 2, R.MISCONDUCT)
    with pytest.raises(E.InvalidReason):
        c.issuers.revoke_leaf(k.university, batch.root, 3, R.NONE)
