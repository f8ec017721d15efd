"""``ledger node``: how long it takes to start, and transactions per second through fisco3 against it.

Usage::

    python -m benchmarks.node [--items 300] [--runs 3] [--crypto sm] [--json]

* start: wall time from launching ``ledger node --json --port 0`` (a fresh process: Python, the CLI,
  py-evm, a new chain) to the line it prints when it serves, median of ``starts``; goal under 2 s
  (issue 16);
* throughput: the ``fisco3`` backend against ``ledger node --protocol fisco3`` in its own process
  (SM by default: SM2 signatures checked by the node, SM3 for the KECCAK256 opcode), recording one
  contribution and anchoring one root per transaction, sequential (``send``: each ``sendTransaction``
  answers at commit) versus pipelined (``send_many``: many ``sendTransaction`` requests open at once,
  sealed together); the timing loop is :func:`benchmarks.rpc.compare`, so the figures read as the rpc
  backend's do, with the node's CPU per transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import REPO_ROOT, BenchmarkError

START_GOAL_SECONDS = 2.0


def _ledger_command() -> list[str]:
    ledger_bin = Path(sys.executable).with_name("ledger")
    return [str(ledger_bin)] if ledger_bin.exists() else [sys.executable, "-m", "ledger.cli"]


@contextmanager
def node_process(*args: str, timeout: float = 60.0) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any], float]]:
    """A ``ledger node --json --port 0 ARGS`` process, what it printed, and seconds until it printed it."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*_ledger_command(), "node", "--json", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        seconds = time.perf_counter() - start
        if not line or not line[0].strip():
            raise BenchmarkError(f"ledger node did not start within {timeout:g} s")
        yield proc, json.loads(line[0]), seconds
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def measure_start(starts: int = 5) -> list[float]:
    """Seconds from launch to serving, ``starts`` fresh processes (a fisco3 SM node each)."""
    samples = []
    for _ in range(starts):
        with node_process("--protocol", "fisco3", "--crypto", "sm") as (_, _info, seconds):
            samples.append(seconds)
    return samples


def measure_throughput(items: int = 300, runs: int = 3, crypto: str = "sm") -> dict[str, dict[str, Any]]:
    """Contributions recorded and roots anchored per second through fisco3 against a ledger node."""
    from ledger import types
    from ledger.chain.fisco import open_fisco
    from ledger.contracts import deployment
    from ledger.crypto.keys import PrivateKey

    from .rpc import anchor_job, compare, process_tree_cpu, record_job

    results: dict[str, dict[str, Any]] = {}
    for job in ("contributions recorded", "credentials anchored"):
        with node_process("--protocol", "fisco3", "--crypto", crypto) as (proc, info, _):
            chain = open_fisco("fisco3", info["url"], timeout=120)
            key = PrivateKey.generate(crypto)
            facade = deployment.Contracts(chain, deployment.deploy(chain, key))
            kinds = int(types.IssuerKinds.COMMUNITY | types.IssuerKinds.UNIVERSITY)
            facade.credentials.define_type(key, 1, field=1, level=1, allowed_kinds=kinds, criteria=types.Criteria())
            facade.issuers.add_issuer(key, key.address, types.IssuerKind.COMMUNITY, [1])
            build = record_job(facade) if job == "contributions recorded" else anchor_job(facade, 1)
            results[job] = compare(chain, key, build, items, runs, lambda: process_tree_cpu(proc.pid))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.node", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300, help="transactions per run and way (default 300)")
    parser.add_argument("--runs", type=int, default=3, help="runs per way; medians are reported (default 3)")
    parser.add_argument("--starts", type=int, default=5, help="node starts timed (default 5)")
    parser.add_argument("--crypto", choices=["ecdsa", "sm"], default="sm")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    starts = measure_start(args.starts)
    throughput = measure_throughput(args.items, args.runs, args.crypto)
    if args.json:
        print(json.dumps({"start_seconds": starts, "throughput": throughput, "load": os.getloadavg()[0]}, indent=2))
        return 0
    ordered = sorted(starts)
    print(f"ledger node start (launch to serving), median of {len(starts)}: {ordered[len(ordered) // 2]:.2f} s "
          f"(samples {', '.join(f'{s:.2f}' for s in starts)}; goal < {START_GOAL_SECONDS:g} s)")
    print(f"fisco3 ({args.crypto}) against ledger node: {args.items} transactions per run, median of {args.runs}")
    for job, figures in throughput.items():
        seq, pipe = figures["sequential"], figures["pipelined"]
        print(f"  {job:<24} sequential {seq['tx_per_s']:,.0f} tx/s, pipelined {pipe['tx_per_s']:,.0f} tx/s "
              f"({figures['ratio']:.2f}x); node CPU/tx {seq['node_cpu_ms_per_tx']} -> {pipe['node_cpu_ms_per_tx']} ms; "
              f"a burst landed in {pipe['blocks_per_run']:g} blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
