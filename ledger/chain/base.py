"""The interface every chain backend implements, and the models it returns.

A backend is defined by operations (deploy, send and wait, call, logs, block number, identity),
not by raw RPC, so the same contracts layer runs on the embedded py-evm chain, on any Ethereum
JSON-RPC node (anvil, FISCO BCOS 3.x's web3 RPC) and on FISCO BCOS's native 2.x and 3.x protocols.

Contract reverts surface in two ways:

* ``call`` raises :class:`Reverted` with the raw revert data;
* ``send`` returns a :class:`Receipt` whose ``succeeded`` is false and whose ``revert_data`` holds
  the raw revert data when the backend can obtain it.

Decoding revert data into typed errors is the contracts layer's job (``ledger.contracts.deployment``).
Every backend translates its own native errors into ``ledger.errors`` classes, keeping the cause.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ledger.errors import ChainError

if TYPE_CHECKING:
    from typing_extensions import Self

    from ledger.crypto.keys import PrivateKey

#: Backend features that not every backend has. The conformance suite reads these; a backend
#: that lacks one declares it by leaving it out, and the suite reports the gap visibly.
PERSISTENT = "persistent"  # state, blocks, receipts and logs survive a restart
HISTORICAL_STATE = "historical_state"  # ``call`` at an old block
PIPELINING = "pipelining"  # ``send_many`` sends without waiting for each receipt
FUNDING = "funding"  # ``fund`` can give an account gas money (dev chains)
LOG_FILTER = "log_filter"  # ``get_logs`` is one query to an index of logs, not a scan of every block

#: Largest answer a backend reads from a node; a larger one is refused (a hostile or broken node must
#: not fill memory). The largest real answers, batches of receipts or logs, are a few megabytes.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Transaction:
    """An unsigned request: the backend adds nonce, chain id, fees or block limit and signs it.

    ``to`` is ``None`` for a contract deployment, with the init code in ``data``. ``abi`` is the
    deployed contract's JSON ABI, which FISCO BCOS 3.x keeps with the contract (``getABI``) when the
    deployment carries it, as FISCO's SDKs send it; other backends ignore it.
    """

    to: str | None
    data: bytes
    gas: int
    value: int = 0
    abi: str = ""


@dataclass(frozen=True)
class Log:
    """One event log, normalised across backends."""

    address: str  # checksummed (EIP-55) contract address
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    tx_hash: bytes
    log_index: int


@dataclass(frozen=True)
class Receipt:
    """A mined transaction's outcome, normalised across backends.

    ``status`` is a named result: ``"ok"``, ``"reverted"``, or a FISCO status name such as
    ``"OutOfGas"``; ``succeeded`` is true only for ``"ok"``.
    """

    tx_hash: bytes
    block_number: int
    status: str
    gas_used: int
    contract_address: str | None = None
    logs: tuple[Log, ...] = ()
    revert_data: bytes | None = None
    sender: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class ChainIdentity:
    """What a backend says about the chain it serves."""

    backend: str  # "embedded", "rpc", "fisco3", "fisco2"
    chain_id: int
    crypto: str = "ecdsa"  # "ecdsa" or "sm": SM chains hash with SM3 and sign with SM2
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class Reverted(ChainError):
    """A call reverted; ``data`` holds the raw revert data (may be empty)."""

    def __init__(self, data: bytes, tx_hash: str | None = None) -> None:
        super().__init__(f"execution reverted (0x{data[:4].hex()}...)" if data else "execution reverted")
        self.data = data
        self.tx_hash = tx_hash


@dataclass(frozen=True)
class Outgoing:
    """A signed transaction about to leave for the node: what the burst journal
    (``ledger.chain.bursts``) writes down before it is sent, so that after a crash or a dead node it
    can be looked up (``receipt``) or sent again as it is (``rebroadcast``).

    ``to``, ``data`` and ``value`` say which request it carries out (a replacement at a higher gas
    price carries the same; a filler of a nonce gap is a self-transfer of nothing); ``nonce`` is the
    sender's nonce where the chain has one (Ethereum), ``None`` where a random nonce and a block limit
    keep it from being mined twice (FISCO native).
    """

    tx_hash: bytes
    raw: bytes
    to: str | None
    data: bytes
    value: int = 0
    nonce: int | None = None


_outgoing_observer: ContextVar[Callable[[Sequence[Outgoing]], None] | None] = ContextVar(
    "ledger_outgoing_observer", default=None
)


@contextmanager
def observing_outgoing(observer: Callable[[Sequence[Outgoing]], None]) -> Iterator[None]:
    """While the block runs, every signed transaction a backend is about to send (in this thread or
    task) is shown to ``observer`` first, which may write it down durably before it leaves."""
    token = _outgoing_observer.set(observer)
    try:
        yield
    finally:
        _outgoing_observer.reset(token)


def announce(outgoing: Sequence[Outgoing]) -> None:
    """Called by a backend right before signed transactions leave for the node (see
    :func:`observing_outgoing`); does nothing when nobody observes."""
    observer = _outgoing_observer.get()
    if observer is not None and outgoing:
        observer(outgoing)


class ChainBackend(abc.ABC):
    """One chain, reached one way. Implementations: embedded, rpc, fisco3, fisco2."""

    #: Short name used in config files and messages.
    name: ClassVar[str]
    #: Optional features this backend has (see the module constants). A backend whose features
    #: depend on the node it reached sets them per instance once connected.
    features: frozenset[str] = frozenset()

    @abc.abstractmethod
    def identity(self) -> ChainIdentity:
        """The chain id, crypto mode and a description of the endpoint."""

    @property
    def crypto(self) -> str:
        return self.identity().crypto

    @abc.abstractmethod
    def block_number(self) -> int:
        """Number of the latest block."""

    @abc.abstractmethod
    def block_timestamp(self, number: int) -> int:
        """Unix timestamp (seconds) of a block."""

    def block_timestamps(self, numbers: Sequence[int]) -> dict[int, int]:
        """Unix timestamps of several blocks, by number (a backend over a network asks in one round trip)."""
        return {n: self.block_timestamp(n) for n in numbers}

    @abc.abstractmethod
    def call(self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None) -> bytes:
        """Run a read-only call; return its output or raise :class:`Reverted`."""

    @abc.abstractmethod
    def send(self, key: PrivateKey, tx: Transaction, *, timeout: float = 60.0) -> Receipt:
        """Sign ``tx`` with ``key``, send it and wait for its receipt."""

    def send_many(
        self, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float = 120.0
    ) -> list[Receipt]:
        """Send several transactions from one key and return their receipts in order.

        Backends with the ``pipelining`` feature send them all before waiting for any receipt.
        """
        return [self.send(key, tx, timeout=timeout) for tx in txs]

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of a mined transaction, or ``None`` if the chain has none with that hash (not
        mined, or never seen). The burst journal asks it after a stop."""
        from ledger.errors import CapabilityError

        raise CapabilityError(self.name, "looking transactions up by hash")

    def rebroadcast(self, raw: bytes, tx_hash: bytes) -> bool:
        """Send a signed transaction (``raw``, whose hash is ``tx_hash``) again, exactly as it was signed.
        True if the node has it now (took it, knew it, or has mined it); False if it can never be mined
        (its nonce is used, its block limit has passed, or the chain keeps no pool it could be in)."""
        from ledger.errors import CapabilityError

        raise CapabilityError(self.name, "sending a signed transaction again")

    def deploy(
        self, key: PrivateKey, init_code: bytes, *, gas: int, timeout: float = 60.0, abi: str = ""
    ) -> Receipt:
        """Deploy a contract; the receipt's ``contract_address`` names it. ``abi`` (JSON) goes with the
        deployment where the chain keeps it (FISCO BCOS 3.x)."""
        return self.send(key, Transaction(to=None, data=init_code, gas=gas, abi=abi), timeout=timeout)

    @abc.abstractmethod
    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[str],
        topics: Sequence[bytes | None] | None = None,
    ) -> list[Log]:
        """Logs emitted by ``addresses`` in the inclusive block range, in chain order."""

    def fund(self, address: str, amount_wei: int) -> None:
        """Give an account gas money on a development chain (feature ``funding``)."""
        from ledger.errors import CapabilityError

        raise CapabilityError(self.name, "funding accounts")

    def balance(self, address: str) -> int:
        """The account's balance in wei now (backends with the ``funding`` feature answer it)."""
        from ledger.errors import CapabilityError

        raise CapabilityError(self.name, "reading balances")

    def close(self) -> None:
        """Release files, sockets and locks. Safe to call twice."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
