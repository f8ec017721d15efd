"""Loopback fake FISCO 2.x / 3.x nodes for the backend tests (fixtures are in ``conftest.py``).

The fake nodes are real HTTP servers (threaded ``http.server`` on 127.0.0.1, a free port) that
answer JSON-RPC with objects shaped like the examples in FISCO's API documentation, so the
backends run their real requests, retries and error mapping. Each node records every request
(method, params, id) for the tests to assert on, and tests can script answers per method.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ledger.chain.fisco import v2, v3


class RpcFailure(Exception):
    """Raised by a scripted handler to answer with a JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


@dataclass
class Request:
    method: str
    params: list[Any]
    id: Any
    raw: dict[str, Any]


Handler = Callable[[list[Any]], Any]


@dataclass
class FakeNode:
    """State and scripted answers shared by both fake node kinds."""

    url: str = ""
    requests: list[Request] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    #: per method, a queue of one-shot handlers consumed before ``handlers``
    script: dict[str, list[Handler]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: raw HTTP answers ``(status, body)`` sent, one per request, before any JSON-RPC answer
    raw_answers: list[tuple[int, bytes]] = field(default_factory=list)

    def answer(self, payload: dict[str, Any]) -> dict[str, Any]:
        method, params = payload.get("method"), payload.get("params")
        with self.lock:
            self.requests.append(Request(str(method), list(params or []), payload.get("id"), payload))
            queued = self.script.get(str(method))
            handler = queued.pop(0) if queued else self.handlers.get(str(method))
        base = {"id": payload.get("id"), "jsonrpc": "2.0"}
        if handler is None:
            return {**base, "error": {"code": -32601, "message": "Method not found"}}
        try:
            return {**base, "result": handler(list(params or []))}
        except RpcFailure as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.data is not None:
                error["data"] = exc.data
            return {**base, "error": error}

    def calls(self, method: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == method]

    def then(self, method: str, handler: Handler) -> None:
        """Queue a one-shot answer for the next ``method`` request."""
        with self.lock:
            self.script.setdefault(method, []).append(handler)


def serve(node: FakeNode, context: ssl.SSLContext | None = None) -> Iterator[FakeNode]:
    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length))
            with node.lock:
                canned = node.raw_answers.pop(0) if node.raw_answers else None
            code, body = canned if canned is not None else (200, json.dumps(node.answer(payload)).encode())
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class _Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that gave up (timeout tests) or failed TLS; the client side asserts

    server = _Server(("127.0.0.1", 0), _Handler)
    scheme = "http"
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    node.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield node
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- FISCO 3.x --------------------------------------------------------------------------------


def group_info(sm: bool, chain_id: str = "chain0") -> dict[str, Any]:
    """A getGroupInfo result shaped like the documented example (api.md, getGroupInfo)."""
    ini = {
        "binaryInfo": {
            "buildTime": "20230403 11:55:56",
            "gitCommitHash": "114364de7db1ba3c0461b3813621ce7caedc4f2f",
            "platform": "Linux/clang",
            "version": "3.16.4",
        },
        "chainID": chain_id,
        "gatewayServiceName": "",
        "groupID": "group0",
        "isAuthCheck": False,
        "isSerialExecute": True,
        "isWasm": False,
        "nodeID": "0055dcaf",
        "nodeName": "0055dcaf",
        "rpcServiceName": "",
        "smCryptoType": sm,
    }
    return {
        "chainID": chain_id,
        "genesisConfig": json.dumps(
            {"blockTxCountLimit": 1000, "consensusType": "pbft", "txGasLimit": 3000000000}
        )
        + "\n",
        "groupID": "group0",
        "iniConfig": "",
        "nodeList": [
            {
                "iniConfig": json.dumps(ini) + "\n",
                "microService": False,
                "name": "0055dcaf",
                "nodeID": "0055dcaf",
                "protocol": {
                    "compatibilityVersion": 50528256,
                    "maxSupportedVersion": 1,
                    "minSupportedVersion": 0,
                },
                "serviceInfo": [{"serviceName": "LedgerServiceObj", "type": 2}],
                "type": 0,
            }
        ],
    }


