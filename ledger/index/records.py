"""What the index answers with: frozen records of issuers, contributions, credentials and batches.

They carry the state as of the block a question was asked at (``ledger.index.queries``); the helpers
at the end check the identifiers a user types before they reach SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from ledger.errors import ValidationError
from ledger.index.projection import address


@dataclass(frozen=True)
class StatusEntry:
    """One entry of a status history (issuer or credential)."""

    status: str
    block_number: int
    tx_hash: str
    by: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Contribution:
    """A recorded contribution with its co-signers and revocation, as of a block."""

    key: str
    subject: str
    recorder: str
    project: str
    kind: str
    field: int
    weight: int
    occurred_at: int
    evidence_hash: str
    block_number: int
    tx_hash: str
    cosigners: tuple[str, ...] = ()
    revoked: StatusEntry | None = None
    #: The record was archived and its key freed by the committee (a squat released, say).
    released: StatusEntry | None = None
    #: How many times the key was released before this record (0 for the first).
    generation: int = 0
    #: The recording key was marked compromised since a block at or before this record's.
    recorder_compromised: bool = False

    @property
    def active(self) -> bool:
        return self.revoked is None and self.released is None


@dataclass(frozen=True)
class Credential:
    """A credential the index knows: issued by ``issue`` (subject on chain) or a batch leaf that had a
    status change (only its hash and root are on chain)."""

    hash: str
    root: str  # ZERO32 for criteria-checked issuance
    issuer: str
    type_id: int
    block_number: int  # issuance or anchoring block
    tx_hash: str
    subject: str | None = None
    type_version: int | None = None
    evidence: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    status: str = "None"  # as of the block asked for
    status_reason: str | None = None
    status_block: int | None = None
    history: tuple[StatusEntry, ...] = ()
    #: A batch leaf's index (``hash`` is then empty: a leaf's hash is not on chain).
    index: int | None = None
    prerequisite_issuers: tuple[str | None, ...] = ()

    @property
    def label(self) -> str:
        """How a report names it: its hash, or a leaf's root and index."""
        return self.hash if self.hash else f"{self.root}#{self.index}"

    @property
    def valid_status(self) -> bool:
        """True unless suspended or revoked (a status of None or Valid is in force)."""
        return self.status in ("None", "Valid")


@dataclass(frozen=True)
class Leaf:
    """A leaf of one of this workspace's batches, as its journal knows it: who holds it (only the issuer's
    workspace has these; on chain there is only the root)."""

    root: str
    leaf: int
    credential_hash: str
    subject: str
    credential_id: str
    batch_id: str
    issuer: str = ""  # the key the batch is anchored under


@dataclass(frozen=True)
class Batch:
    """An anchored Merkle root, keyed by the key that anchored it; ``revoked`` when the whole batch was
    revoked (the last revocation: with its reason, block and author)."""

    root: str
    issuer: str
    type_id: int
    count: int
    meta_hash: str | None
    block_number: int
    tx_hash: str
    revoked: StatusEntry | None = None


@dataclass(frozen=True)
class KeyEntry:
    """One key of an issuer's node: when it held the node's authority, who offered it, and whether (and
    since when, by whom, in which block) it was marked compromised."""

    address: str
    key_id: int
    active_from: int
    active_until: int | None = None
    offered_by: str | None = None
    compromised_since: int | None = None
    marked_by: str | None = None
    marked_block: int | None = None
    marked_tx: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A committee proposal as the index knows it, with its state as of a block: Pending, Executed,
    Cancelled or Expired (pending past its last block)."""

    id: int
    proposer: str
    target: str | None
    data: str | None
    created_block: int
    expires_at: int | None
    state: str
    closed_block: int | None = None
    closed_by: str | None = None
    approvals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issuer:
    """An issuer with its histories, as of a block."""

    address: str
    issuer_id: int
    kind: str
    parent: str | None
    depth: int
    meta_hash: str
    added_block: int
    status: str
    status_history: tuple[StatusEntry, ...]
    scope: tuple[int, ...]  # type ids in its own scope at the block (0 = any type)
    children: tuple[str, ...] = ()
    node: int = 0
    current_key: str | None = None
    keys: tuple[KeyEntry, ...] = ()
    held: bool = False

    @property
    def compromised_keys(self) -> tuple[KeyEntry, ...]:
        return tuple(k for k in self.keys if k.compromised_since is not None)


@dataclass(frozen=True)
class SubjectView:
    """Everything the index knows about one pseudonymous subject."""

    subject: str
    at_block: int | None
    contributions: tuple[Contribution, ...]
    credentials: tuple[Credential, ...]
    by_kind: dict[str, int] = field(default_factory=dict)
    by_project: dict[str, int] = field(default_factory=dict)
    cosigners: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssuerView:
    """An issuer: status history, scope, what it recorded, anchored, issued and revoked."""

    issuer: Issuer
    at_block: int | None
    batches: tuple[Batch, ...]
    credentials: tuple[Credential, ...]
    contributions_recorded: int
    revocations: tuple[dict[str, Any], ...]
    proposals: tuple[Proposal, ...] = ()


def bytes32_text(value: str | bytes, what: str) -> str:
    """``value`` (32 raw bytes, or hex with or without 0x) as the index's lower-case 0x text."""
    if isinstance(value, bytes):
        if len(value) != 32:
            raise ValidationError(f"{what} must be 32 bytes, got {len(value)}")
        return "0x" + value.hex()
    text = value.strip().lower()
    if not text.startswith("0x"):
        text = "0x" + text
    if len(text) != 66 or any(c not in "0123456789abcdef" for c in text[2:]):
        raise ValidationError(f"{what} must be 32 bytes of hex (0x + 64 hex digits), got {value!r}")
    return text


def address_text(value: str) -> str:
    """``value`` (0x + 40 hex digits, any case) as the index's address text."""
    text = value.strip()
    body = text[2:] if text.lower().startswith("0x") else text
    if len(body) != 40 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise ValidationError(f"{value!r} is not an address (0x + 40 hex digits)")
    return address(body)


@dataclass(frozen=True)
class ReportAnchor:
    """An audit report's hash as anchored on chain: by whom, for what target, where."""

    report_hash: str
    auditor: str
    target: str  # a subject id, an issuer address as 32 bytes, or zero for a set of files
    block_number: int
    tx_hash: str


@dataclass(frozen=True)
class NominationEntry:
    """A live nomination for an award by nominations (the last event of its organisation was a
    nomination): type and version, subject, the organisation (top-level node id) and the nominating key."""

    type_id: int
    version: int
    subject: str
    org: int
    nominator: str
    block_number: int
    tx_hash: str

    def as_dict(self) -> dict[str, object]:
        return {"type_id": self.type_id, "version": self.version, "subject": self.subject, "org": self.org,
                "nominator": self.nominator, "block": self.block_number, "tx": self.tx_hash}


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime.

    Raises:
        ValidationError: the text is neither a block number nor a date.
    """
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(
            f"--at {text!r} is neither a block number nor an ISO date (2026-03-01 or 2026-03-01T12:00:00Z)"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
