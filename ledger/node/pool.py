"""The node's transaction pool and sealer: admission under FISCO's rules, blocks on the embedded chain.

:meth:`Pool.submit` applies the pool's checks (:mod:`ledger.node.admission`) under one lock, so two
copies of a transaction sent at once cannot both get in. A sealer thread takes what the pool holds and
mines it in one block (:meth:`ledger.chain.embedded.EmbeddedChain.mine`), at most ``tx_count_limit``
transactions per block, right away or every ``block_time`` seconds; like FISCO BCOS's PBFT it seals no
empty block. Anything whose block limit has passed by the time it is sealed is dropped with
``BlockLimitCheckFail``, as FISCO's sealer drops it.

Waiters (3.x ``sendTransaction`` answers at commit) wait on their :class:`Pending`.

The pool remembers the hashes and nonces of the last ``BLOCK_LIMIT`` blocks (read from the chain at
start, kept up to date as it seals), which is all that FISCO's checks need: an older transaction's block
limit has passed, so it fails that check. Admission therefore never waits for the chain, which is busy
while a block is mined.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from ledger.chain.base import Receipt
from ledger.chain.embedded import EmbeddedChain
from ledger.errors import InsufficientFunds, LedgerError, TransactionRejected
from ledger.node.admission import (
    ALREADY_IN_CHAIN,
    ALREADY_IN_POOL,
    BLOCK_LIMIT,
    BLOCK_LIMIT_CHECK_FAIL,
    NONCE_CHECK_FAIL,
    POOL_IS_FULL,
    POOL_LIMIT,
    Candidate,
    Refused,
    check_block_limit,
)

#: FISCO's default ``tx_count_limit``: at most this many transactions per block.
TX_COUNT_LIMIT = 1000
#: How long a 3.x ``sendTransaction`` waits for its commit (FISCO's pool drops a transaction after
#: ``txs_expiration_time``, 10 minutes).
COMMIT_TIMEOUT = 600.0
#: 3.x ``TransactionPoolTimeout``, 3.x ``NotEnoughCash`` (a value the sender cannot pay).
POOL_TIMEOUT, NOT_ENOUGH_CASH = 10010, 7


@dataclass
class Pending:
    """A transaction in the pool: what it will be mined as, and its outcome once it is."""

    candidate: Candidate
    done: threading.Event = field(default_factory=threading.Event)
    receipt: Receipt | None = None
    refused: Refused | None = None

    @property
    def hash(self) -> bytes:
        return self.candidate.admitted.hash

    def wait(self, timeout: float = COMMIT_TIMEOUT) -> Receipt:
        """The receipt once the transaction is committed.

        Raises:
            Refused: the sealer dropped it (its block limit passed, its value was unpayable) or it was
                not committed within ``timeout`` (``TransactionPoolTimeout``).
        """
        if not self.done.wait(timeout):
            raise Refused(POOL_TIMEOUT, f"not committed within {timeout:g} s", self.hash)
        if self.refused is not None:
            raise self.refused
        assert self.receipt is not None
        return self.receipt


class Pool:
    """Admission and sealing for one node.

    Args:
        chain: the embedded chain the node executes on.
        block_time: seconds between blocks; 0 seals as soon as transactions arrive.
        limit: how many transactions the pool holds before it refuses (``TxPoolIsFull``).
        tx_count_limit: at most this many transactions per block.
    """

    def __init__(
        self,
        chain: EmbeddedChain,
        *,
        block_time: float = 0.0,
        limit: int = POOL_LIMIT,
        tx_count_limit: int = TX_COUNT_LIMIT,
    ) -> None:
        self.chain = chain
        self.block_time = block_time
        self.limit = limit
        self.tx_count_limit = tx_count_limit
        self._lock = threading.Condition()
        self._queue: OrderedDict[bytes, Pending] = OrderedDict()
        self._nonces: set[bytes] = set()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.blocks_sealed = 0
        self._head = chain.block_number()
        self._window: deque[tuple[int, list[bytes], list[bytes]]] = deque()  # (block, hashes, nonces)
        self._mined_hashes: set[bytes] = set()
        self._mined_nonces: set[bytes] = set()
        for number in range(max(1, self._head - BLOCK_LIMIT + 1), self._head + 1):
            rows = chain.block_transactions(number)
            self._remember(number, [r.hash for r in rows], [r.nonce for r in rows if r.nonce])

    # -- admission ---------------------------------------------------------------------------

    def submit(self, candidate: Candidate) -> Pending:
        """Admit ``candidate`` under the pool's rules, in the pools' order of checks.

        Raises:
            Refused: ``AlreadyInTxPool``, ``TxAlreadyInChain``, ``NonceCheckFail``,
                ``BlockLimitCheckFail`` or ``TxPoolIsFull``.
        """
        tx_hash = candidate.admitted.hash
        with self._lock:
            if tx_hash in self._queue:
                raise Refused(ALREADY_IN_POOL, "", tx_hash)
            if tx_hash in self._mined_hashes:
                raise Refused(ALREADY_IN_CHAIN, "", tx_hash)
            if candidate.nonce in self._mined_nonces:
                raise Refused(NONCE_CHECK_FAIL, "the nonce was used in a recent block", tx_hash)
            check_block_limit(candidate.block_limit, self._head, tx_hash)
            if candidate.nonce in self._nonces:
                raise Refused(NONCE_CHECK_FAIL, "the nonce is in the pool already", tx_hash, pool_nonce=True)
            if len(self._queue) >= self.limit:
                raise Refused(POOL_IS_FULL, f"the pool holds {self.limit} transactions", tx_hash)
            pending = Pending(candidate)
            self._queue[tx_hash] = pending
            self._nonces.add(candidate.nonce)
            self._lock.notify_all()
        return pending

    def size(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def head(self) -> int:
        """The last block the pool knows committed (answered without waiting for a block being mined)."""
        with self._lock:
            return self._head

    def _remember(self, number: int, hashes: list[bytes], nonces: list[bytes]) -> None:
        """Add a mined block's hashes and nonces; forget blocks that left the window (lock held)."""
        self._window.append((number, hashes, nonces))
        self._mined_hashes.update(hashes)
        self._mined_nonces.update(nonces)
        while self._window and self._window[0][0] <= number - BLOCK_LIMIT:
            _, old_hashes, old_nonces = self._window.popleft()
            self._mined_hashes.difference_update(old_hashes)
            self._mined_nonces.difference_update(old_nonces)

    # -- sealing -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sealer thread."""
        self._thread = threading.Thread(target=self._run, name="ledger-node-sealer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop sealing after the block in progress; what is still pooled is refused."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            for pending in self._queue.values():
                pending.refused = Refused(POOL_TIMEOUT, "the node stopped before committing it", pending.hash)
                pending.done.set()
            self._queue.clear()
            self._nonces.clear()

    def _run(self) -> None:
        next_block = time.monotonic() + self.block_time  # at most one block per block time
        while True:
            with self._lock:
                while not self._queue and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                if self.block_time > 0:
                    while not self._stopping and time.monotonic() < next_block:
                        self._lock.wait(next_block - time.monotonic())
                    if self._stopping:
                        return
                batch: list[Pending] = []
                while self._queue and len(batch) < self.tx_count_limit:
                    batch.append(self._queue.popitem(last=False)[1])
            self._seal(batch)
            next_block = time.monotonic() + self.block_time

    def _seal(self, batch: list[Pending]) -> None:
        current = self.chain.block_number()
        live = []
        for pending in batch:
            if pending.candidate.block_limit <= current:  # expired while waiting: FISCO drops it
                pending.refused = Refused(BLOCK_LIMIT_CHECK_FAIL, "the block limit passed in the pool", pending.hash)
            else:
                live.append(pending)
        try:
            self._mine(live)
        finally:
            with self._lock:
                mined = [p for p in batch if p.receipt is not None]
                for number in sorted({p.receipt.block_number for p in mined if p.receipt is not None}):
                    in_block = [p for p in mined if p.receipt is not None and p.receipt.block_number == number]
                    self._remember(number, [p.hash for p in in_block], [p.candidate.nonce for p in in_block])
                self._head = self.chain.block_number()
                for pending in batch:
                    self._nonces.discard(pending.candidate.nonce)
                    if not pending.done.is_set() and pending.receipt is None and pending.refused is None:
                        pending.refused = Refused(POOL_TIMEOUT, "the sealer failed", pending.hash)
                    pending.done.set()
            self.blocks_sealed += 1

    def _mine(self, live: list[Pending]) -> None:
        if not live:
            return
        try:
            receipts = self.chain.mine([p.candidate.admitted for p in live])
        except (InsufficientFunds, TransactionRejected):
            if len(live) == 1:
                live[0].refused = Refused(NOT_ENOUGH_CASH, "the sender cannot pay the value", live[0].hash)
                return
            for pending in live:  # one of them cannot run: mine the others, one block each
                self._mine([pending])
            return
        except LedgerError as exc:
            for pending in live:
                pending.refused = Refused(POOL_TIMEOUT, f"the node could not mine it: {exc}", pending.hash)
            return
        for pending, receipt in zip(live, receipts):
            pending.receipt = receipt
