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

from collections.abc import Callable, Iterable
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
    "CredentialRef",
    "IssuanceRecord",
    "KeyCompromise",
    "LeafChange",
    "StatusChange",
    "StatusRecord",
    "jsonable",
    "replay_leaf",
]


#: Status names a :class:`ChainView` answers with.
ACTIVE, REINSTATED, SUSPENDED, REVOKED = "active", "reinstated", "suspended", "revoked"
#: The status names by the contracts' ``CredentialStatus`` value.
STATUS_NAMES = (ACTIVE, REINSTATED, SUSPENDED, REVOKED)


#: A snapshot's answer for a credential it was not made for: it cannot tell that one's status.
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CredentialRef:
    """Where a credential is recorded on chain: its issuer key and hash, and for a batch leaf the batch
    root and the leaf index; ``contract`` is the contract its proof names (the deployment it is in)."""

    issuer: str
    credential_hash: bytes
    root: bytes | None = None
    index: int | None = None
    contract: str | None = None

    @property
    def batch(self) -> bool:
        return self.root is not None


@dataclass(frozen=True, slots=True)
class AnchorRecord:
    """A batch root anchored by ``issuer``: for which type, in which block (and transaction), and whether
    the batch was revoked as a whole (when, why, by which key; the committee's contract address for the
    committee)."""

    root: bytes
    issuer: str
    type_id: int
    block: int
    count: int | None = None
    transaction: bytes | None = None
    revoked_block: int | None = None
    revoked_reason: str | None = None
    revoked_by: str | None = None


@dataclass(frozen=True, slots=True)
class IssuanceRecord:
    """A criteria-checked issuance as the contract recorded it.

    ``contribution_keys`` is ``None`` when the view cannot tell (the evidence is then not compared);
    ``prerequisites`` are the (issuer, hash) of each certificate it was stacked on (its components),
    ``None`` when the view cannot tell.
    """

    credential_hash: bytes
    issuer: str
    subject: bytes
    type_id: int
    block: int
    type_version: int | None = None
    transaction: bytes | None = None
    contribution_keys: tuple[bytes, ...] | None = None
    prerequisites: tuple[tuple[str, bytes], ...] | None = None


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A credential's status at some block: ``active`` (never changed), ``reinstated``, ``suspended``
    or ``revoked``; with the reason (e.g. ``misconduct``), block and author of the last change that
    counts (a change by a key compromised at its block does not)."""

    status: str = ACTIVE
    reason: str | None = None
    block: int | None = None
    by: str | None = None


@dataclass(frozen=True, slots=True)
class LeafChange:
    """One status change of a batch leaf, as the events tell it: ``restore`` is the committee's (or a
    manager's, after a theft) repair, which may set any status."""

    block: int
    log_index: int
    status: str
    reason: str | None
    by: str


def replay_leaf(
    changes: Iterable[LeafChange], compromised_since: Callable[[str], int | None], block: int | None = None
) -> StatusRecord:
    """A batch leaf's status from its changes in chain order, skipping every change made by a key that
    was compromised at its block (``compromised_since`` answers the mark of a key, None when unmarked);
    only changes at or before ``block`` (latest when None) count."""
    state = StatusRecord()
    for change in sorted(changes, key=lambda c: (c.block, c.log_index)):
        if block is not None and change.block > block:
            break
        since = compromised_since(change.by)
        if since and change.block >= since:
            continue
        state = StatusRecord() if change.status == ACTIVE else StatusRecord(change.status, change.reason,
                                                                            change.block, change.by)
    return state


