"""Reading a node's answers: integers, hex bytes and addresses as JSON-RPC nodes write them.

Ethereum nodes write quantities as ``"0x…"`` hex text; FISCO BCOS 3.x also writes JSON ints and
decimal text. A value that is none of these is a :class:`~ledger.errors.ChainError` naming what it was
meant to be, never a traceback.
"""

from __future__ import annotations

from typing import Any

from ledger.crypto.hashing import to_checksum_address
from ledger.errors import ChainError


def parse_int(value: Any, what: str) -> int:
    """An integer FISCO wrote as a JSON int, ``"0x…"`` hex text or decimal text."""
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            return int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        pass
    raise ChainError(f"the node sent {what} as {value!r}, which is not an integer")


def parse_hex(value: Any, what: str) -> bytes:
    """Bytes from hex text with or without ``0x`` (``None`` and ``""`` are empty)."""
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise ChainError(f"the node sent {what} as {value!r}, which is not hex text")
    text = value[2:] if value.lower().startswith("0x") else value
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise ChainError(f"the node sent {what} as {value[:80]!r}, which is not hex") from exc


def parse_address(value: Any, what: str = "an address") -> str | None:
    """EIP-55 address from FISCO's text, ``None`` for empty or all-zero (no address)."""
    raw = parse_hex(value, what)
    if not raw or raw == bytes(20):
        return None
    if len(raw) != 20:
        raise ChainError(f"the node sent {what} of {len(raw)} bytes, expected 20")
    return to_checksum_address(raw)
