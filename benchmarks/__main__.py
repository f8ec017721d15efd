"""``python -m benchmarks``: every benchmark in one run, ours beside EAS and OpenAttestation.

Usage::

    python -m benchmarks [--quick] [--runs N] [--backends embedded,anvil]
                         [--json out.json] [--markdown out.md] [--update-readme [README.md]]
    python -m benchmarks --from-json out.json --update-readme    # regenerate without re-running

One run deploys our contracts, EAS and OpenAttestation's DocumentStore side by side on each backend
(the embedded py-evm chain, and a fresh anvil from npm), measures gas for the same jobs, times document
batches and verifications against OpenAttestation's library in node, chain throughput, index sync and
``ledger --help`` start-up, and writes JSON and a markdown table. ``--quick`` is the smoke subset (small
sizes, one run): it checks that everything still runs, not how fast.

Our side comes from the modules that own it (``benchmarks.gas``, ``benchmarks.credentials``,
``benchmarks.rpc``, ``benchmarks.embedded``, ``ledger.index``); a module that is not there yet gives a
row marked "not measured" with the reason, never a made-up number.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import random
import importlib
import importlib.util
import json
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator, Sequence

from . import REPO_ROOT, BenchmarkError
from .peers import artifacts as peer_artifacts
from .peers import contracts as peer_contracts
from .peers import openattestation
from .report import AT_LEAST, AT_MOST, RATIO_AT_LEAST, RATIO_AT_MOST, Goal, Report, Row, median, update_readme, write

# The goals, from issues 2, 3, 4, 6 and 7.
GOAL_ANCHOR = Goal(RATIO_AT_MOST, 1.0)  # gas to anchor <= DocumentStore issue
GOAL_RECORD = Goal(RATIO_AT_MOST, 0.35)  # gas per contribution <= 0.35x EAS multiAttest per attestation
GOAL_REVOKE = Goal(RATIO_AT_MOST, 0.9)  # gas to revoke a leaf <= 0.9x DocumentStore
GOAL_BUILD = Goal(RATIO_AT_LEAST, 8.0)  # building a batch >= 8x OpenAttestation wrapDocuments
GOAL_VERIFY = Goal(RATIO_AT_LEAST, 3.0)  # verifying >= 3x OpenAttestation verifySignature
GOAL_ISSUED = Goal(AT_LEAST, 20_000)  # credentials issued per second end to end
GOAL_VERIFIED = Goal(AT_LEAST, 10_000)  # offline verifications per second
GOAL_PIPELINE = Goal(RATIO_AT_LEAST, 5.0)  # pipelined >= 5x sequential (anvil)
GOAL_INDEX = Goal(AT_LEAST, 10_000)  # index sync events per second
GOAL_STARTUP = Goal(AT_MOST, 0.3)  # `ledger --help` seconds

BACKENDS = ("embedded", "anvil")


class NotAvailable(Exception):
    """Our side of a row cannot be measured yet (its module is missing); the reason goes in the note."""


@dataclass(frozen=True)
class Plan:
    """What one run measures and how often."""

    quick: bool
    runs: int
    batch_sizes: tuple[int, ...]
    verify_sample: int
    record_batch: int
    revoke_batch: int
    chain_items: int
    startup_runs: int
    backends: tuple[str, ...]

    @classmethod
    def make(cls, *, quick: bool, runs: int | None, backends: Sequence[str]) -> Plan:
        if quick:
            return cls(quick=True, runs=runs or 1, batch_sizes=(200,), verify_sample=200, record_batch=100,
                       revoke_batch=1024, chain_items=40, startup_runs=3, backends=tuple(backends))
        return cls(quick=False, runs=runs or 3, batch_sizes=(1_000, 10_000, 100_000), verify_sample=10_000,
                   record_batch=100, revoke_batch=1024, chain_items=500, startup_runs=11,
                   backends=tuple(backends))


def _optional(module: str) -> ModuleType:
    """Import one of our benchmark or library modules, or raise :class:`NotAvailable`."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotAvailable(f"{module} is not in the tree yet") from exc
        raise  # the module exists but one of its own imports is broken: a real error


