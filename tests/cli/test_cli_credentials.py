from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cliws import Workspace

from tests.credentials.credential_fixtures import proof_payload

ROOT = Path(__file__).resolve().parents[2]


def _graduates(path: Path, n: int, *, bad_row: int | None = None) -> Path:
    lines = ["student_number,name"]
    for i in range(n):
        name = "not-a-name@example.edu" if i == bad_row else f"Graduate {i}"
        lines.append(f"S{i:05d},{name}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _anchor_events(ws: Workspace, root: str) -> int:
    with ws.ledger() as lg:
        return sum(1 for e in lg.contracts.events() if e.name == "BatchAnchored" and "0x" + e.args["root"].hex() == root)


def test_batch_issue_from_csv(issuers: Workspace, tmp_path: Path) -> None:
    csv = _graduates(tmp_path / "g.csv", 40)
    out = tmp_path / "out"
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--out", str(out),
                    "--json", key="uni")
    assert r.exit_code == 0, r.output
    batch = json.loads(r.output)
    files = sorted(Path(batch["output"]).glob("*.json"))
    assert batch["count"] == 40 and len(files) == 40
    doc = json.loads(files[0].read_text())
    anchor = proof_payload(doc)
    assert anchor["batchRoot"] == batch["root"] and anchor["anchorBlock"] == batch["anchor_block"]
    assert doc["proof"][0]["cryptosuite"] == "fisco-ledger-merkle-positional-2026"
    assert "OpenBadgeCredential" in doc["type"]
    assert _anchor_events(issuers, batch["root"]) == 1
    # the vault got the new subjects; the chain got only the root
    from ledger.identity.vault import Vault

    assert len(Vault(issuers.path / "vault.sqlite")) == 40


def test_batch_rows_are_validated_before_anything_is_anchored(issuers: Workspace, tmp_path: Path) -> None:
    csv = _graduates(tmp_path / "g.csv", 10, bad_row=6)
    before = len(issuers.ledger().contracts.events())
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", key="uni")
    assert r.exit_code == 2 and "row 8" in r.output and "'name'" in r.output
    assert len(issuers.ledger().contracts.events()) == before
    assert not list((issuers.path / "credentials").glob("*/*.json"))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--skip-invalid",
                    "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["count"] == 9 and [s["row"] for s in out["skipped_rows"]] == [8]


def test_batch_refused_for_an_issuer_out_of_scope(issuers: Workspace, tmp_path: Path) -> None:
    csv = _graduates(tmp_path / "g.csv", 3)
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", key="community")
    assert r.exit_code == 1 and "OutOfScope" in r.output
    assert not list((issuers.path / "journal").iterdir())


def test_checked_issuance_and_refusal_with_the_numbers(issuers: Workspace, tmp_path: Path) -> None:
    sid = json.loads(issuers.run("subject", "new", "--name", "Li Hua", "--json").output)["id"]
    keys = []
    for src, kind in (("github.com/a/x/pull/1", "code"), ("github.com/a/x/pull/2", "review")):
        r = issuers.run("contrib", "add", "--source", src, "--subject", sid, "--kind", kind, "--json", key="community")
        keys.append(json.loads(r.output)["keys"][0])
    assert issuers.run("contrib", "cosign", *keys, key="maintainer").exit_code == 0
    refused = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *(arg for k in keys for arg in ("--evidence", k)),
                          key="community")
    assert refused.exit_code == 1
    assert "NotEnoughDistinctProjects" in refused.output and "needed 2, found 1" in refused.output
    r = issuers.run("contrib", "add", "--source", "github.com/b/y/pull/3", "--subject", sid, "--kind", "code",
                    "--json", key="community")
    keys.append(json.loads(r.output)["keys"][0])
    uncosigned = issuers.run("cred", "issue", "--type", "101", "--subject", sid,
                             *(arg for k in keys for arg in ("--evidence", k)), key="community")
    assert uncosigned.exit_code == 1 and "NotEnoughCoSigns" in uncosigned.output
    assert issuers.run("contrib", "cosign", keys[2], key="maintainer").exit_code == 0
    ok = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *(arg for k in keys for arg in ("--evidence", k)),
                     "--holder", "Li Hua", "--json", key="community")
    assert ok.exit_code == 0, ok.output
    doc = json.loads(Path(json.loads(ok.output)["file"]).read_text())
    assert [e["id"].rsplit("/", 1)[1] for e in doc["evidence"]] == keys
    assert doc["proof"][0]["cryptosuite"] == "fisco-ledger-issuance-2026"
    # the same command again is refused before anything is sent; --again issues a second certificate
    evidence = [arg for k in keys for arg in ("--evidence", k)]
    issued_before = _issued_events(issuers)
    twice = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *evidence, key="community")
    assert twice.exit_code == 1 and "already holds a valid certificate of type 101" in twice.output
    assert json.loads(ok.output)["credential_hash"] in twice.output and "--again" in twice.output
    assert _issued_events(issuers) == issued_before
    again = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *evidence, "--again", "--json",
                        key="community")
    assert again.exit_code == 0, again.output
    assert _issued_events(issuers) == issued_before + 1
    # once both are revoked the subject holds none, and a new one needs no --again
    for result in (ok, again):
        file = json.loads(result.output)["file"]
        assert issuers.run("cred", "revoke", file, "--reason", "issued-in-error", key="community").exit_code == 0
    fresh = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *evidence, key="community")
    assert fresh.exit_code == 0, fresh.output


