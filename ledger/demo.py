"""The end-to-end story on a fresh workspace, for ``ledger demo``.

A committee governs; it defines two certificate types (one with criteria), then makes a university, a
community and a maintainer issuers; three students get pseudonymous ids; the community records their
contributions of several kinds and the maintainer co-signs; one student gets a certificate
checked by the contract, another is refused with the reason; the university issues 1,000 course
certificates from a generated CSV in one Merkle batch; some are verified, a tampered one fails, one
is revoked and then fails too; the university's key is stolen, marked compromised and replaced. Every
step is yielded as it happens so the CLI can print it.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import contributions
from ledger.config import NetworkSettings, Settings, load_settings
from ledger.credentials import standards
from ledger.crypto.keys import PrivateKey
from ledger.ledger import Ledger

PASSWORD = "demo-password-not-secret"

STUDENTS = (
    {"name": "Li Hua", "email": "lihua@example.edu.cn", "student_number": "2023010001"},
    {"name": "Wang Fang", "email": "wangfang@example.edu.cn", "student_number": "2023010002"},
    {"name": "Zhang Wei", "email": "zhangwei@example.edu.cn", "student_number": "2023010003"},
)


@dataclass
class Step:
    """One printed step of the story."""

    title: str
    lines: list[str] = field(default_factory=list)
    table: tuple[tuple[str, ...], list[tuple[Any, ...]]] | None = None
    ok: bool = True


@dataclass
class DemoSummary:
    workspace: str
    seconds: float
    transactions: int
    gas_used: int
    contributions: int
    certificates_checked: int
    certificates_batch: int
    verified_valid: int
    verified_invalid: int
    blocks: int
    figures: dict[str, Any] = field(default_factory=dict)


class _GasMeter:
    def __init__(self) -> None:
        self.txs = 0
        self.gas = 0

    def add(self, gas: int, txs: int = 1) -> None:
        self.gas += gas
        self.txs += txs


def run_demo(
    workspace: Path,
    *,
    network: NetworkSettings | None = None,
    batch_size: int = 1000,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[Step | DemoSummary]:
    """Tell the story in ``workspace`` (created fresh); yield each step, then the summary."""
    started = time.perf_counter()
    meter = _GasMeter()
    settings = Settings(workspace=workspace, network=network or NetworkSettings())
    summary = Ledger.init(settings, password=PASSWORD, light_kdf=True)
    lg = Ledger.open(load_settings(workspace, env={}), password=PASSWORD, light_kdf=True)
    try:
        yield from _story(lg, summary, meter, batch_size, on_progress, started, workspace)
    finally:
        lg.close()


def _story(
    lg: Ledger,
    init: dict[str, Any],
    meter: _GasMeter,
    batch_size: int,
    on_progress: Callable[[str, int, int], None] | None,
    started: float,
    workspace: Path,
) -> Iterator[Step | DemoSummary]:
    admin = lg.key
    yield Step(
        "A committee deploys the ledger",
        [f"{init['backend']} chain {init['chain_id']}, contracts deployed in {init['deploy_seconds']} s",
         f"committee member {admin.address} (threshold 1)"],
    )

    dev_type = standards.parse_type({
        "id": 101, "name": "Blockchain Open-Source Developer, Level 1",
        "description": "Code and review contributions to blockchain projects, co-signed by maintainers",
        "field": "blockchain", "level": 1, "allowed_issuers": ["university", "community"],
        "criteria": {"min_total": 3, "min_distinct_projects": 2, "min_cosigns": 1,
                     "min_per_kind": {"code": 2, "review": 1}},
    })
    course_type = standards.parse_type({
        "id": 201, "name": "Open Source Software Engineering (course)",
        "description": "Passed the university's open-source software engineering course",
        "field": "open-source-governance", "level": 1, "allowed_issuers": ["university"],
    })
    for t in (dev_type, course_type):
        meter.add(lg.define_type(t).gas_used)
    yield Step(
        "The committee defines two certificate types (before the issuers: scope is granted against them)",
        [f"101 {dev_type.name}: {standards.criteria_narrative(dev_type.criteria)}",
         f"201 {course_type.name}: issued in batches, no machine-checked criteria"],
    )

    actors = {name: PrivateKey.generate(lg.chain.crypto) for name in ("university", "community", "maintainer")}
    for name, key in actors.items():
        lg.keyring.add(name, key, PASSWORD)
    plans = [
        ("university", "university", "101,201", "Example University of Technology"),
        ("community", "community", "101", "OpenChain Open Source Community"),
        ("maintainer", "community", "", "FISCO BCOS Console Maintainers"),
    ]
    rows = []
    for name, kind, scope, display in plans:
        out = lg.add_issuer(actors[name].address, kind=kind, scope=scope, metadata={"name": display})
        meter.add(out.gas_used)  # type: ignore[union-attr]
        rows.append((display, kind, scope or "(co-sign only)", actors[name].address))
    yield Step("The committee adds three issuers", table=(("issuer", "kind", "scope", "address"), rows))

    subjects = [lg.vault.new_subject(dict(p)).id for p in STUDENTS]
    yield Step(
        "Three students get pseudonymous subject ids (their names stay in the local vault)",
        [f"{p['name']:<10} -> {sid}" for p, sid in zip(STUDENTS, subjects)],
    )

    day = "2026-0{}-1{}"
    plan = [
        (0, "github.com/FISCO-BCOS/console/pull/812", "code"),
        (0, "github.com/FISCO-BCOS/java-sdk/pull/301", "code"),
        (0, "github.com/FISCO-BCOS/console/pull/820", "review"),
        (0, "github.com/WeBankBlockchain/WeIdentity/pull/77", "docs"),
        (1, "github.com/FISCO-BCOS/console/pull/815", "code"),
        (1, "github.com/FISCO-BCOS/console/pull/816", "code"),
        (1, "github.com/FISCO-BCOS/console/pull/830", "review"),
        (2, "github.com/FISCO-BCOS/FISCO-BCOS-DOC/pull/1200", "translation"),
        (2, "github.com/FISCO-BCOS/java-sdk/issues/290", "community"),
    ]
    items = [
        contributions.build(source=src, subject=subjects[s], kind=kind, field="blockchain",
                           occurred_at=day.format(1 + i % 6, i % 10), evidence={"url": "https://" + src},
                           known_names=lg.vault.known_names())
        for i, (s, src, kind) in enumerate(plan)
    ]
    lg.use_key(actors["community"])
    rec = lg.record(items)
    meter.add(rec["gas_used"], len(rec["transactions"]))
    lg.use_key(actors["maintainer"])
    cosigned = lg.cosign(["0x" + c.key.hex() for c in items])
    for row in cosigned:
        meter.add(row["gas_used"])
    yield Step(
        f"The community records {len(items)} contributions in {len(rec['transactions'])} transaction "
        f"({rec['gas_used'] // len(items):,} gas each); the maintainer co-signs them",
        table=(("student", "kind", "source"),
               [(STUDENTS[s]["name"], kind, src) for s, src, kind in plan]),
    )

    from ledger.errors import ContractError

    lg.use_key(actors["community"])
    keys_a = ["0x" + c.key.hex() for c, (s, _, _) in zip(items, plan) if s == 0]
    issued = lg.issue_checked(101, subjects[0], keys_a, holder_name=STUDENTS[0]["name"])
    meter.add(issued["gas_used"])
    keys_b = ["0x" + c.key.hex() for c, (s, _, _) in zip(items, plan) if s == 1]
    refusal = ""
    try:
        lg.issue_checked(101, subjects[1], keys_b, holder_name=STUDENTS[1]["name"])
    except ContractError as exc:
        refusal = exc.hint or str(exc)
    yield Step(
        "Checked issuance: the contract itself checks the criteria",
        [f"{STUDENTS[0]['name']}: certificate 101 issued ({issued['gas_used']:,} gas) -> {issued['file']}",
         f"{STUDENTS[1]['name']}: refused - {refusal}"],
        ok=bool(refusal),
    )

    lg.use_key(actors["university"])
    csv_path = workspace / "graduates.csv"
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student_number", "name"])
        for i in range(batch_size):
            w.writerow([f"2022{i:06d}", f"Graduate {i:04d}"])
    t0 = time.perf_counter()
    batch = lg.issue_batch(201, csv_path, new_subjects=True, progress=on_progress)
    batch_seconds = time.perf_counter() - t0
    anchor_gas = batch.anchor_gas
    meter.add(anchor_gas)
    yield Step(
        f"The university issues {batch.count:,} course certificates from a CSV in one Merkle batch",
        [f"root 0x{batch.root.hex()} anchored in block {batch.block} ({anchor_gas:,} gas for the whole batch)",
         (f"{batch.count:,} files in {batch.output} in {batch_seconds:.2f} s "
          f"({batch.count / batch_seconds:,.0f} credentials/s end to end)")],
    )

    files = sorted(batch.output.glob("*.json"))
    sample = files[:3] + [Path(issued["file"])]
    tampered = workspace / "tampered.json"
    doc = json.loads(files[3].read_text())
    doc["credentialSubject"]["achievement"]["name"] = "Distinguished Blockchain Architect"
    tampered.write_text(json.dumps(doc))
    revoked_file = files[4]
    rv = lg.set_credential_status(revoked_file, "revoked", "issued-in-error")
    meter.add(rv["gas_used"])
    reports = lg.verify(sample + [tampered, revoked_file])
    rows_v = [(Path(r["file"]).name[:18], "VALID" if r["valid"] else "INVALID", r["reason"]) for r in reports]
    yield Step(
        "An enterprise verifies certificates: a tampered file and a revoked one fail",
        table=(("file", "verdict", "reason"), rows_v),
        ok=[r["valid"] for r in reports] == [True] * len(sample) + [False, False],
    )

    # Contracts v2: a stolen key. It reports itself (what it signed before stays valid); the committee hands
    # the university's authority to a new key, which accepts; the stolen key can change nothing any more.
    stolen = actors["university"]
    lg.use_key(stolen)
    mark = lg.mark_compromised(stolen.address, "now")
    meter.add(mark["gas_used"])
    successor = PrivateKey.generate(lg.chain.crypto)
    lg.keyring.add("university-2", successor, PASSWORD)
    lg.use_key(admin)
    meter.add(lg.rotate(successor.address, issuer=stolen.address).gas_used)  # type: ignore[union-attr]
    lg.use_key(successor)
    meter.add(lg.accept(stolen.address)["gas_used"])
    (still,) = lg.verify(files[:1])
    lg.use_key(stolen)
    thief = ""
    try:
        lg.set_credential_status(files[5], "revoked", "misconduct")
    except ContractError as exc:
        thief = type(exc).__name__
    yield Step(
        "The university's key is stolen: marked compromised, its authority handed to a new key",
        [f"{stolen.address} marked compromised from block {mark['since']} (by itself)",
         f"the committee offers the university to {successor.address}; the new key accepts",
         f"a certificate anchored before the mark: {'VALID' if still['valid'] else still['reason']}",
         f"the stolen key tries to revoke a certificate: refused ({thief or 'not refused!'})"],
        ok=still["valid"] and bool(thief),
    )

    seconds = time.perf_counter() - started
    yield DemoSummary(
        workspace=str(workspace),
        seconds=round(seconds, 2),
        transactions=meter.txs,
        gas_used=meter.gas,
        contributions=len(items),
        certificates_checked=1,
        certificates_batch=batch.count,
        verified_valid=sum(1 for r in reports if r["valid"]),
        verified_invalid=sum(1 for r in reports if not r["valid"]),
        blocks=lg.chain.block_number(),
        figures={"anchor_gas": anchor_gas, "record_gas_per_item": rec["gas_used"] // len(items),
                 "checked_issue_gas": issued["gas_used"], "batch_seconds": round(batch_seconds, 3)},
    )
