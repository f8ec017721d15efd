"""Turning FISCO 2.x and 3.x receipt JSON into :class:`ledger.chain.base.Receipt`.

The two lines format receipts differently (FISCO's own notes, ``PROTOCOL.md`` §8.2):

======================  ==========================  ===============================
field                   2.x                         3.x
======================  ==========================  ===============================
status                  hex text ``"0x16"``         JSON int ``16``
gasUsed                 hex text                    decimal text ``"24363"``
blockNumber             hex text                    JSON int
logs                    ``logs``                    ``logEntries`` (address w/o 0x)
no contract created     ``0x000…0``                 ``""``
======================  ==========================  ===============================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.chain.answers import parse_address, parse_count, parse_hex, parse_int
from ledger.chain.base import Log, Receipt
from ledger.chain.fisco import status as status_codes
from ledger.errors import ChainError

_ZERO_ADDRESS = "0x" + "00" * 20


def parse_logs(entries: Any, *, block_number: int, tx_hash: bytes, first_index: int = 0) -> tuple[Log, ...]:
    """Normalise a receipt's ``logs`` / ``logEntries`` list."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ChainError("the node sent receipt logs that are not a list")
    logs = []
    for offset, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ChainError("the node sent a receipt log that is not an object")
        address = parse_address(entry.get("address"), "a log address")
        topics = entry.get("topics") or ()
        if not isinstance(topics, list):
            raise ChainError(f"the node sent a log's topics as {type(topics).__name__}, not a list")
        logs.append(
            Log(
                address=address or _ZERO_ADDRESS,
                topics=tuple(parse_hex(t, "a log topic") for t in topics),
                data=parse_hex(entry.get("data"), "log data"),
                block_number=block_number,
                tx_hash=tx_hash,
                log_index=first_index + offset,
            )
        )
    return tuple(logs)


def status_of(receipt: Mapping[str, Any], line: int) -> status_codes.Status:
    """The receipt's status code looked up in the table of FISCO line ``line``."""
    value = receipt.get("status")
    code = parse_int(value, "a receipt status", minimum=-(1 << 31), maximum=(1 << 31) - 1)
    return status_codes.lookup(line, code)


def to_receipt(receipt: Mapping[str, Any], line: int) -> Receipt:
    """A :class:`Receipt` from a 2.x (``line=2``) or 3.x (``line=3``) receipt object."""
    if not isinstance(receipt, Mapping):
        raise ChainError(f"the node sent a receipt that is not an object: {receipt!r:.80}")
    status = status_of(receipt, line)
    tx_hash = parse_hex(receipt.get("transactionHash"), "transactionHash")
    block_number = parse_count(receipt.get("blockNumber", 0), "blockNumber")
    entries = receipt.get("logEntries") if line == 3 else receipt.get("logs")
    if entries is None:
        entries = receipt.get("logs") if line == 3 else receipt.get("logEntries")
    output = parse_hex(receipt.get("output"), "output")
    return Receipt(
        tx_hash=tx_hash,
        block_number=block_number,
        status=status.receipt_status,
        gas_used=parse_int(receipt.get("gasUsed", 0), "gasUsed", minimum=0),
        contract_address=parse_address(receipt.get("contractAddress"), "contractAddress"),
        logs=parse_logs(entries, block_number=block_number, tx_hash=tx_hash),
        revert_data=None if status.kind == status_codes.OK else output,
        sender=parse_address(receipt.get("from"), "from"),
    )
