"""A hostile node: every malformed answer is a clear error naming the node or the contract, never a traceback.

The node (a tiny ``http.server`` on 127.0.0.1) serves the right chain id, then answers each method
with what the test sets: bad hex, wrong types, missing fields, values out of range. Reads of the
``rpc`` backend raise :class:`~ledger.chain.rpc.MalformedAnswer` ("malformed answer from <url>: ..."),
the contract facades :class:`~ledger.contracts.abi.UndecodableAnswer` ("is there a contract at <address>?"),
event decoding :class:`~ledger.contracts.abi.UndecodableEvent`; the index sync skips such a log and records it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ledger import types
from ledger.chain.base import Log, Transaction
from ledger.chain.rpc import MalformedAnswer, RpcChain
from ledger.config import Deployment
from ledger.contracts.abi import UndecodableAnswer, UndecodableEvent, contract_abi
from ledger.contracts.abi import decode_events as abi_decode_events
from ledger.contracts.contribution_ledger import ContributionLedger
from ledger.contracts.credential_registry import CredentialRegistry
from ledger.contracts.issuer_registry import IssuerRegistry
from ledger.crypto.keys import PrivateKey
from ledger.errors import ChainError, ContractError
from ledger.index import Index
from ledger.index.decode import decode_events as index_decode_events
from tests.chain.loopback import LoopbackNode

ADDRESS = "0x" + "11" * 20
OTHER = "0x" + "22" * 20
TX_HASH = "0x" + "ab" * 32
SENDER = PrivateKey(bytes.fromhex("5a" * 32))


def word(n: int) -> str:
    return n.to_bytes(32, "big").hex()


class _NodeRefusal(Exception):
    """Raised by an answer function: the node answers with a JSON-RPC error of this message."""


class HostileNode(LoopbackNode):
    """Answers ``eth_chainId`` (1337) and ``web3_clientVersion`` truthfully, anything else from
    :attr:`answers` (a value, or a function of the request's params); an unset method answers null."""

    def __init__(self, client: str = "hostile/1.0") -> None:
        self.answers: dict[str, Any] = {}
        self.client = client
        self.raw: bytes | None = None  # when set: the whole HTTP body of every answer but eth_chainId's
        super().__init__()

    def body(self, request: Any, answer: Any) -> bytes:
        chain_id = isinstance(request, dict) and request.get("method") == "eth_chainId"
        return self.raw if self.raw is not None and not chain_id else super().body(request, answer)

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        method, params = request["method"], request.get("params") or []
        if method == "eth_chainId":
            result: Any = "0x539"
        elif method == "web3_clientVersion":
            result = self.client
        else:
            result = self.answers.get(method)
            if callable(result):
                try:
                    result = result(params)
                except _NodeRefusal as refusal:
                    return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32003, "message": str(refusal)}}
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}


@pytest.fixture(scope="module")
def shared_node() -> Iterator[HostileNode]:
    hostile = HostileNode()
    try:
        yield hostile
    finally:
        hostile.close()


@pytest.fixture
def node(shared_node: HostileNode) -> HostileNode:
    shared_node.answers.clear()
    shared_node.raw = None
    return shared_node


@pytest.fixture
def chain(node: HostileNode) -> Iterator[RpcChain]:
    backend = RpcChain([node.url], timeout=5, poll_interval=0.01)
    try:
        yield backend
    finally:
        backend.close()


def good_log(**changes: Any) -> dict[str, Any]:
    """A well-formed ``eth_getLogs`` item (a MemberAdded of OTHER at block 3), with ``changes``."""
    topic = next(t for t, e in contract_abi("Committee").events.items() if e.name == "MemberAdded")
    item = {
        "address": ADDRESS,
        "topics": ["0x" + topic.hex(), "0x" + word(int(OTHER, 16))],
        "data": "0x",
        "blockNumber": "0x3",
        "transactionHash": TX_HASH,
        "logIndex": "0x0",
    }
    item.update(changes)
    return item


