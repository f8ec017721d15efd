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

The ``proof`` member (not hashed; :class:`CredentialProof`) of a batch credential::

    {"type": "LedgerBatchAnchor2026", "hashAlgorithm": "keccak256", "credentialHash": "0x...",
     "chain": {"backend": "embedded", "chainId": 20200}, "contract": "0x<CredentialRegistry>",
     "batchRoot": "0x...", "batchSize": 1000, "leafIndex": 17, "merklePath": ["0x...", ...],
     "anchorTransaction": "0x...", "anchorBlock": 42}        (the last two once the root is mined)

and of a criteria-checked certificate: ``"type": "LedgerCheckedIssuance2026"`` with
``issueTransaction`` and ``issueBlock`` instead of the batch members.

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
built or copied per document. Files are written by :func:`write_credentials` (all files, then one
sync phase). On ext4 the cost of a durable batch is file creation in the kernel, not the sync: one
``syncfs`` for 100,000 files took about 2 s here, while ``fsync`` per file costs milliseconds each.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sha3  # safe-pysha3

from .canonical import CanonicalizationError, ParsedJSON, canonicalize
from .canonical import parse as parse_json
from .crypto import keccak256, to_checksum_address
from .errors import ValidationError
from .merkle import Hasher, MerkleTree

__all__ = [
    "ACHIEVEMENT_TYPES",
    "BATCH_PROOF",
    "CHECKED_PROOF",
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
    "hash_function",
    "parse_credential",
    "subject_uri",
    "write_credentials",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")

#: Prefix of every credential hash pre-image; the NUL cannot start a JSON text.
HASH_DOMAIN_TAG = b"fisco-talent-ledger/credential/v1\x00"

#: ``proof.type`` of a credential anchored as a leaf of a Merkle batch.
BATCH_PROOF = "LedgerBatchAnchor2026"
#: ``proof.type`` of a credential issued one at a time by the contract's criteria check.
CHECKED_PROOF = "LedgerCheckedIssuance2026"

#: Open Badges 3.0 AchievementType vocabulary (extensions are written ``ext:Name``).
ACHIEVEMENT_TYPES = frozenset(
    [
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    ]
)

_HASHERS: dict[str, Hasher] = {"keccak256": keccak256}
_UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_SUBJECT_URI = re.compile(r"^urn:ledger:subject:0x[0-9a-f]{64}$")
_EVIDENCE_URI = re.compile(r"^urn:ledger:contribution:0x[0-9a-f]{64}$")
_ISSUER_DID = re.compile(r"^did:fisco:(0|[1-9][0-9]{0,18}):0x[0-9a-f]{40}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_EXT_TYPE = re.compile(r"^ext:[A-Za-z0-9._-]+$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UINT64_MAX = 2**64 - 1


class CredentialFormatError(ValidationError):
    """A credential document (or a value for one) does not have the required form.

    Attributes:
        path: the field, e.g. ``credentialSubject.achievement.typeId`` or ``proof.merklePath[3]``.
        reason: what is wrong with it.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


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


def _text(value: Any, path: str, *, limit: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialFormatError(path, "must be a non-empty string")
    if len(value) > limit:
        raise CredentialFormatError(path, f"is longer than {limit} characters")
    return value


def _line(value: Any, path: str, *, limit: int = 300) -> str:
    """A one-line display string (names): no control characters."""
    _text(value, path, limit=limit)
    if _CONTROL.search(value):
        raise CredentialFormatError(path, "must not contain control characters")
    return value


def _timestamp(value: Any, path: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise CredentialFormatError(path, "must be a date-time with a time zone, e.g. 2026-06-30T00:00:00Z")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CredentialFormatError(path, f"is not a valid date-time ({exc})") from None


def _uint(value: Any, path: str) -> int:
    if type(value) is not int or not 0 <= value <= _UINT64_MAX:
        raise CredentialFormatError(path, "must be a non-negative integer")
    return value


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
        if self.achievement_type not in ACHIEVEMENT_TYPES and not _EXT_TYPE.match(self.achievement_type):
            raise CredentialFormatError(
                "credentialSubject.achievement.achievementType",
                f"{self.achievement_type!r} is not an Open Badges 3.0 achievement type (or ext:Name)",
            )
        if not self.id:
            object.__setattr__(self, "id", f"urn:ledger:type:{self.type_id}")
        elif not _URI.match(self.id):
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


@dataclass(frozen=True, slots=True)
class ChainRef:
    """Which chain a proof refers to: the backend kind (embedded, rpc, fisco3 ...) and the chain id."""

    backend: str
    chain_id: int


@dataclass(frozen=True, slots=True)
class CredentialProof:
    """Where a credential's hash is recorded on chain; the document's ``proof`` member.

    A batch proof (``kind == BATCH_PROOF``) names the batch root, the leaf index, the batch size and
    the Merkle path; ``anchor_transaction``/``anchor_block`` are ``None`` until the root is anchored.
    A checked proof (``CHECKED_PROOF``) names the transaction and block of the contract's issuance.
    """

    kind: str
    credential_hash: bytes
    chain: ChainRef
    contract: str
    hash_algorithm: str = "keccak256"
    batch_root: bytes | None = None
    batch_size: int | None = None
    leaf_index: int | None = None
    merkle_path: tuple[bytes, ...] = ()
    anchor_transaction: bytes | None = None
    anchor_block: int | None = None
    issue_transaction: bytes | None = None
    issue_block: int | None = None

    def __post_init__(self) -> None:
        # The JSON is built by hand (to_json), so what goes into it verbatim is checked here.
        if self.kind not in (BATCH_PROOF, CHECKED_PROOF):
            raise CredentialFormatError("proof.type", f"must be {BATCH_PROOF!r} or {CHECKED_PROOF!r}")
        if self.hash_algorithm not in ("keccak256", "sm3"):
            raise CredentialFormatError("proof.hashAlgorithm", "must be 'keccak256' or 'sm3'")
        if not isinstance(self.contract, str) or not _ADDRESS.match(self.contract):
            raise CredentialFormatError("proof.contract", "must be an address (0x + 40 hex digits)")
        if not isinstance(self.credential_hash, bytes) or len(self.credential_hash) != 32:
            raise CredentialFormatError("proof.credentialHash", "must be 32 bytes")
        if self.kind == BATCH_PROOF and (self.batch_root is None or self.batch_size is None or self.leaf_index is None):
            raise CredentialFormatError("proof", "a batch proof names its batch root, size and leaf index")

    def to_json(self) -> str:
        """Compact JSON with sorted keys, built by hand: this runs once per issued credential.

        The members a batch shares (chain, contract, root, anchoring) are rendered once per batch
        and cached.
        """
        head = _proof_head(self)
        if self.kind == BATCH_PROOF:
            joined = b"".join(self.merkle_path).hex()
            siblings = '","0x'.join([joined[i : i + 64] for i in range(0, len(joined), 64)])
            path = f'"0x{siblings}"' if siblings else ""
            return (
                f'{head}{self.credential_hash.hex()}","hashAlgorithm":"{self.hash_algorithm}",'
                f'"leafIndex":{int(self.leaf_index or 0)},"merklePath":[{path}],"type":"{BATCH_PROOF}"}}'
            )
        tail = ""
        if self.issue_block is not None:
            tail += f',"issueBlock":{int(self.issue_block)}'
        if self.issue_transaction is not None:
            tail += f',"issueTransaction":"0x{self.issue_transaction.hex()}"'
        return (
            f'{head}{self.credential_hash.hex()}","hashAlgorithm":"{self.hash_algorithm}"{tail},'
            f'"type":"{CHECKED_PROOF}"}}'
        )

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Any, path: str = "proof") -> CredentialProof:
        """Parse and check a ``proof`` object.

        Raises:
            CredentialFormatError: a member is missing or malformed (the path names it).
        """
        if not isinstance(data, dict):
            raise CredentialFormatError(path, "must be an object (one proof)")
        kind = data.get("type")
        if kind not in (BATCH_PROOF, CHECKED_PROOF):
            raise CredentialFormatError(f"{path}.type", f"must be {BATCH_PROOF!r} or {CHECKED_PROOF!r}")
        algorithm = data.get("hashAlgorithm", "keccak256")
        if algorithm not in ("keccak256", "sm3"):
            raise CredentialFormatError(f"{path}.hashAlgorithm", "must be 'keccak256' or 'sm3'")
        chain = data.get("chain")
        if not isinstance(chain, dict):
            raise CredentialFormatError(f"{path}.chain", "must be an object {backend, chainId}")
        ref = ChainRef(
            _line(chain.get("backend"), f"{path}.chain.backend", limit=40),
            _uint(chain.get("chainId"), f"{path}.chain.chainId"),
        )
        contract = data.get("contract")
        if not isinstance(contract, str) or not _ADDRESS.match(contract):
            raise CredentialFormatError(f"{path}.contract", "must be an address (0x + 40 hex digits)")
        common: dict[str, Any] = {
            "kind": kind,
            "credential_hash": _bytes32(data.get("credentialHash"), f"{path}.credentialHash"),
            "chain": ref,
            "contract": contract,
            "hash_algorithm": algorithm,
        }
        if kind == CHECKED_PROOF:
            return cls(
                **common,
                issue_transaction=_opt_bytes32(data.get("issueTransaction"), f"{path}.issueTransaction"),
                issue_block=_opt_uint(data.get("issueBlock"), f"{path}.issueBlock"),
            )
        size = _uint(data.get("batchSize"), f"{path}.batchSize")
        index = _uint(data.get("leafIndex"), f"{path}.leafIndex")
        if size < 1 or index >= size:
            raise CredentialFormatError(f"{path}.leafIndex", f"leaf {index} is outside a batch of {size}")
        raw_path = data.get("merklePath")
        if not isinstance(raw_path, list):
            raise CredentialFormatError(f"{path}.merklePath", "must be a list of 32-byte hex strings")
        return cls(
            **common,
            batch_root=_bytes32(data.get("batchRoot"), f"{path}.batchRoot"),
            batch_size=size,
            leaf_index=index,
            merkle_path=_path32(raw_path, f"{path}.merklePath"),
            anchor_transaction=_opt_bytes32(data.get("anchorTransaction"), f"{path}.anchorTransaction"),
            anchor_block=_opt_uint(data.get("anchorBlock"), f"{path}.anchorBlock"),
        )


_HEADS: dict[tuple[Any, ...], str] = {}


def _proof_head(proof: CredentialProof) -> str:
    """The sorted members before ``credentialHash`` (all shared by a batch), up to its ``0x``."""
    key = (
        proof.kind,
        proof.chain,
        proof.contract,
        proof.batch_root,
        proof.batch_size,
        proof.anchor_transaction,
        proof.anchor_block,
    )
    head = _HEADS.get(key)
    if head is None:
        parts = []
        if proof.kind == BATCH_PROOF:
            if proof.anchor_block is not None:
                parts.append(f'"anchorBlock":{int(proof.anchor_block)}')
            if proof.anchor_transaction is not None:
                parts.append(f'"anchorTransaction":"0x{proof.anchor_transaction.hex()}"')
            assert proof.batch_root is not None
            parts.append(f'"batchRoot":"0x{proof.batch_root.hex()}","batchSize":{int(proof.batch_size or 0)}')
        parts.append(
            f'"chain":{{"backend":{json.dumps(proof.chain.backend)},"chainId":{int(proof.chain.chain_id)}}}'
        )
        parts.append(f'"contract":"{proof.contract}","credentialHash":"0x')
        head = "{" + ",".join(parts)
        if len(_HEADS) > 256:
            _HEADS.clear()
        _HEADS[key] = head
    return head


def _bytes32(value: Any, path: str) -> bytes:
    # fromhex skips whitespace, so the length of both the text and the result is checked.
    if type(value) is str and len(value) == 66 and value[:2] == "0x":
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            pass
        else:
            if len(raw) == 32:
                return raw
    raise CredentialFormatError(path, "must be 0x followed by 64 hex digits")


def _path32(values: list[Any], path: str) -> tuple[bytes, ...]:
    """A list of 32-byte hex strings, decoded in one ``fromhex`` call when all are well formed."""
    if all(type(v) is str and len(v) == 66 and v[:2] == "0x" for v in values):
        try:
            blob = bytes.fromhex("".join([v[2:] for v in values]))
        except ValueError:
            blob = b""
        if len(blob) == 32 * len(values):
            return tuple([blob[i : i + 32] for i in range(0, len(blob), 32)])
    return tuple(_bytes32(v, f"{path}[{i}]") for i, v in enumerate(values))


def _opt_bytes32(value: Any, path: str) -> bytes | None:
    return None if value is None else _bytes32(value, path)


def _opt_uint(value: Any, path: str) -> int | None:
    return None if value is None else _uint(value, path)


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
    if not _ADDRESS.match(contract):
        raise CredentialFormatError("proof.contract", "must be an address (0x + 40 hex digits)")
    if not credentials:
        return []
    algorithm = credentials[0].hash_algorithm
    if tree is None:
        tree = MerkleTree.build([c.hash for c in credentials], hash_function(algorithm))
    elif len(tree) != len(credentials):
        raise ValidationError(f"the tree has {len(tree)} leaves for {len(credentials)} credentials")
    root, size = tree.root, len(credentials)
    out = []
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
        out.append(
            Credential(
                c.template,
                c.id,
                c.subject_id,
                c.holder_name,
                c.evidence,
                c.body,
                c.hash,
                c.hash_algorithm,
                proof,
            )
        )
    return out


# -- parsing --------------------------------------------------------------------------------


def _types(value: Any, path: str, required: Iterable[str]) -> None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise CredentialFormatError(path, "must be a list of type names")
    missing = [t for t in required if t not in value]
    if missing:
        raise CredentialFormatError(path, f"must include {', '.join(missing)}")


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CredentialFormatError(path, "must be an object")
    return value


_TEMPLATES: dict[tuple[Any, ...], CredentialTemplate] = {}


def _parse_template(
    doc: dict[str, Any],
    issuer_doc: dict[str, Any],
    achievement_doc: dict[str, Any],
    criteria: dict[str, Any],
    algorithm: str,
) -> CredentialTemplate:
    """The template a parsed document was stamped from; documents of one batch share one (cached)."""
    texts = (
        issuer_doc.get("id"),
        issuer_doc.get("name"),
        achievement_doc.get("id"),
        achievement_doc.get("name"),
        achievement_doc.get("description"),
        criteria.get("narrative"),
        achievement_doc.get("fieldOfStudy"),
        achievement_doc.get("achievementType"),
        doc.get("validFrom"),
        doc.get("validUntil"),
        doc.get("name"),
        algorithm,
    )
    type_id, type_version = achievement_doc["typeId"], achievement_doc["typeVersion"]
    # Only exact str/None and int values are cached: True == 1 must not pass for a type id.
    cacheable = type(type_id) is int and type(type_version) is int
    cacheable = cacheable and all(v is None or type(v) is str for v in texts)
    key = (*texts, type_id, type_version) if cacheable else None
    if key is not None:
        found = _TEMPLATES.get(key)
        if found is not None:
            return found
    issuer = IssuerProfile(issuer_doc.get("id"), issuer_doc.get("name"))  # type: ignore[arg-type]
    achievement = Achievement(
        type_id=type_id,
        type_version=type_version,
        name=achievement_doc.get("name"),  # type: ignore[arg-type]
        description=achievement_doc.get("description"),  # type: ignore[arg-type]
        criteria=criteria.get("narrative"),  # type: ignore[arg-type]
        field_of_study=achievement_doc.get("fieldOfStudy"),  # type: ignore[arg-type]
        achievement_type=achievement_doc.get("achievementType"),  # type: ignore[arg-type]
        id=achievement_doc["id"],
    )
    template = CredentialTemplate(
        issuer,
        achievement,
        doc.get("validFrom"),  # type: ignore[arg-type]
        doc.get("validUntil"),
        _line(doc.get("name"), "name"),
        algorithm,
    )
    if key is not None:
        if len(_TEMPLATES) >= 1024:
            _TEMPLATES.clear()
        _TEMPLATES[key] = template
    return template


def parse_credential(
    source: str | bytes | Mapping[str, Any], *, hash_algorithm: str | None = None
) -> Credential:
    """Parse and check a credential document (W3C VC 2.0 + Open Badges 3.0, our profile).

    Args:
        source: JSON text/bytes, or an already parsed mapping.
        hash_algorithm: the hash to use; by default the proof's ``hashAlgorithm`` (keccak256 without proof).

    Raises:
        NotJSONError (a CanonicalizationError): the text is not JSON.
        CredentialFormatError: the JSON is not a credential; ``path`` names the first bad field.
    """
    parsed: ParsedJSON | None = None
    try:
        if isinstance(source, (str, bytes, bytearray)):
            parsed = parse_json(source)
            doc = parsed.value
        else:
            doc = source
    except CanonicalizationError as exc:
        if type(exc) is not CanonicalizationError:
            raise
        raise CredentialFormatError(exc.path, exc.reason) from None
    doc = _object(doc, "")
    context = doc.get("@context")
    if not isinstance(context, list) or context[:2] != [VC_CONTEXT, OB_CONTEXT]:
        raise CredentialFormatError("@context", f"must start with [{VC_CONTEXT!r}, {OB_CONTEXT!r}]")
    _types(doc.get("type"), "type", CREDENTIAL_TYPES)
    credential_id = doc.get("id")
    if not isinstance(credential_id, str) or not _UUID_URN.match(credential_id):
        raise CredentialFormatError("id", "must be urn:uuid:<lower-case uuid>")
    issuer_doc = _object(doc.get("issuer"), "issuer")
    _types(issuer_doc.get("type"), "issuer.type", ("Profile",))
    subject_doc = _object(doc.get("credentialSubject"), "credentialSubject")
    subject = subject_doc.get("id")
    if not isinstance(subject, str) or not _SUBJECT_URI.match(subject):
        raise CredentialFormatError(
            "credentialSubject.id", "must be urn:ledger:subject:0x<64 lower-case hex>"
        )
    _types(subject_doc.get("type"), "credentialSubject.type", ("AchievementSubject",))
    a = "credentialSubject.achievement"
    achievement_doc = _object(subject_doc.get(a.split(".")[1]), a)
    _types(achievement_doc.get("type"), f"{a}.type", ("Achievement",))
    criteria = _object(achievement_doc.get("criteria"), f"{a}.criteria")
    achievement_id = achievement_doc.get("id")
    if not isinstance(achievement_id, str) or not achievement_id:
        raise CredentialFormatError(f"{a}.id", "must be a URI")
    if "typeId" not in achievement_doc:
        raise CredentialFormatError(f"{a}.typeId", "is missing (the on-chain certificate type)")
    if "typeVersion" not in achievement_doc:
        raise CredentialFormatError(f"{a}.typeVersion", "is missing (the on-chain type version)")
    holder_name = None
    identifiers = subject_doc.get("identifier")
    if identifiers is not None:
        if not isinstance(identifiers, list):
            raise CredentialFormatError("credentialSubject.identifier", "must be a list of IdentityObjects")
        for i, item in enumerate(identifiers):
            where = f"credentialSubject.identifier[{i}]"
            item = _object(item, where)
            if item.get("type") != "IdentityObject":
                raise CredentialFormatError(f"{where}.type", "must be 'IdentityObject'")
            if item.get("identityType") == "name" and item.get("hashed") is False and holder_name is None:
                holder_name = _line(item.get("identityHash"), f"{where}.identityHash")
    evidence: list[Evidence] = []
    raw_evidence = doc.get("evidence")
    if raw_evidence is not None:
        if not isinstance(raw_evidence, list):
            raise CredentialFormatError("evidence", "must be a list")
        for i, item in enumerate(raw_evidence):
            item = _object(item, f"evidence[{i}]")
            _types(item.get("type"), f"evidence[{i}].type", ("Evidence",))
            uri = item.get("id")
            if not isinstance(uri, str) or not _EVIDENCE_URI.match(uri):
                raise CredentialFormatError(f"evidence[{i}].id", "must be urn:ledger:contribution:0x<64 hex>")
            name = item.get("name")
            if name is not None:
                _line(name, f"evidence[{i}].name")
            evidence.append(Evidence(bytes.fromhex(uri.rsplit(":", 1)[1][2:]), name))
    proof = None if doc.get("proof") is None else CredentialProof.from_dict(doc["proof"])
    algorithm = hash_algorithm or (proof.hash_algorithm if proof else "keccak256")
    template = _parse_template(doc, issuer_doc, achievement_doc, criteria, algorithm)
    try:
        unproved = {k: v for k, v in doc.items() if k != "proof"}
        body = parsed.canonicalize(unproved) if parsed is not None else canonicalize(unproved)
    except CanonicalizationError as exc:
        raise CredentialFormatError(exc.path, exc.reason) from None
    digest = credential_hash(body, template.hash_algorithm)
    return Credential(
        template,
        credential_id,
        subject,
        holder_name,
        tuple(evidence),
        body,
        digest,
        template.hash_algorithm,
        proof,
    )


# -- durable files --------------------------------------------------------------------------

#: How :func:`write_credentials` makes files durable.
DURABILITY_MODES = ("none", "fsync", "syncfs")


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What :func:`write_credentials` did and how long the two phases took."""

    paths: tuple[Path, ...]
    bytes_written: int
    write_seconds: float
    sync_seconds: float
    durability: str


def _syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def default_filename(credential: Credential, index: int) -> str:
    """``<uuid>.json`` for ``urn:uuid:<uuid>``."""
    return credential.id.rsplit(":", 1)[1] + ".json"


def write_credentials(
    directory: Path,
    credentials: Sequence[Credential],
    *,
    durability: str = "syncfs",
    filename: Callable[[Credential, int], str] = default_filename,
    overwrite: bool = False,
) -> WriteReport:
    """Write each credential to its own file (mode 0600: it names the holder), then make them durable.

    All files are written first, then synced in one phase, which lets the kernel batch the disk work:

    * ``"syncfs"``: one ``syncfs(2)`` for the directory's file system, then ``fsync`` of the directory
      (Linux; elsewhere it falls back to ``"fsync"``). It flushes other dirty data on that file system too.
    * ``"fsync"``: ``fsync`` every file, then the directory.
    * ``"none"``: leave it to the page cache (a crash may lose recent files).

    Raises:
        FileExistsError: a file is already there and ``overwrite`` is false.
    """
    import time

    if durability not in DURABILITY_MODES:
        raise ValueError(f"durability must be one of {', '.join(DURABILITY_MODES)}")
    directory.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | (os.O_TRUNC if overwrite else os.O_EXCL)
    paths = []
    total = 0
    started = time.perf_counter()
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        for index, credential in enumerate(credentials):
            name = filename(credential, index)
            if not name or "/" in name or name in (".", ".."):
                raise ValueError(f"{name!r} is not a plain file name")
            data = credential.to_json()
            # Relative to the open directory: no path walk per file.
            fd = os.open(name, flags, 0o600, dir_fd=dir_fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            paths.append(name)
            total += len(data)
        written = time.perf_counter()
        sync = _syncfs() if durability == "syncfs" else None
        if durability == "syncfs" and sync is None:
            durability = "fsync"
        if sync is not None and sync(dir_fd) != 0:
            import ctypes

            errno = ctypes.get_errno()
            raise OSError(errno, f"syncfs failed: {os.strerror(errno)}", str(directory))
        if durability == "fsync":
            # Reopening is cheap next to the flush; keeping 100k descriptors open is not possible.
            for name in paths:
                fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        if durability != "none":
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return WriteReport(
        tuple(directory / name for name in paths),
        total,
        written - started,
        time.perf_counter() - written,
        durability,
    )
