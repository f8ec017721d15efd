"""Contribution reports through the CLI: counts, inputs, formats, anchoring and `report check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from forge import ALICE, BOB, CAROL, DAN, build_project_repo
from workbench import Shell

from ledger.contributions import contribution_key


def _json(shell: Shell, *args: str, key: str | None = None, code: int = 0) -> dict:
    result = shell.run(*args, "--json", key=key)
    assert result.exit_code == code, result.output
    return json.loads(result.output)


@pytest.fixture()
def imported(shell: Shell, tmp_path: Path) -> dict[str, str]:
    """The test repository imported for four subjects, one contribution co-signed by the maintainers."""
    _, ids = build_project_repo(tmp_path / "chain-sdk")
    subjects = {}
    lines = ["[authors]"]
    for person in (ALICE, BOB, CAROL, DAN):
        subjects[person[0]] = _json(shell, "subject", "new")["id"]
        lines.append(f'"{person[1]}" = "{subjects[person[0]]}"')
    (tmp_path / "authors.toml").write_text("\n".join(lines) + "\n")
    _json(shell, "contrib", "import", "git", str(tmp_path / "chain-sdk"), "--author-map", str(tmp_path / "authors.toml"),
          "--field", "blockchain", "--apply", key="community")
    cosigned = "0x" + contribution_key(f"commit/{ids['tests']}").hex()
    assert shell.run("contrib", "cosign", cosigned, key="maintainer").exit_code == 0
    subjects["cosigned"] = cosigned
    return subjects


def test_a_subject_report_counts_and_states_its_inputs(shell: Shell, imported: dict[str, str], tmp_path: Path) -> None:
    alice = imported[ALICE[0]]
    data = _json(shell, "report", "subject", alice)
    assert data["totals"] == {"contributions": 2, "active": 2, "revoked": 0, "weight": 2, "co_signed": 1,
                              "co_signs": 1, "projects": 1, "subjects": 1}
    assert data["by_kind"] == {"code": 1, "test": 1} and data["by_field"] == {"blockchain": 2}
    assert data["by_project"] == {"github.com/example-org/chain-sdk": 2}
    assert data["by_period"] == {"2026-01": 2}
    assert data["co_signers"] == {shell.keys["maintainer"].address: 1}
    assert data["labels"]["issuers"] == {shell.keys["maintainer"].address: "Maintainers"}
    inputs = data["inputs"]
    assert inputs["blocks"]["from"] == 0 and inputs["blocks"]["to"] >= 1 and inputs["period"] == "month"
    (importer,) = inputs["importers"]
    assert importer["importer"] == "git" and importer["version"] == "1" and importer["contributions"] == 2
    assert list(inputs["rules"]) == [importer["rules_digest"]] and "paths" in inputs["rules"][importer["rules_digest"]]
    assert [c["status"] for c in data["contributions"]] == ["active", "active"]
    yearly = _json(shell, "report", "subject", alice, "--period", "quarter", "--since", "2026-01-01", "--until", "2026-01-01")
    assert yearly["by_period"] == {"2026-Q1": 2}
    assert _json(shell, "report", "subject", alice, "--since", "2026-02-01")["totals"]["contributions"] == 0


def test_an_organisation_report_counts_what_its_issuers_recorded(shell: Shell, imported: dict[str, str]) -> None:
    community = shell.keys["community"].address
    data = _json(shell, "report", "org", community)
    assert data["kind"] == "organisation" and data["totals"]["contributions"] == 10
    assert data["totals"]["subjects"] == 4 and sum(data["by_subject"].values()) == 10
    assert data["inputs"]["organisation"] == [community] and data["target"] == community
    assert _json(shell, "report", "org", shell.keys["maintainer"].address)["totals"]["contributions"] == 0
    refused = shell.run("report", "org", shell.keys["outsider"].address)
    assert refused.exit_code == 2 and "not an issuer" in refused.output


def test_report_files_check_and_anchor(shell: Shell, imported: dict[str, str], tmp_path: Path) -> None:
    bob = imported[BOB[0]]
    report, page = tmp_path / "bob.json", tmp_path / "bob.html"
    made = shell.run("report", "subject", bob, "--report", str(report), "--html", str(page), "--anchor",
                     key="community")
    assert made.exit_code == 0, made.output
    html = page.read_text()
    assert "Contributions of subject" in html and "github.com/example-org/chain-sdk" in html and "<script" not in html
    data = json.loads(report.read_text())
    assert data["anchored"]["auditor"] == shell.keys["community"].address
    checked = _json(shell, "report", "check", str(report))
    assert checked["ok"] and checked["reproduced"] and checked["anchored_by"] == shell.keys["community"].address
    # Later work does not change a report: it is computed again at its stated block.
    shell.run("contrib", "revoke", imported["cosigned"], "--reason", "issued-in-error", key="community")
    assert _json(shell, "report", "check", str(report))["ok"]
    # A changed count is found, and so is a consistent forgery (its hash recomputed).
    forged = {**data, "totals": {**data["totals"], "active": 99}}
    report.write_text(json.dumps(forged))
    changed = _json(shell, "report", "check", str(report), code=1)
    assert any("changed after it was made" in p for p in changed["problems"])
    from ledger.reports.document import report_hash

    forged["report_hash"] = "0x" + report_hash(forged).hex()
    forged.pop("anchored")
    report.write_text(json.dumps(forged))
    consistent = _json(shell, "report", "check", str(report), code=1)
    assert not consistent["reproduced"] and consistent["anchored_by"] is None
    assert any("not what the chain holds" in p for p in consistent["problems"])


def test_the_same_inputs_give_the_same_hash_anywhere(shell: Shell, imported: dict[str, str]) -> None:
    carol = imported[CAROL[0]]
    first = _json(shell, "report", "subject", carol)
    again = _json(shell, "report", "subject", carol, "--no-sync", "--at", str(first["inputs"]["blocks"]["to"]))
    assert first["report_hash"] == again["report_hash"] and first["generated_at"] <= again["generated_at"]
    # An anchor by someone who is neither an issuer nor a committee member is refused.
    refused = shell.run("report", "subject", carol, "--anchor", key="outsider")
    assert refused.exit_code == 1


def test_contributions_added_by_hand_count_as_manual(shell: Shell) -> None:
    subject = _json(shell, "subject", "new")["id"]
    result = shell.run("contrib", "add", "--source", "github.com/o/r/pull/1", "--subject", subject, "--kind", "docs",
                       "--date", "2026-01-02", key="community")
    assert result.exit_code == 0, result.output
    data = _json(shell, "report", "subject", subject)
    assert data["inputs"]["importers"] == [{"importer": "manual", "version": "", "rules_digest": None,
                                            "contributions": 1}]
    assert data["by_project"] == {"0x" + __import__("ledger").contributions.project_id("github.com/o/r").hex(): 1}