def _issued_events(ws: Workspace) -> int:
    with ws.ledger() as lg:
        return sum(1 for e in lg.contracts.events() if e.name == "CredentialIssued")


def _cli(ws: Workspace, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **ws.env)
    env.pop("LEDGER_TEST_CRASH_AT", None)
    if crash_at:
        env["LEDGER_TEST_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env, check=False, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("stage", ["planned", "anchoring", "anchored"])
def test_a_batch_killed_at_any_stage_is_finished_by_resume(issuers: Workspace, tmp_path: Path, stage: str) -> None:
    csv = _graduates(tmp_path / "g.csv", 60)
    killed = _cli(issuers, "cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--key", "uni",
                  crash_at=stage)
    assert killed.returncode == 137, killed.stderr
    resumed = _cli(issuers, "cred", "issue", "--resume", "--key", "uni", "--json")
    assert resumed.returncode == 0, resumed.stderr
    (batch,) = json.loads(resumed.stdout)
    assert batch["resumed_from"] == stage and batch["count"] == 60
    assert _anchor_events(issuers, batch["root"]) == 1
    files = sorted(Path(batch["output"]).glob("*.json"))
    assert len(files) == 60
    for f in files:
        proof = proof_payload(json.loads(f.read_text()))
        assert proof["batchRoot"] == batch["root"] and proof["anchorTransaction"] == batch["anchor_transaction"]
    nothing = _cli(issuers, "cred", "issue", "--resume", "--key", "uni", "--json")
    assert json.loads(nothing.stdout) == []


def test_a_batch_killed_while_anchoring_with_the_tx_mined_is_not_anchored_twice(
    issuers: Workspace, tmp_path: Path
) -> None:
    csv = _graduates(tmp_path / "g.csv", 20)
    killed = _cli(issuers, "cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--key", "uni",
                  crash_at="anchored")
    assert killed.returncode == 137
    # forget that the anchor was recorded: the journal says "anchoring", the chain has the root
    (journal,) = list((issuers.path / "journal").iterdir())
    state = json.loads((journal / "state.json").read_text())
    (journal / "state.json").write_text(json.dumps({"stage": "anchoring", "at": state["at"]}))
    resumed = _cli(issuers, "cred", "issue", "--resume", "--key", "uni", "--json")
    assert resumed.returncode == 0, resumed.stderr
    (batch,) = json.loads(resumed.stdout)
    assert batch["anchored_now"] is False and batch["anchor_transaction"] == state["tx"]
    assert _anchor_events(issuers, batch["root"]) == 1


def test_a_progress_note_that_lags_behind_the_chain_is_safe(issuers: Workspace, tmp_path: Path) -> None:
    """state.json is not fsynced: after a power cut it may say "planned" for an anchored root."""
    csv = _graduates(tmp_path / "g.csv", 20)
    killed = _cli(issuers, "cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--key", "uni",
                  crash_at="anchored")
    assert killed.returncode == 137
    (journal,) = list((issuers.path / "journal").iterdir())
    state = json.loads((journal / "state.json").read_text())
    (journal / "state.json").unlink()  # as if lost: a missing note reads as "planned"
    resumed = _cli(issuers, "cred", "issue", "--resume", "--key", "uni", "--json")
    assert resumed.returncode == 0, resumed.stderr
    (batch,) = json.loads(resumed.stdout)
    assert batch["anchored_now"] is False and batch["anchor_transaction"] == state["tx"]
    assert _anchor_events(issuers, batch["root"]) == 1 and len(list(Path(batch["output"]).glob("*.json"))) == 20


def test_an_anchored_batch_is_finished_by_any_key_of_the_workspace(issuers: Workspace, tmp_path: Path) -> None:
    """Once the root is anchored, what is left is writing files, which needs no signature."""
    csv = _graduates(tmp_path / "g.csv", 5)
    killed = _cli(issuers, "cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--key", "uni",
                  crash_at="anchored")
    assert killed.returncode == 137
    resumed = _cli(issuers, "cred", "issue", "--resume", "--key", "community", "--json")
    assert resumed.returncode == 0, resumed.stderr
    (batch,) = json.loads(resumed.stdout)
    assert batch["resumed_from"] == "anchored" and batch["anchored_now"] is False
    assert len(list(Path(batch["output"]).glob("*.json"))) == 5
    assert _anchor_events(issuers, batch["root"]) == 1


def test_ctrl_c_says_how_to_finish_the_batch(issuers: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.ledger import Ledger

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Ledger, "issue_batch", interrupted)
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(_graduates(tmp_path / "g.csv", 2)), key="uni")
    assert r.exit_code == 130  # 128 + SIGINT, as a shell reports it
    assert "interrupted" in r.output and "ledger cred issue --resume" in r.output
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(tmp_path / "g.csv"), "--json", key="uni")
    assert r.exit_code == 130 and json.loads(r.stdout)["error"]["exit_code"] == 130

