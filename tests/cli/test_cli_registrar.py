"""Issue 18: the registrar's and the HR desk's day (audits of files, batches, revocation, the vault)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliws import Workspace
from test_cli_credentials import _cli


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


def test_every_invalid_row_is_reported_in_one_pass(issuers: Workspace, tmp_path: Path) -> None:
    """Item 5: the first bad row stopped the command; the next run found the next one."""
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n2024001,Good One\n2024002,ann@example.edu\n2024003,Good Three\n"
                   ",No Number\n2024005,Good Five\n2024001,Twice\n")
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--json", key="uni")
    assert r.exit_code == 2
    error = json.loads(r.output)["error"]
    assert error["type"] == "RowsError" and "--skip-invalid" in error["hint"]
    assert [(row["row"], row["column"]) for row in error["rows"]] == [(3, "name"), (5, "subject"), (7, "subject")]
    human = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", key="uni")
    assert "3 invalid rows" in human.output and all(f"row {n}" in human.output for n in (3, 5, 7))
    assert not (issuers.path / "journal").exists() or not any((issuers.path / "journal").iterdir())


def test_a_header_problem_is_said_as_the_header(issuers: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("student_nummer,name,name\n2024001,Good One\n2024002,Good Two\n")
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", key="uni")
    assert r.exit_code == 2
    assert "header (line 1)" in r.output and "'student_nummer'" in r.output and "'name' given twice" in r.output
    assert "no 'subject' or 'student_number' column" in r.output and "row 2" not in r.output


_KILLED_WRITER = r"""
import os, sys
from pathlib import Path
from ledger.files import write_private_file

def pieces():
    yield Path(sys.argv[2]).read_bytes()  # the bundle, names and all, not yet renamed into place
    os._exit(137)  # killed mid-write: no exception handler runs