def test_a_sound_answer_is_read(node: HostileNode, chain: RpcChain) -> None:
    # The reference point for the malformed cases below: the same fields, well formed.
    node.answers.update({"eth_blockNumber": "0x10", "eth_getLogs": [good_log()],
                         "eth_getBlockByNumber": {"timestamp": "0x5f5e100"}, "eth_call": "0x" + word(7)})
    assert chain.block_number() == 16
    assert chain.block_timestamp(3) == 100_000_000
    assert chain.call(ADDRESS, b"\0" * 4) == bytes.fromhex(word(7))
    (log,) = chain.get_logs(0, 16, [ADDRESS])
    assert (log.block_number, log.log_index, log.tx_hash.hex()) == (3, 0, "ab" * 32)
    assert log.topics[1][-20:] == bytes.fromhex("22" * 20)


READS: list[tuple[str, str, Any, Callable[[RpcChain], object], str]] = [
    ("block number null", "eth_blockNumber", None, lambda c: c.block_number(), "the block number"),
    ("block number bad hex", "eth_blockNumber", "0xzz", lambda c: c.block_number(), "not an integer"),
    ("block number negative", "eth_blockNumber", "-0x1", lambda c: c.block_number(), "not an integer"),
    ("block number a list", "eth_blockNumber", [1], lambda c: c.block_number(), "the block number"),
    ("block number a bool", "eth_blockNumber", True, lambda c: c.block_number(), "the block number"),
    ("block number huge", "eth_blockNumber", "0x" + "f" * 20, lambda c: c.block_number(), "out of range"),
    ("block not an object", "eth_getBlockByNumber", "str", lambda c: c.block_timestamp(1), "not an object"),
    ("timestamp null", "eth_getBlockByNumber", {"timestamp": None}, lambda c: c.block_timestamp(1),
     "timestamp"),
    ("timestamp bad hex", "eth_getBlockByNumber", {"timestamp": "0xg"}, lambda c: c.block_timestamp(1),
     "timestamp"),
    ("call result bad hex", "eth_call", "0xzz", lambda c: c.call(ADDRESS, b"\0" * 4), "not hex"),
    ("call result odd length", "eth_call", "0x123", lambda c: c.call(ADDRESS, b"\0" * 4), "not hex"),
    ("call result a number", "eth_call", 7, lambda c: c.call(ADDRESS, b"\0" * 4), "not hex text"),
    ("call result an object", "eth_call", {"x": 1}, lambda c: c.call(ADDRESS, b"\0" * 4), "not hex text"),
    ("logs not a list", "eth_getLogs", "x", lambda c: c.get_logs(0, 1, [ADDRESS]), "not a list"),
    ("log not an object", "eth_getLogs", [5], lambda c: c.get_logs(0, 1, [ADDRESS]), "a log is not an object"),
    ("log address a number", "eth_getLogs", [good_log(address=5)], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "address"),
    ("log address short", "eth_getLogs", [good_log(address="0x1234")], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "expected 20"),
    ("log without address", "eth_getLogs", [good_log(address=None)], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "no address"),
    ("log without blockNumber", "eth_getLogs", [good_log(blockNumber=None)],
     lambda c: c.get_logs(0, 1, [ADDRESS]), "blockNumber"),
    ("log topics not a list", "eth_getLogs", [good_log(topics="0x00")], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "topics is not a list"),
    ("log topic short", "eth_getLogs", [good_log(topics=["0x00"])], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "expected 32"),
    ("log data bad hex", "eth_getLogs", [good_log(data="0xqq")], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "data"),
    ("log transactionHash short", "eth_getLogs", [good_log(transactionHash="0x12")],
     lambda c: c.get_logs(0, 1, [ADDRESS]), "transactionHash has 1 bytes"),
    ("log index negative", "eth_getLogs", [good_log(logIndex=-1)], lambda c: c.get_logs(0, 1, [ADDRESS]),
     "logIndex -1 is out of range"),
]