@dataclass
class Fisco3Node(FakeNode):
    """A fake 3.x node: executes nothing, but accepts, decodes and records transactions."""

    sm: bool = False
    block: int = 8
    sent: list[v3.DecodedTransaction] = field(default_factory=list)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: how the next committed transaction ends: (status, output hex, logEntries)
    outcome: tuple[int, str, list[dict[str, Any]]] = (0, "0x", [])

    def __post_init__(self) -> None:
        self.handlers.update(
            {
                "getGroupInfo": lambda p: group_info(self.sm),
                "getBlockNumber": lambda p: self.block,
                "getSystemConfigByKey": lambda p: {"blockNumber": 0, "value": "20200"},
                "call": lambda p: {"blockNumber": self.block, "output": "0x" + "00" * 31 + "2a", "status": 0},
                "sendTransaction": self._send,
                "getTransactionReceipt": self._receipt,
                "getBlockByNumber": self._block,
            }
        )

    def _send(self, params: list[Any]) -> dict[str, Any]:
        decoded = v3.decode_transaction(params[2])
        limit = decoded.data["blockLimit"]
        if not self.block < limit <= self.block + 1000:
            raise RpcFailure(10001, "BlockLimitCheckFail")
        self.sent.append(decoded)
        self.block += 1
        status, output, logs = self.outcome
        deploy = decoded.data["to"] == ""
        receipt = {
            "blockNumber": self.block,
            "checksumContractAddress": "0x82A3c3289a9F234A38AcEED3016D1fF0E0F922B3" if deploy else "",
            "contractAddress": "0x82a3c3289a9f234a38aceed3016d1ff0e0f922b3" if deploy else "",
            "extraData": "",
            "from": decoded.sender.lower() if decoded.sender else "",
            "gasUsed": "24363",
            "hash": "0xf18d1984c7745a826e4b8d608b823534f1e44b273f75972e16cf2ac3ff313e14",
            "input": decoded.data["input"],
            "logEntries": logs,
            "message": "",
            "output": output,
            "status": status,
            "to": decoded.data["to"],
            "transactionHash": "0x" + decoded.hash.hex(),
            "version": 0,
        }
        self.receipts[receipt["transactionHash"]] = receipt
        return receipt

    def _receipt(self, params: list[Any]) -> dict[str, Any]:
        if params[2] not in self.receipts:
            raise RpcFailure(-32603, "transaction receipt not found")
        return self.receipts[params[2]]

    def _block(self, params: list[Any]) -> dict[str, Any]:
        number = params[2]
        hashes = [h for h, r in self.receipts.items() if r["blockNumber"] == number]
        return {
            "number": number,
            "timestamp": 1680598474810 + number * 1000,
            "transactions": hashes,
            "hash": "0x" + "11" * 32,
            "gasUsed": "0",
            "version": 50528256,
        }


# -- FISCO 2.x --------------------------------------------------------------------------------


@dataclass
class Fisco2Node(FakeNode):
    """A fake 2.x node: admits transactions to a pool and mines them after ``polls_before_mined``."""

    gm: bool = False
    chain_id: int = 1
    block: int = 0x1A
    polls_before_mined: int = 1
    sent: list[v2.DecodedTransaction] = field(default_factory=list)
    pending: dict[str, int] = field(default_factory=dict)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcome: tuple[str, str, list[dict[str, Any]]] = ("0x0", "0x", [])
    mine: bool = True

    def __post_init__(self) -> None:
        self.handlers.update(
            {
                "getClientVersion": lambda p: {
                    "Build Time": "20210201 10:03:03",
                    "Build Type": "Linux/clang/Release",
                    "Chain Id": str(self.chain_id),
                    "FISCO-BCOS Version": "2.11.0 gm" if self.gm else "2.11.0",
                    "Git Branch": "HEAD",
                    "Git Commit Hash": "4c8a5bbe44c19db8a002017ff9dbb16d3d28e9da",
                    "Supported Version": "2.11.0",
                },
                "getBlockNumber": lambda p: hex(self.block),
                "call": lambda p: {
                    "currentBlockNumber": hex(self.block),
                    "output": "0x" + "00" * 31 + "07",
                    "status": "0x0",
                },
                "sendRawTransaction": self._send,
                "getTransactionReceipt": self._receipt,
                "getBlockByNumber": self._block,
            }
        )

    def _send(self, params: list[Any]) -> str:
        if not isinstance(params[0], int):
            raise RpcFailure(-32602, "Invalid params: groupId must be an integer")
        decoded = v2.decode_transaction(params[1])
        if not self.block < decoded.fields["blockLimit"] <= self.block + 1000:
            raise RpcFailure(-32603, "BlockLimitCheckFailed")
        if any(d.fields["randomid"] == decoded.fields["randomid"] for d in self.sent):
            raise RpcFailure(-32603, "nonce check failed")
        self.sent.append(decoded)
        tx_hash = "0x" + decoded.hash.hex()
        self.pending[tx_hash] = self.polls_before_mined
        return tx_hash

    def _receipt(self, params: list[Any]) -> dict[str, Any] | None:
        tx_hash = params[1]
        if tx_hash in self.receipts:
            return self.receipts[tx_hash]
        if tx_hash not in self.pending or not self.mine:
            return None
        if self.pending[tx_hash] > 0:
            self.pending[tx_hash] -= 1
            return None
        decoded = next(d for d in self.sent if "0x" + d.hash.hex() == tx_hash)
        self.block += 1
        status, output, logs = self.outcome
        deploy = decoded.fields["to"] == ""
        receipt = {
            "blockHash": "0x977efec48c248ea4be87016446b40d7785d7b6c6ec7e9b6e2b0ab7bd8d7b8ef2",
            "blockNumber": hex(self.block),
            "contractAddress": "0x7029c502b4f824d19bd7921e9cb74ef92392fb1b" if deploy else "0x" + "00" * 20,
            "from": decoded.sender.lower(),
            "gasUsed": "0x8be5",
            "input": decoded.fields["data"],
            "logs": logs,
            "logsBloom": "0x" + "00" * 256,
            "output": output,
            "remainGas": "0x0",
            "root": "0x" + "00" * 32,
            "status": status,
            "statusMsg": "None" if status == "0x0" else "RevertInstruction",
            "to": decoded.fields["to"],
            "transactionHash": tx_hash,
            "transactionIndex": "0x0",
        }
        self.receipts[tx_hash] = receipt
        return receipt

    def _block(self, params: list[Any]) -> dict[str, Any]:
        number = int(params[1], 16)
        hashes = [h for h, r in self.receipts.items() if int(r["blockNumber"], 16) == number]
        return {
            "number": hex(number),
            "timestamp": hex(1680598474810 + number * 1000),
            "transactions": hashes,
        }
