"""Credential documents for the tests: shared constants, and fixtures (a template, a proved batch, and a
chain snapshot that anchors it) that the conftest of each test package using them imports."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from ledger.credentials.batch import attach_batch_proofs
from ledger.credentials.document import Credential, CredentialTemplate, SubjectEntry, build_batch
from ledger.credentials.identifiers import account_did, type_url
from ledger.credentials.parts import Achievement, IssuerProfile
from ledger.credentials.proof import ChainRef
from ledger.verify.chainview import AnchorRecord, Authorization
from ledger.verify.snapshot import StaticChainView

CHAIN_ID = 20200
ISSUER = "0x" + "ab" * 20
CONTRACT = "0x" + "cd" * 20
REGISTRY = "0x" + "ef" * 20
#: The deployment's DID, under which subjects, types and contributions are named.
DEPLOYMENT = account_did(CHAIN_ID, REGISTRY)
ANCHOR_TX = bytes.fromhex("11" * 32)
ANCHOR_BLOCK = 40
TYPE_ID = 7
#: A moment inside every fixture credential's validity period.
NOW = datetime(2027, 3, 1, tzinfo=timezone.utc)


@pytest.fixture
def issuer() -> IssuerProfile:
    return IssuerProfile.for_account(CHAIN_ID, ISSUER, "Example University")


@pytest.fixture
def template(issuer: IssuerProfile) -> CredentialTemplate:
    achievement = Achievement(
        type_id=TYPE_ID,
        type_version=2,
        name="Blockchain Developer",
        description="Builds and audits smart contracts on FISCO BCOS.",
        criteria="Complete the course and have three merged pull requests co-signed by a maintainer.",
        field_of_study="Blockchain",
        achievement_type="Certificate",
        id=type_url(DEPLOYMENT, TYPE_ID, 2),
    )
    return CredentialTemplate(
        issuer, achievement, "2026-06-30T00:00:00Z", "2030-06-30T00:00:00Z", deployment=DEPLOYMENT
    )


@pytest.fixture
def batch(template: CredentialTemplate) -> list[Credential]:
    """Seven credentials (an odd count, so one leaf is promoted) with anchored batch proofs."""
    entries = [SubjectEntry(os.urandom(32), holder_name=f"Student {i}" if i % 2 else None) for i in range(7)]
    return attach_batch_proofs(
        build_batch(template, entries),
        chain=ChainRef("embedded", CHAIN_ID),
        contract=CONTRACT,
        anchor_transaction=ANCHOR_TX,
        anchor_block=ANCHOR_BLOCK,
    )


@pytest.fixture
def chain(batch: list[Credential]) -> StaticChainView:
    """The chain as it should be: the root anchored by the issuer, who is authorised for the type."""
    assert batch[0].proof is not None and batch[0].proof.batch_root is not None
    return StaticChainView(
        CHAIN_ID,
        head=100,
        anchors=[
            AnchorRecord(
                batch[0].proof.batch_root,
                ISSUER.upper().replace("0X", "0x"),
                TYPE_ID,
                ANCHOR_BLOCK,
                7,
                ANCHOR_TX,
            )
        ],
        authorizations=[Authorization(ISSUER, TYPE_ID, since=10)],
    )


def proof_payload(doc: dict) -> dict:
    """The JSON inside a profile-2 document's ``proofValue`` (the anchor and the disclosures)."""
    import base64
    import json

    value = doc["proof"][0]["proofValue"][1:]
    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


def set_proof_payload(doc: dict, payload: dict) -> None:
    """Replace the JSON inside a profile-2 document's ``proofValue``."""
    import base64
    import json

    raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    doc["proof"][0]["proofValue"] = "u" + raw


def edit_payload(doc: dict, change) -> None:  # type: ignore[no-untyped-def]
    """Apply ``change`` to the JSON inside a profile-2 document's ``proofValue`` (tests that tamper)."""
    payload = proof_payload(doc)
    change(payload)
    set_proof_payload(doc, payload)