@pytest.mark.parametrize(("method", "answer", "read", "what"), [c[1:] for c in READS], ids=[c[0] for c in READS])
def test_a_malformed_field_is_a_malformed_answer_naming_the_node(
    node: HostileNode, chain: RpcChain, method: str, answer: Any, read: Callable[[RpcChain], object], what: str
) -> None:
    node.answers[method] = answer
    with pytest.raises(MalformedAnswer) as caught:
        read(chain)
    error = caught.value
    assert isinstance(error, ChainError)
    assert str(error).startswith(f"malformed answer from {node.url}: ")
    assert what in error.what
    assert error.url == node.url


def _sending_node(node: HostileNode, receipt: Any) -> None:
    node.answers.update({
        "eth_gasPrice": "0x0",
        "eth_getBlockByNumber": {"timestamp": "0x1"},
        "eth_getTransactionCount": "0x0",
        "eth_sendRawTransaction": TX_HASH,
        "eth_getTransactionReceipt": receipt,
    })  # fmt: skip


def sound_receipt(**changes: Any) -> Callable[[list[Any]], dict[str, Any]]:
    def make(params: list[Any]) -> dict[str, Any]:
        item = {"transactionHash": params[0], "blockNumber": "0x5", "status": "0x1", "gasUsed": "0x5208",
                "contractAddress": None, "from": SENDER.address, "logs": [good_log()]}
        item.update(changes)
        return item

    return make


def test_a_sound_receipt_is_read(node: HostileNode, chain: RpcChain) -> None:
    _sending_node(node, sound_receipt())
    receipt = chain.send(SENDER, Transaction(to=OTHER, data=b"", gas=21_000), timeout=5)
    assert (receipt.status, receipt.block_number, receipt.gas_used, len(receipt.logs)) == ("ok", 5, 21_000, 1)


RECEIPTS: list[tuple[str, Any, str]] = [
    ("not an object", "str", "a receipt is not an object"),
    ("status bad hex", sound_receipt(status="0xzz"), "status"),
    ("blockNumber missing", sound_receipt(blockNumber=None), "blockNumber"),
    ("transactionHash short", sound_receipt(transactionHash="0x1234"), "transactionHash has 2 bytes"),
    ("gasUsed a list", sound_receipt(gasUsed=[1]), "gasUsed"),
    ("logs not a list", sound_receipt(logs="x"), "logs is not a list"),
    ("a log without fields", sound_receipt(logs=[{"address": ADDRESS}]), "blockNumber"),
    ("from a number", sound_receipt(**{"from": 5}), "from"),
    ("contractAddress short", sound_receipt(contractAddress="0x12"), "contractAddress"),
]


@pytest.mark.parametrize(("receipt", "what"), [c[1:] for c in RECEIPTS], ids=[c[0] for c in RECEIPTS])
def test_a_malformed_receipt_is_a_malformed_answer(node: HostileNode, chain: RpcChain, receipt: Any,
                                                   what: str) -> None:
    _sending_node(node, receipt)
    with pytest.raises(MalformedAnswer, match=f"^malformed answer from {node.url}: ") as caught:
        chain.send(SENDER, Transaction(to=OTHER, data=b"", gas=21_000), timeout=5)
    assert what in caught.value.what


@pytest.mark.parametrize(("method", "answer"), [("eth_getTransactionCount", "zz"), ("eth_gasPrice", None)])
def test_a_malformed_nonce_or_gas_price_is_a_malformed_answer(node: HostileNode, chain: RpcChain, method: str,
                                                              answer: Any) -> None:
    _sending_node(node, sound_receipt())
    node.answers[method] = answer
    with pytest.raises(MalformedAnswer, match=f"^malformed answer from {node.url}: "):
        chain.send(SENDER, Transaction(to=OTHER, data=b"", gas=21_000), timeout=5)


