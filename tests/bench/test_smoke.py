"""Smoke test of the benchmarks: the quick subset runs and reports every row (not how fast).

Also unit tests of the report model (ratios, goals, README markers), which must be right for the
published table to mean anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import REPO_ROOT, BenchmarkError
from benchmarks.peers.contracts import sorted_pair_proof, sorted_pair_tree
from benchmarks.report import (
    AT_LEAST,
    AT_MOST,
    END_MARKER,
    RATIO_AT_LEAST,
    RATIO_AT_MOST,
    START_MARKER,
    Goal,
    Report,
    Row,
    update_readme,
)
from ledger.crypto.hashing import keccak256

#: Every job the issues ask for, with the backends it runs on (issue 7, and the figures of 2, 3, 4, 6).
CHAIN_JOBS = (
    "anchor one batch root",
    "anchor one batch root (vs EAS)",
    "record one contribution",
    "record 100 contributions, per item",
    "revoke one leaf of a 1024-leaf batch",
    "contributions recorded per second, pipelined vs sequential",
    "credentials anchored per second, pipelined vs sequential",
    "index sync from scratch",
)
OFFLINE_JOBS = (
    "build a batch of 200 with proofs",
    "verify (200 of the batch)",
    "`ledger --help`",
    "sign a legacy transaction (EIP-155, 200 bytes of data)",
)
#: Jobs through the product path on the embedded chain only.
EMBEDDED_JOBS = (
    "issue 200 with `ledger cred issue`, one JSON Lines bundle",
    "issue 200 with `ledger cred issue`, one file per credential",
    "index sync from scratch (file, WAL)",
    "import and record 500 merged pull requests from a GitHub export",
    "POST /api/v1/verify, a batch of 200",
    "POST /api/v1/verify, one credential, 8 concurrent clients: p99 latency",
)
PEER_JOBS = {
    "anchor one batch root": "DocumentStore issue",
    "anchor one batch root (vs EAS)": "EAS timestamp",
    "record one contribution": "EAS attest",
    "record 100 contributions, per item": "EAS multiAttest",
    "revoke one leaf of a 1024-leaf batch": "DocumentStore revoke(root, doc, proof)",
    "build a batch of 200 with proofs": "OpenAttestation wrapDocuments",
    "verify (200 of the batch)": "OpenAttestation verifySignature",
    "sign a legacy transaction (EIP-155, 200 bytes of data)": "eth-account sign_transaction",
}


@pytest.mark.anvil
def test_quick_run_reports_every_row(tmp_path: Path) -> None:
    json_path, md_path = tmp_path / "bench.json", tmp_path / "bench.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(json_path), "--markdown", str(md_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(json_path.read_text())
    assert data["quick"] is True
    assert data["versions"]["@ethereum-attestation-service/eas-contracts"]
    assert data["versions"]["@govtechsg/document-store-ethers-v6"].startswith("4.")
    rows = {(row["job"], row["backend"]): row for row in data["rows"]}

    expected = {(job, backend) for job in CHAIN_JOBS for backend in ("embedded", "anvil")}
    expected |= {(job, "offline") for job in OFFLINE_JOBS}
    expected |= {(job, "embedded") for job in EMBEDDED_JOBS}
    expected |= {(job, "fisco3-sm (ledger node)") for job in CHAIN_JOBS if "per second" in job}
    expected.add(("`ledger node` start, launch to serving", "fisco3-sm"))
    assert any(job.startswith("audit a subject with") and backend == "embedded" for job, backend in rows)
    for job in ("open", "unlock the vault key", "subject new", "find by student number", "privacy guard check",
                "migrate vault.json"):  # issue 18: the vault at scale
        assert (f"vault: {job}, 2,000 subjects", "offline") in rows, job
    assert expected <= set(rows), f"missing rows: {sorted(expected - set(rows))}"

    for (job, _backend), row in rows.items():
        # every module is in the tree: a row left unmeasured means a benchmark broke
        assert row["ours"] is not None and row["ours"] > 0, f"not measured: {row}"
        if row["peer_name"]:
            assert row["peer"] is not None and row["peer"] > 0, f"baseline not measured: {row}"
        assert row["status"] in ("met", "missed", ""), row
        if job in PEER_JOBS:
            assert row["peer_name"] == PEER_JOBS[job]
            assert row["peer"] is not None and row["peer"] > 0, f"peer figure missing: {row}"
    # the same bytecode on both chains: the peers' gas must agree across backends
    for job in ("anchor one batch root", "record 100 contributions, per item"):
        assert rows[(job, "embedded")]["peer"] == pytest.approx(rows[(job, "anvil")]["peer"], rel=0.01)

    markdown = md_path.read_text()
    for job, backend in expected:
        assert any(job in line and f"| {backend} |" in line for line in markdown.splitlines()), (job, backend)


def test_ratio_and_goal_status() -> None:
    anchor = Row(
        "gas", "anchor", "embedded", "gas", 45_000, 50_000, "DocumentStore issue", Goal(RATIO_AT_MOST, 1.0)
    )
    assert anchor.ratio == pytest.approx(0.9)
    assert anchor.status == "met" and anchor.miss == ""
    record = Row("gas", "record", "embedded", "gas", 120_000, 300_000, "EAS", Goal(RATIO_AT_MOST, 0.35))
    assert record.status == "missed" and record.miss == "14% over"
    build = Row("documents", "build", "offline", "docs/s", 30_000, 5_000, "OA", Goal(RATIO_AT_LEAST, 8.0))
    assert build.status == "missed" and build.miss == "25% under"
    startup = Row("startup", "help", "offline", "s", 0.25, goal=Goal(AT_MOST, 0.3))
    assert startup.ratio is None and startup.status == "met"
    absent = Row(
        "index", "sync", "embedded", "events/s", None, goal=Goal(AT_LEAST, 10_000), note="not measured"
    )
    assert absent.status == "not measured"
    with pytest.raises(BenchmarkError):
        Goal("about", 1.0)


def test_report_round_trips_through_json() -> None:
    report = Report(
        rows=(
            Row(
                "gas",
                "anchor",
                "anvil",
                "gas",
                45_000,
                49_000,
                "DocumentStore issue",
                Goal(RATIO_AT_MOST, 1.0),
                runs=3,
                samples=(1.0, 2.0, 3.0),
            ),
            Row("startup", "help", "offline", "s", None, goal=Goal(AT_MOST, 0.3), note="not measured: x"),
        ),
        versions={"node": "v20"},
    )
    again = Report.from_dict(json.loads(report.to_json()))
    assert again == report
    assert "| anchor | anvil | 45,000 gas | DocumentStore issue: 49,000 gas | 0.92x | <= 1x | met | 3 |" in (
        report.to_markdown()
    )


def test_update_readme_replaces_only_between_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    before, after = "# Title\n\nintro\n", "\n## After\n\ntext\n"
    readme.write_text(f"{before}{START_MARKER}\nold table\n{END_MARKER}{after}")
    update_readme(readme, "| new | table |\n")
    text = readme.read_text()
    assert text == f"{before}{START_MARKER}\n| new | table |\n{END_MARKER}{after}"
    update_readme(readme, "second\n")  # idempotent shape: markers stay, once each
    assert text.replace("| new | table |", "second") == readme.read_text()


@pytest.mark.parametrize(
    "content", ["no markers", f"{END_MARKER}\n{START_MARKER}", f"{START_MARKER}{START_MARKER}{END_MARKER}"]
)
def test_update_readme_refuses_bad_markers(tmp_path: Path, content: str) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(content)
    with pytest.raises(BenchmarkError):
        update_readme(readme, "table")
    assert readme.read_text() == content


def test_openattestation_tree_proofs_reach_the_root() -> None:
    leaves = [keccak256(bytes([i])) for i in range(7)]  # odd sizes exercise the carried-up node
    levels = sorted_pair_tree(leaves)
    for index, leaf in enumerate(leaves):
        node = leaf
        for sibling in sorted_pair_proof(levels, index):
            node = keccak256(b"".join(sorted((node, sibling))))
        assert node == levels[-1][0]


def test_issuance_benchmark_runs_both_layouts() -> None:
    from benchmarks.issuance import measure

    rows = measure([40], 1)
    assert [(r["layout"], r["size"]) for r in rows] == [("files", 40), ("jsonl", 40)]
    assert all(r["per_second"] > 0 and r["per_cpu_second"] > 0 and "write" in r["stages"] for r in rows)
    assert [r["layout"] for r in measure([40], 1, ("jsonl",))] == ["jsonl"]
