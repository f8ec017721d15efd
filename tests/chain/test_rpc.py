"""The rpc backend against real anvil processes: failures, failover, pipelining, nonces, fees.

The behaviours every backend shares are in ``tests/conformance``; this file covers what is particular
to a node reached over the network. Each failure named in issue 4 has its own test.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ledger.chain import ethtx
from ledger.chain.base import FUNDING, PIPELINING, Receipt, Transaction
from ledger.chain.nonces import NonceManager
from ledger.chain.rpc import RpcChain
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey
from ledger.errors import (
    CapabilityError,
    ChainError,
    ChainIdMismatch,
    ConfigError,
    InsufficientFunds,
    NodeUnreachable,
    TransactionRejected,
    TransactionTimeout,
)
from tests.anvil import ANVIL_CHAIN_ID, DEV_KEY_HEX, Anvil, free_port
from tests.chain.loopback import LoopbackNode
from tests.conformance.probe import Probe, TooLarge, uint

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def node() -> Iterator[Anvil]:
    with Anvil() as anvil:
        yield anvil


@pytest.fixture
def rpc(node: Anvil) -> Iterator[RpcChain]:
    chain = RpcChain([node.url], poll_interval=0.01)
    yield chain
    chain.close()


@pytest.fixture(scope="module")
def probe() -> Probe:
    """Probe's encoders (overrides tests/chain/conftest.py's ``probe``, an address on the embedded chain)."""
    return Probe.load()


@pytest.fixture
def funded(rpc: RpcChain) -> PrivateKey:
    fresh = PrivateKey.generate()
    rpc.fund(fresh.address, 10**21)
    return fresh


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)


# -- connection, identity, failover -----------------------------------------------------------


def test_identity_discovers_the_chain_id_and_client(rpc: RpcChain, node: Anvil) -> None:
    identity = rpc.identity()
    assert identity.chain_id == ANVIL_CHAIN_ID
    assert identity.backend == "rpc"
    assert identity.extra["url"] == node.url
    assert identity.extra["client"].startswith("anvil/")
    assert {PIPELINING, FUNDING} <= rpc.features  # anvil funds accounts (anvil_setBalance)


def test_wrong_chain_id_is_refused(node: Anvil) -> None:
    with pytest.raises(ChainIdMismatch) as caught:
        RpcChain([node.url], expected_chain_id=20200)
    assert (caught.value.expected, caught.value.actual, caught.value.url) == (20200, ANVIL_CHAIN_ID, node.url)
    assert RpcChain([node.url], expected_chain_id=ANVIL_CHAIN_ID).identity().chain_id == ANVIL_CHAIN_ID


def test_urls_are_validated() -> None:
    with pytest.raises(ConfigError):
        RpcChain([])
    with pytest.raises(ConfigError):
        RpcChain(["ftp://127.0.0.1:1"])


def test_nothing_listening_names_every_url_tried() -> None:
    urls = [dead_url(), dead_url()]
    with pytest.raises(NodeUnreachable) as caught:
        RpcChain(urls, timeout=2.0)
    assert caught.value.urls == urls
    assert all(url in str(caught.value) for url in urls)
    assert caught.value.hint


def test_fails_over_to_the_second_url_when_the_first_is_dead(node: Anvil, probe: Probe) -> None:
    first = dead_url()
    chain = RpcChain([first, node.url], poll_interval=0.01)
    assert chain.identity().extra["url"] == node.url
    key = PrivateKey.generate()
    chain.fund(key.address, 10**20)
    assert probe.deploy(chain, key)


def test_fails_over_when_the_first_node_stops_mid_run(probe: Probe) -> None:
    with Anvil() as primary, Anvil() as secondary:
        chain = RpcChain([primary.url, secondary.url], poll_interval=0.01)
        assert chain.identity().extra["url"] == primary.url
        key = PrivateKey.generate()
        chain.fund(key.address, 10**20)
        primary.kill()
        # The secondary is another chain with the same id (anvil's default): the key needs money there.
        chain.fund(key.address, 10**20)
        assert chain.identity().extra["url"] == secondary.url
        assert probe.deploy(chain, key)


def test_a_transaction_pending_when_its_node_dies_is_sent_again_to_the_next(probe: Probe) -> None:
    key = PrivateKey.from_hex(DEV_KEY_HEX)  # funded, nonce 0, on both nodes
    with Anvil(mining="none") as primary, Anvil(mining="auto") as secondary:
        chain = RpcChain([primary.url, secondary.url], poll_interval=0.01)
        outcome: list[Receipt] = []
        sender = threading.Thread(
            target=lambda: outcome.append(chain.deploy(key, probe.bytecode, gas=1_000_000, timeout=20)),
            daemon=True,
        )
        sender.start()
        wait_until(lambda: primary.rpc("eth_getTransactionCount", [key.address, "pending"]) == "0x1")
        primary.kill()  # the transaction dies with the primary's pool
        sender.join(timeout=30)
        (receipt,) = outcome
        assert receipt.succeeded
        assert secondary.rpc("eth_getCode", [receipt.contract_address, "latest"]) not in ("0x", None)


def test_failover_to_a_node_of_another_chain_is_refused() -> None:
    with Anvil() as primary, Anvil(chain_id=4242) as other:
        chain = RpcChain([primary.url, other.url])
        primary.kill()
        with pytest.raises(ChainIdMismatch) as caught:
            chain.block_number()
        assert (caught.value.expected, caught.value.actual) == (ANVIL_CHAIN_ID, 4242)


def test_a_node_stopped_mid_run_raises_node_unreachable(probe: Probe) -> None:
    with Anvil() as anvil:
        chain = RpcChain([anvil.url], timeout=2.0, poll_interval=0.01)
        key = PrivateKey.generate()
        chain.fund(key.address, 10**20)
        address = probe.deploy(chain, key)
        anvil.kill()
        with pytest.raises(NodeUnreachable) as caught:
            chain.send(key, probe.tx(address, "set", 1, ""))
        assert caught.value.urls == [anvil.url]
        with pytest.raises(NodeUnreachable):
            chain.call(address, probe.calldata("value"))


def test_an_endpoint_that_is_not_a_json_rpc_node_counts_as_down(node: Anvil) -> None:
    class NotJson(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"<html>gateway</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(NodeUnreachable, match="not JSON"):
            RpcChain([url])
        assert RpcChain([url, node.url]).identity().extra["url"] == node.url
    finally:
        server.shutdown()
        server.server_close()


def test_a_node_without_batch_support_gets_calls_one_by_one(node: Anvil, probe: Probe) -> None:
    batches: list[int] = []

    class NoBatches(BaseHTTPRequestHandler):
        """Forwards single calls to anvil; refuses a batch with one error object, as some nodes do."""

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if body.lstrip().startswith(b"["):
                batches.append(len(json.loads(body)))
                answer = json.dumps(
                    {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "no batch"}}
                )
            else:
                request = json.loads(body)
                answer = json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": request["id"],
                        "result": node.rpc(request["method"], request["params"]),
                    }
                )
            data = answer.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoBatches)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        chain = RpcChain([f"http://127.0.0.1:{server.server_address[1]}"], poll_interval=0.01)
        key = PrivateKey.generate()
        chain.fund(key.address, 10**20)
        address = probe.deploy(chain, key)
        receipts = chain.send_many(key, [probe.tx(address, "set", v, "") for v in (1, 2, 3)])
        assert [r.status for r in receipts] == ["ok"] * 3
        assert uint(chain.call(address, probe.calldata("value"))) == 3
        assert len(batches) == 1  # refused once, then never tried again
    finally:
        server.shutdown()
        server.server_close()


def test_block_timestamps_are_asked_in_one_round_trip(
    rpc: RpcChain, funded: PrivateKey, probe: Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = probe.deploy(rpc, funded)
    blocks = [rpc.send(funded, probe.tx(address, "set", v, "")).block_number for v in (1, 2, 3)]
    exchanges: list[object] = []
    real = rpc._rpc._exchange

    def counting(payload: object) -> object:
        exchanges.append(payload)
        return real(payload)  # type: ignore[arg-type]

    monkeypatch.setattr(rpc._rpc, "_exchange", counting)
    stamps = rpc.block_timestamps(blocks)
    assert len(exchanges) == 1 and isinstance(exchanges[0], list) and len(exchanges[0]) == 3
    assert stamps == {n: rpc.block_timestamp(n) for n in blocks}
    with pytest.raises(ChainError, match=r"block 999999 does not exist \(latest is"):
        rpc.block_timestamps([blocks[0], 999_999])


# -- transactions ------------------------------------------------------------------------------


def test_not_mined_by_the_deadline_raises_transaction_timeout(probe: Probe) -> None:
    with Anvil(mining="none") as anvil:
        chain = RpcChain([anvil.url], poll_interval=0.01)
        key = PrivateKey.from_hex(DEV_KEY_HEX)
        started = time.monotonic()
        with pytest.raises(TransactionTimeout) as caught:
            chain.deploy(key, probe.bytecode, gas=1_000_000, timeout=0.3)
        assert 0.3 <= time.monotonic() - started < 5
        pending = caught.value.tx_hash
        assert anvil.rpc("eth_getTransactionByHash", [pending]) is not None  # sent, just not mined
        anvil.mine()
        receipt = anvil.rpc("eth_getTransactionReceipt", [pending])
        assert isinstance(receipt, dict) and receipt["status"] == "0x1"


def test_insufficient_funds_names_the_sender_and_the_fix(rpc: RpcChain, probe: Probe) -> None:
    broke = PrivateKey.generate()
    with pytest.raises(InsufficientFunds) as caught:
        rpc.deploy(broke, probe.bytecode, gas=1_000_000)
    assert caught.value.sender == broke.address
    assert "balance" in (caught.value.hint or "")
    # The refused transaction left no nonce gap: once funded, the same key's next send is mined.
    rpc.fund(broke.address, 10**20)
    receipt = rpc.deploy(broke, probe.bytecode, gas=1_000_000)
    assert receipt.succeeded


def test_a_revert_carries_its_data(rpc: RpcChain, funded: PrivateKey, probe: Probe) -> None:
    address = probe.deploy(rpc, funded)
    receipt = rpc.send(funded, probe.tx(address, "setChecked", 10, 1))
    assert receipt.status == "reverted"
    assert receipt.revert_data is not None
    error = probe.decode_error(receipt.revert_data)
    assert isinstance(error, TooLarge) and (error.value, error.limit) == (10, 1)


def test_a_refused_transaction_in_a_batch_leaves_no_stuck_gap(
    rpc: RpcChain, funded: PrivateKey, probe: Probe
) -> None:
    address = probe.deploy(rpc, funded)
    txs = [
        probe.tx(address, "set", 1, ""),
        Transaction(to=address, data=b"", gas=1_000),
        probe.tx(address, "set", 3, ""),
    ]
    with pytest.raises(TransactionRejected, match="intrinsic gas"):
        rpc.send_many(funded, txs)
    # The third transaction was accepted behind the refused second: a filler closes the gap, so it is mined.
    wait_until(lambda: uint(rpc.call(address, probe.calldata("value"))) == 3)
    assert rpc.send(funded, probe.tx(address, "set", 4, "")).succeeded
    assert uint(rpc.call(address, probe.calldata("value"))) == 4


def test_a_key_used_elsewhere_is_resynchronised(node: Anvil, funded: PrivateKey, probe: Probe) -> None:
    first = RpcChain([node.url], poll_interval=0.01)
    second = RpcChain([node.url], poll_interval=0.01)
    address = probe.deploy(first, funded)
    assert second.send(funded, probe.tx(address, "set", 1, "")).succeeded  # second learns the nonce
    assert first.send(funded, probe.tx(address, "set", 2, "")).succeeded  # first's cache is stale: retried
    assert second.send(funded, probe.tx(address, "set", 3, "")).succeeded
    assert uint(first.call(address, probe.calldata("value"))) == 3


def test_threads_share_one_key_safely(rpc: RpcChain, funded: PrivateKey, probe: Probe) -> None:
    address = probe.deploy(rpc, funded)
    errors: list[Exception] = []
    hashes: list[bytes] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        try:
            for i in range(10):
                batch = rpc.send_many(funded, [probe.tx(address, "set", offset + i, "")] * 2)
                with lock:
                    hashes.extend(r.tx_hash for r in batch if r.succeeded)
        except Exception as exc:  # noqa: BLE001 - any failure in a worker is reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(100 * t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(set(hashes)) == 80


class ParkingProxy(LoopbackNode):
    """Forwards JSON-RPC to a node, but keeps back the transaction of the nonce given to :meth:`arm`,
    answering its hash as if it were accepted. Sent again, it is answered "transaction already
    imported" (``parked``: what anvil does with a transaction stuck in its queued set), or forwarded
    (``lost``: a pool that dropped it). In ``hole`` mode every version of that nonce is taken and kept
    back, and :attr:`versions` counts them."""

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream, self.mode = upstream, mode
        self.nonce: int | None = None
        self.kept: bytes | None = None
        self.versions: set[bytes] = set()
        super().__init__()

    def arm(self, nonce: int) -> None:
        self.nonce = nonce

    def answer(self, request: dict[str, object]) -> object:
        if request["method"] == "eth_sendRawTransaction":
            params = request["params"]
            assert isinstance(params, list)
            raw = bytes.fromhex(str(params[0])[2:])
            if self.kept is None and ethtx.decode(raw).nonce == self.nonce:
                self.kept = raw
            if ethtx.decode(raw).nonce == self.nonce and self.mode == "hole" and raw not in self.versions:
                self.versions.add(raw)
                return {"jsonrpc": "2.0", "id": request["id"], "result": "0x" + keccak256(raw).hex()}
            if raw == self.kept and raw not in self.versions:
                self.versions.add(raw)
                return {"jsonrpc": "2.0", "id": request["id"], "result": "0x" + keccak256(raw).hex()}
            if raw in self.versions and self.mode in ("parked", "hole"):
                return {"jsonrpc": "2.0", "id": request["id"],
                        "error": {"code": -32003, "message": "transaction already imported"}}
        return self.forward(request)

    def forward(self, request: dict[str, object]) -> object:
        body = json.dumps(request).encode()
        upstream = urllib.request.Request(self.upstream, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(upstream, timeout=10) as response:
            return json.loads(response.read())

@pytest.mark.parametrize("mode", ["parked", "lost"])
def test_a_transaction_the_node_parked_or_lost_is_sent_again(
    node: Anvil, funded: PrivateKey, probe: Probe, mode: str
) -> None:
    proxy = ParkingProxy(node.url, mode)
    chain = RpcChain([proxy.url], poll_interval=0.01, stall_after=0.2)
    try:
        address = probe.deploy(chain, funded)  # nonce 0 of a fresh key
        proxy.arm(1)  # the first of the three: the two behind it wait for it
        receipts = chain.send_many(funded, [probe.tx(address, "set", i, "") for i in (1, 2, 3)], timeout=30)
    finally:
        chain.close()
        proxy.close()
    assert [r.succeeded for r in receipts] == [True, True, True]
    assert uint(RpcChain([node.url]).call(address, probe.calldata("value"))) == 3
    assert proxy.kept is not None
    kept = ethtx.decode(proxy.kept)
    mined = node.rpc("eth_getTransactionByHash", ["0x" + receipts[0].tx_hash.hex()])
    assert isinstance(mined, dict) and int(mined["nonce"], 16) == kept.nonce
    if mode == "lost":  # the same transaction, sent again
        assert receipts[0].tx_hash == keccak256(proxy.kept)
    else:  # parked: replaced by the same call at a gas price one eighth higher
        assert receipts[0].tx_hash != keccak256(proxy.kept)
        assert kept.gas_price is not None and int(mined["gasPrice"], 16) > kept.gas_price
        assert mined["input"] == "0x" + kept.data.hex() and mined["to"].lower() == str(kept.to).lower()


def test_a_transaction_replaced_once_and_still_not_mined_times_out_naming_both(
    node: Anvil, funded: PrivateKey, probe: Probe
) -> None:
    """A node that takes every version of a nonce and runs none: one replacement, no more (a node
    whose counts hide its pool must not drive the price up), then a timeout naming both hashes."""
    proxy = ParkingProxy(node.url, "hole")
    chain = RpcChain([proxy.url], poll_interval=0.01, stall_after=0.2)
    try:
        address = probe.deploy(chain, funded)
        proxy.arm(1)
        with pytest.raises(TransactionTimeout) as caught:
            chain.send_many(funded, [probe.tx(address, "set", 1, "")], timeout=2)
    finally:
        chain.close()
        proxy.close()
    assert len(proxy.versions) == 2 and proxy.kept is not None
    assert caught.value.also == ("0x" + keccak256(proxy.kept).hex(),)
    assert caught.value.tx_hash != caught.value.also[0]
    assert caught.value.tx_hash in str(caught.value) and caught.value.also[0] in str(caught.value)


def test_a_slow_node_is_not_sent_replacements(node: Anvil, funded: PrivateKey, probe: Probe) -> None:
    """A node still holding our transaction as executable is only slow: nothing is sent again."""
    with Anvil(mining="none") as idle:
        idle.rpc("anvil_setBalance", [funded.address, hex(10**21)])
        chain = RpcChain([idle.url], poll_interval=0.01, stall_after=0.05)
        sent: list[str] = []
        original = chain._send_raw

        def counting(signed: list[ethtx.SignedTransaction]) -> object:
            sent.extend("0x" + s.hash.hex() for s in signed)
            return original(signed)

        chain._send_raw = counting  # type: ignore[method-assign]
        with pytest.raises(TransactionTimeout):
            chain.deploy(funded, probe.bytecode, gas=1_000_000, timeout=0.5)
        chain.close()
    assert len(sent) == 1


def test_call_at_a_pruned_block_is_a_capability_error(
    rpc: RpcChain, funded: PrivateKey, probe: Probe
) -> None:
    address = probe.deploy(rpc, funded)
    old = rpc.send(funded, probe.tx(address, "set", 5, "")).block_number
    rpc.send(funded, probe.tx(address, "set", 6, ""))
    with pytest.raises(CapabilityError):
        rpc.call(address, probe.calldata("value"), block=old)


def test_a_zero_gas_price_node_gets_zero_priced_transactions(probe: Probe) -> None:
    # FISCO BCOS's web3 RPC reports gas price 0 and charges nothing: an unfunded key can deploy.
    with Anvil(extra_args=["--gas-price", "0", "--base-fee", "0", "--disable-min-priority-fee"]) as anvil:
        chain = RpcChain([anvil.url], poll_interval=0.01)
        receipt = chain.deploy(PrivateKey.generate(), probe.bytecode, gas=1_000_000)
        assert receipt.succeeded
        sent = anvil.rpc("eth_getTransactionByHash", ["0x" + receipt.tx_hash.hex()])
        assert isinstance(sent, dict) and int(sent["gasPrice"], 16) == 0


def test_fund_on_a_node_without_anvil_methods_is_a_capability_error(rpc: RpcChain) -> None:
    rpc.request("eth_chainId")  # connected
    real = rpc.request

    def no_anvil(method: str, params: list[object] | None = None) -> object:
        if method == "anvil_setBalance":
            from ledger.chain.failover import RpcError

            raise RpcError(method, -32601, "Method not found")
        return real(method, params)

    rpc.request = no_anvil  # type: ignore[method-assign]
    with pytest.raises(CapabilityError):
        rpc.fund(PrivateKey.generate().address, 1)


def test_the_receipt_gives_the_contract_address(
    rpc: RpcChain, funded: PrivateKey, probe: Probe, node: Anvil
) -> None:
    receipt = rpc.deploy(funded, probe.bytecode, gas=1_000_000)
    raw = node.rpc("eth_getTransactionReceipt", ["0x" + receipt.tx_hash.hex()])
    assert isinstance(raw, dict)
    assert receipt.contract_address is not None
    assert receipt.contract_address.lower() == raw["contractAddress"]
    assert json.loads(json.dumps(raw["status"])) == "0x1"


def test_a_missing_anvil_binary_fails_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.anvil as anvil_module

    monkeypatch.setattr(anvil_module, "ANVIL_BINARY", anvil_module.REPO_ROOT / "no-such-dir" / "anvil")
    with pytest.raises(anvil_module.AnvilMissing, match="npm ci"):
        Anvil().start()


# -- nonce manager (no node) ------------------------------------------------------------------


def test_nonces_start_from_the_node_and_never_repeat() -> None:
    asked: list[str] = []

    def fetch(address: str) -> int:
        asked.append(address)
        return 7

    manager = NonceManager(fetch)
    assert manager.reserve("0xA", 3) == [7, 8, 9]
    assert manager.reserve("0xa") == [10]  # addresses are case-insensitive; the node was asked once
    assert asked == ["0xA"]
    with pytest.raises(ValueError):
        manager.reserve("0xA", 0)


def test_released_nonces_roll_back_at_the_top_and_are_reused_below() -> None:
    manager = NonceManager(lambda _address: 0)
    assert manager.reserve("0xA", 5) == [0, 1, 2, 3, 4]
    manager.release("0xA", [4])
    assert manager.gaps("0xA") == []
    assert manager.reserve("0xA") == [4]
    manager.release("0xA", [1, 2])
    assert manager.gaps("0xA") == [1, 2]
    assert manager.reserve("0xA", 3) == [1, 2, 5]
    manager.release("0xA", [5, 4])
    assert manager.reserve("0xA") == [4]


def test_forget_asks_the_node_again() -> None:
    counts = iter([3, 10])
    manager = NonceManager(lambda _address: next(counts))
    assert manager.reserve("0xA") == [3]
    manager.forget("0xA")
    assert manager.reserve("0xA") == [10]


def test_resync_takes_the_nodes_count_only_when_it_is_ahead() -> None:
    counts = iter([5, 10, 4, 9])
    manager = NonceManager(lambda _address: next(counts))
    assert manager.reserve("0xA", 3) == [5, 6, 7]
    manager.resync("0xA")  # another process sent with the key: the node is ahead
    assert manager.reserve("0xA") == [10]
    manager.resync("0xA")  # the node is behind: our other threads' transactions are still on their way
    assert manager.reserve("0xA") == [11]
    manager.release("0xA", [8])
    manager.resync("0xA")  # the node has used nonce 8 meanwhile: it is no gap any more
    assert manager.gaps("0xA") == [8] and manager.reserve("0xA") == [12] and manager.gaps("0xA") == []


def test_nonces_are_unique_across_threads() -> None:
    manager = NonceManager(lambda _address: 0)
    taken: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(200):
            nonces = manager.reserve("0xA", 2)
            with lock:
                taken.extend(nonces)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(8 * 200 * 2))


def test_an_sm2_key_is_refused_before_anything_is_sent(rpc: RpcChain, probe: Probe) -> None:
    sm_key = PrivateKey.generate("sm")
    with pytest.raises(CapabilityError, match="SM2"):
        rpc.deploy(sm_key, probe.bytecode, gas=1_000_000)


# -- a node shaped like FISCO BCOS 3.x's web3 RPC (PROTOCOL.md section 3) ---------------------


class FakeFiscoWeb3(LoopbackNode):
    """A loopback stand-in for FISCO BCOS's web3 RPC: chain id 20200, gas price 0, no base fee,
    "InsufficientFunds" for an unfunded sender (3.16.4+), and, with ``sync_transaction``, a reverting
    transaction answered by an error that carries the revert output."""

    def __init__(self, *, funded: bool, revert_output: bytes | None = None, client: str = "FISCO-BCOS-Web3RPC/3.16.4") -> None:
        self.funded = funded
        self.client = client
        self.events: list[tuple[str, object]] = []  # ("send", nonce) and ("receipt", hash), in order
        self.revert_output = revert_output
        self.sent: list[bytes] = []
        super().__init__()

    def answer(self, request: dict[str, object]) -> dict[str, object]:
        method, params, rid = request["method"], request["params"], request["id"]
        assert isinstance(params, list)
        revert = self.revert_output
        if method == "eth_sendRawTransaction":
            self.sent.append(bytes.fromhex(str(params[0])[2:]))
            self.events.append(("send", ethtx.decode(self.sent[-1]).nonce))
            if not self.funded:
                return {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "error": {"code": -32603, "message": "InsufficientFunds"},
                }
            if revert is not None:
                return {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "error": {"code": 3, "message": "execution reverted", "data": "0x" + revert.hex()},
                }
            return {"jsonrpc": "2.0", "id": rid, "result": "0x" + ethtx.decode(self.sent[-1]).hash.hex()}
        if method == "eth_call" and revert is not None:
            return {
                "jsonrpc": "2.0",
                "id": rid,
                "error": {"code": 3, "message": "execution reverted", "data": "0x" + revert.hex()},
            }
        if method == "eth_getTransactionReceipt":
            self.events.append(("receipt", params[0]))
            return {"jsonrpc": "2.0", "id": rid, "result": {
                "transactionHash": params[0], "blockNumber": "0x5", "status": "0x0" if revert is not None else "0x1",
                "gasUsed": "0x5208", "contractAddress": "0x0000000000000000000000000000000000000000",
                "from": ethtx.decode(self.sent[-1]).sender.lower(), "logs": [],
            }}  # fmt: skip
        results = {
            "eth_chainId": "0x4ee8",
            "web3_clientVersion": self.client,
            "eth_gasPrice": "0x0",
            "eth_getBlockByNumber": {"number": "0x5", "baseFeePerGas": "0x0", "timestamp": "0x6560f000"},
            "eth_getTransactionCount": "0x0",
        }
        return {"jsonrpc": "2.0", "id": rid, "result": results[str(method)]}


def test_fisco_web3_insufficient_funds_is_mapped_with_the_balance_hint() -> None:
    fisco = FakeFiscoWeb3(funded=False)
    try:
        chain = RpcChain([fisco.url], expected_chain_id=20200)
        key = PrivateKey.generate()
        with pytest.raises(InsufficientFunds) as caught:
            chain.send(key, Transaction(to=key.address, data=b"", gas=3_000_000))
        assert "balance" in (caught.value.hint or "")
        (raw,) = fisco.sent
        sent = ethtx.decode(raw)
        assert (sent.chain_id, sent.gas_price, sent.gas, sent.sender) == (20200, 0, 3_000_000, key.address)
        assert chain.nonces.reserve(key.address) == [0]  # the refused nonce was given back
    finally:
        fisco.close()


def test_fisco_web3_does_not_declare_funding_and_fund_sends_nothing() -> None:
    fisco = FakeFiscoWeb3(funded=True)
    try:
        chain = RpcChain([fisco.url])
        assert PIPELINING not in chain.features and FUNDING not in chain.features  # one in flight there
        with pytest.raises(CapabilityError, match="FISCO-BCOS-Web3RPC"):
            chain.fund(PrivateKey.generate().address, 10**18)
        assert fisco.sent == []
    finally:
        fisco.close()


def test_fisco_web3_sync_transaction_revert_is_a_reverted_receipt() -> None:
    output = keccak256(b"TooLarge(uint256,uint256)")[:4] + (5).to_bytes(32, "big") + (1).to_bytes(32, "big")
    fisco = FakeFiscoWeb3(funded=True, revert_output=output)
    try:
        chain = RpcChain([fisco.url])
        receipt = chain.send(
            PrivateKey.generate(), Transaction(to="0x" + "11" * 20, data=b"\x01", gas=100_000)
        )
        assert receipt.status == "reverted"
        assert receipt.contract_address is None  # FISCO's zero address means "no contract"
        assert receipt.revert_data == output
    finally:
        fisco.close()


@pytest.mark.parametrize("client", ["anvil/v1.7.1", "FISCO-BCOS-Web3RPC/3.16.4"])
def test_a_burst_goes_to_a_dev_node_highest_nonce_first_and_to_fisco_one_at_a_time(client: str) -> None:
    """A node that mines per arrival gets the burst whole before any of it can run (the lowest
    comes last). FISCO BCOS seals web3 transactions in hash order and drops a sender's lower nonces
    once a higher one is in a block, so it gets one at a time. Receipts come back in the order of the
    transactions given either way."""
    fisco = FakeFiscoWeb3(funded=True, client=client)
    try:
        chain = RpcChain([fisco.url], poll_interval=0.01)
        txs = [Transaction(to="0x" + "11" * 20, data=bytes([i]), gas=100_000) for i in range(150)]
        receipts = chain.send_many(PrivateKey.generate(), txs)
        chain.close()
    finally:
        fisco.close()
    sent = [ethtx.decode(raw) for raw in fisco.sent]
    if client.startswith("anvil"):
        assert [t.nonce for t in sent] == list(range(149, -1, -1))
    else:  # FISCO: one in flight, each receipt asked for before the next is sent
        assert [t.nonce for t in sent] == list(range(150))
        sends = [i for i, (what, _) in enumerate(fisco.events) if what == "send"]
        assert all(any(what == "receipt" for what, _ in fisco.events[a:b]) for a, b in itertools.pairwise(sends))
    by_nonce = {t.nonce: keccak256(raw) for t, raw in zip(sent, fisco.sent)}
    assert [r.tx_hash for r in receipts] == [by_nonce[i] for i in range(150)]
    assert all(t.data == bytes([t.nonce]) for t in sent)  # each nonce signed over its own transaction
