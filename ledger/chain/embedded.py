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
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from eth_typing import Address, BlockNumber

from ledger.chain import blocks, ethtx
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


@functools.cache
def _chain_class(chain_id: int) -> type[MiningChain]:
    """A py-evm MiningChain class for one chain id (py-evm keeps the id on the class)."""
    from eth.chains.base import MiningChain
    from eth.vm.forks.prague import PragueVM

    class LedgerEmbeddedChain(MiningChain):
        vm_configuration = ((BlockNumber(0), PragueVM),)

        def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
            # A constant gas limit, so that the base fee never moves off zero.
            header_params.setdefault("gas_limit", parent_header.gas_limit)
            return super().create_header_from_parent(parent_header, **header_params)

    LedgerEmbeddedChain.chain_id = chain_id
    return LedgerEmbeddedChain


class EmbeddedChain(ChainBackend):
    """A py-evm chain in this process, in memory or persisted in a SQLite file.

    Args:
        path: the database file (created if missing), or ``None`` for a chain in memory.
        lock_timeout: seconds to wait for another process to release the database.
        chain_id: chain id of a *new* chain; an existing file keeps the id it was created with.

    Raises:
        WorkspaceLocked: another process holds the database longer than ``lock_timeout``.
        WorkspaceError: the file cannot be opened or is not an embedded chain database.
    """

    name: ClassVar[str] = "embedded"
    features: frozenset[str] = frozenset({PERSISTENT, HISTORICAL_STATE, PIPELINING, FUNDING, LOG_FILTER})

    def __init__(
        self, path: Path | None = None, *, lock_timeout: float = 10.0, chain_id: int = DEFAULT_CHAIN_ID
    ) -> None:
        self.path = Path(path) if path is not None else None
        self._mutex = threading.RLock()
        self._lock: QueueLock | None = None
        self._store: ChainStore | None = None
        self._call_vms: OrderedDict[bytes, VirtualMachineAPI] = OrderedDict()
        if self.path is not None:
            self._lock = self._acquire_lock(self.path, lock_timeout)
        try:
            self._open(chain_id)
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

    def _open(self, chain_id: int) -> None:
        from eth.db.atomic import AtomicDB

        from ledger.chain.kvstore import ChainStore

        _use_fast_keccak()
        self._store = store = ChainStore(self.path)
        stored_id = store.get_meta("chain_id")
        self._db = AtomicDB(store.kv)
        if stored_id is None:
            self._chain_id = chain_id
            self._create_genesis()
        else:
            self._chain_id = int(stored_id)
            self._chain = _chain_class(self._chain_id)(self._db)

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
        chain = _chain_class(self._chain_id).from_genesis(self._db, params, state)
        self._chain = cast("MiningChain", chain)
        self._checked_store().commit(meta={"chain_id": str(self._chain_id)})

    def _checked_store(self) -> ChainStore:
        if self._store is None:
            raise ChainError("the embedded chain is closed")
        return self._store

    def _reload(self) -> None:
        """Forget uncommitted work: drop buffered writes and rebuild py-evm's view from the head."""
        store = self._checked_store()
        store.rollback()
        self._call_vms.clear()
        self._chain = _chain_class(self._chain_id)(self._db)

    # -- reads -------------------------------------------------------------------------------

    def identity(self) -> ChainIdentity:
        where = str(self.path) if self.path is not None else "memory"
        return ChainIdentity(
            backend=self.name,
            chain_id=self._chain_id,
            crypto="ecdsa",
            description=f"embedded py-evm (Prague) in {where}",
            extra={"fork": "prague", "path": where},
        )

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

    # -- writes ------------------------------------------------------------------------------

    def send(self, key: PrivateKey, tx: Transaction, *, timeout: float = 60.0) -> Receipt:
        """Sign ``tx`` and mine it alone in a new block.

        Mining here is synchronous, so ``timeout`` (kept for the interface) never expires.

        Raises:
            TransactionRejected: py-evm refused the transaction (gas below the intrinsic cost or
                above the block gas limit ...); nothing was mined.
            InsufficientFunds: the sender cannot pay the value it sends.
            CapabilityError: ``key`` is an SM2 key.
        """
        return self._mine(key, [tx])[0]

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
        return self._mine(key, list(txs))

    def fund(self, address: str, amount_wei: int) -> None:
        """Transfer ``amount_wei`` from the genesis faucet (gas is free here; this is for parity)."""
        if amount_wei < 0:
            raise ValidationError("cannot fund a negative amount")
        receipt = self.send(FAUCET_KEY, Transaction(to=address, data=b"", gas=21_000, value=amount_wei))
        if not receipt.succeeded:
            raise ChainError(f"funding {address} failed ({receipt.status})")

    def balance(self, address: str, *, block: int | None = None) -> int:
        """The balance of ``address`` in wei after ``block`` (default: the latest)."""
        with self._mutex:
            self._checked_store()
            header = self._chain.get_canonical_head() if block is None else self._header(block)
            return int(self._chain.get_vm(header).state.get_balance(_address_bytes(address)))

    def _mine(self, key: PrivateKey, txs: list[Transaction]) -> list[Receipt]:
        if key.crypto != "ecdsa":
            raise CapabilityError(self.name, "SM2 keys (the embedded chain is an ECDSA chain)")
        with self._mutex:
            store = self._checked_store()
            chain = self._chain
            sender = _address_bytes(key.address)
            try:
                parent = chain.get_canonical_head()
                vm = cast("VM", chain.get_vm(chain.create_header_from_parent(parent)))
                nonce = vm.state.get_nonce(sender)
                builder = cast("Any", vm.get_transaction_builder())  # the fork builder has legacy_signed
                own_signed = blocks.own_signed_class(builder.legacy_signed)
                raws = [
                    ethtx.sign_legacy(
                        key, nonce=nonce + offset, gas_price=0, gas=tx.gas, to=tx.to, data=tx.data, value=tx.value,
                        chain_id=self._chain_id,
                    )
                    for offset, tx in enumerate(txs)
                ]
                announce([Outgoing(r.hash, r.raw, tx.to, tx.data, tx.value, r.nonce) for r, tx in zip(raws, txs)])
                signed = [blocks.own_transaction(own_signed, r.raw, sender) for r in raws]
                block, evm_receipts, computations = blocks.build_block(vm, parent, signed)
                chain.chaindb.persist_block(block)
                receipts, log_rows, tx_rows = self._outcomes(
                    block.header, signed, evm_receipts, computations, sender
                )
                store.commit(log_rows, tx_rows)
            except BaseException as exc:
                self._reload()
                translated = _translate(exc, key.address)
                if translated is exc:
                    raise
                raise translated from exc
            return receipts

    def _outcomes(
        self,
        header: BlockHeaderAPI,
        signed: Sequence[Any],
        evm_receipts: Sequence[ReceiptAPI],
        computations: Sequence[ComputationAPI],
        sender: bytes,
    ) -> tuple[list[Receipt], list[LogRow], list[TxRow]]:
        from eth.exceptions import Revert

        from ledger.chain.kvstore import LogRow, TxRow

        number = int(header.block_number)
        receipts: list[Receipt] = []
        log_rows: list[LogRow] = []
        tx_rows: list[TxRow] = []
        log_index = 0
        previous_gas = 0
        for index, (tx, evm_receipt, computation) in enumerate(zip(signed, evm_receipts, computations)):
            gas_used = evm_receipt.gas_used - previous_gas
            previous_gas = evm_receipt.gas_used
            tx_hash = bytes(tx.hash)
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