def profile(fn: Callable[[], Any], *, top: int = 4) -> str:
    """Where the time of one call of ``fn`` goes: the functions with the most own time, in percent.

    Used in the note of a missed speed goal, to say what bounds it.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    parts = []
    for (filename, _line, name), entry in ranked:
        if filename.startswith("~"):  # a built-in: "<built-in method time.sleep>"
            label = name.strip("<>").replace("built-in method ", "").replace("method ", "")
        else:
            label = f"{Path(filename).stem}.{name}"
        parts.append(f"{entry[2] / total:.0%} {label}")
    return "profile: " + ", ".join(parts)


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Backends


def _anvil_module() -> ModuleType:
    """``tests/anvil.py`` (the shared anvil launcher), loaded by path: ``tests`` is not a package."""
    spec = importlib.util.spec_from_file_location("_bench_anvil", REPO_ROOT / "tests" / "anvil.py")
    if spec is None or spec.loader is None:
        raise BenchmarkError("tests/anvil.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def open_backend(name: str) -> Iterator[tuple[Any, Any]]:
    """Yield ``(chain, funded key)`` on a fresh chain: in-memory embedded, or a new anvil process."""
    from ledger.chain.base import FUNDING
    from ledger.crypto import PrivateKey

    if name == "embedded":
        embedded = _optional("ledger.chain.embedded")
        chain = embedded.EmbeddedChain(None)
        try:
            key = PrivateKey.generate()
            if FUNDING in chain.features:
                chain.fund(key.address, 10**24)
            yield chain, key
        finally:
            chain.close()
        return
    if name == "anvil":
        rpc = _optional("ledger.chain.rpc")
        anvil = _anvil_module()
        # 100 EAS attestations in one multiAttest need ~30 M gas: lift anvil's block gas limit.
        with anvil.Anvil(extra_args=["--gas-limit", "1000000000"]) as node:
            chain = rpc.RpcChain([node.url])
            try:
                yield chain, PrivateKey.from_hex(anvil.DEV_KEY_HEX)
            finally:
                chain.close()
        return
    raise BenchmarkError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")


# --------------------------------------------------------------------------------------------------
# Gas: ours beside the peers, per backend


def _our_gas(chain: Any, key: Any, plan: Plan) -> dict[str, float]:
    """Our gas for the same jobs, from ``benchmarks.gas``."""
    gas = _optional("benchmarks.gas")
    measure = getattr(gas, "measure", None)
    if measure is None:
        raise NotAvailable("benchmarks.gas has no measure(chain, key) yet")
    return dict(measure(chain, key))


def gas_rows(backend: str, chain: Any, key: Any, plan: Plan) -> list[Row]:
    """Anchor, record 1 and 100, revoke a leaf: ours vs DocumentStore and EAS on ``chain``."""
    _log(f"{backend}: peers' gas (EAS, DocumentStore)")
    peer = peer_contracts.measure_gas(chain, key, batch=plan.record_batch, revoke_batch_size=plan.revoke_batch)
    note = ""
    try:
        _log(f"{backend}: our gas")
        ours: dict[str, float] = _our_gas(chain, key, plan)
    except NotAvailable as exc:
        ours, note = {}, f"ours not measured: {exc}"
    n = plan.record_batch
    schema = "EAS schema with the same 8 fields as our item"
    return [
        Row("gas", "anchor one batch root", backend, "gas", ours.get("anchor"), peer.document_store_issue,
            "DocumentStore issue", GOAL_ANCHOR, note=note),
        Row("gas", "anchor one batch root (vs EAS)", backend, "gas", ours.get("anchor"), peer.eas_timestamp,
            "EAS timestamp", note=note),
        Row("gas", "record one contribution", backend, "gas", ours.get("record_1"), peer.eas_attest,
            "EAS attest", note=note or schema),
        Row("gas", f"record {n} contributions, per item", backend, "gas/item", ours.get(f"record_{n}_per_item"),
            peer.eas_multi_attest_per_item, "EAS multiAttest", GOAL_RECORD, note=note or schema),
        Row("gas", f"revoke one leaf of a {plan.revoke_batch}-leaf batch", backend, "gas",
            ours.get("revoke_leaf"), peer.document_store_revoke_leaf, "DocumentStore revoke(root, doc, proof)",
            GOAL_REVOKE, note=note or "both check the Merkle proof on chain"),
    ]


# --------------------------------------------------------------------------------------------------
# Documents: batches with proofs and verification, ours vs OpenAttestation (offline)


def _our_documents(size: int) -> tuple[list[dict[str, Any]], Callable[[], Any]]:
    """``size`` of our credential documents (without proofs) and a function that times our side."""
    creds = _optional("benchmarks.credentials")
    make = getattr(creds, "sample_documents", None)
    time_batch = getattr(creds, "measure_batch", None)
    if make is None or time_batch is None:
        raise NotAvailable("benchmarks.credentials has no sample_documents/measure_batch yet")
    return list(make(size)), lambda: time_batch(size)


def document_rows(plan: Plan) -> list[Row]:
    """Per batch size: build with proofs (ours vs wrapDocuments) and verify (ours vs verifySignature)."""
    rows: list[Row] = []
    for size in plan.batch_sizes:
        note = ""
        ours_build = ours_verify = ours_e2e = None
        try:
            documents, ours = _our_documents(size)
        except NotAvailable as exc:
            note = f"ours not measured: {exc}; peer timed on placeholder documents"
            documents, ours = [_placeholder_document(i) for i in range(size)], None
        _log(f"OpenAttestation: wrap {size:,} documents x{plan.runs}")
        oa = openattestation.measure(documents, runs=plan.runs, verify_sample=min(size, plan.verify_sample))
        if ours is not None:
            _log(f"ours: build {size:,} credentials x{plan.runs}")
            samples = [ours() for _ in range(plan.runs)]
            ours_build = median([s["build_per_second"] for s in samples])
            ours_verify = median([s["verify_per_second"] for s in samples])
            ours_e2e = median([s["issued_per_second"] for s in samples])
        rows += [
            Row("documents", f"build a batch of {size:,} with proofs", "offline", "docs/s", ours_build,
                oa.wrap_per_second, "OpenAttestation wrapDocuments", GOAL_BUILD, runs=plan.runs, note=note),
            Row("documents", f"verify ({min(size, plan.verify_sample):,} of the batch)", "offline", "docs/s",
                ours_verify, oa.verify_per_second, "OpenAttestation verifySignature", GOAL_VERIFY,
                runs=plan.runs, note=note),
            Row("documents", f"issue {size:,} end to end (files written durably)", "offline", "docs/s",
                ours_e2e, goal=GOAL_ISSUED, runs=plan.runs, note=note),
        ]
    return rows


def _document_fallback(plan: Plan) -> list[Row]:
    rows = []
    for size in plan.batch_sizes:
        rows += [
            Row("documents", f"build a batch of {size:,} with proofs", "offline", "docs/s", None, None,
                "OpenAttestation wrapDocuments", GOAL_BUILD),
            Row("documents", f"verify ({min(size, plan.verify_sample):,} of the batch)", "offline", "docs/s",
                None, None, "OpenAttestation verifySignature", GOAL_VERIFY),
            Row("documents", f"issue {size:,} end to end (files written durably)", "offline", "docs/s", None,
                goal=GOAL_ISSUED),
        ]
    return rows


def _placeholder_document(i: int) -> dict[str, Any]:
    """A VC-shaped document, used for the peer only while our credential module is missing."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:fisco:20200:0x9178F546D3FF57D7A6352bD61B80cCCD46199C2d", "name": "Benchmark University"},
        "validFrom": "2026-07-01T00:00:00Z",
        "credentialSubject": {"id": f"urn:subject:{i:064x}", "type": ["AchievementSubject"],
                              "achievement": {"id": "urn:type:1", "type": ["Achievement"], "name": "Course"}},
    }


