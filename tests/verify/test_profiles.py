"""Both document profiles verify: credentials already issued (profile 1, kept fixtures) and the current
one, including copies with fields withheld (selective disclosure), through the library and the CLI."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main as cli
from ledger.credentials.disclosure import withhold
from ledger.credentials.document import Credential, CredentialTemplate
from ledger.credentials.parse import parse_credential
from ledger.credentials.parts import Evidence
from ledger.credentials.proof import CHECKED_PROOF, ChainRef, CredentialProof
from ledger.errors import ValidationError
from ledger.verify import verify_credential
from ledger.verify.chainview import IssuanceRecord
from ledger.verify.files import load_snapshot, verify_files
from ledger.verify.snapshot import StaticChainView
from tests.credentials.credential_fixtures import (
    ANCHOR_BLOCK,
    ANCHOR_TX,
    CHAIN_ID,
    CONTRACT,
    ISSUER,
    NOW,
    TYPE_ID,
    edit_payload,
    proof_payload,
)

LEGACY = Path(__file__).resolve().parents[1] / "credentials" / "legacy_v1"
#: Profile 2 as written under contracts v1: the sorted-pair tree's cryptosuite.
SORTED = Path(__file__).resolve().parents[1] / "credentials" / "profile2_sorted"


def test_credentials_issued_in_the_old_format_keep_verifying() -> None:
    view = load_snapshot(LEGACY / "chain-snapshot.json")
    reports = verify_files([LEGACY / "checked.json", LEGACY / "batch.jsonl"], view)
    assert [r["verdict"] for r in reports] == ["valid"] * 4, [r["reason"] for r in reports]
    criteria = [next(s["code"] for s in r["steps"] if s["step"] == "criteria") for r in reports]
    assert criteria == ["CRITERIA_CHECKED"] + ["NOT_APPLICABLE"] * 3
    old = parse_credential((LEGACY / "checked.json").read_bytes())
    assert old.profile == 1 and old.proof is not None and not old.salts
    assert json.loads(old.to_json()) == json.loads((LEGACY / "checked.json").read_bytes())  # rendered as it was
    # ... and an edit of an old document is still caught
    doc = json.loads((LEGACY / "checked.json").read_bytes())
    doc["credentialSubject"]["achievement"]["name"] = "Senior Architect"
    assert [f.code for f in verify_credential(json.dumps(doc), view).failures] == ["HASH_MISMATCH"]
    with pytest.raises(ValidationError, match="before selective disclosure"):
        withhold(old, ["holder"])


def test_profile_2_credentials_of_the_sorted_pair_tree_keep_verifying() -> None:
    view = load_snapshot(SORTED / "chain-snapshot.json")
    reports = verify_files([SORTED / "checked.json", SORTED / "batch.jsonl"], view)
    assert [r["verdict"] for r in reports] == ["valid"] * 4, [r["reason"] for r in reports]
    assert [r["steps"][2]["code"] for r in reports] == ["NOT_APPLICABLE"] + ["PROOF_OK"] * 3
    first = json.loads((SORTED / "batch.jsonl").read_text().splitlines()[0])
    assert first["proof"][0]["cryptosuite"] == "fisco-ledger-merkle-2026"
    parsed = parse_credential(json.dumps(first))
    assert parsed.proof is not None and parsed.proof.tree == "sorted-pairs"
    assert parsed.to_json() == (SORTED / "batch.jsonl").read_text().splitlines()[0].encode()  # rendered as it was
    # the sorted-pair tree never bound the index, so an edited leafIndex is not caught there (the reason
    # for the positional suite); the batch size is still bound by the anchor's count
    edit_payload(first, lambda p: p.update(leafIndex=(p["leafIndex"] + 1) % 3))
    assert verify_credential(json.dumps(first), view).valid
    edit_payload(first, lambda p: p.update(batchSize=4))
    assert [f.code for f in verify_credential(json.dumps(first), view).failures] == ["ANCHOR_MISMATCH"]


def test_an_edited_leaf_index_of_the_positional_suite_fails_proof_invalid(
    batch: list[Credential], chain: StaticChainView
) -> None:
    for credential in batch:
        doc = json.loads(credential.to_json())
        assert doc["proof"][0]["cryptosuite"] == "fisco-ledger-merkle-positional-2026"
        edit_payload(doc, lambda p: p.update(leafIndex=(p["leafIndex"] + 3) % len(batch)))
        report = verify_credential(json.dumps(doc), chain, now=NOW)
        assert [f.code for f in report.failures] == ["PROOF_INVALID"]


def test_a_copy_with_the_holder_name_withheld_verifies_and_says_what_was_withheld(
    batch: list[Credential], chain: StaticChainView
) -> None:
    full = batch[1]
    assert full.holder_name == "Student 1"
    copy = withhold(full, ["holder"])
    text = copy.to_json()
    assert b"Student 1" not in text and "credentialSubject.identifier" in proof_payload(json.loads(text))["disclosures"]
    report = verify_credential(text, chain, now=NOW)
    assert report.valid and report.withheld == ("credentialSubject.identifier",)
    assert report.to_dict()["withheld_fields"] == ["credentialSubject.identifier"]
    integrity = report.step("integrity")
    assert integrity.code == "HASH_OK" and "credentialSubject.identifier" in integrity.message
    parsed = parse_credential(text)
    assert parsed.hash == full.hash and parsed.holder_name is None and parsed.subject == full.subject
    # the full copy keeps verifying, and reports nothing withheld
    assert verify_credential(full.to_json(), chain, now=NOW).withheld == ()
    with pytest.raises(ValidationError, match="already withheld"):
        withhold(parsed, ["holder"])
    with pytest.raises(ValidationError, match="keep the subject's id or the holder's name"):
        withhold(parsed, ["subject"])
    with pytest.raises(ValidationError, match="not a field"):
        withhold(full, ["validUntil"])
    with pytest.raises(ValidationError, match="has no credentialSubject.identifier"):
        withhold(batch[0], ["holder"])  # no name was issued: it cannot be said to be withheld


def test_tampering_with_a_withheld_copy_is_caught(batch: list[Credential], chain: StaticChainView) -> None:
    copy = json.loads(withhold(batch[1], ["holder"]).to_json())

    forged_digest = json.loads(json.dumps(copy))
    edit_payload(forged_digest, lambda p: p["disclosures"]["credentialSubject.identifier"].update(digest="0x" + "00" * 32))
    assert [f.code for f in verify_credential(json.dumps(forged_digest), chain, now=NOW).failures] == ["HASH_MISMATCH"]

    # another name put back with a made-up salt does not hash to the issued digest
    renamed = json.loads(json.dumps(copy))
    renamed["credentialSubject"]["identifier"] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Mallory"}
    ]
    edit_payload(renamed, lambda p: p["disclosures"].update({"credentialSubject.identifier": {"salt": "11" * 16}}))
    assert [f.code for f in verify_credential(json.dumps(renamed), chain, now=NOW).failures] == ["HASH_MISMATCH"]

    # a field left in the document while also claimed withheld is not a credential
    both = json.loads(batch[1].to_json())
    edit_payload(both, lambda p: p["disclosures"].update({"credentialSubject.identifier": {"digest": "0x" + "00" * 32}}))
    assert verify_credential(json.dumps(both), chain, now=NOW).step("format").code == "FORMAT_INVALID"

    # a salt of a disclosed field changed: its digest changes, so the hash does
    resalted = json.loads(batch[1].to_json())
    edit_payload(resalted, lambda p: p["disclosures"]["credentialSubject.id"].update(salt="22" * 16))
    assert [f.code for f in verify_credential(json.dumps(resalted), chain, now=NOW).failures] == ["HASH_MISMATCH"]


def test_a_checked_certificate_with_subject_and_evidence_withheld(template: CredentialTemplate) -> None:
    keys = [os.urandom(32), os.urandom(32)]
    subject = os.urandom(32)
    c = template.stamp(subject, holder_name="Li Hua", evidence=[Evidence(k) for k in keys])
    c = c.with_proof(CredentialProof(CHECKED_PROOF, c.hash, ChainRef("embedded", CHAIN_ID), CONTRACT,
                                     issue_transaction=ANCHOR_TX, issue_block=ANCHOR_BLOCK))
    record = IssuanceRecord(c.hash, ISSUER, subject, TYPE_ID, ANCHOR_BLOCK, type_version=2,
                            contribution_keys=tuple(keys))
    from ledger.verify.chainview import Authorization

    view = StaticChainView(CHAIN_ID, ANCHOR_BLOCK + 10, issuances=[record],
                           authorizations=[Authorization(ISSUER, TYPE_ID, since=0)])
    assert verify_credential(c.to_json(), view, now=NOW).valid
    copy = withhold(c, ["subject", "evidence"])
    report = verify_credential(copy.to_json(), view, now=NOW)
    assert report.valid, report.failures
    assert report.withheld == ("credentialSubject.id", "evidence")
    assert "withheld the evidence" in report.step("criteria").message
    assert b"/contributions/" not in copy.to_json() and b"/subjects/" not in copy.to_json()
    # the evidence check still bites on a full copy whose chain record names other contributions
    other = replace(view, issuances=[replace(record, contribution_keys=(keys[0],))])
    assert [f.code for f in verify_credential(c.to_json(), other, now=NOW).failures] == ["EVIDENCE_MISMATCH"]


def test_cli_withhold_writes_a_copy_that_verifies(batch: list[Credential], tmp_path: Path) -> None:
    full = tmp_path / "alice.json"
    full.write_bytes(batch[1].to_json())
    runner = CliRunner()
    r = runner.invoke(cli, ["cred", "withhold", str(full), "holder", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["withheld"] == ["credentialSubject.identifier"] and out["file"].endswith("alice.withheld.json")
    assert oct(Path(out["file"]).stat().st_mode & 0o777) == "0o600"
    shown = runner.invoke(cli, ["cred", "show", out["file"], "--json"])
    assert json.loads(shown.output)["withheld"] == ["credentialSubject.identifier"]
    checked = runner.invoke(cli, ["verify", "--offline", out["file"], "--json"])
    # offline: every step that ran passed, the rest could not run: "incomplete", exit 3 (issue 18)
    assert checked.exit_code == 3 and json.loads(checked.output)["incomplete"] == 1, checked.output
    assert json.loads(checked.output)["credentials"][0]["withheld_fields"] == ["credentialSubject.identifier"]
    again = runner.invoke(cli, ["cred", "withhold", str(full), "holder"])
    assert again.exit_code == 2 and "already exists" in again.output
    unknown = runner.invoke(cli, ["cred", "withhold", str(full), "name", "--out", str(tmp_path / "x.json")])
    assert unknown.exit_code == 2 and "holder" in unknown.output