@runtime_checkable
class ChainView(Protocol):
    """The online questions verification asks. Every method answers as of the view's chain state."""

    def chain_id(self) -> int:
        """The chain's id (a proof for another chain is refused)."""
        ...

    def contract_addresses(self) -> frozenset[str] | None:
        """The deployments the answers come from (lower-case addresses of their contracts), ``None`` when
        the view does not know; a proof naming a contract outside them is refused."""
        ...

    def block_number(self) -> int:
        """The block the answers are as of (reported, so a verdict says when it held)."""
        ...

    def anchor(self, issuer: str, root: bytes, contract: str | None = None) -> AnchorRecord | None:
        """The batch ``issuer`` anchored with ``root`` (in the deployment of ``contract``), or ``None``."""
        ...

    def is_authorized(self, issuer: str, type_id: int, block: int, contract: str | None = None) -> bool:
        """Whether ``issuer`` could write ``type_id`` at some moment of ``block`` (its key current and not
        compromised, it and every ancestor active with the type in scope)."""
        ...

    def compromised_since(self, key: str, contract: str | None = None) -> int | None:
        """The first block whose writes of ``key`` are void (None: never marked), as marked in the
        deployment of ``contract`` and every newer one on the line."""
        ...

    def superseded_at(self, contract: str) -> int | None:
        """The block in which the deployment of ``contract`` named its successor (None: it did not):
        anchors made after it are not trusted."""
        ...

    def status(self, ref: CredentialRef, block: int | None = None) -> StatusRecord:
        """The status in force at ``block`` (latest when ``None``); changes by keys compromised at their
        block do not count."""
        ...

    def checked_issuance(self, issuer: str, credential_hash: bytes, contract: str | None = None
                         ) -> IssuanceRecord | None:
        """The criteria-checked issuance of ``credential_hash`` by ``issuer``, or ``None``."""
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
    """One status change of a credential, for :class:`StaticChainView`: by hash (a checked one, or a
    leaf of a contracts-v1 batch), or by ``root`` and ``index`` (a leaf of a contracts-v2 batch)."""

    credential_hash: bytes
    status: str
    block: int
    reason: str | None = None
    root: bytes | None = None
    index: int | None = None
    issuer: str | None = None


@dataclass(frozen=True, slots=True)
class KeyCompromise:
    """``key`` is marked compromised since block ``since``, for :class:`StaticChainView`."""

    key: str
    since: int


class CachedChainView:
    """Wraps a :class:`ChainView` and remembers its answers, for verifying many credentials of one batch.

    Anchors, authorizations and compromise marks are per batch or per key, so a thousand files cost one
    lookup each, not a thousand.
    """

    def __init__(self, inner: ChainView) -> None:
        self.inner = inner
        self._chain_id: int | None = None
        self._addresses: frozenset[str] | None = None
        self._addresses_known = False
        self._block: int | None = None
        self._anchors: dict[tuple[str, bytes, str | None], AnchorRecord | None] = {}
        self._authorized: dict[tuple[str, int, int, str | None], bool] = {}
        self._compromised: dict[tuple[str, str | None], int | None] = {}
        self._superseded: dict[str, int | None] = {}

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

    def anchor(self, issuer: str, root: bytes, contract: str | None = None) -> AnchorRecord | None:
        key = (issuer.lower(), root, contract)
        if key not in self._anchors:
            self._anchors[key] = self.inner.anchor(issuer, root, contract)
        return self._anchors[key]

    def is_authorized(self, issuer: str, type_id: int, block: int, contract: str | None = None) -> bool:
        key = (issuer.lower(), type_id, block, contract)
        if key not in self._authorized:
            self._authorized[key] = self.inner.is_authorized(issuer, type_id, block, contract)
        return self._authorized[key]

    def compromised_since(self, key: str, contract: str | None = None) -> int | None:
        k = (key.lower(), contract)
        if k not in self._compromised:
            self._compromised[k] = self.inner.compromised_since(key, contract)
        return self._compromised[k]

    def superseded_at(self, contract: str) -> int | None:
        k = contract.lower()
        if k not in self._superseded:
            self._superseded[k] = self.inner.superseded_at(contract)
        return self._superseded[k]

    def status(self, ref: CredentialRef, block: int | None = None) -> StatusRecord:
        return self.inner.status(ref, block)

    def checked_issuance(self, issuer: str, credential_hash: bytes, contract: str | None = None
                         ) -> IssuanceRecord | None:
        return self.inner.checked_issuance(issuer, credential_hash, contract)


def jsonable(value: Any) -> Any:
    """``value`` with bytes as ``0x`` hex (also inside lists and tuples), for JSON output."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
