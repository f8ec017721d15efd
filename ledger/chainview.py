"""What verification asks the chain (:class:`ChainView`), the records it answers with, and the views.

The online steps of :mod:`ledger.verification` go through a :class:`ChainView`. It is answered by:

* :class:`ContractsView`: the deployed contracts, the authoritative view. Each answer is a contract
  call; the transaction hashes that the contracts do not store are read from the logs of the one
  block the contract names.
* :class:`ledger.index.view.IndexView`: the SQLite index, the same questions answered faster from its
  copy, as of its last sync.
* :class:`StaticChainView`: a fixed snapshot of the records (a verification bundle, made by
  :func:`snapshot`; the fake chain of the tests).
* :class:`CachedChainView`: any of these, remembering the answers that are shared by a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .credential_proof import BATCH_PROOF
from .errors import ValidationError, VerificationError

if TYPE_CHECKING:
    from .contracts import Contracts
    from .credential import Credential

__all__ = [
    "ACTIVE",
    "BUNDLE_TYPE",
    "REINSTATED",
    "REVOKED",
    "SUSPENDED",
    "AnchorRecord",
    "Authorization",
    "CachedChainView",
    "ChainView",
    "ContractsView",
    "IssuanceRecord",
    "StaticChainView",
    "StatusChange",
    "StatusRecord",
    "jsonable",
    "snapshot",
]

#: Status names a :class:`ChainView` answers with.
ACTIVE, REINSTATED, SUSPENDED, REVOKED = "active", "reinstated", "suspended", "revoked"
#: A snapshot's answer for a credential it was not made for: it cannot tell that one's status.
UNKNOWN = "unknown"


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

    def contract_addresses(self) -> frozenset[str] | None:
        """The deployment the answers come from (lower-case addresses of its contracts), ``None`` when
        the view does not know; a proof naming a contract outside it is refused."""
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
    #: The deployment's contract addresses (lower case), when known.
    addresses: frozenset[str] | None = None
    #: The credential hashes a :func:`snapshot` was made for (``None``: any). Another credential of the
    #: same batch is anchored there too, but its status was never asked: it is :data:`UNKNOWN`.
    covers: frozenset[bytes] | None = None
    _anchors: dict[bytes, AnchorRecord] = field(init=False, repr=False, compare=False)
    _issuances: dict[bytes, IssuanceRecord] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_anchors", {a.root: a for a in self.anchors})
        object.__setattr__(self, "_issuances", {i.credential_hash: i for i in self.issuances})

    def chain_id(self) -> int:
        return self.chain

    def contract_addresses(self) -> frozenset[str] | None:
        return self.addresses

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
        if self.covers is not None and credential_hash not in self.covers:
            return StatusRecord(UNKNOWN)
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
            **({"contracts": sorted(self.addresses)} if self.addresses is not None else {}),
            **({"covers": sorted("0x" + h.hex() for h in self.covers)} if self.covers is not None else {}),
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
                _addresses(data["contracts"]) if "contracts" in data else None,
                _hashes(data["covers"]) if "covers" in data else None,
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"not a verification bundle: {exc}") from exc


def _hashes(values: Any) -> frozenset[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) and len(v) == 66 and v[:2] == "0x" for v in values):
        raise ValueError("covers must be a list of 32-byte 0x hashes")
    return frozenset(bytes.fromhex(v[2:]) for v in values)


def _addresses(values: Any) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and len(v) == 42 for v in values):
        raise ValueError("contracts must be a list of addresses")
    return frozenset(v.lower() for v in values)


#: ``type`` of a serialized :class:`StaticChainView`.
BUNDLE_TYPE = "LedgerVerificationBundle"

_BYTES_FIELDS = {"root", "transaction", "credential_hash", "subject"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _record_dict(record: Any) -> dict[str, Any]:
    return {_camel(name): jsonable(getattr(record, name)) for name in record.__dataclass_fields__}


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
    credentials = list(credentials)
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
        addresses=chain.contract_addresses(),
        covers=frozenset(c.hash for c in credentials if c.proof is not None),
    )


class CachedChainView:
    """Wraps a :class:`ChainView` and remembers its answers, for verifying many credentials of one batch.

    Anchors and authorizations are per batch, so a thousand files cost one lookup each, not a thousand.
    """

    def __init__(self, inner: ChainView) -> None:
        self.inner = inner
        self._chain_id: int | None = None
        self._addresses: frozenset[str] | None = None
        self._addresses_known = False
        self._block: int | None = None
        self._anchors: dict[bytes, AnchorRecord | None] = {}
        self._authorized: dict[tuple[str, int, int], bool] = {}

    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.inner.chain_id()
        return self._chain_id

    def contract_addresses(self) -> frozenset[str] | None:
        if not self._addresses_known:
            self._addresses, self._addresses_known = self.inner.contract_addresses(), True
        return self._addresses

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


def jsonable(value: Any) -> Any:
    """``value`` with bytes as ``0x`` hex (also inside lists and tuples), for JSON output."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# -- the contracts ----------------------------------------------------------------------------

_STATUS = {0: ACTIVE, 1: REINSTATED, 2: SUSPENDED, 3: REVOKED}
_ZERO = b"\0" * 32


def _status_record(status_value: int, reason_value: int, block: int) -> StatusRecord:
    from . import types

    status = _STATUS[status_value]
    if status == ACTIVE:
        return StatusRecord()
    reason = types.RevocationReason(reason_value).name.lower().replace("_", "-") if reason_value else None
    return StatusRecord(status, reason, block)


