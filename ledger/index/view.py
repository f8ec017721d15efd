"""A verification :class:`~ledger.verify.verifier.ChainView` answered from the index, as of any block.

``IndexChainView(reader)`` answers as of the index's cursor (the last synced block);
``IndexChainView(reader, at=N)`` answers as the chain stood at block N: roots anchored later are
unknown, statuses are those in force at N. This is how ``--at DATE|BLOCK`` time travel reaches every
verification step without a node that keeps historical state.
"""

from __future__ import annotations

import json
import re

from ledger.errors import VerificationError
from ledger.index.projection import ZERO32
from ledger.index.queries import IndexReader
from ledger.verify.chainview import ACTIVE, REINSTATED, AnchorRecord, IssuanceRecord, StatusRecord

_STATUS_NAMES = {"None": ACTIVE, "Valid": REINSTATED, "Suspended": "suspended", "Revoked": "revoked"}


def reason_name(reason: str | None) -> str | None:
    """``IssuedInError`` -> ``issued-in-error`` (as ``ledger.verify.chainview`` spells it); None stays None."""
    if reason in (None, "None"):
        return None
    return re.sub(r"(?<!^)(?=[A-Z])", "-", str(reason)).lower()


class IndexChainView:
    """The online questions of verification, answered by the index (optionally as of block ``at``)."""

    def __init__(self, reader: IndexReader, *, at: int | None = None) -> None:
        self.reader = reader
        self.at = at

    def chain_id(self) -> int:
        row = self.reader.conn.execute("SELECT value FROM sync_state WHERE key = 'chain_id'").fetchone()
        if row is None:
            raise VerificationError("the index was never synced, so it knows no chain", hint="run `ledger index sync`")
        return int(row[0])

    def contract_addresses(self) -> frozenset[str] | None:
        row = self.reader.conn.execute("SELECT value FROM sync_state WHERE key = 'addresses'").fetchone()
        return None if row is None else frozenset(json.loads(row[0]))

    def block_number(self) -> int:
        cursor = self.reader.cursor()
        if cursor is None:
            raise VerificationError("the index was never synced", hint="run `ledger index sync`")
        return cursor if self.at is None else min(cursor, self.at)

    def anchor(self, root: bytes) -> AnchorRecord | None:
        batch = self.reader.batch(root, self.at)
        if batch is None:
            return None
        return AnchorRecord(root, batch.issuer, batch.type_id, batch.block_number, batch.count,
                            bytes.fromhex(batch.tx_hash[2:]))

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        return self.reader.is_authorized(issuer, type_id, block)

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        when = block if block is not None else self.at
        root_hex = ZERO32 if root is None else "0x" + root.hex()
        entry = self.reader.credential_status_at(root_hex, credential_hash, when)
        if entry is None:
            return StatusRecord(ACTIVE)
        return StatusRecord(_STATUS_NAMES.get(entry.status, entry.status.lower()), reason_name(entry.reason),
                            entry.block_number)

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        issued = self.reader.issued(credential_hash, self.at)
        if issued is None:
            return None
        return IssuanceRecord(
            credential_hash=credential_hash,
            issuer=issued.issuer,
            subject=bytes.fromhex((issued.subject or ZERO32)[2:]),
            type_id=issued.type_id,
            block=issued.block_number,
            type_version=issued.type_version,
            transaction=bytes.fromhex(issued.tx_hash[2:]),
            contribution_keys=tuple(bytes.fromhex(k[2:]) for k in issued.evidence),
            prerequisites=tuple(bytes.fromhex(h[2:]) for h in issued.prerequisites),
        )
