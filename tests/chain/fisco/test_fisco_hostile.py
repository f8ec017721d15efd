"""A hostile FISCO node: thousands of malformed answers to the fisco3 and fisco2 backends, zero tracebacks.

Each conversation opens a backend and runs one operation (identity as ``ledger init`` asks it, block
number, a block's timestamp, a call, the code at an address, logs, a receipt, a send, a pipelined send)
while the node answers every request from a well-formed FISCO answer that a seeded generator breaks:
a field of the wrong type (a number for ``nodeList``, an object or a list for ``iniConfig`` ...), a field
missing, out-of-range or negative numbers, text that is not hex, deep nesting, an ``error`` object of
the wrong shape, an answer to another request, bytes that are not JSON. Every failure must be a
:class:`~ledger.errors.LedgerError` with a message; anything else is a traceback a user would see.

The answers reach the backends' readers through :class:`~ledger.chain.fisco.jsonrpc.JsonRpcClient`'s
transport (its ``_post`` is replaced), so JSON decoding, the envelope checks and every reader run as
against a node, without a socket per conversation. The generator is seeded: a failure names its seed.
"""

from __future__ import annotations

import json
import random
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from ledger.chain.base import Transaction
from ledger.chain.fisco import open_fisco
from ledger.chain.fisco.jsonrpc import JsonRpcClient
from ledger.crypto.keys import PrivateKey
from ledger.errors import LedgerError

CONVERSATIONS = 2500
ADDRESS = "0x" + "11" * 20
HASH = "0x" + "ab" * 32
WORD = "0x" + "00" * 31 + "07"
KEYS = {"ecdsa": PrivateKey(bytes.fromhex("5a" * 32)), "sm": PrivateKey(bytes.fromhex("5a" * 32), "sm")}


def _receipt3(tx_hash: str) -> dict[str, Any]:
    return {"blockNumber": 5, "contractAddress": "", "from": ADDRESS, "gasUsed": "21000", "message": "",
            "logEntries": [{"address": "11" * 20, "topics": ["0x" + "22" * 32], "data": "0x"}],
            "output": "0x", "status": 0, "transactionHash": tx_hash, "version": 0, "hash": HASH}


def _receipt2(tx_hash: str) -> dict[str, Any]:
    return {"blockNumber": "0x5", "contractAddress": "0x" + "00" * 20, "from": ADDRESS, "gasUsed": "0x5208",
            "logs": [{"address": ADDRESS, "topics": ["0x" + "22" * 32], "data": "0x"}], "output": "0x",
            "status": "0x0", "statusMsg": "None", "transactionHash": tx_hash, "transactionIndex": "0x0"}


def _good3(method: str, params: list[Any], sm: bool) -> Any:
    ini = {"chainID": "chain0", "groupID": "group0", "smCryptoType": sm, "binaryInfo": {"version": "3.16.4"}}
    if method == "sendTransaction":
        from ledger.chain.fisco.v3 import Transaction as TarsTransaction

        raw = bytes.fromhex(params[2][2:])
        return _receipt3("0x" + TarsTransaction.decode(raw).data_hash.hex())
    return {
        "getGroupInfo": {"chainID": "chain0", "groupID": "group0", "nodeList": [{"iniConfig": json.dumps(ini)}]},
        "getSystemConfigByKey": {"blockNumber": 1, "value": "20200"},
        "getBlockNumber": 5,
        "getBlockByNumber": {"number": 5, "timestamp": 1_700_000_000_000, "transactions": [HASH]},
        "call": {"blockNumber": 5, "output": WORD, "status": 0},
        "getCode": "0x6000",
        "getTransactionReceipt": _receipt3(HASH),
    }.get(method)