# --------------------------------------------------------------------------------------------------
# Chain throughput per backend, index sync, start-up


@dataclass(frozen=True)
class World:
    """Our contracts deployed on one chain, with ``key`` a committee member and an active issuer."""

    chain: Any
    key: Any
    contracts: Any
    type_id: int


def make_world(chain: Any, key: Any) -> World:
    """Deploy our contracts; make ``key`` a Community issuer of one certificate type."""
    from ledger import contracts as ours
    from ledger import types

    deployment = ours.deploy(chain, key)
    facade = ours.Contracts(chain, deployment)
    type_id = 1
    facade.credentials.define_type(
        key, type_id, field=1, level=1,
        allowed_kinds=int(types.IssuerKinds.COMMUNITY | types.IssuerKinds.UNIVERSITY), criteria=types.Criteria(),
    )
    facade.issuers.add_issuer(key, key.address, types.IssuerKind.COMMUNITY, [type_id])
    return World(chain=chain, key=key, contracts=facade, type_id=type_id)


def contribution_items(count: int, seed: int) -> list[Any]:
    """``count`` random contribution items, the same fields as the EAS schema's."""
    from ledger import types

    rng = random.Random(seed)
    items = []
    for _ in range(count):
        peer = peer_contracts.ContributionItem.random(rng)
        items.append(types.ContributionItem(
            key=peer.key, subject=peer.subject, project=peer.project, kind=types.ContributionKind(peer.kind),
            field=peer.field, weight=peer.weight, occurred_at=peer.occurred_at, evidence_hash=peer.evidence_hash,
        ))
    return items


