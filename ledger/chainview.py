"""The verification :class:`~ledger.verification.ChainView` answered by the deployed contracts.

This is the authoritative view (the index answers the same questions faster, from its copy). Each
answer is a contract call; the transaction hashes that the contracts do not store are read from the
logs of the one block the contract names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .verification import ACTIVE, REINSTATED, REVOKED, SUSPENDED, AnchorRecord, IssuanceRecord, StatusRecord

if TYPE_CHECKING:
    from .chain.base import ChainBackend
    from .contracts import Contracts

_STATUS = {0: ACTIVE, 1: REINSTATED, 2: SUSPENDED, 3: REVOKED}
_ZERO = b"\0" * 32


class ContractsView:
    """Answers verification's questions from the contracts, optionally as of an old block."""

    def __init__(self, contracts: Contracts) -> None:
        self.contracts = contracts
        self.chain = contracts.chain

    def chain_id(self) -> int:
        return self.chain.identity().chain_id

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
        record = self.contracts.credentials.status_of(credential_hash, root or _ZERO, block=block)
        status = _STATUS[int(record.status)]
        if status == ACTIVE:
            return StatusRecord()
        reason = record.reason.name.lower().replace("_", "-") if int(record.reason) else None
        return StatusRecord(status, reason, record.block_number)

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


def block_at(chain: ChainBackend, spec: str | int) -> int:
    """The block for ``--at``: a block number as is, or the last block at or before a date (UTC)."""
    from .contribution import parse_time
    from .errors import ValidationError

    text = str(spec).strip()
    if text.isdigit() and len(text) < 9:
        return int(text)
    when = parse_time(text)
    lo, hi = 0, chain.block_number()
    if chain.block_timestamp(lo) > when:
        raise ValidationError(f"{spec} is before the chain's first block")
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if chain.block_timestamp(mid) <= when:
            lo = mid
        else:
            hi = mid - 1
    return lo
