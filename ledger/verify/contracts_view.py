"""Verification's questions answered by the deployed contracts: :class:`ContractsView`.

The authoritative view: each answer is a contract call (optionally at an old block); the transaction
hashes that the contracts do not store are read from the logs of the one block the contract names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.verify.chainview import (
    ACTIVE,
    REINSTATED,
    REVOKED,
    SUSPENDED,
    AnchorRecord,
    IssuanceRecord,
    StatusRecord,
)

if TYPE_CHECKING:
    from ledger.contracts.deployment import Contracts



_STATUS = {0: ACTIVE, 1: REINSTATED, 2: SUSPENDED, 3: REVOKED}


_ZERO = b"\0" * 32


def _status_record(status_value: int, reason_value: int, block: int) -> StatusRecord:
    from ledger import types
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
        from ledger.chain.base import LOG_FILTER

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
        from ledger.contracts.abi import contract_abi, decode_events
        from ledger.errors import LedgerError

        anchored = self.contracts.credentials.anchor_of(root)
        found: dict[bytes, list[tuple[int, int, int]]] = {}
        try:
            if self._head is None:
                self._head = self.chain.block_number()
            crypto = self.contracts.credentials.crypto
            topic = next(t for t, e in contract_abi("CredentialRegistry", crypto).events.items()
                         if e.name == "CredentialStatusChanged")
            logs = self.chain.get_logs(min(anchored.block_number, self._head), self._head,
                                       [self.contracts.credentials.address], [topic, None, root])
            for event in sorted(decode_events(logs, crypto=crypto), key=lambda e: (e.block_number, e.log_index)):
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
        prerequisites = args.get("prerequisiteCredentialHashes")
        return IssuanceRecord(
            credential_hash=credential_hash,
            issuer=issued.issuer,
            subject=issued.subject,
            type_id=issued.type_id,
            block=issued.block_number,
            type_version=issued.type_version,
            transaction=tx,
            contribution_keys=tuple(keys) if isinstance(keys, (list, tuple)) else None,
            prerequisites=tuple(prerequisites) if isinstance(prerequisites, (list, tuple)) else None,
        )
