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

The ``proof`` member is not hashed; its form is described in :mod:`ledger.credential_proof`.

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
from this one: the field checks (:mod:`ledger.credential_fields`), the proof
(:mod:`ledger.credential_proof`), parsing a document (:mod:`ledger.credential_parse`) and writing
credential files durably (:mod:`ledger.credential_files`).
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sha3  # safe-pysha3

from .canonical import canonicalize
from .credential_fields import ACHIEVEMENT_TYPES, CredentialFormatError
from .credential_fields import ADDRESS as _ADDRESS
from .credential_fields import BYTES32 as _BYTES32
from .credential_fields import EXT_TYPE as _EXT_TYPE
from .credential_fields import ISSUER_DID as _ISSUER_DID
from .credential_fields import SUBJECT_URI as _SUBJECT_URI
from .credential_fields import URI as _URI
from .credential_fields import UUID_URN as _UUID_URN
from .credential_fields import check_line as _line
from .credential_fields import check_text as _text
from .credential_fields import check_timestamp as _timestamp
from .credential_fields import check_uint as _uint
from .credential_files import DURABILITY_MODES, WriteReport, default_filename, write_credentials
from .credential_proof import (
    BATCH_PROOF,
    CHECKED_PROOF,
    ChainRef,
    CredentialProof,
    batch_proof_json,
    proof_head,
)
from .crypto import keccak256, to_checksum_address
from .errors import ValidationError
from .merkle import Hasher, MerkleTree

if TYPE_CHECKING:
    from .credential_parse import parse_credential

