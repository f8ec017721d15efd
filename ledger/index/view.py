"""A verification :class:`~ledger.verify.chainview.ChainView` answered from the index, as of any block.

``IndexChainView(reader)`` answers as of the index's cursor (the last synced block);
``IndexChainView(reader, at=N)`` answers as the chain stood at block N: roots anchored later are
unknown, statuses are those in force at N, compromise marks and batch revocations are those made by
N. This is how ``--at DATE|BLOCK`` time travel reaches every verification step without a node that
keeps historical state. The index holds one deployment: a proof naming another one's contract is
refused by the anchoring step (``CONTRACT_MISMATCH``).
"""

from __future__ import annotations

import json
import re

from ledger.errors import VerificationError
from ledger.index.queries import IndexReader
from ledger.index.records import StatusEntry
from ledger.verify.chainview import (
    ACTIVE,
    REINSTATED,
    AnchorRecord,
    CredentialRef,
    IssuanceRecord,
    StatusRecord,
)

_STATUS_NAMES = {"None": ACTIVE, "Valid": REINSTATED, "Suspended": "suspended", "Revoked": "revoked"}


def reason_name(reason: str | None) -> str | None:
    """``IssuedInError`` -> ``issued-in-error`` (as ``ledger.verify.chainview`` spells it); None stays None."""
    if reason in (None, "None"):
        return None
    return re.sub(r"(?<!^)(?=[A-Z])", "-", str(reason)).lower()


def _record(entry: StatusEntry | None) -> StatusRecord:
    if entry is None:
        return StatusRecord(ACTIVE)
    return StatusRecord(_STATUS_NAMES.get(entry.status, entry.status.lower()), reason_name(entry.reason),
                        entry.block_number, entry.by)


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

    def anchor(self, issuer: str, root: bytes, contract: str | None = None) -> AnchorRecord | None:
        batch = self.reader.batch(issuer, root, self.at)
        if batch is None:
            return None
        revoked = batch.revoked
        return AnchorRecord(
            root, batch.issuer, batch.type_id, batch.block_number, batch.count, bytes.fromhex(batch.tx_hash[2:]),
            None if revoked is None else revoked.block_number,
            None if revoked is None else reason_name(revoked.reason),
            None if revoked is None else revoked.by,
        )

    def is_authorized(self, issuer: str, type_id: int, block: int, contract: str | None = None) -> bool:
        return self.reader.is_authorized(issuer, type_id, block, state=self.at)

    def compromised_since(self, key: str, contract: str | None = None) -> int | None:
        return self.reader.compromised_since(key, self.at)

    def superseded_at(self, contract: str) -> int | None:
        known = self.contract_addresses()
        if known is not None and contract.lower() not in known:
            return None
        return self.reader.superseded_at(self.at)

    def status(self, ref: CredentialRef, block: int | None = None) -> StatusRecord:
        when = block if block is not None else self.at
        if ref.root is None:
            return _record(self.reader.credential_status_at(ref.issuer, ref.credential_hash, when))
        assert ref.index is not None
        return _record(self.reader.leaf_status_at(ref.issuer, ref.root, ref.index, when))

    def checked_issuance(self, issuer: str, credential_hash: bytes, contract: str | None = None
                         ) -> IssuanceRecord | None:
        issued = self.reader.issued(credential_hash, self.at, issuer=issuer)
        if issued is None:
            return None
        return IssuanceRecord(
            credential_hash=credential_hash,
            issuer=issued.issuer,
            subject=bytes.fromhex((issued.subject or "0x" + "00" * 32)[2:]),
            type_id=issued.type_id,
            block=issued.block_number,
            type_version=issued.type_version,
            transaction=bytes.fromhex(issued.tx_hash[2:]),
            contribution_keys=tuple(bytes.fromhex(k[2:]) for k in issued.evidence),
            prerequisites=tuple((who, bytes.fromhex(h[2:])) for who, h in
                                zip(issued.prerequisite_issuers, issued.prerequisites) if who is not None),
        )
