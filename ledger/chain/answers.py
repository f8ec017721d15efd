"""Reading a node's answers: integers, hex bytes and addresses as JSON-RPC nodes write them.

Ethereum nodes write quantities as ``"0x…"`` hex text; FISCO BCOS 3.x also writes JSON ints and
decimal text. A value that is none of these is a :class:`~ledger.errors.ChainError` naming what it was
meant to be, never a traceback.
"""

from __future__ import annotations

from typing import Any

from ledger.crypto.hashing import to_checksum_address
from ledger.errors import ChainError

#: Integers a node may send: anything an EVM word holds (a longer number is a hostile answer, and
#: Python refuses to print or parse integers of more than 4,300 digits).
_INT_BOUND = 1 << 256


def parse_int(value: Any, what: str, *, minimum: int = -_INT_BOUND, maximum: int = _INT_BOUND - 1) -> int:
    """An integer FISCO wrote as a JSON int, ``"0x…"`` hex text or decimal text, within
    ``[minimum, maximum]`` (by default what a 256-bit word holds)."""
    number: int | None = None
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value if -_INT_BOUND <= value < _INT_BOUND else None
        elif isinstance(value, str) and len(value) <= 80:
            text = value.strip()
            number = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        number = None
    if number is None:
        if isinstance(value, int) and not isinstance(value, bool):
            shown = "a number beyond 256 bits"  # (repr of a number of over 4,300 digits raises)
        else:
            text = repr(value)
            shown = text if len(text) <= 60 else text[:57] + "..."
        raise ChainError(f"the node sent {what} as {shown}, which is not an integer")
    if not minimum <= number <= maximum:
        raise ChainError(f"the node sent {what} as {number}, outside [{minimum}, {maximum}]")
    return number


def parse_count(value: Any, what: str) -> int:
    """A block number, a timestamp or another count: an integer in ``[0, 2**63)``."""
    return parse_int(value, what, minimum=0, maximum=(1 << 63) - 1)


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
