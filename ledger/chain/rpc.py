"""The ``rpc`` backend: any Ethereum JSON-RPC node (anvil, FISCO BCOS 3.x's web3 RPC) over HTTP.

Design choices, each measured or forced by a node's behaviour:

* **Plain JSON-RPC over urllib3** (:mod:`ledger.chain.failover`, which also fails over between
  endpoints and checks their chain id): about four times cheaper per round trip than web3.py, and the
  sequential path makes at least two round trips per transaction.
* **Local signing, always** (:mod:`ledger.chain.ethtx`, legacy EIP-155 transactions): FISCO BCOS's
  ``eth_sendTransaction`` and ``eth_sign`` are stubs that return dummy values. The gas price is the
  node's ``eth_gasPrice`` (0 on FISCO BCOS), plus one base fee of headroom where blocks have one
  (anvil); gas is explicit (:class:`~ledger.chain.base.Transaction`).
* **Contract addresses come from the receipt** (``contractAddress``): FISCO BCOS without
  ``feature_evm_address`` derives them differently from Ethereum.
* **Chain identity** is discovered with ``eth_chainId`` on every endpoint before its first use and
  checked against ``expected_chain_id`` (:class:`~ledger.errors.ChainIdMismatch`). A FISCO BCOS chain
  whose genesis has no ``[web3]`` section reports 0; transactions are then signed for chain id 1,
  which FISCO BCOS does not compare.
* **Failover**: endpoints are tried in order; an endpoint that does not answer (connection refused,
  timeout, HTTP error, not JSON) passes the request to the next, which then stays current. Pending
  transactions are sent again to the endpoint taken over, whose pool may not have them; that is safe,
  since a node answers "already known" for a transaction it has, which counts as accepted.
* **Pipelining** (:meth:`RpcChain.send_many`): nonces from :class:`~ledger.chain.nonces.NonceManager`,
  every transaction signed first, sent as JSON-RPC batches (one by one, still without waiting, to a
  node that refuses batches), in nonce order (to a development node that mines per arrival, highest
  nonce first, so that the burst becomes ready at once), then receipts collected against one deadline. A transaction the node refuses releases its nonce; a gap it leaves below accepted ones
  is filled with a no-op transfer, or kept for the next reservation if the filler is refused too.
* **Stuck transactions**: when no receipt has come for ``stall_after`` seconds and the node counts no
  executable transaction of ours at our next nonce (``eth_getTransactionCount`` "latest" equals
  "pending" equals that nonce), the node has lost ours or parked it where it will never run (anvil
  can leave a transaction that arrived while its predecessor was being mined in its queued set). The
  unmined ones are sent again; if the node says it has the first already, it is replaced by the same
  transaction at a gas price one eighth higher, once (not on a zero-price chain, where a replacement
  would be the same transaction). Receipts of either version count; a timeout names both. FISCO BCOS's
  "pending" count never goes down, so there this only ever sends again.
* **Reverts**: a receipt with status 0 carries no revert data, so the transaction is replayed as an
  ``eth_call`` against the state before its block (then its block, then the latest, for nodes that keep
  no history, such as anvil with ``--prune-history``) to recover the data. ``call`` raises
  :class:`~ledger.chain.base.Reverted` with the data.

Features: ``pipelining`` except on FISCO BCOS's web3 RPC, whose pool seals in hash order and drops a
sender's lower nonces once a higher one is in a block (there ``send_many`` keeps one transaction of a
sender in flight; the ``fisco3`` backend, whose nonces are random, pipelines); ``funding`` only on a
development node that funds accounts
(anvil, Hardhat, Ganache: ``anvil_setBalance``/``hardhat_setBalance``), told by ``web3_clientVersion``
when connecting. A FISCO BCOS node does not: it charges no gas, or funds accounts by its own balance
feature. Not declared, because they depend on the node rather than on this backend: ``persistent`` (anvil keeps everything in memory) and ``historical_state`` (anvil with
``--prune-history`` answers calls at old blocks with "BlockOutOfRangeError"; such an answer raises
``CapabilityError``).

Every value read from a node's answer (block numbers, hex data, receipts, logs) goes through the
checked readers of :class:`_Reader` (built on :mod:`ledger.chain.fisco.receipts`' parsers), so that a
broken or hostile node gives :class:`MalformedAnswer` naming it, never a ``TypeError`` or ``KeyError``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ledger.chain import ethtx
from ledger.chain.answers import parse_address, parse_hex, parse_int
from ledger.chain.base import (
    FUNDING,
    LOG_FILTER,
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
from ledger.chain.failover import Answer, FailoverClient, RpcError
from ledger.chain.nonces import NonceManager
from ledger.errors import (
    CapabilityError,
    ChainError,
    InsufficientFunds,
    NodeUnreachable,
    TransactionRejected,
    TransactionTimeout,
)

__all__ = ["Answer", "MalformedAnswer", "RpcChain", "RpcError"]

if TYPE_CHECKING:
    from ledger.crypto.keys import PrivateKey

# Node messages, compared after lower-casing and dropping spaces and underscores (``_says``), so that
# geth/anvil wording ("insufficient funds") and FISCO BCOS status names ("InsufficientFunds") both match.
_NO_HISTORY = ("blockoutofrange", "missingtrienode", "statenotavailable", "pruned", "historicalstate")
# FISCO BCOS says "nonce check fail(ed)" for a web3 nonce in its pool or ledger already (PROTOCOL.md).
_RETRYABLE = ("noncetoolow", "alreadyused", "noncecheckfail", "underpriced", "lessthanblockbasefee", "feetoolow")
_NONCE_USED = ("noncetoolow", "alreadyused", "noncecheckfail")
_KNOWN = ("alreadyknown", "knowntransaction", "alreadyimported", "alreadyinpool", "alreadyintxpool")
_NO_FUNDS = ("insufficientfunds", "insufficientbalance")
#: ``web3_clientVersion`` prefix (lower case) of FISCO BCOS 3.x's web3 RPC ("FISCO-BCOS-Web3RPC/3.x-...").
_FISCO_WEB3 = "fisco-bcos-web3rpc/"
#: FISCO BCOS 3.x's status code for InsufficientFunds (PROTOCOL.md, CallAddressError range).
_FISCO_INSUFFICIENT_FUNDS = 10015


#: Largest block number or log index accepted: what SQLite (the index) stores in an INTEGER.
_MAX_POSITION = 2**63 - 1
_MAX_UINT256 = 2**256 - 1


class MalformedAnswer(ChainError):
    """A node answered with a value that is not what JSON-RPC promises (bad hex, a missing field ...).

    Attributes:
        url: the endpoint that answered.
        what: what was wrong.
    """

    def __init__(self, url: str, what: str) -> None:
        super().__init__(
            f"malformed answer from {url}: {what}",
            hint="the endpoint is not a working Ethereum JSON-RPC node; check --rpc-url and the node's logs",
        )
        self.url = url
        self.what = what


class _Reader:
    """Checked reading of the values of one node's answers; every failure is a MalformedAnswer."""

    def __init__(self, url: str) -> None:
        self.url = url

    def quantity(self, value: Any, what: str, *, limit: int = _MAX_UINT256) -> int:
        """A JSON-RPC quantity (``0x`` hex text; a JSON integer is tolerated) in ``[0, limit]``."""
        try:
            number = parse_int(value, what)
        except ChainError as exc:
            raise MalformedAnswer(self.url, str(exc)) from exc
        if not 0 <= number <= limit:
            raise MalformedAnswer(self.url, f"{what} {number} is out of range")
        return number

    def data(self, value: Any, what: str, *, size: int | None = None) -> bytes:
        """Hex data (``None`` and ``"0x"`` are empty); ``size`` bytes exactly when given."""
        try:
            raw = parse_hex(value, what)
        except ChainError as exc:
            raise MalformedAnswer(self.url, str(exc)) from exc
        if size is not None and len(raw) != size:
            raise MalformedAnswer(self.url, f"{what} has {len(raw)} bytes, expected {size}")
        return raw

    def address(self, value: Any, what: str) -> str | None:
        """An EIP-55 address, ``None`` for absent or all-zero."""
        try:
            return parse_address(value, what)
        except ChainError as exc:
            raise MalformedAnswer(self.url, str(exc)) from exc

    def mapping(self, value: Any, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise MalformedAnswer(self.url, f"{what} is not an object: {value!r:.80}")
        return value

    def items(self, value: Any, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise MalformedAnswer(self.url, f"{what} is not a list: {value!r:.80}")
        return value

    def log(self, value: Any) -> Log:
        item = self.mapping(value, "a log")
        address = self.address(item.get("address"), "a log's address")
        if address is None:
            raise MalformedAnswer(self.url, "a log has no address")
        return Log(
            address=address,
            topics=tuple(self.data(t, "a log topic", size=32) for t in self.items(item.get("topics", []), "topics")),
            data=self.data(item.get("data"), "a log's data"),
            block_number=self.quantity(item.get("blockNumber"), "a log's blockNumber", limit=_MAX_POSITION),
            tx_hash=self.data(item.get("transactionHash"), "a log's transactionHash", size=32),
            log_index=self.quantity(item.get("logIndex"), "a log's logIndex", limit=_MAX_POSITION),
        )

    def receipt(self, value: Any) -> Receipt:
        item = self.mapping(value, "a receipt")
        status_value = item.get("status")
        # A receipt without status (pre-Byzantium) is read as failed, as before.
        status_code = 0 if status_value is None else self.quantity(status_value, "a receipt's status")
        status = {1: "ok", 0: "reverted"}.get(status_code, f"status {status_code}")
        return Receipt(
            tx_hash=self.data(item.get("transactionHash"), "a receipt's transactionHash", size=32),
            block_number=self.quantity(item.get("blockNumber"), "a receipt's blockNumber", limit=_MAX_POSITION),
            status=status,
            gas_used=self.quantity(item.get("gasUsed") or "0x0", "a receipt's gasUsed"),
            contract_address=self.address(item.get("contractAddress"), "a receipt's contractAddress"),
            logs=tuple(self.log(log) for log in self.items(item.get("logs", []), "a receipt's logs")),
            sender=self.address(item.get("from"), "a receipt's from"),
        )


class RpcChain(ChainBackend):
    """A chain reached through one or more Ethereum JSON-RPC endpoints, tried in order.

    Args:
        urls: ``http://`` or ``https://`` endpoints of the same chain, in order of preference.
        expected_chain_id: the chain id the configuration names; ``None`` accepts the first
            endpoint's and requires the others to agree.
        timeout: seconds to wait for one HTTP answer.
        poll_interval: seconds between receipt polls.

    Raises:
        ConfigError: no URL, or a URL that is not HTTP(S).
        NodeUnreachable: no endpoint answered.
        ChainIdMismatch: an endpoint serves another chain.
    """

    name: ClassVar[str] = "rpc"
    features: frozenset[str] = frozenset({PIPELINING, LOG_FILTER})  # plus FUNDING on a dev node, once connected

    def __init__(
        self,
        urls: Sequence[str],
        *,
        expected_chain_id: int | None = None,
        timeout: float = 10.0,
        poll_interval: float = 0.05,
        stall_after: float = 2.0,
    ) -> None:
        self._rpc = FailoverClient(urls, expected_chain_id=expected_chain_id, timeout=timeout)
        self.urls: tuple[str, ...] = self._rpc.urls
        self.expected_chain_id = expected_chain_id
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.stall_after = stall_after  # seconds without a new receipt before a burst is looked into
        self._client_version = ""
        self._set_balance: str | None = None  # the dev node's balance method, when it has one
        self._mines_per_arrival = False  # a development node: see _send_raw
        self._sender_locks: dict[str, threading.Lock] = {}  # where one transaction is in flight at a time
        self._locks_guard = threading.Lock()
        self._gas_price: tuple[int, float] | None = None  # (price, monotonic time fetched)
        self.nonces = NonceManager(self._pending_nonce)
        self._ensure_connected()

    # -- transport ---------------------------------------------------------------------------

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        """One JSON-RPC call; returns its result or raises :class:`RpcError` / a transport error."""
        return self._rpc.request(method, params)

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Answer]:
        """Several JSON-RPC calls, batched; answers in the order of ``calls``."""
        return self._rpc.batch(calls)

    def _ensure_connected(self) -> None:
        self.request("eth_chainId")
        try:
            self._client_version = str(self.request("web3_clientVersion"))
        except RpcError:
            self._client_version = "unknown client"
        funder = _funding_method(self._client_version)
        self._set_balance = funder
        self._mines_per_arrival = funder is not None  # anvil, Hardhat, Ganache: automine by default
        # FISCO BCOS seals web3 transactions in hash order and drops a sender's lower nonces once a
        # higher one is in a block: one transaction of a sender in flight at a time there.
        pipelining = not self._client_version.lower().startswith(_FISCO_WEB3)
        self.features = frozenset(
            {LOG_FILTER} | ({PIPELINING} if pipelining else set()) | ({FUNDING} if funder else set())
        )

    def _read(self) -> _Reader:
        """A reader of the answers of the endpoint that answered last."""
        return _Reader(self._rpc.current_url)

    # -- reads -------------------------------------------------------------------------------

    def identity(self) -> ChainIdentity:
        chain_id = self._rpc.chain_id
        assert chain_id is not None  # known since the constructor's first request
        url = self._rpc.current_url
        return ChainIdentity(
            backend=self.name,
            chain_id=chain_id,
            crypto="ecdsa",
            description=f"{self._client_version} at {url}",
            extra={"url": url, "client": self._client_version},
        )

    def block_number(self) -> int:
        answer = self.request("eth_blockNumber")
        return self._read().quantity(answer, "the block number", limit=_MAX_POSITION)

    def block_timestamp(self, number: int) -> int:
        return self.block_timestamps([number])[number]

    def block_timestamps(self, numbers: Sequence[int]) -> dict[int, int]:
        """Timestamps of several blocks from batched ``eth_getBlockByNumber`` calls (headers only)."""
        if len(numbers) == 1:
            answers = [Answer(self.request("eth_getBlockByNumber", [hex(numbers[0]), False]), None)]
        else:
            answers = self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        read = self._read()
        stamps = {}
        for number, answer in zip(numbers, answers):
            block = answer.unwrap()
            if not block:
                raise ChainError(f"block {number} does not exist (latest is {self.block_number()})")
            stamps[number] = read.quantity(
                read.mapping(block, f"block {number}").get("timestamp"), f"block {number}'s timestamp"
            )
        return stamps

    def call(self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None) -> bytes:
        request: dict[str, str] = {"to": to, "data": "0x" + data.hex()}
        if sender is not None:
            request["from"] = sender
        tag = "latest" if block is None else hex(block)
        for attempt in range(3):
            try:
                answer = self.request("eth_call", [request, tag])
                return self._read().data(answer, "the eth_call result")
            except RpcError as exc:
                revert = _revert_data(exc)
                if revert is not None:
                    raise Reverted(revert) from exc
                if not _says(exc, _NO_HISTORY):
                    raise
                if block is not None:
                    raise CapabilityError(self.name, f"calls at block {block} ({exc.message})") from exc
                # anvil --prune-history can resolve "latest" to a block whose state a block mined
                # meanwhile has just replaced: ask again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[str],
        topics: Sequence[bytes | None] | None = None,
    ) -> list[Log]:
        """Logs in the inclusive range; an empty ``addresses`` means every contract."""
        query: dict[str, Any] = {"fromBlock": hex(from_block), "toBlock": hex(to_block)}
        if addresses:
            query["address"] = list(addresses)
        if topics:
            query["topics"] = [None if t is None else "0x" + t.hex() for t in topics]
        answer = self.request("eth_getLogs", [query])
        read = self._read()
        wanted = {a.lower() for a in addresses}
        logs = []
        for item in read.items(answer, "the eth_getLogs result"):
            log = read.log(item)
            # What the filter asked for, and nothing else, whatever the node sends (an index built from
            # these must not take in another contract's events, or blocks outside the range).
            if (wanted and log.address.lower() not in wanted) or not from_block <= log.block_number <= to_block:
                continue
            if topics and any(t is not None and (i >= len(log.topics) or log.topics[i] != t)
                              for i, t in enumerate(topics)):
                continue
            logs.append(log)
        logs.sort(key=lambda log: (log.block_number, log.log_index))
        return logs

    def fund(self, address: str, amount_wei: int) -> None:
        """Add ``amount_wei`` to ``address``'s balance (development nodes only: anvil, Hardhat, Ganache).

        Raises:
            CapabilityError: the node does not fund accounts (see :attr:`features`).
        """
        if self._set_balance is None:
            raise CapabilityError(self.name, f"funding accounts on {self._client_version}")
        balance = self.balance(address)
        try:
            self.request(self._set_balance, [address, hex(balance + amount_wei)])
        except RpcError as exc:
            raise CapabilityError(self.name, f"funding accounts on this node ({exc.message})") from exc

    def balance(self, address: str) -> int:
        """The account's balance in wei at the latest block."""
        return self._read().quantity(self.request("eth_getBalance", [address, "latest"]), "the balance")

    # -- writes ------------------------------------------------------------------------------

    def send(self, key: PrivateKey, tx: Transaction, *, timeout: float = 60.0) -> Receipt:
        return self.send_many(key, [tx], timeout=timeout)[0]

    def send_many(
        self, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float = 120.0
    ) -> list[Receipt]:
        """Sign every transaction, send them all (batched), then collect the receipts in order.

        Raises:
            InsufficientFunds, TransactionRejected: the node refused a transaction. Those it accepted
                are still mined: a nonce gap left by a refused one is filled with a no-op transfer.
            TransactionTimeout: a receipt did not arrive within ``timeout`` seconds.
            NodeUnreachable: no endpoint answered.
        """
        if key.crypto != "ecdsa":
            # Ethereum transactions are ECDSA-signed; an SM (guomi) chain takes FISCO's own format.
            raise CapabilityError(self.name, "SM2 keys (use the fisco3 or fisco2 backend on an SM chain)")
        if not txs:
            return []
        deadline = time.monotonic() + timeout
        if PIPELINING in self.features:
            receipts = self._send_and_collect(key, list(txs), deadline, timeout)
        else:
            # One transaction of a sender in flight at a time, across this process's threads too.
            with self._sender_lock(key.address):
                receipts = [r for tx in txs for r in self._send_and_collect(key, [tx], deadline, timeout)]
        return [
            self._with_revert_data(receipt, tx) if receipt.status == "reverted" else receipt
            for receipt, tx in zip(receipts, txs)
        ]

    def _send_and_collect(
        self, key: PrivateKey, txs: list[Transaction], deadline: float, timeout: float
    ) -> list[Receipt]:
        endpoint = self._rpc.current  # a fail-over while sending is seen by _collect, which sends again
        signed = self._submit(key, txs)
        try:
            return self._collect(key, txs, signed, deadline, timeout, endpoint)
        except NodeUnreachable:
            self.nonces.forget(key.address)  # the node may come back restarted: ask it again
            raise

    def _sender_lock(self, address: str) -> threading.Lock:
        with self._locks_guard:
            return self._sender_locks.setdefault(address.lower(), threading.Lock())

    def _submit(self, key: PrivateKey, txs: list[Transaction]) -> list[ethtx.SignedTransaction]:
        signed: list[ethtx.SignedTransaction | None] = [None] * len(txs)
        todo = list(range(len(txs)))
        for round_ in range(2):  # one retry for stale nonces and fees
            price = self._current_gas_price(refresh=round_ > 0)
            nonces = self.nonces.reserve(key.address, len(todo))
            attempt = {
                i: ethtx.sign_legacy(
                    key,
                    nonce=n,
                    gas_price=price,
                    gas=txs[i].gas,
                    to=txs[i].to,
                    data=txs[i].data,
                    value=txs[i].value,
                    chain_id=self._rpc.chain_id or 1,
                )
                for i, n in zip(todo, nonces)
            }
            announce([_outgoing(attempt[i], txs[i]) for i in todo])
            try:
                answers = self._send_raw([attempt[i] for i in todo])
            except NodeUnreachable:
                self.nonces.forget(key.address)  # unknown which reached the pool: ask the node next time
                raise
            refused: dict[int, RpcError] = {}
            for i, answer in zip(todo, answers):
                # "Known" means the pool has it; a revert means it was executed at once (FISCO BCOS's
                # web3 RPC with sync_transaction=true answers so): either way it holds its nonce.
                if answer.error is None or _says(answer.error, _KNOWN) or _says(answer.error, ("revert",)):
                    signed[i] = attempt[i]
                else:
                    refused[i] = answer.error
            if not refused:
                return [s for s in signed if s is not None]
            # A nonce the node says is used is no gap to fill: only the others go back to the manager.
            used = {i for i, e in refused.items() if _says(e, _NONCE_USED)}
            self.nonces.release(key.address, [attempt[i].nonce for i in refused if i not in used])
            retry = [i for i, e in refused.items() if _says(e, _RETRYABLE)]
            if round_ == 0 and len(retry) == len(refused):
                if any("nonce" in refused[i].message.lower() for i in retry):
                    self.nonces.resync(key.address)
                todo = retry
                continue
            break
        self._fill_gaps(key)
        first = min(refused)
        error = refused[first]
        if _says(error, _NO_FUNDS) or error.code == _FISCO_INSUFFICIENT_FUNDS:
            raise InsufficientFunds(key.address, error.message) from error
        raise TransactionRejected(error.message, error.code) from error

    def _send_raw(self, signed: list[ethtx.SignedTransaction]) -> list[Answer]:
        """Send signed transactions in one batch; the answers come back in the order of ``signed``.

        To a development node that mines as transactions arrive (anvil's automine, Hardhat, Ganache)
        the burst goes highest nonce first, so that the pool holds all of it before any of it is
        executable: the lowest arrives last and makes the burst ready at once. In nonce order, every
        transaction woke the node's miner; each wake-up while a block was being mined queued another
        block with the same transactions, mined empty, at a cost that grows with the chain, and a burst
        of 300 could take a hundred blocks. Any other node gets nonce order: FISCO BCOS's pool does not
        seal one sender's web3 transactions by nonce (and gets one at a time, see ``send_many``), and
        geth keeps only 64 queued transactions per account and checks a balance against all it holds.
        """
        if len(signed) == 1:
            return [self._rpc.single("eth_sendRawTransaction", ["0x" + signed[0].raw.hex()])]
        order = sorted(range(len(signed)), key=lambda i: signed[i].nonce, reverse=self._mines_per_arrival)
        answers = self.batch([("eth_sendRawTransaction", ["0x" + signed[i].raw.hex()]) for i in order])
        in_order: list[Answer] = [answers[0]] * len(signed)
        for position, i in enumerate(order):
            in_order[i] = answers[position]
        return in_order

    def _fill_gaps(self, key: PrivateKey) -> None:
        """Send a no-op self-transfer at every nonce gap so that the transactions behind it are mined."""
        gaps = self.nonces.gaps(key.address)
        if not gaps:
            return
        price = self._current_gas_price()
        reserved = self.nonces.reserve(key.address, len(gaps))
        fillers = [
            ethtx.sign_legacy(
                key, nonce=n, gas_price=price, gas=21_000, to=key.address, chain_id=self._rpc.chain_id or 1
            )
            for n in reserved
        ]
        announce([_outgoing(f, Transaction(to=key.address, data=b"", gas=21_000)) for f in fillers])
        answers = self._send_raw(fillers)
        refused = [f.nonce for f, a in zip(fillers, answers) if a.error is not None and not _says(a.error, _KNOWN)]
        if any(a.error is not None and _says(a.error, _NONCE_USED) for a in answers):
            self.nonces.resync(key.address)  # the node's own count, where it is ahead, from here on
        # Still gaps (no funds, say): kept, so that the next reservation fills them before going on.
        self.nonces.release(key.address, refused)

    def _collect(
        self,
        key: PrivateKey,
        txs: list[Transaction],
        signed: list[ethtx.SignedTransaction],
        deadline: float,
        timeout: float,
        endpoint: int,
    ) -> list[Receipt]:
        """Poll for every receipt until all are mined or the deadline passes.

        While several are pending, only the one of the highest nonce is polled: a node mines one
        sender's transactions in nonce order, so once it has a receipt the others have theirs too, and
        they are then fetched in batches. Polling hundreds of receipts that do not exist yet would only
        slow the node down while it mines. Whatever is still missing after that is polled as a whole.

        If the endpoint changed since ``endpoint`` (fail-over while sending or since), the pending
        transactions are sent again to the new one, whose pool may never have seen them; a node that
        has them answers "already known". A burst that stops moving is looked into
        (:meth:`_unstick`); a transaction replaced there keeps its earlier version in ``superseded``,
        and a receipt of either version counts.
        """
        found: dict[int, Receipt] = {}
        superseded: dict[int, list[ethtx.SignedTransaction]] = {}
        delay = min(0.0005, self.poll_interval)  # a dev node mines within a millisecond: look again soon
        moved_at, seen = time.monotonic(), 0
        while True:
            pending = [i for i in range(len(signed)) if i not in found]
            if self._rpc.current != endpoint:
                endpoint = self._rpc.current
                self._send_raw([signed[i] for i in pending])  # refusals: already mined or known there
            top = max(pending, key=lambda i: signed[i].nonce)
            # Some nodes answer an error rather than null for a transaction they have not mined yet.
            if self._rpc.single("eth_getTransactionReceipt", ["0x" + signed[top].hash.hex()]).result:
                self._fetch_receipts(pending, signed, superseded, found)
            elif superseded:  # the earlier version of a replaced one may be the one mined
                self._fetch_receipts([i for i in pending if i in superseded], signed, superseded, found)
            if len(found) == len(signed):
                return [found[i] for i in range(len(signed))]
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                first = min((i for i in range(len(signed)) if i not in found), key=lambda i: signed[i].nonce)
                also = tuple("0x" + s.hash.hex() for s in superseded.get(first, ()))
                raise TransactionTimeout("0x" + signed[first].hash.hex(), timeout, also)
            if len(found) > seen:
                moved_at, seen = now, len(found)
            elif now - moved_at >= self.stall_after:
                self._unstick(key, txs, signed, [i for i in pending if i not in found], superseded)
                moved_at = now
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, self.poll_interval)

    def _fetch_receipts(
        self,
        pending: list[int],
        signed: list[ethtx.SignedTransaction],
        superseded: dict[int, list[ethtx.SignedTransaction]],
        found: dict[int, Receipt],
    ) -> None:
        """Ask for the receipts of ``pending`` (every version of a replaced one) in one batch."""
        asked = [(i, s) for i in pending for s in [signed[i], *superseded.get(i, ())]]
        answers = self.batch([("eth_getTransactionReceipt", ["0x" + s.hash.hex()]) for _, s in asked])
        read = self._read()
        for (i, s), answer in zip(asked, answers):
            if answer.result and i not in found:
                found[i] = _own_receipt(read.receipt(answer.result), s)

    def _unstick(
        self,
        key: PrivateKey,
        txs: list[Transaction],
        signed: list[ethtx.SignedTransaction],
        pending: list[int],
        superseded: dict[int, list[ethtx.SignedTransaction]],
    ) -> None:
        """Send the unmined transactions again, and replace the first one if the node parked it.

        Nothing is done unless the node counts no executable transaction of ours at the first
        unmined nonce: it is then neither mining ours nor waiting for another sender's transaction
        with this key (those would count). A node that answers "already known" has ours parked, and
        gets the same transaction at a higher gas price, which it takes as a new, executable one; once
        per transaction, so that a node whose counts do not show its pool cannot drive the price up.
        """
        if not pending:
            return
        first = min(pending, key=lambda i: signed[i].nonce)
        counts = self.batch([("eth_getTransactionCount", [key.address, tag]) for tag in ("latest", "pending")])
        if any(a.error is not None for a in counts):
            return
        try:
            mined, executable = (self._read().quantity(a.result, "transaction count") for a in counts)
        except MalformedAnswer:
            return  # no reliable view of the pool: leave it to the deadline
        if not mined == executable == signed[first].nonce:
            return
        answer = self._send_raw([signed[i] for i in pending])[pending.index(first)]
        if answer.error is None or not _says(answer.error, _KNOWN) or first in superseded:
            return  # it had lost them and has them again, or refuses them, or was replaced once already
        old_price = ethtx.decode(signed[first].raw).gas_price or 0
        current = self._current_gas_price(refresh=True)
        if old_price == 0 and current == 0:
            return  # a zero-price chain: the same fields give the same transaction
        price = max(old_price + old_price // 8 + 1, current)
        tx = txs[first]
        replacement = ethtx.sign_legacy(
            key, nonce=signed[first].nonce, gas_price=price, gas=tx.gas, to=tx.to, data=tx.data, value=tx.value,
            chain_id=self._rpc.chain_id or 1,
        )
        announce([_outgoing(replacement, tx)])
        if self._send_raw([replacement])[0].error is None:
            superseded.setdefault(first, []).append(signed[first])
            signed[first] = replacement

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of ``tx_hash``, or ``None`` while the node has none (not mined, or unknown)."""
        answer = self._rpc.single("eth_getTransactionReceipt", ["0x" + tx_hash.hex()])
        if not answer.result:
            return None
        receipt = self._read().receipt(answer.result)
        if receipt.tx_hash != tx_hash:
            raise ChainError(f"the node answered the receipt of 0x{receipt.tx_hash.hex()} when asked for 0x{tx_hash.hex()}",
                             hint="the node is broken or not to be trusted: use another endpoint")
        return receipt

    def rebroadcast(self, raw: bytes, tx_hash: bytes) -> bool:
        """Send a signed transaction again as it is; False once its nonce is used (it can never be mined).

        Raises:
            InsufficientFunds, TransactionRejected: the node refuses it for another reason.
        """
        answer = self._rpc.single("eth_sendRawTransaction", ["0x" + raw.hex()])
        if answer.error is None or _says(answer.error, _KNOWN):
            return True
        if _says(answer.error, _NONCE_USED):
            return False
        if _says(answer.error, _NO_FUNDS):
            raise InsufficientFunds(ethtx.decode(raw).sender, answer.error.message)
        raise TransactionRejected(answer.error.message, answer.error.code)

    def _with_revert_data(self, receipt: Receipt, tx: Transaction) -> Receipt:
        """Replay a reverted transaction as ``eth_call`` to recover its revert data."""
        request: dict[str, str] = {"data": "0x" + tx.data.hex(), "gas": hex(tx.gas), "value": hex(tx.value)}
        if receipt.sender:
            request["from"] = receipt.sender
        if tx.to is not None:
            request["to"] = tx.to
        for tag in (hex(max(receipt.block_number - 1, 0)), hex(receipt.block_number), "latest"):
            try:
                self.request("eth_call", [request, tag])
            except RpcError as exc:
                data = _revert_data(exc)
                if data is not None:
                    return _replace_revert(receipt, data)
        return _replace_revert(receipt, b"")

    # -- helpers -----------------------------------------------------------------------------

    def _pending_nonce(self, address: str) -> int:
        answer = self.request("eth_getTransactionCount", [address, "pending"])
        return self._read().quantity(answer, "the transaction count", limit=_MAX_POSITION)

    def _current_gas_price(self, *, refresh: bool = False) -> int:
        """The gas price to sign with, cached for a second (0 stays 0: FISCO BCOS has no gas market).

        On a chain with an EIP-1559 base fee (anvil) a legacy transaction must pay at least the base
        fee of the block it lands in, and a burst of full blocks raises it by 12.5 % a block; like
        wallets' ``maxFeePerGas = 2 * baseFee + tip``, the price gets one more base fee of headroom so
        that a pipelined burst is not left pending. Without a base fee (FISCO BCOS) it is the node's.
        """
        cached = self._gas_price
        now = time.monotonic()
        if cached is not None and not refresh and (cached[0] == 0 or now - cached[1] < 1.0):
            return cached[0]
        answers = self.batch([("eth_gasPrice", []), ("eth_getBlockByNumber", ["latest", False])])
        read = self._read()
        price = read.quantity(answers[0].unwrap(), "the gas price")
        block = answers[1].result
        if price and isinstance(block, dict) and block.get("baseFeePerGas"):
            price += read.quantity(block["baseFeePerGas"], "the latest block's baseFeePerGas")
        self._gas_price = (price, now)
        return price

    def close(self) -> None:
        """Close the pooled connections."""
        self._rpc.close()


#: ``web3_clientVersion`` prefixes (lower case) of development nodes, and how each sets a balance.
_DEV_NODES = (
    ("anvil/", "anvil_setBalance"),
    ("hardhatnetwork/", "hardhat_setBalance"),
    ("ganache/", "evm_setAccountBalance"),
)


def _outgoing(signed: ethtx.SignedTransaction, tx: Transaction) -> Outgoing:
    return Outgoing(signed.hash, signed.raw, tx.to, tx.data, tx.value, signed.nonce)


def _own_receipt(receipt: Receipt, tx: ethtx.SignedTransaction) -> Receipt:
    """``receipt``, once it is shown to be the one of ``tx``: a node that answers with another
    transaction's receipt (broken or hostile) must not make a failed write look done."""
    if receipt.tx_hash != tx.hash or (receipt.sender is not None and receipt.sender.lower() != tx.sender.lower()):
        raise ChainError(
            f"the node answered the receipt of 0x{receipt.tx_hash.hex()} (from {receipt.sender}) when asked for "
            f"that of 0x{tx.hash.hex()} (from {tx.sender})",
            hint="the node is broken or not to be trusted: use another endpoint",
        )
    return receipt


def _funding_method(client_version: str) -> str | None:
    """The JSON-RPC method that sets a balance on this node, or ``None`` (not a development node)."""
    version = client_version.lower()
    return next((method for prefix, method in _DEV_NODES if version.startswith(prefix)), None)


def _says(error: RpcError, phrases: Sequence[str]) -> bool:
    """Whether the node's message contains one of ``phrases`` (lower case, no spaces or underscores)."""
    text = error.message.lower().replace(" ", "").replace("_", "")
    return any(phrase in text for phrase in phrases)


def _revert_data(exc: RpcError) -> bytes | None:
    """The revert data of an ``eth_call`` error answer, or ``None`` when it is no revert."""
    data = exc.data
    if isinstance(data, dict):  # some nodes nest it: {"data": {"data": "0x..."}} or {"result": ...}
        data = data.get("data") or data.get("result")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    if exc.code == 3 or "revert" in exc.message.lower():
        return b""
    return None


def _replace_revert(receipt: Receipt, data: bytes) -> Receipt:
    from dataclasses import replace

    return replace(receipt, revert_data=data)
