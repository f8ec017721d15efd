"""Real chain histories for the index and audit tests, made with the contracts on the embedded chain.

:class:`History` wraps a deployed set of contracts and a cast of issuers; its methods do one thing on
chain each and return what a test needs to assert (block numbers, keys, hashes). :func:`full_history`
exercises every event type of the four contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger import types
from ledger.chain.base import ChainBackend, Receipt
from ledger.contracts.deployment import Contracts, deploy
from ledger.contracts.send import raise_for_receipt
from ledger.contributions.sources import project_id
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey

K = types.IssuerKind
S = types.IssuerStatus
CS = types.CredentialStatus
R = types.RevocationReason


def key(name: str) -> PrivateKey:
    return PrivateKey(keccak256(b"index-tests:" + name.encode()))


def h(label: str) -> bytes:
    return keccak256(label.encode())


def _ok(receipt: Receipt) -> Receipt:
    raise_for_receipt(receipt)
    return receipt


@dataclass
class History:
    """A deployment plus helpers that write to it."""

    chain: ChainBackend
    admin: PrivateKey = field(default_factory=lambda: key("admin"))
    facts: dict[str, Any] = field(default_factory=dict)
    deployment: Any = None  # given: use those contracts (a workspace's); None: deploy new ones

    def __post_init__(self) -> None:
        if self.deployment is None:
            self.deployment = deploy(self.chain, self.admin)
        self.c = Contracts(self.chain, self.deployment)

    @property
    def head(self) -> int:
        return self.chain.block_number()

    # -- issuers and types ---------------------------------------------------------------------------

    def add_issuer(self, who: PrivateKey, kind: types.IssuerKind, scope: list[int]) -> Receipt:
        return _ok(self.c.issuers.add_issuer(self.admin, who.address, kind, scope, h("meta:" + who.address)))

    def set_status(self, who: PrivateKey, status: types.IssuerStatus) -> int:
        return _ok(self.c.issuers.propose_issuer_status(self.admin, who.address, status)).block_number

    def define_type(self, type_id: int, kinds: types.IssuerKinds | None = None, **criteria: Any) -> int:
        mask = kinds or types.IssuerKinds.of(K.UNIVERSITY, K.COMMUNITY, K.ENTERPRISE, K.AUTHORITY)
        return _ok(
            self.c.credentials.define_type(
                self.admin, type_id, field=3, level=1, allowed_kinds=mask, criteria=types.Criteria(**criteria)
            )
        ).block_number

    # -- contributions -------------------------------------------------------------------------------

    def record(
        self,
        recorder: PrivateKey,
        subject: bytes,
        sources: list[str],
        *,
        kind: types.ContributionKind = types.ContributionKind.CODE,
        project: str = "github.com/fisco-bcos/console",
        evidence: bytes | None = None,
    ) -> list[bytes]:
        items = [
            types.ContributionItem(
                key=h("contribution:" + s),
                subject=subject,
                project=project_id(project),
                kind=kind,
                field=3,
                weight=1,
                occurred_at=1_700_000_000 + i,
                evidence_hash=evidence if evidence is not None else h("evidence:" + s),
            )
            for i, s in enumerate(sources)
        ]
        _ok(self.c.contributions.record(recorder, items))
        return [i.key for i in items]

    # -- credentials ---------------------------------------------------------------------------------

    def anchor(self, issuer: PrivateKey, type_id: int, labels: list[str]) -> tuple[MerkleTree, list[bytes], Receipt]:
        hashes = [h("credential:" + label) for label in labels]
        tree = MerkleTree.build(hashes)
        receipt = _ok(self.c.issuers.anchor(issuer, type_id, len(hashes), tree.root, h("batch-meta")))
        return tree, hashes, receipt

    def child(self, parent: PrivateKey, child: PrivateKey, kind: types.IssuerKind, scope: list[int]) -> Receipt:
        """Two-step: the parent offers, the child key accepts."""
        meta = h("meta:" + child.address)
        _ok(self.c.issuers.offer_child(parent, child.address, kind, scope, meta))
        return _ok(self.c.issuers.accept_child(child, parent.address, kind, scope, meta))

    def issue(
        self, issuer: PrivateKey, type_id: int, subject: bytes, label: str, evidence: list[bytes]
    ) -> tuple[bytes, Receipt]:
        digest = h("credential:" + label)
        return digest, _ok(self.c.credentials.issue(issuer, type_id, subject, digest, evidence))


def full_history(chain: ChainBackend) -> History:
    """Every event type of the four contracts, in a small realistic story (contracts v2)."""
    hist = History(chain)
    uni, college, community, maintainer, enterprise = (
        key("uni"),
        key("college"),
        key("community"),
        key("maintainer"),
        key("enterprise"),
    )
    member2 = key("member2")
    c = hist.c
    com = c.committee
    # Types first (scope is granted against a type's kinds): type 1 defined twice (version 2), type 2 once.
    hist.define_type(1)
    hist.define_type(1, min_total=1)
    hist.define_type(2)
    # Committee: a second member, threshold 2, a proposal approved by the second member, back to 1; a
    # proposal cancelled by its proposer; the window changed.
    _ok(com.add_member(hist.admin, member2.address))
    _ok(com.set_threshold(hist.admin, 2))
    hist.add_issuer(uni, K.UNIVERSITY, [1, 2])  # pending: needs the second approval
    pending = com.proposal_count() - 1
    _ok(com.approve(member2, pending))
    _ok(com.propose(member2, com.address, com.encode("setProposalWindow", 100_000)))
    cancelled = com.proposal_count() - 1
    _ok(com.cancel(member2, cancelled))
    _ok(com.propose(hist.admin, com.address, com.encode("setThreshold", 1)))
    _ok(com.approve(member2, com.proposal_count() - 1))
    _ok(com.set_proposal_window(hist.admin, 50_000))
    _ok(com.add_member(hist.admin, key("member3").address))
    _ok(com.remove_member(hist.admin, key("member3").address))
    hist.add_issuer(community, K.COMMUNITY, [1])
    hist.add_issuer(maintainer, K.COMMUNITY, [1])
    hist.add_issuer(enterprise, K.ENTERPRISE, [2])
    # A child offered and accepted; an offer withdrawn.
    hist.child(uni, college, K.UNIVERSITY, [1])
    _ok(c.issuers.offer_child(uni, key("never").address, K.UNIVERSITY, [1]))
    _ok(c.issuers.cancel_child_offer(uni, key("never").address))
    _ok(c.issuers.set_issuer_scope(hist.admin, enterprise.address, [1], True))
    hist.set_status(enterprise, S.SUSPENDED)  # the committee's suspension holds it
    hist.set_status(enterprise, S.ACTIVE)
    _ok(c.issuers.set_issuer_status(uni, college.address, S.SUSPENDED))
    _ok(c.issuers.set_issuer_status(uni, college.address, S.ACTIVE))
    # Contributions, co-signs (one per organisation), a revocation, a squat released and recorded again.
    alice, bob = h("subject:alice"), h("subject:bob")
    a_keys = hist.record(community, alice, ["pr/1", "pr/2", "pr/3"])
    b_keys = hist.record(uni, bob, ["pr/10"], kind=types.ContributionKind.DOCS, project="github.com/x/y")
    _ok(c.contributions.co_sign(maintainer, a_keys[0]))
    _ok(c.contributions.co_sign(uni, a_keys[0]))
    _ok(c.contributions.revoke(community, a_keys[2], R.ISSUED_IN_ERROR))
    squat = hist.record(maintainer, bob, ["pr/squat"])[0]
    _ok(c.contributions.propose_revoke(hist.admin, squat, R.MISCONDUCT))
    released = _ok(c.contributions.propose_release(hist.admin, squat)).block_number
    hist.record(uni, bob, ["pr/squat"])
    # Bob reviewed alice's first pull request (about it); an award by nominations (type 3): two
    # organisations nominate alice, one withdraws.
    review = types.ContributionItem(h("contribution:review/1"), bob, project_id("github.com/fisco-bcos/console"),
                                    types.ContributionKind.REVIEW, 3, 1, 1_700_000_100, h("evidence:review/1"),
                                    a_keys[0])
    _ok(c.contributions.record(uni, [review]))
    hist.define_type(3, min_nominations=2)
    _ok(c.credentials.nominate(uni, 3, alice))
    _ok(c.credentials.nominate(community, 3, alice))
    _ok(c.credentials.withdraw_nomination(community, 3, alice, c.issuers.organisation_of(community.address)))
    # Credentials: a batch, a checked issuance, status changes on both.
    tree, hashes, anchored = hist.anchor(uni, 1, ["batch-a", "batch-b", "batch-c"])
    digest, issued = hist.issue(community, 1, alice, "alice-cert", a_keys[:2])
    _ok(c.credentials.set_status(community, community.address, digest, CS.SUSPENDED, R.OTHER))
    _ok(c.credentials.set_status(community, community.address, digest, CS.VALID, R.NONE))
    _ok(c.issuers.set_leaves_status(uni, uni.address, tree.root, [1], CS.REVOKED, R.MISCONDUCT))
    _ok(c.issuers.set_leaves_status(uni, uni.address, tree.root, [2], CS.SUSPENDED, R.OTHER))
    # The college's key: a batch, then stolen: the thief revokes a leaf, the parent marks the key and gives
    # the college a new key; the committee restores the leaf; the stolen batch is revoked as a whole.
    c_tree, c_hashes, _c_anchored = hist.anchor(college, 1, ["college-a", "college-b"])
    theft = hist.head + 1
    stolen_tree, _stolen_hashes, stolen = hist.anchor(college, 1, ["stolen-a"])
    _ok(c.issuers.revoke_leaf(college, c_tree.root, 0, R.OTHER))  # by the thief
    marked = _ok(c.issuers.mark_compromised(uni, college.address, theft)).block_number
    college2 = key("college2")
    _ok(c.issuers.offer_successor(uni, college.address, college2.address))
    _ok(c.issuers.cancel_successor_offer(uni, college.address, college2.address))
    _ok(c.issuers.offer_successor(uni, college.address, college2.address))
    rotated = _ok(c.issuers.accept_successor(college2, college.address)).block_number
    _ok(c.issuers.propose_restore_leaves(hist.admin, college.address, c_tree.root, [0], CS.NONE))
    _ok(c.issuers.revoke_batch(college2, college.address, stolen_tree.root, R.KEY_COMPROMISED))
    # An audit report of alice anchored by a committee member (not an issuer).
    report = h("report:alice")
    reported = _ok(c.credentials.anchor_report(member2, report, alice))
    # The deployment names its successor (a newer deployment, same chain).
    newer = deploy(hist.chain, hist.admin, predecessor=com.address)
    superseded = _ok(com.name_successor(hist.admin, newer.committee)).block_number
    hist.facts.update(
        report=report,
        report_block=reported.block_number,
        report_tx=reported.tx_hash,
        alice=alice,
        bob=bob,
        a_keys=a_keys,
        review=review.key,
        b_keys=b_keys,
        squat=squat,
        released_block=released,
        root=tree.root,
        leaf_hashes=hashes,
        anchor_block=anchored.block_number,
        college_root=c_tree.root,
        college_hashes=c_hashes,
        stolen_root=stolen_tree.root,
        stolen_block=stolen.block_number,
        theft=theft,
        marked_block=marked,
        rotated_block=rotated,
        cancelled_proposal=cancelled,
        superseded_block=superseded,
        newer=newer,
        issued=digest,
        issued_block=issued.block_number,
        keys={"uni": uni, "college": college, "college2": college2, "community": community,
              "maintainer": maintainer, "enterprise": enterprise, "member2": member2},
    )
    return hist