def _good2(method: str, params: list[Any], sm: bool) -> Any:
    if method == "sendRawTransaction":
        from ledger.chain.fisco.v2 import decode_transaction

        return "0x" + decode_transaction(params[1]).hash.hex()
    if method == "getTransactionReceipt":
        return _receipt2(params[1])
    return {
        "getClientVersion": {"Chain Id": "1", "FISCO-BCOS Version": "2.11.1 gm" if sm else "2.11.1"},
        "getBlockNumber": "0x5",
        "getBlockByNumber": {"number": "0x5", "timestamp": "0x18bcfe56800", "transactions": [HASH]},
        "call": {"currentBlockNumber": "0x5", "output": WORD, "status": "0x0"},
        "getCode": "0x6000",
    }.get(method)


_JUNK: list[Callable[[random.Random], Any]] = [
    lambda r: None,
    lambda r: r.choice([True, False]),
    lambda r: r.randint(-(2**70), 2**70),
    lambda r: -1,
    lambda r: 2**64,
    lambda r: r.random() * 1e30,
    lambda r: "",
    lambda r: "0x",
    lambda r: "0xzz",
    lambda r: "0x123",
    lambda r: "-0x5",
    lambda r: "0x" + "f" * r.choice([40, 64, 65, 200, 5000]),
    lambda r: "x" * r.choice([1, 100, 10_000]),
    lambda r: "{}",
    lambda r: '{"version": 5}',
    lambda r: "[1, 2]",
    lambda r: "\u0000\ud7ff",
    lambda r: [],
    lambda r: [r.choice([None, 1, "a", {}])],
    lambda r: {},
    lambda r: {"x": [1, {"y": None}]},
    lambda r: [[[[[[[[[[]]]]]]]]]],
]


def _mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """``value`` with one part replaced by junk (or a key dropped), chosen at random."""
    if depth > 6 or rng.random() < 0.25 or not isinstance(value, (dict, list)) or not value:
        return rng.choice(_JUNK)(rng)
    if isinstance(value, dict):
        out = dict(value)
        key = rng.choice(sorted(out))
        if rng.random() < 0.2:
            del out[key]
        else:
            out[key] = _mutate(out[key], rng, depth + 1)
        return out
    out_list = list(value)
    index = rng.randrange(len(out_list))
    out_list[index] = _mutate(out_list[index], rng, depth + 1)
    return out_list


def _envelope(request: dict[str, Any], result: Any, rng: random.Random) -> bytes:
    roll = rng.random()
    answer: Any = {"jsonrpc": "2.0", "id": request["id"], "result": result}
    if roll < 0.03:
        return rng.choice([b"", b"not json", b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b"null", b"42"])
    if roll < 0.06:
        answer = {"jsonrpc": "2.0", "id": request["id"],
                  "error": rng.choice([{"code": 10001, "message": "BlockLimitCheckFail"}, {"code": "x"}, "boom",
                                       {"code": -32603, "message": "TransactionAlreadyKown, txHash=1"}, [], 5])}
    elif roll < 0.08:
        answer = {"jsonrpc": "2.0", "id": rng.choice([None, "1", request["id"] + 1])}
    elif roll < 0.10:
        answer = [answer]
    return json.dumps(answer).encode()


_OPERATIONS: dict[str, Callable[[Any, PrivateKey], object]] = {
    "identity": lambda chain, key: (chain.identity(), chain.crypto),
    "block_number": lambda chain, key: chain.block_number(),
    "block_timestamp": lambda chain, key: chain.block_timestamp(3),
    "call": lambda chain, key: chain.call(ADDRESS, b"\x01\x02\x03\x04"),
    "get_code": lambda chain, key: chain.get_code(ADDRESS),
    "get_logs": lambda chain, key: chain.get_logs(4, 5, [ADDRESS]),
    "get_receipt": lambda chain, key: chain.get_receipt(bytes.fromhex(HASH[2:])),
    "send": lambda chain, key: chain.send(key, Transaction(ADDRESS, b"\x01\x02\x03\x04", 100_000), timeout=0.05),
    "deploy": lambda chain, key: chain.deploy(key, b"\x60\x00", gas=100_000, timeout=0.05, abi="[]"),
    "send_many": lambda chain, key: chain.send_many(key, [Transaction(ADDRESS, b"\x01", 100_000)] * 2, timeout=0.05),
}


