"""Each audit anomaly, found on a real chain history the test makes; and the final chain re-check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from index.history import CS, History, K, R, S, full_history, h, key

from ledger.audit import (
    BATCH_REVOKED,
    CONTRIBUTION_CLAIMED_TWICE,
    CONTRIBUTION_RELEASED,
    EVIDENCE_RECORDED_BY_COMPROMISED_KEY,
    EVIDENCE_REVOKED_AFTER_ISSUANCE,
    INDEX_DISAGREES_WITH_CHAIN,
    ISSUED_WHILE_ISSUER_SUSPENDED,
    ISSUER_COMPROMISED,
    PROPOSAL_CANCELLED,
    PROPOSAL_EXPIRED,
    REVOKED_THEN_REISSUED,
    Auditor,
    ChainLogCheck,
    ContractsCheck,
)
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts.send import raise_for_receipt
from ledger.index import Index


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[History, dict]]:
    with EmbeddedChain(None) as chain:
        hist = History(chain)
        c = hist.c
        community, sloppy, maintainer = key("a-community"), key("a-sloppy"), key("a-maintainer")
        hist.define_type(1)
        hist.define_type(2)
        hist.add_issuer(community, K.COMMUNITY, [1, 2])
        hist.add_issuer(sloppy, K.COMMUNITY, [1])
        hist.add_issuer(maintainer, K.COMMUNITY, [1])
        alice, bob, carol, dave, erin = (h(f"subject:{n}") for n in ("alice", "bob", "carol", "dave", "erin"))
        facts: dict = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin}

        # Alice: a credential resting on two contributions, one revoked after issuance.
        a_keys = hist.record(community, alice, ["alice/pr/1", "alice/pr/2"])
        raise_for_receipt(c.contributions.co_sign(maintainer, a_keys[0]))
        facts["alice_cred"], issued = hist.issue(community, 1, alice, "alice-1", a_keys)
        facts["alice_issued"] = issued.block_number
        facts["alice_revoked_key"] = a_keys[1]
        facts["alice_revoked_at"] = c.contributions.revoke(community, a_keys[1], R.MISCONDUCT).block_number

        # Bob: a credential revoked, then another of the same type issued.
        facts["bob_old"], bob_issued = hist.issue(community, 2, bob, "bob-1", [])
        bob_revoked = c.credentials.set_status(community, community.address, facts["bob_old"], CS.REVOKED,
                                               R.ISSUED_IN_ERROR)
        raise_for_receipt(bob_revoked)
        facts.update(bob_old_block=bob_issued.block_number, bob_revoked_block=bob_revoked.block_number)
        facts["bob_new"], _ = hist.issue(community, 2, bob, "bob-2", [])

        # Carol and Dave: one piece of work recorded for both, under two different keys.
        same = h("evidence:the same merged PR")
        facts["carol_key"] = hist.record(community, carol, ["github.com/a/b/pull/7"], evidence=same)[0]
        facts["dave_key"] = hist.record(community, dave, ["github.com/a/b/commit/abc123"], evidence=same)[0]

        # Erin: her issuer, also a committee member, issues and is suspended in the same block (finding 9).
        raise_for_receipt(c.committee.add_member(hist.admin, sloppy.address))
        digest = h("credential:erin-1")
        suspend = c.issuers.encode("setIssuerStatus", sloppy.address, int(S.SUSPENDED))
        receipts = chain.send_many(sloppy, [
            c.credentials.build_issue(1, erin, digest, []),
            c.committee.build_propose(c.issuers.address, suspend),
        ])
        for r in receipts:
            raise_for_receipt(r)
        assert receipts[0].block_number == receipts[1].block_number
        facts.update(erin_cred=digest, erin_block=receipts[0].block_number, sloppy=sloppy.address)
        yield hist, facts


@pytest.fixture()
def auditor(world: tuple[History, dict]) -> Iterator[Auditor]:
    hist, _ = world
    with Index.open(None) as ix:
        ix.sync(hist.chain, hist.deployment)
        yield Auditor(ix.reader, chain=ContractsCheck(hist.c), chain_info={"chain_id": 1337})


def _codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(a.code for a in report.anomalies)


def test_issued_in_the_block_of_its_issuers_suspension_stays_valid(
    world: tuple[History, dict], auditor: Auditor
) -> None:
    # Finding 9 of issue 15: the issuance came first in the block, so the contract accepted it and its
    # authority is that of the issuance itself: no ISSUED_WHILE_ISSUER_SUSPENDED any more.
    hist, f = world
    with Index.open(None) as ix:
        ix.sync(hist.chain, hist.deployment)
        before = Auditor(ix.reader, at=f["erin_block"] - 1).subject(f["erin"]).credentials[0]
        assert before.valid_at is False and before.authorization["authorized_at"] is True
        assert "not yet issued" in before.reason
        after = Auditor(ix.reader, at=f["erin_block"] + 1).subject(f["erin"]).credentials[0]
        assert after.valid_at is True and after.authorization["authorized_at"] is False
    report = auditor.subject(f["erin"])
    (cred,) = report.credentials
    assert _codes(report) == [] and ISSUED_WHILE_ISSUER_SUSPENDED not in cred.reason
    assert cred.valid and cred.authorization["authorized"] is True
    # The registry agrees: authorised for the issuing block (any moment of it counts), not after.
    assert hist.c.issuers.is_authorized(f["sloppy"], 1, f["erin_block"]) is True
    assert hist.c.issuers.is_authorized(f["sloppy"], 1, f["erin_block"] + 1) is False
    assert cred.chain_checked and report.summary()["verdict"] == "PASS"


def test_evidence_revoked_after_issuance(world: tuple[History, dict], auditor: Auditor) -> None:
    _, f = world
    report = auditor.subject(f["alice"])
    (cred,) = report.credentials
    assert cred.valid  # the credential itself stands; the reader is warned
    (anomaly,) = cred.anomalies
    assert anomaly.code == EVIDENCE_REVOKED_AFTER_ISSUANCE
    assert anomaly.related == ("0x" + f["alice_revoked_key"].hex(),)
    assert anomaly.block_number == f["alice_revoked_at"] > f["alice_issued"]
    assert EVIDENCE_REVOKED_AFTER_ISSUANCE in cred.reason
    revoked = [e for e in cred.evidence if e.revoked]
    assert len(revoked) == 1 and revoked[0].revoked["reason"] == "Misconduct"
    assert [len(e.cosigners) for e in cred.evidence] == [1, 0]


def test_revoked_then_reissued(world: tuple[History, dict], auditor: Auditor) -> None:
    _, f = world
    report = auditor.subject(f["bob"])
    by_hash = {c.hash: c for c in report.credentials}
    old, new = by_hash["0x" + f["bob_old"].hex()], by_hash["0x" + f["bob_new"].hex()]
    assert not old.valid and old.status_now == "revoked" and "REVOKED" in old.reason
    assert new.valid
    assert [a.code for a in new.anomalies] == [REVOKED_THEN_REISSUED]
    assert new.anomalies[0].related == (old.hash, new.hash)
    assert old.anomalies == ()
    assert report.summary()["invalid"] == 1


def test_contribution_claimed_by_two_subjects(world: tuple[History, dict], auditor: Auditor) -> None:
    _, f = world
    for subject, mine, other in (("carol", "carol_key", "dave_key"), ("dave", "dave_key", "carol_key")):
        report = auditor.subject(f[subject])
        assert _codes(report) == [CONTRIBUTION_CLAIMED_TWICE]
        assert report.anomalies[0].related == ("0x" + f[mine].hex(), "0x" + f[other].hex())


def test_unknown_subject_gives_an_empty_report_that_is_not_a_pass(auditor: Auditor) -> None:
    report = auditor.subject(h("subject:nobody"))
    assert report.credentials == () and report.anomalies == () and report.contributions == ()
    assert report.summary()["verdict"] == "NONE" and not report.passed  # nothing vetted is not a pass


@pytest.mark.parametrize("check", [ContractsCheck, ChainLogCheck])
def test_final_verdict_rechecks_the_chain(world: tuple[History, dict], check: type) -> None:
    hist, f = world
    with Index.open(None) as ix:
        ix.sync(hist.chain, hist.deployment)
        # Someone edits the index: Bob's revocation disappears from it.
        ix.conn.execute("DELETE FROM credential_status WHERE credential_hash = ?", ("0x" + f["bob_old"].hex(),))
        index_only = Auditor(ix.reader).subject(f["bob"])
        assert all(c.valid for c in index_only.credentials) and not index_only.chain_rechecked
        checked = Auditor(ix.reader, chain=check(hist.c)).subject(f["bob"])
        old = next(c for c in checked.credentials if c.hash == "0x" + f["bob_old"].hex())
        assert not old.valid and old.status_now == "revoked"
        assert INDEX_DISAGREES_WITH_CHAIN in [a.code for a in old.anomalies]
        assert checked.chain_rechecked and checked.summary()["verdict"] == "FAIL"


def test_time_travel_in_the_audit(world: tuple[History, dict]) -> None:
    hist, f = world
    old_hash = "0x" + f["bob_old"].hex()
    with Index.open(None) as ix:
        ix.sync(hist.chain, hist.deployment)

        def old_at(block: int):  # type: ignore[no-untyped-def]
            report = Auditor(ix.reader, at=block, at_spec=str(block)).subject(f["bob"])
            return next(c for c in report.credentials if c.hash == old_hash)

        before = old_at(f["bob_old_block"] - 1)
        assert (before.valid_at, before.status_at) == (False, "not yet issued")
        issued = old_at(f["bob_old_block"])
        assert (issued.valid_at, issued.status_at) == (True, "active")
        assert issued.authorization["authorized_at"] is True and issued.authorization["at_block"] == f["bob_old_block"]
        revoked = old_at(f["bob_revoked_block"])
        assert (revoked.valid_at, revoked.status_at) == (False, "revoked")
        assert revoked.status_now == issued.status_now == "revoked"
        assert f"at block {f['bob_revoked_block']}: not valid" in revoked.reason


def test_an_unreachable_chain_leaves_the_index_answer_marked(world: tuple[History, dict]) -> None:
    from ledger.errors import NodeUnreachable

    class Down:
        def status(self, *args: object) -> str:
            raise NodeUnreachable("http://127.0.0.1:9", "connection refused")

        exists = authorized = status

    hist, f = world
    with Index.open(None) as ix:
        ix.sync(hist.chain, hist.deployment)
        report = Auditor(ix.reader, chain=Down()).subject(f["alice"])  # type: ignore[arg-type]
    assert report.credentials[0].valid and not report.credentials[0].chain_checked
    assert not report.chain_rechecked and "index only" in report.summary()["text"]


# -- contracts v2: compromised keys, revoked batches, released keys, cancelled and expired proposals ----


@pytest.fixture(scope="module")
def stolen() -> Iterator[tuple[History, dict]]:
    """A committee of two (threshold 2, a window of 4 blocks); uni's key is stolen at block ``theft``: the
    thief records a contribution and issues a credential with it; the committee marks the key compromised
    since ``theft``. Two proposals against uni: one cancelled by its proposer, one left to expire."""
    with EmbeddedChain(None) as chain:
        hist = History(chain)
        c, com = hist.c, hist.c.committee
        uni, member2 = key("s-uni"), key("s-member2")
        hist.define_type(1)
        hist.add_issuer(uni, K.COMMUNITY, [1])
        raise_for_receipt(com.add_member(hist.admin, member2.address))
        raise_for_receipt(com.set_threshold(hist.admin, 2))
        raise_for_receipt(com.propose(hist.admin, com.address, com.encode("setProposalWindow", 4)))
        raise_for_receipt(com.approve(member2, com.proposal_count() - 1))
        suspend = c.issuers.encode("setIssuerStatus", uni.address, int(S.SUSPENDED))
        raise_for_receipt(com.propose(hist.admin, c.issuers.address, suspend))
        cancelled = com.proposal_count() - 1
        cancelled_at = raise_for_receipt_block(com.cancel(hist.admin, cancelled))
        raise_for_receipt(com.propose(member2, c.issuers.address, suspend))
        expired = com.proposal_count() - 1
        frank, eve = h("subject:s-frank"), h("subject:s-eve")
        honest = hist.record(uni, frank, ["s/frank/1"])
        theft = hist.head + 1
        stolen_keys = hist.record(uni, eve, ["s/eve/1"])  # by the thief
        forged, forged_receipt = hist.issue(uni, 1, eve, "s-eve-forged", stolen_keys)
        mark = c.issuers.encode("markCompromised", uni.address, theft)
        raise_for_receipt(com.propose(hist.admin, c.issuers.address, mark))
        marked = raise_for_receipt_block(com.approve(member2, com.proposal_count() - 1))
        for _ in range(5):  # past the expired proposal's window
            hist.define_type(9)
        yield hist, {"uni": uni.address, "member2": member2.address, "frank": frank, "eve": eve, "theft": theft,
                     "honest": honest[0], "stolen": stolen_keys[0], "forged": forged,
                     "forged_block": forged_receipt.block_number, "marked": marked, "cancelled": cancelled,
                     "cancelled_at": cancelled_at, "expired": expired}


def raise_for_receipt_block(receipt) -> int:  # type: ignore[no-untyped-def]
    raise_for_receipt(receipt)
    return int(receipt.block_number)


def _synced(hist: History) -> Index:
    ix = Index.open(None)
    ix.sync(hist.chain, hist.deployment)
    return ix


def test_a_compromised_issuer_is_shown_with_when_and_by_whom(stolen: tuple[History, dict]) -> None:
    hist, f = stolen
    with _synced(hist) as ix:
        report = Auditor(ix.reader, chain=ContractsCheck(hist.c)).subject(f["eve"])
    (cred,) = report.credentials
    assert not cred.valid and "ISSUER_COMPROMISED" in cred.reason
    assert {s.name: s.code for s in cred.steps}["issuer_authorized"] == "ISSUER_COMPROMISED"
    compromised = [a for a in report.anomalies if a.code == ISSUER_COMPROMISED]
    assert compromised and compromised[0].block_number == f["marked"]
    assert compromised[0].related == (f["uni"], hist.c.committee.address)  # by the committee
    assert f"since block {f['theft']}" in compromised[0].message
    # The thief's contribution proves nothing; the honest one before the theft stands.
    codes = _codes(report)
    assert EVIDENCE_RECORDED_BY_COMPROMISED_KEY in codes
    (item,) = cred.evidence
    assert item.recorder_compromised and item.recorder == f["uni"]
    with _synced(hist) as ix:
        frank = Auditor(ix.reader).subject(f["frank"])
    assert EVIDENCE_RECORDED_BY_COMPROMISED_KEY not in _codes(frank)
    assert all(not c.recorder_compromised for c in frank.contributions)


def test_cancelled_and_expired_proposals_are_shown_in_the_issuers_report(stolen: tuple[History, dict]) -> None:
    hist, f = stolen
    with _synced(hist) as ix:
        report = Auditor(ix.reader).issuer(f["uni"])
    by_code = {a.code: a for a in report.anomalies}
    cancelled, expired = by_code[PROPOSAL_CANCELLED], by_code[PROPOSAL_EXPIRED]
    assert cancelled.related == (str(f["cancelled"]),) and cancelled.block_number == f["cancelled_at"]
    assert f"cancelled at block {f['cancelled_at']} by {hist.admin.address}" in cancelled.message
    assert expired.related == (str(f["expired"]),) and f"by {f['member2']}" in expired.message
    assert "expired unexecuted" in expired.message and "1 approval(s)" in expired.message
    assert ISSUER_COMPROMISED in by_code
    states = {p["id"]: p["state"] for p in report.issuer["proposals"]}
    assert (states[f["cancelled"]], states[f["expired"]]) == ("Cancelled", "Expired")


@pytest.fixture(scope="module")
def story() -> Iterator[History]:
    with EmbeddedChain(None) as chain:
        yield full_history(chain)


def test_a_revoked_batch_and_a_compromised_key_in_the_issuers_report(story: History) -> None:
    f = story.facts
    with _synced(story) as ix:
        report = Auditor(ix.reader, chain=ContractsCheck(story.c)).issuer(f["keys"]["college2"].address)
    by_code = {a.code: a for a in report.anomalies}
    revoked = by_code[BATCH_REVOKED]
    assert revoked.related == ("0x" + f["stolen_root"].hex(), f["keys"]["college"].address,
                               f["keys"]["college2"].address)
    assert "(KeyCompromised)" in revoked.message and "void" not in revoked.message
    marked = by_code[ISSUER_COMPROMISED]
    assert marked.block_number == f["marked_block"]
    assert marked.related == (f["keys"]["college"].address, f["keys"]["uni"].address)  # by the parent
    # The leaf the thief revoked, restored by the committee: valid.
    (leaf,) = report.credentials
    assert leaf.valid and leaf.anchor["root"] == "0x" + f["college_root"].hex()


def test_a_released_contribution_key_is_shown(story: History) -> None:
    f = story.facts
    with _synced(story) as ix:
        report = Auditor(ix.reader).subject(f["bob"])
    (released,) = [a for a in report.anomalies if a.code == CONTRIBUTION_RELEASED]
    assert released.block_number == f["released_block"] and released.related == ("0x" + f["squat"].hex(),)
    assert "released by the committee" in released.message and "generation 1" in released.message
    generations = sorted(c.generation for c in report.contributions if c.key == "0x" + f["squat"].hex())
    assert generations == [0, 1]