def test_a_malformed_balance_on_a_dev_node_is_a_malformed_answer() -> None:
    dev = HostileNode(client="anvil/v1.7.1")
    try:
        backend = RpcChain([dev.url], timeout=5)
        dev.answers["eth_getBalance"] = "0xnothex"
        with pytest.raises(MalformedAnswer, match="the balance"):
            backend.fund(OTHER, 1)
        backend.close()
    finally:
        dev.close()


# -- contract answers -------------------------------------------------------------------------------

FACADE_READS: list[tuple[str, str, Callable[[IssuerRegistry], object], str, str]] = [
    ("empty: no contract", "0x", lambda r: r.organisation_of(ADDRESS), "organisationOf", "no data (0 bytes)"),
    ("short", "0x" + "00" * 5, lambda r: r.organisation_of(ADDRESS), "organisationOf", "5 bytes that are not (uint32)"),
    ("uint32 overflow", "0x" + word(2**40), lambda r: r.organisation_of(ADDRESS), "organisationOf", "NonEmptyPaddingBytes"),
    ("enum out of range", "0x" + word(9), lambda r: r.status_at(ADDRESS, 1), "statusAt",
     "an enum value out of range"),
    ("enum out of range in a tuple", "0x" + word(1) + word(1) + word(9), lambda r: r.writer(ADDRESS), "writer",
     "an enum value out of range"),
    ("string offset past the end", "0x" + word(2**200) + word(0), lambda r: r.version(), "version",
     "64 bytes that are not (string)"),
    ("array length past the end", "0x" + word(32) + word(2**64), lambda r: r.compromised_since_of([1]),
     "compromisedSinceOf", "64 bytes that are not (uint64[])"),
]


@pytest.mark.parametrize(("answer", "read", "function", "what"), [c[1:] for c in FACADE_READS],
                         ids=[c[0] for c in FACADE_READS])
def test_an_undecodable_call_answer_names_the_function_and_the_address(
    node: HostileNode, chain: RpcChain, answer: str, read: Callable[[IssuerRegistry], object], function: str,
    what: str,
) -> None:
    node.answers["eth_call"] = answer
    with pytest.raises(UndecodableAnswer) as caught:
        read(IssuerRegistry(chain, ADDRESS))
    error = caught.value
    assert isinstance(error, ContractError)
    assert (error.contract, error.function, error.address) == ("IssuerRegistry", function, ADDRESS)
    assert what in error.detail
    assert str(error).startswith(f"IssuerRegistry.{function}() at {ADDRESS} answered ")
    assert str(error).endswith(f"is there a contract at {ADDRESS}? check the workspace's config")
    assert error.hint is not None and "config.toml" in error.hint


def test_every_facade_names_its_own_contract(node: HostileNode, chain: RpcChain) -> None:
    node.answers["eth_call"] = "0x"
    with pytest.raises(UndecodableAnswer, match=r"^CredentialRegistry\.typeIds\(\) at "):
        CredentialRegistry(chain, ADDRESS).type_ids()
    with pytest.raises(UndecodableAnswer, match=r"^ContributionLedger\.recorderOf\(\) at "):
        ContributionLedger(chain, ADDRESS).recorder_of(b"\1" * 32)


def test_a_sound_call_answer_still_decodes(node: HostileNode, chain: RpcChain) -> None:
    node.answers["eth_call"] = "0x" + word(int(types.IssuerStatus.SUSPENDED))
    assert IssuerRegistry(chain, ADDRESS).status_at(ADDRESS, 1) is types.IssuerStatus.SUSPENDED


# -- events ------------------------------------------------------------------------------------------


def _topic(name: str) -> bytes:
    return next(t for c in ("Committee", "IssuerRegistry", "CredentialRegistry", "ContributionLedger")
                for t, e in contract_abi(c).events.items() if e.name == name)


def _log(topics: tuple[bytes, ...], data: bytes, block: int = 3, index: int = 1) -> Log:
    return Log(address=ADDRESS, topics=topics, data=data, block_number=block, tx_hash=b"\x07" * 32,
               log_index=index)


