"""The ``fisco3`` backend: FISCO BCOS 3.x native JSON-RPC with Tars transactions.

* Endpoint: the node's RPC port (20200), plain HTTP when ``[rpc] enable_ssl=false``, or HTTPS
  with the node's ``sdk/`` certificates (``ca.crt``, ``sdk.crt``, ``sdk.key``; mutual TLS).
  SM chains default to SM TLS (``sm_ssl=true``), which Python's ``ssl`` cannot speak: such a port is
  recognised and refused with :class:`~ledger.chain.fisco.jsonrpc.SmTlsUnsupported`, which says to set
  ``sm_ssl=false`` with standard certificates or ``enable_ssl=false``.
* Params are positional ``[group, node, ...]``; ``node`` is ``""`` (any node of the group).
* ``sendTransaction`` blocks until the transaction is committed and answers with the receipt.
* Every transaction gets ``blockLimit = current block + 500`` and a fresh random nonce; a
  ``BlockLimitCheckFail`` makes the backend read the block number again and retry once.
* Transactions carry the attribute java-sdk sets on every EVM transaction (``EVM_ABI_CODEC``, 0x1),
  and a deployment carries the contract's ABI (``TransactionData.abi``), as FISCO's SDKs send it, so
  that the node's ``getABI`` answers for our contracts.
* ``send_many`` pipelines: ``sendTransaction`` answers only at commit, so the transactions go out on
  :data:`PIPELINE_WIDTH` connections at once (their random nonces make order irrelevant to the node)
  and the receipts come back in the order given.
* The crypto mode (ECDSA or SM) is read from ``getGroupInfo`` (``smCryptoType``) unless given.

SM chains: selectors, event topics and error selectors are SM3 there (FISCO's gm solc makes them so,
and the contracts layer uses the SM3 artifacts and an SM3 ABI on SM chains); the KECCAK256 opcode
computes SM3 (in-contract hashing such as Merkle proofs is built with SM3, see
``ledger.crypto.hashing.hash_function``), and account and contract addresses derive from SM3.

Logs are collected by walking blocks and their receipts, which every 3.x version supports.
Calls run on the latest state (``call`` has no block parameter in the native RPC) and without a
sender (its only identity is an optional signature): ``call`` with a past ``block`` or a ``sender``
raises :class:`~ledger.errors.CapabilityError`. ``Transaction.gas`` is not part of a version-0 transaction: the chain applies its
``tx_gas_limit`` (3,000,000,000 by default); a transaction with a value is sent as version 1.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from ledger.canonical import NotJSONError, loads_lax
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
from ledger.chain.fisco.jsonrpc import JsonRpcClient, JsonRpcError, RequestTimeout, sdk_ssl_context
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
from ledger.chain.fisco.v3 import TransactionData, new_nonce, sign_transaction
from ledger.crypto.keys import PrivateKey
from ledger.errors import CapabilityError, ChainError, ChainIdMismatch, ConfigError, TransactionTimeout

BLOCK_LIMIT_MARGIN = 500
#: java-sdk's ``TransactionAttribute.EVM_ABI_CODEC``, set on every EVM transaction.
EVM_ABI_CODEC = 0x1
#: How many ``sendTransaction`` requests ``send_many`` keeps open at once.
PIPELINE_WIDTH = 32
_LINE = 3


class Fisco3Chain(ChainBackend):
    """FISCO BCOS 3.x over its native JSON-RPC.

    Args:
        urls: RPC URL(s) of nodes of one chain, e.g. ``http://127.0.0.1:20200``.
        group: the group id (``group0`` by default).
        chain_id: the chain id (``chain0``); read from the node when ``None``; when given it
            must match the node's.
        sdk_certs: the node's ``sdk/`` directory, for ``https://`` URLs.
        crypto: ``"ecdsa"`` or ``"sm"``; read from ``getGroupInfo`` when ``None``.
        timeout: seconds to wait for an ordinary RPC answer.
        node: the node name passed in ``[group, node, ...]`` (``""``: any).
    """

    name: ClassVar[str] = "fisco3"
    features: frozenset[str] = frozenset({PERSISTENT, PIPELINING})

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        group: str = "group0",
        chain_id: str | None = None,
        sdk_certs: Path | None = None,
        crypto: str | None = None,
        timeout: float = 10.0,
        node: str = "",
    ) -> None:
        if crypto is not None:
            check_crypto(crypto)
        context = sdk_ssl_context(Path(sdk_certs)) if sdk_certs is not None else None
        self._rpc = JsonRpcClient(urls, timeout=timeout, ssl_context=context)
        self.group = group
        self.node = node
        self._chain_id = chain_id
        self._crypto = crypto
        self._group_info: dict[str, Any] | None = None
        self._identity: ChainIdentity | None = None

    # -- identity ------------------------------------------------------------------------------

    def _rpc_call(self, method: str, *params: Any, timeout: float | None = None) -> Any:
        return self._rpc.request(method, [self.group, self.node, *params], timeout=timeout)

    def group_info(self) -> dict[str, Any]:
        """``getGroupInfo`` (cached): chain id, genesis config and the nodes' ``iniConfig``."""
        if self._group_info is None:
            info = self._rpc.request("getGroupInfo", [self.group])
            if not isinstance(info, dict):
                raise ChainError(f"getGroupInfo for {self.group} returned {info!r:.80}")
            self._group_info = info
        return self._group_info

    def _node_config(self) -> dict[str, Any]:
        """The first node's ``iniConfig`` (a JSON text in 3.x's answer; an object is taken as it is).

        Raises:
            ChainError: ``nodeList`` is not a list, or an ``iniConfig`` is neither JSON text nor an object.
        """
        nodes = self.group_info().get("nodeList")
        if nodes is None:
            return {}
        if not isinstance(nodes, list):
            raise ChainError(f"getGroupInfo sent nodeList as {type(nodes).__name__}, not a list of nodes")
        for node in nodes:
            config = node.get("iniConfig") if isinstance(node, dict) else None
            if isinstance(config, dict):
                return config
            if isinstance(config, str) and config:
                try:
                    parsed = loads_lax(config)
                except NotJSONError as exc:
                    raise ChainError(f"getGroupInfo sent an iniConfig that is not JSON ({exc})") from exc
                if isinstance(parsed, dict):
                    return parsed
                raise ChainError(f"getGroupInfo sent an iniConfig that is a JSON {type(parsed).__name__}, "
                                 "not an object")
            if config not in (None, ""):
                raise ChainError(f"getGroupInfo sent an iniConfig of type {type(config).__name__}, not JSON text")
        return {}

    def identity(self) -> ChainIdentity:
        if self._identity is None:
            info = self.group_info()
            node_config = self._node_config()
            actual = info.get("chainID") or node_config.get("chainID") or ""
            if not isinstance(actual, str) or len(actual) > 256:
                raise ChainError(f"getGroupInfo sent chainID as {actual!r:.60}, not a chain name")
            if self._chain_id is not None and actual and actual != self._chain_id:
                raise ChainIdMismatch(self._chain_id, actual, ", ".join(self._rpc.urls))
            chain_id = self._chain_id or actual or "chain0"
            sm_type = node_config.get("smCryptoType", False)
            if not isinstance(sm_type, bool):
                raise ChainError(f"getGroupInfo sent iniConfig.smCryptoType as {sm_type!r:.40}, not true or false")
            node_crypto = "sm" if sm_type else "ecdsa"
            if self._crypto is None:
                self._crypto = node_crypto if node_config else "ecdsa"
            elif node_config and node_crypto != self._crypto:
                raise ConfigError(
                    f"the workspace says crypto {self._crypto!r} but the node runs an "
                    f"{'SM' if node_crypto == 'sm' else 'ECDSA'} chain",
                    hint="leave --crypto unset so the backend reads it from the node",
                )
            binary = node_config.get("binaryInfo")
            version = binary.get("version", "") if isinstance(binary, dict) else ""
            version = version if isinstance(version, str) and len(version) <= 64 else ""
            self._chain_id = chain_id
            self._identity = ChainIdentity(
                backend=self.name,
                chain_id=self._web3_chain_id(),
                crypto=self._crypto,
                description=f"FISCO BCOS {version or '3.x'} {chain_id}/{self.group} at {self._rpc.urls[0]}",
                extra={"chainID": chain_id, "groupID": self.group, "version": version},
            )
        return self._identity

    def _web3_chain_id(self) -> int:
        """The numeric id (system config ``web3_chain_id``); 0 where the node has none."""
        try:
            value = self._rpc_call("getSystemConfigByKey", "web3_chain_id")
            return parse_count(value.get("value"), "web3_chain_id") if isinstance(value, dict) else 0
        except ChainError:  # older nodes do not know the key
            return 0

    @property
    def crypto(self) -> str:
        return self.identity().crypto

    # -- reads ---------------------------------------------------------------------------------

    def block_number(self) -> int:
        return parse_count(self._rpc_call("getBlockNumber"), "getBlockNumber")

    def _block(self, number: int) -> dict[str, Any]:
        block = self._rpc_call("getBlockByNumber", number, False, True)
        if not isinstance(block, dict):
            raise ChainError(f"getBlockByNumber {number} returned {block!r:.80}")
        return block

    def block_timestamp(self, number: int) -> int:
        # FISCO block timestamps are milliseconds
        return parse_count(self._block(number).get("timestamp"), "timestamp") // 1000

    def call(self, to: str, data: bytes, *, block: int | None = None, sender: str | None = None) -> bytes:
        if block is not None and block != self.block_number():
            raise CapabilityError(self.name, "calls at a past block")
        if sender is not None:
            # the native call names no sender; ignoring one would answer for the wrong account
            raise CapabilityError(self.name, "calls from a given sender")
        return call_output(self._rpc_call("call", to.lower(), "0x" + data.hex()), _LINE)

    def get_code(self, address: str) -> bytes:
        return parse_hex(self._rpc_call("getCode", address.lower()), "code")

    def get_receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of a committed transaction, ``None`` while it is unknown."""
        try:
            raw = self._rpc_call("getTransactionReceipt", "0x" + tx_hash.hex(), False)
        except JsonRpcError:
            return None
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
            receipt=lambda h: self._rpc_call("getTransactionReceipt", h, False),
            entries_field="logEntries",
        )

    # -- writes --------------------------------------------------------------------------------

    def send(self, key: PrivateKey, tx: Transaction, *, timeout: float = 60.0) -> Receipt:
        crypto = self.crypto
        require_key_mode(key, crypto)
        return with_block_limit_retry(
            lambda block: self._send_once(key, tx, block, timeout),
            self.block_number,
            status_codes.BLOCK_LIMIT_CODES[_LINE],
        )

    def _send_once(self, key: PrivateKey, tx: Transaction, block: int, timeout: float) -> Receipt:
        data = TransactionData(
            version=1 if tx.value else 0,
            chain_id=self._chain_id or "chain0",
            group_id=self.group,
            block_limit=block + BLOCK_LIMIT_MARGIN,
            nonce=new_nonce(),
            to=tx.to.lower() if tx.to else "",
            input=tx.data,
            abi=tx.abi if tx.to is None else "",
            value=hex(tx.value) if tx.value else "",
            gas_limit=tx.gas if tx.value else 0,
        )
        signed = sign_transaction(data, key, self.crypto, attribute=EVM_ABI_CODEC)
        announce([Outgoing(signed.hash, signed.raw, tx.to, tx.data, tx.value)])
        deadline = time.monotonic() + timeout
        try:
            raw = self._rpc_call("sendTransaction", "0x" + signed.raw.hex(), False, timeout=max(timeout, 1.0))
        except JsonRpcError as exc:
            raise _rejection(exc, "0x" + signed.hash.hex()) from exc
        except RequestTimeout:
            raw = self._wait_for_receipt(signed.hash, deadline, timeout)
        if not isinstance(raw, dict):
            raise ChainError(f"sendTransaction returned {raw!r:.80}")
        status = status_of(raw, _LINE)
        if status.raises:
            detail = str(raw.get("message") or "") or revert_reason(parse_hex(raw.get("output"), "output"))
            raise status_codes.to_error(
                status, tx_hash="0x" + signed.hash.hex(), sender=key.address, detail=detail or ""
            )
        return to_receipt(raw, _LINE)

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        try:
            raw = self._rpc_call("getTransactionReceipt", "0x" + tx_hash.hex(), False)
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
                answer = self._rpc_call("sendTransaction", "0x" + raw.hex(), False)
            except JsonRpcError as exc:
                raise _rejection(exc, "") from exc
            status = status_of(answer, _LINE) if isinstance(answer, dict) else None
            if status is not None and status.raises:
                raise status_codes.to_error(status)
            return answer

        return rebroadcast_with(send, status_codes.BLOCK_LIMIT_CODES[_LINE])

    def send_many(
        self, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float = 120.0
    ) -> list[Receipt]:
        """Send ``txs`` on up to :data:`PIPELINE_WIDTH` connections at once; receipts in the given order.

        Every transaction is sent even if another fails; the first failure is raised after all have
        answered (their receipts are then lost to the caller, as with one ``send`` that fails).
        """
        if len(txs) <= 1:
            return [self.send(key, tx, timeout=timeout) for tx in txs]
        require_key_mode(key, self.crypto)
        block = self.block_number()  # one read for the burst; a refused block limit reads it again

        def send_one(tx: Transaction) -> Receipt:
            return with_block_limit_retry(
                lambda current: self._send_once(key, tx, current, timeout),
                _first_then(block, self.block_number),
                status_codes.BLOCK_LIMIT_CODES[_LINE],
            )

        with ThreadPoolExecutor(max_workers=min(PIPELINE_WIDTH, len(txs)), thread_name_prefix="fisco3-send") as pool:
            # each in a copy of this context: the burst journal's observer must see what the threads sign
            futures = [pool.submit(contextvars.copy_context().run, send_one, tx) for tx in txs]
            return [future.result() for future in futures]

    def _wait_for_receipt(self, tx_hash: bytes, deadline: float, timeout: float) -> dict[str, Any]:
        while time.monotonic() < deadline:
            try:
                raw = self._rpc_call("getTransactionReceipt", "0x" + tx_hash.hex(), False)
            except JsonRpcError:
                raw = None
            if isinstance(raw, dict):
                return raw
            time.sleep(0.2)
        raise TransactionTimeout("0x" + tx_hash.hex(), timeout)

    def close(self) -> None:
        self._group_info = None


def _first_then(first: int, then: Callable[[], int]) -> Callable[[], int]:
    """A block-number reader that answers ``first`` on its first call and asks ``then`` after."""
    pending = [first]

    def read() -> int:
        return pending.pop() if pending else then()

    return read


def _rejection(exc: JsonRpcError, tx_hash: str) -> Exception:
    """A sendTransaction error object: TransactionStatus codes map to named errors."""
    if exc.code is not None and exc.code in status_codes.TABLES[_LINE]:
        status = status_codes.lookup(_LINE, exc.code)
        if status.kind != status_codes.OK:
            return status_codes.to_error(status, tx_hash=tx_hash, detail=exc.rpc_message)
    return exc