def _timed_sends(world: World, txs: Sequence[Any], pipelined: bool) -> float:
    """Transactions per second to send ``txs`` and have every receipt, one by one or with send_many."""
    start = time.perf_counter()
    if pipelined:
        receipts = world.chain.send_many(world.key, list(txs))
    else:
        receipts = [world.chain.send(world.key, tx) for tx in txs]
    seconds = time.perf_counter() - start
    failed = [r for r in receipts if not r.succeeded]
    if failed:
        raise BenchmarkError(f"{len(failed)} of {len(txs)} benchmark transactions failed ({failed[0].status})")
    return len(txs) / seconds


def chain_rows(backend: str, world: World, plan: Plan) -> list[Row]:
    """Contributions recorded/s and credentials anchored/s end to end, sequential vs pipelined.

    Each transaction records one contribution or anchors one root, signed locally, sent, mined and
    its receipt read: "sequential" waits for each receipt, "pipelined" is the backend's ``send_many``.
    """
    n = plan.chain_items
    seed = iter(range(10_000, 1_000_000))
    rows = []
    jobs = (
        ("contributions recorded", lambda: [world.contracts.contributions.build_record([item])
                                            for item in contribution_items(n, next(seed))]),
        ("credentials anchored", lambda: [world.contracts.credentials.build_anchor(os.urandom(32), 1_000,
                                                                                   world.type_id)
                                          for _ in range(n)]),
    )
    for what, build in jobs:
        _log(f"{backend}: {what}, {n} transactions sequential and pipelined x{plan.runs}")
        sequential = [_timed_sends(world, build(), pipelined=False) for _ in range(plan.runs)]
        pipelined = [_timed_sends(world, build(), pipelined=True) for _ in range(plan.runs)]
        row = Row(
            "chain", f"{what} per second, pipelined vs sequential", backend, "tx/s", median(pipelined),
            median(sequential), "ours, sequential", GOAL_PIPELINE if backend == "anvil" else None,
            runs=plan.runs, samples=tuple(pipelined),
            note=f"{n} transactions per way, one item each, signed locally, receipts awaited",
        )
        if row.status == "missed":
            txs = build()
            row = dataclasses.replace(
                row, note=f"{row.note}; pipelined {profile(lambda: _timed_sends(world, txs, pipelined=True))}"
            )
        rows.append(row)
    return rows


