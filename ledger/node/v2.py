"""FISCO BCOS 2.x's JSON-RPC, answered from the embedded chain (``ledger node --protocol fisco2``).

Params start with the group id as a JSON integer (libjson-rpc-cpp checks types by position); answers
have 2.x's shapes (``librpc/Rpc.cpp``): integers as compact ``0x`` hex, receipts with ``logs``,
``status`` as hex text (``"0x16"`` for a revert) and ``statusMsg``, ``contractAddress`` all zeros when
none was made, block timestamps in milliseconds. ``sendRawTransaction`` answers at pool admission with
the hash; the receipt is ``null`` until the transaction is mined. Refusals are -32603 errors whose
message names the refusal as ``TxPool::submitTransactions`` throws it ("TransactionAlreadyKown" [sic]
...). An unknown group is -40001, a call without ``from`` -40006, an unknown system config key -40008.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.chain.base import Receipt, Reverted
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.fisco import v2 as tx2
from ledger.chain.kvstore import TxRow
from ledger.errors import ValidationError
from ledger.node.admission import INVALID_CHAIN_ID, INVALID_GROUP_ID, TX_GAS_LIMIT, Refused, decode_v2
from ledger.node.pool import TX_COUNT_LIMIT, Pool
from ledger.node.server import INTERNAL_ERROR, INVALID_PARAMS, Handler, RpcError, param
from ledger.node.settings import NodeSettings

GROUP_ID_ERROR, CALL_FROM_ERROR, INVALID_SYSTEM_CONFIG = -40001, -40006, -40008
_ZERO_ADDRESS = "0x" + "00" * 20
_EMPTY_BLOOM = "0x" + "00" * 256


class Fisco2Rpc:
    """The 2.x method table over one node's chain and pool."""

    def __init__(self, settings: NodeSettings, chain: EmbeddedChain, pool: Pool, node_id: str) -> None:
        self.settings = settings
        self.chain = chain
        self.pool = pool
        self.node_id = node_id
        self.group_id = int(settings.group_name)
        self.chain_id = int(settings.chain_name)

    def methods(self) -> dict[str, Handler]:
        table: dict[str, Callable[[list[Any]], Any]] = {
            "getClientVersion": self.get_client_version,
            "getGroupList": lambda p: [self.group_id],
            "getBlockNumber": lambda p: self._group(p) and hex(self.pool.head),
            "getPbftView": lambda p: self._group(p) and hex(self.chain.block_number()),
            "getSealerList": lambda p: self._group(p) and [self.node_id],
            "getObserverList": lambda p: self._group(p) and [],
            "getNodeIDList": lambda p: self._group(p) and [self.node_id],
            "getPendingTxSize": lambda p: self._group(p) and hex(self.pool.size()),
            "getTotalTransactionCount": self.get_total_transaction_count,
            "getSystemConfigByKey": self.get_system_config,
            "getCode": self.get_code,
            "call": self.call,
            "sendRawTransaction": self.send_raw_transaction,
            "getTransactionReceipt": self.get_transaction_receipt,
            "getTransactionByHash": self.get_transaction_by_hash,
            "getBlockByNumber": self.get_block_by_number,
            "getBlockHashByNumber": self.get_block_hash_by_number,
        }
        return table

    # -- params ------------------------------------------------------------------------------

    def _group(self, params: list[Any]) -> bool:
        """Check the group id (a JSON integer); always true (used in ``and`` chains)."""
        group = param(params, 0, int, "the group id")
        if group != self.group_id:
            raise RpcError(GROUP_ID_ERROR, "GroupID does not exist")
        return True

    @staticmethod
    def _hex_bytes(value: Any, what: str, size: int | None = None) -> bytes:
        if not isinstance(value, str):
            raise RpcError(INVALID_PARAMS, f"Invalid params: {what} must be a string")
        text = value[2:] if value.lower().startswith("0x") else value
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {what} is not hex") from None
        if size is not None and len(raw) != size:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {what} is not {size} bytes")
        return raw

    def _number(self, value: Any) -> int:
        if isinstance(value, str):
            try:
                number = int(value, 16) if value.lower().startswith("0x") else int(value)
            except ValueError:
                raise RpcError(INVALID_PARAMS, f"Invalid params: block number {value!r}") from None
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise RpcError(INVALID_PARAMS, "Invalid params: the block number must be hex text")
        head = self.chain.block_number()
        if not 0 <= number <= head:
            raise RpcError(-40004, "BlockNumber does not exist")  # 2.x BlockNumberT
        return number

    # -- identity and configuration ----------------------------------------------------------

    def get_client_version(self, params: list[Any]) -> dict[str, str]:
        version = self.settings.version + (" gm" if self.settings.crypto == "sm" else "")
        return {
            "Build Time": "",
            "Build Type": "ledger node (FISCO BCOS 2.x compatible)",
            "Chain Id": str(self.chain_id),
            "FISCO-BCOS Version": version,
            "Git Branch": "",
            "Git Commit Hash": "",
            "Supported Version": self.settings.version,
        }

    def get_system_config(self, params: list[Any]) -> str:
        self._group(params)
        key = param(params, 1, str, "the key")
        values = {
            "tx_count_limit": str(TX_COUNT_LIMIT),
            "tx_gas_limit": str(TX_GAS_LIMIT[2]),
            "rpbft_epoch_block_num": "1000",
            "rpbft_epoch_sealer_num": "1",
            "consensus_timeout": "3",
        }
        if key not in values:
            raise RpcError(INVALID_SYSTEM_CONFIG, "Invalid System Config")
        return values[key]

    def get_total_transaction_count(self, params: list[Any]) -> dict[str, str]:
        self._group(params)
        return {"blockNumber": hex(self.chain.block_number()), "failedTxSum": "0x0",
                "txSum": hex(self.chain.transaction_count())}

    # -- state -------------------------------------------------------------------------------

    def get_code(self, params: list[Any]) -> str:
        self._group(params)
        address = self._hex_bytes(param(params, 1, str, "the address"), "the address", 20)
        return "0x" + self.chain.get_code("0x" + address.hex()).hex()

    def call(self, params: list[Any]) -> dict[str, str]:
        self._group(params)
        request = param(params, 1, dict, "the call")
        if not request.get("from"):
            raise RpcError(CALL_FROM_ERROR, "Call needs a 'from' field")
        sender = self._hex_bytes(request.get("from"), "from", 20)
        to = self._hex_bytes(request.get("to"), "to", 20)
        data = self._hex_bytes(request.get("data") or "0x", "data")
        head = hex(self.chain.block_number())
        try:
            output = self.chain.call("0x" + to.hex(), data, sender="0x" + sender.hex())
        except Reverted as exc:
            return {"currentBlockNumber": head, "output": "0x" + exc.data.hex(), "status": "0x16"}
        return {"currentBlockNumber": head, "output": "0x" + output.hex(), "status": "0x0"}

    # -- transactions ------------------------------------------------------------------------

    def send_raw_transaction(self, params: list[Any]) -> str:
        self._group(params)
        try:
            candidate = decode_v2(param(params, 1, str, "the transaction"), self.settings.crypto)
            if int(candidate.chain_id) != self.chain_id:
                raise Refused(INVALID_CHAIN_ID, "", candidate.admitted.hash)
            if int(candidate.group_id) != self.group_id:
                raise Refused(INVALID_GROUP_ID, "", candidate.admitted.hash)
            pending = self.pool.submit(candidate)
        except Refused as refused:
            # Rpc::sendRawTransaction turns TxPool's TransactionRefused exception into -32603
            raise RpcError(INTERNAL_ERROR, f"Dynamic exception type: dev::eth::TransactionRefused, "
                                           f"[dev::tag_comment*] = {refused.v2_message()}") from None
        return "0x" + pending.hash.hex()

    def get_transaction_receipt(self, params: list[Any]) -> dict[str, Any] | None:
        self._group(params)
        tx_hash = self._hex_bytes(param(params, 1, str, "the hash"), "the hash", 32)
        receipt = self.chain.receipt(tx_hash)
        return None if receipt is None else self._receipt_json(receipt)

    def get_transaction_by_hash(self, params: list[Any]) -> dict[str, Any] | None:
        self._group(params)
        tx_hash = self._hex_bytes(param(params, 1, str, "the hash"), "the hash", 32)
        row = self.chain.stored_transaction(tx_hash)
        return None if row is None else self._transaction_json(row)

    def _decoded(self, raw: bytes | None) -> tx2.DecodedTransaction | None:
        if not raw:
            return None
        try:
            return tx2.decode_transaction(raw)
        except ValidationError:
            return None

    def _transaction_json(self, row: TxRow) -> dict[str, Any]:
        tx = self._decoded(row.raw)
        if tx is None:
            return {}
        f = tx.fields
        v = "0x" + tx.v.hex() if isinstance(tx.v, bytes) else hex(tx.v)
        r, s = f"0x{tx.r:064x}", f"0x{tx.s:064x}"
        return {
            "blockHash": "0x" + bytes(self.chain.block_header(row.block).hash).hex(),
            "blockNumber": hex(row.block),
            "blockLimit": hex(f["blockLimit"]),
            "chainId": hex(f["fiscoChainId"]),
            "extraData": f["extraData"],
            "from": "0x" + row.sender.hex(),
            "gas": hex(f["gasLimit"]),
            "gasPrice": hex(f["gasPrice"]),
            "groupId": hex(f["groupId"]),
            "hash": "0x" + row.hash.hex(),
            "input": f["data"],
            "nonce": hex(f["randomid"]),
            "signature": {"r": r, "s": s, "v": v, "signature": r + s[2:] + v[2:]},
            "to": f["to"] or None,
            "transactionIndex": hex(row.tx_index),
            "value": hex(f["value"]),
        }

    def _receipt_json(self, receipt: Receipt) -> dict[str, Any]:
        row = self.chain.stored_transaction(receipt.tx_hash)
        tx = self._decoded(row.raw if row is not None else None)
        header = self.chain.block_header(receipt.block_number)
        ok = receipt.succeeded
        return {
            "blockHash": "0x" + bytes(header.hash).hex(),
            "blockNumber": hex(receipt.block_number),
            "contractAddress": receipt.contract_address.lower() if receipt.contract_address else _ZERO_ADDRESS,
            "from": (receipt.sender or "").lower(),
            "gasUsed": hex(receipt.gas_used),
            "input": tx.fields["data"] if tx is not None else "0x",
            "logs": [
                {"address": log.address.lower(), "topics": ["0x" + t.hex() for t in log.topics],
                 "data": "0x" + log.data.hex()}
                for log in receipt.logs
            ],
            "logsBloom": _EMPTY_BLOOM,
            "output": "0x" + (receipt.revert_data or b"").hex(),
            "remainGas": "0x0",
            "root": "0x" + bytes(header.state_root).hex(),
            "status": "0x0" if ok else "0x16",
            "statusMsg": "None" if ok else "RevertInstruction",
            "to": (tx.fields["to"] or None) if tx is not None else None,
            "transactionHash": "0x" + receipt.tx_hash.hex(),
            "transactionIndex": hex(row.tx_index if row is not None else 0),
        }

    # -- blocks ------------------------------------------------------------------------------

    def get_block_hash_by_number(self, params: list[Any]) -> str:
        self._group(params)
        return "0x" + bytes(self.chain.block_header(self._number(param(params, 1, (str, int), "number"))).hash).hex()

    def get_block_by_number(self, params: list[Any]) -> dict[str, Any]:
        self._group(params)
        number = self._number(param(params, 1, (str, int), "the block number"))
        full = bool(params[2]) if len(params) > 2 else False
        header = self.chain.block_header(number)
        rows = self.chain.block_transactions(number)
        return {
            "dbHash": "0x" + bytes(header.state_root).hex(),
            "extraData": [],
            "gasLimit": "0x0",
            "gasUsed": hex(int(header.gas_used)),
            "hash": "0x" + bytes(header.hash).hex(),
            "logsBloom": _EMPTY_BLOOM,
            "number": hex(number),
            "parentHash": "0x" + bytes(header.parent_hash).hex(),
            "receiptsRoot": "0x" + bytes(header.receipt_root).hex(),
            "sealer": "0x0",
            "sealerList": [self.node_id],
            "signatureList": [],
            "stateRoot": "0x" + bytes(header.state_root).hex(),
            "timestamp": hex(int(header.timestamp) * 1000),
            "transactions": [self._transaction_json(row) for row in rows] if full
            else ["0x" + row.hash.hex() for row in rows],
            "transactionsRoot": "0x" + bytes(header.transaction_root).hex(),
        }
