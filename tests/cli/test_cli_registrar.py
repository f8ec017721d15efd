"""Issue 18: the registrar's and the HR desk's day (audits of files, batches, revocation, the vault)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliws import Workspace


@pytest.fixture()
def graduates(issuers: Workspace, tmp_path: Path) -> tuple[Workspace, Path, list[Path]]:
    """A batch of six graduates of type 201 issued by the university, one file each."""
    csv = tmp_path / "graduates.csv"
    csv.write_text("student_number,name\n" + "".join(f"2023{i:03d},Grad {i}\n" for i in range(6)))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = Path(json.loads(r.output)["output"])
    return issuers, csv, sorted(out.glob("*.json"))


def test_audit_files_says_per_row_and_overall_what_the_chain_was_asked(
    graduates: tuple[Workspace, Path, list[Path]], tmp_path: Path
) -> None:
    """Item 2: one tampered file made the whole report say "from the index only (chain not reachable)"
    while the chain was reachable and the other rows were re-checked on it."""
    ws, _, files = graduates
    folder = tmp_path / "handed-in"
    folder.mkdir()
    for f in files[:3]:
        (folder / f.name).write_bytes(f.read_bytes())
    doc = json.loads(files[3].read_text())
    doc["credentialSubject"]["achievement"]["name"] = "Chief Architect"
    (folder / "tampered.json").write_text(json.dumps(doc))
    r = ws.run("audit", "files", str(folder), "--json")
    assert r.exit_code == 1
    data = json.loads(r.output)
    rows = {Path(c["label"]).name: c for c in data["credentials"]}
    assert rows["tampered.json"]["chain_check"] == "not_needed" and not rows["tampered.json"]["valid"]
    assert all(rows[f.name]["chain_check"] == "rechecked" and rows[f.name]["valid"] for f in files[:3])
    summary = data["summary"]
    assert summary["chain_checks"] == {"rechecked": 3, "not_needed": 1, "unreachable": 0}
    assert "not reachable" not in summary["text"] and "index only" not in summary["text"]
    assert "re-checked on chain for 3" in summary["text"] and "1 failed on its own" in summary["text"]
    human = ws.run("audit", "files", str(folder))
    assert "not reachable" not in human.output and "not needed (the file failed on its own)" in human.output
