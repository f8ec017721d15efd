"""Reading a reason out of revert data, for messages (typed decoding is ``ledger.contracts.deployment``' job).

``Error(string)`` and ``Panic(uint256)`` are recognised under both selector hashes: keccak256
(standard solc, which this project uses on every chain: the selector is a compile-time
constant in the bytecode) and SM3 (FISCO's gm solc on SM chains).
"""

from __future__ import annotations

from ledger.crypto.hashing import keccak256
from ledger.crypto.sm2 import sm3_hash

_ERROR = {h(b"Error(string)")[:4] for h in (keccak256, sm3_hash)}
_PANIC = {h(b"Panic(uint256)")[:4] for h in (keccak256, sm3_hash)}


def revert_reason(data: bytes | None) -> str | None:
    """``"reason"`` for ``Error(string)``, ``"panic 0x11"`` for ``Panic``, else ``None``.

    Custom errors (a 4-byte selector plus arguments) return ``None``; the contracts layer
    decodes them against the ABI.
    """
    if not data or len(data) < 4:
        return None
    selector, body = data[:4], data[4:]
    if selector in _PANIC and len(body) == 32:
        return f"panic 0x{int.from_bytes(body, 'big'):x}"
    if selector not in _ERROR or len(body) < 64:
        return None
    offset = int.from_bytes(body[:32], "big")
    if offset + 32 > len(body):
        return None
    length = int.from_bytes(body[offset : offset + 32], "big")
    text = body[offset + 32 : offset + 32 + length]
    if len(text) != length:
        return None
    return text.decode("utf-8", errors="replace")
