"""Verification steps: every kind of tampering is caught with its own reason code."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from ledger.credentials.document import Credential, CredentialTemplate
from ledger.credentials.parse import parse_credential
from ledger.credentials.parts import Evidence
from ledger.credentials.proof import CHECKED_PROOF, ChainRef, CredentialProof
from ledger.errors import VerificationError
from ledger.verify.chainview import (
    AnchorRecord,
    Authorization,
    CachedChainView,
    ChainView,
    CredentialRef,
    IssuanceRecord,
    KeyCompromise,
    StatusChange,
    StatusRecord,
)
from ledger.verify.report import STEPS, CredentialReport
from ledger.verify.snapshot import StaticChainView
from ledger.verify.verifier import verify_credential, verify_many
from tests.credentials.credential_fixtures import (
    ANCHOR_BLOCK,
    CHAIN_ID,
    CONTRACT,
    ISSUER,
    NOW,
    TYPE_ID,
    proof_payload,
    set_proof_payload,
)

OTHER = "0x" + "ee" * 20


def _doc(credential: Credential) -> dict[str, Any]:
    return credential.document()


def _text(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


def _codes(report: CredentialReport) -> dict[str, str]:
    return {s.name: s.code for s in report.steps}


def test_good_credential_passes_every_step(batch: list[Credential], chain: StaticChainView) -> None:
    assert isinstance(chain, ChainView)
    for credential in batch:
        report = verify_credential(credential.to_json(), chain, now=NOW, label="c.json")
        assert [s.name for s in report.steps] == list(STEPS)
        assert report.valid and report.verdict == "valid", report.failures
        assert _codes(report) == {
            "format": "FORMAT_OK",
            "integrity": "HASH_OK",
            "inclusion": "PROOF_OK",
            "anchoring": "ANCHORED",
            "issuer_authorized": "AUTHORIZED",
            "issuer_domain": "NOT_APPLICABLE",  # these issuers name no web domain
            "status": "ACTIVE",
            "criteria": "NOT_APPLICABLE",
            "expiry": "IN_VALIDITY_PERIOD",
        }
        assert report.as_of_block == 100 and report.chain_id == CHAIN_ID and report.source == "c.json"
        data = json.loads(json.dumps(report.to_dict()))
        assert data["valid"] is True and data["credential_hash"] == "0x" + credential.hash.hex()


def test_offline_verification_is_incomplete_not_valid(batch: list[Credential]) -> None:
    report = verify_credential(batch[0].to_json(), now=NOW)
    assert report.verdict == "incomplete" and not report.valid and report.valid_offline
    assert {report.step(n).code for n in ("anchoring", "issuer_authorized", "status")} == {"OFFLINE"}


def _tampered(batch: list[Credential], chain: StaticChainView) -> dict[str, tuple[Any, StaticChainView]]:
    """Each kind of tampering: (document text, chain) that should fail with the named code."""
    good = batch[2]
    proof = good.proof
    assert proof is not None and proof.batch_root is not None
    cases: dict[str, tuple[Any, StaticChainView]] = {}

    changed = _doc(good)
    changed["credentialSubject"]["achievement"]["name"] = "Blockchain Architect"
    cases["HASH_MISMATCH"] = (_text(changed), chain)

    # The forger also fixes up credentialHash: now the Merkle path no longer leads to the root.
    forged = parse_credential(_text(changed))
    cases["PROOF_INVALID"] = (forged.with_proof(replace(proof, credential_hash=forged.hash)).to_json(), chain)

    wrong = _doc(good)
    payload = proof_payload(wrong)
    sibling = payload["merklePath"][0]
    payload["merklePath"][0] = sibling[:-1] + ("0" if sibling[-1] != "0" else "1")
    set_proof_payload(wrong, payload)
    cases["PROOF_INVALID/wrong sibling"] = (_text(wrong), chain)

    # The positional tree binds the index: a path presented as another leaf's leads to another root.
    renumbered = _doc(good)
    payload = proof_payload(renumbered)
    payload["leafIndex"] = 3
    set_proof_payload(renumbered, payload)
    cases["PROOF_INVALID/edited leaf index"] = (_text(renumbered), chain)

    truncated = _doc(good)
    payload = proof_payload(truncated)
    payload["merklePath"] = payload["merklePath"][:-1]
    set_proof_payload(truncated, payload)
    cases["PROOF_TRUNCATED"] = (_text(truncated), chain)

    # Without its proof a credential of profile 2 has no salts, so nothing to hash: not a credential.
    bare = _doc(good)
    del bare["proof"]
    cases["FORMAT_INVALID/no proof"] = (_text(bare), chain)

    cases["ROOT_UNKNOWN"] = (good.to_json(), replace(chain, anchors=()))

    # Anchored by the document's issuer, who was not (yet) authorised for the type at that block.
    late = replace(chain, authorizations=[Authorization(ISSUER, TYPE_ID, since=ANCHOR_BLOCK + 1)])
    cases["ISSUER_NOT_AUTHORIZED"] = (good.to_json(), late)
    suspended = replace(chain, authorizations=[Authorization(ISSUER, TYPE_ID, since=0, until=ANCHOR_BLOCK)])
    cases["ISSUER_NOT_AUTHORIZED/suspended before"] = (good.to_json(), suspended)
    other_type = replace(chain, authorizations=[Authorization(ISSUER, TYPE_ID + 1, since=0)])
    cases["ISSUER_NOT_AUTHORIZED/other type"] = (good.to_json(), other_type)

    stolen = replace(chain, anchors=[AnchorRecord(proof.batch_root, OTHER, TYPE_ID, ANCHOR_BLOCK)])
    cases["ISSUER_MISMATCH"] = (good.to_json(), stolen)
    retyped = replace(chain, anchors=[AnchorRecord(proof.batch_root, ISSUER, TYPE_ID + 1, ANCHOR_BLOCK)])
    cases["TYPE_MISMATCH"] = (good.to_json(), retyped)
    cases["CHAIN_MISMATCH"] = (good.to_json(), replace(chain, chain=CHAIN_ID + 1))

    moved = _doc(good)
    payload = proof_payload(moved)
    payload["anchorBlock"] = ANCHOR_BLOCK + 3
    set_proof_payload(moved, payload)
    cases["ANCHOR_MISMATCH"] = (_text(moved), chain)
    # The issuer anchored the root with another count than the proof's batch size (sorted pairs do not
    # bind a leaf's position, so the size is bound by the anchor's count).
    recounted = replace(chain, anchors=[AnchorRecord(proof.batch_root, ISSUER, TYPE_ID, ANCHOR_BLOCK, len(batch) + 1)])
    cases["ANCHOR_MISMATCH/batch size"] = (good.to_json(), recounted)

    revoked = replace(chain, status_changes=[StatusChange(good.hash, "revoked", 60, "misconduct")])
    cases["REVOKED"] = (good.to_json(), revoked)
    leaf = replace(chain, status_changes=[StatusChange(b"\0" * 32, "revoked", 60, "misconduct", proof.batch_root, 2,
                                                       ISSUER)])
    cases["REVOKED/by root and leaf index"] = (good.to_json(), leaf)
    # The key that anchored the batch was reported stolen since a block at or before the anchor.
    cases["ISSUER_COMPROMISED"] = (good.to_json(), replace(chain, compromises=[KeyCompromise(ISSUER, ANCHOR_BLOCK)]))
    whole = replace(chain, anchors=[replace(chain.anchors[0], revoked_block=60, revoked_reason="misconduct",
                                            revoked_by=OTHER)])
    cases["BATCH_REVOKED"] = (good.to_json(), whole)
    cases["DEPLOYMENT_SUPERSEDED"] = (good.to_json(), replace(chain, superseded={CONTRACT: ANCHOR_BLOCK - 1}))
    paused = replace(chain, status_changes=[StatusChange(good.hash, "suspended", 55, "other")])
    cases["SUSPENDED"] = (good.to_json(), paused)

    expired = _doc(good)
    cases["FORMAT_INVALID"] = (_text({**expired, "issuer": "did:web:example.edu"}), chain)
    return cases


def test_each_tampering_has_its_own_code(batch: list[Credential], chain: StaticChainView) -> None:
    from ledger.verify.report import REASON_CODES

    for label, (text, view) in _tampered(batch, chain).items():
        expected = label.split("/")[0]
        report = verify_credential(text, view, now=NOW)
        assert not report.valid, label
        assert [f.code for f in report.failures] == [expected], (label, report.failures)
        for step in report.steps:
            assert step.code in REASON_CODES[step.name] + REASON_CODES["any"], step


def test_failures_name_what_went_wrong(batch: list[Credential], chain: StaticChainView) -> None:
    cases = _tampered(batch, chain)
    text, view = cases["REVOKED"]
    step = verify_credential(text, view, now=NOW).step("status")
    assert step.details["reason"] == "misconduct" and step.details["block"] == 60
    assert "misconduct" in step.message and "60" in step.message
    text, view = cases["FORMAT_INVALID"]
    report = verify_credential(text, view, now=NOW)
    assert report.step("format").details["path"] == "issuer"
    assert all(s.code == "PRECONDITION_FAILED" for s in report.steps[1:])
    text, view = cases["PROOF_TRUNCATED"]
    step = verify_credential(text, view, now=NOW).step("inclusion")
    assert step.details["found"] == step.details["expected"] - 1
    text, view = cases["ISSUER_NOT_AUTHORIZED"]
    step = verify_credential(text, view, now=NOW).step("issuer_authorized")
    assert step.details["block"] == ANCHOR_BLOCK and step.details["type_id"] == TYPE_ID


def test_tampered_integrity_blocks_online_steps(batch: list[Credential], chain: StaticChainView) -> None:
    text, view = _tampered(batch, chain)["HASH_MISMATCH"]
    report = verify_credential(text, view, now=NOW)
    assert report.step("anchoring").code == "PRECONDITION_FAILED"
    assert report.step("status").code == "PRECONDITION_FAILED"


def test_status_at_a_block_and_reinstatement(batch: list[Credential], chain: StaticChainView) -> None:
    good = batch[4]
    history = [
        StatusChange(good.hash, "suspended", 50, "other"),
        StatusChange(good.hash, "reinstated", 70),
        StatusChange(good.hash, "revoked", 90, "issued_in_error"),
    ]
    view = replace(chain, status_changes=history)
    at = {
        block: verify_credential(good.to_json(), view, now=NOW, at_block=block) for block in (45, 60, 80, 95)
    }
    assert at[45].step("status").code == "ACTIVE" and at[45].valid
    assert at[60].step("status").code == "SUSPENDED"
    assert at[80].step("status").code == "REINSTATED" and at[80].valid and at[80].as_of_block == 80
    assert at[95].step("status").code == "REVOKED"
    assert (
        verify_credential(good.to_json(), view, now=NOW).step("status").details["reason"] == "issued_in_error"
    )


def test_expiry_uses_the_injected_now(batch: list[Credential], chain: StaticChainView) -> None:
    text = batch[0].to_json()
    late = verify_credential(text, chain, now=datetime(2030, 6, 30, tzinfo=timezone.utc))
    assert [f.code for f in late.failures] == ["EXPIRED"]
    early = verify_credential(text, chain, now=datetime(2026, 6, 29, 23, 59, tzinfo=timezone.utc))
    assert [f.code for f in early.failures] == ["NOT_YET_VALID"]
    assert verify_credential(text, chain, now=datetime(2030, 6, 29, 23, 59, 59, tzinfo=timezone.utc)).valid
    with pytest.raises(VerificationError, match="timezone"):
        verify_credential(text, chain, now=datetime(2027, 1, 1))


def test_not_json_raises(chain: StaticChainView) -> None:
    with pytest.raises(VerificationError, match="not a JSON document"):
        verify_credential(b"\x00\x01garbage", chain, label="broken.json")


@pytest.fixture
def checked(template: CredentialTemplate) -> tuple[Credential, StaticChainView, list[bytes]]:
    keys = [os.urandom(32) for _ in range(3)]
    credential = template.stamp(os.urandom(32), evidence=[Evidence(k) for k in keys])
    proof = CredentialProof(
        CHECKED_PROOF,
        credential.hash,
        ChainRef("embedded", CHAIN_ID),
        CONTRACT,
        issue_transaction=b"\x33" * 32,
        issue_block=30,
    )
    record = IssuanceRecord(
        credential.hash,
        ISSUER,
        credential.subject,
        TYPE_ID,
        30,
        type_version=2,
        transaction=b"\x33" * 32,
        contribution_keys=tuple(reversed(keys)),
    )
    view = StaticChainView(
        CHAIN_ID, 100, issuances=[record], authorizations=[Authorization(ISSUER, TYPE_ID, 0)]
    )
    return credential.with_proof(proof), view, keys


def test_checked_certificate(checked: tuple[Credential, StaticChainView, list[bytes]]) -> None:
    credential, view, keys = checked
    report = verify_credential(credential.to_json(), view, now=NOW)
    assert report.valid, report.failures
    assert _codes(report)["anchoring"] == "ISSUED" and _codes(report)["criteria"] == "CRITERIA_CHECKED"
    assert _codes(report)["inclusion"] == "NOT_APPLICABLE"
    (record,) = view.issuances

    def fails_with(v: StaticChainView, text: bytes | str | None = None) -> list[str]:
        return [f.code for f in verify_credential(text or credential.to_json(), v, now=NOW).failures]

    assert fails_with(replace(view, issuances=())) == ["NOT_ISSUED"]
    assert fails_with(replace(view, issuances=[replace(record, subject=os.urandom(32))])) == [
        "SUBJECT_MISMATCH"
    ]
    assert fails_with(replace(view, issuances=[replace(record, contribution_keys=(keys[0],))])) == [
        "EVIDENCE_MISMATCH"
    ]
    assert fails_with(replace(view, issuances=[replace(record, type_version=1)])) == ["TYPE_MISMATCH"]
    assert fails_with(replace(view, issuances=[replace(record, issuer=OTHER)])) == ["ISSUER_MISMATCH"]
    assert fails_with(replace(view, authorizations=())) == ["ISSUER_NOT_AUTHORIZED"]
    unknown_keys = replace(view, issuances=[replace(record, contribution_keys=None)])
    assert verify_credential(credential.to_json(), unknown_keys, now=NOW).valid
    revoked = replace(view, status_changes=[StatusChange(credential.hash, "revoked", 80, "misconduct")])
    assert fails_with(revoked) == ["REVOKED"]
    doc = credential.document()
    del doc["evidence"]
    payload = proof_payload(doc)
    del payload["disclosures"]["evidence"]
    set_proof_payload(doc, payload)
    stripped = parse_credential(json.dumps(doc))
    assert credential.proof is not None
    text = stripped.with_proof(replace(credential.proof, credential_hash=stripped.hash)).to_json()
    recorded = replace(view, issuances=[replace(record, credential_hash=stripped.hash)])
    assert fails_with(recorded, text) == ["EVIDENCE_MISSING"]


class CountingView(StaticChainView):
    calls: list[str]

    def anchor(self, issuer: str, root: bytes, contract: str | None = None) -> AnchorRecord | None:
        self.calls.append("anchor")
        return super().anchor(issuer, root, contract)

    def is_authorized(self, issuer: str, type_id: int, block: int, contract: str | None = None) -> bool:
        self.calls.append("auth")
        return super().is_authorized(issuer, type_id, block, contract)

    def compromised_since(self, key: str, contract: str | None = None) -> int | None:
        self.calls.append("compromised")
        return super().compromised_since(key, contract)


def test_verify_many_asks_once_per_batch(batch: list[Credential], chain: StaticChainView) -> None:
    view = CountingView(chain.chain, chain.head, chain.anchors, chain.authorizations)
    object.__setattr__(view, "calls", [])
    reports = verify_many([(f"{i}.json", c.to_json()) for i, c in enumerate(batch)], view, now=NOW)
    assert all(r.valid for r in reports) and [r.source for r in reports] == [f"{i}.json" for i in range(7)]
    assert view.calls == ["anchor", "compromised", "auth"]
    cached = CachedChainView(view)
    assert cached.status(CredentialRef(ISSUER, batch[0].hash)) == StatusRecord()


def test_unknown_status_from_a_view_is_an_error(batch: list[Credential], chain: StaticChainView) -> None:
    weird = replace(chain, status_changes=[StatusChange(batch[0].hash, "frozen", 50)])
    with pytest.raises(VerificationError, match="unknown status"):
        verify_credential(batch[0].to_json(), weird, now=NOW)


def test_snapshot_bundle_verifies_without_the_chain(
    batch: list[Credential], chain: StaticChainView, checked: tuple[Credential, StaticChainView, list[bytes]]
) -> None:
    from ledger.errors import ValidationError
    from ledger.verify.snapshot import snapshot

    certificate, checked_view, _ = checked
    live = replace(
        chain,
        status_changes=[StatusChange(batch[1].hash, "suspended", 50, "other")],
        issuances=checked_view.issuances,
    )
    bundle = snapshot([*batch, certificate], live)
    restored = StaticChainView.from_dict(json.loads(json.dumps(bundle.to_dict())))
    assert restored == bundle and not restored.history_complete
    for credential in [*batch, certificate]:
        expected = verify_credential(credential.to_json(), live, now=NOW)
        got = verify_credential(credential.to_json(), restored, now=NOW)
        assert [(s.name, s.code) for s in got.steps] == [(s.name, s.code) for s in expected.steps]
    assert [f.code for f in verify_credential(batch[1].to_json(), restored, now=NOW).failures] == [
        "SUSPENDED"
    ]
    assert len(restored.anchors) == 1 and {a.since for a in restored.authorizations} == {ANCHOR_BLOCK, 30}
    with pytest.raises(VerificationError, match="as of block 100 only"):
        verify_credential(batch[0].to_json(), restored, now=NOW, at_block=60)
    with pytest.raises(ValidationError, match="not a verification bundle"):
        StaticChainView.from_dict({"type": "LedgerVerificationBundle", "chainId": "1"})
    with pytest.raises(ValidationError, match="not a verification bundle"):
        StaticChainView.from_dict({**bundle.to_dict(), "anchors": [{"root": "0x00", "bogus": 1}]})


def test_a_proof_naming_another_deployments_contract_is_refused(
    batch: list[Credential], chain: StaticChainView
) -> None:
    text = batch[0].to_json()
    assert verify_credential(text, chain, now=NOW).valid  # a view that does not know its deployment
    ours = replace(chain, addresses=frozenset({CONTRACT.lower(), "0x" + "aa" * 20}))
    assert verify_credential(text, ours, now=NOW).valid
    theirs = replace(chain, addresses=frozenset({"0x" + "bb" * 20}))
    report = verify_credential(text, theirs, now=NOW)
    assert not report.valid and report.step("anchoring").code == "CONTRACT_MISMATCH"
    assert CONTRACT in report.step("anchoring").message
    bundle = StaticChainView.from_dict(json.loads(json.dumps(theirs.to_dict())))
    assert bundle.contract_addresses() == theirs.addresses  # carried by a verification bundle
    assert verify_credential(text, bundle, now=NOW).step("anchoring").code == "CONTRACT_MISMATCH"


def test_what_a_compromised_key_did_not_write_stays_valid(batch: list[Credential], chain: StaticChainView) -> None:
    good = batch[2]
    assert good.proof is not None and good.proof.batch_root is not None
    # a mark after the anchor's block voids only what the key wrote from then on
    later = replace(chain, compromises=[KeyCompromise(ISSUER, ANCHOR_BLOCK + 1)])
    assert verify_credential(good.to_json(), later, now=NOW).valid
    step = verify_credential(good.to_json(), replace(chain, compromises=[KeyCompromise(ISSUER, ANCHOR_BLOCK)]),
                             now=NOW).step("issuer_authorized")
    assert dict(step.details) == {"issuer": chain.anchors[0].issuer, "compromised_since": ANCHOR_BLOCK, "block": ANCHOR_BLOCK}
    # a whole-batch revocation by a key that was compromised when it revoked does not count
    thief = replace(chain, anchors=[replace(chain.anchors[0], revoked_block=60, revoked_reason="misconduct",
                                            revoked_by=OTHER)], compromises=[KeyCompromise(OTHER, 55)])
    report = verify_credential(good.to_json(), thief, now=NOW)
    assert report.valid, report.failures
    # ... and one made later than the moment asked about is not in force then
    revoked = replace(chain, anchors=[replace(chain.anchors[0], revoked_block=60, revoked_reason="misconduct",
                                              revoked_by=OTHER)])
    assert verify_credential(good.to_json(), revoked, now=NOW, at_block=59).valid
    assert verify_credential(good.to_json(), revoked, now=NOW, at_block=60).step("status").code == "BATCH_REVOKED"


def test_a_leaf_replay_skips_changes_by_compromised_keys() -> None:
    from ledger.verify.chainview import LeafChange, replay_leaf

    owner, thief, committee = "0x" + "01" * 20, "0x" + "02" * 20, "0x" + "03" * 20
    changes = [
        LeafChange(10, 0, "suspended", "other", owner),
        LeafChange(20, 0, "reinstated", None, thief),  # the thief reinstates
        LeafChange(30, 1, "revoked", "misconduct", thief),
    ]
    marks = {thief: 15}
    assert replay_leaf(changes, marks.get) == StatusRecord("suspended", "other", 10, owner)
    assert replay_leaf(changes, {}.get) == StatusRecord("revoked", "misconduct", 30, thief)
    assert replay_leaf(changes, {thief: 25}.get) == StatusRecord("reinstated", None, 20, thief)
    assert replay_leaf(changes, marks.get, block=9) == StatusRecord()
    restored = [*changes, LeafChange(40, 0, "active", None, committee)]
    assert replay_leaf(restored, {}.get) == StatusRecord()
