"""The ``fisco2`` backend: FISCO BCOS 2.x JSON-RPC (plain HTTP, port 8545) with RLP transactions.

* The group id is a JSON integer (``[groupId, ...]``); the node checks parameter types.
* ``sendRawTransaction`` answers at pool admission with the transaction hash; the receipt is
  then polled with ``getTransactionReceipt`` until it exists or the deadline passes.
* Every transaction gets ``blockLimit = current block + 500`` and a fresh random 256-bit
  ``randomid``; a block-limit failure makes the backend read the block number again and
  retry once. ``send_many`` signs and submits a whole list before polling (pipelining).
* Pool rejections come back as JSON-RPC errors whose message names the failure
  ("BlockLimitCheckFailed", "nonce check failed", "InvalidChainId" ...); they are mapped to the
  2.x status names and raised as :class:`~ledger.errors.TransactionRejected`.
* The crypto mode is read from ``getClientVersion`` (SM builds report ``"2.x.y gm"``) unless
  given.

SM chains: selectors, event topics and error selectors are SM3 (the contracts layer uses the SM3
artifacts there), the KECCAK256 opcode computes SM3 (in-contract hashing such as Merkle proofs
uses SM3), and account and contract addresses derive from SM3.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from ledger.chain.answers import parse_count, parse_hex
from ledger.chain.base import (
    PERSISTENT,
    PIPELINING,
    ChainBackend,
    ChainIdentity,
    Log,
    Outgoing,
    Receipt,
    Transaction,
    announce,
)
from ledger.chain.fisco import status as status_codes
from ledger.chain.fisco.jsonrpc import JsonRpcClient, JsonRpcError
from ledger.chain.fisco.receipts import status_of, to_receipt
from ledger.chain.fisco.revert import revert_reason
from ledger.chain.fisco.sending import (
    call_output,
    collect_logs,
    rebroadcast_with,
    require_key_mode,
    with_block_limit_retry,
)
from ledger.chain.fisco.signer import check_crypto
from ledger.chain.fisco.v2 import TransactionFields, new_randomid, sign_transaction
from ledger.crypto.keys import PrivateKey
from ledger.errors import CapabilityError, ChainError, ChainIdMismatch, ConfigError, TransactionTimeout

BLOCK_LIMIT_MARGIN = 500
#: gasPrice the python-sdk sends; FISCO 2.x does not charge gas by default.
DEFAULT_GAS_PRICE = 30_000_000
_LINE = 2
_ZERO = "0x" + "00" * 20

# Pool failures as the 2.x node words them in -32603 errors (libtxpool/TxPool.cpp ``submitTransactions``,
# letters only, lower case) -> 2.x status codes. First match wins. "TransactionAlreadyKown" is FISCO's
# own spelling.
_MESSAGE_CODES: tuple[tuple[str, int], ...] = (
    ("blocklimit", 16),
    ("alreadykown", 10000),
    ("alreadyknown", 10000),
    ("alreadyinchain", 10001),
    ("nonce", 15),
    ("invalidchainid", 10002),
    ("invalidgroupid", 10003),
    ("poolisfull", 28),
    ("overgroupmemorylimit", 10006),
    ("malformed", 10005),
    ("invalidsignature", 5),
    ("permission", 25),
    ("frozen", 31),
    ("transactionsubmitfailed", 29),
    ("transactionrefused", 29),
)


class Fisco2Chain(ChainBackend):
    """FISCO BCOS 2.x over its JSON-RPC port.

    Args:
        urls: RPC URL(s), e.g. ``http://127.0.0.1:8545``.
        group_id: the group (integer, 1 by default).
        chain_id: the chain id (``[chain] id``, 1 by default); checked against the node.
        crypto: ``"ecdsa"`` or ``"sm"``; read from the node's version when ``None``.
        timeout: seconds to wait for each RPC answer.
        poll_interval: first pause between receipt polls (grows to 0.5 s).
    """

    name: ClassVar[str] = "fisco2"
    features: frozenset[str] = frozenset({PERSISTENT, PIPELINING})

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        group_id: int = 1,
        chain_id: int = 1,
        crypto: str | None = None,
        timeout: float = 10.0,
        poll_interval: float = 0.05,
    ) -> None:
        if crypto is not None:
            check_crypto(crypto)
        if isinstance(group_id, bool) or not isinstance(group_id, int):
            raise ConfigError(f"a FISCO 2.x group id is an integer, got {group_id!r}")
        self._rpc = JsonRpcClient(urls, timeout=timeout)
        self.group_id = group_id
        self.chain_id = chain_id
        self._crypto = crypto
        self._poll_interval = poll_interval
        self._identity: ChainIdentity | None = None

    # -- identity ------------------------------------------------------------------------------

    def _group_call(self, method: str, *params: Any) -> Any:
        return self._rpc.request(method, [self.group_id, *params])

    def identity(self) -> ChainIdentity:
        if self._identity is None:
            info = self._rpc.request("getClientVersion", [])
            if not isinstance(info, dict):
                raise ChainError(f"getClientVersion returned {info!r:.80}")
            version = str(info.get("FISCO-BCOS Version", ""))
            node_chain = info.get("Chain Id")
            if node_chain not in (None, "") and parse_count(node_chain, "Chain Id") != self.chain_id:
                raise ChainIdMismatch(self.chain_id, parse_count(node_chain, "Chain Id"), self._rpc.urls[0])
            node_crypto = "sm" if re.search(r"\bgm\b", version, re.IGNORECASE) else "ecdsa"
            if self._crypto is None:
                self._crypto = node_crypto
            elif version and node_crypto != self._crypto:
                raise ConfigError(
                    f"the workspace says crypto {self._crypto!r} but the node reports version {version!r}",
                    hint="leave --crypto unset so the backend reads it from the node",
                )
            self._identity = ChainIdentity(
                backend=self.name,
                chain_id=self.chain_id,
                crypto=self._crypto,
                description=f"FISCO BCOS {version or '2.x'} group {self.group_id} at {self._rpc.urls[0]}",
                extra={"version": version, "groupId": str(self.group_id)},
            )
        return self._identity

    # -- reads ---------------------------------------------------------------------------------

    def block_number(self) -> int:
        return parse_count(self._group_call("getBlockNumber"), "getBlockNumber")

    def _block(self, number: int) -> dict[str, Any]:
        block = self._group_call("getBlockByNumber", hex(number), False)
        if not isinstance(block, dict):
            raise ChainError(f"block {number} is not known to the node")
        return block

    def block_timestamp(self, number: int) -> int:
        # FISCO block timestamps are milliseconds
        return parse_count(self._block(number).get("timestamp"), "timestamp") // 1000

    def call(self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None) -> bytes:
        if block is not None and block != self.block_number():
            raise CapabilityError(self.name, "calls at a past block")
        request = {
            "from": (sender or _ZERO).lower(),
            "to": to.lower(),
            "value": "0x0",
            "data": "0x" + data.hex(),
        }
        return call_output(self._group_call("call", request), _LINE)

    def get_code(self, address: str) -> bytes:
        return parse_hex(self._group_call("getCode", address.lower()), "code")

    def get_receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of a mined transaction, ``None`` while it is pending or unknown."""
        try:
            raw = self._group_call("getTransactionReceipt", "0x" + tx_hash.hex())
        except JsonRpcError as exc:
            if any(words in exc.rpc_message.lower() for words in ("not found", "not exist")):
                return None  # a node's way of saying "no receipt (yet)"
            raise
        return to_receipt(raw, _LINE) if isinstance(raw, dict) else None

    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[str],
        topics: Sequence[bytes | None] | None = None,
    ) -> list[Log]:
        return collect_logs(
            from_block, to_block, addresses, topics,
            transactions=lambda n: self._block(n).get("transactions") or [],
            receipt=lambda h: self._group_call("getTransactionReceipt", h),
            entries_field="logs",
        )

    # -- writes --------------------------------------------------------------------------------

    def _check_key(self, key: PrivateKey) -> None:
        crypto = self.identity().crypto
        require_key_mode(key, crypto)

    def _submit(self, key: PrivateKey, tx: Transaction, block: int) -> bytes:
        fields = TransactionFields(
            randomid=new_randomid(),
            gas_price=DEFAULT_GAS_PRICE,
            gas_limit=tx.gas,
            block_limit=block + BLOCK_LIMIT_MARGIN,
            to=parse_hex(tx.to, "to") if tx.to else b"",
            value=tx.value,
            data=tx.data,
            chain_id=self.chain_id,
            group_id=self.group_id,
        )
        signed = sign_transaction(fields, key, key.crypto)
        announce([Outgoing(signed.hash, signed.raw, tx.to, tx.data, tx.value)])
        try:
            answer = self._group_call("sendRawTransaction", "0x" + signed.raw.hex())
        except JsonRpcError as exc:
            raise _rejection(exc, "0x" + signed.hash.hex()) from exc
        returned = parse_hex(answer, "transaction hash")
        if returned and returned != signed.hash:
            raise ChainError(
                f"the node named the transaction 0x{returned.hex()}, we hashed 0x{signed.hash.hex()}"
            )
        return signed.hash

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        try:
            raw = self._group_call("getTransactionReceipt", "0x" + tx_hash.hex())
        except JsonRpcError as exc:
            if any(words in exc.rpc_message.lower() for words in ("not found", "not exist")):
                return None  # a node's way of saying "no receipt (yet)"
            raise
        return to_receipt(raw, _LINE) if isinstance(raw, dict) else None

    def rebroadcast(self, raw: bytes, tx_hash: bytes) -> bool:
        if self.receipt(tx_hash) is not None:
            return True  # mined already: sent again, a node without a nonce check could mine it twice
        def send() -> object:
            try:
                return self._group_call("sendRawTransaction", "0x" + raw.hex())
            except JsonRpcError as exc:
                raise _rejection(exc, "") from exc

        return rebroadcast_with(send, status_codes.BLOCK_LIMIT_CODES[_LINE])

    def _wait(self, key: PrivateKey, tx_hash: bytes, deadline: float, timeout: float) -> Receipt:
        pause = self._poll_interval
        while True:
            raw = self._group_call("getTransactionReceipt", "0x" + tx_hash.hex())
            if isinstance(raw, dict):
                status = status_of(raw, _LINE)
                if status.raises:
                    detail = str(raw.get("statusMsg") or "") or revert_reason(
                        parse_hex(raw.get("output"), "output")
                    )
                    raise status_codes.to_error(
                        status, tx_hash="0x" + tx_hash.hex(), sender=key.address, detail=detail or ""
                    )
                return to_receipt(raw, _LINE)
            if time.monotonic() >= deadline:
                raise TransactionTimeout("0x" + tx_hash.hex(), timeout)
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.5)

    def send(self, key: PrivateKey, tx: Transaction, *, timeout: float = 60.0) -> Receipt:
        self._check_key(key)
        deadline = time.monotonic() + timeout
        return with_block_limit_retry(
            lambda block: self._wait(key, self._submit(key, tx, block), deadline, timeout),
            self.block_number,
            status_codes.BLOCK_LIMIT_CODES[_LINE],
        )

    def send_many(
        self, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float = 120.0
    ) -> list[Receipt]:
        """Sign and submit every transaction first, then collect the receipts in order."""
        self._check_key(key)
        deadline = time.monotonic() + timeout
        cache = {"block": self.block_number(), "fresh": 1}

        def read_block() -> int:
            # the first attempt of each transaction reuses the last block read; a retry reads again
            if not cache["fresh"]:
                cache["block"] = self.block_number()
            cache["fresh"] = 0
            return cache["block"]

        hashes: list[bytes] = []
        for tx in txs:
            cache["fresh"] = 1
            hashes.append(
                with_block_limit_retry(
                    lambda current, tx=tx: self._submit(key, tx, current),  # type: ignore[misc]
                    read_block,
                    status_codes.BLOCK_LIMIT_CODES[_LINE],
                )
            )
        return [self._wait(key, tx_hash, deadline, timeout) for tx_hash in hashes]


def _rejection(exc: JsonRpcError, tx_hash: str) -> Exception:
    """Map a sendRawTransaction error object to a named 2.x status where the text names one."""
    words = re.sub(r"[^a-z]", "", exc.rpc_message.lower())
    for keyword, code in _MESSAGE_CODES:
        if keyword in words:
            return status_codes.to_error(
                status_codes.lookup(_LINE, code), tx_hash=tx_hash, detail=exc.rpc_message
            )
    return exc
