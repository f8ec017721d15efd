"""The embedded chain: py-evm in this process, persisted in one SQLite file.

Nothing to start and nothing to install beyond the Python package: the default backend for a new
workspace and for every test run.

How it works:

* A py-evm ``MiningChain`` on the Prague fork (the newest py-evm has), post-merge, with a zero base
  fee and a block gas limit so large that the base fee never rises: like FISCO BCOS, gas is free, so no
  account needs funding. :meth:`EmbeddedChain.fund` still exists for parity with anvil (it transfers
  from a faucet account allocated at genesis).
* py-evm is used directly rather than through eth-tester: eth-tester rebuilds the pending block after
  each transaction (quadratic in the block size: 200 transactions in one block run at about 20 tx/s
  there) and signs through eth-account. Here a batch is applied and sealed in one pass
  (:mod:`ledger.chain.blocks`, which also computes the transaction and receipt roots),
  transactions are signed by :mod:`ledger.chain.ethtx`, and py-evm does not re-verify signatures
  made a moment before by this process. ``benchmarks/embedded.py`` measures both routes.
* ``send`` mines one block per transaction; ``send_many`` puts all its transactions in one block,
  which is this backend's pipelining.
* A failed transaction (a revert, out of gas, an invalid opcode) is mined with status ``"reverted"``,
  as on any Ethereum node; ``revert_data`` holds the REVERT payload, or ``b""`` for other failures.
* Every block is committed to SQLite in one transaction together with its log rows and transaction
  outcomes (:mod:`ledger.chain.kvstore`), so a killed process never leaves half a block. If anything
  fails while a block is built, the buffered writes are dropped and the chain is reloaded from the
  last committed head.
* One process at a time: the database file is guarded by a file lock (``<file>.lock``); another
  process waits up to ``lock_timeout`` seconds, then gets :class:`ledger.errors.WorkspaceLocked`.
  Waiters are served first come, first served (:mod:`ledger.chain.turns`).
* Block timestamps are wall-clock seconds, strictly increasing: a block mined in the same second as
  its parent gets ``parent + 1``, so a long burst of single-transaction blocks runs ahead of the clock.
* All state is kept (no pruning), so ``call(..., block=N)`` works at any old block, in any process.

Crypto modes (``crypto``, fixed when the chain is created and kept in its database):

* ``"ecdsa"`` (the default): an Ethereum chain. Transactions are EIP-155 legacy transactions signed
  with secp256k1 keys, named by their keccak256 hash.
* ``"sm"``: a FISCO BCOS SM (guomi) chain (:mod:`ledger.chain.evm`: the KECCAK256 opcode computes SM3,
  contract addresses derive from SM3). :meth:`EmbeddedChain.send` takes SM2 keys and signs each
  transaction as FISCO BCOS 3.x does (a Tars ``TransactionData`` with a random nonce and a block limit,
  its SM3 hash signed with SM2), names it by that hash and credits it to ``SM3(pubkey)[12:]``.

:meth:`EmbeddedChain.mine` mines transactions that a node verified by its own rules (``ledger node``,
FISCO's native protocols): each comes with its sender and its hash as its protocol derives them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from eth_typing import Address, BlockNumber

from ledger.chain import blocks, ethtx, evm
from ledger.chain.base import (
    FUNDING,
    HISTORICAL_STATE,
    LOG_FILTER,
    PERSISTENT,
    PIPELINING,
    ChainBackend,
    ChainIdentity,
    Log,
    Outgoing,
    Receipt,
    Reverted,
    Transaction,
    announce,
)
from ledger.chain.turns import LockTimeout, QueueLock
from ledger.crypto.hashing import keccak256, to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import (
    CapabilityError,
    ChainError,
    ConfigError,
    InsufficientFunds,
    LedgerError,
    TransactionRejected,
    ValidationError,
    WorkspaceError,
    WorkspaceLocked,
)

if TYPE_CHECKING:
    from eth.abc import (
        BlockHeaderAPI,
        ComputationAPI,
        ReceiptAPI,
        SignedTransactionAPI,
        VirtualMachineAPI,
    )
    from eth.chains.base import MiningChain
    from eth.vm.base import VM

    from ledger.chain.kvstore import ChainStore, LogRow, TxRow

#: Chain id of a new embedded chain (the usual local development id; anvil uses 31337).
DEFAULT_CHAIN_ID = 1337
#: Block gas limit: far above any block this backend builds, so the EIP-1559 base fee stays 0.
BLOCK_GAS_LIMIT = 10**15
#: Gas given to a read-only ``call`` (geth's default RPC gas cap).
CALL_GAS = 50_000_000
#: The faucet behind :meth:`EmbeddedChain.fund`. Its key is public on purpose: a development chain.
FAUCET_KEY = PrivateKey(keccak256(b"fisco-talent-ledger embedded chain faucet"))
FAUCET_BALANCE = 10**36
#: How many blocks' VMs ``call`` keeps warm (the head, plus a few old blocks being audited).
_CALL_VMS_KEPT = 4
_ZERO_ADDRESS = Address(b"\x00" * 20)


def _address_bytes(address: str) -> Address:
    text = address[2:] if address.startswith(("0x", "0X")) else address
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise ValidationError(f"address {address!r} is not hex") from exc
    if len(raw) != 20:
        raise ValidationError(f"address {address!r} is not 20 bytes")
    return Address(raw)


def _use_fast_keccak() -> None:
    """Point eth-hash (py-evm's keccak) at safe-pysha3's C code instead of pycryptodome.

    eth-hash picks pycryptodome when both are installed; pysha3 gives the same digests about
    15 times faster per call, and py-evm hashes every trie node it writes. This is what
    ``ETH_HASH_BACKEND=pysha3`` would do, set in code so that no environment is read here.
    """
    from eth_hash.auto import keccak
    from eth_hash.backends import pysha3

    if keccak.hasher is not pysha3.backend.keccak256:
        keccak._backend = pysha3.backend
        keccak.hasher = pysha3.backend.keccak256  # type: ignore[assignment]
        keccak.preimage = pysha3.backend.preimage  # type: ignore[assignment]


#: What an SM chain signs its own transactions as: FISCO BCOS 3.x's default chain and group.
SM_CHAIN_NAME = "chain0"
SM_GROUP_NAME = "group0"
#: The block limit an SM chain gives its own transactions (as FISCO's SDKs do: current + 500).
SM_BLOCK_LIMIT_MARGIN = 500
#: The (unchecked) signature of transactions whose real signature was checked by a node's own rules:
#: py-evm needs one in its block, nothing recovers it (:func:`blocks.own_signed_class`).
_ADMITTED_SIGNATURE = {"v": 27, "r": 1, "s": 1}


@dataclass(frozen=True)
class Admitted:
    """A transaction a node verified by its own protocol's rules, to be mined as it is.

    Attributes:
        hash: the transaction's hash as its protocol derives it (FISCO: keccak256 or SM3 of its fields).
        sender: the signer's address as its protocol derives it (SM chains: ``SM3(pubkey)[12:]``).
        to: the called contract, ``None`` for a deployment.
        data: calldata, or the init code of a deployment.
        gas: the gas the transaction may use (FISCO: the chain's ``tx_gas_limit``).
        value: value sent along.
        raw: the transaction as received, kept with its outcome (``ledger node`` answers from it).
        nonce: its replay-protection nonce, kept so that a repeat can be found.
    """

    hash: bytes
    sender: str
    to: str | None
    data: bytes
    gas: int
    value: int = 0
    raw: bytes = b""
    nonce: bytes = b""


class EmbeddedChain(ChainBackend):
    """A py-evm chain in this process, in memory or persisted in a SQLite file.

    Args:
        path: the database file (created if missing), or ``None`` for a chain in memory.
        lock_timeout: seconds to wait for another process to release the database.
        chain_id: chain id of a *new* chain; an existing file keeps the id it was created with.
        crypto: ``"ecdsa"`` or ``"sm"`` (module docstring) of a *new* chain; ``None``: an existing
            file's, else ``"ecdsa"``. Naming another mode than an existing file's is refused.
        address_rule: how deployments get their addresses (:mod:`ledger.chain.evm`): ``"rlp"``
            (Ethereum, FISCO 2.x) or ``"fisco3"``; ``None``: an existing file's, else ``"fisco3"`` on
            SM chains and ``"rlp"`` on ECDSA ones.
        clock: what the TIMESTAMP opcode counts (:data:`ledger.chain.evm.CLOCKS`): ``"s"`` (Ethereum) or
            ``"ms"`` (FISCO BCOS's default, for ``ledger node``); ``None``: an existing file's, else ``"s"``.

    Raises:
        WorkspaceLocked: another process holds the database longer than ``lock_timeout``.
        WorkspaceError: the file cannot be opened or is not an embedded chain database.
        ConfigError: ``crypto`` or ``address_rule`` differ from what the existing file was made with.
    """

    name: ClassVar[str] = "embedded"
    features: frozenset[str] = frozenset({PERSISTENT, HISTORICAL_STATE, PIPELINING, FUNDING, LOG_FILTER})

    def __init__(
        self,
        path: Path | None = None,
        *,
        lock_timeout: float = 10.0,
        chain_id: int = DEFAULT_CHAIN_ID,
        crypto: str | None = None,
        address_rule: str | None = None,
        clock: str | None = None,
    ) -> None:
        if clock not in (None, *evm.CLOCKS):
            raise ConfigError(f"clock must be 's' or 'ms', not {clock!r}")
        if crypto not in (None, *evm.CRYPTO_MODES):
            raise ConfigError(f"crypto must be 'ecdsa' or 'sm', not {crypto!r}")
        if address_rule not in (None, *evm.ADDRESS_RULES):
            raise ConfigError(f"address rule must be 'rlp' or 'fisco3', not {address_rule!r}")
        self.path = Path(path) if path is not None else None
        self._mutex = threading.RLock()
        self._lock: QueueLock | None = None
        self._store: ChainStore | None = None
        self._call_vms: OrderedDict[bytes, VirtualMachineAPI] = OrderedDict()
        if self.path is not None:
            self._lock = self._acquire_lock(self.path, lock_timeout)
        try:
            self._open(chain_id, crypto, address_rule, clock)
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------------

    @staticmethod
    def _acquire_lock(path: Path, timeout: float) -> QueueLock:
        """The database's lock; processes waiting for it get it in the order they asked."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = QueueLock(str(path) + ".lock")
        try:
            lock.acquire(timeout)
        except LockTimeout as exc:
            raise WorkspaceLocked(str(path), timeout) from exc
        except OSError as exc:
            raise WorkspaceError(f"cannot lock the embedded chain database {path}: {exc}") from exc
        return lock

    def _open(self, chain_id: int, crypto: str | None, address_rule: str | None, clock: str | None) -> None:
        from eth.db.atomic import AtomicDB

        from ledger.chain.kvstore import ChainStore

        _use_fast_keccak()
        self._store = store = ChainStore(self.path)
        stored_id = store.get_meta("chain_id")
        self._db = AtomicDB(store.kv)
        if stored_id is None:
            self._chain_id = chain_id
            self._crypto = crypto or "ecdsa"
            self._address_rule = address_rule or ("fisco3" if self._crypto == "sm" else "rlp")
            self._clock = clock or "s"
            self._create_genesis()
        else:
            self._chain_id = int(stored_id)
            self._crypto = store.get_meta("crypto") or "ecdsa"
            self._address_rule = store.get_meta("address_rule") or "rlp"
            # A chain made before the clock was kept runs on the one asked for (else seconds).
            self._clock = store.get_meta("clock") or clock or "s"
            where = self.path if self.path is not None else "memory"
            if crypto is not None and crypto != self._crypto:
                raise ConfigError(
                    f"the chain in {where} is an {self._crypto.upper()} chain, not {crypto.upper()}",
                    hint="its crypto mode was fixed when it was made; start a new chain for the other mode",
                )
            if address_rule is not None and address_rule != self._address_rule:
                raise ConfigError(f"the chain in {where} derives contract addresses by the "
                                  f"{self._address_rule!r} rule, not {address_rule!r}")
            if clock is not None and clock != self._clock:
                raise ConfigError(f"the chain in {where} counts block time in {self._clock!r}, not {clock!r}")
            self._chain = evm.chain_class(self._chain_id, self._crypto, self._clock)(self._db)

    def _create_genesis(self) -> None:
        import time

        if self._chain_id <= 0:
            raise ValidationError(f"chain id must be positive, got {self._chain_id}")
        params: dict[str, Any] = {
            "difficulty": 0,
            "gas_limit": BLOCK_GAS_LIMIT,
            "timestamp": int(time.time()),
            "base_fee_per_gas": 0,
        }
        state: dict[Any, Any] = {
            bytes.fromhex(FAUCET_KEY.address[2:]): {
                "balance": FAUCET_BALANCE, "nonce": 0, "code": b"", "storage": {},
            }
        }  # fmt: skip
        chain = evm.chain_class(self._chain_id, self._crypto, self._clock).from_genesis(self._db, params, state)
        self._chain = cast("MiningChain", chain)
        meta = {"chain_id": str(self._chain_id), "crypto": self._crypto, "address_rule": self._address_rule,
                "clock": self._clock}
        self._checked_store().commit(meta=meta)

    def _checked_store(self) -> ChainStore:
        if self._store is None:
            raise ChainError("the embedded chain is closed")
        return self._store

    def _reload(self) -> None:
        """Forget uncommitted work: drop buffered writes and rebuild py-evm's view from the head."""
        store = self._checked_store()
        store.rollback()
        self._call_vms.clear()
        self._chain = evm.chain_class(self._chain_id, self._crypto, self._clock)(self._db)

    # -- reads -------------------------------------------------------------------------------

    def identity(self) -> ChainIdentity:
        where = str(self.path) if self.path is not None else "memory"
        sm = " with FISCO BCOS SM semantics (SM2, SM3)" if self._crypto == "sm" else ""
        return ChainIdentity(
            backend=self.name,
            chain_id=self._chain_id,
            crypto=self._crypto,
            description=f"embedded py-evm (Prague){sm} in {where}",
            extra={"fork": "prague", "path": where, "address_rule": self._address_rule, "clock": self._clock},
        )

    @property
    def crypto(self) -> str:
        return self._crypto

    @property
    def address_rule(self) -> str:
        """How deployments get their addresses: ``"rlp"`` or ``"fisco3"`` (:mod:`ledger.chain.evm`)."""
        return self._address_rule

    def block_number(self) -> int:
        with self._mutex:
            self._checked_store()
            return int(self._chain.get_canonical_head().block_number)

    def _header(self, number: int) -> BlockHeaderAPI:
        from eth.exceptions import HeaderNotFound

        self._checked_store()
        head = self._chain.get_canonical_head()
        if number < 0 or number > head.block_number:
            raise ValidationError(f"block {number} does not exist (the latest block is {head.block_number})")
        try:
            return self._chain.get_canonical_block_header_by_number(BlockNumber(number))
        except HeaderNotFound as exc:
            raise WorkspaceError(f"block {number} is missing from the embedded chain database") from exc

    def block_timestamp(self, number: int) -> int:
        with self._mutex:
            return int(self._header(number).timestamp)

    def call(self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None) -> bytes:
        """Run a read-only call against the state after ``block`` (default: the latest).

        Raises:
            Reverted: the call reverted (``data`` is the revert data) or failed (empty data).
            ValidationError: a bad address or a block that does not exist.
        """
        from eth.exceptions import Revert
        from eth.vm.spoof import SpoofTransaction

        target = _address_bytes(to)
        origin = _address_bytes(sender) if sender is not None else _ZERO_ADDRESS
        with self._mutex:
            self._checked_store()
            header = self._chain.get_canonical_head() if block is None else self._header(block)
            vm = self._call_vm(header)
            state = vm.state
            unsigned = vm.create_unsigned_transaction(
                nonce=state.get_nonce(origin), gas_price=0, gas=CALL_GAS, to=target, value=0, data=data
            )
            snapshot = state.snapshot()
            try:
                spoof = cast("SignedTransactionAPI", SpoofTransaction(unsigned, from_=origin))
                computation = state.apply_transaction(spoof)
            except LedgerError:
                raise
            except Exception as exc:  # py-evm validation or a missing trie node
                raise ChainError(f"the embedded chain could not run the call: {exc}") from exc
            finally:
                state.revert(snapshot)
        if computation.is_error:
            error = computation.error
            raise Reverted(bytes(computation.output) if isinstance(error, Revert) else b"") from error
        return bytes(computation.output)

    def _call_vm(self, header: BlockHeaderAPI) -> VirtualMachineAPI:
        """A VM over the state after ``header``, kept for the next calls at the same block.

        Calls revert every change they make, so one VM serves many: its account and storage
        caches spare re-reading the trie for each call (three times faster for repeated reads).
        """
        vm = self._call_vms.get(header.hash)
        if vm is None:
            vm = self._chain.get_vm(header)
            self._call_vms[header.hash] = vm
            if len(self._call_vms) > _CALL_VMS_KEPT:
                self._call_vms.popitem(last=False)
        else:
            self._call_vms.move_to_end(header.hash)
        return vm

    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[str],
        topics: Sequence[bytes | None] | None = None,
    ) -> list[Log]:
        """Logs in the inclusive range from the log table; an empty ``addresses`` means any address."""
        if len(topics or ()) > 4:
            raise ValidationError("a log has at most 4 topics")
        wanted = [_address_bytes(a) for a in addresses]
        with self._mutex:
            rows = self._checked_store().logs(from_block, to_block, wanted, topics or ())
        return [_log(row) for row in rows]

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of a mined transaction, or ``None`` if this chain has none with that hash."""
        with self._mutex:
            store = self._checked_store()
            row = store.tx(tx_hash)
            if row is None:
                return None
            return _receipt(row, [_log(r) for r in store.logs_of_tx(row.block, row.tx_index)])

    def rebroadcast(self, raw: bytes, tx_hash: bytes) -> bool:
        """Always False: this chain keeps no pool. A transaction is mined in the call that signs it, or
        not at all (a block is committed whole or not), so one not mined before a stop is gone for good,
        and sending its request again cannot mine it twice."""
        return False

    # -- what a node answers from (ledger node) ----------------------------------------------

    def stored_transaction(self, tx_hash: bytes) -> TxRow | None:
        """A mined transaction's stored row (outcome, sender, and for admitted ones their raw bytes)."""
        with self._mutex:
            return self._checked_store().tx(tx_hash)

    def block_transactions(self, number: int) -> list[TxRow]:
        """The stored rows of block ``number``'s transactions, in order."""
        with self._mutex:
            return self._checked_store().txs_of_block(number)

    def deployment_of(self, address: str) -> TxRow | None:
        """The stored row of the transaction that created the contract at ``address``."""
        with self._mutex:
            return self._checked_store().deployment_of(bytes(_address_bytes(address)))

    def transaction_count(self) -> int:
        """How many transactions the chain holds."""
        with self._mutex:
            return self._checked_store().tx_count()

    def get_code(self, address: str, *, block: int | None = None) -> bytes:
        """The code at ``address`` after ``block`` (default: the latest)."""
        with self._mutex:
            self._checked_store()
            header = self._chain.get_canonical_head() if block is None else self._header(block)
            return bytes(self._call_vm(header).state.get_code(_address_bytes(address)))

    def block_header(self, number: int) -> Any:
        """py-evm's header of block ``number`` (hash, parent hash, roots, gas, timestamp)."""
        with self._mutex:
            return self._header(number)

    # -- writes ------------------------------------------------------------------------------

    def send(self, key: PrivateKey, tx: Transaction, *, timeout: float = 60.0) -> Receipt:
        """Sign ``tx`` and mine it alone in a new block.

        Mining here is synchronous, so ``timeout`` (kept for the interface) never expires.

        Raises:
            TransactionRejected: py-evm refused the transaction (gas below the intrinsic cost or
                above the block gas limit ...); nothing was mined.
            InsufficientFunds: the sender cannot pay the value it sends.
            CapabilityError: ``key`` is not of the chain's crypto mode.
        """
        return self._send_signed(key, [tx])[0]

    def send_many(
        self, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float = 120.0
    ) -> list[Receipt]:
        """Sign all ``txs`` with consecutive nonces and mine them together in one new block.

        The block is all or nothing: if py-evm refuses one transaction (say, gas below the
        intrinsic cost), none is mined and :class:`TransactionRejected` is raised. A transaction
        that reverts is mined as usual, with a ``"reverted"`` receipt.
        """
        if not txs:
            return []
        return self._send_signed(key, list(txs))

    def send_block(self, pairs: Sequence[tuple[PrivateKey, Transaction]]) -> list[Receipt]:
        """Mine transactions of several senders together in one new block, in the order given (each
        sender's own transactions get consecutive nonces).

        What a node's pool does when several parties' transactions land in one block: the tests use it
        to put an anchor and a suspension in the same block. All or nothing, as :meth:`send_many`.

        Raises:
            CapabilityError: a key is not of the chain's crypto mode.
        """
        if not pairs:
            return []
        for key, _ in pairs:
            if key.crypto != self._crypto:
                raise CapabilityError(self.name, f"{key.crypto.upper()} keys on an {self._crypto.upper()} chain")
        if self._crypto == "sm":
            with self._mutex:
                return self.mine([self._fisco_signed(key, [tx])[0] for key, tx in pairs])
        return self._mine_ethereum(list(pairs))

    def fund(self, address: str, amount_wei: int) -> None:
        """Transfer ``amount_wei`` from the genesis faucet (gas is free here; this is for parity)."""
        if amount_wei < 0:
            raise ValidationError("cannot fund a negative amount")
        if self._crypto == "sm":  # the faucet's key is ECDSA: its transfer is mined as admitted
            with self._mutex:
                tag = f"fund {address} {amount_wei} {self.block_number()}".encode()
                receipt = self.mine([Admitted(keccak256(tag), FAUCET_KEY.address, address, b"", 21_000, amount_wei)])[0]
        else:
            receipt = self.send(FAUCET_KEY, Transaction(to=address, data=b"", gas=21_000, value=amount_wei))
        if not receipt.succeeded:
            raise ChainError(f"funding {address} failed ({receipt.status})")

    def balance(self, address: str, *, block: int | None = None) -> int:
        """The balance of ``address`` in wei after ``block`` (default: the latest)."""
        with self._mutex:
            self._checked_store()
            header = self._chain.get_canonical_head() if block is None else self._header(block)
            return int(self._chain.get_vm(header).state.get_balance(_address_bytes(address)))

    def _send_signed(self, key: PrivateKey, txs: list[Transaction]) -> list[Receipt]:
        if key.crypto != self._crypto:
            raise CapabilityError(self.name, f"{key.crypto.upper()} keys on an {self._crypto.upper()} chain")
        if self._crypto == "sm":
            with self._mutex:
                admitted = self._fisco_signed(key, txs)
                announce([Outgoing(a.hash, a.raw or b"", a.to, a.data, a.value) for a in admitted])
                return self.mine(admitted)
        return self._mine_ethereum([(key, tx) for tx in txs])

    def _fisco_signed(self, key: PrivateKey, txs: list[Transaction]) -> list[Admitted]:
        """Sign ``txs`` as FISCO BCOS 3.x transactions of this SM chain (the module docstring)."""
        from ledger.chain.fisco import v3

        limit = self.block_number() + SM_BLOCK_LIMIT_MARGIN
        admitted = []
        for tx in txs:
            data = v3.TransactionData(
                version=1 if tx.value else 0,
                chain_id=SM_CHAIN_NAME,
                group_id=SM_GROUP_NAME,
                block_limit=limit,
                nonce=v3.new_nonce(),
                to=tx.to.lower() if tx.to else "",
                input=tx.data,
                abi=tx.abi if tx.to is None else "",
                value=hex(tx.value) if tx.value else "",
                gas_limit=tx.gas if tx.value else 0,
            )
            signed = v3.sign_transaction(data, key, "sm")
            admitted.append(
                Admitted(signed.hash, key.address, tx.to, tx.data, tx.gas, tx.value, signed.raw, data.nonce.encode())
            )
        return admitted

    def mine(self, txs: Sequence[Admitted]) -> list[Receipt]:
        """Mine ``txs`` as they are, in one new block, and return their receipts in order.

        For a node that verified them by its own rules (``ledger node``): py-evm does not check a
        signature here, each transaction runs as its ``sender`` and is named by its ``hash``. Nonces in
        py-evm's sense are assigned here (FISCO transactions have none). Deployments get their
        addresses by the chain's address rule.

        Raises:
            InsufficientFunds: a transaction sends more value than its sender has; nothing is mined.
            TransactionRejected: py-evm refused a transaction (gas below the intrinsic cost); nothing
                is mined.
        """
        if not txs:
            return []
        with self._mutex:
            self._checked_store()
            chain = self._chain
            parent = chain.get_canonical_head()
            vm = cast("VM", chain.get_vm(chain.create_header_from_parent(parent)))
            builder = cast("Any", vm.get_transaction_builder())
            own_signed = blocks.own_signed_class(builder.legacy_signed)
            nonces: dict[bytes, int] = {}
            entries = []
            number = int(parent.block_number) + 1
            for index, tx in enumerate(txs):
                sender = _address_bytes(tx.sender)
                if sender not in nonces:
                    nonces[sender] = vm.state.get_nonce(sender)
                transaction = own_signed(
                    nonce=nonces[sender], gas_price=0, gas=tx.gas, to=_address_bytes(tx.to) if tx.to else b"",
                    value=tx.value, data=tx.data, **_ADMITTED_SIGNATURE,
                )
                nonces[sender] += 1
                transaction.__dict__["sender"] = sender
                if tx.to is None and self._address_rule == "fisco3":
                    evm.force_create_address(transaction, evm.fisco3_contract_address(self._crypto, number, index))
                entries.append(_Entry(transaction, sender, tx.hash, tx.raw or None, tx.nonce or None))
            return self._commit_block(vm, parent, entries, txs[0].sender)

    def _mine_ethereum(self, pairs: list[tuple[PrivateKey, Transaction]]) -> list[Receipt]:
        """Sign and mine ``(key, transaction)`` pairs in one block, each sender's nonces consecutive."""
        with self._mutex:
            self._checked_store()
            chain = self._chain
            parent = chain.get_canonical_head()
            vm = cast("VM", chain.get_vm(chain.create_header_from_parent(parent)))
            builder = cast("Any", vm.get_transaction_builder())  # the fork builder has legacy_signed
            own_signed = blocks.own_signed_class(builder.legacy_signed)
            nonces: dict[bytes, int] = {}
            entries = []
            outgoing = []
            for key, tx in pairs:
                sender = _address_bytes(key.address)
                nonce = nonces[sender] = nonces[sender] + 1 if sender in nonces else vm.state.get_nonce(sender)
                signed = ethtx.sign_legacy(
                    key, nonce=nonce, gas_price=0, gas=tx.gas, to=tx.to, data=tx.data, value=tx.value,
                    chain_id=self._chain_id,
                )
                outgoing.append(Outgoing(signed.hash, signed.raw, tx.to, tx.data, tx.value, signed.nonce))
                transaction = blocks.own_transaction(own_signed, signed.raw, sender)
                entries.append(_Entry(transaction, sender, bytes(transaction.hash), None, None))
            announce(outgoing)  # the burst journal writes them down before the block is built
            return self._commit_block(vm, parent, entries, pairs[0][0].address)

    def _commit_block(self, vm: VM, parent: BlockHeaderAPI, entries: list[_Entry], who: str) -> list[Receipt]:
        """Apply ``entries`` on ``vm``, seal and persist the block with its logs and outcomes in one commit."""
        store = self._checked_store()
        try:
            block, evm_receipts, computations = blocks.build_block(vm, parent, [e.transaction for e in entries])
            self._chain.chaindb.persist_block(block)
            receipts, log_rows, tx_rows = self._outcomes(block.header, entries, evm_receipts, computations)
            store.commit(log_rows, tx_rows)
        except BaseException as exc:
            self._reload()
            translated = _translate(exc, who)
            if translated is exc:
                raise
            raise translated from exc
        return receipts

    def _outcomes(
        self,
        header: BlockHeaderAPI,
        entries: Sequence[_Entry],
        evm_receipts: Sequence[ReceiptAPI],
        computations: Sequence[ComputationAPI],
    ) -> tuple[list[Receipt], list[LogRow], list[TxRow]]:
        from eth.exceptions import Revert

        from ledger.chain.kvstore import LogRow, TxRow

        number = int(header.block_number)
        receipts: list[Receipt] = []
        log_rows: list[LogRow] = []
        tx_rows: list[TxRow] = []
        log_index = 0
        previous_gas = 0
        for index, (entry, evm_receipt, computation) in enumerate(zip(entries, evm_receipts, computations)):
            gas_used = evm_receipt.gas_used - previous_gas
            previous_gas = evm_receipt.gas_used
            tx, tx_hash, sender = entry.transaction, entry.hash, entry.sender
            ok = computation.is_success
            revert_data = None
            if not ok:
                revert_data = bytes(computation.output) if isinstance(computation.error, Revert) else b""
            contract = bytes(computation.msg.storage_address) if ok and not tx.to else None
            rows = []
            for evm_log in evm_receipt.logs:
                rows.append(
                    LogRow(
                        block=number,
                        log_index=log_index,
                        tx_index=index,
                        tx_hash=tx_hash,
                        address=bytes(evm_log.address),
                        topics=tuple(t.to_bytes(32, "big") for t in evm_log.topics),
                        data=bytes(evm_log.data),
                    )
                )
                log_index += 1
            row = TxRow(
                hash=tx_hash,
                block=number,
                tx_index=index,
                sender=sender,
                status="ok" if ok else "reverted",
                gas_used=gas_used,
                contract=contract,
                revert_data=revert_data,
                raw=entry.raw,
                nonce=entry.nonce,
            )
            log_rows.extend(rows)
            tx_rows.append(row)
            receipts.append(_receipt(row, [_log(r) for r in rows]))
        return receipts, log_rows, tx_rows

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database and release the lock. Safe to call twice."""
        with self._mutex:
            self._call_vms.clear()
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return f"EmbeddedChain({where}, chain_id={getattr(self, '_chain_id', '?')})"


@dataclass(frozen=True)
class _Entry:
    """One transaction of a block being built: py-evm's object and what the chain names it by."""

    transaction: Any
    sender: bytes
    hash: bytes
    raw: bytes | None
    nonce: bytes | None


def _log(row: LogRow) -> Log:
    return Log(
        address=to_checksum_address(row.address),
        topics=row.topics,
        data=row.data,
        block_number=row.block,
        tx_hash=row.tx_hash,
        log_index=row.log_index,
    )


def _receipt(row: TxRow, logs: list[Log]) -> Receipt:
    return Receipt(
        tx_hash=row.hash,
        block_number=row.block,
        status=row.status,
        gas_used=row.gas_used,
        contract_address=to_checksum_address(row.contract) if row.contract else None,
        logs=tuple(logs),
        revert_data=row.revert_data,
        sender=to_checksum_address(row.sender),
    )


def _translate(exc: BaseException, sender: str) -> BaseException:
    """Map an error raised while building a block onto the ledger's error tree."""
    from eth_utils import ValidationError as EthValidationError

    if isinstance(exc, LedgerError) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, EthValidationError):
        text = str(exc)
        if "afford" in text or "balance" in text.lower():
            return InsufficientFunds(sender, text)
        return TransactionRejected(text)
    return ChainError(f"the embedded chain failed to build a block: {exc!r}")
