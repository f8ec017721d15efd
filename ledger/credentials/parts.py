"""The parts a credential document names: the issuer, the achievement, the evidence and the subject.

:class:`IssuerProfile` (its DID, display name and chain account), :class:`Achievement`
(the on-chain certificate type as an Open Badges 3.0 achievement), :class:`Evidence` (a contribution
key) and :func:`subject_uri` (the pseudonymous subject id as a URI). They are frozen value objects,
each checking its fields when made, and a module of their own so that :mod:`ledger.credentials.document` holds
the document model (templates and credentials) that assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.credentials.fields import ACHIEVEMENT_TYPES, CredentialFormatError
from ledger.credentials.fields import BYTES32 as _BYTES32
from ledger.credentials.fields import EXT_TYPE as _EXT_TYPE
from ledger.credentials.fields import ISSUER_DID as _ISSUER_DID
from ledger.credentials.fields import SUBJECT_URI as _SUBJECT_URI
from ledger.credentials.fields import URI as _URI
from ledger.credentials.fields import check_line as _line
from ledger.credentials.fields import check_text as _text
from ledger.credentials.fields import check_uint as _uint
from ledger.credentials.identifiers import SUBJECT_URL, WEB_DID, account_did, contribution_url, web_did
from ledger.crypto.hashing import to_checksum_address

__all__ = ["Achievement", "Evidence", "IssuerProfile", "subject_bytes", "subject_uri"]


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


def subject_bytes(subject: bytes | str, path: str = "credentialSubject.id") -> bytes:
    """The 32-byte subject id from bytes, ``0x`` hex, a profile-1 URI (``urn:ledger:subject:0x...``) or a
    profile-2 DID URL (``<deployment DID>/subjects/0x...``)."""
    if isinstance(subject, bytes):
        if len(subject) != 32:
            raise CredentialFormatError(path, "a subject id is 32 bytes")
        return subject
    text = subject.strip().lower() if isinstance(subject, str) else ""
    m = SUBJECT_URL.match(text)
    if m is not None:
        return bytes.fromhex(m.group(3)[2:])
    return bytes.fromhex(subject_uri(text).rsplit(":", 1)[1][2:])


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
    """The issuer as the document names it: its DID, its display name and its chain account.

    ``id`` is ``did:fisco:<chainId>:<address>`` (the account itself), or ``did:web:<domain>`` for an
    institution with a domain, whose ``account`` then names the chain account it issues with
    (``did:fisco:...``; written to the profile's ``otherIdentifier``). See
    :mod:`ledger.credentials.identifiers`.
    """

    id: str
    name: str
    account: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.id, str) and _ISSUER_DID.match(self.id):
            if self.account and self.account != self.id:
                raise CredentialFormatError("issuer.otherIdentifier", "a did:fisco issuer is its own account")
            object.__setattr__(self, "account", self.id)
        elif isinstance(self.id, str) and WEB_DID.match(self.id):
            if not isinstance(self.account, str) or not _ISSUER_DID.match(self.account):
                raise CredentialFormatError(
                    "issuer.otherIdentifier", "a did:web issuer names its chain account (did:fisco:<chainId>:<0x address>)"
                )
        else:
            raise CredentialFormatError(
                "issuer.id", f"{self.id!r:.80} is not did:fisco:<chainId>:<0x address> or did:web:<domain>"
            )
        _line(self.name, "issuer.name")

    @classmethod
    def for_account(cls, chain_id: int, address: str, name: str, *, domain: str | None = None) -> IssuerProfile:
        """The profile of the account ``address`` on chain ``chain_id``; ``did:web:<domain>`` with a domain."""
        account = account_did(int(chain_id), address)
        return cls(web_did(domain), name, account) if domain else cls(account, name)

    @property
    def chain_id(self) -> int:
        return int(self.account.split(":")[2])

    @property
    def address(self) -> str:
        """The issuer's account, EIP-55 checksummed."""
        return to_checksum_address(bytes.fromhex(self.account.rsplit(":", 1)[1][2:]))

    @property
    def domain(self) -> str | None:
        """The institution's domain (did:web issuers), else None."""
        return self.id[len("did:web:"):] if self.id.startswith("did:web:") else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.account != self.id:
            out["otherIdentifier"] = [
                {"type": "IdentifierEntry", "identifier": self.account, "identifierType": "identifier"}
            ]
        return out


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

    def to_dict(self, deployment: str | None = None) -> dict[str, Any]:
        """The evidence item; its id is ``<deployment DID>/contributions/0x<key>``, or without a
        deployment the id credentials of profile 1 used (``urn:ledger:contribution:0x<key>``)."""
        uri = contribution_url(deployment, self.key) if deployment else "urn:ledger:contribution:" + _hex32(self.key)
        out: dict[str, Any] = {"id": uri, "type": ["Evidence"]}
        if self.name is not None:
            out["name"] = self.name
        return out
