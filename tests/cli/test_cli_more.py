"""The CLI commands not covered elsewhere: happy path and a bad input each."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from cliws import PASSWORD, Workspace

from ledger.cli import main


def test_key_new(workspace: Workspace, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("another-pass\n")
    r = workspace.run("key", "new", "--name", "mentor", "--password-file", str(pw), "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["name"] == "mentor" and info["address"].startswith("0x") and "another-pass" not in r.output
    assert workspace.run("key", "new", "--name", "bad name!", "--password-file", str(pw)).exit_code == 2
    # no terminal and no password anywhere: a usage error that says where a password can come from
    env = {k: v for k, v in workspace.env.items() if k != "LEDGER_PASSWORD"}
    r = CliRunner().invoke(main, ["key", "new", "--name", "x"], env=env)
    assert r.exit_code == 2 and "LEDGER_PASSWORD" in r.output


def test_issuer_scope_and_retire(issuers: Workspace) -> None:
    uni = issuers.keys["uni"].address
    r = issuers.run("issuer", "scope", uni, "--disallow", "201", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(issuers.run("issuer", "show", uni, "--json").output)["scope"] == "101"
    assert issuers.run("issuer", "scope", uni).exit_code == 2  # neither --allow nor --disallow
    assert issuers.run("issuer", "scope", uni, "--allow", "x1").exit_code == 2
    assert issuers.run("issuer", "retire", uni).exit_code == 0
    assert json.loads(issuers.run("issuer", "show", uni, "--json").output)["status"] == "retired"
    again = issuers.run("issuer", "reinstate", uni)
    assert again.exit_code == 1 and "IssuerIsRetired" in again.output
    assert issuers.run("issuer", "show", "0x" + "12" * 20).exit_code == 2


def test_committee_remove_member(issuers: Workspace) -> None:
    uni = issuers.keys["uni"].address
    assert issuers.run("committee", "add-member", uni).exit_code == 0
    r = issuers.run("committee", "remove-member", uni, "--json")
    assert r.exit_code == 0 and json.loads(r.output)["executed"] is True
    assert json.loads(issuers.run("committee", "list", "--json").output)["members"] == [
        issuers.ledger().key.address
    ]
    last = issuers.run("committee", "remove-member", uni)
    assert last.exit_code == 1 and "NotMember" in last.output


def test_cred_show(issuers: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\nS1,Grad One\n")
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--json", key="uni")
    (cert,) = Path(json.loads(r.output)["output"]).glob("*.json")
    shown = json.loads(issuers.run("cred", "show", str(cert), "--json").output)
    assert shown["holder"] == "Grad One" and shown["type"].startswith("201 v1") and shown["proof"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": 1}')
    r = issuers.run("cred", "show", str(broken))
    assert r.exit_code == 2 and "@context" in r.output
    assert PASSWORD not in r.output