@pytest.mark.parametrize("kind", ["fisco3", "fisco2"])
def test_thousands_of_malformed_answers_give_ledger_errors_never_tracebacks(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _good3 if kind == "fisco3" else _good2
    state: dict[str, Any] = {}

    def post(self: JsonRpcClient, url: str, body: bytes, timeout: float) -> bytes:
        request = json.loads(body)
        rng: random.Random = state["rng"]
        result = good(request["method"], request["params"], state["sm"])
        if request["method"] == "getGroupInfo" and rng.random() < 0.3:  # break the JSON text inside it too
            ini = json.loads(result["nodeList"][0]["iniConfig"])
            result["nodeList"][0]["iniConfig"] = json.dumps(_mutate(ini, rng))
        if rng.random() < state["mutate"]:
            result = _mutate(result, rng)
        return _envelope(request, result, rng) if rng.random() < 0.2 else json.dumps(
            {"jsonrpc": "2.0", "id": request["id"], "result": result}).encode()

    monkeypatch.setattr(JsonRpcClient, "_post", post)
    tracebacks: list[str] = []
    outcomes = {"ok": 0, "ledger_error": 0}
    for seed in range(CONVERSATIONS):
        rng = random.Random(f"{kind}-{seed}")
        crypto = rng.choice(["ecdsa", "sm"])
        state.update(rng=rng, sm=crypto == "sm", mutate=rng.choice([0.0, 0.3, 0.6, 1.0]))
        name = rng.choice(sorted(_OPERATIONS))
        options: dict[str, Any] = {"crypto": crypto} if rng.random() < 0.3 else {}
        if kind == "fisco2":
            options["poll_interval"] = 0.001
        try:
            chain = open_fisco(kind, "http://127.0.0.1:1", **options)
            _OPERATIONS[name](chain, KEYS[crypto])
            outcomes["ok"] += 1
        except LedgerError as exc:
            assert str(exc).strip(), f"seed {seed}: {type(exc).__name__} without a message"
            outcomes["ledger_error"] += 1
        except Exception:  # noqa: BLE001 - exactly what this test hunts
            tracebacks.append(f"seed {kind}-{seed} ({name}, {crypto}):\n{traceback.format_exc(limit=4)}")
    assert tracebacks == [], f"{len(tracebacks)} tracebacks, first:\n{tracebacks[0]}"
    # the generator must produce both outcomes, or the test proves nothing
    assert outcomes["ok"] > CONVERSATIONS // 10 and outcomes["ledger_error"] > CONVERSATIONS // 4, outcomes


@pytest.mark.parametrize("node_list", [5, [{"iniConfig": {"smCryptoType": "yes", "chainID": 1}}], [{"iniConfig": [1]}],
                                       "nodes", [{"iniConfig": "{not json"}]])
def test_ledger_init_against_a_malformed_group_info_says_what_is_wrong(
    node_list: Any, serve_node: Callable[..., Any], tmp_path: Any
) -> None:
    """The case fuzzing first found: ``getGroupInfo`` with ``nodeList`` a number, ``iniConfig`` an object or a
    list made ``ledger init --network fisco3`` print an AttributeError/TypeError traceback."""
    from click.testing import CliRunner
    from fisco_fake_node import FakeNode

    from ledger.cli import main

    node = serve_node(FakeNode(handlers={
        "getGroupInfo": lambda p: {"chainID": "chain0", "groupID": "group0", "nodeList": node_list},
        "getSystemConfigByKey": lambda p: {"blockNumber": 0, "value": "20200"},
        "getBlockNumber": lambda p: 1,
    }))
    result = CliRunner().invoke(
        main, ["init", "-w", str(tmp_path / "ws"), "--network", "fisco3", "--rpc-url", node.url, "--json"],
        env={"LEDGER_PASSWORD": "hostile-node-test"}, catch_exceptions=True,
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert "getGroupInfo" in error["message"] or "iniConfig" in error["message"] or "crypto" in error["message"]
    assert not (tmp_path / "ws").exists()  # nothing half-made
