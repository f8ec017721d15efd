"""What a verification reports: the outcome of each named step and the verdict over all of them.

:class:`StepResult` is one step's outcome (``pass``, ``fail`` or ``skipped``) with its stable reason
code; :class:`CredentialReport` holds every step of one credential and derives the verdict. The step
names (:data:`STEPS`) and every reason code (:data:`REASON_CODES`) are the stable interface a caller
or an audit report relies on, so they live here with the types, apart from the checks that produce
them (:mod:`ledger.verify.steps`) and the entry points (:mod:`ledger.verify.verifier`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ledger.verify.chainview import jsonable as _jsonable

__all__ = [
    "FAIL",
    "PASS",
    "REASON_CODES",
    "SKIPPED",
    "STEPS",
    "CredentialReport",
    "StepResult",
    "step_result",
]

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"

#: The steps of every report, in order.
STEPS = (
    "format",
    "integrity",
    "inclusion",
    "anchoring",
    "issuer_authorized",
    "issuer_domain",
    "status",
    "criteria",
    "expiry",
)

#: Every reason code a step can end with (the stable interface of a report), by step. Contracts v2 added:
#:
#: * ``ISSUER_COMPROMISED`` (issuer_authorized): the key that anchored the batch (or issued the
#:   credential) is marked compromised since a block at or before that write: it may be the thief's.
#: * ``BATCH_REVOKED`` (status): the whole batch was revoked, by its issuer, its parent or the committee
#:   (a revocation by a key compromised at the time does not count).
#: * ``DEPLOYMENT_SUPERSEDED`` (anchoring): written after its deployment named its successor.
#: * ``PROOF_INVALID`` now also for an edited ``leafIndex``: the positional tree binds the index.
REASON_CODES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "format": ("FORMAT_OK", "FORMAT_INVALID"),
        "integrity": ("HASH_OK", "HASH_MISMATCH"),
        "inclusion": ("PROOF_OK", "PROOF_MISSING", "PROOF_TRUNCATED", "PROOF_INVALID"),
        "anchoring": (
            "ANCHORED",
            "ISSUED",
            "ROOT_UNKNOWN",
            "NOT_ISSUED",
            "CHAIN_MISMATCH",
            "CONTRACT_MISMATCH",
            "ISSUER_MISMATCH",
            "TYPE_MISMATCH",
            "SUBJECT_MISMATCH",
            "ANCHOR_MISMATCH",
            "DEPLOYMENT_SUPERSEDED",
        ),
        "issuer_authorized": ("AUTHORIZED", "ISSUER_COMPROMISED", "ISSUER_NOT_AUTHORIZED"),
        "issuer_domain": (
            "DOMAIN_VERIFIED",
            "DOMAIN_UNCHECKED",
            "DOMAIN_UNREACHABLE",
            "DOMAIN_DOCUMENT_INVALID",
            "DOMAIN_MISMATCH",
            "REGISTRY_MISMATCH",
        ),
        "status": ("ACTIVE", "REINSTATED", "REVOKED", "SUSPENDED", "BATCH_REVOKED"),
        "criteria": ("CRITERIA_CHECKED", "EVIDENCE_MISMATCH", "EVIDENCE_MISSING", "COMPONENT_REVOKED",
                     "COMPONENT_SUSPENDED", "COMPONENT_ISSUER_COMPROMISED"),
        "expiry": ("IN_VALIDITY_PERIOD", "NOT_YET_VALID", "EXPIRED"),
        "any": ("OFFLINE", "NOT_APPLICABLE", "PRECONDITION_FAILED"),
    }
)

_NO_DETAILS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StepResult:
    """The outcome of one step: ``pass``, ``fail`` or ``skipped``, a stable reason code and a message."""

    name: str
    outcome: str
    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=lambda: _NO_DETAILS)

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def failed(self) -> bool:
        return self.outcome == FAIL

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.name,
            "outcome": self.outcome,
            "code": self.code,
            "message": self.message,
        }
        if self.details:
            out["details"] = {k: _jsonable(v) for k, v in self.details.items()}
        return out


def step_result(name: str, outcome: str, code: str, message: str, **details: Any) -> StepResult:
    """A :class:`StepResult`; keyword arguments become its ``details`` (none: a shared empty mapping)."""
    return StepResult(name, outcome, code, message, MappingProxyType(details) if details else _NO_DETAILS)


@dataclass(frozen=True, slots=True)
class CredentialReport:
    """Every step's result for one credential.

    ``withheld`` names the fields the holder withheld (selective disclosure; empty for a full copy).
    ``verdict`` is ``invalid`` when a step failed, ``incomplete`` when a step was skipped for a reason
    other than ``NOT_APPLICABLE`` (e.g. offline), else ``valid``. ``valid`` is ``verdict == "valid"``;
    ``valid_offline`` only asks that no step failed.

    ``summary`` says what the credential is about in words (holder, title, institution, dates; see
    :func:`ledger.verify.verifier.summarize`), ``None`` when the document could not be read.
    """

    steps: tuple[StepResult, ...]
    source: str | None = None
    credential_id: str | None = None
    credential_hash: bytes | None = None
    checked_at: str = ""
    chain_id: int | None = None
    as_of_block: int | None = None
    withheld: tuple[str, ...] = ()
    summary: Mapping[str, Any] | None = None

    @property
    def verdict(self) -> str:
        if any(s.outcome == FAIL for s in self.steps):
            return "invalid"
        if any(s.outcome == SKIPPED and s.code != "NOT_APPLICABLE" for s in self.steps):
            return "incomplete"
        return "valid"

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    @property
    def valid_offline(self) -> bool:
        return not any(s.outcome == FAIL for s in self.steps)

    @property
    def failures(self) -> tuple[StepResult, ...]:
        return tuple(s for s in self.steps if s.outcome == FAIL)

    def step(self, name: str) -> StepResult:
        """The result of the step called ``name``."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (hashes as 0x hex)."""
        return {
            "source": self.source,
            "credential_id": self.credential_id,
            "credential_hash": None if self.credential_hash is None else "0x" + self.credential_hash.hex(),
            "verdict": self.verdict,
            "valid": self.valid,
            "valid_offline": self.valid_offline,
            "checked_at": self.checked_at,
            "chain_id": self.chain_id,
            "as_of_block": self.as_of_block,
            "withheld_fields": list(self.withheld),
            "steps": [s.to_dict() for s in self.steps],
            **({"credential": dict(self.summary)} if self.summary is not None else {}),
        }
