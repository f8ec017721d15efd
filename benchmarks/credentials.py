"""Credential throughput: build + hash + Merkle tree + proofs + durable files, and offline verification.

Run ``python -m benchmarks.credentials [--sizes 1000,10000,100000] [--runs 3] [--json out.json]``.

For each batch size and run (medians are reported):

* **build**: stamp the credentials into one template (hash included), build the Merkle tree, attach
  every proof (``build_per_second`` counts these in-memory stages only, like OpenAttestation's
  ``wrapDocuments``);
* **write**: each credential (with its proof) to its own file, mode 0600, in a fresh directory;
* **sync**: make the files durable (``--durability``, default ``syncfs``: one ``syncfs(2)`` plus an
  ``fsync`` of the directory). ``issued_per_second`` counts build + write + sync;
* **verify**: offline verification (parse, schema, hash, Merkle proof, expiry) of a sample of the
  written documents, as :func:`ledger.verify.verifier.verify_credential` does without a chain.

``--durability-cost`` also times the three ways of making a batch durable (none / syncfs / fsync per
file) on the smallest size, since that is what "durable" costs on the machine's disk. Wall-clock and
CPU times are both reported: on a shared machine the wall clock includes waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ledger.credentials.batch import attach_batch_proofs
from ledger.credentials.document import CredentialTemplate, SubjectEntry, build_batch
from ledger.credentials.files import write_credentials
from ledger.credentials.identifiers import account_did, type_url
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parts import Achievement, IssuerProfile
from ledger.credentials.proof import ChainRef
from ledger.verify.verifier import verify_credential

#: The chain and contract the sample proofs name (nothing is sent: this is the offline part).
CHAIN = ChainRef("embedded", 20200)
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ISSUER = "0x9178F546D3FF57D7A6352bD61B80cCCD46199C2d"
#: The deployment (its IssuerRegistry's DID) the sample subjects and type are named under.
DEPLOYMENT = account_did(CHAIN.chain_id, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512")


def sample_template() -> CredentialTemplate:
    """A realistic certificate template (course certificate of an open-source micro-major)."""
    return CredentialTemplate(
        IssuerProfile.for_account(CHAIN.chain_id, ISSUER, "Example University School of Software"),
        Achievement(
            id=type_url(DEPLOYMENT, 3, 1),
            type_id=3,
            type_version=1,
            name="Open-Source Micro-Major: Distributed Ledgers",
            description="Completed the four-course micro-major on distributed ledgers and consortium chains, "
            "with a capstone merged into an open-source project.",
            criteria="Pass the four courses with at least 60/100 and have one capstone pull request merged "
            "and co-signed by a maintainer.",
            field_of_study="Blockchain",
            achievement_type="MicroCredential",
        ),
        "2026-07-01T00:00:00Z",
        "2031-07-01T00:00:00Z",
        deployment=DEPLOYMENT,
    )


def sample_entries(size: int) -> list[SubjectEntry]:
    """``size`` rows: random pseudonymous subjects, each with a holder display name."""
    return [SubjectEntry(os.urandom(32), holder_name=f"Graduate {i:06d}") for i in range(size)]


def sample_documents(size: int) -> Iterator[dict[str, Any]]:
    """``size`` of our credential documents without proofs (what a peer would wrap)."""
    for credential in build_batch(sample_template(), sample_entries(size)):
        yield json.loads(credential.body)


def _filesystem(path: Path) -> str:
    """The mount's file system type (ext4, xfs, tmpfs ...), from /proc/mounts when there is one."""
    best, kind = "", "unknown"
    try:
        target = str(path.resolve())
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) > 2 and target.startswith(fields[1]) and len(fields[1]) > len(best):
                    best, kind = fields[1], fields[2]
    except OSError:
        pass
    return kind


