"""Credential documents: W3C Verifiable Credentials 2.0 that are Open Badges 3.0 badges.

A credential certifies one achievement (a certificate type defined on chain) for one pseudonymous
subject. The document stays with the holder; only its hash goes on chain, as a leaf of an anchored
Merkle batch or as the record of a criteria-checked issuance.

Document shape (every credential this module writes; :func:`parse_credential` checks it)::

    {
      "@context": ["https://www.w3.org/ns/credentials/v2",
                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
      "type": ["VerifiableCredential", "OpenBadgeCredential"],
      "id": "urn:uuid:<uuid4>",
      "name": "<credential name, defaults to the achievement's name>",
      "issuer": {"id": "did:fisco:<chainId>:<0x issuer address, lower case>", "type": ["Profile"],
                 "name": "<issuer name>"},
      "validFrom": "2026-06-30T00:00:00Z", "validUntil": "...",              (validUntil optional)
      "credentialSubject": {
        "id": "urn:ledger:subject:0x<64 hex>",  "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": false,
                        "identityHash": "<holder display name>"}],           (optional)
        "achievement": {"id": "urn:ledger:type:<typeId>", "type": ["Achievement"], "name": ...,
                        "description": ..., "criteria": {"narrative": ...},
                        "achievementType": "Certificate", "fieldOfStudy": ...,
                        "typeId": 7, "typeVersion": 1}},
      "evidence": [{"id": "urn:ledger:contribution:0x<64 hex>", "type": ["Evidence"],
                    "name": "..."}],                                         (optional)
      "proof": {...}
    }

The ``proof`` member is not hashed; its form is described in :mod:`ledger.credentials.proof`.

Choices worth knowing:

* **Issuer id** ``did:fisco:<chainId>:<address>``: our own DID-like URI naming the issuer's account on
  one chain (decimal chain id, address as ``0x`` + 40 lower-case hex digits). No DID resolution is
  implied; verification compares the address with the chain's record of who anchored the root.
* **Subject id** ``urn:ledger:subject:0x<64 hex>``: the 32-byte pseudonymous id that goes on chain.
* **Holder name**: Open Badges 3.0's ``identifier`` with ``identityType`` ``name`` and ``hashed``
  false, for the human reader. It is inside the hashed document but never on chain.
* **typeId / typeVersion**: the on-chain certificate type; VC 2.0's ``@vocab`` maps these terms to
  issuer-dependent IRIs, so the document stays valid JSON-LD without a third context.
* **Hash** = ``H(HASH_DOMAIN_TAG || JCS(document without "proof"))`` with ``H`` keccak256 (SM3 on SM
  chains, named by the proof's ``hashAlgorithm``). The tag keeps a credential hash from ever equalling
  the hash of some other JSON this system signs or anchors.

Performance: a batch stamps many subjects into one :class:`CredentialTemplate`, whose canonical form
is rendered once with placeholder slots; each credential is a string join plus one hash, no dict is
built or copied per document.

The parts of this subject live in their own modules, and every public name of them can be imported
from this one: the field checks (:mod:`ledger.credentials.fields`), the hash
(:mod:`ledger.credentials.hashing`), the issuer, achievement, evidence and subject id
(:mod:`ledger.credentials.parts`), the proof (:mod:`ledger.credentials.proof`), batch proofs
(:mod:`ledger.credentials.batch`), parsing a document (:mod:`ledger.credentials.parse`) and writing
credential files durably (:mod:`ledger.credentials.files`). This module holds the document model:
templates, batches stamped from them, and the credential.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sha3  # safe-pysha3

from ledger.canonical import canonicalize
from ledger.credentials.fields import UUID_URN as _UUID_URN
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.fields import check_line as _line
from ledger.credentials.fields import check_timestamp as _timestamp
from ledger.credentials.hashing import HASH_DOMAIN_TAG, hash_function
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile, subject_uri
from ledger.credentials.proof import CredentialProof

__all__ = ["CREDENTIAL_TYPES", "OB_CONTEXT", "VC_CONTEXT", "Credential", "CredentialTemplate", "SubjectEntry", "build_batch"]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")


# -- templates and credentials --------------------------------------------------------------

_SLOTS = ("id", "subject", "holder", "evidence")
_SLOT_TOKEN = {name: json.dumps(f"\x00ledger-slot:{name}\x00") for name in _SLOTS}
_SLOT_OF_TOKEN = {token: name for name, token in _SLOT_TOKEN.items()}
_SLOT_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in _SLOT_TOKEN.values()) + ")")
_encode_str = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True, slots=True)
class SubjectEntry:
    """One row of a batch: the subject, and optionally a holder name, evidence and a fixed credential id."""

    subject: bytes | str
    holder_name: str | None = None
    evidence: tuple[Evidence, ...] = ()
    credential_id: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialTemplate:
    """Everything a batch's credentials share: issuer, achievement, validity, name.

    Args:
        valid_from / valid_until: date-times with a time zone (``2026-06-30T00:00:00Z``).
        name: the credential's display name; defaults to the achievement's name.
        hash_algorithm: ``keccak256``, or ``sm3`` on SM chains.
    """

    issuer: IssuerProfile
    achievement: Achievement
    valid_from: str
    valid_until: str | None = None
    name: str = ""
    hash_algorithm: str = "keccak256"
    _layouts: dict[tuple[bool, bool], tuple[list[str], list[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        start = _timestamp(self.valid_from, "validFrom")
        if self.valid_until is not None and _timestamp(self.valid_until, "validUntil") <= start:
            raise CredentialFormatError("validUntil", "must be later than validFrom")
        if not self.name:
            object.__setattr__(self, "name", self.achievement.name)
        _line(self.name, "name")
        hash_function(self.hash_algorithm)

    def document(
        self,
        credential_id: Any,
        subject: Any,
        holder_name: Any = None,
        evidence: Any = None,
    ) -> dict[str, Any]:
        """The document (without proof) for the given per-credential values, as a fresh dict."""
        subject_part: dict[str, Any] = {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": self.achievement.to_dict(),
        }
        if holder_name is not None:
            subject_part["identifier"] = [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": holder_name,
                }
            ]
        doc: dict[str, Any] = {
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "type": list(CREDENTIAL_TYPES),
            "id": credential_id,
            "name": self.name,
            "issuer": {"id": self.issuer.id, "type": ["Profile"], "name": self.issuer.name,
                       **({"url": self.issuer.url} if self.issuer.url is not None else {})},
            "validFrom": self.valid_from,
            "credentialSubject": subject_part,
        }
        if self.valid_until is not None:
            doc["validUntil"] = self.valid_until
        if evidence is not None:
            doc["evidence"] = evidence
        return doc

    def _layout(self, holder: bool, evidence: bool) -> tuple[list[str], list[str]]:
        """The canonical text split around placeholder slots: (fixed parts, slot names in order)."""
        key = (holder, evidence)
        layout = self._layouts.get(key)
        if layout is None:
            placeholder = {name: f"\x00ledger-slot:{name}\x00" for name in _SLOTS}
            doc = self.document(
                placeholder["id"],
                placeholder["subject"],
                placeholder["holder"] if holder else None,
                placeholder["evidence"] if evidence else None,
            )
            pieces = _SLOT_SPLIT.split(canonicalize(doc).decode("utf-8"))
            parts, slots = pieces[0::2], [_SLOT_OF_TOKEN[t] for t in pieces[1::2]]
            expected = (
                {"id", "subject"} | ({"holder"} if holder else set()) | ({"evidence"} if evidence else set())
            )
            if sorted(slots) != sorted(expected):
                raise CredentialFormatError("", "a template field contains a reserved placeholder text")
            layout = (parts, slots)
            self._layouts[key] = layout
        return layout

    def stamp(
        self,
        subject: bytes | str,
        *,
        holder_name: str | None = None,
        evidence: Sequence[Evidence] = (),
        credential_id: str | None = None,
    ) -> Credential:
        """One credential for ``subject``; a fresh ``urn:uuid`` id unless ``credential_id`` is given.

        Raises:
            CredentialFormatError: a bad subject id, holder name, evidence or credential id.
        """
        return build_batch(self, [SubjectEntry(subject, holder_name, tuple(evidence), credential_id)])[0]


def _new_ids(count: int) -> list[str]:
    """``count`` random version-4 UUID URNs (one urandom call for all of them)."""
    raw = os.urandom(16 * count)
    out = []
    for i in range(0, 16 * count, 16):
        h = raw[i : i + 16].hex()
        variant = "89ab"[int(h[16], 16) & 3]
        out.append(f"urn:uuid:{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return out


def build_batch(
    template: CredentialTemplate, entries: Iterable[SubjectEntry | bytes | str]
) -> list[Credential]:
    """Stamp one credential per entry into ``template`` (fast: no per-document dict or copy).

    Args:
        entries: a :class:`SubjectEntry`, or just a subject id (bytes or ``0x`` hex) per credential.

    Raises:
        CredentialFormatError: an entry is invalid; the message names the entry's position.
    """
    rows = [e if isinstance(e, SubjectEntry) else SubjectEntry(e) for e in entries]
    fresh = iter(_new_ids(sum(1 for r in rows if r.credential_id is None)))
    algorithm = template.hash_algorithm
    tag = HASH_DOMAIN_TAG
    keccak = sha3.keccak_256 if algorithm == "keccak256" else None
    hasher = hash_function(algorithm)
    out = []
    for position, row in enumerate(rows):
        try:
            subject = subject_uri(row.subject)
            credential_id = next(fresh) if row.credential_id is None else row.credential_id
            if row.credential_id is not None and not _UUID_URN.match(credential_id):
                raise CredentialFormatError("id", f"{credential_id!r} is not urn:uuid:<lower-case uuid>")
            values = {"id": f'"{credential_id}"', "subject": f'"{subject}"'}
            if row.holder_name is not None:
                values["holder"] = _encode_str(
                    _line(row.holder_name, "credentialSubject.identifier[0].identityHash")
                )
            if row.evidence:
                if not all(isinstance(e, Evidence) for e in row.evidence):
                    raise CredentialFormatError("evidence", "items must be Evidence objects")
                values["evidence"] = canonicalize([e.to_dict() for e in row.evidence]).decode("utf-8")
        except CredentialFormatError as exc:
            raise CredentialFormatError(exc.path, f"entry {position}: {exc.reason}") from None
        parts, slots = template._layout(row.holder_name is not None, bool(row.evidence))
        text = parts[0]
        for slot, part in zip(slots, parts[1:]):
            text += values[slot] + part
        body = text.encode("utf-8")
        digest = keccak(tag + body).digest() if keccak is not None else hasher(tag + body)
        out.append(
            Credential(
                template, credential_id, subject, row.holder_name, row.evidence, body, digest, algorithm
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential: its typed fields, its canonical body (the hashed bytes) and its hash.

    ``body`` is the RFC 8785 canonical JSON of the document without ``proof``; it is the truth the
    typed fields describe (a parsed document may carry extra members, which are kept in ``body``).
    Adding or replacing the proof (:meth:`with_proof`) never changes ``body`` or ``hash``.
    """

    template: CredentialTemplate
    id: str
    subject_id: str
    holder_name: str | None
    evidence: tuple[Evidence, ...]
    body: bytes
    hash: bytes
    hash_algorithm: str = "keccak256"
    proof: CredentialProof | None = None

    @property
    def issuer(self) -> IssuerProfile:
        return self.template.issuer

    @property
    def achievement(self) -> Achievement:
        return self.template.achievement

    @property
    def subject(self) -> bytes:
        """The 32-byte pseudonymous subject id that goes on chain."""
        return bytes.fromhex(self.subject_id.rsplit(":", 1)[1][2:])

    @property
    def valid_from(self) -> datetime:
        return _timestamp(self.template.valid_from, "validFrom")

    @property
    def valid_until(self) -> datetime | None:
        if self.template.valid_until is None:
            return None
        return _timestamp(self.template.valid_until, "validUntil")

    def with_proof(self, proof: CredentialProof | None) -> Credential:
        """The same credential with ``proof`` (``None`` removes it); the hash is unchanged."""
        if proof is not None and proof.credential_hash != self.hash:
            raise CredentialFormatError("proof.credentialHash", "does not match this credential's hash")
        return replace(self, proof=proof)

    def to_json(self, *, indent: int | None = None) -> bytes:
        """The document as UTF-8 JSON: the canonical body with the proof (if any) as its last member."""
        if indent is not None:
            return json.dumps(self.document(), indent=indent, ensure_ascii=False).encode("utf-8")
        if self.proof is None:
            return self.body
        return self.body[:-1] + b',"proof":' + self.proof.to_json().encode("utf-8") + b"}"

    def document(self) -> dict[str, Any]:
        """The document as a fresh dict (proof included when present)."""
        doc: dict[str, Any] = json.loads(self.body)
        if self.proof is not None:
            doc["proof"] = self.proof.to_dict()
        return doc
