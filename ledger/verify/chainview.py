"""What verification asks the chain (:class:`ChainView`), and the records it answers with.

The online steps of :mod:`ledger.verify.verifier` go through a :class:`ChainView`. It is answered by:

* :class:`~ledger.verify.contracts_view.ContractsView`: the deployed contracts, the authoritative view.
* :class:`ledger.index.view.IndexChainView`: the SQLite index, the same questions answered faster from
  its copy, as of its last sync.
* :class:`~ledger.verify.snapshot.StaticChainView`: a fixed snapshot of the records (a verification
  bundle, made by :func:`~ledger.verify.snapshot.snapshot`; the fake chain of the tests).
* :class:`CachedChainView` (here): any of these, remembering the answers that are shared by a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ACTIVE",
    "REINSTATED",
    "REVOKED",
    "SUSPENDED",
    "UNKNOWN",
    "AnchorRecord",
    "Authorization",
    "CachedChainView",
    "ChainView",
    "IssuanceRecord",
    "StatusChange",
    "StatusRecord",
    "jsonable",
]


#: Status names a :class:`ChainView` answers with.
ACTIVE, REINSTATED, SUSPENDED, REVOKED = "active", "reinstated", "suspended", "revoked"


#: A snapshot's answer for a credential it was not made for: it cannot tell that one's status.
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class AnchorRecord:
    """An anchored batch root: who anchored it, for which type, in which block (and transaction)."""

    root: bytes
    issuer: str
    type_id: int
    block: int
    count: int | None = None
    transaction: bytes | None = None


@dataclass(frozen=True, slots=True)
class IssuanceRecord:
    """A criteria-checked issuance as the contract recorded it.

    ``contribution_keys`` is ``None`` when the view cannot tell (the evidence is then not compared);
    ``prerequisites`` are the hashes of the certificates it was stacked on (its components), ``None``
    when the view cannot tell.
    """

    credential_hash: bytes
    issuer: str
    subject: bytes
    type_id: int
    block: int
    type_version: int | None = None
    transaction: bytes | None = None
    contribution_keys: tuple[bytes, ...] | None = None
    prerequisites: tuple[bytes, ...] | None = None


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A credential's status at some block: ``active`` (never changed), ``reinstated``, ``suspended``
    or ``revoked``; with the reason (e.g. ``misconduct``) and block of the last change."""

    status: str = ACTIVE
    reason: str | None = None
    block: int | None = None


@runtime_checkable
class ChainView(Protocol):
    """The online questions verification asks. Every method answers as of the view's chain state."""

    def chain_id(self) -> int:
        """The chain's id (a proof for another chain is refused)."""
        ...

    def contract_addresses(self) -> frozenset[str] | None:
        """The deployment the answers come from (lower-case addresses of its contracts), ``None`` when
        the view does not know; a proof naming a contract outside it is refused."""
        ...

    def block_number(self) -> int:
        """The block the answers are as of (reported, so a verdict says when it held)."""
        ...

    def anchor(self, root: bytes) -> AnchorRecord | None:
        """Who anchored ``root``, or ``None`` if it never was."""
        ...

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        """Whether ``issuer`` was an active issuer allowed to issue ``type_id`` at ``block``."""
        ...

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        """The status at ``block`` (latest when ``None``); ``root`` is the batch root, None if checked."""
        ...

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        """The criteria-checked issuance record of ``credential_hash``, or ``None``."""
        ...


@dataclass(frozen=True, slots=True)
class Authorization:
    """``issuer`` may issue ``type_id`` from block ``since`` up to (excluding) ``until``."""

    issuer: str
    type_id: int
    since: int
    until: int | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status change of a credential, for :class:`StaticChainView`."""

    credential_hash: bytes
    status: str
    block: int
    reason: str | None = None


class CachedChainView:
    """Wraps a :class:`ChainView` and remembers its answers, for verifying many credentials of one batch.

    Anchors and authorizations are per batch, so a thousand files cost one lookup each, not a thousand.
    """

    def __init__(self, inner: ChainView) -> None:
        self.inner = inner
        self._chain_id: int | None = None
        self._addresses: frozenset[str] | None = None
        self._addresses_known = False
        self._block: int | None = None
        self._anchors: dict[bytes, AnchorRecord | None] = {}
        self._authorized: dict[tuple[str, int, int], bool] = {}

    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.inner.chain_id()
        return self._chain_id

    def contract_addresses(self) -> frozenset[str] | None:
        if not self._addresses_known:
            self._addresses, self._addresses_known = self.inner.contract_addresses(), True
        return self._addresses

    def block_number(self) -> int:
        if self._block is None:
            self._block = self.inner.block_number()
        return self._block

    def anchor(self, root: bytes) -> AnchorRecord | None:
        if root not in self._anchors:
            self._anchors[root] = self.inner.anchor(root)
        return self._anchors[root]

    def is_authorized(self, issuer: str, type_id: int, block: int) -> bool:
        key = (issuer.lower(), type_id, block)
        if key not in self._authorized:
            self._authorized[key] = self.inner.is_authorized(issuer, type_id, block)
        return self._authorized[key]

    def status(self, credential_hash: bytes, root: bytes | None, block: int | None = None) -> StatusRecord:
        return self.inner.status(credential_hash, root, block)

    def checked_issuance(self, credential_hash: bytes) -> IssuanceRecord | None:
        return self.inner.checked_issuance(credential_hash)


def jsonable(value: Any) -> Any:
    """``value`` with bytes as ``0x`` hex (also inside lists and tuples), for JSON output."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
