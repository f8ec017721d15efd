"""Selective disclosure: a copy of a credential with some fields withheld that still verifies.

As OpenAttestation's obfuscation does, every disclosable field of a credential (profile 2) is hashed on
its own with a random salt, and the credential's hash commits to those digests rather than to the
values (:mod:`ledger.credentials.hashing`). The holder's full copy carries each field's salt (in the
proof's ``proofValue``); :func:`withhold` makes a copy without the chosen fields, carrying each one's
digest instead, so its hash, and so its proof, is unchanged. A verifier sees which fields were withheld
and nothing of their values (a guess of a withheld name cannot be checked without its salt).

The fields (:data:`~ledger.credentials.document.DISCLOSABLE`), by path and by the short names the CLI
takes: ``credentialSubject.identifier`` (``holder``: the holder's name), ``credentialSubject.id``
(``subject``: the pseudonymous subject id, which links the credential to the subject's records on chain)
and ``evidence`` (the contributions named as evidence). Open Badges 3.0 asks that a subject be named by
``id`` or by an ``identifier``, so the two are not withheld together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from types import MappingProxyType

from ledger.canonical import canonicalize
from ledger.credentials.document import DISCLOSABLE, Credential
from ledger.credentials.hashing import field_digest
from ledger.errors import ValidationError

__all__ = ["FIELD_NAMES", "field_path", "withhold"]

#: The CLI's short names of the disclosable fields.
FIELD_NAMES = {"holder": "credentialSubject.identifier", "subject": "credentialSubject.id", "evidence": "evidence"}


def field_path(name: str) -> str:
    """The path of a disclosable field named by its short name or its path.

    Raises:
        ValidationError: not a disclosable field (the message lists them).
    """
    path = FIELD_NAMES.get(name.strip(), name.strip())
    if path not in DISCLOSABLE:
        choices = ", ".join(f"{k} ({v})" for k, v in FIELD_NAMES.items())
        raise ValidationError(f"{name!r} is not a field a holder can withhold; choose from: {choices}")
    return path


def withhold(credential: Credential, fields: Iterable[str]) -> Credential:
    """A copy of ``credential`` without ``fields`` (short names or paths), with their digests in its proof.

    Fields already withheld, or absent from the credential, are refused rather than ignored, so that a
    holder is never told a field was withheld when it was not there.

    Raises:
        ValidationError: the credential predates selective disclosure (profile 1) or has no proof, a
            field is unknown, absent or already withheld, or the subject's id and name would both go.
    """
    if credential.profile != 2 or credential.proof is None:
        raise ValidationError(
            "this credential was issued before selective disclosure (or has no proof): it can only be shared whole",
            hint="ask the issuer for a credential issued by this version, or share it as it is",
        )
    paths = sorted({field_path(f) for f in fields})
    if not paths:
        raise ValidationError("name at least one field to withhold")
    for path in paths:
        if path in credential.withheld:
            raise ValidationError(f"{path} is already withheld in this copy")
        if path not in credential.salts:
            raise ValidationError(f"this credential has no {path} to withhold")
    remaining = set(credential.salts) - set(paths)
    if "credentialSubject.id" not in remaining and "credentialSubject.identifier" not in remaining:
        raise ValidationError(
            "keep the subject's id or the holder's name: Open Badges 3.0 requires the subject to be named by one"
        )
    doc = json.loads(credential.body)
    subject = doc["credentialSubject"]
    withheld = dict(credential.withheld)
    for path in paths:
        if path == "evidence":
            value = doc.pop("evidence")
        else:
            value = subject.pop(path.split(".", 1)[1])
        withheld[path] = field_digest(path, credential.salts[path], canonicalize(value), credential.hash_algorithm)
    salts = {p: s for p, s in credential.salts.items() if p not in paths}
    return replace(
        credential,
        subject_id=None if "credentialSubject.id" in paths else credential.subject_id,
        holder_name=None if "credentialSubject.identifier" in paths else credential.holder_name,
        evidence=() if "evidence" in paths else credential.evidence,
        body=canonicalize(doc),
        salts=MappingProxyType(salts),
        withheld=MappingProxyType(withheld),
    )
