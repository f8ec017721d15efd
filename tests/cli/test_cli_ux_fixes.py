"""The UX review's findings (``notes/ux_report.md``), each reproduced through the CLI and asserted fixed.

Every refusal is checked three ways: the exit code, the message, and that nothing was written
(no journal entry, no transaction, no file, no vault entry).
"""

from __future__ import annotations

import errno
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cliws import PASSWORD, Workspace

from ledger.issuance import pipeline as issuance


def _subject(ws: Workspace, name: str, number: str = "") -> str:
    args = ["subject", "new", "--name", name, "--json"] + (["--student-number", number] if number else [])
    r = ws.run(*args)
    assert r.exit_code == 0, r.output
    return str(json.loads(r.output)["id"])


def _journal(ws: Workspace) -> list[str]:
    root = ws.path / "journal"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _head(ws: Workspace) -> int:
    with ws.ledger() as lg:
        return lg.chain.block_number()


def _nothing_sent(ws: Workspace, head: int) -> bool:
    """No transaction of ours was mined since ``head``.

    Every command that signs opens with the embedded faucet funding its key (one block); a reverted
    transaction would be a block more.
    """
    return _head(ws) <= head + 1


def _anchors(ws: Workspace, root: str) -> int:
    with ws.ledger() as lg:
        return sum(1 for e in lg.contracts.events() if e.name == "BatchAnchored" and "0x" + e.args["root"].hex() == root)


def _proposals(ws: Workspace) -> list[dict[str, Any]]:
    r = ws.run("committee", "list", "--json")
    assert r.exit_code == 0, r.output
    return list(json.loads(r.output)["proposals"])


def _graduates(path: Path, numbers: list[str]) -> Path:
    path.write_text("student_number,name\n" + "".join(f"{n},Graduate {n}\n" for n in numbers))
    return path


# -- 1: the output place ----------------------------------------------------------------------


def test_an_unwritable_out_is_refused_before_anything_is_journaled_or_anchored(
    issuers: Workspace, tmp_path: Path
) -> None:
    csv = _graduates(tmp_path / "g.csv", ["S1", "S2"])
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    head = _head(issuers)
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects",
                    "--out", str(blocker / "x"), key="uni")
    assert r.exit_code == 2, r.output
    assert "cannot write credential files" in r.output and "Traceback" not in r.output
    assert _journal(issuers) == [] and _nothing_sent(issuers, head)
    assert not (issuers.path / "vault.sqlite").exists()  # --new-subjects saved no one either


def test_an_anchored_batch_whose_files_fail_is_finished_by_resume_out(
    issuers: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = _graduates(tmp_path / "g.csv", ["S1", "S2", "S3"])
    real_write = issuance.write_documents

    def disk_gone(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(issuance, "write_documents", disk_gone)
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects",
                    "--out", str(tmp_path / "first"), key="uni")
    assert r.exit_code == 1, r.output
    (batch_id,) = _journal(issuers)
    assert f"batch {batch_id} is anchored" in r.output and "Traceback" not in r.output
    assert f"--resume --batch {batch_id} --out" in r.output
    journal = issuance.Journal(issuers.path / "journal", batch_id)
    assert journal.state()["stage"] == "anchored"

    monkeypatch.setattr(issuance, "write_documents", real_write)
    # a rescue place that cannot be written either is refused before the batch is touched
    bad = issuers.run("cred", "issue", "--resume", "--batch", batch_id, "--out", str(csv / "x"), key="uni")
    assert bad.exit_code == 2 and "cannot write credential files" in bad.output
    assert journal.plan().output == str(tmp_path / "first" / batch_id)

    ok = issuers.run("cred", "issue", "--resume", "--batch", batch_id, "--out", str(tmp_path / "rescue"),
                     "--json", key="uni")
    assert ok.exit_code == 0, ok.output
    (done,) = json.loads(ok.output)
    assert done["output"] == str(tmp_path / "rescue" / batch_id) and done["anchored_now"] is False
    assert len(list((tmp_path / "rescue" / batch_id).glob("*.json"))) == 3
    assert _anchors(issuers, done["root"]) == 1  # the root was not anchored again
    assert journal.plan().output == str(tmp_path / "rescue" / batch_id)
    assert journal.state()["stage"] == "done"
    assert journal.state()["moved_from"] == str(tmp_path / "first" / batch_id)
    verified = issuers.run("verify", str(tmp_path / "rescue" / batch_id), "--json")
    assert verified.exit_code == 0 and json.loads(verified.output)["valid"] == 3


# -- 4: pre-flight ------------------------------------------------------------------------------


def test_a_refused_contribution_sends_nothing_and_stores_nothing(issuers: Workspace) -> None:
    sid = _subject(issuers, "Li Hua")
    first = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/1", "--subject", sid, "--kind", "code",
                        "--date", "2026-03-01", key="community")
    assert first.exit_code == 0, first.output
    metadata = sorted((issuers.path / "metadata").iterdir())
    head = _head(issuers)
    again = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/1", "--subject", sid, "--kind", "code",
                        "--date", "2026-03-02", "--evidence-url", "https://example.org/another", key="community")
    assert again.exit_code == 1 and "ContributionExists" in again.output
    assert _nothing_sent(issuers, head)  # no reverted transaction was mined
    assert sorted((issuers.path / "metadata").iterdir()) == metadata


