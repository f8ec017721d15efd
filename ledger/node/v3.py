"""FISCO BCOS 3.x's native JSON-RPC, answered from the embedded chain (``ledger node --protocol fisco3``).

Params are positional ``[group, node, ...]`` (``node`` may be ``""``); answers have 3.x's shapes
(``bcos-rpc/jsonrpc/JsonRpcImpl_2_0.cpp`` and the API docs): JSON integers for block numbers and
statuses, decimal text for ``gasUsed``, receipts with ``logEntries`` whose addresses have no ``0x``,
``checksumContractAddress`` checksummed with the chain's hash, block timestamps in milliseconds,
transaction ``nonce`` as the hex of the nonce string's bytes. ``sendTransaction`` answers when the
transaction is committed, with its receipt; a refusal is an error whose ``code`` is the
``TransactionStatus`` value (10000 ...). Unknown groups are -32005 ``GroupNotExist``; what the ledger
does not hold (a receipt, a transaction, a block) is 3008 ``GetStorageError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ledger.chain.base import Receipt, Reverted
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.fisco import v3 as tx3
from ledger.chain.fisco.revert import revert_reason
from ledger.crypto.hashing import hash_function
from ledger.errors import ValidationError
from ledger.node.admission import (
    INVALID_CHAIN_ID,
    INVALID_GROUP_ID,
    TX_GAS_LIMIT,
    V3_NAMES,
    Refused,
    decode_v3,
)
from ledger.node.pool import TX_COUNT_LIMIT, Pool
from ledger.node.server import INVALID_PARAMS, Handler, RpcError, param
from ledger.node.settings import WEB3_CHAIN_ID, NodeSettings

GROUP_NOT_EXIST, NODE_NOT_EXIST, GET_STORAGE_ERROR = -32005, -32000, 3008
_REVERT, _OK = 16, 0


class Fisco3Rpc:
    """The 3.x method table over one node's chain and pool."""

    def __init__(self, settings: NodeSettings, chain: EmbeddedChain, pool: Pool, node_id: str) -> None:
        self.settings = settings
        self.chain = chain
        self.pool = pool
        self.node_id = node_id
        self.hash = hash_function(settings.crypto)

    def methods(self) -> dict[str, Handler]:
        table: dict[str, Callable[[list[Any]], Any]] = {
            "getGroupList": lambda p: {"code": 0, "msg": "success", "groupList": [self.settings.group_name]},
            "getGroupInfo": self.get_group_info,
            "getGroupInfoList": lambda p: [self._group_info()],
            "getGroupNodeInfo": self.get_group_node_info,
            "getBlockNumber": lambda p: self._head(p),
            "getSealerList": lambda p: self._checked(p) and [self._sealer()],
            "getObserverList": lambda p: self._checked(p) and [],
            "getPbftView": lambda p: self._checked(p) and self.chain.block_number(),
            "getPendingTxSize": lambda p: self._checked(p) and self.pool.size(),
            "getSyncStatus": self.get_sync_status,
            "getSystemConfigByKey": self.get_system_config,
            "getTotalTransactionCount": self.get_total_transaction_count,
            "getCode": self.get_code,
            "getABI": self.get_abi,
            "call": self.call,
            "sendTransaction": self.send_transaction,
            "getTransactionReceipt": self.get_transaction_receipt,
            "getTransaction": self.get_transaction,
            "getBlockByNumber": self.get_block_by_number,
            "getBlockHashByNumber": self.get_block_hash_by_number,
            "getPeers": lambda p: {"p2pNodeID": self.node_id, "endPoint": "", "groupNodeIDInfo": [], "peers": []},
        }
        return table

    # -- params ------------------------------------------------------------------------------

    def _group(self, params: list[Any]) -> None:
        group = param(params, 0, str, "the group")
        if group != self.settings.group_name:
            raise RpcError(GROUP_NOT_EXIST, f"The group {group} does not exist!")

    def _checked(self, params: list[Any]) -> bool:
        """Check ``[group, node, ...]``; always true (used in ``and`` chains)."""
        self._group(params)
        node = param(params, 1, str, "the node name")
        if node not in ("", self.node_id):
            raise RpcError(NODE_NOT_EXIST, f"The node {node} does not exist or is not started")
        return True

    def _head(self, params: list[Any]) -> int:
        self._checked(params)
        return self.pool.head  # the last committed block, without waiting for a block being mined

    def _address(self, value: Any, what: str) -> str:
        if not isinstance(value, str):
            raise RpcError(INVALID_PARAMS, f"Invalid params: {what} must be a string")
        text = value[2:] if value.lower().startswith("0x") else value
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
        if len(raw) != 20:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {what} {value[:50]!r} is not an address")
        return "0x" + raw.hex()

    def _hash(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise RpcError(INVALID_PARAMS, "Invalid params: the hash must be a string")
        text = value[2:] if value.lower().startswith("0x") else value
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise RpcError(INVALID_PARAMS, f"Invalid params: {value[:70]!r} is not a 32-byte hash")
        return raw

    # -- identity ----------------------------------------------------------------------------

    def _ini_config(self) -> dict[str, Any]:
        s = self.settings
        return {
            "binaryInfo": {"version": s.version, "platform": "ledger node (FISCO BCOS 3.x compatible)",
                           "buildTime": "", "gitCommitHash": ""},
            "chainID": s.chain_name,
            "groupID": s.group_name,
            "smCryptoType": s.crypto == "sm",
            "isWasm": False,
            "isAuthCheck": False,
            "isSerialExecute": True,
            "nodeID": self.node_id,
            "nodeName": self.node_id,
            "rpcServiceName": "",
            "gatewayServiceName": "",
        }

    def _node_info(self) -> dict[str, Any]:
        return {
            "name": self.node_id,
            "type": 0,
            "iniConfig": json.dumps(self._ini_config()),
            "serviceInfo": [],
            "protocol": {"compatibilityVersion": 3, "minSupportedVersion": 3, "maxSupportedVersion": 3},
            "featureKeys": [],
        }

    def _sealer(self) -> dict[str, Any]:
        return {"nodeID": self.node_id, "weight": 1, "termWeight": 1}

    def _group_info(self) -> dict[str, Any]:
        s = self.settings
        return {
            "chainID": s.chain_name,
            "groupID": s.group_name,
            "genesisConfig": {
                "consensusType": "pbft",
                "blockTxCountLimit": TX_COUNT_LIMIT,
                "txGasLimit": TX_GAS_LIMIT[3],
                "compatibilityVersion": s.version,
                "leaderSwitchPeriod": 1,
                "sealerList": [self._sealer()],
                "isAuthCheck": False,
                "isWasm": False,
                "isSerialExecute": True,
                "smCrypto": s.crypto == "sm",
            },
            "nodeList": [self._node_info()],
        }

    def get_group_info(self, params: list[Any]) -> dict[str, Any]:
        self._group(params)
        return self._group_info()

    def get_group_node_info(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        return self._node_info()

    def get_sync_status(self, params: list[Any]) -> str:
        self._checked(params)
        head = self.chain.block_number()
        header = self.chain.block_header(head)
        return json.dumps({"blockNumber": head, "latestHash": "0x" + bytes(header.hash).hex(), "isSyncing": False,
                           "nodeID": self.node_id, "peers": []})

    def get_system_config(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        key = param(params, 2, str, "the key")
        values = {
            "tx_gas_limit": str(TX_GAS_LIMIT[3]),
            "tx_count_limit": str(TX_COUNT_LIMIT),
            "tx_gas_price": "0x0",
            "consensus_leader_period": "1",
            "compatibility_version": self.settings.version,
            "auth_check_status": "0",
            "web3_chain_id": str(WEB3_CHAIN_ID),
            "executor_version": "1",
        }
        if key not in values:
            raise RpcError(GET_STORAGE_ERROR, f"the system config {key!r} is not set")
        return {"blockNumber": 0, "value": values[key]}

    def get_total_transaction_count(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        return {"blockNumber": self.chain.block_number(), "transactionCount": self.chain.transaction_count(),
                "failedTransactionCount": 0}

    # -- state -------------------------------------------------------------------------------

    def get_code(self, params: list[Any]) -> str:
        self._checked(params)
        code = self.chain.get_code(self._address(param(params, 2, str, "the address"), "the address"))
        return "0x" + code.hex() if code else ""

    def get_abi(self, params: list[Any]) -> str:
        """The ABI the deployment carried (``TransactionData.abi``), ``""`` when it carried none."""
        self._checked(params)
        row = self.chain.deployment_of(self._address(param(params, 2, str, "the address"), "the address"))
        if row is None or not row.raw:
            return ""
        try:
            return tx3.Transaction.decode(row.raw).data.abi
        except ValidationError:
            return ""

    def call(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        to = self._address(param(params, 2, str, "the contract address"), "the contract address")
        data = param(params, 3, str, "the call data")
        try:
            calldata = bytes.fromhex(data[2:] if data.lower().startswith("0x") else data)
        except ValueError:
            raise RpcError(INVALID_PARAMS, "Invalid params: the call data is not hex") from None
        head = self.chain.block_number()
        try:
            return {"blockNumber": head, "output": "0x" + self.chain.call(to, calldata).hex(), "status": _OK}
        except Reverted as exc:
            return {"blockNumber": head, "output": "0x" + exc.data.hex(), "status": _REVERT}

    # -- transactions ------------------------------------------------------------------------

    def send_transaction(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        try:
            candidate = decode_v3(param(params, 2, str, "the transaction"), self.settings.crypto)
            # the RPC checks the chain and group before the pool does (JsonRpcImpl_2_0::sendTransaction)
            if candidate.chain_id != self.settings.chain_name:
                raise Refused(INVALID_CHAIN_ID, f"chain {candidate.chain_id!r} is not {self.settings.chain_name!r}")
            if candidate.group_id != self.settings.group_name:
                raise Refused(INVALID_GROUP_ID, f"group {candidate.group_id!r} is not {self.settings.group_name!r}")
            receipt = self.pool.submit(candidate).wait()
        except Refused as refused:
            raise RpcError(refused.status, V3_NAMES.get(refused.status, str(refused.status)),
                           refused.detail or None) from None
        return self._receipt_json(receipt, candidate.admitted.raw)

    def get_transaction_receipt(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        tx_hash = self._hash(param(params, 2, str, "the transaction hash"))
        receipt = self.chain.receipt(tx_hash)
        if receipt is None:
            raise RpcError(GET_STORAGE_ERROR, f"the receipt of 0x{tx_hash.hex()} does not exist")
        return self._receipt_json(receipt)

    def get_transaction(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        tx_hash = self._hash(param(params, 2, str, "the transaction hash"))
        row = self.chain.stored_transaction(tx_hash)
        if row is None or not row.raw:
            raise RpcError(GET_STORAGE_ERROR, f"the transaction 0x{tx_hash.hex()} does not exist")
        return self._transaction_json(row.raw, row.sender)

    def _decoded(self, raw: bytes) -> tx3.Transaction | None:
        try:
            return tx3.Transaction.decode(raw)
        except ValidationError:
            return None

    def _transaction_json(self, raw: bytes, sender: bytes) -> dict[str, Any]:
        tx = self._decoded(raw)
        if tx is None:
            return {}
        data = tx.data
        out: dict[str, Any] = {
            "version": data.version,
            "hash": "0x" + tx.data_hash.hex(),
            "nonce": data.nonce.encode().hex(),
            "blockLimit": data.block_limit,
            "to": data.to,
            "from": "0x" + sender.hex(),
            "input": "0x" + data.input.hex(),
            "importTime": tx.import_time,
            "chainID": data.chain_id,
            "groupID": data.group_id,
            "abi": data.abi,
            "signature": "0x" + tx.signature.hex(),
            "attribute": tx.attribute,
            "extraData": tx.extra_data,
        }
        if data.version >= 1:
            out.update(value=data.value, gasPrice=data.gas_price, gasLimit=data.gas_limit,
                       maxFeePerGas=data.max_fee_per_gas, maxPriorityFeePerGas=data.max_priority_fee_per_gas)
        return out

    def _receipt_json(self, receipt: Receipt, raw: bytes | None = None) -> dict[str, Any]:
        """3.x's receipt JSON; ``raw`` is the transaction as received (else it is read from the chain)."""
        if raw is None:
            row = self.chain.stored_transaction(receipt.tx_hash)
            raw = row.raw if row is not None else None
        tx = self._decoded(raw) if raw else None
        status = _OK if receipt.succeeded else _REVERT
        output = receipt.revert_data or b""
        contract = receipt.contract_address.lower() if receipt.contract_address else ""
        body = {
            "version": 0,
            "contractAddress": contract,
            "checksumContractAddress": self._checksum(contract) if contract else "",
            "gasUsed": str(receipt.gas_used),
            "status": status,
            "blockNumber": receipt.block_number,
            "output": "0x" + output.hex(),
            "message": (revert_reason(output) or "") if status == _REVERT else "",
            "transactionHash": "0x" + receipt.tx_hash.hex(),
            "logEntries": [
                {"address": log.address.lower()[2:], "topics": ["0x" + t.hex() for t in log.topics],
                 "data": "0x" + log.data.hex()}
                for log in receipt.logs
            ],
            "from": (receipt.sender or "").lower(),
            "to": tx.data.to if tx is not None else "",
            "input": "0x" + tx.data.input.hex() if tx is not None else "0x",
            "extraData": tx.extra_data if tx is not None else "",
        }
        body["hash"] = "0x" + self.hash(json.dumps(body, sort_keys=True).encode()).hex()
        return body

    def _checksum(self, address: str) -> str:
        """The address checksummed with the chain's hash (``bcos::toChecksumAddress``)."""
        text = address[2:].lower()
        digest = self.hash(text.encode()).hex()
        return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(text))

    # -- blocks ------------------------------------------------------------------------------

    def _number(self, params: list[Any], index: int) -> int:
        value = param(params, index, (int, str), "the block number")
        try:
            number = value if isinstance(value, int) else int(value, 16 if value.lower().startswith("0x") else 10)
        except ValueError:
            raise RpcError(INVALID_PARAMS, f"Invalid params: block number {value!r}") from None
        head = self.chain.block_number()
        if not 0 <= number <= head:
            raise RpcError(GET_STORAGE_ERROR, f"block {number} does not exist (the latest block is {head})")
        return number

    def get_block_hash_by_number(self, params: list[Any]) -> str:
        self._checked(params)
        return "0x" + bytes(self.chain.block_header(self._number(params, 2)).hash).hex()

    def get_block_by_number(self, params: list[Any]) -> dict[str, Any]:
        self._checked(params)
        number = self._number(params, 2)
        only_header = bool(params[3]) if len(params) > 3 else False
        only_hashes = bool(params[4]) if len(params) > 4 else True
        header = self.chain.block_header(number)
        block: dict[str, Any] = {
            "version": 0,
            "number": number,
            "hash": "0x" + bytes(header.hash).hex(),
            "parentInfo": [] if number == 0 else [
                {"blockNumber": number - 1, "blockHash": "0x" + bytes(header.parent_hash).hex()}
            ],
            "timestamp": int(header.timestamp) * 1000,
            "sealer": 0,
            "sealerList": [self.node_id],
            "signatureList": [],
            "consensusWeights": [1],
            "gasUsed": str(int(header.gas_used)),
            "stateRoot": "0x" + bytes(header.state_root).hex(),
            "txsRoot": "0x" + bytes(header.transaction_root).hex(),
            "receiptsRoot": "0x" + bytes(header.receipt_root).hex(),
            "extraData": "0x",
        }
        if not only_header:
            rows = self.chain.block_transactions(number)
            block["transactions"] = (
                ["0x" + row.hash.hex() for row in rows] if only_hashes
                else [self._transaction_json(row.raw, row.sender) for row in rows if row.raw]
            )
        return block