BAD_LOGS: list[tuple[str, Log, str]] = [
    ("data too short", _log((_topic("ThresholdChanged"),), b"\x01\x02"), "ThresholdChanged"),
    ("indexed topic missing", _log((_topic("IssuerStatusChanged"),), bytes.fromhex(word(1) + word(2))),
     "IssuerStatusChanged"),
    ("topic of 2 bytes", _log((_topic("MemberAdded"), b"\x01\x02"), b""), "MemberAdded"),
    ("enum out of range", _log((_topic("IssuerStatusChanged"), b"\0" * 32, b"\0" * 32),
                               bytes.fromhex(word(99) + word(2))), "IssuerStatusChanged"),
    ("array past the data", _log((_topic("IssuerScopeChanged"), b"\0" * 32, b"\0" * 32),
                                 bytes.fromhex(word(64) + word(1) + word(2**40))), "IssuerScopeChanged"),
]


@pytest.mark.parametrize(("log", "event"), [c[1:] for c in BAD_LOGS], ids=[c[0] for c in BAD_LOGS])
def test_a_log_with_our_topic_that_does_not_decode_is_undecodable_event(log: Log, event: str) -> None:
    with pytest.raises(UndecodableEvent) as caught:
        abi_decode_events([log])
    error = caught.value
    assert (error.event, error.address, error.block_number, error.log_index) == (event, ADDRESS, 3, 1)
    assert f"the log at block 3, index 1 from {ADDRESS} has the topic of {event}" in str(error)


@pytest.mark.parametrize("log", [c[1] for c in BAD_LOGS if c[0] != "enum out of range"],
                         ids=[c[0] for c in BAD_LOGS if c[0] != "enum out of range"])
def test_the_index_decoder_refuses_the_same_logs(log: Log) -> None:
    # The index keeps enums as integers (an unknown one is shown as Unknown(n)), so only shape errors count.
    with pytest.raises(UndecodableEvent) as caught:
        index_decode_events([log])
    assert (caught.value.block_number, caught.value.log_index) == (3, 1)


def test_index_sync_skips_an_undecodable_log_records_it_and_keeps_the_others(
    node: HostileNode, chain: RpcChain
) -> None:
    bad = good_log(topics=["0x" + _topic("ThresholdChanged").hex()], data="0x0102", logIndex="0x1")
    node.answers.update({"eth_blockNumber": "0x4", "eth_getBlockByNumber": {"timestamp": "0x64"},
                         "eth_getLogs": [good_log(), bad]})
    deployment = Deployment(ADDRESS, "0x" + "22" * 20, "0x" + "33" * 20, "0x" + "44" * 20, block_number=1,
                            chain_id=1337)
    with Index.open(None) as index:
        result = index.sync(chain, deployment)
        assert (result.events, result.new_events) == (1, 1)
        (skipped,) = result.skipped
        assert (skipped.block_number, skipped.log_index, skipped.event, skipped.address) == (
            3, 1, "ThresholdChanged", ADDRESS)
        members = index.conn.execute("SELECT member FROM committee_actions WHERE action='MemberAdded'").fetchall()
        assert [m[0] for m in members] == [OTHER]
        syncer = index.syncer(chain, deployment)
        assert [(s.block_number, s.log_index) for s in syncer.skipped_logs()] == [(3, 1)]
        # The same range read again from a sound node indexes everything and forgets the skipped log.
        node.answers["eth_getLogs"] = [good_log()]
        again = syncer.sync(from_block=1)
        assert again.skipped == () and syncer.skipped_logs() == []


# -- no contract at the configured address (no hostile node needed) ------------------------------------