# -- 6 and 17: type files ---------------------------------------------------------------------


def test_a_type_file_with_a_misspelt_key_is_refused(issuers: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('id = 150\nname = "X"\nprerequisite = [101]\nallowed_issuer = ["community"]\n')
    before = len(_proposals(issuers))
    r = issuers.run("type", "define", "--file", str(bad))
    assert r.exit_code == 2, r.output
    assert "'allowed_issuer'" in r.output and "'prerequisite'" in r.output
    assert "allowed_issuers" in r.output and "prerequisites" in r.output  # the known keys are listed
    assert len(_proposals(issuers)) == before


def test_type_show_json_can_be_defined_again(issuers: Workspace, tmp_path: Path) -> None:
    shown = issuers.run("type", "show", "101", "--json")
    assert shown.exit_code == 0, shown.output
    saved = tmp_path / "t.json"
    saved.write_text(shown.output)
    r = issuers.run("type", "define", "--file", str(saved))
    assert r.exit_code == 0, r.output
    again = json.loads(issuers.run("type", "show", "101", "--json").output)
    first = json.loads(shown.output)
    assert again["version"] == first["version"] + 1
    assert {k: v for k, v in again.items() if k != "version"} == {k: v for k, v in first.items() if k != "version"}


# -- 7: student numbers -------------------------------------------------------------------------


def test_a_student_number_already_in_the_vault_is_refused(workspace: Workspace) -> None:
    from ledger.identity.vault import Vault

    sid = _subject(workspace, "Li Hua", "2023001")
    r = workspace.run("subject", "new", "--name", "Li Hua", "--student-number", "2023001")
    assert r.exit_code == 2 and sid in r.output
    assert [s.id for s in Vault(workspace.path / "vault.sqlite", password=PASSWORD)] == [sid]


def test_a_batch_row_with_an_ambiguous_student_number_is_refused(issuers: Workspace, tmp_path: Path) -> None:
    # a vault from before numbers were unique (plain JSON, migrated on first use): two subjects, one number
    one, two = "0x" + "11" * 32, "0x" + "22" * 32
    (issuers.path / "vault.json").write_text(json.dumps({"subjects": {
        one: {"person": {"name": "Li Hua", "student_number": "2023001"}, "created": 1},
        two: {"person": {"name": "Wang Wei", "student_number": "2023001"}, "created": 2},
    }}))
    csv = _graduates(tmp_path / "g.csv", ["2023001"])
    head = _head(issuers)
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), key="uni")
    assert r.exit_code == 2 and "ambiguous" in r.output and one in r.output and two in r.output
    assert _journal(issuers) == [] and _nothing_sent(issuers, head)


# -- 8: the committee ---------------------------------------------------------------------------


def test_threshold_out_of_range_is_refused_up_front(workspace: Workspace) -> None:
    before = len(_proposals(workspace))
    for count in ("2", "0"):
        r = workspace.run("committee", "threshold", count)
        assert r.exit_code == 1 and "ThresholdOutOfRange" in r.output and "between 1 and 1" in r.output, r.output
    assert len(_proposals(workspace)) == before


