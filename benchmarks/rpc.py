"""The rpc backend against a real anvil: transactions per second one by one versus pipelined.

Usage::

    python -m benchmarks.rpc [--items 300] [--runs 5] [--json]

One anvil from npm is started the way the tests start it (``tests/anvil.py``: 127.0.0.1, a free port,
``--prune-history``, ``--mixed-mining --block-time 1``). Three jobs, each ``items`` transactions, each
transaction signed locally, sent, mined and its receipt read:

* ``plain``: the tests' Probe contract, ``set(value, note)`` (a storage write and an event);
* ``contributions recorded``: ``ContributionLedger.record`` with one contribution per transaction;
* ``credentials anchored``: ``IssuerRegistry.anchorMerkleRoot`` of one batch root per transaction.

"sequential" is ``send`` for each transaction (wait for its receipt before sending the next);
"pipelined" is one ``send_many`` (every transaction signed, sent as JSON-RPC batches, receipts
collected by batched polling). Sequential and pipelined runs alternate, so that a machine busy with
something else slows both alike; figures are medians over ``runs``, and the ratio is the ratio of the
medians. Goal (issue 4): pipelined at least 5 times sequential.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ledger.chain.base import Transaction
from ledger.chain.rpc import RpcChain
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey

from . import REPO_ROOT, BenchmarkError

PROBE_JSON = REPO_ROOT / "tests" / "chain" / "probe.json"
GOAL_RATIO = 5.0


def _anvil_module() -> ModuleType:
    """``tests/anvil.py``, loaded by path (``tests`` is not an installed package)."""
    spec = importlib.util.spec_from_file_location("_bench_rpc_anvil", REPO_ROOT / "tests" / "anvil.py")
    if spec is None or spec.loader is None:
        raise BenchmarkError("tests/anvil.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants; ``None`` off Linux."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        total, todo = 0.0, [pid]
        while todo:
            current = todo.pop()
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        return total
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def anvil_chain(
    extra_args: Sequence[str] = (),
) -> Iterator[tuple[RpcChain, PrivateKey, Callable[[], float | None]]]:
    """A fresh anvil, an :class:`RpcChain` on it, a funded key, and a meter of anvil's CPU seconds."""
    anvil = _anvil_module()
    with anvil.Anvil(extra_args=list(extra_args)) as node:
        chain = RpcChain([node.url])
        try:
            key = PrivateKey.generate()
            chain.fund(key.address, 10**24)
            yield chain, key, lambda: process_tree_cpu(node.process.pid)
        finally:
            chain.close()


# -- jobs: each returns a builder of ``n`` fresh transactions ----------------------------------------


def plain_job(chain: RpcChain, key: PrivateKey) -> Callable[[int], list[Transaction]]:
    artifact = json.loads(PROBE_JSON.read_text())
    receipt = chain.deploy(key, bytes.fromhex(artifact["bytecode"].removeprefix("0x")), gas=1_000_000)
    if receipt.contract_address is None:
        raise BenchmarkError(f"deploying Probe failed: {receipt.status}")
    probe = receipt.contract_address
    selector = keccak256(b"set(uint256,string)")[:4]
    note = b"bench"
    tail = (64).to_bytes(32, "big") + len(note).to_bytes(32, "big") + note.ljust(32, b"\0")

    def build(n: int) -> list[Transaction]:
        return [Transaction(probe, selector + (i + 1).to_bytes(32, "big") + tail, 100_000) for i in range(n)]

    return build


def _our_contracts(chain: RpcChain, key: PrivateKey) -> tuple[Any, int]:
    """Deploy our contracts; make ``key`` a Community issuer of certificate type 1."""
    from ledger import types
    from ledger.contracts import deployment as contracts
    facade = contracts.Contracts(chain, contracts.deploy(chain, key))
    type_id = 1
    kinds = int(types.IssuerKinds.COMMUNITY | types.IssuerKinds.UNIVERSITY)
    facade.credentials.define_type(
        key, type_id, field=1, level=1, allowed_kinds=kinds, criteria=types.Criteria()
    )
    facade.issuers.add_issuer(key, key.address, types.IssuerKind.COMMUNITY, [type_id])
    return facade, type_id