write_private_file(Path(sys.argv[1]), pieces())
"""


def test_a_write_killed_mid_way_leaves_nothing_that_verify_trips_on(issuers: Workspace, tmp_path: Path) -> None:
    """Item 10: SIGKILL while a bundle was written left `.<batch>.jsonl.<hex>.tmp` (holders' names in
    it), and `ledger verify credentials/` exited 1 on it, also after a successful resume."""
    import subprocess
    import sys

    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"2025{i:03d},Graduate Number {i}\n" for i in range(40)))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--layout", "jsonl",
                    "--json", key="uni")
    assert r.exit_code == 0, r.output
    bundle = Path(json.loads(r.output)["output"])
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(bundle), str(bundle)], check=False)
    assert killed.returncode == 137
    (leftover,) = [p for p in bundle.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftover.name.startswith(f".{bundle.name}.") and b"Graduate Number" in leftover.read_bytes()

    checked = issuers.run("verify", str(bundle.parent), "--json")
    assert checked.exit_code == 0, checked.output  # the leftover is not a credential file
    assert json.loads(checked.output)["valid"] == 40

    assert issuers.run("cred", "issue", "--resume", key="uni").exit_code == 0  # opening the workspace sweeps
    assert not leftover.exists()
    assert [p.name for p in bundle.parent.iterdir() if p.name.startswith(".")] == []


def test_a_sweep_leaves_a_live_writers_file_alone(tmp_path: Path) -> None:
    import fcntl
    import os

    from ledger.files import sweep_leftovers

    live = tmp_path / ".batch.jsonl.0123abcd.tmp"
    dead = tmp_path / ".batch.jsonl.89abcdef.tmp"
    other = tmp_path / ".notes.tmp"  # not a name this package writes
    for p in (live, dead, other):
        p.write_bytes(b"x")
    fd = os.open(live, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert sweep_leftovers(tmp_path) == [dead]
    finally:
        os.close(fd)
    assert live.exists() and other.exists() and not dead.exists()


def _record_for_type_101(ws: Workspace, sid: str) -> list[str]:
    keys = []
    for src, kind in (("github.com/a/x/pull/1", "code"), ("github.com/b/y/pull/2", "review")):
        r = ws.run("contrib", "add", "--source", src, "--subject", sid, "--kind", kind, "--json", key="community")
        assert r.exit_code == 0, r.output
        keys.append(json.loads(r.output)["keys"][0])
    assert ws.run("contrib", "cosign", *keys, key="maintainer").exit_code == 0
    return keys


def test_checked_issuance_fills_the_holders_name_from_the_vault(issuers: Workspace) -> None:
    """Item 8: without --holder the credential named no one, though the vault knows the subject."""
    sid = json.loads(issuers.run("subject", "new", "--name", "Wang Fang", "--json").output)["id"]
    evidence = [a for k in _record_for_type_101(issuers, sid) for a in ("--evidence", k)]
    r = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *evidence, "--json", key="community")
    assert r.exit_code == 0, r.output
    assert _holder(Path(json.loads(r.output)["file"])) == "Wang Fang"
    given = issuers.run("cred", "issue", "--type", "101", "--subject", sid, *evidence, "--again", "--holder",
                        "Fang Wang", "--json", key="community")
    assert _holder(Path(json.loads(given.output)["file"])) == "Fang Wang"


def _holder(path: Path) -> str | None:
    from ledger.credentials.parse import parse_credential

    return parse_credential(path.read_bytes()).holder_name


def test_an_issuers_queries_and_audits_include_a_graduates_batch_certificates(
    graduates: tuple[Workspace, Path, list[Path]],
) -> None:
    """Item 3: a graduate holding two batch certificates showed "credentials 0" in `query subject` and a
    red NONE in `audit subject`: the chain has only the roots, but the issuer's journal knows each leaf."""
    ws, csv, files = graduates
    assert ws.run("type", "define", "--id", "202", "--name", "OSS practice", "--allowed-issuers", "university"
                  ).exit_code == 0
    assert ws.run("issuer", "scope", ws.keys["uni"].address, "--allow", "202").exit_code == 0
    second = ws.run("cred", "issue", "--type", "202", "--csv", str(csv), "--json", key="uni")
    assert second.exit_code == 0, second.output
    sid = json.loads(ws.run("subject", "find", "2023000", "--json").output)[0]["id"]

    query = json.loads(ws.run("query", "subject", sid, "--json").output)
    assert sorted(c["type_id"] for c in query["credentials"]) == [201, 202]
    assert all(c["root"] != "0x" + "00" * 32 and c["subject"] == sid for c in query["credentials"])
    assert "this workspace issued are included" in query["batch_certificates"]
    audit = ws.run("audit", "subject", sid, "--json")
    assert audit.exit_code == 0, audit.output
    report = json.loads(audit.output)
    assert report["summary"]["verdict"] == "PASS" and report["summary"]["credentials"] == 2
    assert all(c["chain_check"] == "rechecked" for c in report["credentials"])

    mine = next(f for f in files if json.loads(f.read_text())["credentialSubject"]["id"].endswith(sid))
    assert ws.run("cred", "revoke", str(mine), "--reason", "misconduct", key="uni").exit_code == 0
    after = json.loads(ws.run("audit", "subject", sid, "--json").output)
    assert after["summary"]["verdict"] == "FAIL"
    assert sorted((c["type_id"], c["valid"]) for c in after["credentials"]) == [(201, False), (202, True)]


def test_a_verifiers_audit_says_batch_certificates_are_audited_from_files(tmp_path: Path) -> None:
    from ledger.audit import Auditor
    from ledger.index import Index

    with Index.open(None) as index:  # a verifier's index: chain events only, no journal of its own
        report = Auditor(index.reader).subject("0x" + "ab" * 32)
    assert report.summary()["verdict"] == "NONE"
    assert "ledger audit files" in report.summary()["text"] and "files the candidate hands in" in report.summary()["text"]