def test_committee_list_decodes_each_call(issuers: Workspace) -> None:
    k = issuers.keys
    assert issuers.run("committee", "add-member", k["outsider"].address).exit_code == 0
    assert issuers.run("committee", "threshold", "2").exit_code == 0
    assert issuers.run("issuer", "suspend", k["community"].address).exit_code == 0
    pending = json.loads(issuers.run("committee", "list", "--pending", "--json").output)["proposals"]
    assert [(p["action"], p["function"], p["args"]) for p in pending] == [
        ("IssuerRegistry.setIssuerStatus", "setIssuerStatus",
         {"issuer": k["community"].address, "status": "suspended"}),
    ]
    every = {p["function"]: p["args"] for p in _proposals(issuers)}
    assert every["setThreshold"] == {"threshold": 2}
    assert every["addIssuer"]["kind"] in ("university", "community")
    table = issuers.run("committee", "list", "--pending")
    assert f"setIssuerStatus(issuer={k['community'].address}, status=suspended)" in table.output


# -- 9, 10 and 17: batch files --------------------------------------------------------------------


def test_skip_invalid_skips_malformed_json_lines(issuers: Workspace, tmp_path: Path) -> None:
    rows = tmp_path / "g.jsonl"
    rows.write_text('{"student_number": "S1"}\nnot json\n[1, 2]\n{"student_number": "S4"}\n')
    stopped = issuers.run("cred", "issue", "--type", "201", "--jsonl", str(rows), "--new-subjects", key="uni")
    assert stopped.exit_code == 2 and "row 2" in stopped.output and _journal(issuers) == []
    r = issuers.run("cred", "issue", "--type", "201", "--jsonl", str(rows), "--new-subjects", "--skip-invalid",
                    "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["count"] == 2 and [s["row"] for s in out["skipped_rows"]] == [2, 3]


def test_csv_and_jsonl_together_is_a_usage_error(issuers: Workspace, tmp_path: Path) -> None:
    csv = _graduates(tmp_path / "g.csv", ["S1"])
    jsonl = tmp_path / "g.jsonl"
    jsonl.write_text('{"student_number": "S2"}\n')
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--jsonl", str(jsonl), key="uni")
    assert r.exit_code == 2 and "not both" in r.output
    assert _journal(issuers) == []


def test_a_csv_with_an_unterminated_quote_is_refused(issuers: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text('student_number,name\n2024000001,"Grad A\n2024000002,Grad B\n')
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--skip-invalid",
                    key="uni")
    assert r.exit_code == 2 and "not valid CSV" in r.output
    assert _journal(issuers) == [] and not (issuers.path / "vault.sqlite").exists()
    sid = _subject(issuers, "Li Hua")
    contributions = tmp_path / "c.csv"
    contributions.write_text(f'source,subject,kind,note\ngithub.com/a/b/pull/1,{sid},code,"unfinished\n')
    head = _head(issuers)
    r = issuers.run("contrib", "add", "--file", str(contributions), key="community")
    assert r.exit_code == 2 and "not valid CSV" in r.output and _nothing_sent(issuers, head)


# -- 11 and 17: contributions ---------------------------------------------------------------------


def test_a_contribution_from_the_future_is_refused(issuers: Workspace) -> None:
    sid = _subject(issuers, "Li Hua")
    head = _head(issuers)
    future = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 86400))
    r = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/1", "--subject", sid, "--kind", "code",
                    "--date", future, key="community")
    assert r.exit_code == 2 and "in the future" in r.output
    assert _nothing_sent(issuers, head)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    ok = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/1", "--subject", sid, "--kind", "code",
                     "--date", today, key="community")
    assert ok.exit_code == 0, ok.output


def test_a_bad_row_names_the_csv_column_as_in_the_file(issuers: Workspace, tmp_path: Path) -> None:
    sid = _subject(issuers, "Li Hua")
    csv = tmp_path / "c.csv"
    csv.write_text(f"source,subject,kind,evidence_url\ngithub.com/a/b/pull/1,{sid},code,mailto:li@example.edu\n")
    r = issuers.run("contrib", "add", "--file", str(csv), key="community")
    assert r.exit_code == 2 and "column 'evidence_url'" in r.output and "'evidence'" not in r.output


