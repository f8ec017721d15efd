"""The verifier's own errors and the HTTP status of every error it answers with.

Errors are answered as the CLI's ``--json`` errors are printed (``type``, ``message``, ``hint``,
``exit_code``); the status says the same to HTTP: 400 for a request that is wrong (the CLI's exit
code 2), 404 for something not on this chain, 413 for a body over the limit, 503 when the chain does
not answer, 502 for a contract's answer that makes no sense, 500 otherwise.
"""

from __future__ import annotations

from ledger.errors import ChainError, ContractError, LedgerError, ValidationError

__all__ = ["NotFound", "RequestTooLarge", "http_status"]


class NotFound(ValidationError):
    """What was asked for is not on this chain (HTTP 404)."""


class RequestTooLarge(ValidationError):
    """A request body over the verifier's limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than this verifier's limit of {limit:,} bytes",
                         hint="send fewer credentials per request")
        self.limit = limit


def http_status(exc: LedgerError) -> int:
    """The HTTP status of an error answer."""
    if isinstance(exc, RequestTooLarge):
        return 413
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ChainError):
        return 503
    if isinstance(exc, ContractError):
        return 502
    return 400 if exc.exit_code == 2 else 500
