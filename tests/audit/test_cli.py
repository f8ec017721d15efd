"""The index, query and audit commands on a real workspace, and the real report in headless Chromium."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from index.history import CS, History, K, R, h, key

from ledger import types
from ledger.chain.embedded import EmbeddedChain
from ledger.cli import main
from ledger.config import Settings, load_settings
from ledger.contracts.send import raise_for_receipt
from ledger.errors import WorkspaceLocked
from ledger.ledger import Ledger

from .chromium import ARTIFACTS, dump_dom, screenshot
from .test_report_html import _parse

PASSWORD = "audit-test-password"


@dataclass
class Ws:
    path: Path
    facts: dict

    def run(self, *args: str) -> Result:
        env = {"LEDGER_WORKSPACE": str(self.path), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "200"}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Ws:
    path = tmp_path_factory.mktemp("audit-cli") / "ws"
    admin = key("cli-admin")
    Ledger.init(Settings(workspace=path), password=PASSWORD, secret_hex=admin.secret_bytes().hex(), light_kdf=True)
    settings = load_settings(path, env={})
    with EmbeddedChain(settings.chain_path) as chain:
        hist = History(chain, admin=admin, deployment=settings.deployment)
        community = key("cli-community")
        hist.define_type(1)
        hist.add_issuer(community, K.COMMUNITY, [1])
        alice, bob = h("subject:cli-alice"), h("subject:cli-bob")
        a_keys = hist.record(community, alice, ["cli/alice/1", "cli/alice/2"])
        hist.record(community, bob, ["cli/bob/1"], kind=types.ContributionKind.DOCS)
        good, _ = hist.issue(community, 1, alice, "cli-alice-1", a_keys)
        bad, _ = hist.issue(community, 1, bob, "cli-bob-1", [])
        revoked = hist.c.credentials.set_status(community, community.address, bad, CS.REVOKED, R.MISCONDUCT)
        raise_for_receipt(revoked)
        facts = {"alice": "0x" + alice.hex(), "bob": "0x" + bob.hex(), "community": community.address,
                 "good": "0x" + good.hex(), "bad": "0x" + bad.hex(), "revoked_block": revoked.block_number,
                 "head": chain.block_number()}
    return Ws(path, facts)


def test_index_sync_then_nothing_new(ws: Ws) -> None:
    first = ws.run("index", "sync", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["cursor"] == ws.facts["head"]
    again = json.loads(ws.run("index", "sync", "--json").output)
    assert again["new_events"] == 0
    info = json.loads(ws.run("index", "info", "--json").output)
    assert info["tables"]["credentials"] == 2 and info["tables"]["contributions"] == 3
    human = ws.run("index", "sync")
    assert human.exit_code == 0 and f"the index is up to date at block {ws.facts['head']}" in human.output


def test_a_block_past_the_head_is_said_to_be_in_the_future(ws: Ws) -> None:
    synced = ws.run("query", "subject", ws.facts["alice"], "--at", "99999999")
    assert synced.exit_code == 0 and "block 99999999 is past the chain's head" in synced.output
    assert "--no-sync" not in synced.output
    unsynced = ws.run("query", "subject", ws.facts["alice"], "--at", "99999999", "--no-sync")
    assert "the index only reaches block" in unsynced.output and "ledger index sync" in unsynced.output


def test_queries(ws: Ws) -> None:
    f = ws.facts
    subject = json.loads(ws.run("query", "subject", f["alice"], "--json").output)
    assert subject["by_kind"] == {"Code": 2} and len(subject["credentials"]) == 1
    assert subject["credentials"][0]["hash"] == f["good"]
    revoked = json.loads(ws.run("query", "credentials", "--status", "revoked", "--json").output)
    assert [c["hash"] for c in revoked] == [f["bad"]]
    before = json.loads(ws.run("query", "credentials", "--status", "revoked", "--at",
                               str(f["revoked_block"] - 1), "--json", "--no-sync").output)
    assert before == []
    docs = json.loads(ws.run("query", "contributions", "--kind", "docs", "--json").output)
    assert [c["subject"] for c in docs] == [f["bob"]]
    by_project = json.loads(ws.run("query", "contributions", "--project", "github.com/FISCO-BCOS/console",
                                   "--json").output)
    assert sorted(c["subject"] for c in by_project) == sorted([f["alice"], f["alice"], f["bob"]])
    other = json.loads(ws.run("query", "contributions", "--project", "github.com/x/y", "--json", "--no-sync").output)
    assert other == []
    since = json.loads(ws.run("query", "contributions", "--since", "2023-11-14", "--json", "--no-sync").output)
    assert len(since) == 3  # the history's work is dated 2023-11-14T22:13:20Z onwards
    assert json.loads(ws.run("query", "contributions", "--since", "2023-11-15", "--json", "--no-sync").output) == []
    issuer = json.loads(ws.run("query", "issuer", f["community"], "--json").output)
    assert issuer["issuer"]["kind"] == "Community" and issuer["contributions_recorded"] == 3
    table = ws.run("query", "subject", f["bob"])
    assert table.exit_code == 0 and "docs 1" in table.output and "Docs" not in table.output


def test_bad_inputs_are_usage_errors(ws: Ws, tmp_path: Path) -> None:
    bad = ws.run("query", "subject", "0x1234")
    assert bad.exit_code == 2 and "not a subject id" in bad.output
    at = ws.run("query", "subject", ws.facts["alice"], "--at", "last tuesday", "--no-sync")
    assert at.exit_code == 2 and "neither a block number nor an ISO date" in at.output
    both = ws.run("audit", "subject", ws.facts["alice"], "--input", __file__)
    assert both.exit_code == 2
    csv_file = tmp_path / "candidates.csv"
    csv_file.write_text(f"subject\n{ws.facts['alice']}\nnot-an-id\n")
    rows = ws.run("audit", "subject", "--input", str(csv_file), "--no-sync")
    assert rows.exit_code == 2 and "row 3" in rows.output
    unknown = ws.run("query", "issuer", key("nobody").address, "--no-sync")
    assert unknown.exit_code == 1 and "not an issuer" in unknown.output


def test_audit_subject_exit_codes_and_files(ws: Ws, tmp_path: Path) -> None:
    ok = ws.run("audit", "subject", ws.facts["alice"], "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["summary"]["verdict"] == "PASS"
    report, html = tmp_path / "bob.json", tmp_path / "bob.html"
    failed = ws.run("audit", "subject", ws.facts["bob"], "--report", str(report), "--html", str(html))
    assert failed.exit_code == 1
    assert "INVALID" in failed.output and "REVOKED" in failed.output
    data = json.loads(report.read_text())
    assert data["summary"]["invalid"] == 1 and data["credentials"][0]["chain_checked"] is True
    assert data["report_hash"] in failed.output
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_audit_of_several_subjects_rendered_in_chromium(ws: Ws, tmp_path: Path) -> None:
    csv_file = tmp_path / "candidates.csv"
    csv_file.write_text(f"subject,note\n{ws.facts['alice']},a\n{ws.facts['bob']},b\n")
    report, html = tmp_path / "all.json", tmp_path / "all.html"
    result = ws.run("audit", "subject", "--input", str(csv_file), "--report", str(report), "--html", str(html))
    assert result.exit_code == 1, result.output
    summary = json.loads(report.read_text())["summary"]
    assert (summary["credentials"], summary["valid"], summary["invalid"]) == (2, 1, 1)
    rendered = _parse(dump_dom(html))
    assert rendered.text["verdict"].strip().endswith("FAIL")
    assert rendered.text["count-total"].strip() == "2"
    assert rendered.text["count-valid"].strip() == "1"
    assert rendered.text["count-invalid"].strip() == "1"
    assert "REVOKED" in rendered.text["credentials"]
    shot = screenshot(html, ARTIFACTS / "audit-report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_every_command_has_help_with_an_example() -> None:
    from ledger.cli.commands.audit import COMMANDS

    for group in COMMANDS:
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            assert command.help and "ledger " in command.help, f"{group.name} {name}"


def test_audit_issuer(ws: Ws, tmp_path: Path) -> None:
    html = tmp_path / "issuer.html"
    result = ws.run("audit", "issuer", ws.facts["community"], "--html", str(html), "--json")
    assert result.exit_code == 1  # one of its credentials was revoked
    data = json.loads(result.output)
    assert data["issuer"]["address"] == ws.facts["community"]
    assert [e["status"] for e in data["issuer"]["status_history"]] == ["Active"]
    assert data["summary"]["credentials"] == 2 and data["summary"]["invalid"] == 1
    assert "Status history" in html.read_text()


def test_audit_files_reports_unreadable_files(ws: Ws, tmp_path: Path) -> None:
    folder = tmp_path / "creds"
    folder.mkdir()
    (folder / "a.json").write_text('{"not": "a credential"}')
    (folder / "b.json").write_text("not json at all")
    result = ws.run("audit", "files", str(folder), "--json", "--no-sync")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [c["label"] for c in data["credentials"]] == [str(folder / "a.json"), str(folder / "b.json")]
    assert all(not c["valid"] and "FORMAT_INVALID" in c["reason"] for c in data["credentials"])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert ws.run("audit", "files", str(empty), "--no-sync").exit_code == 2


def test_audit_at_a_past_block(ws: Ws) -> None:
    assert ws.run("index", "sync").exit_code == 0  # --no-sync below reads what is there: make it all there
    before = ws.facts["revoked_block"] - 1
    result = ws.run("audit", "subject", ws.facts["bob"], "--at", str(before), "--json", "--no-sync")
    assert result.exit_code == 1  # invalid now ...
    (cred,) = json.loads(result.stdout)["credentials"]
    assert (cred["status_now"], cred["status_at"], cred["valid_at"]) == ("revoked", "active", True)  # ... valid then
    assert json.loads(result.stdout)["at"] == {"spec": str(before), "block": before}


def test_no_sync_answers_while_the_chain_is_busy(ws: Ws) -> None:
    settings = load_settings(ws.path, env={})
    assert ws.run("index", "sync", "--json").exit_code == 0
    with EmbeddedChain(settings.chain_path):  # as another process would hold it
        with pytest.raises(WorkspaceLocked):
            EmbeddedChain(settings.chain_path, lock_timeout=0.2)  # the lock is really held
        result = ws.run("query", "subject", ws.facts["alice"], "--json", "--no-sync")
        assert result.exit_code == 0 and len(json.loads(result.output)["credentials"]) == 1


def test_an_id_with_nothing_on_record_is_not_a_pass(ws: Ws) -> None:
    result = ws.run("audit", "subject", "0x" + "cd" * 32, "--json")
    assert result.exit_code == 1
    summary = json.loads(result.output)["summary"]
    assert summary["verdict"] == "NONE" and summary["credentials"] == 0
    assert summary["text"].startswith("no credentials on record for this subject")


def test_report_paths_are_checked_before_the_audit_runs(ws: Ws, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "report.html"
    result = ws.run("audit", "subject", ws.facts["alice"], "--html", str(missing))
    assert result.exit_code == 2
    assert f"directory {missing.parent} does not exist" in result.output and "Traceback" not in result.output
    assert not missing.parent.exists()
    result = ws.run("audit", "subject", ws.facts["alice"], "--report", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.output  # click refuses it as a usage error


def test_an_unreachable_chain_leaves_the_index_to_answer(ws: Ws, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.cli.app import App
    from ledger.errors import NodeUnreachable

    assert ws.run("index", "sync").exit_code == 0

    def unreachable(self: App, **kwargs: object) -> None:
        raise NodeUnreachable("http://127.0.0.1:1", "connection refused")

    monkeypatch.setattr(App, "ledger", unreachable)
    result = ws.run("audit", "subject", ws.facts["alice"])
    assert result.exit_code == 0, result.output
    assert "chain not reachable" in result.output and "answering from the index as it is" in result.output
    assert "1 of 1 credentials valid" in result.output and "from the index only" in result.output