__all__ = [
    "ACHIEVEMENT_TYPES",
    "BATCH_PROOF",
    "CHECKED_PROOF",
    "DURABILITY_MODES",
    "HASH_DOMAIN_TAG",
    "Achievement",
    "ChainRef",
    "Credential",
    "CredentialFormatError",
    "CredentialProof",
    "CredentialTemplate",
    "Evidence",
    "IssuerProfile",
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
    "subject_uri",
    "write_credentials",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")

#: Prefix of every credential hash pre-image; the NUL cannot start a JSON text.
HASH_DOMAIN_TAG = b"fisco-talent-ledger/credential/v1\x00"

_HASHERS: dict[str, Hasher] = {"keccak256": keccak256}


def hash_function(name: str) -> Hasher:
    """The hash named by a proof's ``hashAlgorithm``: ``keccak256`` or ``sm3``."""
    if name == "sm3":
        from .crypto import sm3

        return sm3
    try:
        return _HASHERS[name]
    except KeyError:
        raise CredentialFormatError("proof.hashAlgorithm", f"unknown hash algorithm {name!r}") from None


def credential_hash(body: bytes, hash_algorithm: str = "keccak256") -> bytes:
    """``H(HASH_DOMAIN_TAG || body)`` where ``body`` is the canonical JSON without ``proof``."""
    if hash_algorithm == "keccak256":
        return sha3.keccak_256(HASH_DOMAIN_TAG + body).digest()
    return hash_function(hash_algorithm)(HASH_DOMAIN_TAG + body)


def subject_uri(subject: bytes | str) -> str:
    """``urn:ledger:subject:0x...`` for a 32-byte subject id (bytes, ``0x`` hex, or the URI itself)."""
    if isinstance(subject, bytes):
        if len(subject) != 32:
            raise CredentialFormatError("credentialSubject.id", "a subject id is 32 bytes")
        return "urn:ledger:subject:0x" + subject.hex()
    text = subject.strip().lower()
    if _SUBJECT_URI.match(text):
        return text
    if _BYTES32.match(text):
        return "urn:ledger:subject:" + text
    raise CredentialFormatError(
        "credentialSubject.id",
        f"{subject!r} is not a subject id (0x + 64 hex digits, from `ledger subject new`)",
    )


def _hex32(value: bytes) -> str:
    return "0x" + value.hex()


def _json_kind(value: Any) -> str:
    """How JSON would call ``value``'s type, for messages about a member of the wrong type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"



# -- value objects --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuerProfile:
    """The issuer as the document names it: ``did:fisco:<chainId>:<address>`` and a display name."""

    id: str
    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ISSUER_DID.match(self.id):
            raise CredentialFormatError("issuer.id", f"{self.id!r} is not did:fisco:<chainId>:<0x address>")
        _line(self.name, "issuer.name")

    @classmethod
    def for_account(cls, chain_id: int, address: str, name: str) -> IssuerProfile:
        """The profile of the account ``address`` on chain ``chain_id``."""
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise CredentialFormatError("issuer.id", f"{address!r} is not an address (0x + 40 hex digits)")
        return cls(f"did:fisco:{int(chain_id)}:{address.lower()}", name)

    @property
    def chain_id(self) -> int:
        return int(self.id.split(":")[2])

    @property
    def address(self) -> str:
        """The issuer's account, EIP-55 checksummed."""
        return to_checksum_address(bytes.fromhex(self.id.rsplit(":", 1)[1][2:]))


@dataclass(frozen=True, slots=True)
class Achievement:
    """The certificate type as an Open Badges 3.0 Achievement, tied to its on-chain type id/version."""

    type_id: int
    type_version: int
    name: str
    description: str
    criteria: str
    field_of_study: str
    achievement_type: str = "Certificate"
    id: str = ""

    def __post_init__(self) -> None:
        _uint(self.type_id, "credentialSubject.achievement.typeId")
        _uint(self.type_version, "credentialSubject.achievement.typeVersion")
        _line(self.name, "credentialSubject.achievement.name")
        _text(self.description, "credentialSubject.achievement.description")
        _text(self.criteria, "credentialSubject.achievement.criteria.narrative")
        _line(self.field_of_study, "credentialSubject.achievement.fieldOfStudy")
        if not isinstance(self.achievement_type, str):
            # Checked first: a list or object is not even hashable for the vocabulary lookup below.
            raise CredentialFormatError(
                "credentialSubject.achievement.achievementType",
                f"must be a string (an Open Badges 3.0 achievement type or ext:Name), "
                f"not {_json_kind(self.achievement_type)}",
            )
        if self.achievement_type not in ACHIEVEMENT_TYPES and not _EXT_TYPE.match(self.achievement_type):
            raise CredentialFormatError(
                "credentialSubject.achievement.achievementType",
                f"{self.achievement_type!r} is not an Open Badges 3.0 achievement type (or ext:Name)",
            )
        if not self.id:
            object.__setattr__(self, "id", f"urn:ledger:type:{self.type_id}")
        elif not isinstance(self.id, str) or not _URI.match(self.id):
            raise CredentialFormatError("credentialSubject.achievement.id", f"{self.id!r} is not a URI")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": ["Achievement"],
            "name": self.name,
            "description": self.description,
            "criteria": {"narrative": self.criteria},
            "achievementType": self.achievement_type,
            "fieldOfStudy": self.field_of_study,
            "typeId": self.type_id,
            "typeVersion": self.type_version,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """One contribution named as evidence (criteria-checked certificates): its 32-byte key."""

    key: bytes
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != 32:
            raise CredentialFormatError("evidence", "a contribution key is 32 bytes")
        if self.name is not None:
            _line(self.name, "evidence.name")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": "urn:ledger:contribution:" + _hex32(self.key), "type": ["Evidence"]}
        if self.name is not None:
            out["name"] = self.name
        return out


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
            "issuer": {"id": self.issuer.id, "type": ["Profile"], "name": self.issuer.name},
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


# -- proofs for a batch ---------------------------------------------------------------------


def attach_batch_proofs(
    credentials: Sequence[Credential],
    *,
    chain: ChainRef,
    contract: str,
    tree: MerkleTree | None = None,
    anchor_transaction: bytes | None = None,
    anchor_block: int | None = None,
) -> list[Credential]:
    """Give every credential of a batch its Merkle proof (leaf index = position in ``credentials``).

    Args:
        tree: the batch's tree, when already built (it must be over these credentials' hashes).
        anchor_transaction / anchor_block: the anchoring transaction once it is mined (else None).
    """
    return list(
        iter_batch_proofs(
            credentials, chain=chain, contract=contract, tree=tree,
            anchor_transaction=anchor_transaction, anchor_block=anchor_block,
        )
    )  # fmt: skip


def iter_batch_proofs(
    credentials: Sequence[Credential],
    *,
    chain: ChainRef,
    contract: str,
    tree: MerkleTree | None = None,
    anchor_transaction: bytes | None = None,
    anchor_block: int | None = None,
) -> Iterator[Credential]:
    """:func:`attach_batch_proofs` one credential at a time, for writing a large batch as it goes.

    The arguments are checked at once (not at the first ``next``); the proved credentials are made
    on demand, so a batch of 100,000 never holds a second copy of itself.
    """
    if not _ADDRESS.match(contract):
        raise CredentialFormatError("proof.contract", "must be an address (0x + 40 hex digits)")
    if not credentials:
        return iter(())
    algorithm = credentials[0].hash_algorithm
    if tree is None:
        tree = MerkleTree.build([c.hash for c in credentials], hash_function(algorithm))
    elif len(tree) != len(credentials):
        raise ValidationError(f"the tree has {len(tree)} leaves for {len(credentials)} credentials")
    return _proved(credentials, chain, contract, algorithm, tree, anchor_transaction, anchor_block)


def _proved(
    credentials: Sequence[Credential],
    chain: ChainRef,
    contract: str,
    algorithm: str,
    tree: MerkleTree,
    anchor_transaction: bytes | None,
    anchor_block: int | None,
) -> Iterator[Credential]:
    root, size = tree.root, len(credentials)
    for index, (credential, path) in enumerate(zip(credentials, tree.proofs())):
        proof = CredentialProof(
            BATCH_PROOF,
            credential.hash,
            chain,
            contract,
            algorithm,
            root,
            size,
            index,
            path,
            anchor_transaction,
            anchor_block,
        )
        c = credential
        yield Credential(
            c.template, c.id, c.subject_id, c.holder_name, c.evidence, c.body, c.hash, c.hash_algorithm, proof
        )


def iter_batch_json(
    credentials: Sequence[Credential],
    *,
    chain: ChainRef,
    contract: str,
    tree: MerkleTree,
    anchor_transaction: bytes | None = None,
    anchor_block: int | None = None,
) -> Iterator[bytes]:
    """Each credential's document with its batch proof, as :meth:`Credential.to_json` writes it.

    The same bytes as ``c.to_json()`` for each credential of :func:`iter_batch_proofs`, without a
    proof object per credential: the members a batch shares are checked and rendered once (about
    twice as fast, for writing large batches).
    """
    if len(tree) != len(credentials):
        raise ValidationError(f"the tree has {len(tree)} leaves for {len(credentials)} credentials")
    if not credentials:
        return iter(())
    algorithm = credentials[0].hash_algorithm
    paths = tree.proofs()
    # The first leaf's proof object checks the members the batch shares (contract, chain) once.
    first = CredentialProof(
        BATCH_PROOF, credentials[0].hash, chain, contract, algorithm, tree.root, len(credentials), 0, paths[0],
        anchor_transaction, anchor_block,
    )  # fmt: skip
    head = proof_head(first)
    return (
        c.body[:-1] + b',"proof":' + batch_proof_json(head, c.hash, algorithm, i, path).encode("utf-8") + b"}"
        for i, (c, path) in enumerate(zip(credentials, paths))
    )



# -- names defined in the modules above this one --------------------------------------------

#: Re-exported names whose modules import this one, so they are loaded on first use.
_LOADED_LATER = {"parse_credential": "credential_parse"}


def __getattr__(name: str) -> Any:
    """Load a re-exported name from its module (it imports this one, so it cannot be imported here)."""
    module = _LOADED_LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    globals()[name] = value
    return value