def record_job(facade: Any) -> Callable[[int], list[Transaction]]:
    from ledger import types
    rng = random.Random(4)

    def item() -> types.ContributionItem:
        return types.ContributionItem(
            key=rng.randbytes(32), subject=rng.randbytes(32), project=rng.randbytes(32),
            kind=types.ContributionKind(rng.randrange(1, 4)), field=rng.randrange(1, 8), weight=rng.randrange(1, 100),
            occurred_at=1_700_000_000 + rng.randrange(10**7), evidence_hash=rng.randbytes(32),
        )  # fmt: skip

    return lambda n: [facade.contributions.build_record([item()]) for _ in range(n)]


def anchor_job(facade: Any, type_id: int) -> Callable[[int], list[Transaction]]:
    return lambda n: [facade.issuers.build_anchor(type_id, 1_000, os.urandom(32)) for _ in range(n)]


# -- measuring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One timed run: throughput, and CPU milliseconds per transaction on each side."""

    tx_per_s: float
    node_cpu_ms: float | None  # anvil's CPU per transaction
    client_cpu_ms: float  # this process's CPU per transaction (signing, JSON, HTTP)
    blocks: int  # how many blocks the run's transactions were mined in
    blocks_mined: int  # how many blocks the node mined during the run, empty ones included


def _run(
    chain: RpcChain,
    key: PrivateKey,
    txs: list[Transaction],
    pipelined: bool,
    node_cpu: Callable[[], float | None],
) -> Sample:
    first_block = chain.block_number()
    node_before, client_before = node_cpu(), time.process_time()
    start = time.perf_counter()
    receipts = chain.send_many(key, txs) if pipelined else [chain.send(key, tx) for tx in txs]
    seconds = time.perf_counter() - start
    node_after, client_after = node_cpu(), time.process_time()
    failed = [r for r in receipts if not r.succeeded]
    if failed:
        raise BenchmarkError(f"{len(failed)} of {len(txs)} transactions failed ({failed[0].status})")
    n = len(txs)
    node_ms = None if node_before is None or node_after is None else 1000 * (node_after - node_before) / n
    return Sample(n / seconds, node_ms, 1000 * (client_after - client_before) / n,
                  len({r.block_number for r in receipts}), max(r.block_number for r in receipts) - first_block)


def block_cost(chain: Any, node_cpu: Callable[[], float | None], blocks: int = 100) -> float | None:
    """The node's CPU milliseconds to mine one empty block (``evm_mine``), or ``None`` where the node
    has no such method or its CPU cannot be read.

    On anvil this grows with the chain's length and the contracts' storage: that is what slows a
    sequential sender (one block per transaction) as a run goes on, and what a pipelined burst shares
    among the transactions of each block.
    """
    from ledger.errors import LedgerError

    before = node_cpu()
    if before is None or not hasattr(chain, "request"):  # no evm_mine through FISCO's native RPC
        return None
    try:
        for _ in range(blocks):
            chain.request("evm_mine")
    except LedgerError:
        return None
    after = node_cpu()
    return None if after is None else round(1000 * (after - before) / blocks, 3)


def _summary(samples: list[Sample]) -> dict[str, Any]:
    node = [s.node_cpu_ms for s in samples if s.node_cpu_ms is not None]
    return {
        "tx_per_s": round(statistics.median(s.tx_per_s for s in samples), 1),
        "samples": [round(s.tx_per_s, 1) for s in samples],
        "node_cpu_ms_per_tx": round(statistics.median(node), 3) if node else None,
        "client_cpu_ms_per_tx": round(statistics.median(s.client_cpu_ms for s in samples), 3),
        "blocks_per_run": statistics.median(s.blocks for s in samples),
        "blocks_mined_per_run": statistics.median(s.blocks_mined for s in samples),
    }