def index_rows(backend: str, world: World, plan: Plan) -> list[Row]:
    """Index sync from scratch: events per second over the history this run wrote to ``world``."""
    from ledger.index import Index

    samples = []
    events = 0
    for _ in range(plan.runs):
        with Index.open(None) as index:
            result = index.sync(world.chain, world.contracts.deployment)
        if result.events == 0:
            raise BenchmarkError("the index synced no events")
        events = result.events
        samples.append(result.events_per_second)
    row = Row("index", "index sync from scratch", backend, "events/s", median(samples), goal=GOAL_INDEX,
              runs=plan.runs, samples=tuple(samples), note=f"{events:,} events, in-memory index")
    if row.status == "missed":
        def one_sync() -> None:
            with Index.open(None) as index:
                index.sync(world.chain, world.contracts.deployment)

        row = dataclasses.replace(row, note=f"{row.note}; {profile(one_sync)}")
    return [row]


def startup_rows(plan: Plan) -> list[Row]:
    """Wall time of ``ledger --help`` in a fresh process, median of several."""
    ledger_bin = Path(sys.executable).with_name("ledger")
    command = [str(ledger_bin), "--help"] if ledger_bin.exists() else [sys.executable, "-m", "ledger.cli", "--help"]
    samples = []
    for _ in range(plan.startup_runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=REPO_ROOT, check=False, timeout=60)
        samples.append(time.perf_counter() - start)
        if done.returncode != 0:
            return [Row("startup", "`ledger --help`", "offline", "s", None, goal=GOAL_STARTUP,
                        note=f"not measured: exit {done.returncode}: {done.stderr.decode()[-200:]}")]
    return [Row("startup", "`ledger --help`", "offline", "s", median(samples), goal=GOAL_STARTUP,
                runs=len(samples), samples=tuple(samples))]


# --------------------------------------------------------------------------------------------------


def _not_measured(rows: list[Row], reason: str) -> list[Row]:
    """The same rows with no figures and ``reason`` as their note."""
    return [Row(r.section, r.job, r.backend, r.unit, None, None, r.peer_name, r.goal, note=reason[:300])
            for r in rows]


