"""The JSON-RPC client's handling of odd answers, the status tables and revert reasons."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fisco_fake_node import Fisco3Node

from ledger.chain.answers import parse_int
from ledger.chain.fisco import status
from ledger.chain.fisco.jsonrpc import JsonRpcClient, JsonRpcError, RequestTimeout
from ledger.chain.fisco.receipts import to_receipt
from ledger.chain.fisco.revert import revert_reason
from ledger.crypto.hashing import keccak256
from ledger.crypto.sm2 import sm3_hash
from ledger.errors import ChainError, ConfigError, InsufficientFunds, TransactionRejected


def _error_string(selector: bytes, text: bytes) -> bytes:
    body = (
        (32).to_bytes(32, "big")
        + len(text).to_bytes(32, "big")
        + text.ljust((len(text) + 31) // 32 * 32, b"\0")
    )
    return selector + body


def test_revert_reasons() -> None:
    for h in (keccak256, sm3_hash):
        assert revert_reason(_error_string(h(b"Error(string)")[:4], b"not authorised")) == "not authorised"
        assert revert_reason(h(b"Panic(uint256)")[:4] + (0x11).to_bytes(32, "big")) == "panic 0x11"
    custom = keccak256(b"NotAuthorized(address)")[:4] + bytes(32)
    assert revert_reason(custom) is None
    assert revert_reason(b"") is None and revert_reason(None) is None
    truncated = _error_string(keccak256(b"Error(string)")[:4], b"x" * 40)[:-40]  # cut into the text
    assert revert_reason(truncated) is None


def test_status_tables() -> None:
    assert status.lookup(3, 16).receipt_status == "reverted"
    assert status.lookup(2, 0x16).receipt_status == "reverted"
    assert status.lookup(2, 16).name == "BlockLimitCheckFail"  # the same number means other things
    assert status.lookup(3, 0).receipt_status == "ok"
    assert status.lookup(3, 12).receipt_status == "OutOfGas" and not status.lookup(3, 12).raises
    assert status.lookup(3, 99).name == "Status99"
    from ledger.chain.fisco.receipts import status_of
    from ledger.errors import ChainError

    assert status_of({"status": "0x16"}, 2).code == 22 and status_of({"status": 16}, 3).code == 16
    assert status_of({"status": "7"}, 3).code == 7
    for bad in (True, None, "0xzz", 2**40, "1" * 5000):
        with pytest.raises(ChainError):
            status_of({"status": bad}, 3)
    every = [(line, code) for line, table in status.TABLES.items() for code in table]
    for line, code in every:
        st = status.lookup(line, code)
        if st.raises:
            error = status.to_error(st, tx_hash="0x01", sender="0xabc")
            assert isinstance(error, (TransactionRejected, InsufficientFunds))
            if isinstance(error, TransactionRejected):
                assert error.code == code and error.tx_hash == "0x01"


def test_receipt_fields_in_both_formats() -> None:
    assert parse_int("24363", "gasUsed") == 24363 and parse_int("0x8be5", "gasUsed") == 0x8BE5
    with pytest.raises(ChainError):
        parse_int("lots", "gasUsed")
    with pytest.raises(ChainError):
        to_receipt({"status": 0, "transactionHash": "0xzz"}, 3)
    with pytest.raises(ChainError, match="20"):
        to_receipt({"status": 0, "contractAddress": "0x1234"}, 3)


def test_client_answers_that_are_not_json_rpc(fisco3_node: Fisco3Node) -> None:
    client = JsonRpcClient(fisco3_node.url)
    fisco3_node.raw_answers.append((200, b"<html>not json</html>"))
    with pytest.raises(ChainError, match="not JSON"):
        client.request("getBlockNumber", ["group0", ""])
    fisco3_node.raw_answers.append((200, b"[1, 2]"))
    with pytest.raises(ChainError, match="not an object"):
        client.request("getBlockNumber", ["group0", ""])
    fisco3_node.raw_answers.append((200, json.dumps({"jsonrpc": "2.0", "id": 999, "result": 1}).encode()))
    with pytest.raises(ChainError, match="expected"):
        client.request("getBlockNumber", ["group0", ""])
    fisco3_node.raw_answers.append((500, b"Internal Server Error"))
    with pytest.raises(ChainError, match="HTTP 500"):
        client.request("getBlockNumber", ["group0", ""])
    error = {
        "jsonrpc": "2.0",
        "id": 5,
        "error": {"code": -32005, "message": "GroupNotExist", "data": "group9"},
    }
    fisco3_node.raw_answers.append((500, json.dumps(error).encode()))
    with pytest.raises(JsonRpcError) as caught:
        client.request("getBlockNumber", ["group9", ""])
    assert caught.value.code == -32005 and caught.value.data == "group9"
    assert client.request("getBlockNumber", ["group0", ""]) == 8  # and the next answer is fine


def test_client_timeout_is_reported(fisco3_node: Fisco3Node) -> None:
    release: list[bool] = []

    def slow(params: list[Any]) -> Any:
        deadline = time.monotonic() + 2.0
        while not release and time.monotonic() < deadline:
            time.sleep(0.01)
        return 1

    fisco3_node.then("getBlockNumber", slow)
    client = JsonRpcClient(fisco3_node.url, timeout=0.2)
    with pytest.raises(RequestTimeout):
        client.request("getBlockNumber", ["group0", ""])
    release.append(True)


def test_client_configuration_errors() -> None:
    with pytest.raises(ConfigError):
        JsonRpcClient([])
    with pytest.raises(ConfigError, match="http"):
        JsonRpcClient("127.0.0.1:20200")
    with pytest.raises(ConfigError, match="sdk"):
        JsonRpcClient("https://127.0.0.1:20200")


def test_request_ids_are_integers_and_distinct(
    fisco3_node: Fisco3Node, serve_node: Callable[..., Any]
) -> None:
    client = JsonRpcClient(fisco3_node.url)
    for _ in range(3):
        client.request("getBlockNumber", ["group0", ""])
    ids = [r.id for r in fisco3_node.requests]
    assert ids == [1, 2, 3]
