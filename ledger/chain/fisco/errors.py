"""Errors of the FISCO BCOS wire codecs.

They extend the package tree in ``ledger.errors`` (``MalformedTransaction`` is a
``ValidationError``, hence also a ``ValueError``); node and status errors reuse the
``ChainError`` family there (``TransactionRejected``, ``NodeUnreachable`` ...).
"""

from __future__ import annotations

from ...errors import ChainError, ValidationError


class MalformedTransaction(ValidationError):
    """Bytes that are not a well-formed FISCO transaction (Tars or RLP), or a bad field value."""

    def __init__(self, codec: str, reason: str, offset: int | None = None) -> None:
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"malformed {codec} data{where}: {reason}")
        self.codec = codec
        self.reason = reason
        self.offset = offset


class RpcError(ChainError):
    """A JSON-RPC error object returned by a FISCO node that maps to no more specific error."""

    def __init__(self, method: str, code: int | None, message: str, url: str = "") -> None:
        super().__init__(
            f"{method} failed on {url or 'the node'}: {message}" + (f" (code {code})" if code is not None else "")
        )
        self.method = method
        self.code = code
        self.rpc_message = message
        self.url = url
