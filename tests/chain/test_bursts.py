"""Issue 18, item 11: a node that dies mid-burst loses nothing and a re-run repeats nothing.

The burst journal (``ledger.chain.bursts``) writes every signed transaction down before it leaves.
These tests stop a burst three ways and settle it afterwards: a real anvil behind a proxy that dies
after passing on part of a burst; the embedded chain killed between signing and mining; and a
process that died after everything was mined but before its journal was removed. Each request's
effect (a ``ValueSet`` event of its own value) must be on chain exactly once.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ledger.chain import blocks
from ledger.chain.base import ChainBackend
from ledger.chain.bursts import BurstJournal, _Burst
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.rpc import RpcChain
from ledger.crypto.keys import PrivateKey
from ledger.errors import NodeUnreachable
from tests.anvil import Anvil
from tests.conformance.probe import Probe


@pytest.fixture(scope="module")
def probe() -> Probe:
    return Probe.load()


def _values(chain: ChainBackend, probe: Probe, address: str) -> list[int]:
    """The value of every ``ValueSet`` event the probe emitted, in chain order."""
    logs = chain.get_logs(0, chain.block_number(), [address], [probe.topic("ValueSet")])
    return [int.from_bytes(log.topics[2], "big") for log in logs]


def _values_when(chain: ChainBackend, probe: Probe, address: str, done: Any, deadline: float = 15.0) -> list[int]:
    """:func:`_values` once ``done(values)`` holds, or as they are at the deadline (the caller asserts)."""
    until = time.monotonic() + deadline
    while True:
        found = _values(chain, probe, address)
        if done(found) or time.monotonic() > until:
            return found
        time.sleep(0.05)  # polling a condition with a deadline, not waiting a fixed time


class DyingProxy:
    """Passes JSON-RPC on to a node until :meth:`die_after` sent transactions, then drops every
    connection (as a node that crashed would) until :meth:`revive`. It says it is geth, so that a burst
    comes in nonce order (to anvil itself it would come highest nonce first)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.left: int | None = None
        self.dead = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if proxy.dead:
                    self.close_connection = True
                    return
                items = request if isinstance(request, list) else [request]
                answers = []
                for item in items:
                    if item.get("method") == "web3_clientVersion":  # as geth: a burst goes in nonce order
                        answers.append({"jsonrpc": "2.0", "id": item["id"], "result": "Geth/v1.14.0-stable"})
                        continue
                    if item.get("method") == "eth_sendRawTransaction" and proxy.left is not None:
                        if proxy.left == 0:
                            proxy.dead = True  # dies in the middle of the batch: no answer at all
                            self.close_connection = True
                            return
                        proxy.left -= 1
                    answers.append(proxy.forward(item))
                body = json.dumps(answers if isinstance(request, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def forward(self, item: dict[str, Any]) -> Any:
        upstream = urllib.request.Request(self.upstream, json.dumps(item).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(upstream, timeout=10) as response:
            return json.loads(response.read())

    def die_after(self, transactions: int) -> None:
        self.left = transactions

    def revive(self) -> None:
        self.dead, self.left = False, None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def node() -> Iterator[Anvil]:
    with Anvil() as anvil:
        yield anvil


@pytest.mark.anvil
def test_a_node_that_dies_mid_burst_loses_nothing_and_repeats_nothing(
    node: Anvil, probe: Probe, tmp_path: Path
) -> None:
    key = PrivateKey.generate()
    direct = RpcChain([node.url], poll_interval=0.01)
    direct.fund(key.address, 10**21)
    address = probe.deploy(direct, key)
    proxy = DyingProxy(node.url)
    journal = BurstJournal(tmp_path / "bursts", poll_interval=0.01)
    requests = [probe.tx(address, "set", 1000 + i, "") for i in range(12)]
    try:
        client = RpcChain([proxy.url], poll_interval=0.01, timeout=2)
        proxy.die_after(5)  # five of the twelve reach the node, then it is gone
        with pytest.raises(NodeUnreachable) as stopped:
            journal.send(client, key, requests, timeout=10)
        assert "journaled" in (stopped.value.hint or "") and "ledger recover" in (stopped.value.hint or "")
        client.close()
        assert len(journal.pending(key.address)) == 1
        # What reached the node is mined (by its next block: a loaded machine may take a moment).
        mined_before = _values_when(direct, probe, address, lambda found: len(found) >= 5)
        assert sorted(mined_before) == [1000 + i for i in range(5)]

        proxy.revive()  # the node is back (a new process: a new client)
        again = RpcChain([proxy.url], poll_interval=0.01)
        (settled,) = journal.settle(again, key, timeout=30)
        again.close()
    finally:
        proxy.close()
    assert len(settled.mined) == 12 and settled.sent_anew == {} and settled.refused == {}
    assert sorted(set(settled.mined) - set(settled.sent_again)) == [0, 1, 2, 3, 4]  # mined before the stop
    assert sorted(settled.sent_again) == list(range(5, 12))  # signed, never arrived: sent again as signed
    assert sorted(_values(direct, probe, address)) == [1000 + i for i in range(12)]  # each exactly once
    assert journal.pending() == []
    direct.close()


def test_a_burst_killed_between_signing_and_mining_is_sent_anew_once(
    probe: Probe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = PrivateKey.generate()
    path = tmp_path / "chain.sqlite"
    chain = EmbeddedChain(path)
    address = probe.deploy(chain, key)
    journal = BurstJournal(tmp_path / "bursts")

    class Killed(BaseException):  # what SIGKILL would do to the process: no handler, no clean-up
        pass

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(blocks, "build_block", killed)
    with pytest.raises(Killed):
        journal.send(chain, key, [probe.tx(address, "set", 7, ""), probe.tx(address, "set", 8, "")])
    monkeypatch.undo()
    chain.close()

    restarted = EmbeddedChain(path)
    assert _values(restarted, probe, address) == []  # nothing was mined
    (settled,) = journal.settle(restarted, key)
    assert sorted(settled.sent_anew) == [0, 1] and settled.mined == {}
    assert _values(restarted, probe, address) == [7, 8]
    assert journal.settle(restarted, key) == [] and journal.pending() == []
    restarted.close()


def test_a_burst_mined_before_the_stop_is_only_reported(
    probe: Probe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = PrivateKey.generate()
    chain = EmbeddedChain(tmp_path / "chain.sqlite")
    address = probe.deploy(chain, key)
    journal = BurstJournal(tmp_path / "bursts")
    monkeypatch.setattr(_Burst, "remove", lambda self: None)  # the process died right after the receipts
    receipts, _ = journal.send(chain, key, [probe.tx(address, "set", v, "") for v in (1, 2, 3)])
    monkeypatch.undo()
    assert len(journal.pending(key.address)) == 1
    # The next burst of the key settles it first: all three were mined, none is sent again.
    (fourth,), (settled,) = journal.send(chain, key, [probe.tx(address, "set", 4, "")])
    assert fourth.succeeded
    assert {i: r.tx_hash for i, r in settled.mined.items()} == {i: r.tx_hash for i, r in enumerate(receipts)}
    assert settled.sent_anew == {} and settled.sent_again == []
    assert _values(chain, probe, address) == [1, 2, 3, 4]
    assert journal.pending() == []
    chain.close()


def test_ledger_recover_settles_an_interrupted_burst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI: `ledger recover` reports and finishes what a stop left (here: the burst's journal stayed
    after a kill that came once every transaction was mined)."""
    from click.testing import CliRunner

    from ledger.cli import main
    from ledger.config import Settings, load_settings
    from ledger.ledger import Ledger

    ws = tmp_path / "ws"
    Ledger.init(Settings(workspace=ws), password="test-password", light_kdf=True)
    with Ledger.open(load_settings(ws, env={}), password="test-password") as lg:
        monkeypatch.setattr(_Burst, "remove", lambda self: None)
        lg.send_burst([lg.contracts.credentials.build_anchor_report(b"\x11" * 32)])
        monkeypatch.undo()
        assert len(lg.bursts.pending()) == 1
    env = {"LEDGER_WORKSPACE": str(ws), "LEDGER_PASSWORD": "test-password"}
    r = CliRunner().invoke(main, ["recover", "--json"], env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (settled,) = json.loads(r.output)["settled"]
    assert settled["mined_before"] == [0] and settled["sent_anew"] == []
    again = CliRunner().invoke(main, ["recover"], env=env, catch_exceptions=False)
    assert again.exit_code == 0 and "no interrupted burst" in again.output