def measure_batch(
    size: int,
    *,
    durability: str = "syncfs",
    verify_sample: int = 10_000,
    base: Path | None = None,
) -> dict[str, Any]:
    """One run of the whole pipeline for ``size`` credentials; seconds per stage and rates.

    Returns a dict with ``build_per_second``, ``issued_per_second``, ``verify_per_second`` (what
    ``benchmarks/__main__.py`` reads), the per-stage wall and CPU seconds and the bytes written.
    """
    template = sample_template()
    entries = sample_entries(size)
    workdir = Path(tempfile.mkdtemp(prefix="ledger-bench-", dir=base))
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def stage(name: str, started: tuple[float, float]) -> tuple[float, float]:
        now = (time.perf_counter(), time.process_time())
        wall[name], cpu[name] = now[0] - started[0], now[1] - started[1]
        return now

    try:
        mark = (time.perf_counter(), time.process_time())
        credentials = build_batch(template, entries)
        mark = stage("stamp_and_hash", mark)
        tree = MerkleTree.build([c.hash for c in credentials])
        mark = stage("merkle_tree", mark)
        proved = attach_batch_proofs(
            credentials,
            chain=CHAIN,
            contract=CONTRACT,
            tree=tree,
            anchor_transaction=os.urandom(32),
            anchor_block=42,
        )
        mark = stage("proofs", mark)
        report = write_credentials(workdir / "batch", proved, durability=durability)
        mark = stage("write_and_sync", mark)
        wall["write"], wall["sync"] = report.write_seconds, report.sync_seconds
        sample = [p.read_bytes() for p in report.paths[: min(verify_sample, size)]]
        now = datetime.now(timezone.utc)
        mark = (time.perf_counter(), time.process_time())
        for blob in sample:
            result = verify_credential(blob, None, now=now)
            if not result.valid_offline:
                raise AssertionError(f"a freshly issued credential failed verification: {result.failures}")
        stage("verify", mark)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    build = wall["stamp_and_hash"] + wall["merkle_tree"] + wall["proofs"]
    issued = build + wall["write_and_sync"]
    build_cpu = cpu["stamp_and_hash"] + cpu["merkle_tree"] + cpu["proofs"]
    issued_cpu = build_cpu + cpu["write_and_sync"]
    return {
        "size": size,
        "durability": report.durability,
        "filesystem": _filesystem(workdir.parent),
        "bytes_written": report.bytes_written,
        "seconds": {k: round(v, 4) for k, v in wall.items()},
        "cpu_seconds": {k: round(v, 4) for k, v in cpu.items()},
        "build_per_second": size / build,
        "issued_per_second": size / issued,
        "build_per_cpu_second": size / build_cpu if build_cpu else None,
        "issued_per_cpu_second": size / issued_cpu if issued_cpu else None,
        "verify_per_second": len(sample) / wall["verify"],
        "verify_per_cpu_second": len(sample) / cpu["verify"] if cpu["verify"] else None,
        "verify_sample": len(sample),
    }


def measure_durability(size: int, *, base: Path | None = None) -> dict[str, dict[str, float]]:
    """Seconds to write ``size`` files and to make them durable, per durability mode."""
    template = sample_template()
    proved = attach_batch_proofs(build_batch(template, sample_entries(size)), chain=CHAIN, contract=CONTRACT)
    out: dict[str, dict[str, float]] = {}
    for mode in ("none", "syncfs", "fsync"):
        workdir = Path(tempfile.mkdtemp(prefix="ledger-bench-", dir=base))
        try:
            report = write_credentials(workdir / "batch", proved, durability=mode)
            out[report.durability if mode != "none" else "none"] = {
                "write_seconds": round(report.write_seconds, 4),
                "sync_seconds": round(report.sync_seconds, 4),
                "files_per_second": size / (report.write_seconds + report.sync_seconds),
            }
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return out


_RATES = (
    "build_per_second",
    "issued_per_second",
    "verify_per_second",
    "build_per_cpu_second",
    "issued_per_cpu_second",
    "verify_per_cpu_second",
)


def run(
    sizes: list[int], runs: int, *, durability: str, base: Path | None, durability_cost: bool
) -> dict[str, Any]:
    """Every size ``runs`` times; medians of the rates plus every sample."""
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "sizes": {},
    }
    for size in sizes:
        samples = [measure_batch(size, durability=durability, base=base) for _ in range(runs)]
        results["sizes"][str(size)] = {
            "median": {key: statistics.median(s[key] for s in samples) for key in _RATES},
            "median_seconds": {
                key: round(statistics.median(s["seconds"][key] for s in samples), 4)
                for key in samples[0]["seconds"]
            },
            "samples": samples,
        }
    if durability_cost:
        results["durability_cost"] = {"size": min(sizes), "modes": measure_durability(min(sizes), base=base)}
    return results


def _print(results: dict[str, Any]) -> None:
    print(
        f"machine: {results['machine']['platform']}, {results['machine']['cpus']} cpus, "
        f"load {results['machine']['load_average']}"
    )
    print("rates per second of wall clock (and per second of this process's CPU time, user + system):")
    print(f"{'size':>8} {'build':>16} {'issued (durable)':>18} {'verify offline':>16}")
    for size, data in results["sizes"].items():
        m = data["median"]
        print(
            f"{int(size):>8,} {m['build_per_second']:>7,.0f} ({m['build_per_cpu_second'] or 0:>6,.0f}) "
            f"{m['issued_per_second']:>8,.0f} ({m['issued_per_cpu_second'] or 0:>7,.0f}) "
            f"{m['verify_per_second']:>7,.0f} ({m['verify_per_cpu_second'] or 0:>6,.0f})"
        )
        print(
            "         stages (s, median): "
            + ", ".join(f"{k} {v:.3f}" for k, v in data["median_seconds"].items())
        )
    if "durability_cost" in results:
        cost = results["durability_cost"]
        print(f"durability cost for {cost['size']:,} files:")
        for mode, figures in cost["modes"].items():
            print(
                f"  {mode:>7}: write {figures['write_seconds']:.3f} s, sync {figures['sync_seconds']:.3f} s, "
                f"{figures['files_per_second']:,.0f} files/s"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated batch sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (the median is reported)")
    parser.add_argument("--durability", default="syncfs", choices=("none", "fsync", "syncfs"))
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to write (default: the system temp dir)"
    )
    parser.add_argument("--durability-cost", action="store_true", help="also time none/syncfs/fsync")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(
        sizes, args.runs, durability=args.durability, base=args.dir, durability_cost=args.durability_cost
    )
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
