"""Index and audit speed: sync events per second, and the time to audit a subject with 1,000 credentials.

    python -m benchmarks.index [--events 20000] [--credentials 1000] [--runs 3] [--json]

Both run on the embedded chain, built once per invocation (building is not timed):

* **sync**: ``--events`` ContributionRecorded events (batches of 100 items, 50 transactions per block),
  indexed from scratch into a fresh index file, ``--runs`` times; the median events per second.
  Goal (issue 6): >= 10,000 events/s.
* **audit**: one subject holding ``--credentials`` criteria-checked credentials (each resting on two
  of its contributions, one of them co-signed), audited from a synced index, ``--runs`` times; the
  median seconds, index only and with the final verdict re-checked on the chain. Goal: <= 2 s.

The ``measure_*`` functions are what ``python -m benchmarks`` calls.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SYNC_GOAL = 10_000.0  # events per second
AUDIT_GOAL = 2.0  # seconds for a subject with 1,000 credentials


@dataclass(frozen=True)
class Figure:
    """One measured job: the median and every sample."""

    job: str
    unit: str
    median: float
    samples: tuple[float, ...]
    goal: str
    met: bool
    detail: str = ""


def _world(events: int, credentials: int) -> tuple[Any, Any, bytes]:
    """An embedded chain with the contracts, ``events`` contributions of many subjects, and one
    subject with ``credentials`` credentials. Returns (chain, deployment, subject)."""
    from ledger import types
    from ledger.chain.embedded import EmbeddedChain
    from ledger.contracts.deployment import Contracts, deploy
    from ledger.contracts.send import raise_for_receipt
    from ledger.crypto.hashing import keccak256
    from ledger.crypto.keys import PrivateKey

    chain = EmbeddedChain(None)
    admin = PrivateKey(keccak256(b"bench-index:admin"))
    community, maintainer = (PrivateKey(keccak256(b"bench-index:" + n)) for n in (b"community", b"maintainer"))
    deployment = deploy(chain, admin)
    c = Contracts(chain, deployment)
    # The type first: scope is granted against its allowed issuer kinds.
    raise_for_receipt(c.credentials.define_type(admin, 1, field=2, level=1,
                                                allowed_kinds=types.IssuerKinds.of(types.IssuerKind.COMMUNITY),
                                                criteria=types.Criteria(min_total=2)))
    for who in (community, maintainer):
        raise_for_receipt(c.issuers.add_issuer(admin, who.address, types.IssuerKind.COMMUNITY, [1]))

    def items(prefix: bytes, subject_of: Any, n: int) -> list[types.ContributionItem]:
        return [
            types.ContributionItem(key=keccak256(prefix + i.to_bytes(4, "big")), subject=subject_of(i),
                                   project=keccak256(b"project" + (i % 7).to_bytes(1, "big")),
                                   kind=types.ContributionKind(i % 12), field=2, weight=1,
                                   occurred_at=1_700_000_000 + i, evidence_hash=keccak256(prefix + b"e" + i.to_bytes(4, "big")))
            for i in range(n)
        ]

    def record(all_items: list[types.ContributionItem]) -> None:
        txs = [c.contributions.build_record(all_items[i : i + 100]) for i in range(0, len(all_items), 100)]
        for j in range(0, len(txs), 50):
            for r in chain.send_many(community, txs[j : j + 50]):
                raise_for_receipt(r)

    record(items(b"crowd", lambda i: keccak256(b"subject" + (i % 500).to_bytes(2, "big")), events))
    subject = keccak256(b"bench-index:the-candidate")
    mine = items(b"mine", lambda i: subject, 2 * credentials)
    record(mine)
    for j in range(0, credentials, 200):
        for r in chain.send_many(maintainer, [c.contributions.build_co_sign(mine[2 * i].key)
                                              for i in range(j, min(credentials, j + 200))]):
            raise_for_receipt(r)
    issue = [
        c.credentials.build_issue(1, subject, keccak256(b"credential" + i.to_bytes(4, "big")),
                                  [mine[2 * i].key, mine[2 * i + 1].key])
        for i in range(credentials)
    ]
    for j in range(0, len(issue), 200):
        for r in chain.send_many(community, issue[j : j + 200]):
            raise_for_receipt(r)
    return chain, deployment, subject


def measure_sync(chain: Any, deployment: Any, runs: int) -> Figure:
    from ledger.index import Index

    samples, cpu, events = [], [], 0
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        for run in range(runs):
            with Index.open(Path(tmp) / f"index-{run}.sqlite") as ix:
                started = time.process_time()
                result = ix.sync(chain, deployment)
                cpu.append(result.events / max(time.process_time() - started, 1e-9))
            events = result.events
            samples.append(result.events_per_second)
    median = statistics.median(samples)
    return Figure("index sync from scratch (file, WAL)", "events/s", median, tuple(samples),
                  f">= {SYNC_GOAL:,.0f}", median >= SYNC_GOAL,
                  f"{events} events; {statistics.median(cpu):,.0f} events per CPU-second; {_load()}")


def measure_audit(chain: Any, deployment: Any, subject: bytes, runs: int, *, recheck: bool) -> Figure:
    from ledger.audit import Auditor, ChainLogCheck
    from ledger.contracts.deployment import Contracts
    from ledger.index import Index

    samples: list[float] = []
    count = 0
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp, Index.open(Path(tmp) / "index.sqlite") as ix:
        ix.sync(chain, deployment)
        for _ in range(runs):
            check = ChainLogCheck(Contracts(chain, deployment), from_block=deployment.block_number) if recheck else None
            started = time.perf_counter()
            report = Auditor(ix.reader, chain=check).subject(subject)
            report.to_html()
            samples.append(time.perf_counter() - started)
            count = len(report.credentials)
            if report.valid_count != count:
                raise RuntimeError("the benchmark's credentials should all be valid")
    median = statistics.median(samples)
    what = "with the final verdict re-checked on chain" if recheck else "from the index only"
    return Figure(f"audit a subject with {count} credentials, {what}, incl. HTML", "s", median, tuple(samples),
                  f"<= {AUDIT_GOAL:g} s", median <= AUDIT_GOAL, _load())


def _load() -> str:
    """The machine's load while measuring (the figures are wall-clock on a shared machine)."""
    try:
        import os

        one, _, _ = os.getloadavg()
        return f"load average {one:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return ""


def run(events: int = 20_000, credentials: int = 1_000, runs: int = 3) -> list[Figure]:
    chain, deployment, subject = _world(events, credentials)
    try:
        return [
            measure_sync(chain, deployment, runs),
            measure_audit(chain, deployment, subject, runs, recheck=False),
            measure_audit(chain, deployment, subject, runs, recheck=True),
        ]
    finally:
        chain.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="contributions to index (default 20,000)")
    parser.add_argument("--credentials", type=int, default=1_000, help="credentials of the audited subject")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run(args.events, args.credentials, args.runs)
    if args.json:
        print(json.dumps([asdict(f) for f in figures], indent=2))
    else:
        for f in figures:
            mark = "met" if f.met else "MISSED"
            print(f"{f.job}: {f.median:,.3f} {f.unit} (goal {f.goal}: {mark}; samples "
                  f"{', '.join(f'{s:,.3f}' for s in f.samples)}) {f.detail}")
        print(f"(total with set-up {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
