"""Embedded chain throughput: transactions per second one by one versus ``send_many`` in one block.

Usage::

    python -m benchmarks.embedded [--items 200] [--runs 5] [--json] [--no-eth-tester]

Each run starts a fresh chain, deploys the tests' Probe contract and sends ``items`` calls of
``Probe.set(value, note)`` (a storage write and an event, about 30,000 gas) twice: one transaction
per block with ``send``, then all in one block with ``send_many``. Both are timed end to end
(signing, execution, mining, the SQLite commit), then ``items`` read-only calls of ``value()``.
Figures are medians over ``runs``; the chain is measured in memory and in a SQLite file. The
JSON also gives transactions per CPU second of this process (``*_tx_per_cpu_s``), which says more
than wall time on a machine busy with other work.

For the record of why py-evm is driven directly, the same job also runs through eth-tester's
``PyEVMBackend`` (``send_raw_transaction`` then ``mine_blocks``), in memory only: it is the route
web3's ``EthereumTesterProvider`` takes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.chain import ethtx
from ledger.chain.base import Transaction
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey

from . import REPO_ROOT

PROBE_JSON = REPO_ROOT / "tests" / "chain" / "probe.json"


def _probe() -> tuple[bytes, Callable[[int], bytes]]:
    """Probe's init code and an encoder for ``set(value, "bench")``."""
    artifact = json.loads(PROBE_JSON.read_text())
    init_code = bytes.fromhex(artifact["bytecode"][2:])
    selector = keccak256(b"set(uint256,string)")[:4]
    note = b"bench"
    tail = (64).to_bytes(32, "big") + len(note).to_bytes(32, "big") + note.ljust(32, b"\0")

    def set_call(value: int) -> bytes:
        return selector + value.to_bytes(32, "big") + tail

    return init_code, set_call


def _one_run(path: Path | None, items: int) -> dict[str, float]:
    init_code, set_call = _probe()
    key = PrivateKey(keccak256(b"benchmarks.embedded"))
    with EmbeddedChain(path) as chain:
        probe = chain.deploy(key, init_code, gas=1_000_000).contract_address
        assert probe is not None
        txs = [Transaction(to=probe, data=set_call(i + 1), gas=100_000) for i in range(items)]

        start, cpu = time.perf_counter(), time.process_time()
        for tx in txs:
            if not chain.send(key, tx).succeeded:
                raise RuntimeError("a benchmark transaction failed")
        one_by_one = items / (time.perf_counter() - start)
        one_by_one_cpu = items / (time.process_time() - cpu)

        start, cpu = time.perf_counter(), time.process_time()
        receipts = chain.send_many(key, txs)
        batched = items / (time.perf_counter() - start)
        batched_cpu = items / (time.process_time() - cpu)
        if not all(r.succeeded for r in receipts):
            raise RuntimeError("a benchmark transaction failed")

        value_call = keccak256(b"value()")[:4]
        start = time.perf_counter()
        for _ in range(items):
            chain.call(probe, value_call)
        calls = items / (time.perf_counter() - start)
    return {"one_by_one": one_by_one, "send_many": batched, "calls": calls,
            "one_by_one_cpu": one_by_one_cpu, "send_many_cpu": batched_cpu}  # fmt: skip


def _eth_tester_run(items: int) -> dict[str, float]:
    """The same job through eth-tester's PyEVMBackend (its funded test account, its chain id)."""
    from eth_tester import PyEVMBackend

    backend = PyEVMBackend()
    account_key = PrivateKey(backend.account_keys[0].to_bytes())
    chain_id = backend.chain.chain_id
    init_code, set_call = _probe()
    nonce = 0

    def raw(to: str | None, data: bytes, gas: int) -> bytes:
        nonce_now = nonce
        return ethtx.sign_legacy(
            account_key, nonce=nonce_now, gas_price=10**10, gas=gas, to=to, data=data, chain_id=chain_id
        ).raw

    backend.send_raw_transaction(raw(None, init_code, 1_000_000))
    nonce += 1
    backend.mine_blocks()
    sender = bytes.fromhex(account_key.address[2:])
    deployed = "0x" + keccak256(ethtx.rlp_encode([sender, b""]))[12:].hex()  # CREATE at nonce 0
    if not backend.get_code(bytes.fromhex(deployed[2:])):
        raise RuntimeError("eth-tester did not deploy the probe")

    start = time.perf_counter()
    for i in range(items):
        backend.send_raw_transaction(raw(deployed, set_call(i + 1), 100_000))
        nonce += 1
        backend.mine_blocks()
    one_by_one = items / (time.perf_counter() - start)

    start = time.perf_counter()
    for i in range(items):
        backend.send_raw_transaction(raw(deployed, set_call(i + 1), 100_000))
        nonce += 1
    backend.mine_blocks()
    batched = items / (time.perf_counter() - start)
    if backend.chain.get_vm().state.get_storage(bytes.fromhex(deployed[2:]), 0) != items:
        raise RuntimeError("eth-tester did not apply the benchmark transactions")
    return {"one_by_one": one_by_one, "send_many": batched}


def measure(items: int = 200, runs: int = 5, *, eth_tester: bool = True) -> dict[str, Any]:
    """Medians of ``runs`` runs of ``items`` transactions each way, per storage (and eth-tester)."""
    samples: dict[str, list[dict[str, float]]] = {"memory": [], "sqlite": []}
    if eth_tester:
        samples["eth_tester"] = []
    for _ in range(runs):
        samples["memory"].append(_one_run(None, items))
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
            samples["sqlite"].append(_one_run(Path(tmp) / "chain.sqlite", items))
        if eth_tester:
            samples["eth_tester"].append(_eth_tester_run(items))
    result: dict[str, Any] = {"items": items, "runs": runs}
    for name, runs_of in samples.items():
        one = statistics.median(r["one_by_one"] for r in runs_of)
        many = statistics.median(r["send_many"] for r in runs_of)
        result[name] = {"one_by_one_tx_per_s": round(one, 1), "send_many_tx_per_s": round(many, 1),
                        "ratio": round(many / one, 2)}  # fmt: skip
        extras = {"calls": "calls_per_s", "one_by_one_cpu": "one_by_one_tx_per_cpu_s",
                  "send_many_cpu": "send_many_tx_per_cpu_s"}  # fmt: skip
        for sample, label in extras.items():
            if sample in runs_of[0]:
                result[name][label] = round(statistics.median(r[sample] for r in runs_of), 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200, help="transactions each way (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="runs to take the median of (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-eth-tester", action="store_true", help="skip the eth-tester comparison")
    args = parser.parse_args(argv)
    result = measure(args.items, args.runs, eth_tester=not args.no_eth_tester)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"embedded chain, {args.items} x Probe.set per way, median of {args.runs} runs")
    print(f"{'chain':<12} {'one by one tx/s':>16} {'send_many tx/s':>15} {'ratio':>7} {'calls/s':>9}")
    for name in ("memory", "sqlite", "eth_tester"):
        if name in result:
            row = result[name]
            calls = f"{row['calls_per_s']:>9,.0f}" if "calls_per_s" in row else f"{'-':>9}"
            print(f"{name:<12} {row['one_by_one_tx_per_s']:>16,.0f} {row['send_many_tx_per_s']:>15,.0f} "
                  f"{row['ratio']:>6.1f}x {calls}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
