"""``python -m benchmarks``: every benchmark in one run, ours beside EAS and OpenAttestation.

Usage::

    python -m benchmarks [--quick] [--runs N] [--backends embedded,anvil]
                         [--json out.json] [--markdown out.md] [--update-readme [README.md]]
    python -m benchmarks --from-json out.json --update-readme    # regenerate without re-running

One run deploys our contracts, EAS and OpenAttestation's DocumentStore side by side on each backend
(the embedded py-evm chain, and a fresh anvil from npm), measures gas for the same jobs, times document
batches and verifications against OpenAttestation's library in node, chain throughput, index sync,
audit, the web verifier (``ledger serve``) and ``ledger --help`` start-up, and writes JSON and a markdown
table. ``--quick`` is the smoke
subset (small sizes, one run): it checks that everything still runs, not how fast.

Our side comes from the modules that own it (``benchmarks.gas``, ``benchmarks.credentials``,
``benchmarks.rpc``, ``benchmarks.index``, ``benchmarks.vault``); a module that is not there gives rows marked
"not measured" with the reason, never a made-up number.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import importlib
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import REPO_ROOT, BenchmarkError
from .peers import artifacts as peer_artifacts
from .peers import contracts as peer_contracts
from .peers import openattestation
from .report import (
    AT_LEAST,
    AT_MOST,
    RATIO_AT_LEAST,
    RATIO_AT_MOST,
    Goal,
    Report,
    Row,
    median,
    update_readme,
    write,
)

# The goals, from issues 2, 3, 4, 6 and 7.
GOAL_ANCHOR = Goal(RATIO_AT_MOST, 1.02)  # gas to anchor <= 1.02x DocumentStore issue (issue 15)
GOAL_RECORD = Goal(RATIO_AT_MOST, 0.35)  # gas per contribution <= 0.35x EAS multiAttest per attestation
GOAL_REVOKE = Goal(RATIO_AT_MOST, 0.76)  # gas to revoke a leaf <= 0.76x DocumentStore (issue 15)
GOAL_BUILD = Goal(RATIO_AT_LEAST, 8.0)  # building a batch >= 8x OpenAttestation wrapDocuments
GOAL_VERIFY = Goal(RATIO_AT_LEAST, 3.0)  # verifying >= 3x OpenAttestation verifySignature
GOAL_ISSUED = Goal(AT_LEAST, 20_000)  # credentials issued per second end to end
GOAL_PIPELINE = Goal(RATIO_AT_LEAST, 5.0)  # pipelined >= 5x sequential (anvil)
GOAL_INDEX = Goal(AT_LEAST, 10_000)  # index sync events per second
GOAL_AUDIT = Goal(AT_MOST, 2.0)  # seconds to audit a subject with 1,000 credentials
GOAL_STARTUP = Goal(AT_MOST, 0.3)  # `ledger --help` seconds
GOAL_IMPORT = Goal(AT_LEAST, 1_000)  # contributions imported and recorded per second (issue 19)
GOAL_NODE_START = Goal(AT_MOST, 2.0)  # `ledger node` launch to serving, seconds (issue 16)
#: The backend column of the rows measured through a native protocol against `ledger node`.
NODE_BACKEND = "fisco3-sm (ledger node)"
GOAL_SIGNING = Goal(RATIO_AT_LEAST, 3.0)  # our transaction signing >= 3x eth-account's (the rpc backend's budget)
GOAL_SERVE_BATCH = Goal(AT_LEAST, 1_000)  # POST /api/v1/verify of a batch: credentials per CPU-second (issue 17)
GOAL_SERVE_P99 = Goal(AT_MOST, 50.0)  # one credential, 8 concurrent clients: p99 milliseconds (issue 17)

#: Absolute gas targets of issue 15 beside the ratio goals, by gas.py key; reported in the row's note
#: (a row whose only goal is absolute carries it as the row's goal).
GAS_TARGETS = {"anchor": Goal(AT_MOST, 50_000), "record_100_per_item": Goal(AT_MOST, 52_193),
               "revoke_leaf": Goal(AT_MOST, 50_000), "revoke_leaf_next": Goal(AT_MOST, 35_000),
               "revoke_100_per_leaf_spread": Goal(AT_MOST, 3_000)}  # issue 15
GOAL_VERIFIED = Goal(AT_LEAST, 10_000)  # offline verifications per second (issue 3)

BACKENDS = ("embedded", "anvil")
EAS_SCHEMA_NOTE = "EAS schema with the same 8 fields and types as our item"


class NotAvailable(Exception):
    """Our side of a row cannot be measured (its module is missing); the reason goes in the note."""


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
    index_events: int
    audit_credentials: int
    startup_runs: int
    backends: tuple[str, ...]
    serve_credentials: int = 1_000
    serve_requests: int = 100  # per client, 8 clients
    import_size: int = 10_000
    vault_subjects: int = 200_000

    @classmethod
    def make(cls, *, quick: bool, runs: int | None, backends: Sequence[str]) -> Plan:
        if quick:
            return cls(True, runs or 1, (200,), 200, 100, 1024, 40, 400, 20, 3, tuple(backends), 200, 10, 500, 2_000)
        return cls(False, runs or 3, (1_000, 10_000, 100_000), 10_000, 100, 1024, 300, 20_000, 1_000, 11,
                   tuple(backends), vault_subjects=200_000)


def _optional(module: str) -> ModuleType:
    """Import one of our modules, or raise :class:`NotAvailable` when it is not in the tree."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotAvailable(f"{module} is not in the tree yet") from exc
        raise  # the module exists but one of its own imports is broken: a real error