def _guard(section: str, fn: Callable[[], list[Row]], fallback: list[Row]) -> list[Row]:
    """Run one section; a failure gives its rows marked "not measured" with the error, not a crash."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others' figures
        _log(f"{section} failed: {exc!r}")
        traceback.print_exc(file=sys.stderr)
        return _not_measured(fallback, f"not measured: {type(exc).__name__}: {exc}")


def _gas_fallback(backend: str, plan: Plan) -> list[Row]:
    n = plan.record_batch
    return [
        Row("gas", "anchor one batch root", backend, "gas", None, None, "DocumentStore issue", GOAL_ANCHOR),
        Row("gas", "anchor one batch root (vs EAS)", backend, "gas", None, None, "EAS timestamp"),
        Row("gas", "record one contribution", backend, "gas", None, None, "EAS attest"),
        Row("gas", f"record {n} contributions, per item", backend, "gas/item", None, None, "EAS multiAttest",
            GOAL_RECORD),
        Row("gas", f"revoke one leaf of a {plan.revoke_batch}-leaf batch", backend, "gas", None, None,
            "DocumentStore revoke(root, doc, proof)", GOAL_REVOKE),
    ]


def _chain_fallback(backend: str) -> list[Row]:
    goal = GOAL_PIPELINE if backend == "anvil" else None
    rows = [Row("chain", f"{what} per second, pipelined vs sequential", backend, "tx/s", None, None,
                "ours, sequential", goal) for what in ("contributions recorded", "credentials anchored")]
    return rows + [Row("index", "index sync from scratch", backend, "events/s", None, goal=GOAL_INDEX)]


def backend_rows(backend: str, plan: Plan) -> tuple[list[Row], list[Row]]:
    """Gas rows, and chain-speed plus index rows, measured on one fresh backend."""
    gas_fallback, speed_fallback = _gas_fallback(backend, plan), _chain_fallback(backend)
    try:
        with open_backend(backend) as (chain, key):
            gas = _guard(f"gas on {backend}", lambda: gas_rows(backend, chain, key, plan), gas_fallback)
            try:
                world = make_world(chain, key)
            except Exception as exc:  # noqa: BLE001 - reported in the rows
                return gas, _not_measured(speed_fallback, f"not measured: deploying our contracts failed: {exc}")
            speed = _guard(f"throughput on {backend}", lambda: chain_rows(backend, world, plan), speed_fallback[:2])
            speed += _guard(f"index on {backend}", lambda: index_rows(backend, world, plan), speed_fallback[2:])
            return gas, speed
    except Exception as exc:  # noqa: BLE001 - a backend that cannot start is reported, not fatal
        _log(f"backend {backend} unavailable: {exc!r}")
        reason = f"not measured: backend {backend} unavailable: {exc}"
        return _not_measured(gas_fallback, reason), _not_measured(speed_fallback, reason)


def run(plan: Plan) -> Report:
    """Every section of the benchmark, in one run."""
    started = time.perf_counter()
    versions: dict[str, str] = {"fisco-talent-ledger": _our_version()}
    try:
        versions.update(peer_artifacts.load().versions)
    except BenchmarkError as exc:
        _log(f"peer artifacts unavailable: {exc}")
    gas: list[Row] = []
    chain_speed: list[Row] = []
    for backend in plan.backends:
        backend_gas, backend_speed = backend_rows(backend, plan)
        gas += backend_gas
        chain_speed += backend_speed
    rows = gas
    rows += _guard("documents", lambda: document_rows(plan), _document_fallback(plan))
    rows += chain_speed
    rows += _guard("startup", lambda: startup_rows(plan),
                   [Row("startup", "`ledger --help`", "offline", "s", None, goal=GOAL_STARTUP)])
    return Report(rows=tuple(rows), versions=versions, quick=plan.quick, seconds=time.perf_counter() - started)


def _our_version() -> str:
    try:
        from importlib.metadata import version

        return version("fisco-talent-ledger")
    except Exception:  # noqa: BLE001 - not installed: report the tree
        return "source tree"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the smoke subset: small sizes, one run")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (medians); default 3, quick 1")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: embedded,anvil")
    parser.add_argument("--json", type=Path, dest="json_path", help="write the results as JSON here")
    parser.add_argument("--markdown", type=Path, dest="markdown_path", help="write the markdown table here")
    parser.add_argument("--update-readme", nargs="?", type=Path, const=REPO_ROOT / "README.md", default=None,
                        metavar="README", help="replace the README's text between the bench markers")
    parser.add_argument("--from-json", type=Path, help="do not run: read this JSON report and write from it")
    args = parser.parse_args(argv)
    try:
        if args.from_json:
            report = Report.from_dict(json.loads(args.from_json.read_text(encoding="utf-8")))
        else:
            backends = [b.strip() for b in args.backends.split(",") if b.strip()]
            for backend in backends:
                if backend not in BACKENDS:
                    parser.error(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
            if args.runs is not None and args.runs < 1:
                parser.error("--runs must be at least 1")
            report = run(Plan.make(quick=args.quick, runs=args.runs, backends=backends))
        write(report, json_path=args.json_path, markdown_path=args.markdown_path)
        if args.update_readme is not None:
            update_readme(args.update_readme, report.to_markdown())
    except BenchmarkError as exc:
        print(f"error: {exc}" + (f"\nhint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 1
    print(report.to_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
