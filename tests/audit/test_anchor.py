"""`ledger audit ... --anchor` and `ledger audit check`, on a real workspace and chain history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from index.history import CS, History, K, R, h, key

from ledger.audit import load_report, report_target
from ledger.chain.embedded import EmbeddedChain
from ledger.cli import main
from ledger.config import Settings, load_settings
from ledger.contracts.deployment import Contracts
from ledger.contracts.send import raise_for_receipt
from ledger.errors import ValidationError
from ledger.identity.keyring import Keyring
from ledger.index import Index
from ledger.ledger import Ledger

PASSWORD = "anchor-test-password"


@dataclass
class Ws:
    path: Path
    facts: dict

    def run(self, *args: str, password: bool = True) -> Result:
        env: dict[str, str | None] = {"LEDGER_WORKSPACE": str(self.path), "COLUMNS": "200",
                                      "LEDGER_PASSWORD": PASSWORD if password else None,  # None: unset
                                      "LEDGER_PASSWORD_FILE": None}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    def head(self) -> int:
        with EmbeddedChain(load_settings(self.path, env={}).chain_path) as chain:
            return chain.block_number()

    def chain_anchor(self, auditor: str, report_hash: str) -> int:
        """The block in which ``auditor`` anchored ``report_hash`` (0: it did not); reports are kept per auditor."""
        settings = load_settings(self.path, env={})
        assert settings.deployment is not None
        with EmbeddedChain(settings.chain_path) as chain:
            return Contracts(chain, settings.deployment).credentials.report_anchor(
                auditor, bytes.fromhex(report_hash[2:]))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Ws:
    path = tmp_path_factory.mktemp("audit-anchor") / "ws"
    admin, community, stranger = key("anchor-admin"), key("anchor-community"), key("anchor-stranger")
    Ledger.init(Settings(workspace=path), password=PASSWORD, secret_hex=admin.secret_bytes().hex(), light_kdf=True)
    settings = load_settings(path, env={})
    keyring = Keyring(settings.keys_dir, light_kdf=True)
    keyring.add("community", community, PASSWORD)
    keyring.add("stranger", stranger, PASSWORD)
    with EmbeddedChain(settings.chain_path) as chain:
        hist = History(chain, admin=admin, deployment=settings.deployment)
        hist.define_type(1)
        hist.add_issuer(community, K.COMMUNITY, [1])
        alice, bob = h("subject:anchor-alice"), h("subject:anchor-bob")
        hist.issue(community, 1, alice, "anchor-alice-1", hist.record(community, alice, ["anchor/alice/1"]))
        bad, _ = hist.issue(community, 1, bob, "anchor-bob-1", [])
        raise_for_receipt(hist.c.credentials.set_status(community, community.address, bad, CS.REVOKED,
                                                        R.MISCONDUCT))
    facts = {"alice": "0x" + alice.hex(), "bob": "0x" + bob.hex(), "admin": admin.address,
             "community": community.address, "stranger": stranger.address}
    return Ws(path, facts)


def test_anchor_a_subject_report_then_check_it(ws: Ws, tmp_path: Path) -> None:
    report, html = tmp_path / "alice.json", tmp_path / "alice.html"
    result = ws.run("audit", "subject", ws.facts["alice"], "--anchor", "--report", str(report), "--html", str(html),
                    "--json")
    assert result.exit_code == 0, result.output
    printed, saved = json.loads(result.output), json.loads(report.read_text())
    assert printed == saved
    anchored = saved["anchored"]
    assert anchored["auditor"] == ws.facts["admin"]  # the default key: the committee member
    assert anchored["target"] == ws.facts["alice"]
    assert ws.chain_anchor(ws.facts["admin"], saved["report_hash"]) == anchored["block_number"]
    page = html.read_text()
    assert anchored["tx_hash"] in page and saved["report_hash"] in page and ws.facts["admin"] in page

    check = ws.run("audit", "check", str(report), "--json")
    assert check.exit_code == 0, check.output
    verdict = json.loads(check.output)
    assert verdict["ok"] and verdict["anchored"] and verdict["problems"] == []
    assert (verdict["report_hash"], verdict["auditor"], verdict["block_number"], verdict["tx_hash"],
            verdict["target"]) == (saved["report_hash"], ws.facts["admin"], anchored["block_number"],
                                   anchored["tx_hash"], ws.facts["alice"])
    human = ws.run("audit", "check", str(report))
    assert human.exit_code == 0 and "ANCHORED" in human.output and str(anchored["block_number"]) in human.output

    # The index learns the anchor like any other event.
    assert ws.run("index", "sync", "--json").exit_code == 0
    with Index.open(load_settings(ws.path, env={}).index_path) as ix:
        row = ix.reader.report_anchor(saved["report_hash"])
    assert row is not None and (row.auditor, row.block_number, row.tx_hash, row.target) == (
        ws.facts["admin"], anchored["block_number"], anchored["tx_hash"], ws.facts["alice"])


def test_a_changed_report_fails_the_check(ws: Ws, tmp_path: Path) -> None:
    report = tmp_path / "alice.json"
    assert ws.run("audit", "subject", ws.facts["alice"], "--anchor", "--report", str(report)).exit_code == 0
    data = json.loads(report.read_text())
    data["credentials"][0]["reason"] = "looks fine to me"
    report.write_text(json.dumps(data))
    result = ws.run("audit", "check", str(report), "--json")
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert not verdict["ok"] and not verdict["anchored"] and verdict["stated_hash"] == data["report_hash"]
    assert any("changed after it was hashed" in p for p in verdict["problems"])
    assert any("never anchored" in p for p in verdict["problems"])


def test_an_unanchored_report_fails_the_check(ws: Ws, tmp_path: Path) -> None:
    report = tmp_path / "plain.json"
    assert ws.run("audit", "subject", ws.facts["bob"], "--report", str(report), "--no-sync").exit_code == 1
    assert "anchored" not in json.loads(report.read_text())
    result = ws.run("audit", "check", str(report))
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output and "never anchored" in result.output


def test_an_issuer_anchors_a_failing_issuer_report(ws: Ws, tmp_path: Path) -> None:
    report = tmp_path / "issuer.json"
    result = ws.run("audit", "issuer", ws.facts["community"], "--anchor", "--key", "community", "--report",
                    str(report), "--json")
    assert result.exit_code == 1  # a revoked credential: the verdict fails, the report is anchored all the same
    data = json.loads(report.read_text())
    assert data["summary"]["verdict"] == "FAIL"
    assert data["anchored"]["auditor"] == ws.facts["community"]
    assert data["anchored"]["target"] == "0x" + "00" * 12 + ws.facts["community"][2:].lower()
    assert ws.run("audit", "check", str(report)).exit_code == 0


def test_a_set_of_subjects_is_anchored_with_a_zero_target(ws: Ws, tmp_path: Path) -> None:
    csv_file, report = tmp_path / "candidates.csv", tmp_path / "set.json"
    csv_file.write_text(f"subject\n{ws.facts['alice']}\n{ws.facts['bob']}\n")
    result = ws.run("audit", "files", "--input", str(csv_file), "--anchor", "--report", str(report), "--no-sync")
    assert result.exit_code == 1, result.output  # bob's credential is revoked
    assert json.loads(report.read_text())["anchored"]["target"] == "0x" + "00" * 32
    assert "anchored by " + ws.facts["admin"] in result.output
    assert ws.run("audit", "check", str(report), "--json").exit_code == 0


def test_anchoring_needs_an_authorised_key_and_a_password(ws: Ws, tmp_path: Path) -> None:
    report = tmp_path / "stranger.json"
    refused = ws.run("audit", "subject", ws.facts["alice"], "--anchor", "--key", "stranger", "--report", str(report))
    assert refused.exit_code == 1 and "UnknownIssuer" in refused.output and ws.facts["stranger"] in refused.output
    assert not report.exists()
    no_password = ws.run("audit", "subject", ws.facts["alice"], "--anchor", password=False)
    assert no_password.exit_code == 2 and "no password given" in no_password.output


def test_check_refuses_what_is_not_a_report(ws: Ws, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"kind": "subject", "kind": "issuer", "target": "x"}')
    dup = ws.run("audit", "check", str(other))
    assert dup.exit_code == 2 and "duplicate" in dup.output.lower()
    other.write_text("[1, 2]")
    assert ws.run("audit", "check", str(other)).exit_code == 2
    with pytest.raises(ValidationError):
        load_report('{"kind": "subject"}')
    other.write_text('{"kind": ' + "9" * 5_000 + "}")  # longer than Python reads: an error, not a traceback
    long = ws.run("audit", "check", str(other))
    assert long.exit_code == 2 and "a number longer than" in long.output, long.output
    with pytest.raises(ValidationError):
        report_target("subject", "0x1234")
    assert report_target("files", "3 credential file(s)") == bytes(32)


def test_the_same_report_anchored_twice_keeps_its_first_anchor() -> None:
    from ledger.audit import AuditReport, anchor_report, check_report
    from ledger.contracts.deployment import deploy
    from ledger.errors import ContractError

    with EmbeddedChain(None) as chain:
        admin, other = key("twice-admin"), key("twice-other")
        contracts = Contracts(chain, deploy(chain, admin))
        report = AuditReport(kind="subject", target="0x" + h("subject:twice").hex(), generated_at="2026-01-01T00:00:00Z",
                             chain={}, index_cursor=None, at_spec=None, at_block=None, credentials=())
        first = anchor_report(contracts, admin, report)
        assert first.anchored is not None and "already_anchored" not in first.anchored
        second = anchor_report(contracts, admin, report)
        assert second.anchored == {**first.anchored, "already_anchored": True}
        assert check_report(contracts, second.to_dict()).ok
        with pytest.raises(ContractError):  # not a committee member, not an issuer
            anchor_report(contracts, other, AuditReport(**{**report.__dict__, "generated_at": "later"}))


def test_a_report_path_that_cannot_be_written_fails_before_the_anchor_is_paid(ws: Ws, tmp_path: Path) -> None:
    """/proc takes no new files: the report must fail there before a transaction anchors its hash."""
    report = tmp_path / "alice.json"
    head = ws.head()
    result = ws.run("audit", "subject", ws.facts["alice"], "--anchor", "--report", str(report),
                    "--html", "/proc/version")
    assert result.exit_code != 0 and "cannot write the report to /proc/version" in result.output, result.output
    assert ws.head() == head  # no anchoring transaction
    assert not report.exists() and [p.name for p in tmp_path.iterdir()] == []  # nothing half-written
    done = ws.run("audit", "subject", ws.facts["alice"], "--anchor", "--report", str(report))
    assert done.exit_code == 0 and json.loads(report.read_text())["anchored"]["block_number"] > head
    assert [p.name for p in tmp_path.iterdir()] == ["alice.json"]  # the staged file was renamed into place


def test_the_summary_says_what_an_issuer_or_subject_audit_cannot_see() -> None:
    """A batch's credentials are not on chain one by one: the summary must not read as if there were none."""
    from ledger.audit import AuditReport

    base: dict[str, Any] = {"generated_at": "2026-01-01T00:00:00Z", "chain": {}, "index_cursor": 1,
                            "at_spec": None, "at_block": None, "credentials": ()}
    issuer = AuditReport(kind="issuer", target="0x" + "11" * 20,
                         issuer={"batches": [{"count": 1000}, {"count": 2500}]}, **base)
    text = issuer.summary()["text"]
    assert "2 batches of 3,500 credentials" in text and "ledger audit files" in text
    no_batches = AuditReport(kind="issuer", target="0x" + "11" * 20, issuer={"batches": []}, **base)
    assert "batch" not in no_batches.summary()["text"]
    subject = AuditReport(kind="subject", target="0x" + "22" * 32, **base)
    assert subject.summary()["verdict"] == "NONE" and "ledger audit files" in subject.summary()["text"]