def test_a_config_naming_an_address_without_code_says_so(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from ledger.cli import main
    from ledger.config import Settings
    from ledger.ledger import Ledger

    workspace = tmp_path / "ws"
    Ledger.init(Settings(workspace=workspace), password="hostile-node-password", light_kdf=True)
    config = workspace / "config.toml"
    lines = config.read_text().splitlines()
    lines = [f'credential_registry = "{ADDRESS}"' if line.startswith("credential_registry") else line
             for line in lines]
    config.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["type", "list", "-w", str(workspace)], env={"COLUMNS": "300"},
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert (f"CredentialRegistry.typeIds() at {ADDRESS} answered no data (0 bytes): is there a contract at "
            f"{ADDRESS}? check the workspace's config") in " ".join(result.output.split())
    assert "Traceback" not in result.output


_DEEP_ANSWER_SCRIPT = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import eth  # py-evm raises the recursion limit to 100000: a deep enough answer would overflow the C stack
from ledger.chain.fisco.jsonrpc import JsonRpcClient
from ledger.chain.failover import FailoverClient
from ledger.errors import ChainError

class Deep(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"jsonrpc":"2.0","id":1,"result":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Deep)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}"
for client in (FailoverClient([url], expected_chain_id=1), JsonRpcClient([url])):
    try:
        client.request("eth_chainId", [])
        print("ANSWERED")
    except ChainError as exc:
        print("REFUSED", type(exc).__name__, "nest deeper" in str(exc))
"""


def test_a_deeply_nested_answer_is_refused_not_a_crash(tmp_path: Any) -> None:
    """Run in a child process: if the check were missing, the crash would be a segfault, not a failure."""
    import subprocess
    import sys

    script = tmp_path / "deep.py"
    script.write_text(_DEEP_ANSWER_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split("\n")[:2] == ["REFUSED NodeUnreachable True", "REFUSED ChainError True"], done.stdout


@pytest.mark.parametrize(
    "receipt",
    [sound_receipt(transactionHash=TX_HASH), sound_receipt(**{"from": OTHER})],
    ids=["another transaction's hash", "another sender"],
)
def test_a_receipt_of_another_transaction_is_refused(node: HostileNode, chain: RpcChain, receipt: Any) -> None:
    """A node that answers with someone else's receipt must not make this write look done."""
    _sending_node(node, receipt)
    with pytest.raises(ChainError, match="answered the receipt of 0x") as caught:
        chain.send(SENDER, Transaction(to=OTHER, data=b"", gas=21_000), timeout=5)
    assert "another endpoint" in (caught.value.hint or "")


def test_logs_outside_the_filter_are_dropped(node: HostileNode, chain: RpcChain) -> None:
    """The node answers more than was asked: another contract, a block outside the range, another topic."""
    topic = bytes.fromhex(good_log()["topics"][0][2:])
    node.answers["eth_getLogs"] = [
        good_log(),
        good_log(address=OTHER),
        good_log(blockNumber="0x9"),
        good_log(topics=["0x" + "00" * 32]),
        good_log(logIndex="0x1"),
    ]
    logs = chain.get_logs(1, 5, [ADDRESS], [topic])
    assert [(log.address.lower(), log.block_number, log.log_index) for log in logs] == [(ADDRESS, 3, 0), (ADDRESS, 3, 1)]
    assert len(chain.get_logs(1, 9, [], None)) == 5  # nothing asked for, nothing dropped


