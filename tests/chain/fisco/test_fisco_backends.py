"""The fisco3 and fisco2 backends against loopback fake nodes: request shapes, receipts, retries,
status and error mapping, TLS with the node's sdk certificates."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fisco_fake_node import Fisco2Node, Fisco3Node, RpcFailure

from ledger.chain.base import Receipt, Reverted, Transaction
from ledger.chain.fisco import open_fisco, v2, v3
from ledger.chain.fisco.fisco2 import Fisco2Chain
from ledger.chain.fisco.fisco3 import Fisco3Chain
from ledger.chain.fisco.jsonrpc import JsonRpcError
from ledger.crypto.hashing import keccak256, to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import (
    ChainIdMismatch,
    ConfigError,
    InsufficientFunds,
    NodeUnreachable,
    TransactionRejected,
    TransactionTimeout,
)

KEY = PrivateKey(bytes(range(1, 33)))
SM_KEY = PrivateKey(bytes(range(1, 33)), "sm")
TARGET = "0x7029C502b4F824d19Bd7921E9cb74Ef92392FB1b"
TOPIC = keccak256(b"Recorded(bytes32)")
ERROR_STRING = (
    bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + (4).to_bytes(32, "big") + b"nope".ljust(32, b"\0")
)


def _raise(code: int, message: str) -> Callable[[list[Any]], Any]:
    def handler(params: list[Any]) -> Any:
        raise RpcFailure(code, message)

    return handler


def _log_entry(address: str, with_prefix: bool) -> dict[str, Any]:
    addr = address.lower() if with_prefix else address.lower()[2:]
    return {"address": addr, "topics": ["0x" + TOPIC.hex(), "0x" + "00" * 31 + "01"], "data": "0x2a"}


# -- fisco3 ------------------------------------------------------------------------------------


def test_fisco3_identity_and_reads(fisco3_node: Fisco3Node) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    ident = chain.identity()
    assert ident.backend == "fisco3" and ident.crypto == "ecdsa" and ident.chain_id == 20200
    assert ident.extra["chainID"] == "chain0" and ident.extra["version"] == "3.16.4"
    assert chain.block_number() == 8
    assert chain.block_timestamp(8) == (1680598474810 + 8000) // 1000
    assert chain.call(TARGET, bytes.fromhex("6d4ce63c")) == (42).to_bytes(32, "big")
    info = fisco3_node.calls("getGroupInfo")[0]
    assert info.params == ["group0"] and isinstance(info.id, int)
    call = fisco3_node.calls("call")[0]
    assert call.params == ["group0", "", TARGET.lower(), "0x6d4ce63c"]
    assert fisco3_node.calls("getBlockNumber")[0].params == ["group0", ""]
    assert all(r.raw["jsonrpc"] == "2.0" and isinstance(r.id, int) for r in fisco3_node.requests)
    assert len({r.id for r in fisco3_node.requests}) == len(fisco3_node.requests)


def test_fisco3_reads_sm_mode_from_the_node(fisco3_sm_node: Fisco3Node) -> None:
    chain = Fisco3Chain(fisco3_sm_node.url)
    assert chain.crypto == "sm"
    receipt = chain.send(SM_KEY, Transaction(to=TARGET, data=b"\x01", gas=100_000))
    assert receipt.succeeded
    assert fisco3_sm_node.sent[0].crypto == "sm" and fisco3_sm_node.sent[0].sender == SM_KEY.address
    with pytest.raises(ConfigError, match="ecdsa key"):
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    with pytest.raises(ConfigError, match="SM chain"):
        Fisco3Chain(fisco3_sm_node.url, crypto="ecdsa").identity()


def test_fisco3_send_request_shape_and_receipt(fisco3_node: Fisco3Node) -> None:
    chain = Fisco3Chain([fisco3_node.url])
    fisco3_node.outcome = (0, "0x", [_log_entry(TARGET, with_prefix=False)])
    receipt = chain.send(KEY, Transaction(to=TARGET, data=b"\xaa\xbb", gas=100_000))
    request = fisco3_node.calls("sendTransaction")[0]
    group, node, raw_hex, proof = request.params
    assert (group, node, proof) == ("group0", "", False) and raw_hex.startswith("0x")
    sent = v3.decode_transaction(raw_hex)
    assert sent.data["blockLimit"] == 8 + 500 and sent.data["chainID"] == "chain0"
    assert sent.data["to"] == TARGET.lower() and sent.data["input"] == "0xaabb"
    assert sent.sender == KEY.address
    assert isinstance(receipt, Receipt) and receipt.status == "ok" and receipt.succeeded
    assert receipt.gas_used == 24363 and receipt.block_number == 9
    assert receipt.tx_hash == sent.hash and receipt.sender == KEY.address
    assert receipt.contract_address is None and receipt.revert_data is None
    (log,) = receipt.logs
    assert log.address == to_checksum_address(bytes.fromhex(TARGET[2:])) and log.topics[0] == TOPIC
    assert log.data == b"\x2a" and log.tx_hash == sent.hash
    # a second transaction gets a fresh nonce
    chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert fisco3_node.sent[0].data["nonce"] != fisco3_node.sent[1].data["nonce"]


def test_fisco3_deploy_revert_and_logs(fisco3_node: Fisco3Node) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    deployed = chain.deploy(KEY, b"\x60\x80", gas=1_000_000)
    assert fisco3_node.sent[0].data["to"] == ""
    # EIP-55 (keccak) casing, whatever checksum the node used (the doc example's is SM3-based)
    assert deployed.contract_address == to_checksum_address(
        bytes.fromhex("82a3c3289a9f234a38aceed3016d1ff0e0f922b3")
    )
    fisco3_node.outcome = (16, "0x" + ERROR_STRING.hex(), [])
    reverted = chain.send(KEY, Transaction(to=TARGET, data=b"\x01", gas=1))
    assert reverted.status == "reverted" and not reverted.succeeded and reverted.revert_data == ERROR_STRING
    fisco3_node.outcome = (12, "0x", [])
    assert chain.send(KEY, Transaction(to=TARGET, data=b"\x01", gas=1)).status == "OutOfGas"
    fisco3_node.outcome = (0, "0x", [_log_entry(TARGET, False), _log_entry("0x" + "11" * 20, False)])
    chain.send(KEY, Transaction(to=TARGET, data=b"\x02", gas=1))
    logs = chain.get_logs(0, chain.block_number(), [TARGET])
    assert len(logs) == 1 and logs[0].block_number == 12 and logs[0].log_index == 0
    assert chain.get_logs(0, 12, [TARGET], [None, b"\x00" * 32]) == []
    assert len(chain.get_logs(12, 12, [], [TOPIC])) == 2
    receipt = chain.get_receipt(logs[0].tx_hash)
    assert receipt is not None and receipt.block_number == 12
    assert chain.get_receipt(b"\x99" * 32) is None


def test_fisco3_call_revert_and_status(fisco3_node: Fisco3Node) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    fisco3_node.then("call", lambda p: {"blockNumber": 8, "output": "0x" + ERROR_STRING.hex(), "status": 16})
    with pytest.raises(Reverted) as caught:
        chain.call(TARGET, b"\x01")
    assert caught.value.data == ERROR_STRING
    fisco3_node.then("call", lambda p: {"blockNumber": 8, "output": "0x", "status": 18})
    with pytest.raises(TransactionRejected, match="PermissionDenied") as rejected:
        chain.call(TARGET, b"\x01")
    assert rejected.value.code == 18


def test_fisco3_block_limit_retry(fisco3_node: Fisco3Node) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    # the node says block 8 first, then moves on to 2000 before the transaction arrives
    fisco3_node.then("getBlockNumber", lambda p: 8)
    fisco3_node.block = 2000
    receipt = chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert receipt.succeeded
    limits = [
        v3.decode_transaction(r.params[2]).data["blockLimit"] for r in fisco3_node.calls("sendTransaction")
    ]
    assert limits == [508, 2500]
    # a second block-limit failure is not retried again
    fisco3_node.then("sendTransaction", _raise(10001, "BlockLimitCheckFail"))
    fisco3_node.then("sendTransaction", _raise(10001, "BlockLimitCheckFail"))
    with pytest.raises(TransactionRejected) as caught:
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert caught.value.code == 10001 and caught.value.reason.startswith("BlockLimitCheckFail")
    assert len(fisco3_node.calls("sendTransaction")) == 4


@pytest.mark.parametrize(
    ("code", "error", "name"),
    [
        (10000, TransactionRejected, "NonceCheckFail"),
        (10006, TransactionRejected, "InvalidChainId"),
        (10008, TransactionRejected, "InvalidSignature"),
        (10015, InsufficientFunds, "InsufficientFunds"),
    ],
)
def test_fisco3_rejections_map_to_named_errors(
    fisco3_node: Fisco3Node, code: int, error: type, name: str
) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    fisco3_node.then("sendTransaction", _raise(code, name))
    with pytest.raises(error, match=name) as caught:
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    if isinstance(caught.value, TransactionRejected):
        assert caught.value.code == code and caught.value.tx_hash


def test_fisco3_status_classes_in_receipts(fisco3_node: Fisco3Node) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    fisco3_node.outcome = (18, "0x", [])
    with pytest.raises(TransactionRejected, match="PermissionDenied") as caught:
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert caught.value.hint and "governance" in caught.value.hint
    fisco3_node.outcome = (7, "0x", [])
    with pytest.raises(InsufficientFunds):
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))


def test_fisco3_json_rpc_errors_and_failover(fisco3_node: Fisco3Node, serve_node: Callable[..., Any]) -> None:
    chain = Fisco3Chain(fisco3_node.url)
    fisco3_node.then("getBlockNumber", _raise(-32602, "Invalid params"))
    with pytest.raises(JsonRpcError) as caught:
        chain.block_number()
    assert caught.value.code == -32602 and caught.value.method == "getBlockNumber"
    # the first URL refuses connections: the second answers
    dead = "http://127.0.0.1:9"
    chain = Fisco3Chain([dead, fisco3_node.url])
    assert chain.block_number() == 8
    with pytest.raises(NodeUnreachable) as unreachable:
        Fisco3Chain([dead]).block_number()
    assert unreachable.value.urls == [dead]
    other = serve_node(Fisco3Node())
    other.handlers["getGroupInfo"] = lambda p: {"chainID": "chain7", "groupID": "group0", "nodeList": []}
    with pytest.raises(ChainIdMismatch):
        Fisco3Chain(other.url, chain_id="chain0").identity()


def _make_certs(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA plus one leaf certificate signed by it, written as PEM: (ca.crt, leaf.crt, leaf.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def cert(subject: str, key: Any, issuer: str, issuer_key: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = f"{name} chain CA"
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "ca.crt", directory / f"{name}.crt", directory / f"{name}.key")
    paths[0].write_bytes(
        cert(ca_name, ca_key, ca_name, ca_key, True).public_bytes(serialization.Encoding.PEM)
    )
    paths[1].write_bytes(
        cert(name, leaf_key, ca_name, ca_key, False).public_bytes(serialization.Encoding.PEM)
    )
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    # the client (sdk) certificate is signed by the same CA
    sdk_key = ec.generate_private_key(ec.SECP256R1())
    (directory / "sdk.crt").write_bytes(
        cert("sdk", sdk_key, ca_name, ca_key, False).public_bytes(serialization.Encoding.PEM)
    )
    (directory / "sdk.key").write_bytes(
        sdk_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def test_fisco3_https_with_sdk_certificates(tmp_path: Path, serve_node: Callable[..., Any]) -> None:
    ca, node_crt, node_key = _make_certs(tmp_path / "chain", "node")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(node_crt, node_key)
    server.verify_mode = ssl.CERT_REQUIRED  # FISCO's RPC demands a client certificate
    server.load_verify_locations(ca)
    node = serve_node(Fisco3Node(), ssl_context=server)
    assert node.url.startswith("https://")

    chain = Fisco3Chain(node.url, sdk_certs=tmp_path / "chain")
    assert chain.block_number() == 8
    assert chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1)).succeeded

    # a directory from another chain: its CA does not vouch for this node
    _make_certs(tmp_path / "other", "node")
    with pytest.raises(NodeUnreachable):
        Fisco3Chain(node.url, sdk_certs=tmp_path / "other").block_number()
    with pytest.raises(ConfigError, match="sdk.key"):
        (tmp_path / "partial").mkdir()
        (tmp_path / "partial" / "ca.crt").write_bytes(ca.read_bytes())
        (tmp_path / "partial" / "sdk.crt").write_bytes(b"")
        Fisco3Chain(node.url, sdk_certs=tmp_path / "partial")
    with pytest.raises(ConfigError, match="no sdk certificates"):
        Fisco3Chain(node.url)


# -- fisco2 ------------------------------------------------------------------------------------


def test_fisco2_identity_and_reads(fisco2_node: Fisco2Node) -> None:
    chain = Fisco2Chain(fisco2_node.url)
    ident = chain.identity()
    assert (ident.backend, ident.chain_id, ident.crypto) == ("fisco2", 1, "ecdsa")
    assert chain.block_number() == 0x1A
    assert chain.call(TARGET, b"\x01\x02") == (7).to_bytes(32, "big")
    call = fisco2_node.calls("call")[0]
    assert call.params == [
        1,
        {"from": "0x" + "00" * 20, "to": TARGET.lower(), "value": "0x0", "data": "0x0102"},
    ]
    chain.call(TARGET, b"", sender=KEY.address)
    assert fisco2_node.calls("call")[1].params[1]["from"] == KEY.address.lower()
    assert fisco2_node.calls("getBlockNumber")[0].params == [1]
    assert fisco2_node.calls("getClientVersion")[0].params == []
    assert all(isinstance(r.id, int) for r in fisco2_node.requests)
    fisco2_node.chain_id = 5
    with pytest.raises(ChainIdMismatch):
        Fisco2Chain(fisco2_node.url).identity()


def test_fisco2_send_polls_the_receipt(fisco2_node: Fisco2Node) -> None:
    fisco2_node.polls_before_mined = 3
    fisco2_node.outcome = ("0x0", "0x", [_log_entry(TARGET, with_prefix=True)])
    chain = Fisco2Chain(fisco2_node.url)
    receipt = chain.send(KEY, Transaction(to=TARGET, data=b"\x05", gas=300_000))
    (request,) = fisco2_node.calls("sendRawTransaction")
    assert request.params[0] == 1 and isinstance(request.params[0], int)
    sent = v2.decode_transaction(request.params[1])
    assert sent.fields["blockLimit"] == 0x1A + 500 and sent.fields["groupId"] == 1
    assert sent.fields["fiscoChainId"] == 1 and sent.fields["gasLimit"] == 300_000
    assert sent.sender == KEY.address and sent.v in (27, 28)
    assert len(fisco2_node.calls("getTransactionReceipt")) == 4  # three nulls, then the receipt
    assert receipt.succeeded and receipt.gas_used == 0x8BE5 and receipt.block_number == 0x1B
    assert receipt.tx_hash == sent.hash and receipt.contract_address is None
    assert receipt.logs[0].topics[0] == TOPIC
    chain.send(KEY, Transaction(to=TARGET, data=b"\x05", gas=300_000))
    assert fisco2_node.sent[0].fields["randomid"] != fisco2_node.sent[1].fields["randomid"]
    logs = chain.get_logs(0, chain.block_number(), [TARGET])
    assert [log.block_number for log in logs] == [0x1B, 0x1C]
    assert chain.block_timestamp(0x1B) == (1680598474810 + 0x1B * 1000) // 1000


def test_fisco2_revert_deploy_and_sm(fisco2_node: Fisco2Node, serve_node: Callable[..., Any]) -> None:
    chain = Fisco2Chain(fisco2_node.url)
    fisco2_node.outcome = ("0x16", "0x" + ERROR_STRING.hex(), [])
    receipt = chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert receipt.status == "reverted" and receipt.revert_data == ERROR_STRING
    fisco2_node.outcome = ("0x0", "0x", [])
    deployed = chain.deploy(KEY, b"\x60\x80", gas=1)
    assert fisco2_node.sent[-1].fields["to"] == "" and deployed.contract_address == to_checksum_address(
        bytes.fromhex(TARGET[2:])
    )
    gm = serve_node(Fisco2Node(gm=True))
    sm_chain = Fisco2Chain(gm.url)
    assert sm_chain.identity().crypto == "sm"
    assert sm_chain.send(SM_KEY, Transaction(to=TARGET, data=b"", gas=1)).succeeded
    assert gm.sent[0].crypto == "sm" and gm.sent[0].v == SM_KEY.public_key
    fisco2_node.then(
        "call", lambda p: {"currentBlockNumber": "0x1", "output": "0x" + ERROR_STRING.hex(), "status": "0x16"}
    )
    with pytest.raises(Reverted):
        chain.call(TARGET, b"")


def test_fisco2_block_limit_retry_and_rejections(fisco2_node: Fisco2Node) -> None:
    chain = Fisco2Chain(fisco2_node.url)
    fisco2_node.then("getBlockNumber", lambda p: "0x1")
    fisco2_node.block = 5000
    assert chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1)).succeeded
    limits = [
        v2.decode_transaction(r.params[1]).fields["blockLimit"]
        for r in fisco2_node.calls("sendRawTransaction")
    ]
    assert limits == [501, 5500]
    fisco2_node.then("sendRawTransaction", _raise(-32603, "nonce check failed"))
    with pytest.raises(TransactionRejected) as caught:
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert caught.value.code == 15 and "NonceCheckFail" in str(caught.value) and caught.value.hint
    fisco2_node.then("sendRawTransaction", _raise(-32603, "InvalidChainId"))
    with pytest.raises(TransactionRejected, match="InvalidChainId"):
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    fisco2_node.then("sendRawTransaction", _raise(-40001, "GroupID does not exist"))
    with pytest.raises(JsonRpcError) as other:
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1))
    assert other.value.code == -40001


def test_fisco2_timeout_and_pipelining(fisco2_node: Fisco2Node) -> None:
    chain = Fisco2Chain(fisco2_node.url)
    fisco2_node.mine = False
    with pytest.raises(TransactionTimeout):
        chain.send(KEY, Transaction(to=TARGET, data=b"", gas=1), timeout=0.3)
    fisco2_node.mine = True
    fisco2_node.requests.clear()
    receipts = chain.send_many(KEY, [Transaction(to=TARGET, data=bytes([i]), gas=1) for i in range(3)])
    assert [r.succeeded for r in receipts] == [True, True, True]
    methods = [r.method for r in fisco2_node.requests if r.method != "getBlockNumber"]
    assert methods[:3] == ["sendRawTransaction"] * 3  # all submitted before any receipt is polled
    assert set(methods[3:]) == {"getTransactionReceipt"}
    assert [r.tx_hash for r in receipts] == [d.hash for d in fisco2_node.sent[-3:]]


def test_open_fisco(fisco3_node: Fisco3Node, fisco2_node: Fisco2Node) -> None:
    three = open_fisco("fisco3", fisco3_node.url, group="group0", crypto=None, sdk_certs=None)
    assert isinstance(three, Fisco3Chain) and three.block_number() == 8
    two = open_fisco("fisco2", [fisco2_node.url], group_id=1, chain_id=1)
    assert isinstance(two, Fisco2Chain) and two.block_number() == 0x1A
    with pytest.raises(ConfigError, match="unknown FISCO backend"):
        open_fisco("fisco4", fisco3_node.url)
    with pytest.raises(ConfigError, match="bad option"):
        open_fisco("fisco2", fisco2_node.url, group="group0")
    with pytest.raises(ConfigError, match="http"):
        open_fisco("fisco3", "ftp://127.0.0.1")


@pytest.mark.parametrize(
    ("receipt_status", "outcome"),
    [
        ("0x0", "ok"),
        ("0x16", "reverted"),
        ("0xc", "OutOfGas"),
        ("0x1", "Unknown"),
        ("0x12", TransactionRejected),  # NoDeployPermission
        ("0x1f", TransactionRejected),  # AccountFrozen
        ("0x10", TransactionRejected),  # BlockLimitCheckFail in a receipt: retried once, then raised
        ("0x7", InsufficientFunds),  # NotEnoughCash
    ],
)
def test_fisco2_every_status_class(fisco2_node: Fisco2Node, receipt_status: str, outcome: Any) -> None:
    fisco2_node.outcome = (receipt_status, "0x", [])
    chain = Fisco2Chain(fisco2_node.url)
    tx = Transaction(to=TARGET, data=b"", gas=1)
    if isinstance(outcome, str):
        assert chain.send(KEY, tx).status == outcome
        return
    with pytest.raises(outcome) as caught:
        chain.send(KEY, tx)
    if isinstance(caught.value, TransactionRejected):
        assert caught.value.code == int(receipt_status, 16)
    expected_sends = 2 if receipt_status == "0x10" else 1
    assert len(fisco2_node.calls("sendRawTransaction")) == expected_sends
