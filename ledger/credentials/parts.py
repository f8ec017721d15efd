"""The parts a credential document names: the issuer, the achievement, the evidence and the subject.

:class:`IssuerProfile` (``did:fisco:<chainId>:<address>`` and a display name), :class:`Achievement`
(the on-chain certificate type as an Open Badges 3.0 achievement), :class:`Evidence` (a contribution
key) and :func:`subject_uri` (the pseudonymous subject id as a URI). They are frozen value objects,
each checking its fields when made, and a module of their own so that :mod:`ledger.credentials.document` holds
the document model (templates and credentials) that assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.credentials.fields import ACHIEVEMENT_TYPES, CredentialFormatError
from ledger.credentials.fields import ADDRESS as _ADDRESS
from ledger.credentials.fields import BYTES32 as _BYTES32
from ledger.credentials.fields import EXT_TYPE as _EXT_TYPE
from ledger.credentials.fields import ISSUER_DID as _ISSUER_DID
from ledger.credentials.fields import SUBJECT_URI as _SUBJECT_URI
from ledger.credentials.fields import URI as _URI
from ledger.credentials.fields import check_line as _line
from ledger.credentials.fields import check_text as _text
from ledger.credentials.fields import check_uint as _uint
from ledger.crypto.hashing import to_checksum_address

__all__ = ["Achievement", "Evidence", "IssuerProfile", "subject_uri"]


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


@dataclass(frozen=True, slots=True)
class IssuerProfile:
    """The issuer as the document names it: ``did:fisco:<chainId>:<address>``, a display name, and the
    institution's web address (Open Badges' Profile ``url``, ``https://<domain>``) when it has a domain:
    the domain a verifier checks (:mod:`ledger.verify.identity`)."""

    id: str
    name: str
    url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ISSUER_DID.match(self.id):
            raise CredentialFormatError("issuer.id", f"{self.id!r} is not did:fisco:<chainId>:<0x address>")
        _line(self.name, "issuer.name")
        if self.url is not None and (not isinstance(self.url, str) or not _URI.match(self.url)):
            raise CredentialFormatError("issuer.url", f"{self.url!r} is not a URL")

    @classmethod
    def for_account(cls, chain_id: int, address: str, name: str, url: str | None = None) -> IssuerProfile:
        """The profile of the account ``address`` on chain ``chain_id``."""
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise CredentialFormatError("issuer.id", f"{address!r} is not an address (0x + 40 hex digits)")
        return cls(f"did:fisco:{int(chain_id)}:{address.lower()}", name, url)

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
