"""Hashes anchored with ``CredentialRegistry.anchorReport(hash, target)``: audit reports, contribution
reports and handle-link commitments all use it, and all need the same two things.

* :func:`anchor_hash` anchors a hash once per account: the contract keeps anchors per account and
  refuses the same account's second anchor of a hash (``ReportAlreadyAnchored``), which for these
  documents means the very same document was anchored before, so that earlier anchor is the answer.
* :func:`find_hash_anchor` answers a later check: the anchor by the account a document names (another
  account's anchor of the same hash is its own), else the first anchor by anyone, with the transaction
  and the target read from the block's ``ReportAnchored`` log.

:func:`padded_target` reads the 32-byte target a document names (a subject id, an address).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.contracts.errors import ReportAlreadyAnchored
from ledger.errors import ValidationError

if TYPE_CHECKING:
    from ledger.contracts.deployment import Contracts
    from ledger.crypto.keys import PrivateKey

__all__ = ["HashAnchor", "anchor_hash", "find_hash_anchor", "padded_target"]


@dataclass(frozen=True)
class HashAnchor:
    """An anchor of a hash: by whom, in which block, and, from the block's log, the transaction and the
    target (0x hex; both None when the block holds no such log: a node that dropped it)."""

    by: str
    block_number: int
    tx_hash: str | None
    target: str | None
    already_anchored: bool = False


def padded_target(text: str, size: int, what: str) -> bytes:
    """``text``, 0x hex of ``size`` bytes, left-padded to the 32 bytes anchored with a hash.

    Raises:
        ValidationError: ``text`` is not 0x hex of ``size`` bytes (``what`` names it in the message).
    """
    digits = text[2:] if text.startswith(("0x", "0X")) else text
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise ValidationError(f"{what} {text!r} is not {size} bytes of 0x hex")
    return raw.rjust(32, b"\0")


def anchor_hash(contracts: Contracts, key: PrivateKey, digest: bytes, target: bytes) -> HashAnchor:
    """Anchor ``digest`` for ``target`` signed by ``key`` (a committee member or an issuer in good
    standing); if this key anchored it before, that anchor, marked ``already_anchored``.

    Raises:
        ContractError: the contract refused, e.g. ``UnknownIssuer`` or ``IssuerNotActive``;
            ``ReportAlreadyAnchored`` when this key's earlier anchor of the hash has no log or was for
            another target (then it is not the same document's anchor).
    """
    credentials = contracts.credentials
    wanted = "0x" + target.hex()
    try:
        receipt = credentials.anchor_report(key, digest, target)
    except ReportAlreadyAnchored:
        block = credentials.report_anchor(key.address, digest)
        found = credentials.report_anchored_log(digest, block, key.address) if block else None
        if found is None or found[1] != wanted:
            raise
        return HashAnchor(key.address, block, found[0], found[1], already_anchored=True)
    return HashAnchor(key.address, receipt.block_number, "0x" + receipt.tx_hash.hex(), wanted)


def find_hash_anchor(contracts: Contracts, digest: bytes, named_by: str | None = None) -> HashAnchor | None:
    """The anchor of ``digest`` by ``named_by`` if that account anchored it, else the first by anyone
    (from the logs since the deployment); None if the hash was never anchored on this chain."""
    credentials = contracts.credentials
    by: str | None = None
    block = 0
    if named_by is not None:
        block = credentials.report_anchor(named_by, digest)
        by = named_by if block else None
    if by is None:
        by, block = credentials.first_report_anchor(digest, contracts.deployment.block_number)
    if by is None:
        return None
    found = credentials.report_anchored_log(digest, block, by)
    tx_hash, target = found if found is not None else (None, None)
    return HashAnchor(by, block, tx_hash, target)