def target_note(value: float | None, goal: Goal, unit: str, issue: int) -> str:
    """``"target <= 50,000 gas (issue 2): missed by 19%"``, or empty when there is no figure."""
    if value is None:
        return ""
    probe = Row("target", "target", "-", unit, value, goal=goal)
    verdict = "met" if probe.status == "met" else f"missed by {probe.miss.split()[0]}"
    return f"target {goal.text(unit)} (issue {issue}): {verdict}"


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _not_measured(rows: list[Row], reason: str) -> list[Row]:
    """The same rows with no figures and ``reason`` as their note."""
    return [dataclasses.replace(r, ours=None, peer=None, note=reason[:300], runs=1, samples=()) for r in rows]


def _guard(section: str, fn: Callable[[], list[Row]], fallback: list[Row]) -> list[Row]:
    """Run one section; a failure gives its rows marked "not measured" with the error, not a crash."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others' figures
        _log(f"{section} failed: {exc!r}")
        traceback.print_exc(file=sys.stderr)
        return _not_measured(fallback, f"not measured: {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------------------------------ backends


def _anvil_module() -> ModuleType:
    """``tests/anvil.py`` (the shared anvil launcher), loaded by path: ``tests`` is not a package."""
    spec = importlib.util.spec_from_file_location("_bench_anvil", REPO_ROOT / "tests" / "anvil.py")
    if spec is None or spec.loader is None:
        raise BenchmarkError("tests/anvil.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def open_backend(name: str) -> Iterator[tuple[Any, Any, Callable[[], float | None]]]:
    """Yield ``(chain, funded key, node CPU meter)`` on a fresh chain: in-memory embedded, or a new anvil
    process. The meter gives the node process's CPU seconds so far (``None`` for the embedded chain,
    which runs in this process)."""
    from ledger.chain.base import FUNDING
    from ledger.crypto.keys import PrivateKey

    if name == "embedded":
        chain = _optional("ledger.chain.embedded").EmbeddedChain(None)
        try:
            key = PrivateKey.generate()
            if FUNDING in chain.features:
                chain.fund(key.address, 10**24)
            yield chain, key, lambda: None
        finally:
            chain.close()
    elif name == "anvil":
        rpc, anvil = _optional("ledger.chain.rpc"), _anvil_module()
        meter = _optional("benchmarks.rpc").process_tree_cpu
        # 100 EAS attestations in one multiAttest need ~30 M gas: lift anvil's block gas limit.
        with anvil.Anvil(extra_args=["--gas-limit", "1000000000"]) as node:
            chain = rpc.RpcChain([node.url])
            try:
                yield chain, PrivateKey.from_hex(anvil.DEV_KEY_HEX), lambda: meter(node.process.pid)
            finally:
                chain.close()
    else:
        raise BenchmarkError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")


# ----------------------------------------------------------------------------------------------- gas


def our_intrinsic_gas(plan: Plan) -> dict[str, int]:
    """Intrinsic gas (21,000 + calldata) of our transaction for each gas job, random values as gas.py's."""
    from ledger import types
    from ledger.contracts.abi import contract_abi

    ledger_abi, registry_abi = contract_abi("ContributionLedger"), contract_abi("IssuerRegistry")
    rng = random.Random(11)

    def record(n: int) -> int:
        rows = [peer_contracts.random_item(rng).as_tuple() for _ in range(n)]
        return peer_contracts.intrinsic_gas(ledger_abi.fn("record").encode(rows))

    reason = int(types.RevocationReason.ISSUED_IN_ERROR)
    revoke = registry_abi.fn("revokeLeaf").encode(os.urandom(32), plan.revoke_batch // 3, reason)
    spread = list(range(0, 1000, 10))
    many = registry_abi.fn("setLeavesStatus").encode(
        "0x" + os.urandom(20).hex(), os.urandom(32), spread, int(types.CredentialStatus.REVOKED), reason)
    anchor = registry_abi.fn("anchorMerkleRoot").encode(1, 1_000, os.urandom(32), os.urandom(32))
    n = plan.record_batch
    return {
        "anchor": peer_contracts.intrinsic_gas(anchor),
        "record_1": record(1),
        f"record_{n}_per_item": round(record(n) / n),
        "revoke_leaf": peer_contracts.intrinsic_gas(revoke),
        "revoke_leaf_next": peer_contracts.intrinsic_gas(revoke),
        "revoke_100_per_leaf_spread": round(peer_contracts.intrinsic_gas(many) / len(spread)),
    }


def gas_jobs(plan: Plan) -> tuple[tuple[str, str, str, str | None, str | None, Goal | None, str], ...]:
    """(job, unit, our key in gas.py's figures, PeerGas field, peer function, goal, what is compared)."""
    n = plan.record_batch
    no_proof = "ours sends no proof (verification checks inclusion first), DocumentStore checks it on chain"
    return (
        ("anchor one batch root", "gas", "anchor", "document_store_issue", "DocumentStore issue", GOAL_ANCHOR,
         ""),
        ("anchor one batch root (vs EAS)", "gas", "anchor", "eas_timestamp", "EAS timestamp", None, ""),
        ("record one contribution", "gas", "record_1", "eas_attest", "EAS attest", None, EAS_SCHEMA_NOTE),
        (f"record {n} contributions, per item", "gas/item", f"record_{n}_per_item",
         "eas_multi_attest_per_item",
         "EAS multiAttest", GOAL_RECORD, EAS_SCHEMA_NOTE),
        (f"revoke one leaf of a {plan.revoke_batch}-leaf batch", "gas", "revoke_leaf",
         "document_store_revoke_leaf", "DocumentStore revoke(root, doc, proof)", GOAL_REVOKE,
         f"first in its storage word; {no_proof}"),
        (f"revoke one leaf of a {plan.revoke_batch}-leaf batch, next in its word", "gas", "revoke_leaf_next",
         None, None, GAS_TARGETS["revoke_leaf_next"], "a leaf's status is 2 bits, 128 leaves per storage word"),
        (f"revoke 100 leaves of a {plan.revoke_batch}-leaf batch in one transaction, per leaf", "gas/leaf",
         "revoke_100_per_leaf_spread", None, None, GAS_TARGETS["revoke_100_per_leaf_spread"],
         "setLeavesStatus, leaves spread over 8 storage words (1,267 per leaf when they share one)"),
    )


def gas_fallback(backend: str, plan: Plan) -> list[Row]:
    return [Row("gas", job, backend, unit, None, None, name, goal) for job, unit, _o, _p, name, goal, _w in
            gas_jobs(plan)]


def gas_rows(backend: str, chain: Any, key: Any, plan: Plan) -> list[Row]:
    """Anchor, record 1 and 100, revoke a leaf: ours (``benchmarks.gas``) vs DocumentStore and EAS.

    Each note splits the gas into intrinsic (21,000 + calldata) and execution, ours vs the peer: that
    is what bounds a gas figure.
    """
    _log(f"{backend}: peers' gas (EAS, DocumentStore)")
    peer = peer_contracts.measure_gas(
        chain, key, batch=plan.record_batch, revoke_batch_size=plan.revoke_batch
    )
    missing = ""
    try:
        _log(f"{backend}: our gas")
        ours = dict(_optional("benchmarks.gas").measure(chain, key, revoke_batch=plan.revoke_batch))
        ours_intrinsic = our_intrinsic_gas(plan)
    except NotAvailable as exc:
        ours, ours_intrinsic, missing = {}, {}, f"ours not measured: {exc}"
    rows = []
    for job, unit, our_key, peer_field, peer_name, goal, what in gas_jobs(plan):
        mine = ours.get(our_key)
        theirs = float(getattr(peer, peer_field)) if peer_field is not None else None
        split = ""
        if mine is not None and our_key in ours_intrinsic:
            a = ours_intrinsic[our_key]
            if theirs is not None and peer_field in peer.intrinsic:
                b = peer.intrinsic[peer_field]
                split = f"intrinsic {a:,} vs {b:,}, execution {mine - a:,.0f} vs {theirs - b:,.0f}"
            else:
                split = f"intrinsic {a:,}, execution {mine - a:,.0f}"
        absolute = GAS_TARGETS.get(our_key)
        target = target_note(mine, absolute, unit, 15) if absolute is not None and absolute != goal else ""
        note = "; ".join(part for part in (missing, what, target, split) if part)
        rows.append(Row("gas", job, backend, unit, mine, theirs, peer_name, goal, note=note))
    return rows


# ----------------------------------------------------------------------------------------- documents


def document_fallback(plan: Plan, size: int) -> list[Row]:
    sample = min(size, plan.verify_sample)
    return [
        Row("documents", f"build a batch of {size:,} with proofs", "offline", "docs/s", None, None,
            "OpenAttestation wrapDocuments", GOAL_BUILD),
        Row("documents", f"verify ({sample:,} of the batch)", "offline", "docs/s", None, None,
            "OpenAttestation verifySignature", GOAL_VERIFY),
    ] + [
        Row("documents", f"issue {size:,} with `ledger cred issue`, {ISSUE_LAYOUTS[layout]}", "embedded",
            "docs/s", None, goal=GOAL_ISSUED)
        for layout in ISSUE_LAYOUTS
    ]


#: Batches up to this size are short enough to be swayed by a transient: warmed up, and run more often.
SHORT_ISSUE = 10_000
#: Output layouts of batch issuance, as the rows name them.
ISSUE_LAYOUTS = {"jsonl": "one JSON Lines bundle", "files": "one file per credential"}


def _placeholder_document(i: int) -> dict[str, Any]:
    """A VC-shaped document, used for the peer only while our credential module is missing."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:fisco:20200:0x9178F546D3FF57D7A6352bD61B80cCCD46199C2d", "name": "University"},
        "validFrom": "2026-07-01T00:00:00Z",
        "credentialSubject": {"id": f"urn:subject:{i:064x}", "type": ["AchievementSubject"],
                              "achievement": {"id": "urn:type:1", "type": ["Achievement"], "name": "Course"}},
    }


def document_rows(plan: Plan, size: int, keep: list[Path] | None = None) -> list[Row]:
    """One batch size: build with proofs (ours vs wrapDocuments), verify (ours vs verifySignature), and
    issue through the product path in each output layout (``benchmarks.issuance``: CSV in, rows
    validated, journaled, anchored on the embedded chain, written durably; OpenAttestation has no such
    step)."""
    rows = document_fallback(plan, size)
    try:
        creds = _optional("benchmarks.credentials")
        if not hasattr(creds, "sample_documents") or not hasattr(creds, "measure_batch"):
            raise NotAvailable("benchmarks.credentials has no sample_documents/measure_batch")
        documents, note = list(creds.sample_documents(size)), ""
    except NotAvailable as exc:
        creds, note = None, f"ours not measured: {exc}; the peer timed on placeholder documents"
        documents = [_placeholder_document(i) for i in range(size)]
    # OpenAttestation's wrapDocuments finds each document's leaf with a linear search (findIndex) to
    # build its proof, so a batch costs O(n^2): at 100,000 one run takes minutes, and one run is enough.
    peer_runs = 1 if size > 20_000 else plan.runs
    _log(f"OpenAttestation: wrap {size:,} documents x{peer_runs}")
    oa = openattestation.measure(documents, runs=peer_runs, verify_sample=min(size, plan.verify_sample))
    ours: dict[str, float | None] = {"build": None, "verify": None}
    notes = ["", ""]
    if creds is not None:
        _log(f"ours: {size:,} credentials x{plan.runs}")
        samples = [creds.measure_batch(size, verify_sample=plan.verify_sample) for _ in range(plan.runs)]
        ours = {k: median([s[f"{k}_per_second"] for s in samples]) for k in ours}
        typical = sorted(samples, key=lambda s: s["build_per_second"])[len(samples) // 2]
        notes = _stage_notes(typical)
    figures = [(ours["build"], oa.wrap_per_second), (ours["verify"], oa.verify_per_second)]
    if peer_runs != plan.runs:
        note = "; ".join(p for p in (note, f"OpenAttestation: {peer_runs} run (its proofs cost O(n^2))") if p)
    notes[1] = "; ".join(p for p in (target_note(ours["verify"], GOAL_VERIFIED, "docs/s", 3), notes[1]) if p)
    measured = [dataclasses.replace(row, ours=mine, peer=theirs, runs=plan.runs,
                                    note="; ".join(p for p in (note, extra) if p))
                for row, (mine, theirs), extra in zip(rows, figures, notes)]
    return measured + [issue_row(row, layout, size, plan, keep) for row, layout in zip(rows[2:], ISSUE_LAYOUTS)]


def issue_row(row: Row, layout: str, size: int, plan: Plan, keep: list[Path] | None = None) -> Row:
    """Credentials per second through ``Ledger.issue_batch`` in ``layout``: median of ``plan.runs``.

    The runs' files go into ``keep`` to be removed after the last issuance run (``run_once``): deleting
    a run's 100,000 files right before the next run slows the next run's file creation many times over.
    """
    issuance = _optional("benchmarks.issuance")
    # A batch of 1,000 takes about 50 ms: one untimed run first, after the heavy jobs before it, and
    # more timed runs, so that a transient on the machine does not decide the median.
    runs = plan.runs if size > SHORT_ISSUE or plan.quick else max(plan.runs, 5)
    _log(f"ours: issue {size:,} with ledger cred issue ({layout}) x{runs}")
    if size <= SHORT_ISSUE and not plan.quick:
        issuance.run_once(size, layout, keep=keep)
    samples = [issuance.run_once(size, layout, keep=keep) for _ in range(runs)]
    rate = median([s["per_second"] for s in samples])
    typical = min(samples, key=lambda s: abs(s["per_second"] - rate))
    stages = ", ".join(f"{k} {v:.3g} s" for k, v in typical["timings"].items() if v >= 0.0005)
    warm = "one untimed run first; " if size <= SHORT_ISSUE and not plan.quick else ""
    return dataclasses.replace(row, ours=rate, runs=runs, samples=tuple(s["per_second"] for s in samples),
                               note=f"{warm}rows validated, journaled (fsync), root anchored, written durably: {stages}")


def _stage_notes(run: dict[str, Any]) -> list[str]:
    """Where our time goes, per row (build, verify), from one run of ``measure_batch``."""
    seconds = run.get("seconds", {})
    stages = ", ".join(f"{name} {seconds[name]:.3g} s" for name in ("stamp_and_hash", "merkle_tree", "proofs")
                       if name in seconds)
    return [f"hash + tree + proofs: {stages}", f"parse + schema + hash + proof of {run.get('verify_sample', '?')} files"]


# ------------------------------------------------------------------------------ chain, index, start-up


@dataclass(frozen=True)
class World:
    """Our contracts deployed on one chain, with ``key`` a committee member and an active issuer."""

    chain: Any
    key: Any
    contracts: Any
    type_id: int
    node_cpu: Callable[[], float | None] = lambda: None


def make_world(chain: Any, key: Any, node_cpu: Callable[[], float | None] = lambda: None) -> World:
    """Deploy our contracts; make ``key`` a Community issuer of one certificate type."""
    from ledger import types
    from ledger.contracts import deployment as ours
    facade = ours.Contracts(chain, ours.deploy(chain, key))
    kinds = int(types.IssuerKinds.COMMUNITY | types.IssuerKinds.UNIVERSITY)
    facade.credentials.define_type(key, 1, field=1, level=1, allowed_kinds=kinds, criteria=types.Criteria())
    facade.issuers.add_issuer(key, key.address, types.IssuerKind.COMMUNITY, [1])
    return World(chain=chain, key=key, contracts=facade, type_id=1, node_cpu=node_cpu)


def chain_fallback(backend: str) -> list[Row]:
    goal = GOAL_PIPELINE if backend == "anvil" else None
    rows = [Row("chain", f"{what} per second, pipelined vs sequential", backend, "tx/s", None, None,
                "ours, sequential", goal) for what in ("contributions recorded", "credentials anchored")]
    return rows + [Row("index", "index sync from scratch", backend, "events/s", None, goal=GOAL_INDEX)]


def chain_rows(backend: str, world: World, plan: Plan) -> list[Row]:
    """Contributions recorded/s and credentials anchored/s end to end, sequential vs pipelined.

    Each transaction records one contribution or anchors one root, signed locally, sent, mined and its
    receipt read: "sequential" waits for each receipt, "pipelined" is the backend's ``send_many``. The
    jobs and the timing loop are ``benchmarks.rpc``'s, run here on every backend.
    """
    rpc = _optional("benchmarks.rpc")
    n = plan.chain_items
    rows = []
    jobs = (("contributions recorded", rpc.record_job(world.contracts)),
            ("credentials anchored", rpc.anchor_job(world.contracts, world.type_id)))
    for (what, build), template in zip(jobs, chain_fallback(backend)):
        _log(f"{backend}: {what}, {n} transactions sequential and pipelined x{plan.runs}")
        result = rpc.compare(world.chain, world.key, build, n, plan.runs, world.node_cpu)
        row = dataclasses.replace(
            template, ours=float(result["pipelined_tx_per_s"]), peer=float(result["sequential_tx_per_s"]),
            runs=plan.runs, samples=tuple(result["pipelined_samples"]),
            note=f"{n} transactions per way, one item each, signed locally, receipts awaited; {_node_note(result)}",
        )
        rows.append(row)
    return rows


def _node_note(result: dict[str, Any]) -> str:
    """Where a pipelining ratio comes from: the node's CPU per transaction each way, how many blocks a
    pipelined burst took, and the chain's length (anvil's cost per block grows with it)."""
    seq, pipe = result["sequential"], result["pipelined"]
    first, last = result["chain_blocks"]
    parts = []
    if seq["node_cpu_ms_per_tx"] is not None and pipe["node_cpu_ms_per_tx"] is not None:
        parts.append(f"node CPU per transaction {seq['node_cpu_ms_per_tx']:.2f} ms sequential, "
                     f"{pipe['node_cpu_ms_per_tx']:.2f} ms pipelined")
    parts.append(f"client CPU {seq['client_cpu_ms_per_tx']:.2f} / {pipe['client_cpu_ms_per_tx']:.2f} ms")
    parts.append(f"a pipelined burst's transactions landed in {pipe['blocks_per_run']:g} blocks while the node "
                 f"mined {pipe['blocks_mined_per_run']:g} (median; the rest were empty)")
    parts.append(f"chain at block {first:,} to {last:,}")
    before, after = result.get("empty_block_cpu_ms") or (None, None)
    if before is not None and after is not None:
        parts.append(f"node CPU to mine an empty block {before:.2f} ms at the start, {after:.2f} ms at the end")
    return "; ".join(parts)


def index_rows(backend: str, world: World, plan: Plan) -> list[Row]:
    """Index sync from scratch over this backend (``benchmarks.index``), on the history this run wrote."""
    figure = _optional("benchmarks.index").measure_sync(world.chain, world.contracts.deployment, plan.runs)
    row = Row("index", "index sync from scratch", backend, "events/s", figure.median, goal=GOAL_INDEX,
              runs=plan.runs, samples=tuple(figure.samples),
              note=f"{figure.detail}, one event per transaction")
    return [row]


def audit_rows(plan: Plan) -> list[Row]:
    """``benchmarks.index.run``: sync of many events, and auditing a subject with many credentials."""
    figures = _optional("benchmarks.index").run(plan.index_events, plan.audit_credentials, plan.runs)
    rows = []
    for figure in figures:
        goal = GOAL_INDEX if figure.unit == "events/s" else GOAL_AUDIT
        rows.append(Row("index and audit", figure.job, "embedded", figure.unit, figure.median, goal=goal,
                        runs=plan.runs, samples=tuple(figure.samples), note=figure.detail))
    return rows


VAULT_JOBS = ("open", "unlock the vault key", "subject new", "find by student number", "privacy guard check",
              "migrate vault.json")


def vault_job(job: str, subjects: int) -> str:
    return f"vault: {job}, {subjects:,} subjects"


def vault_rows(plan: Plan) -> list[Row]:
    """``benchmarks.vault``: the encrypted SQLite vault at scale, beside the vault.json it replaced."""
    runs = max(plan.runs, 5) if not plan.quick else 1
    figures = _optional("benchmarks.vault").run(plan.vault_subjects, runs)
    return [
        Row("vault", vault_job(f.job, plan.vault_subjects), "offline", "s", f.median, f.before,
            "vault.json (before issue 18)" if f.before is not None else None, runs=len(f.samples),
            samples=f.samples, note=f.detail)
        for f in figures
    ]


def import_job(size: int) -> str:
    return f"import and record {size:,} merged pull requests from a GitHub export"


def import_rows(plan: Plan) -> list[Row]:
    """``benchmarks.importing``: what ``ledger contrib import github FILE --apply`` does, end to end."""
    importing = _optional("benchmarks.importing")
    _log(f"ours: import {plan.import_size:,} merged pull requests x{plan.runs}")
    row = importing.measure(plan.import_size, plan.runs)
    stages = ", ".join(f"{k} {v:.3g} s" for k, v in row["stages"].items())
    note = (f"parse, map authors, build and check, dedupe against the chain (its synced index), record in batches "
            f"of 1,000 ({row['transactions']} transactions): {stages}; {row['per_cpu_second']:,} per CPU-second; "
            f"load average {row['load_average']} on {os.cpu_count()} CPUs")
    return [Row("contributions", import_job(plan.import_size), "embedded", "contribs/s", row["per_second"],
                goal=GOAL_IMPORT, runs=plan.runs, samples=tuple(row["samples"]), note=note)]


def serve_rows(plan: Plan) -> list[Row]:
    """``benchmarks.serve``: the web verifier (``ledger serve`` as its own process) under a batch and under
    8 concurrent single-credential clients."""
    batch, single = _optional("benchmarks.serve").measure(plan.serve_credentials, plan.runs, 8, plan.serve_requests)
    return [
        Row("web verifier", batch.job, "embedded", batch.unit, batch.median, goal=GOAL_SERVE_BATCH, runs=plan.runs,
            samples=batch.samples, note=batch.detail),
        Row("web verifier", single.job, "embedded", single.unit, single.median, goal=GOAL_SERVE_P99,
            runs=len(single.samples), samples=(), note=single.detail),
    ]


def signing_rows(plan: Plan) -> list[Row]:
    """Signing one legacy (EIP-155) transaction: ``ledger.chain.ethtx`` against eth-account, per second.

    Every transaction the rpc backend sends is signed locally; eth-account's path (about 0.4 ms here)
    would cap a burst, which is why ``ethtx`` signs with coincurve and writes the RLP itself.
    """
    from eth_account import Account

    from ledger.chain import ethtx
    from ledger.crypto.keys import PrivateKey

    key = PrivateKey.generate()
    account = Account.from_key(key.secret_bytes())
    to, data, rounds = "0x" + "11" * 20, b"\x01" * 200, 200 if plan.quick else 2_000

    def rate(sign: Callable[[], object]) -> list[float]:
        samples = []
        for _ in range(max(plan.runs, 3)):
            start = time.perf_counter()
            for _ in range(rounds):
                sign()
            samples.append(rounds / (time.perf_counter() - start))
        return samples

    ours = rate(lambda: ethtx.sign_legacy(key, nonce=1, gas_price=0, gas=100_000, to=to, data=data, chain_id=1))
    theirs = rate(lambda: account.sign_transaction(
        {"nonce": 1, "gasPrice": 0, "gas": 100_000, "to": to, "value": 0, "data": data, "chainId": 1}))
    return [Row("startup", "sign a legacy transaction (EIP-155, 200 bytes of data)", "offline", "tx/s",
                median(ours), median(theirs), "eth-account sign_transaction", GOAL_SIGNING, len(ours),
                samples=tuple(ours))]


def startup_rows(plan: Plan) -> list[Row]:
    """Wall time of ``ledger --help`` in a fresh process, median of several."""
    ledger_bin = Path(sys.executable).with_name("ledger")
    command = [str(ledger_bin)] if ledger_bin.exists() else [sys.executable, "-m", "ledger.cli"]
    row = Row("startup", "`ledger --help`", "offline", "s", None, goal=GOAL_STARTUP)
    samples = []
    for _ in range(plan.startup_runs):
        start = time.perf_counter()
        done = subprocess.run(
            [*command, "--help"], capture_output=True, cwd=REPO_ROOT, check=False, timeout=60
        )
        samples.append(time.perf_counter() - start)
        if done.returncode != 0:
            reason = f"not measured: exit {done.returncode}: {done.stderr[-200:]!r}"
            return [dataclasses.replace(row, note=reason)]
    row = dataclasses.replace(row, ours=median(samples), runs=len(samples), samples=tuple(samples))
    if row.status == "missed":
        code = (
            "import runpy, sys; sys.argv = ['ledger', '--help']; "
            "runpy.run_module('ledger.cli', run_name='__main__')"
        )
        traced = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                                text=True, cwd=REPO_ROOT, check=False, timeout=60)
        row = dataclasses.replace(row, note=_slowest_imports(traced.stderr))
    return [row]


def node_fallback() -> list[Row]:
    rows = [Row("chain", f"{what} per second, pipelined vs sequential", NODE_BACKEND, "tx/s", None, None,
                "ours, sequential") for what in ("contributions recorded", "credentials anchored")]
    return rows + [Row("startup", "`ledger node` start, launch to serving", "fisco3-sm", "s", None,
                       goal=GOAL_NODE_START)]


def node_rows(plan: Plan) -> list[Row]:
    """``benchmarks.node``: how long ``ledger node`` takes to serve, and fisco3's throughput against it
    (SM chain, the node in its own process), sequential vs pipelined."""
    node = _optional("benchmarks.node")
    starts = plan.startup_runs if not plan.quick else 2
    _log(f"ledger node: {starts} starts")
    start = node.measure_start(starts)
    items = plan.chain_items if not plan.quick else 40
    _log(f"ledger node: fisco3 (sm), {items} transactions sequential and pipelined x{plan.runs}")
    figures = node.measure_throughput(items, plan.runs, "sm")
    rows = []
    for template in node_fallback()[:2]:
        what = template.job.split(" per second")[0]
        result = figures[what]
        seq, pipe = result["sequential"], result["pipelined"]
        note = (f"{items} transactions per way, one item each, SM2-signed here and checked by the node, sealed by "
                f"the node in its own process; node CPU per transaction {seq['node_cpu_ms_per_tx']} ms sequential, "
                f"{pipe['node_cpu_ms_per_tx']} ms pipelined; client CPU {seq['client_cpu_ms_per_tx']} / "
                f"{pipe['client_cpu_ms_per_tx']} ms; a pipelined burst landed in {pipe['blocks_per_run']:g} blocks")
        rows.append(dataclasses.replace(template, ours=float(result["pipelined_tx_per_s"]),
                                        peer=float(result["sequential_tx_per_s"]), runs=plan.runs,
                                        samples=tuple(result["pipelined_samples"]), note=note))
    rows.append(dataclasses.replace(node_fallback()[2], ours=median(start), runs=len(start), samples=tuple(start),
                                    note="a fresh process each time: Python, the CLI, py-evm, a new chain in memory"))
    return rows


def _slowest_imports(importtime: str, top: int = 4) -> str:
    """The packages whose import costs most (cumulative), from ``python -X importtime`` output."""
    costs: dict[str, int] = {}
    for line in importtime.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].strip()
            if "." not in name and name not in ("site", "encodings", "ledger"):
                costs[name] = max(costs.get(name, 0), int(parts[1]))
    ranked = sorted(costs.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return "slowest imports (cumulative): " + ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in ranked)


# ----------------------------------------------------------------------------------------------- run


def backend_rows(backend: str, plan: Plan) -> tuple[list[Row], list[Row]]:
    """Gas rows, and chain-speed plus index rows, measured on one fresh backend."""
    gas_default, speed_default = gas_fallback(backend, plan), chain_fallback(backend)
    try:
        with open_backend(backend) as (chain, key, node_cpu):
            gas = _guard(f"gas on {backend}", lambda: gas_rows(backend, chain, key, plan), gas_default)
            try:
                world = make_world(chain, key, node_cpu)
            except Exception as exc:  # noqa: BLE001 - reported in the rows
                reason = f"not measured: deploying our contracts failed: {exc}"
                return gas, _not_measured(speed_default, reason)
            speed = _guard(
                f"throughput on {backend}", lambda: chain_rows(backend, world, plan), speed_default[:2]
            )
            speed += _guard(
                f"index on {backend}", lambda: index_rows(backend, world, plan), speed_default[2:]
            )
            return gas, speed
    except Exception as exc:  # noqa: BLE001 - a backend that cannot start is reported, not fatal
        _log(f"backend {backend} unavailable: {exc!r}")
        reason = f"not measured: backend {backend} unavailable: {exc}"
        return _not_measured(gas_default, reason), _not_measured(speed_default, reason)


def run(plan: Plan) -> Report:
    """Every section of the benchmark, in one run."""
    started = time.perf_counter()
    versions: dict[str, str] = {"fisco-talent-ledger": _our_version()}
    try:
        versions.update(peer_artifacts.load().versions)
    except BenchmarkError as exc:
        _log(f"peer artifacts unavailable: {exc}")
    gas: list[Row] = []
    speed: list[Row] = []
    for backend in plan.backends:
        backend_gas, backend_speed = backend_rows(backend, plan)
        gas += backend_gas
        speed += backend_speed
    documents: list[Row] = []
    leftovers: list[Path] = []  # the issuance runs' directories, removed once every size is measured
    try:
        for size in plan.batch_sizes:
            measure = functools.partial(document_rows, plan, size, leftovers)
            documents += _guard(f"documents x{size}", measure, document_fallback(plan, size))
    finally:
        for leftover in leftovers:
            shutil.rmtree(leftover, ignore_errors=True)
    audit_default = [
        Row("index and audit", "index sync from scratch (file, WAL)", "embedded", "events/s", None,
            goal=GOAL_INDEX),
        Row("index and audit", f"audit a subject with {plan.audit_credentials} credentials", "embedded", "s",
            None, goal=GOAL_AUDIT),
    ]
    audit = _guard("index and audit", lambda: audit_rows(plan), audit_default)
    vault_default = [Row("vault", vault_job(job, plan.vault_subjects), "offline", "s", None) for job in VAULT_JOBS]
    vault = _guard("vault", lambda: vault_rows(plan), vault_default)
    serve_default = [
        Row("web verifier", f"POST /api/v1/verify, a batch of {plan.serve_credentials:,}", "embedded",
            "credentials/CPU-s", None, goal=GOAL_SERVE_BATCH),
        Row("web verifier", "POST /api/v1/verify, one credential, 8 concurrent clients: p99 latency", "embedded",
            "ms", None, goal=GOAL_SERVE_P99),
    ]
    serve = _guard("web verifier", lambda: serve_rows(plan), serve_default)
    startup_default = [Row("startup", "`ledger --help`", "offline", "s", None, goal=GOAL_STARTUP)]
    startup = _guard("startup", lambda: startup_rows(plan), startup_default)
    signing_default = [Row("startup", "sign a legacy transaction (EIP-155, 200 bytes of data)", "offline", "tx/s",
                           None, goal=GOAL_SIGNING)]
    startup += _guard("signing", lambda: signing_rows(plan), signing_default)
    import_default = [Row("contributions", import_job(plan.import_size), "embedded", "contribs/s", None,
                          goal=GOAL_IMPORT)]
    imports = _guard("imports", lambda: import_rows(plan), import_default)
    node = _guard("ledger node", lambda: node_rows(plan), node_fallback())
    speed += [row for row in node if row.section == "chain"]
    startup += [row for row in node if row.section == "startup"]
    rows = gas + documents + speed + audit + imports + serve + vault + startup
    seconds = time.perf_counter() - started
    return Report(rows=tuple(rows), versions=versions, quick=plan.quick, seconds=seconds)


def _our_version() -> str:
    try:
        from importlib.metadata import version

        return version("fisco-talent-ledger")
    except Exception:  # noqa: BLE001 - not installed: report the tree
        return "source tree"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the smoke subset: small sizes, one run")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (median); default 3, quick 1")
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
            unknown = [b for b in backends if b not in BACKENDS]
            if unknown or not backends:
                parser.error(f"unknown backend {unknown} (choose from {', '.join(BACKENDS)})")
            if args.runs is not None and args.runs < 1:
                parser.error("--runs must be at least 1")
            report = run(Plan.make(quick=args.quick, runs=args.runs, backends=backends))
        write(report, json_path=args.json_path, markdown_path=args.markdown_path)
        if args.update_readme is not None:
            update_readme(args.update_readme, report.to_markdown())
    except (BenchmarkError, OSError, ValueError, KeyError) as exc:
        hint = getattr(exc, "hint", None)
        print(f"error: {exc}" + (f"\nhint: {hint}" if hint else ""), file=sys.stderr)
        return 1
    print(report.to_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
