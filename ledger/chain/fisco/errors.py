"""Errors of the FISCO BCOS wire codecs.

They extend the package tree in ``ledger.errors``: ``MalformedTransaction`` is a
``ValidationError``, hence also a ``ValueError``. Node answers and status codes map onto the
``ChainError`` family there (``TransactionRejected``, ``NodeUnreachable`` ...), see
``status.py`` and ``jsonrpc.py``.
"""

from __future__ import annotations

from ledger.errors import ValidationError


class MalformedTransaction(ValidationError):
    """Bytes that are not a well-formed FISCO transaction (Tars or RLP), or a bad field value."""

    def __init__(self, codec: str, reason: str, offset: int | None = None) -> None:
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"malformed {codec} data{where}: {reason}")
        self.codec = codec
        self.reason = reason
        self.offset = offset
