"""Verifying a credential as a list of named steps, offline and against the chain.

Steps, in order (each ends ``pass``, ``fail`` or ``skipped`` with a stable reason code)::

    format             the document is a credential of our profile      FORMAT_OK | FORMAT_INVALID
    integrity          its hash equals the proof's credentialHash       HASH_OK | HASH_MISMATCH
    inclusion          the Merkle path leads to the batch root          PROOF_OK | PROOF_MISSING |
                                                                        PROOF_TRUNCATED | PROOF_INVALID
    anchoring          the root (or checked issuance) is on chain,      ANCHORED | ISSUED | ROOT_UNKNOWN |
                       by the document's issuer, for its type            NOT_ISSUED | CHAIN_MISMATCH |
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
:class:`ChainView`, implemented over the contracts (live), over the SQLite index (fast, as of its last
sync) and by :class:`StaticChainView` (a snapshot: verification bundles, tests).

A failed verification is a :class:`CredentialReport` with failed steps; only input that is not JSON at
all raises (:class:`~ledger.errors.VerificationError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from .canonical import NotJSONError
from .credential import (
    BATCH_PROOF,
    Credential,
    CredentialFormatError,
    hash_function,
    parse_credential,
)
from .errors import ValidationError, VerificationError
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

#: Status names a :class:`ChainView` answers with.
ACTIVE, REINSTATED, SUSPENDED, REVOKED = "active", "reinstated", "suspended", "revoked"


# -- what the chain is asked ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnchorRecord:
    """An anchored batch root: who anchored it, for which type, in which block (and transaction)."""

    root: bytes
    issuer: str
    type_id: int
    block: int
    count: int | None = None
    transaction: bytes | None = None


@dataclass(frozen=True, slots=True)
class IssuanceRecord:
    """A criteria-checked issuance as the contract recorded it.

    ``contribution_keys`` is ``None`` when the view cannot tell (the evidence is then not compared).
    """

    credential_hash: bytes
    issuer: str
    subject: bytes
    type_id: int
    block: int
    type_version: int | None = None
    transaction: bytes | None = None
    contribution_keys: tuple[bytes, ...] | None = None


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A credential's status at some block: ``active`` (never changed), ``reinstated``, ``suspended``
    or ``revoked``; with the reason (e.g. ``misconduct``) and block of the last change."""

    status: str = ACTIVE
    reason: str | None = None
    block: int | None = None


@runtime_checkable
class ChainView(Protocol):
    """The online questions verification asks. Every method answers as of the view's chain state."""

    def chain_id(self) -> int:
        """The chain's id (a proof for another chain is refused)."""
        ...

    def block_number(self) -> int:
        """The block the answers are as of (reported, so a verdict says when it held)."""
        ...

    def anchor(self, root: bytes) -> AnchorRecord | None:
        """Who anchored ``root``, or ``None`` if it never was."""
        ...

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        """Whether ``issuer`` was an active issuer allowed to issue ``type_id`` at ``block``."""
        ...

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        """The status at ``block`` (latest when ``None``); ``root`` is the batch root, None if checked."""
        ...

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        """The criteria-checked issuance record of ``credential_hash``, or ``None``."""
        ...


