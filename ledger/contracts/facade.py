"""The base of the contract facades: encoding, calling, building and sending for one contract.

:class:`ContractFacade` holds what the four facades (:mod:`ledger.contracts.committee`,
:mod:`ledger.contracts.issuer_registry`, :mod:`ledger.contracts.contribution_ledger`,
:mod:`ledger.contracts.credential_registry`) share: an ABI from the committed artifacts, calls decoded
into Python values (a revert raised as its decoded error), unsigned transactions with an explicit gas
limit, checked sends (:mod:`ledger.contracts.send`) and proposals through the Committee. The argument
checks every facade uses are here too. It is a module of its own so that each facade module holds
only its contract's functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ledger.chain.base import ChainBackend, Receipt, Reverted, Transaction
from ledger.contracts.abi import contract_abi, decode_revert
from ledger.contracts.send import send_checked
from ledger.crypto.keys import PrivateKey

__all__ = ["ContractFacade", "Proposer", "address_or_none", "bytes32", "bytes32_list"]


class Proposer(Protocol):
    """Where committee-only calls are proposed: the Committee facade."""

    def propose(self, key: PrivateKey, target: str, data: bytes, *, gas: int = ...) -> Receipt: ...


class ContractFacade:
    """Shared plumbing: encode, call, build, send and decode for one deployed contract.

    A subclass names its contract (``contract_name``); ``committee`` is the Committee facade through
    which the subclass proposes committee-only calls (the Committee proposes its own).
    """

    contract_name: str = ""

    def __init__(self, chain: ChainBackend, address: str, committee: Proposer | None = None) -> None:
        self.chain = chain
        self.address = address
        #: The chain's crypto mode: SM chains use the SM3 artifacts' selectors, topics and errors.
        self.crypto = chain.crypto
        self.abi = contract_abi(self.contract_name, self.crypto)
        self._committee = committee

    def encode(self, fn: str, *args: Any) -> bytes:
        """Calldata of ``fn(*args)`` (for proposals or raw sends)."""
        return self.abi.fn(fn).encode(*args)

    def _call(self, fn: str, *args: Any, block: int | None = None) -> tuple[Any, ...]:
        f = self.abi.fn(fn)
        try:
            out = self.chain.call(self.address, f.encode(*args), block=block)
        except Reverted as exc:
            raise decode_revert(exc.data, crypto=self.crypto) from exc
        return f.decode(out, contract=self.contract_name, address=self.address)

    def _build(self, fn: str, gas: int, *args: Any) -> Transaction:
        return Transaction(to=self.address, data=self.abi.fn(fn).encode(*args), gas=gas)

    def build_raw(self, fn: str, *args: Any, gas: int = 1_000_000) -> Transaction:
        """An unsigned call of any function by its Solidity name (committee-only ones included)."""
        return self._build(fn, gas, *args)

    def send(self, key: PrivateKey, tx: Transaction) -> Receipt:
        """Send ``tx`` and raise the decoded ContractError if it reverts."""
        return send_checked(self.chain, key, tx)

    def _send(self, key: PrivateKey, tx: Transaction) -> Receipt:
        return send_checked(self.chain, key, tx)

    def _propose(self, key: PrivateKey, fn: str, gas: int, *args: Any) -> Receipt:
        if self._committee is None:
            raise TypeError(f"{self.contract_name} was made without the Committee facade")
        return self._committee.propose(key, self.address, self.encode(fn, *args), gas=gas)

    def version(self, *, block: int | None = None) -> str:
        """The contract's ``version()``."""
        return str(self._call("version", block=block)[0])


def bytes32(value: bytes) -> bytes:
    """``value`` as ``bytes``, checked to be 32 long (a hash, key or subject id argument)."""
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return bytes(value)


def bytes32_list(values: Sequence[bytes]) -> list[bytes]:
    """Each of ``values`` checked to be 32 bytes (a Merkle proof, a list of keys)."""
    return [bytes32(v) for v in values]


def address_or_none(value: str) -> str | None:
    """An address a contract answered, or None for the zero address (nothing there)."""
    return None if int(value, 16) == 0 else value