def test_erasing_a_person_leaves_only_the_pseudonymous_id(
    graduates: tuple[Workspace, Path, list[Path]], tmp_path: Path
) -> None:
    """Item 9: a command to erase a person and show what remains (pseudonymous ids on chain only)."""
    from ledger.identity.vault import Vault

    ws, _, files = graduates
    sid = json.loads(ws.run("subject", "find", "2023001", "--json").output)[0]["id"]
    mine = next(f for f in files if json.loads(f.read_text())["credentialSubject"]["id"].endswith(sid))
    r = ws.run("subject", "erase", sid, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["vault"]["fields_removed"] == ["name", "student_number"]
    assert len(out["journal"]["batches_scrubbed"]) == 1
    assert out["files"]["remaining"] == [{"path": str(mine), "credential_ids": [json.loads(mine.read_text())["id"]]}]
    assert out["on_chain"]["subject_id"] == sid and out["on_chain"]["certificates"] == 1  # their batch leaf
    assert json.loads(ws.run("subject", "find", "2023001", "--json").output) == []
    journal = next((ws.path / "journal").iterdir())
    assert b"Grad 1" not in (journal / "rows.jsonl").read_bytes() and b"Grad 2" in (journal / "rows.jsonl").read_bytes()
    assert Vault(ws.path / "vault.sqlite", password="test-password").get(sid).person == {}

    again = ws.run("subject", "erase", sid, "--delete-files", "--json")
    assert json.loads(again.output)["already_erased"] and not mine.exists()
    # The rest of the batch still verifies, and the erased person's credential is still on record by hash.
    assert ws.run("verify", str(files[0] if files[0] != mine else files[2])).exit_code == 0
    audit = json.loads(ws.run("audit", "subject", sid, "--json").output)
    assert audit["summary"]["credentials"] == 1 and audit["summary"]["verdict"] == "PASS"


def _batches(ws: Workspace) -> int:
    journal = ws.path / "journal"
    return sum(1 for d in journal.iterdir() if (d / "plan.json").exists()) if journal.is_dir() else 0


def test_the_same_file_run_again_is_refused_not_issued_twice(
    graduates: tuple[Workspace, Path, list[Path]], tmp_path: Path
) -> None:
    """Item 4: running the same CSV again issued a second batch without a word."""
    ws, csv, _ = graduates
    again = ws.run("cred", "issue", "--type", "201", "--csv", str(csv), key="uni")
    assert again.exit_code == 2 and "already issued as batch" in again.output and "--again" in again.output
    assert _batches(ws) == 1
    # The same rows under another file name are still the same people: each row is refused on its own.
    copy = tmp_path / "copy.csv"
    copy.write_text(csv.read_text() + "2024999,New Person\n")
    rows = ws.run("cred", "issue", "--type", "201", "--csv", str(copy), "--new-subjects", "--json", key="uni")
    assert rows.exit_code == 2
    error = json.loads(rows.output)["error"]
    assert [r["row"] for r in error["rows"]] == [2, 3, 4, 5, 6, 7]
    assert all("already holds a valid certificate" in r["reason"] for r in error["rows"]) and "--again" in error["hint"]
    skipped = ws.run("cred", "issue", "--type", "201", "--csv", str(copy), "--new-subjects", "--skip-invalid",
                     "--json", key="uni")
    assert skipped.exit_code == 0 and json.loads(skipped.output)["count"] == 1
    forced = ws.run("cred", "issue", "--type", "201", "--csv", str(csv), "--again", "--json", key="uni")
    assert forced.exit_code == 0 and json.loads(forced.output)["count"] == 6
    assert _batches(ws) == 3


def test_a_rerun_after_a_crash_points_at_resume(issuers: Workspace, tmp_path: Path) -> None:
    """Item 4: after a crash the operator re-ran the command instead of --resume and got two roots."""
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"2026{i:03d},Grad {i}\n" for i in range(5)))
    args = ("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects")
    crashed = _cli(issuers, *args, "--key", "uni", crash_at="anchored")  # killed: a process of its own
    assert crashed.returncode == 137
    rerun = issuers.run(*args, key="uni")
    assert rerun.exit_code == 2 and "unfinished" in rerun.output and "--resume --batch" in rerun.output
    assert _batches(issuers) == 1
    assert issuers.run("cred", "issue", "--resume", key="uni").exit_code == 0
    assert issuers.run(*args, key="uni").exit_code == 2 and _batches(issuers) == 1