# -- 17: keys -----------------------------------------------------------------------------------


def test_key_list_shows_a_damaged_key_file(workspace: Workspace) -> None:
    (workspace.path / "keys" / "broken.json").write_text('{"x": "secret-looking-material"}')
    listed = json.loads(workspace.run("key", "list", "--json").output)
    broken = [k for k in listed if k["name"] == "broken"]
    assert broken and broken[0]["damaged"] and broken[0]["address"] is None
    table = workspace.run("key", "list")
    assert "broken" in table.output and "DAMAGED" in table.output
    assert "secret-looking-material" not in table.output


@pytest.mark.parametrize("command", ["new", "import"])
def test_a_short_password_is_refused_for_a_new_key(workspace: Workspace, tmp_path: Path, command: str) -> None:
    secret = tmp_path / "k.hex"
    secret.write_text("11" * 32)
    args = ["key", command, "--name", "shorty"] + (["--from-file", str(secret)] if command == "import" else [])
    env = dict(workspace.env, LEDGER_PASSWORD="1234567")
    from click.testing import CliRunner

    from ledger.cli import main

    r = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert r.exit_code == 2 and "at least 8 characters" in r.output
    assert not (workspace.path / "keys" / "shorty.json").exists()
    r = CliRunner().invoke(main, args, env=dict(env, LEDGER_PASSWORD="12345678"), catch_exceptions=False)
    assert r.exit_code == 0, r.output


# -- credential files are read with the size cap -------------------------------------------------


def test_cred_show_and_verify_refuse_an_oversized_file_without_reading_it(workspace: Workspace,
                                                                           tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as fh:  # sparse: a gigabyte on paper, nothing on disk
        fh.truncate(1 << 30)
    shown = workspace.run("cred", "show", str(huge))
    assert shown.exit_code == 2 and "over the limit" in shown.output and "Traceback" not in shown.output
    verified = workspace.run("verify", str(huge), "--json")
    assert verified.exit_code == 1
    (report,) = json.loads(verified.output)["credentials"]
    assert report["valid"] is False and "over the limit" in report["reason"]


def test_checked_issuance_refuses_an_unwritable_out_before_sending(issuers: Workspace, tmp_path: Path) -> None:
    sid = _subject(issuers, "Li Hua")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    head = _head(issuers)
    r = issuers.run("cred", "issue", "--type", "101", "--subject", sid, "--evidence", "0x" + "11" * 32,
                    "--out", str(blocker / "x"), key="community")
    assert r.exit_code == 2 and "cannot write credential files" in r.output
    assert _nothing_sent(issuers, head)


def test_a_valid_until_in_the_past_is_refused_before_anything_is_written(issuers: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\nP1,One\n")
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--valid-until",
                    "2020-01-01", key="uni")
    assert r.exit_code == 2 and "--valid-until 2020-01-01 is not in the future" in r.output
    assert "validFrom" not in r.output and _journal(issuers) == []


def test_redefining_a_type_says_which_version_it_makes(issuers: Workspace) -> None:
    r = issuers.run("type", "define", "--id", "201", "--name", "OSS course, 2027 edition", "--allowed-issuers",
                    "university")
    assert r.exit_code == 0 and "as version 2 (credentials issued before keep version 1)" in r.output, r.output
    r = issuers.run("type", "define", "--id", "202", "--name", "New course", "--allowed-issuers", "university")
    assert r.exit_code == 0 and "version" not in r.output


def test_an_issuers_own_child_is_offered_then_accepted_without_a_proposal_in_the_message(
    issuers: Workspace,
) -> None:
    child = issuers.keys["outsider"].address
    r = issuers.run("issuer", "add", child, "--kind", "university", "--scope", "201",
                    "--name", "School of Software", "--child", key="uni")
    assert r.exit_code == 0, r.output
    assert "offered:" in r.output and "(tx 0x" in r.output and "proposal" not in r.output
    assert f"ledger issuer accept {issuers.keys['uni'].address} --key" in r.output
    r = issuers.run("issuer", "accept", issuers.keys["uni"].address, key="outsider")
    assert r.exit_code == 0, r.output
    assert f"accepted: {child} is a child of {issuers.keys['uni'].address} (university, scope [201]" in r.output
    assert "proposal" not in r.output
