"""The fields of a credential document: the format error, the checks and the vocabulary every part uses.

The document model (:mod:`ledger.credentials.document`), its proof (:mod:`ledger.credentials.proof`) and the parser
(:mod:`ledger.credentials.parse`) check their values with these functions, so that a bad value is reported
the same way wherever it is found: a :class:`CredentialFormatError` naming the field's path.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ledger.errors import ValidationError

__all__ = [
    "ACHIEVEMENT_TYPES",
    "ADDRESS",
    "BYTES32",
    "EVIDENCE_URI",
    "EXT_TYPE",
    "ISSUER_DID",
    "SUBJECT_URI",
    "URI",
    "UUID_URN",
    "CredentialFormatError",
    "check_bytes32",
    "check_line",
    "check_opt_bytes32",
    "check_opt_uint",
    "check_path32",
    "check_text",
    "check_timestamp",
    "check_uint",
]

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

UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
SUBJECT_URI = re.compile(r"^urn:ledger:subject:0x[0-9a-f]{64}\Z")
EVIDENCE_URI = re.compile(r"^urn:ledger:contribution:0x[0-9a-f]{64}\Z")
ISSUER_DID = re.compile(r"^did:fisco:(0|[1-9][0-9]{0,18}):0x[0-9a-f]{40}\Z")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}\Z")
BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}\Z")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
EXT_TYPE = re.compile(r"^ext:[A-Za-z0-9._-]+\Z")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})\Z")
_PATH32 = re.compile(r"0x[0-9a-fA-F]{64}(?:\|0x[0-9a-fA-F]{64})*\Z")
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


def check_text(value: Any, path: str, *, limit: int = 2000) -> str:
    """A non-empty string of at most ``limit`` characters (descriptions, criteria)."""
    if not isinstance(value, str) or not value.strip():
        raise CredentialFormatError(path, "must be a non-empty string")
    if len(value) > limit:
        raise CredentialFormatError(path, f"is longer than {limit} characters")
    return value


def check_line(value: Any, path: str, *, limit: int = 300) -> str:
    """A one-line display string (names): no control characters."""
    check_text(value, path, limit=limit)
    if _CONTROL.search(value):
        raise CredentialFormatError(path, "must not contain control characters")
    return value


def check_timestamp(value: Any, path: str) -> datetime:
    """An RFC 3339 date-time with a time zone, as an aware :class:`~datetime.datetime`."""
    known = _TIMESTAMPS.get(value) if type(value) is str else None
    if known is not None:  # a batch's credentials share their dates: each text is read once
        return known
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise CredentialFormatError(path, "must be a date-time with a time zone, e.g. 2026-06-30T00:00:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CredentialFormatError(path, f"is not a valid date-time ({exc})") from None
    if type(value) is str:
        if len(_TIMESTAMPS) >= 1024:
            _TIMESTAMPS.clear()
        _TIMESTAMPS[value] = moment
    return moment


_TIMESTAMPS: dict[str, datetime] = {}


def check_uint(value: Any, path: str) -> int:
    """An ``int`` (not a bool) in the range of a uint64."""
    if type(value) is not int or not 0 <= value <= _UINT64_MAX:
        raise CredentialFormatError(path, "must be a non-negative integer")
    return value


def check_bytes32(value: Any, path: str) -> bytes:
    """``0x`` + 64 hex digits, as 32 bytes."""
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


def check_path32(values: list[Any], path: str) -> tuple[bytes, ...]:
    """A list of 32-byte hex strings, checked by one match over the joined list when all are well formed.

    Joined with a separator that no member may hold, the list matches :data:`_PATH32` with its length
    exactly when every member is ``0x`` + 64 hex digits; otherwise each member is checked on its own,
    so the error names the first bad one.
    """
    if not values:
        return ()
    if set(map(type, values)) == {str}:
        joined = "|".join(values)
        if len(joined) == 67 * len(values) - 1 and _PATH32.match(joined):
            return tuple(map(bytes.fromhex, joined[2:].split("|0x")))
    return tuple(check_bytes32(v, f"{path}[{i}]") for i, v in enumerate(values))


def check_opt_bytes32(value: Any, path: str) -> bytes | None:
    """:func:`check_bytes32`, or ``None`` when the member is absent."""
    return None if value is None else check_bytes32(value, path)


def check_opt_uint(value: Any, path: str) -> int | None:
    """:func:`check_uint`, or ``None`` when the member is absent."""
    return None if value is None else check_uint(value, path)