def test_files_named_by_student_number_and_a_manifest(issuers: Workspace, tmp_path: Path) -> None:
    """Item 6: distribution: files named by a column the registrar picks, and a manifest."""
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n2027001,Grad One\n2027/002,Grad Two\n")
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects",
                    "--name-files-by", "student_number", "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    folder = Path(out["output"])
    assert sorted(p.name for p in folder.glob("*.json")) == ["2027001.json", "2027_002.json"]
    manifest = (folder / "manifest.csv").read_text().splitlines()
    assert out["manifest"] == str(folder / "manifest.csv")
    assert manifest[0] == "row,file,line,credential_id,subject"
    first = manifest[1].split(",")
    doc = json.loads((folder / "2027001.json").read_text())
    assert first[:3] == ["2", "2027001.json", ""] and first[3] == doc["id"]
    assert doc["credentialSubject"]["id"].endswith(first[4])
    assert issuers.run("verify", str(folder)).exit_code == 0  # the manifest is not taken for a credential

    bundle_csv = tmp_path / "b.csv"
    bundle_csv.write_text("student_number,name\n2028001,Grad Three\n2028002,Grad Four\n")
    b = issuers.run("cred", "issue", "--type", "201", "--csv", str(bundle_csv), "--new-subjects", "--layout",
                    "jsonl", "--json", key="uni")
    bundle = Path(json.loads(b.output)["output"])
    assert bundle.with_name(bundle.stem + ".manifest.csv").read_text().splitlines()[1].startswith(f"2,{bundle.name},1,")
    exported = issuers.run("cred", "export", str(bundle), "--manifest", "--out", str(tmp_path / "hand-out"), "--json")
    assert exported.exit_code == 0, exported.output
    lines = (tmp_path / "hand-out" / "manifest.csv").read_text().splitlines()
    assert lines[0] == "file,line,credential_id,subject" and len(lines) == 3


def _head(ws: Workspace) -> int:
    with ws.ledger() as lg:
        return lg.chain.block_number()


def _statuses(ws: Workspace, files: list[Path]) -> list[str]:
    r = ws.run("verify", *map(str, files), "--json")
    return [next(s["code"] for s in c["steps"] if s["step"] == "status") for c in json.loads(r.output)["credentials"]]