@dataclass(frozen=True, slots=True)
class Authorization:
    """``issuer`` may issue ``type_id`` from block ``since`` up to (excluding) ``until``."""

    issuer: str
    type_id: int
    since: int
    until: int | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status change of a credential, for :class:`StaticChainView`."""

    credential_hash: bytes
    status: str
    block: int
    reason: str | None = None


@dataclass(frozen=True)
class StaticChainView:
    """A :class:`ChainView` answering from a fixed snapshot of the chain's records.

    It is what a verification bundle carries (everything needed to verify without the network, as of
    ``head``), and the fake chain of the tests.
    """

    chain: int
    head: int
    anchors: Sequence[AnchorRecord] = ()
    authorizations: Sequence[Authorization] = ()
    status_changes: Sequence[StatusChange] = ()
    issuances: Sequence[IssuanceRecord] = ()
    #: False for a :func:`snapshot`: it holds each status as of ``head`` only, not its history.
    history_complete: bool = True
    _anchors: dict[bytes, AnchorRecord] = field(init=False, repr=False, compare=False)
    _issuances: dict[bytes, IssuanceRecord] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_anchors", {a.root: a for a in self.anchors})
        object.__setattr__(self, "_issuances", {i.credential_hash: i for i in self.issuances})

    def chain_id(self) -> int:
        return self.chain

    def block_number(self) -> int:
        return self.head

    def anchor(self, root: bytes) -> AnchorRecord | None:
        found = self._anchors.get(root)
        return found if found is not None and found.block <= self.head else None

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        who = issuer.lower()
        return any(
            a.issuer.lower() == who
            and a.type_id == type_id
            and a.since <= block
            and (a.until is None or block < a.until)
            for a in self.authorizations
        )

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        at = self.head if block is None else min(block, self.head)
        if at < self.head and not self.history_complete:
            raise VerificationError(
                f"this snapshot holds statuses as of block {self.head} only, not at block {at}",
                hint="verify against the chain or the index for an earlier moment",
            )
        changes = sorted(
            (c for c in self.status_changes if c.credential_hash == credential_hash and c.block <= at),
            key=lambda c: c.block,
        )
        if not changes:
            return StatusRecord()
        last = changes[-1]
        return StatusRecord(last.status, last.reason, last.block)

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        found = self._issuances.get(credential_hash)
        return found if found is not None and found.block <= self.head else None

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as JSON-able data: a verification bundle (hashes as 0x hex)."""
        return {
            "type": BUNDLE_TYPE,
            "chainId": self.chain,
            "asOfBlock": self.head,
            "historyComplete": self.history_complete,
            "anchors": [_record_dict(a) for a in self.anchors],
            "authorizations": [_record_dict(a) for a in self.authorizations],
            "statusChanges": [_record_dict(c) for c in self.status_changes],
            "issuances": [_record_dict(i) for i in self.issuances],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StaticChainView:
        """Read a bundle written by :meth:`to_dict`.

        Raises:
            ValidationError: the data is not a verification bundle.
        """
        try:
            if data.get("type") != BUNDLE_TYPE:
                raise ValueError(f"type is not {BUNDLE_TYPE!r}")
            return cls(
                _int(data["chainId"]),
                _int(data["asOfBlock"]),
                tuple(AnchorRecord(**_record_args(a)) for a in data["anchors"]),
                tuple(Authorization(**_record_args(a)) for a in data["authorizations"]),
                tuple(StatusChange(**_record_args(c)) for c in data["statusChanges"]),
                tuple(IssuanceRecord(**_record_args(i)) for i in data["issuances"]),
                bool(data.get("historyComplete", True)),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"not a verification bundle: {exc}") from exc


#: ``type`` of a serialized :class:`StaticChainView`.
BUNDLE_TYPE = "LedgerVerificationBundle"

_BYTES_FIELDS = {"root", "transaction", "credential_hash", "subject"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _record_dict(record: Any) -> dict[str, Any]:
    return {_camel(name): _jsonable(getattr(record, name)) for name in record.__dataclass_fields__}


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError(f"{value!r} is not an integer")
    return value


def _from_json(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _BYTES_FIELDS:
        if not isinstance(value, str) or not value.startswith("0x"):
            raise ValueError(f"{name} must be 0x hex")
        return bytes.fromhex(value[2:])
    if name == "contribution_keys":
        return tuple(bytes.fromhex(k[2:]) for k in value)
    return value


def _record_args(data: Mapping[str, Any]) -> dict[str, Any]:
    snake = {
        "".join("_" + c.lower() if c.isupper() else c for c in key): value for key, value in data.items()
    }
    return {name: _from_json(name, value) for name, value in snake.items()}


def snapshot(credentials: Iterable[Credential], chain: ChainView) -> StaticChainView:
    """Ask ``chain`` every question that verifying ``credentials`` needs and keep the answers.

    The result verifies those credentials without the network, as of the chain's current block (a
    verification bundle; serialize it with :meth:`StaticChainView.to_dict`). It records each status as
    of that block only, so it cannot answer for an earlier block.
    """
    head, chain_id = chain.block_number(), chain.chain_id()
    anchors: dict[bytes, AnchorRecord] = {}
    issuances: dict[bytes, IssuanceRecord] = {}
    authorizations: dict[tuple[str, int, int], Authorization] = {}
    changes: list[StatusChange] = []
    for credential in credentials:
        proof = credential.proof
        if proof is None:
            continue
        record: AnchorRecord | IssuanceRecord | None
        root = proof.batch_root if proof.kind == BATCH_PROOF else None
        if root is not None:
            record = anchors.get(root) or chain.anchor(root)
            if record is not None:
                anchors[root] = record
        else:
            record = chain.checked_issuance(credential.hash)
            if record is not None:
                issuances[credential.hash] = record
        if record is None:
            continue
        type_id = credential.achievement.type_id
        key = (record.issuer.lower(), type_id, record.block)
        if key not in authorizations and chain.is_authorized(record.issuer, type_id, record.block):
            authorizations[key] = Authorization(record.issuer, type_id, record.block, record.block + 1)
        state = chain.status(credential.hash, root)
        if state.status != ACTIVE:
            block = head if state.block is None else state.block
            changes.append(StatusChange(credential.hash, state.status, block, state.reason))
    return StaticChainView(
        chain_id,
        head,
        tuple(anchors.values()),
        tuple(authorizations.values()),
        tuple(changes),
        tuple(issuances.values()),
        history_complete=False,
    )


class CachedChainView:
    """Wraps a :class:`ChainView` and remembers its answers, for verifying many credentials of one batch.

    Anchors and authorizations are per batch, so a thousand files cost one lookup each, not a thousand.
    """

    def __init__(self, inner: ChainView) -> None:
        self.inner = inner
        self._chain_id: int | None = None
        self._block: int | None = None
        self._anchors: dict[bytes, AnchorRecord | None] = {}
        self._authorized: dict[tuple[str, int, int], bool] = {}

    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.inner.chain_id()
        return self._chain_id

    def block_number(self) -> int:
        if self._block is None:
            self._block = self.inner.block_number()
        return self._block

    def anchor(self, root: bytes) -> AnchorRecord | None:
        if root not in self._anchors:
            self._anchors[root] = self.inner.anchor(root)
        return self._anchors[root]

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        key = (issuer.lower(), type_id, block)
        if key not in self._authorized:
            self._authorized[key] = self.inner.is_authorized(issuer, type_id, block)
        return self._authorized[key]

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        return self.inner.status(credential_hash, root, block)

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        return self.inner.checked_issuance(credential_hash)


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


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


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
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise VerificationError("`now` must be timezone-aware")
    checked_at = moment.isoformat().replace("+00:00", "Z")
    if isinstance(source, Credential):
        credential = source
    else:
        try:
            credential = parse_credential(source)
        except NotJSONError as exc:
            raise VerificationError(f"{label or 'the input'} is not a JSON document: {exc}") from exc
        except CredentialFormatError as exc:
            failed = _step("format", FAIL, "FORMAT_INVALID", str(exc), path=exc.path)
            blocked = (failed, *(_blocked(name, "format") for name in STEPS[1:]))
            return CredentialReport(blocked, label, checked_at=checked_at)
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
    """Verify ``(label, source)`` pairs, asking the chain once per batch root (:class:`CachedChainView`)."""
    view = CachedChainView(chain) if chain is not None and not isinstance(chain, CachedChainView) else chain
    moment = now or datetime.now(timezone.utc)
    return [verify_credential(src, view, now=moment, at_block=at_block, label=name) for name, src in sources]
