"""Fixtures for credential documents: a template, a proved batch, and a chain snapshot that anchors it."""

from __future__ import annotations

import os

import pytest
from credential_fixtures import ANCHOR_BLOCK, ANCHOR_TX, CHAIN_ID, CONTRACT, ISSUER, TYPE_ID

from ledger.credential import (
    Achievement,
    ChainRef,
    Credential,
    CredentialTemplate,
    IssuerProfile,
    SubjectEntry,
    attach_batch_proofs,
    build_batch,
)
from ledger.verification import AnchorRecord, Authorization, StaticChainView


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
    )
    return CredentialTemplate(issuer, achievement, "2026-06-30T00:00:00Z", "2030-06-30T00:00:00Z")


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
