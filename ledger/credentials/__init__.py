"""Credentials as pure logic: documents, canonical hashing, Merkle proofs, batches, bundles, files, standards.

A credential is a W3C Verifiable Credential 2.0 that is also an Open Badges 3.0
``OpenBadgeCredential``; only its hash goes on chain, as a leaf of an anchored Merkle batch or as the
record of a criteria-checked issuance.

Modules: :mod:`~ledger.credentials.document` (the document model: templates, credentials, batches),
:mod:`~ledger.credentials.parts` (issuer, achievement, evidence, subject), :mod:`~ledger.credentials.fields`
(the field checks and the format error), :mod:`~ledger.credentials.hashing` (the credential hash),
:mod:`~ledger.credentials.proof` (where the hash is recorded on chain), :mod:`~ledger.credentials.merkle`
(Merkle trees and proofs), :mod:`~ledger.credentials.batch` (a batch's proofs),
:mod:`~ledger.credentials.parse` (a presented document, checked field by field),
:mod:`~ledger.credentials.files` (durable credential files), :mod:`~ledger.credentials.bundle` (a batch
in one JSON Lines file), :mod:`~ledger.credentials.standards` (certificate types: talent standards with
machine-checkable criteria).

Exports the names below. May import: ``ledger.errors``, ``ledger.types``, ``ledger.canonical``,
``ledger.files``, ``ledger.crypto``, ``ledger.identity``, ``ledger.contributions``; never the chain or
the contracts.
"""

from __future__ import annotations

from ledger.credentials.batch import attach_batch_proofs, iter_batch_json, iter_batch_proofs
from ledger.credentials.document import (
    CREDENTIAL_TYPES,
    OB_CONTEXT,
    VC_CONTEXT,
    Credential,
    CredentialTemplate,
    SubjectEntry,
    build_batch,
)
from ledger.credentials.fields import ACHIEVEMENT_TYPES, CredentialFormatError
from ledger.credentials.files import DURABILITY_MODES, WriteReport, default_filename, write_credentials
from ledger.credentials.hashing import HASH_DOMAIN_TAG, credential_hash, hash_function
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parse import parse_credential, read_credential_file
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile, subject_uri
from ledger.credentials.proof import BATCH_PROOF, CHECKED_PROOF, ChainRef, CredentialProof

__all__ = [
    "ACHIEVEMENT_TYPES",
    "BATCH_PROOF",
    "CHECKED_PROOF",
    "CREDENTIAL_TYPES",
    "DURABILITY_MODES",
    "HASH_DOMAIN_TAG",
    "OB_CONTEXT",
    "VC_CONTEXT",
    "Achievement",
    "ChainRef",
    "Credential",
    "CredentialFormatError",
    "CredentialProof",
    "CredentialTemplate",
    "Evidence",
    "IssuerProfile",
    "MerkleTree",
    "SubjectEntry",
    "WriteReport",
    "attach_batch_proofs",
    "build_batch",
    "credential_hash",
    "default_filename",
    "hash_function",
    "iter_batch_json",
    "iter_batch_proofs",
    "parse_credential",
    "read_credential_file",
    "subject_uri",
    "write_credentials",
]