def test_an_answer_over_the_size_limit_is_refused_unread(node: HostileNode, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.chain import failover
    from ledger.errors import NodeUnreachable

    monkeypatch.setattr(failover, "MAX_RESPONSE_BYTES", 1_000)
    client = failover.FailoverClient([node.url], timeout=5)
    try:
        node.raw = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x" + "00" * 499}).encode()  # over 1,000 bytes
        with pytest.raises(NodeUnreachable, match="the answer exceeds 1,000 bytes"):
            client.request("eth_blockNumber")
        node.raw = json.dumps({"jsonrpc": "2.0", "id": 2, "result": "0x5"}).encode()
        assert client.request("eth_blockNumber") == "0x5"  # the connection closed, the next one works
    finally:
        client.close()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"jsonrpc": "2.0", "id": 999, "result": "0x5"}, "the answer is for request id 999, not 1"),
        ({"jsonrpc": "2.0", "id": 1, "error": {"code": "x", "message": "bad"}}, "bad"),
    ],
    ids=["another request's id", "an error code that is not a number"],
)
def test_an_answer_to_another_request_or_with_a_bad_code_is_an_error(
    node: HostileNode, answer: Any, message: str
) -> None:
    from ledger.chain import failover

    client = failover.FailoverClient([node.url], timeout=5)
    try:
        node.raw = json.dumps(answer).encode()
        with pytest.raises(failover.RpcError, match=message) as caught:
            client.request("eth_blockNumber")
        assert caught.value.code == -32603
    finally:
        client.close()


def test_a_number_too_long_to_read_is_not_a_crash(node: HostileNode) -> None:
    from ledger.chain import failover
    from ledger.errors import NodeUnreachable

    client = failover.FailoverClient([node.url], timeout=5)
    try:
        node.raw = b'{"jsonrpc": "2.0", "id": 1, "result": ' + b"9" * 5_000 + b"}"
        with pytest.raises(NodeUnreachable, match="a number longer than"):
            client.request("eth_blockNumber")
    finally:
        client.close()


@pytest.mark.parametrize("refusal", ["nonce too low", "nonce check fail"])  # geth's words, FISCO BCOS's
def test_a_nonce_the_node_says_is_used_is_not_given_back_as_a_gap(
    node: HostileNode, chain: RpcChain, refusal: str
) -> None:
    """In a batch, the first nonce is refused as used (another sender used it) and the second is
    accepted: the first must not be handed out again (it would be refused again), even when the node's
    count, asked again, is not ahead of it."""
    from ledger.chain import ethtx

    _sending_node(node, sound_receipt())
    sent: list[int] = []

    def send_raw(params: list[Any]) -> Any:
        sent.append(ethtx.decode(bytes.fromhex(params[0][2:])).nonce)
        if len(sent) == 1:
            raise _NodeRefusal(refusal)
        return TX_HASH

    node.answers["eth_sendRawTransaction"] = send_raw
    receipts = chain.send_many(SENDER, [Transaction(to=OTHER, data=b"", gas=21_000)] * 2, timeout=5)
    assert len(receipts) == 2
    assert sent == [0, 1, 2]  # the refused transaction went again with a fresh nonce, not with 0
    assert chain.nonces.gaps(SENDER.address) == []


def test_a_gap_whose_filler_is_refused_too_is_kept_for_the_next_reservation(
    node: HostileNode, chain: RpcChain
) -> None:
    """Nonce 0 is refused for want of funds while nonce 1 is taken: the no-op that should fill 0 is
    refused too. Nonce 0 stays a gap, filled first by the next send once the sender is funded, instead
    of being lost (the transaction at 1 would wait behind it for ever)."""
    from ledger.chain import ethtx
    from ledger.errors import InsufficientFunds

    _sending_node(node, sound_receipt())
    sent: list[int] = []
    funded = False

    def send_raw(params: list[Any]) -> Any:
        sent.append(ethtx.decode(bytes.fromhex(params[0][2:])).nonce)
        if sent[-1] == 0 and not funded:
            raise _NodeRefusal("insufficient funds for gas * price + value")
        return TX_HASH

    node.answers["eth_sendRawTransaction"] = send_raw
    with pytest.raises(InsufficientFunds):
        chain.send_many(SENDER, [Transaction(to=OTHER, data=b"", gas=21_000)] * 2, timeout=5)
    assert sent == [0, 1, 0]  # the batch, then the filler at 0
    assert chain.nonces.gaps(SENDER.address) == [0]
    funded = True
    chain.send_many(SENDER, [Transaction(to=OTHER, data=b"", gas=21_000)], timeout=5)
    assert sent[3:] == [0]
