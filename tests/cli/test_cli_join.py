"""Joining an existing deployment (`ledger init --join`), and verifying against the right one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.config import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil import Anvil

ENV = {"LEDGER_PASSWORD": "join-test-password", "COLUMNS": "200"}


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=ENV, catch_exceptions=False)


def ok(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def node() -> Any:
    with Anvil() as anvil:
        yield anvil


def test_a_verifier_joins_the_issuers_deployment_and_verifies_its_credentials(node: Any, tmp_path: Path) -> None:
    uni = str(tmp_path / "uni")
    made = ok("init", "-w", uni, "--rpc-url", node.url)
    ok("type", "define", "--id", "201", "--name", "Course", "--allowed-issuers", "university", "-w", uni)
    ok("issuer", "add", made["committee_member"], "--kind", "university", "--scope", "201", "--name", "Uni", "-w", uni)
    rows = tmp_path / "rows.csv"
    rows.write_text("student_number,name\n2023001,Graduate One\n2023002,Graduate Two\n")
    ok("cred", "issue", "--type", "201", "--csv", str(rows), "--new-subjects", "--out", str(tmp_path / "out"),
       "-w", uni)
    files = sorted((tmp_path / "out").rglob("*.json"))
    assert len(files) == 2

    hr = str(tmp_path / "hr")
    joined = ok("init", "-w", hr, "--rpc-url", node.url, "--join", made["issuer_registry"].lower(),
                "--from-block", str(made["block_number"]))
    assert "joined" in joined and "committee_member" not in joined
    ours, theirs = load_settings(Path(hr), env={}).deployment, load_settings(Path(uni), env={}).deployment
    assert ours == theirs  # the same four contracts, found from the registry alone
    by_committee = str(tmp_path / "hr2")
    ok("init", "-w", by_committee, "--rpc-url", node.url, "--join", made["committee"], "--from-block",
       str(made["block_number"]))
    assert load_settings(Path(by_committee), env={}).deployment == theirs  # the Committee's address finds them too
    reports = ok("verify", *map(str, files), "-w", hr)
    assert [r["valid"] for r in reports["credentials"]] == [True, True], reports

    # a workspace with its own deployment on the same chain refuses the proof's contract
    other = str(tmp_path / "other")
    ok("init", "-w", other, "--rpc-url", node.url)
    refused = run("verify", str(files[0]), "-w", other, "--json")
    assert refused.exit_code == 1
    (report,) = json.loads(refused.output)["credentials"]
    anchoring = next(s for s in report["steps"] if s["step"] == "anchoring")
    assert anchoring["code"] == "CONTRACT_MISMATCH" and "--join" in anchoring["message"]


def test_join_refuses_what_it_cannot_use(node: Any, tmp_path: Path) -> None:
    embedded = run("init", "-w", str(tmp_path / "a"), "--join", "0x" + "11" * 20)
    assert embedded.exit_code == 2 and "--join needs a node" in embedded.output
    nothing = run("init", "-w", str(tmp_path / "b"), "--rpc-url", node.url, "--join", "0x" + "22" * 20)
    assert nothing.exit_code == 2 and "no ledger deployment (contracts v2) at 0x2222" in nothing.output
    bad = run("init", "-w", str(tmp_path / "c"), "--rpc-url", node.url, "--join", "0x1234")
    assert bad.exit_code == 2 and "is not an address" in bad.output
    assert not (tmp_path / "b" / "config.toml").exists() and not (tmp_path / "c" / "config.toml").exists()
