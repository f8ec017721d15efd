"""Verifying a credential as a list of named steps, offline and against the chain.

Steps, in order (each ends ``pass``, ``fail`` or ``skipped`` with a stable reason code)::

    format             the document is a credential of our profile      FORMAT_OK | FORMAT_INVALID
    integrity          its hash equals the proof's credentialHash       HASH_OK | HASH_MISMATCH
    inclusion          the Merkle path leads to the batch root          PROOF_OK | PROOF_MISSING |
                                                                        PROOF_TRUNCATED | PROOF_INVALID
    anchoring          the root (or checked issuance) is on chain,      ANCHORED | ISSUED | ROOT_UNKNOWN |
                       by the document's issuer, for its type            NOT_ISSUED | CHAIN_MISMATCH |
                                                                        CONTRACT_MISMATCH |
                                                                        ISSUER_MISMATCH | TYPE_MISMATCH |
                                                                        SUBJECT_MISMATCH | ANCHOR_MISMATCH
    issuer_authorized  the issuer could issue the type at that block    AUTHORIZED | ISSUER_NOT_AUTHORIZED
    status             not revoked or suspended (now, or at a block)    ACTIVE | REINSTATED | REVOKED |
                                                                        SUSPENDED
    criteria           checked certificates: the chain's record names   CRITERIA_CHECKED | EVIDENCE_MISMATCH |
                       the document's evidence                          EVIDENCE_MISSING
    expiry             ``now`` lies in [validFrom, validUntil)          IN_VALIDITY_PERIOD | NOT_YET_VALID |
                                                                        EXPIRED

Skipped steps say why: ``OFFLINE`` (no chain view given), ``NOT_APPLICABLE`` (inclusion for a checked
certificate, criteria for a batch one), ``PRECONDITION_FAILED`` (a step it relies on failed).

Format, integrity, inclusion and expiry are offline. The online questions go through a
:class:`~ledger.chainview.ChainView` (defined, with its records and views, in :mod:`ledger.chainview`),
answered by the contracts (live), by the SQLite index (fast, as of its last sync) and by
:class:`~ledger.chainview.StaticChainView` (a snapshot: verification bundles, tests). Those names are
importable from this module too.

A failed verification is a :class:`CredentialReport` with failed steps; only input that is not JSON at
all raises (:class:`~ledger.errors.VerificationError`), and only from :func:`verify_credential`:
:func:`verify_many` reports it as a failed format step of that source and checks the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from .canonical import NotJSONError
from .chainview import (
    ACTIVE,
    BUNDLE_TYPE,
    REINSTATED,
    REVOKED,
    SUSPENDED,
    AnchorRecord,
    Authorization,
    CachedChainView,
    ChainView,
    IssuanceRecord,
    StaticChainView,
    StatusChange,
    StatusRecord,
    snapshot,
)
from .chainview import jsonable as _jsonable
from .credential import (
    BATCH_PROOF,
    Credential,
    CredentialFormatError,
    hash_function,
    parse_credential,
)
from .errors import VerificationError
from .merkle import compute_root, proof_length

__all__ = [
    "BUNDLE_TYPE",
    "FAIL",
    "PASS",
    "REASON_CODES",
    "SKIPPED",
    "STEPS",
    "AnchorRecord",
    "Authorization",
    "CachedChainView",
    "ChainView",
    "CredentialReport",
    "IssuanceRecord",
    "StaticChainView",
    "StatusChange",
    "StatusRecord",
    "StepResult",
    "snapshot",
    "verify_credential",
    "verify_many",
]

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"

#: The steps of every report, in order.
STEPS = ("format", "integrity", "inclusion", "anchoring", "issuer_authorized", "status", "criteria", "expiry")

#: Every reason code a step can end with (the stable interface of a report), by step.
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
            "ISSUER_MISMATCH",
            "TYPE_MISMATCH",
            "SUBJECT_MISMATCH",
            "ANCHOR_MISMATCH",
        ),
        "issuer_authorized": ("AUTHORIZED", "ISSUER_NOT_AUTHORIZED"),
        "status": ("ACTIVE", "REINSTATED", "REVOKED", "SUSPENDED"),
        "criteria": ("CRITERIA_CHECKED", "EVIDENCE_MISMATCH", "EVIDENCE_MISSING"),
        "expiry": ("IN_VALIDITY_PERIOD", "NOT_YET_VALID", "EXPIRED"),
        "any": ("OFFLINE", "NOT_APPLICABLE", "PRECONDITION_FAILED"),
    }
)

# -- results --------------------------------------------------------------------------------

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



def _step(name: str, outcome: str, code: str, message: str, **details: Any) -> StepResult:
    return StepResult(name, outcome, code, message, MappingProxyType(details) if details else _NO_DETAILS)


@dataclass(frozen=True, slots=True)
class CredentialReport:
    """Every step's result for one credential.

    ``verdict`` is ``invalid`` when a step failed, ``incomplete`` when a step was skipped for a reason
    other than ``NOT_APPLICABLE`` (e.g. offline), else ``valid``. ``valid`` is ``verdict == "valid"``;
    ``valid_offline`` only asks that no step failed.
    """

    steps: tuple[StepResult, ...]
    source: str | None = None
    credential_id: str | None = None
    credential_hash: bytes | None = None
    checked_at: str = ""
    chain_id: int | None = None
    as_of_block: int | None = None

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
            "checked_at": self.checked_at,
            "chain_id": self.chain_id,
            "as_of_block": self.as_of_block,
            "steps": [s.to_dict() for s in self.steps],
        }


# -- the steps ------------------------------------------------------------------------------

_OFFLINE = {
    name: _step(name, SKIPPED, "OFFLINE", "needs the chain; verified offline")
    for name in ("anchoring", "issuer_authorized", "status", "criteria")
}
_NOT_APPLICABLE_INCLUSION = _step(
    "inclusion", SKIPPED, "NOT_APPLICABLE", "a criteria-checked certificate is not part of a Merkle batch"
)
_NOT_APPLICABLE_CRITERIA = _step(
    "criteria", SKIPPED, "NOT_APPLICABLE", "a batch certificate has no contract-checked criteria"
)


def _blocked(name: str, by: str) -> StepResult:
    return _step(name, SKIPPED, "PRECONDITION_FAILED", f"not checked because the {by} step did not pass")


def _same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _check_integrity(credential: Credential) -> StepResult:
    proof = credential.proof
    if proof is None:
        return _step(
            "integrity",
            PASS,
            "HASH_OK",
            "hash computed; the document has no proof to compare it with",
            credential_hash=credential.hash,
        )
    if proof.credential_hash != credential.hash:
        return _step(
            "integrity",
            FAIL,
            "HASH_MISMATCH",
            "the document was changed after issuance: its hash differs from the one in its proof",
            computed=credential.hash,
            claimed=proof.credential_hash,
        )
    return _step("integrity", PASS, "HASH_OK", "the document hashes to its proof's credentialHash")


def _check_inclusion(credential: Credential) -> StepResult:
    proof = credential.proof
    if proof is None:
        return _step(
            "inclusion", FAIL, "PROOF_MISSING", "the document has no proof: it was never issued on chain"
        )
    if proof.kind != BATCH_PROOF:
        return _NOT_APPLICABLE_INCLUSION
    assert proof.batch_root is not None and proof.batch_size is not None and proof.leaf_index is not None
    expected = proof_length(proof.leaf_index, proof.batch_size)
    if len(proof.merkle_path) < expected:
        return _step(
            "inclusion",
            FAIL,
            "PROOF_TRUNCATED",
            f"the Merkle path has {len(proof.merkle_path)} of the {expected} hashes leaf "
            f"{proof.leaf_index} of a batch of {proof.batch_size} needs",
            expected=expected,
            found=len(proof.merkle_path),
        )
    root = compute_root(credential.hash, proof.merkle_path, hash_function(credential.hash_algorithm))
    if len(proof.merkle_path) != expected or root != proof.batch_root:
        return _step(
            "inclusion",
            FAIL,
            "PROOF_INVALID",
            "the Merkle path does not lead to the batch root",
            batch_root=proof.batch_root,
            computed_root=root,
        )
    return _step(
        "inclusion", PASS, "PROOF_OK", f"leaf {proof.leaf_index} of {proof.batch_size} is in the batch"
    )


def _check_expiry(credential: Credential, now: datetime) -> StepResult:
    start, end = credential.valid_from, credential.valid_until
    if now < start:
        return _step("expiry", FAIL, "NOT_YET_VALID", f"valid only from {credential.template.valid_from}")
    if end is not None and now >= end:
        return _step(
            "expiry",
            FAIL,
            "EXPIRED",
            f"expired at {credential.template.valid_until}",
            valid_until=credential.template.valid_until,
        )
    until = f" until {credential.template.valid_until}" if end is not None else ""
    return _step("expiry", PASS, "IN_VALIDITY_PERIOD", f"valid from {credential.template.valid_from}{until}")


def _check_anchoring(
    credential: Credential, chain: ChainView
) -> tuple[StepResult, AnchorRecord | IssuanceRecord | None]:
    proof = credential.proof
    assert proof is not None
    chain_id = chain.chain_id()
    if proof.chain.chain_id != chain_id or credential.issuer.chain_id != chain_id:
        return _step(
            "anchoring",
            FAIL,
            "CHAIN_MISMATCH",
            f"the credential names chain {proof.chain.chain_id} (issuer on {credential.issuer.chain_id}), "
            f"the verifier is connected to chain {chain_id}",
        ), None
    known = chain.contract_addresses()
    if known is not None and proof.contract.lower() not in known:
        return _step(
            "anchoring",
            FAIL,
            "CONTRACT_MISMATCH",
            f"the proof names contract {proof.contract}, which is not part of the deployment this verifier "
            f"reads; verify against that deployment (ledger init --join its IssuerRegistry)",
        ), None
    issuer = credential.issuer.address
    type_id = credential.achievement.type_id
    record: AnchorRecord | IssuanceRecord
    if proof.kind == BATCH_PROOF:
        assert proof.batch_root is not None
        anchor = chain.anchor(proof.batch_root)
        if anchor is None:
            return _step(
                "anchoring",
                FAIL,
                "ROOT_UNKNOWN",
                "the batch root was never anchored on this chain",
                batch_root=proof.batch_root,
            ), None
        where = f"block {anchor.block}"
        claimed_tx = proof.anchor_transaction
        if (proof.anchor_block is not None and proof.anchor_block != anchor.block) or (
            claimed_tx is not None and anchor.transaction is not None and claimed_tx != anchor.transaction
        ):
            return _step(
                "anchoring",
                FAIL,
                "ANCHOR_MISMATCH",
                f"the proof names another anchoring than the chain's ({where})",
                chain_block=anchor.block,
                proof_block=proof.anchor_block,
            ), anchor
        who, what, record = anchor.issuer, anchor.type_id, anchor
        ok = ("ANCHORED", f"root anchored by {anchor.issuer} in {where}")
    else:
        issued = chain.checked_issuance(credential.hash)
        if issued is None:
            return _step(
                "anchoring", FAIL, "NOT_ISSUED", "the chain has no checked issuance of this credential"
            ), None
        if credential.subject != issued.subject:
            return _step(
                "anchoring", FAIL, "SUBJECT_MISMATCH", "the chain's record names another subject"
            ), issued
        if proof.issue_block is not None and proof.issue_block != issued.block:
            return _step(
                "anchoring",
                FAIL,
                "ANCHOR_MISMATCH",
                f"the proof names block {proof.issue_block}, the chain block {issued.block}",
            ), issued
        if issued.type_version is not None and issued.type_version != credential.achievement.type_version:
            return _step(
                "anchoring",
                FAIL,
                "TYPE_MISMATCH",
                f"issued as version {issued.type_version} of type {issued.type_id}, the document says "
                f"version {credential.achievement.type_version}",
            ), issued
        who, what, record = issued.issuer, issued.type_id, issued
        ok = (
            "ISSUED",
            f"issued by {issued.issuer} in block {issued.block} after the contract checked the criteria",
        )
    if not _same_address(who, issuer):
        return _step(
            "anchoring",
            FAIL,
            "ISSUER_MISMATCH",
            f"recorded on chain by {who}, but the document names issuer {issuer}",
            chain_issuer=who,
            document_issuer=issuer,
        ), record
    if what != type_id:
        return _step(
            "anchoring",
            FAIL,
            "TYPE_MISMATCH",
            f"recorded for type {what}, but the document is of type {type_id}",
        ), record
    return _step("anchoring", PASS, ok[0], ok[1], block=record.block), record


def _check_authorized(
    credential: Credential, record: AnchorRecord | IssuanceRecord, chain: ChainView
) -> StepResult:
    type_id = credential.achievement.type_id
    if chain.is_authorized(record.issuer, type_id, record.block):
        return _step(
            "issuer_authorized",
            PASS,
            "AUTHORIZED",
            f"{record.issuer} could issue type {type_id} at block {record.block}",
        )
    return _step(
        "issuer_authorized",
        FAIL,
        "ISSUER_NOT_AUTHORIZED",
        f"{record.issuer} was not authorised to issue type {type_id} at block {record.block}",
        issuer=record.issuer,
        type_id=type_id,
        block=record.block,
    )


def _check_status(credential: Credential, chain: ChainView, at_block: int | None) -> StepResult:
    proof = credential.proof
    assert proof is not None
    root = proof.batch_root if proof.kind == BATCH_PROOF else None
    state = chain.status(credential.hash, root, at_block)
    when = "now" if at_block is None else f"at block {at_block}"
    if state.status in (REVOKED, SUSPENDED):
        reason = state.reason or "unspecified"
        return _step(
            "status",
            FAIL,
            state.status.upper(),
            f"{state.status} {when}: reason {reason}, since block {state.block}",
            reason=reason,
            block=state.block,
        )
    if state.status == REINSTATED:
        return _step(
            "status",
            PASS,
            "REINSTATED",
            f"valid {when}: reinstated in block {state.block}",
            block=state.block,
        )
    if state.status != ACTIVE:
        raise VerificationError(f"the chain view answered an unknown status {state.status!r}")
    return _step("status", PASS, "ACTIVE", f"valid {when}: never revoked or suspended")


def _check_criteria(credential: Credential, issued: IssuanceRecord) -> StepResult:
    claimed = [e.key for e in credential.evidence]
    if not claimed:
        return _step(
            "criteria",
            FAIL,
            "EVIDENCE_MISSING",
            "a criteria-checked certificate must name the contributions it was issued for",
        )
    if issued.contribution_keys is None:
        return _step(
            "criteria",
            PASS,
            "CRITERIA_CHECKED",
            f"the contract checked the criteria in block {issued.block} "
            "(the evidence list was not compared: the chain view does not hold it)",
        )
    if sorted(claimed) != sorted(issued.contribution_keys):
        return _step(
            "criteria",
            FAIL,
            "EVIDENCE_MISMATCH",
            "the document's evidence differs from the contributions the contract checked",
            document=tuple(claimed),
            chain=issued.contribution_keys,
        )
    return _step(
        "criteria",
        PASS,
        "CRITERIA_CHECKED",
        f"the contract checked the criteria against these {len(claimed)} contributions in block "
        f"{issued.block}",
    )


def verify_credential(
    source: str | bytes | Mapping[str, Any] | Credential,
    chain: ChainView | None = None,
    *,
    now: datetime | None = None,
    at_block: int | None = None,
    label: str | None = None,
) -> CredentialReport:
    """Run every step on one credential.

    Args:
        source: the document (JSON text or bytes, a parsed mapping, or a :class:`Credential`).
        chain: answers the online steps; without it they are skipped (``OFFLINE``).
        now: the time for the expiry step (default: the current UTC time).
        at_block: check the status as of this block instead of the latest.
        label: what to call the credential in the report (e.g. its file name).

    Raises:
        VerificationError: the input is not JSON at all, so there is nothing to check.
    """
    moment = _aware(now)
    parsed = _parse_step(source, label, _stamp(moment), lenient=False)
    if isinstance(parsed, CredentialReport):
        return parsed
    return _verify_parsed(parsed, chain, moment, at_block, label)


def _aware(now: datetime | None) -> datetime:
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise VerificationError("`now` must be timezone-aware")
    return moment


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _format_invalid(message: str, path: str, label: str | None, checked_at: str) -> CredentialReport:
    failed = _step("format", FAIL, "FORMAT_INVALID", message, path=path)
    return CredentialReport((failed, *(_blocked(name, "format") for name in STEPS[1:])), label,
                            checked_at=checked_at)


def _parse_step(
    source: str | bytes | Mapping[str, Any] | Credential, label: str | None, checked_at: str, *, lenient: bool
) -> Credential | CredentialReport:
    """The parsed credential, or the report of a failed format step.

    Text that is not JSON at all raises VerificationError, unless ``lenient`` (several files are
    being checked), where it is a failed format step too, so the other files are still checked.
    """
    if isinstance(source, Credential):
        return source
    try:
        return parse_credential(source)
    except NotJSONError as exc:
        message = f"{label or 'the input'} is not a JSON document: {exc}"
        if not lenient:
            raise VerificationError(message) from exc
        return _format_invalid(message, exc.path, label, checked_at)
    except CredentialFormatError as exc:
        return _format_invalid(str(exc), exc.path, label, checked_at)


def _verify_parsed(
    credential: Credential, chain: ChainView | None, moment: datetime, at_block: int | None, label: str | None
) -> CredentialReport:
    """Every step after the format step, which ``credential`` passed."""
    checked_at = _stamp(moment)
    steps: list[StepResult] = [
        _step(
            "format", PASS, "FORMAT_OK", "a W3C VC 2.0 / Open Badges 3.0 credential of this ledger's profile"
        ),
        _check_integrity(credential),
    ]
    # A changed document is reported once, as HASH_MISMATCH, not again as a path to the wrong root.
    steps.append(
        _check_inclusion(credential) if steps[1].outcome == PASS else _blocked("inclusion", "integrity")
    )
    offline_ok = steps[1].outcome == PASS and steps[2].outcome != FAIL and credential.proof is not None
    batch = credential.proof is not None and credential.proof.kind == BATCH_PROOF
    chain_id = as_of = None
    if chain is None:
        steps.extend(_OFFLINE[name] for name in ("anchoring", "issuer_authorized", "status"))
        steps.append(_NOT_APPLICABLE_CRITERIA if batch else _OFFLINE["criteria"])
    elif not offline_ok:
        by = "integrity" if steps[1].outcome != PASS else "inclusion"
        steps.extend(_blocked(name, by) for name in ("anchoring", "issuer_authorized", "status"))
        steps.append(_NOT_APPLICABLE_CRITERIA if batch else _blocked("criteria", by))
    else:
        chain_id, as_of = chain.chain_id(), chain.block_number()
        anchoring, record = _check_anchoring(credential, chain)
        steps.append(anchoring)
        if anchoring.outcome == PASS and record is not None:
            steps.append(_check_authorized(credential, record, chain))
            steps.append(_check_status(credential, chain, at_block))
        else:
            steps.extend(_blocked(name, "anchoring") for name in ("issuer_authorized", "status"))
        if batch:
            steps.append(_NOT_APPLICABLE_CRITERIA)
        elif anchoring.outcome == PASS and isinstance(record, IssuanceRecord):
            steps.append(_check_criteria(credential, record))
        else:
            steps.append(_blocked("criteria", "anchoring"))
    steps.append(_check_expiry(credential, moment))
    return CredentialReport(
        tuple(steps),
        label,
        credential.id,
        credential.hash,
        checked_at,
        chain_id,
        as_of if at_block is None else at_block,
    )


def verify_many(
    sources: Iterable[tuple[str, str | bytes | Mapping[str, Any] | Credential]],
    chain: ChainView | None = None,
    *,
    now: datetime | None = None,
    at_block: int | None = None,
) -> list[CredentialReport]:
    """Verify ``(label, source)`` pairs, asking the chain once per batch root (:class:`CachedChainView`).

    A source that is not a credential, or not JSON at all, gets a report with a failed format step
    (``FORMAT_INVALID``) and the others are still verified. Only a chain that cannot answer raises.
    """
    view = CachedChainView(chain) if chain is not None and not isinstance(chain, CachedChainView) else chain
    moment = _aware(now)
    checked_at = _stamp(moment)
    reports = []
    for name, src in sources:
        parsed = _parse_step(src, name, checked_at, lenient=True)
        reports.append(parsed if isinstance(parsed, CredentialReport)
                       else _verify_parsed(parsed, view, moment, at_block, name))
    return reports
