"""The split of ``ledger.credential`` and ``ledger.verification`` kept every name where it was.

Code outside these modules imports from the old places (``from ledger.credential import
parse_credential``), so each moved name must still be there, as the very same object, whichever
module is imported first.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

#: name -> the module that defines it now, for every public name ledger.credential had before the split.
CREDENTIAL_NAMES = {
    "ACHIEVEMENT_TYPES": "ledger.credential_fields",
    "BATCH_PROOF": "ledger.credential_proof",
    "CHECKED_PROOF": "ledger.credential_proof",
    "CREDENTIAL_TYPES": "ledger.credential",
    "DURABILITY_MODES": "ledger.credential_files",
    "HASH_DOMAIN_TAG": "ledger.credential_hashing",
    "OB_CONTEXT": "ledger.credential",
    "VC_CONTEXT": "ledger.credential",
    "Achievement": "ledger.credential_parts",
    "ChainRef": "ledger.credential_proof",
    "Credential": "ledger.credential",
    "CredentialFormatError": "ledger.credential_fields",
    "CredentialProof": "ledger.credential_proof",
    "CredentialTemplate": "ledger.credential",
    "Evidence": "ledger.credential_parts",
    "IssuerProfile": "ledger.credential_parts",
    "SubjectEntry": "ledger.credential",
    "WriteReport": "ledger.credential_files",
    "attach_batch_proofs": "ledger.credential_batch",
    "build_batch": "ledger.credential",
    "credential_hash": "ledger.credential_hashing",
    "default_filename": "ledger.credential_files",
    "iter_batch_json": "ledger.credential_batch",
    "iter_batch_proofs": "ledger.credential_batch",
    "hash_function": "ledger.credential_hashing",
    "parse_credential": "ledger.credential_parse",
    "subject_uri": "ledger.credential_parts",
    "write_credentials": "ledger.credential_files",
}

#: The same for ledger.verification.
VERIFICATION_NAMES = {
    "ACTIVE": "ledger.chainview",
    "BUNDLE_TYPE": "ledger.chainview",
    "FAIL": "ledger.verification_report",
    "PASS": "ledger.verification_report",
    "REASON_CODES": "ledger.verification_report",
    "REINSTATED": "ledger.chainview",
    "REVOKED": "ledger.chainview",
    "SKIPPED": "ledger.verification_report",
    "STEPS": "ledger.verification_report",
    "SUSPENDED": "ledger.chainview",
    "AnchorRecord": "ledger.chainview",
    "Authorization": "ledger.chainview",
    "CachedChainView": "ledger.chainview",
    "ChainView": "ledger.chainview",
    "CredentialReport": "ledger.verification_report",
    "IssuanceRecord": "ledger.chainview",
    "StaticChainView": "ledger.chainview",
    "StatusChange": "ledger.chainview",
    "StatusRecord": "ledger.chainview",
    "StepResult": "ledger.verification_report",
    "snapshot": "ledger.chainview",
    "verify_credential": "ledger.verification",
    "verify_many": "ledger.verification",
}


@pytest.mark.parametrize(
    ("old", "names"),
    [("ledger.credential", CREDENTIAL_NAMES), ("ledger.verification", VERIFICATION_NAMES)],
)
def test_every_name_is_still_importable_from_its_old_module(old: str, names: dict[str, str]) -> None:
    module = importlib.import_module(old)
    for name, home in names.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name), name


@pytest.mark.parametrize("old", ["ledger.credential", "ledger.verification", "ledger.chainview"])
def test_all_lists_only_names_the_module_has(old: str) -> None:
    module = importlib.import_module(old)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    import ledger.credential

    with pytest.raises(AttributeError, match="no_such_name"):
        ledger.credential.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    "first",
    [
        "ledger.credential_parse",
        "ledger.credential_batch",
        "ledger.credential_hashing",
        "ledger.credential_parts",
        "ledger.credential_files",
        "ledger.credential_proof",
        "ledger.credential_fields",
        "ledger.chainview",
        "ledger.verification",
        "ledger.verification_report",
        "ledger.verification_steps",
    ],
)
def test_any_module_can_be_imported_first(first: str) -> None:
    # A fresh interpreter: the import cycle this guards against only shows on the first import.
    code = (
        f"import {first}\n"
        "from ledger.credential import parse_credential, write_credentials, CredentialProof\n"
        "from ledger.verification import StaticChainView, verify_credential, ACTIVE\n"
        "from ledger.chainview import ContractsView, ChainView\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
