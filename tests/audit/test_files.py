"""Auditing credential files: good, tampered, wrongly proved, unknown root, revoked, expired, reissued."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from index.history import History, K, R, h, key

from ledger.audit import REVOKED_THEN_REISSUED, Auditor, ContractsCheck
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts.send import raise_for_receipt
from ledger.credentials.batch import attach_batch_proofs
from ledger.credentials.document import CredentialTemplate, SubjectEntry, build_batch
from ledger.credentials.identifiers import account_did, type_url
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile
from ledger.credentials.proof import CHECKED_PROOF, ChainRef, CredentialProof
from ledger.index import Index
from ledger.verify.report import STEPS
from tests.credentials.credential_fixtures import edit_payload

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)


_DEPLOYMENT = account_did(1337, "0x" + "ef" * 20)


def _template(issuer: str, valid_until: str | None = None) -> CredentialTemplate:
    return CredentialTemplate(
        issuer=IssuerProfile.for_account(1337, issuer, "Example University"),
        achievement=Achievement(1, 1, "Blockchain developer", "Builds on FISCO BCOS", "Passed the course",
                                "blockchain", id=type_url(_DEPLOYMENT, 1, 1)),
        valid_from="2026-01-01T00:00:00Z",
        valid_until=valid_until,
        deployment=_DEPLOYMENT,
    )


@pytest.fixture(scope="module")
def files() -> Iterator[tuple[History, dict]]:
    with EmbeddedChain(None) as chain:
        hist = History(chain)
        uni, community = key("f-uni"), key("f-community")
        hist.define_type(1)
        hist.add_issuer(uni, K.UNIVERSITY, [1])
        hist.add_issuer(community, K.COMMUNITY, [1])
        ref = ChainRef("embedded", 1337)
        subjects = [h(f"subject:f{i}") for i in range(4)]
        batch = build_batch(_template(uni.address), subjects)
        tree = MerkleTree.build([c.hash for c in batch])
        receipt = hist.c.issuers.anchor(uni, 1, len(batch), tree.root)
        raise_for_receipt(receipt)
        proved = attach_batch_proofs(batch, chain=ref, contract=hist.c.issuers.address, tree=tree,
                                     anchor_transaction=receipt.tx_hash, anchor_block=receipt.block_number)
        # Leaf 2 revoked; then the same subject gets a new credential in a second batch.
        raise_for_receipt(hist.c.issuers.revoke_leaf(uni, tree.root, 2, R.ISSUED_IN_ERROR))
        again = build_batch(_template(uni.address), [subjects[2]])
        tree2 = MerkleTree.build([c.hash for c in again])
        r2 = hist.c.issuers.anchor(uni, 1, 1, tree2.root)
        raise_for_receipt(r2)
        reissued = attach_batch_proofs(again, chain=ref, contract=hist.c.issuers.address, tree=tree2,
                                       anchor_transaction=r2.tx_hash, anchor_block=r2.block_number)[0]
        # A batch never anchored, and an expired credential.
        stray = attach_batch_proofs(build_batch(_template(uni.address), [h("subject:stray")]), chain=ref,
                                    contract=hist.c.issuers.address)[0]
        old = build_batch(_template(uni.address, valid_until="2026-06-30T00:00:00Z"), [h("subject:old")])
        tree3 = MerkleTree.build([c.hash for c in old])
        raise_for_receipt(hist.c.issuers.anchor(uni, 1, 1, tree3.root))
        expired = attach_batch_proofs(old, chain=ref, contract=hist.c.issuers.address, tree=tree3)[0]
        # A criteria-checked credential resting on a contribution.
        subject = h("subject:checked")
        keys = hist.record(community, subject, ["checked/pr/1"])
        tpl = _template(community.address)
        (single,) = build_batch(tpl, [SubjectEntry(subject, evidence=tuple(Evidence(k) for k in keys))])
        issued = hist.c.credentials.issue(community, 1, subject, single.hash, keys)
        raise_for_receipt(issued)
        checked = single.with_proof(CredentialProof(CHECKED_PROOF, single.hash, ref, hist.c.credentials.address,
                                                    issue_transaction=issued.tx_hash,
                                                    issue_block=issued.block_number))

        def text(c) -> str:  # type: ignore[no-untyped-def]
            return c.to_json().decode()

        good = text(proved[0])
        tampered = json.loads(text(proved[1]))
        tampered["credentialSubject"]["achievement"]["name"] = "Blockchain architect"
        wrong_path = json.loads(text(proved[3]))
        edit_payload(wrong_path, lambda p: p["merklePath"].__setitem__(0, "0x" + "11" * 32))
        docs = {
            "good.json": good,
            "tampered.json": json.dumps(tampered),
            "revoked.json": text(proved[2]),
            "wrong-proof.json": json.dumps(wrong_path),
            "reissued.json": text(reissued),
            "unknown-root.json": text(stray),
            "expired.json": text(expired),
            "checked.json": text(checked),
            "not-json.json": "{ this is not json",
        }
        yield hist, docs


def _audit(hist: History, docs: dict[str, str]):  # type: ignore[no-untyped-def]
    ix = Index.open(None)
    ix.sync(hist.chain, hist.deployment)
    report = Auditor(ix.reader, chain=ContractsCheck(hist.c)).documents(docs.items(), now=NOW)
    return {c.label: c for c in report.credentials}, report


def _failed(audit) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.code for s in audit.steps if s.outcome == "fail"]


def test_each_file_gets_its_verdict_and_reason(files: tuple[History, dict]) -> None:
    hist, docs = files
    by_label, report = _audit(hist, docs)
    assert by_label["good.json"].valid and by_label["good.json"].chain_checked
    assert tuple(s.name for s in by_label["good.json"].steps) == STEPS  # ledger.verify.verifier's steps
    assert _failed(by_label["tampered.json"]) == ["HASH_MISMATCH"]
    assert _failed(by_label["wrong-proof.json"]) == ["PROOF_INVALID"]
    assert _failed(by_label["unknown-root.json"]) == ["ROOT_UNKNOWN"]
    assert _failed(by_label["revoked.json"]) == ["REVOKED"]
    assert "issued-in-error" in by_label["revoked.json"].reason
    assert _failed(by_label["expired.json"]) == ["EXPIRED"]
    assert _failed(by_label["not-json.json"]) == ["FORMAT_INVALID"]
    checked = by_label["checked.json"]
    assert checked.valid, checked.reason
    assert checked.anchor["root"] is None
    assert [e.kind for e in checked.evidence] == ["Code"]
    reissued = by_label["reissued.json"]
    assert reissued.valid and [a.code for a in reissued.anomalies] == [REVOKED_THEN_REISSUED]
    summary = report.summary()
    assert (summary["credentials"], summary["valid"], summary["verdict"]) == (9, 3, "FAIL")


def test_report_hash_covers_the_content(files: tuple[History, dict]) -> None:
    hist, docs = files
    _, report = _audit(hist, {"good.json": docs["good.json"]})
    _, again = _audit(hist, {"good.json": docs["good.json"]})
    data = report.to_dict()
    assert data["report_hash"] == "0x" + report.report_hash.hex()
    same_moment = type(again)(**{**again.__dict__, "generated_at": report.generated_at})
    assert same_moment.report_hash == report.report_hash
    _, other = _audit(hist, {"revoked.json": docs["revoked.json"]})
    assert other.report_hash != report.report_hash