def compare(
    chain: RpcChain,
    key: PrivateKey,
    build: Callable[[int], list[Transaction]],
    items: int,
    runs: int,
    node_cpu: Callable[[], float | None] = lambda: None,
) -> dict[str, Any]:
    """Sequential and pipelined runs, alternating; medians, their ratio, and CPU per transaction.

    The CPU figures say where the time goes: when the node's CPU per transaction is close to the
    wall time per transaction, the node is the bottleneck and no client can pipeline past it.

    The block counts say how a pipelined burst was mined. Anvil's automine takes the pool's ready
    transactions for a new block each time its miner wakes for a newly ready one; while one block is
    being mined, every wake-up queues another block with the same transactions, which the block
    before it has already taken, so it is mined empty. Each block, empty or not, costs the node work
    that grows with its state. To such a node the rpc backend sends a burst highest nonce first
    (``RpcChain._send_raw``): it becomes ready at once when its lowest arrives, and a burst of 300 lands
    in a few blocks, with few or no empty ones.
    """
    _run(chain, key, build(min(items, 20)), False, node_cpu)  # warm connections and caches
    sequential, pipelined = [], []
    first_block, cost_before = chain.block_number(), block_cost(chain, node_cpu)
    for _ in range(runs):
        sequential.append(_run(chain, key, build(items), False, node_cpu))
        pipelined.append(_run(chain, key, build(items), True, node_cpu))
    last_block, cost_after = chain.block_number(), block_cost(chain, node_cpu)
    seq, pipe = _summary(sequential), _summary(pipelined)
    ratio = pipe["tx_per_s"] / seq["tx_per_s"]
    return {
        "items": items,
        "runs": runs,
        "sequential_tx_per_s": seq["tx_per_s"],
        "pipelined_tx_per_s": pipe["tx_per_s"],
        "sequential_samples": seq["samples"],
        "pipelined_samples": pipe["samples"],
        "sequential": seq,
        "pipelined": pipe,
        "ratio": round(ratio, 2),
        "chain_blocks": [first_block, last_block],
        "empty_block_cpu_ms": [cost_before, cost_after],
        "goal_ratio": GOAL_RATIO,
        "goal_met": ratio >= GOAL_RATIO,
    }


def measure(items: int = 300, runs: int = 5, *, contracts: bool = True) -> dict[str, Any]:
    """Each job on its own fresh anvil; returns ``{job: figures}`` plus the anvil version and load.

    A fresh node per job keeps the jobs comparable: anvil's cost to mine a block grows with the chain's
    length and with the storage its contracts hold (an empty block took 0.3 ms of its CPU at block 400
    and 1.8 ms at block 2,000 after value transfers only, 5.5 ms at block 1,200 after 1,200 recorded
    contributions), so a job measured on a node that earlier jobs filled would look slower than it is.
    """
    results: dict[str, Any] = {"load_average_before": round(os.getloadavg()[0], 2)}
    names = ["plain"] + (["contributions recorded", "credentials anchored"] if contracts else [])
    for name in names:
        with anvil_chain() as (chain, key, node_cpu):
            results["node"] = chain.identity().extra["client"]
            if name == "plain":
                build = plain_job(chain, key)
            else:
                facade, type_id = _our_contracts(chain, key)
                build = (
                    record_job(facade) if name == "contributions recorded" else anchor_job(facade, type_id)
                )
            results[name] = compare(chain, key, build, items, runs, node_cpu)
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rpc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300, help="transactions per run and way (default 300)")
    parser.add_argument("--runs", type=int, default=5, help="runs per way; medians are reported (default 5)")
    parser.add_argument("--plain-only", action="store_true", help="skip our contracts (Probe only)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    results = measure(args.items, args.runs, contracts=not args.plain_only)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"rpc backend against {results['node']}: {args.items} transactions per run, median of {args.runs}")
    print(
        f"machine load average {results['load_average_before']} before, {results['load_average_after']} after"
    )
    print(f"{'job':<24} {'sequential tx/s':>16} {'pipelined tx/s':>15} {'ratio':>7}  goal >= {GOAL_RATIO:g}x")
    for job, figures in results.items():
        if isinstance(figures, dict):
            verdict = "met" if figures["goal_met"] else "missed"
            seq, pipe = figures["sequential"], figures["pipelined"]
            print(
                f"{job:<24} {seq['tx_per_s']:>16,.0f} {pipe['tx_per_s']:>15,.0f} {figures['ratio']:>6.2f}x  {verdict}"
            )
    print("node CPU ms to mine an empty block, before -> after the runs (chain length):")
    for job, figures in results.items():
        if isinstance(figures, dict):
            (before, after), (first, last) = figures["empty_block_cpu_ms"], figures["chain_blocks"]
            pipe = figures["pipelined"]
            print(f"  {job:<22} {before} -> {after} (blocks {first:,} -> {last:,}); a pipelined burst landed "
                  f"in {pipe['blocks_per_run']:g} blocks of {pipe['blocks_mined_per_run']:g} mined (median)")
    print("CPU ms per transaction (node / client), sequential -> pipelined:")
    for job, figures in results.items():
        if isinstance(figures, dict):
            seq, pipe = figures["sequential"], figures["pipelined"]
            print(
                f"  {job:<22} {seq['node_cpu_ms_per_tx']} / {seq['client_cpu_ms_per_tx']} -> "
                f"{pipe['node_cpu_ms_per_tx']} / {pipe['client_cpu_ms_per_tx']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