def test_revocation_at_scale_by_id_subject_list_directory_bundle_and_batch(
    issuers: Workspace, tmp_path: Path
) -> None:
    """Item 7: revoke many credentials chosen many ways, in one burst, and a re-run repeats nothing."""
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"2030{i:03d},Grad {i}\n" for i in range(12)))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--json", key="uni")
    batch = json.loads(r.output)
    folder = Path(batch["output"])
    files = sorted(folder.glob("*.json"))
    docs = {f: json.loads(f.read_text()) for f in files}
    by_id = {d["id"]: f for f, d in docs.items()}
    ids = list(by_id)

    # by id (bare uuid and urn) and by subject, in one command: one burst, one block on the embedded chain
    subject = docs[files[5]]["credentialSubject"]["id"].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    head = _head(issuers)
    r = issuers.run("cred", "revoke", "--id", ids[0], "--id", ids[1].removeprefix("urn:uuid:"), "--subject", subject,
                    "--reason", "issued-in-error", "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert len(out["changed"]) == 3 and out["unchanged"] == []
    # three leaves of one batch: one transaction (contracts v2's batch revocation), in one block
    assert [(t["function"], t["count"]) for t in out["transactions"]] == [("setLeavesStatus", 3)]
    assert _head(issuers) == head + 1
    assert _statuses(issuers, [by_id[ids[0]], by_id[ids[1]], files[5]]) == ["REVOKED"] * 3

    # a list file: the batch's own manifest, one credential id a row (three of them already revoked)
    manifest = folder / "manifest.csv"
    lines = manifest.read_text().splitlines()
    some = tmp_path / "some.csv"
    some.write_text("\n".join(lines[:7]) + "\n")  # header + six rows
    r = issuers.run("cred", "suspend", "--list", str(some), "--reason", "other", "--json", key="uni")
    out = json.loads(r.output)
    assert r.exit_code == 0, r.output
    revoked_before = {ids[0], ids[1], docs[files[5]]["id"]}
    listed = [row.split(",")[3] for row in lines[1:7]]
    assert len(out["changed"]) == len([i for i in listed if i not in revoked_before])
    assert r.exit_code == 0

    # the whole batch by its id, run twice: the second run sends nothing
    batch_id = batch["batch_id"]
    r = issuers.run("cred", "revoke", "--batch", batch_id, "--reason", "misconduct", "--json", key="uni")
    out = json.loads(r.output)
    assert r.exit_code == 0 and len(out["changed"]) + len(out["unchanged"]) == 12
    assert [(t["function"], t["count"]) for t in out["transactions"]] == [("revokeBatch", 12)]  # the root: one tx
    head = _head(issuers)
    again = json.loads(issuers.run("cred", "revoke", "--batch", batch["root"], "--reason", "misconduct", "--json",
                                   key="uni").output)
    assert again["changed"] == [] and len(again["unchanged"]) == 12 and _head(issuers) == head
    assert set(_statuses(issuers, files)) == {"BATCH_REVOKED"}


def test_revoking_a_directory_and_a_bundle_and_refusals(issuers: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"2031{i:03d},Grad {i}\n" for i in range(4)))
    folder = Path(json.loads(issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects",
                                         "--json", key="uni").output)["output"])
    other = tmp_path / "b.csv"
    other.write_text("student_number,name\n" + "".join(f"2032{i:03d},Grad {i}\n" for i in range(3)))
    bundle = Path(json.loads(issuers.run("cred", "issue", "--type", "201", "--csv", str(other), "--new-subjects",
                                         "--layout", "jsonl", "--json", key="uni").output)["output"])
    outsider = issuers.run("cred", "revoke", str(folder), "--reason", "misconduct", key="outsider")
    assert outsider.exit_code == 1 and "UnknownIssuer" in outsider.output  # not an issuer at all
    community = issuers.run("cred", "revoke", str(folder), "--reason", "misconduct", key="community")
    assert community.exit_code == 1 and "NotManager" in community.output  # an issuer, not this one's manager
    changes = ("CredentialStatusChanged", "LeavesStatusChanged", "LeafRevoked", "BatchRevoked")
    with issuers.ledger() as lg:
        assert not [e for e in lg.contracts.events() if e.name in changes]  # nothing was sent
    head = _head(issuers)
    r = issuers.run("cred", "revoke", str(folder), str(bundle), "--reason", "misconduct", "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert len(out["changed"]) == 7 and _head(issuers) == head + 1
    assert [(t["function"], t["count"]) for t in out["transactions"]] == [("setLeavesStatus", 4), ("setLeavesStatus", 3)]
    verified = json.loads(issuers.run("verify", str(bundle), "--json").output)
    assert verified["invalid"] == 3
    final = issuers.run("cred", "reinstate", str(folder), key="uni")
    assert final.exit_code == 1 and "LeafIsRevoked" in final.output  # revocation is final
