"""Transaction fields given as JSON values (hex text, decimal or ``0x`` text), read alike by both codecs."""

from __future__ import annotations

from typing import Any

from ledger.chain.fisco.errors import MalformedTransaction


def hex_bytes(value: Any, name: str, codec: str) -> bytes:
    """Bytes, or hex text with or without ``0x``, as bytes.

    Raises:
        MalformedTransaction: neither, or not valid hex (``codec`` names the format in the message).
    """
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise MalformedTransaction(codec, f"{name} must be hex text or bytes, not {type(value).__name__}")
    text = value[2:] if value.startswith(("0x", "0X")) else value
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise MalformedTransaction(codec, f"{name} is not valid hex") from exc


def int_text(value: str, name: str, codec: str) -> int:
    """Decimal or ``0x`` hex text as an integer.

    Raises:
        MalformedTransaction: the text is neither.
    """
    text = value.strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError as exc:
        raise MalformedTransaction(codec, f"{name} is not an integer: {value!r}") from exc
