"""Credential documents: shape, template stamping, hashing, proofs, parsing with field paths, files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import NotJSONError, canonicalize
from ledger.credentials.document import (
    OB_CONTEXT,
    VC_CONTEXT,
    Credential,
    CredentialTemplate,
    SubjectEntry,
    build_batch,
)
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.files import write_credentials
from ledger.credentials.hashing import committed_hash, field_digest
from ledger.credentials.identifiers import type_url
from ledger.credentials.merkle import MerkleTree, verify
from ledger.credentials.parse import parse_credential
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile
from ledger.credentials.proof import BATCH_PROOF, CHECKED_PROOF, ChainRef, CredentialProof
from ledger.credentials.vocabulary import LEDGER_CONTEXT
from ledger.crypto.hashing import keccak256
from ledger.errors import ValidationError
from tests.credentials.credential_fixtures import (
    CHAIN_ID,
    CONTRACT,
    DEPLOYMENT,
    ISSUER,
    TYPE_ID,
    proof_payload,
    set_proof_payload,
)


def test_document_is_a_vc2_open_badge(batch: list[Credential]) -> None:
    doc = batch[1].document()
    assert doc["@context"] == [VC_CONTEXT, OB_CONTEXT, LEDGER_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"].startswith("urn:uuid:") and doc["id"][23] == "4"
    assert doc["issuer"] == {
        "id": f"did:fisco:{CHAIN_ID}:{ISSUER}",
        "type": ["Profile"],
        "name": "Example University",
    }
    subject = doc["credentialSubject"]
    assert subject["id"] == batch[1].subject_id == f"{DEPLOYMENT}/subjects/0x" + batch[1].subject.hex()
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Student 1"}
    ]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["typeId"] == TYPE_ID
    assert achievement["id"] == f"{DEPLOYMENT}/types/{TYPE_ID}/versions/2"
    assert achievement["typeVersion"] == 2 and achievement["fieldOfStudy"] == "Blockchain"
    assert achievement["criteria"]["narrative"].startswith("Complete the course")
    assert doc["validFrom"] == "2026-06-30T00:00:00Z" and doc["validUntil"] == "2030-06-30T00:00:00Z"
    assert "identifier" not in batch[0].document()["credentialSubject"]
    [proof] = doc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "fisco-ledger-merkle-positional-2026"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == f"did:fisco:{CHAIN_ID}:{ISSUER}#fisco-{CHAIN_ID}-{ISSUER}"
    payload = proof_payload(doc)
    assert payload["leafIndex"] == 1 and payload["batchSize"] == 7 and len(payload["merklePath"]) == 3
    assert set(payload["disclosures"]) == {"credentialSubject.id", "credentialSubject.identifier"}


def test_hash_commits_to_the_fixed_part_and_a_salted_digest_per_disclosable_field(batch: list[Credential]) -> None:
    for credential in batch:
        doc = credential.document()
        salts = {p: bytes.fromhex(e["salt"]) for p, e in proof_payload(doc)["disclosures"].items()}
        del doc["proof"]
        assert credential.body == canonicalize(doc)
        subject = doc["credentialSubject"]
        values = {"credentialSubject.id": subject.pop("id")}
        if "identifier" in subject:
            values["credentialSubject.identifier"] = subject.pop("identifier")
        assert set(salts) == set(values) and all(len(s) == 16 for s in salts.values())
        digests = {p: keccak256(b'fisco-talent-ledger/field/v1\x00["%s","%s",%s]' % (
            salts[p].hex().encode(), p.encode(), canonicalize(v))) for p, v in values.items()}
        assert digests == {p: field_digest(p, salts[p], canonicalize(v)) for p, v in values.items()}
        wrapper = {"credential": doc, "disclosures": {p: "0x" + d.hex() for p, d in digests.items()}}
        assert credential.hash == keccak256(b"fisco-talent-ledger/credential/v2\x00" + canonicalize(wrapper))
        assert credential.hash == committed_hash(canonicalize(doc), digests)
    # Salts differ per credential and per field, so equal holder names give unrelated digests.
    assert len({s for c in batch for s in c.salts.values()}) == sum(len(c.salts) for c in batch)


_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)


@settings(max_examples=150, deadline=None)
@given(_names, st.binary(min_size=32, max_size=32), st.lists(st.binary(min_size=32, max_size=32), max_size=3))
def test_stamping_equals_canonicalizing_the_full_document(
    name: str, subject: bytes, keys: list[bytes]
) -> None:
    issuer = IssuerProfile.for_account(1, "0x" + "12" * 20, 'Uni "Quoted" \\ \u00e9\U0001f600')
    achievement = Achievement(1, 1, "N\u00e4me", "D\nmulti-line", 'C "q"', "F\U0001f600", id=type_url(DEPLOYMENT, 1, 1))
    template = CredentialTemplate(issuer, achievement, "2026-01-01T00:00:00+08:00", deployment=DEPLOYMENT)
    evidence = tuple(Evidence(k, f"pr {i}") for i, k in enumerate(keys))
    credential = build_batch(template, [SubjectEntry(subject, name, evidence)])[0]
    expected = template.document(
        credential.id, credential.subject_id, name, [e.to_dict(DEPLOYMENT) for e in evidence] if evidence else None
    )
    assert credential.body == canonicalize(expected)
    proof = CredentialProof(CHECKED_PROOF, credential.hash, ChainRef("embedded", 1), CONTRACT, issue_block=3)
    reparsed = parse_credential(credential.with_proof(proof).to_json())
    assert reparsed.hash == credential.hash and reparsed.holder_name == name and reparsed.evidence == evidence


def test_proof_can_be_added_or_replaced_without_changing_the_hash(batch: list[Credential]) -> None:
    credential = batch[3]
    bare = credential.with_proof(None)
    assert bare.hash == credential.hash and "proof" not in json.loads(bare.to_json())
    checked = CredentialProof(CHECKED_PROOF, credential.hash, ChainRef("rpc", 1), CONTRACT, issue_block=9)
    replaced = credential.with_proof(checked)
    assert replaced.hash == credential.hash
    assert parse_credential(replaced.to_json()).hash == credential.hash
    with pytest.raises(CredentialFormatError) as info:
        credential.with_proof(CredentialProof(CHECKED_PROOF, b"\x00" * 32, ChainRef("rpc", 1), CONTRACT))
    assert info.value.path == "proof.credentialHash"


def test_parse_round_trip_keeps_hash_fields_and_proof(batch: list[Credential]) -> None:
    for credential in batch:
        for text in (credential.to_json(), credential.to_json(indent=2)):
            parsed = parse_credential(text)
            assert parsed.hash == credential.hash and parsed.body == credential.body
            assert parsed.proof == credential.proof
            assert (parsed.id, parsed.subject_id, parsed.holder_name) == (
                credential.id,
                credential.subject_id,
                credential.holder_name,
            )
            assert parsed.achievement == credential.achievement and parsed.issuer == credential.issuer
    proof = batch[2].proof
    assert proof is not None and proof.batch_root is not None
    assert verify(proof.batch_root, batch[2].hash, proof.merkle_path, index=2)
    assert proof.leaf_index == 2 and proof.batch_size == 7


def test_member_order_and_whitespace_do_not_change_the_hash(batch: list[Credential]) -> None:
    doc = batch[0].document()
    shuffled = dict(reversed(list(doc.items())))
    assert parse_credential(json.dumps(shuffled, indent=3)).hash == batch[0].hash


def test_extra_members_are_kept_in_the_hash(batch: list[Credential]) -> None:
    doc = batch[0].document()
    doc["description"] = "An extra, issuer-defined member with a float 1.5e3 and a key outside the BMP"
    doc["credentialSubject"]["score"] = 1.5e3
    doc["credentialSubject"]["\U0001f600"] = True
    parsed = parse_credential(json.dumps(doc))
    del doc["proof"]
    assert parsed.body == canonicalize(doc) and b"1500" in parsed.body
    assert parsed.hash != batch[0].hash


def _mutate(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc[part]
    if value is _DELETE:
        del doc[last]
    else:
        doc[last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "error_path"),
    [
        ("@context", [VC_CONTEXT], "@context"),
        ("type", ["VerifiableCredential"], "type"),
        ("id", "urn:uuid:not-a-uuid", "id"),
        ("name", "", "name"),
        ("issuer.id", "did:fisco:1:0x1234", "issuer.id"),
        ("issuer.type", ["Organization"], "issuer.type"),
        ("validFrom", "2026-06-30", "validFrom"),
        ("validUntil", "2020-01-01T00:00:00Z", "validUntil"),
        ("credentialSubject.id", "did:example:alice", "credentialSubject.id"),
        ("credentialSubject.achievement.typeId", -1, "credentialSubject.achievement.id"),
        ("credentialSubject.achievement.typeId", "7", "credentialSubject.achievement.id"),
        ("credentialSubject.achievement.id", "urn:ledger:type:7", "credentialSubject.achievement.id"),
        ("credentialSubject.achievement.typeVersion", _DELETE, "credentialSubject.achievement.typeVersion"),
        (
            "credentialSubject.achievement.criteria",
            {"id": "x"},
            "credentialSubject.achievement.criteria.narrative",
        ),
        (
            "credentialSubject.achievement.achievementType",
            "Trophy",
            "credentialSubject.achievement.achievementType",
        ),
        ("credentialSubject.identifier", [{"type": "Other"}], "credentialSubject.identifier[0].type"),
        ("evidence", [{"type": ["Evidence"], "id": "https://x"}], "evidence[0].id"),
        ("proof", {"type": "DataIntegrityProof"}, "proof"),
        ("proof.0.type", "MerkleProof2019", "proof[0].type"),
        ("proof.0.cryptosuite", "ecdsa-rdfc-2019", "proof[0].cryptosuite"),
        ("proof.0.proofPurpose", "authentication", "proof[0].proofPurpose"),
        ("proof.0.verificationMethod", f"did:fisco:{CHAIN_ID}:{ISSUER}#other", "proof[0].verificationMethod"),
        ("proof.0.proofValue", "z3vK", "proof[0].proofValue"),
        ("payload.chain", None, "proof[0].proofValue.chain"),
        ("payload.merklePath", ["0x1234"], "proof[0].proofValue.merklePath[0]"),
        ("payload.leafIndex", 7, "proof[0].proofValue.leafIndex"),
        ("payload.batchRoot", "0x" + "zz" * 32, "proof[0].proofValue.batchRoot"),
        ("payload.contract", "0xabc", "proof[0].proofValue.contract"),
        ("payload.hashAlgorithm", "sha256", "proof[0].proofValue.hashAlgorithm"),
        ("payload.disclosures.credentialSubject.id", _DELETE, "proof[0].proofValue.disclosures.credentialSubject.id"),
        ("payload.disclosures.name", {"salt": "00" * 16}, "proof[0].proofValue.disclosures"),
    ],
)
def test_schema_errors_name_the_field(
    batch: list[Credential], path: str, value: Any, error_path: str
) -> None:
    doc = batch[1].document()
    if path.startswith("payload."):
        payload = proof_payload(doc)
        if path.startswith("payload.disclosures."):
            name = path[len("payload.disclosures."):]
            if value is _DELETE:
                del payload["disclosures"][name]
            else:
                payload["disclosures"][name] = value
        else:
            _mutate(payload, path[len("payload."):], value)
        set_proof_payload(doc, payload)
    elif path.startswith("proof.0."):
        _mutate(doc["proof"][0], path[len("proof.0."):], value)
    else:
        _mutate(doc, path, value)
    with pytest.raises(CredentialFormatError) as info:
        parse_credential(json.dumps(doc))
    assert info.value.path == error_path
    assert isinstance(info.value, ValidationError)


def test_not_json_and_not_strict_json(batch: list[Credential]) -> None:
    with pytest.raises(NotJSONError):
        parse_credential(b"\x89PNG")
    with pytest.raises(NotJSONError):
        parse_credential(batch[0].to_json()[:-40])
    text = batch[0].to_json().decode()
    duplicated = text[:-1] + ',"name":"Another name"}'
    with pytest.raises(CredentialFormatError, match="duplicate object key 'name'"):
        parse_credential(duplicated)
    with pytest.raises(CredentialFormatError) as info:
        parse_credential("[1, 2]")
    assert info.value.path == ""


def test_template_and_entry_validation(template: CredentialTemplate) -> None:
    with pytest.raises(CredentialFormatError) as info:
        CredentialTemplate(
            template.issuer, template.achievement, "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z"
        )
    assert info.value.path == "validUntil"
    with pytest.raises(CredentialFormatError) as info:
        IssuerProfile.for_account(1, "0x12", "X")
    assert info.value.path == "issuer.id"
    with pytest.raises(CredentialFormatError, match="not a domain name"):
        IssuerProfile.for_account(1, "0x" + "12" * 20, "X", domain="https://uni.example/")
    with pytest.raises(CredentialFormatError, match="names no deployment"):
        CredentialTemplate(template.issuer, template.achievement, "2026-01-01T00:00:00Z")
    with pytest.raises(CredentialFormatError, match="entry 1"):
        build_batch(template, [os.urandom(32), "0x1234"])
    with pytest.raises(CredentialFormatError, match="entry 0: must not contain control"):
        build_batch(template, [SubjectEntry(os.urandom(32), "Eve\nInjected")])
    with pytest.raises(CredentialFormatError) as info:
        build_batch(template, [SubjectEntry(os.urandom(32), credential_id="urn:uuid:1")])
    assert info.value.path == "id"
    fixed = "urn:uuid:12345678-1234-4234-8234-123456789abc"
    subject = os.urandom(32)
    one = build_batch(template, [SubjectEntry(subject, credential_id=fixed)])[0]
    again = template.stamp("0x" + subject.hex().upper(), credential_id=fixed)
    seed = os.urandom(32)
    one = build_batch(template, [SubjectEntry(subject, credential_id=fixed)], salt_seed=seed)[0]
    again = build_batch(template, ["0x" + subject.hex().upper()], salt_seed=seed)[0]
    again = build_batch(template, [SubjectEntry("0x" + subject.hex().upper(), credential_id=fixed)], salt_seed=seed)[0]
    assert one.id == fixed and one.hash == again.hash  # the same inputs and salt seed give the same document
    assert template.stamp(subject, credential_id=fixed).hash != one.hash  # a fresh seed: other salts


def test_fresh_ids_are_unique_uuid4(template: CredentialTemplate) -> None:
    credentials = build_batch(template, [os.urandom(32) for _ in range(2000)])
    ids = {c.id for c in credentials}
    assert len(ids) == 2000
    assert all(c.id[23] == "4" and c.id[28] in "89ab" for c in credentials)


def test_checked_certificate_with_evidence(template: CredentialTemplate) -> None:
    keys = [os.urandom(32), os.urandom(32)]
    credential = template.stamp(
        os.urandom(32), evidence=[Evidence(keys[0], "github:org/repo#1"), Evidence(keys[1])]
    )
    proof = CredentialProof(
        CHECKED_PROOF,
        credential.hash,
        ChainRef("embedded", CHAIN_ID),
        CONTRACT,
        issue_transaction=b"\x22" * 32,
        issue_block=12,
    )
    parsed = parse_credential(credential.with_proof(proof).to_json())
    assert [e.key for e in parsed.evidence] == keys and parsed.evidence[0].name == "github:org/repo#1"
    assert parsed.proof == proof and parsed.proof.kind == CHECKED_PROOF
    assert parsed.document()["evidence"][1] == {
        "id": f"{DEPLOYMENT}/contributions/0x" + keys[1].hex(),
        "type": ["Evidence"],
    }
    assert parsed.document()["proof"][0]["cryptosuite"] == "fisco-ledger-issuance-2026"


def test_sm3_chains_hash_with_sm3(template: CredentialTemplate) -> None:
    from ledger.crypto.hashing import sm3

    sm_template = CredentialTemplate(
        template.issuer, template.achievement, template.valid_from, hash_algorithm="sm3", deployment=DEPLOYMENT
    )
    credentials = build_batch(sm_template, [os.urandom(32) for _ in range(5)])
    doc = json.loads(credentials[0].body)
    subject = doc["credentialSubject"].pop("id")
    salt = credentials[0].salts["credentialSubject.id"]
    digest = sm3(b'fisco-talent-ledger/field/v1\x00["%s","credentialSubject.id","%s"]' % (salt.hex().encode(),
                                                                                         subject.encode()))
    assert credentials[0].hash == committed_hash(canonicalize(doc), {"credentialSubject.id": digest}, "sm3")
    from ledger.credentials.batch import attach_batch_proofs

    proved = attach_batch_proofs(credentials, chain=ChainRef("fisco3", CHAIN_ID), contract=CONTRACT)
    parsed = parse_credential(proved[4].to_json())
    assert parsed.hash == credentials[4].hash and parsed.proof is not None
    assert parsed.proof.hash_algorithm == "sm3" and parsed.proof.anchor_block is None
    assert parsed.proof.batch_root == MerkleTree.build([c.hash for c in credentials], sm3).root
    assert verify(parsed.proof.batch_root, parsed.hash, parsed.proof.merkle_path, sm3, index=4)


@pytest.mark.parametrize("durability", ["none", "fsync", "syncfs"])
def test_write_credentials(tmp_path: Path, batch: list[Credential], durability: str) -> None:
    report = write_credentials(tmp_path / "out", batch, durability=durability)
    assert len(report.paths) == len(batch) and report.durability in ("fsync", "syncfs", "none")
    for path, credential in zip(report.paths, batch):
        assert path.name == credential.id.rsplit(":", 1)[1] + ".json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert parse_credential(path.read_bytes()).hash == credential.hash
    assert report.bytes_written == sum(p.stat().st_size for p in report.paths)
    with pytest.raises(FileExistsError):
        write_credentials(tmp_path / "out", batch[:1], durability=durability)
    write_credentials(tmp_path / "out", batch[:1], durability=durability, overwrite=True)
    with pytest.raises(ValueError, match="plain file name"):
        write_credentials(tmp_path / "other", batch[:1], filename=lambda c, i: "../escape.json")
    with pytest.raises(ValueError, match="durability"):
        write_credentials(tmp_path / "other", batch[:1], durability="maybe")


def test_proof_values_are_checked_before_they_reach_the_json() -> None:
    ref = ChainRef("embedded", CHAIN_ID)
    good = {"kind": CHECKED_PROOF, "credential_hash": b"\x01" * 32, "chain": ref, "contract": CONTRACT}
    assert json.loads(CredentialProof(**good).to_json())["type"] == CHECKED_PROOF  # type: ignore[arg-type]
    for field, value, path in [
        ("contract", '0x", "evil": "', "proof.contract"),
        ("kind", "Other", "proof.type"),
        ("hash_algorithm", "md5", "proof.hashAlgorithm"),
        ("credential_hash", b"\x01", "proof.credentialHash"),
    ]:
        with pytest.raises(CredentialFormatError) as info:
            CredentialProof(**{**good, field: value})  # type: ignore[arg-type]
        assert info.value.path == path
    with pytest.raises(CredentialFormatError, match="batch root"):
        CredentialProof(**{**good, "kind": BATCH_PROOF})  # type: ignore[arg-type]


def test_proofs_made_one_at_a_time_equal_the_list_and_bad_arguments_fail_at_once(
    template: CredentialTemplate,
) -> None:
    from ledger.credentials.batch import attach_batch_proofs, iter_batch_proofs

    plain = build_batch(template, [os.urandom(32) for _ in range(5)])
    ref = ChainRef("embedded", CHAIN_ID)
    streamed = iter_batch_proofs(plain, chain=ref, contract=CONTRACT)
    assert [c.to_json() for c in streamed] == [
        c.to_json() for c in attach_batch_proofs(plain, chain=ref, contract=CONTRACT)
    ]
    with pytest.raises(CredentialFormatError):  # raised by the call, before any credential is asked for
        iter_batch_proofs(plain, chain=ref, contract="0xnot-an-address")
    with pytest.raises(ValidationError, match="the tree has 4 leaves for 5 credentials"):
        iter_batch_proofs(plain, chain=ref, contract=CONTRACT, tree=MerkleTree.build([c.hash for c in plain[:4]]))


@pytest.mark.parametrize("durable", [True, False])
def test_a_bundle_written_in_pieces_is_one_document_per_line(
    tmp_path: Path, batch: list[Credential], durable: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.issuance import pipeline as issuance
    monkeypatch.setattr(issuance, "BUNDLE_WRITE", 3)  # 7 credentials: pieces of 3, 3 and 1
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"an older bundle")
    issuance.write_bundle(path, (c.to_json() for c in batch), durable=durable)
    assert path.read_bytes() == b"".join(c.to_json() + b"\n" for c in batch)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["batch.jsonl"]  # no temporary file left


def test_a_bundle_that_fails_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, batch: list[Credential], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.issuance import pipeline as issuance
    monkeypatch.setattr(issuance, "BUNDLE_WRITE", 2)

    def failing() -> Any:
        yield from (c.to_json() for c in batch[:3])
        raise OSError("disk full")

    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"an older bundle")
    with pytest.raises(OSError, match="disk full"):
        issuance.write_bundle(path, failing())
    assert path.read_bytes() == b"an older bundle"
    assert [p.name for p in tmp_path.iterdir()] == ["batch.jsonl"]


def test_bulk_objects_pauses_the_cyclic_collector_and_restores_it() -> None:
    import gc

    from ledger.issuance.pipeline import bulk_objects

    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk_objects():
        assert not gc.isenabled()
        raise RuntimeError("a batch failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk_objects():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


@pytest.mark.parametrize("size", [1, 2, 7, 33])
def test_batch_json_is_byte_for_byte_the_documents_of_the_proved_credentials(
    template: CredentialTemplate, size: int
) -> None:
    from ledger.credentials.batch import attach_batch_proofs, iter_batch_json

    plain = build_batch(template, [SubjectEntry(os.urandom(32), holder_name="Li Hua" if i % 2 else None)
                                   for i in range(size)])
    tree = MerkleTree.build([c.hash for c in plain])
    anchoring = {"chain": ChainRef("fisco3", CHAIN_ID), "contract": CONTRACT, "tree": tree,
                 "anchor_transaction": b"\x09" * 32, "anchor_block": 77}
    fast = list(iter_batch_json(plain, **anchoring))  # type: ignore[arg-type]
    assert fast == [c.to_json() for c in attach_batch_proofs(plain, **anchoring)]  # type: ignore[arg-type]
    assert all(parse_credential(doc).hash == c.hash for doc, c in zip(fast, plain))
    with pytest.raises(CredentialFormatError):
        iter_batch_json(plain, **{**anchoring, "contract": "0xnope"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="leaves for"):
        iter_batch_json(plain + plain[:1], **anchoring)  # type: ignore[arg-type]
