"""Real chain histories for the index and audit tests, made with the contracts on the embedded chain.

:class:`History` wraps a deployed set of contracts and a cast of issuers; its methods do one thing on
chain each and return what a test needs to assert (block numbers, keys, hashes). :func:`full_history`
exercises every event type of the three contracts.
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
        receipt = _ok(self.c.credentials.anchor(issuer, tree.root, len(hashes), type_id, h("batch-meta")))
        return tree, hashes, receipt

    def issue(
        self, issuer: PrivateKey, type_id: int, subject: bytes, label: str, evidence: list[bytes]
    ) -> tuple[bytes, Receipt]:
        digest = h("credential:" + label)
        return digest, _ok(self.c.credentials.issue(issuer, type_id, subject, digest, evidence))


def full_history(chain: ChainBackend) -> History:
    """Every event type of the three contracts, in a small realistic story."""
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
    # Committee: a second member, threshold 2, a proposal approved by the second member, back to 1.
    _ok(c.issuers.add_member(hist.admin, member2.address))
    _ok(c.issuers.set_threshold(hist.admin, 2))
    hist.add_issuer(uni, K.UNIVERSITY, [1, 2])  # pending: needs the second approval
    pending = c.issuers.proposal_count() - 1
    _ok(c.issuers.approve(member2, pending))
    _ok(c.issuers.propose(hist.admin, c.issuers.address, c.issuers.encode("setThreshold", 1)))
    _ok(c.issuers.approve(member2, c.issuers.proposal_count() - 1))
    _ok(c.issuers.add_member(hist.admin, key("member3").address))
    _ok(c.issuers.remove_member(hist.admin, key("member3").address))
    hist.add_issuer(community, K.COMMUNITY, [1])
    hist.add_issuer(maintainer, K.COMMUNITY, [1])
    hist.add_issuer(enterprise, K.ENTERPRISE, [2])
    _ok(c.issuers.add_child_issuer(uni, college.address, K.UNIVERSITY, [1]))
    _ok(c.issuers.set_issuer_scope(hist.admin, enterprise.address, [1], True))
    hist.set_status(enterprise, S.SUSPENDED)
    hist.set_status(enterprise, S.ACTIVE)
    _ok(c.issuers.set_issuer_status(uni, college.address, S.SUSPENDED))
    _ok(c.issuers.set_issuer_status(uni, college.address, S.ACTIVE))
    # Types: type 1 defined twice (version 2), type 2 once.
    hist.define_type(1)
    hist.define_type(1, min_total=1)
    hist.define_type(2)
    # Contributions, co-signs, a revocation.
    alice, bob = h("subject:alice"), h("subject:bob")
    a_keys = hist.record(community, alice, ["pr/1", "pr/2", "pr/3"])
    b_keys = hist.record(uni, bob, ["pr/10"], kind=types.ContributionKind.DOCS, project="github.com/x/y")
    _ok(c.contributions.co_sign(maintainer, a_keys[0]))
    _ok(c.contributions.co_sign(uni, a_keys[0]))
    _ok(c.contributions.revoke(community, a_keys[2], R.ISSUED_IN_ERROR))
    # Credentials: a batch, a checked issuance, status changes on both.
    tree, hashes, anchored = hist.anchor(uni, 1, ["batch-a", "batch-b", "batch-c"])
    digest, issued = hist.issue(community, 1, alice, "alice-cert", a_keys[:2])
    _ok(c.credentials.set_status(community, digest, CS.SUSPENDED, R.OTHER))
    _ok(c.credentials.set_status(community, digest, CS.VALID, R.NONE))
    _ok(c.credentials.set_leaf_status(uni, tree.root, hashes[1], tree.proof(1), CS.REVOKED, R.MISCONDUCT))
    # An audit report of alice anchored by a committee member (not an issuer).
    report = h("report:alice")
    reported = _ok(c.credentials.anchor_report(member2, report, alice))
    hist.facts.update(
        report=report,
        report_block=reported.block_number,
        report_tx=reported.tx_hash,
        alice=alice,
        bob=bob,
        a_keys=a_keys,
        b_keys=b_keys,
        root=tree.root,
        leaf_hashes=hashes,
        anchor_block=anchored.block_number,
        issued=digest,
        issued_block=issued.block_number,
        keys={"uni": uni, "college": college, "community": community, "maintainer": maintainer,
              "enterprise": enterprise, "member2": member2},
    )
    return hist