class ContractsView:
    """Answers verification's questions from the contracts, optionally as of an old block.

    ``batch_statuses=True`` is for one verification run over many credentials: after
    :data:`PREFETCH_AFTER` lookups in one batch, its leaves' statuses come from the batch's
    ``CredentialStatusChanged`` events, read once, as of the chain's head at that moment (a later
    change is not seen by this view). It is used only where the backend filters logs itself
    (``LOG_FILTER``), and only if those events give the same answers as the calls made before.
    """

    #: Status lookups of one batch after which its leaves' status changes are read in one log query
    #: instead of one contract call each (a call costs about a millisecond on the embedded chain).
    PREFETCH_AFTER = 8

    def __init__(self, contracts: Contracts, *, batch_statuses: bool = False) -> None:
        from .chain.base import LOG_FILTER

        self.contracts = contracts
        self.chain = contracts.chain
        self._prefetch = batch_statuses and LOG_FILTER in self.chain.features
        self._asked: dict[bytes, list[tuple[bytes, int | None, StatusRecord]]] = {}
        self._leaf_changes: dict[bytes, dict[bytes, list[tuple[int, int, int]]] | None] = {}
        self._head: int | None = None

    def chain_id(self) -> int:
        return self.chain.identity().chain_id

    def contract_addresses(self) -> frozenset[str] | None:
        c = self.contracts
        return frozenset(a.lower() for a in (c.issuers.address, c.contributions.address, c.credentials.address))

    def block_number(self) -> int:
        return self.chain.block_number()

    def _event(self, name: str, block: int, topic: bytes) -> tuple[bytes | None, dict[str, object]]:
        for event in self.contracts.events(block, block):
            if event.name == name and topic in (event.args.get("root"), event.args.get("credentialHash")):
                return event.tx_hash, event.args
        return None, {}

    def anchor(self, root: bytes) -> AnchorRecord | None:
        a = self.contracts.credentials.anchor_of(root)
        if a.issuer is None:
            return None
        tx, _ = self._event("BatchAnchored", a.block_number, root)
        return AnchorRecord(root, a.issuer, a.type_id, a.block_number, a.count, tx)

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        return self.contracts.issuers.is_authorized(issuer, type_id, block)

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        batch = root is not None and root != _ZERO and self._prefetch
        changes = self._changes_of(root) if batch and root is not None else None
        if changes is not None:
            return self._from_changes(changes, credential_hash, block)
        record = self.contracts.credentials.status_of(credential_hash, root or _ZERO, block=block)
        answer = _status_record(int(record.status), int(record.reason), record.block_number)
        if batch and root is not None and root not in self._leaf_changes:
            self._asked.setdefault(root, []).append((credential_hash, block, answer))
        return answer

    def _from_changes(
        self, changes: dict[bytes, list[tuple[int, int, int]]], credential_hash: bytes, block: int | None
    ) -> StatusRecord:
        """The last status change at or before the block, from the contract's own events: what
        ``statusOf`` answers (it keeps exactly the last change), without a call per leaf."""
        head = self._head
        assert head is not None
        limit = head if block is None else min(block, head)
        last = None
        for number, status_value, reason_value in changes.get(credential_hash, ()):
            if number <= limit:
                last = (number, status_value, reason_value)
        return StatusRecord() if last is None else _status_record(last[1], last[2], last[0])

    def _changes_of(self, root: bytes) -> dict[bytes, list[tuple[int, int, int]]] | None:
        """A batch's status changes by credential hash, ``(block, status, reason)`` in chain order, read
        once the batch is looked up often enough; ``None`` below that, where logs cannot be read, or
        where they disagree with the contract's answers so far."""
        if root in self._leaf_changes:
            return self._leaf_changes[root]
        if len(self._asked.get(root, ())) < self.PREFETCH_AFTER:
            return None
        found = self._read_changes(root)
        asked = self._asked.pop(root, [])
        if found is not None and any(self._from_changes(found, h, b) != answer for h, b, answer in asked):
            found = None  # the events do not tell what the contract says (a node dropping logs?): ask it
        self._leaf_changes[root] = found
        return found

    def _read_changes(self, root: bytes) -> dict[bytes, list[tuple[int, int, int]]] | None:
        from .abi import contract_abi, decode_events
        from .errors import LedgerError

        anchored = self.contracts.credentials.anchor_of(root)
        found: dict[bytes, list[tuple[int, int, int]]] = {}
        try:
            if self._head is None:
                self._head = self.chain.block_number()
            topic = next(t for t, e in contract_abi("CredentialRegistry").events.items()
                         if e.name == "CredentialStatusChanged")
            logs = self.chain.get_logs(min(anchored.block_number, self._head), self._head,
                                       [self.contracts.credentials.address], [topic, None, root])
            for event in sorted(decode_events(logs), key=lambda e: (e.block_number, e.log_index)):
                if event.name == "CredentialStatusChanged" and event.args.get("root") == root:
                    entry = (event.block_number, int(event.args["status"]), int(event.args["reason"]))
                    found.setdefault(bytes(event.args["credentialHash"]), []).append(entry)
        except LedgerError:
            return None  # logs not readable here: one call per credential, as before
        return found

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        issued = self.contracts.credentials.issued(credential_hash)
        if issued.issuer is None:
            return None
        tx, args = self._event("CredentialIssued", issued.block_number, credential_hash)
        keys = args.get("contributionKeys")
        return IssuanceRecord(
            credential_hash=credential_hash,
            issuer=issued.issuer,
            subject=issued.subject,
            type_id=issued.type_id,
            block=issued.block_number,
            type_version=issued.type_version,
            transaction=tx,
            contribution_keys=tuple(keys) if isinstance(keys, (list, tuple)) else None,
        )
