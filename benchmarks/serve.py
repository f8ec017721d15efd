"""The web verifier's speed: ``POST /api/v1/verify`` of a batch, and of one credential under load.

    python -m benchmarks.serve [--credentials 1000] [--runs 3] [--clients 8] [--requests 100] [--json]

A workspace on the embedded chain is made once (not timed): an issuer, a certificate type, a batch of
``--credentials`` credentials. ``ledger serve`` then runs as its own process on 127.0.0.1 (domain
checks off: the issuer names no domain; the rate limit raised for the load), and:

* **batch**: the whole batch in one request (a JSON array), ``--runs`` times after one untimed
  request; credentials per second of wall time and per CPU-second of the server process (the goal,
  issue 17: >= 1,000 credentials/s per core).
* **one credential**: ``--clients`` concurrent clients (threads, one keep-alive connection each), each
  sending ``--requests`` requests of one credential (a different one each time), bounded by a
  deadline; every request's latency; p50 and p99 (goal: p99 <= 50 ms with 8 clients).

The server stops when the measurement ends. ``measure`` is what ``python -m benchmarks`` calls.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from benchmarks.rpc import process_tree_cpu

BATCH_GOAL = 1_000.0  # credentials per second per core
P99_GOAL = 50.0  # milliseconds
PASSWORD = "bench-serve-password"


@dataclass(frozen=True)
class Figure:
    job: str
    unit: str
    median: float
    samples: tuple[float, ...]
    detail: str


def _workspace(root: Path, count: int) -> tuple[Path, list[bytes]]:
    """A workspace with a batch of ``count`` credentials; the workspace and the credentials' JSON."""
    from dataclasses import replace

    from ledger.config import ServeSettings, Settings, load_settings, save_settings
    from ledger.credentials.bundle import bundle_lines
    from ledger.credentials.standards import parse_type
    from ledger.crypto.keys import PrivateKey
    from ledger.identity.keyring import Keyring
    from ledger.ledger import Ledger

    ws = root / "ws"
    Ledger.init(Settings(workspace=ws), password=PASSWORD, light_kdf=True)
    uni = PrivateKey.generate()
    Keyring(ws / "keys", light_kdf=True).add("uni", uni, PASSWORD)
    csv = root / "batch.csv"
    csv.write_text("student_number,name\n" + "".join(f"30{i:08d},Graduate {i}\n" for i in range(count)))
    with Ledger.open(load_settings(ws, env={}), password=PASSWORD, light_kdf=True) as lg:
        lg.define_type(parse_type({"id": 201, "name": "Bench course", "allowed_issuers": ["university"]}))
        lg.add_issuer(uni.address, kind="university", scope="201", metadata={"name": "Bench University"})
        lg.use_key(uni)
        batch = lg.issue_batch(201, csv, new_subjects=True, layout="jsonl")
        documents = [line for _, line in bundle_lines(Path(batch.to_dict()["output"]))]
        settings = lg.settings
    save_settings(replace(settings, serve=ServeSettings(rate_per_second=1e6, rate_burst=1_000_000,
                                                        max_body_bytes=64 * 1024 * 1024)))
    return ws, documents


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    """``ledger serve`` as its own process, stopped (SIGINT, then kill) on exit."""

    def __init__(self, ws: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = Path(sys.executable).with_name("ledger")
        env = {**os.environ, "LEDGER_WORKSPACE": str(ws), "LEDGER_PASSWORD": PASSWORD}
        self.process = subprocess.Popen([str(command), "serve", "--port", str(self.port), "--no-domain-check"],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"ledger serve exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("ledger serve did not answer within 120 s")
            time.sleep(0.1)

    def cpu(self) -> float:
        return process_tree_cpu(self.process.pid) or 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def _batch(server: _Server, documents: list[bytes], runs: int) -> Figure:
    body = b"[" + b",".join(documents) + b"]"
    rates, per_cpu, seconds = [], [], []
    with httpx.Client(timeout=300) as client:
        for run in range(runs + 1):
            cpu, start = server.cpu(), time.perf_counter()
            answer = client.post(server.url + "/api/v1/verify", content=body,
                                 headers={"Content-Type": "application/json"})
            wall, used = time.perf_counter() - start, server.cpu() - cpu
            data = answer.json()
            if answer.status_code != 200 or data.get("valid") != len(documents):
                raise RuntimeError(f"the batch did not verify: HTTP {answer.status_code}, {str(data)[:300]}")
            if run:  # the first request warms the server's caches and is not counted
                rates.append(len(documents) / wall)
                per_cpu.append(len(documents) / used if used > 0 else float("inf"))
                seconds.append(wall)
    detail = (f"{len(documents):,} credentials, {len(body) / 2**20:.1f} MiB per request, "
              f"{statistics.median(rates):,.0f} per second of wall time ({statistics.median(seconds):.2f} s), "
              f"server process CPU only; HTTP, JSON parsing and every verification step against the embedded chain")
    return Figure(f"POST /api/v1/verify, a batch of {len(documents):,}", "credentials/CPU-s",
                  statistics.median(per_cpu), tuple(per_cpu), detail)


def _singles(server: _Server, documents: list[bytes], clients: int, requests: int,
             deadline_s: float = 120.0) -> Figure:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_s
    start_gate = threading.Barrier(clients)

    def client(offset: int) -> None:
        # http.client, not httpx: the load generator shares the machine (and its threads the GIL), so the
        # lighter the client, the more of each latency is the server's.
        mine: list[float] = []
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        try:
            start_gate.wait()
            for i in range(requests):
                if time.monotonic() > stop_at:
                    break
                doc = documents[(offset * requests + i) % len(documents)]
                began = time.perf_counter()
                connection.request("POST", "/api/v1/verify", body=doc, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                mine.append((time.perf_counter() - began) * 1000)
                if answer.status != 200 or answer.getheader("ledger-verdict") != "valid":
                    with lock:
                        failures.append(f"HTTP {answer.status} {body[:200]!r}")
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)

    with httpx.Client(timeout=30) as warm:  # one request per credential's path, untimed
        warm.post(server.url + "/api/v1/verify", content=documents[0], headers={"Content-Type": "application/json"})
    cpu, began = server.cpu(), time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_s + 30)
    wall, used = time.perf_counter() - began, server.cpu() - cpu
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, first: {failures[0]}")
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    detail = (f"{clients} concurrent clients, {len(ordered):,} requests in {wall:.1f} s "
              f"({len(ordered) / wall:,.0f} per second); p50 {statistics.median(ordered):.1f} ms, "
              f"max {ordered[-1]:.1f} ms; server CPU {used / len(ordered) * 1000:.2f} ms per request")
    return Figure(f"POST /api/v1/verify, one credential, {clients} concurrent clients: p99 latency", "ms", p99,
                  tuple(ordered), detail)


def measure(credentials: int = 1_000, runs: int = 3, clients: int = 8, requests: int = 100) -> list[Figure]:
    """Both figures, on a fresh workspace and server."""
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        ws, documents = _workspace(Path(scratch), credentials)
        server = _Server(ws)
        try:
            return [_batch(server, documents, runs), _singles(server, documents, clients, requests)]
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100, help="requests per client")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.credentials, args.runs, args.clients, args.requests)
    if args.json:
        print(json.dumps([{**asdict(f), "samples": list(f.samples)[:50]} for f in figures], indent=1))
    else:
        for f in figures:
            print(f"{f.job}: {f.median:,.1f} {f.unit}  ({f.detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
