"""`ledger contrib import` end to end through the CLI, on a git repository and exports the tests build."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from forge import ALICE, BOB, DAN, build_project_repo, gh_pull, gh_review, gh_user, write_json
from workbench import Shell

from ledger.contributions import contribution_key


def _subject(shell: Shell, name: str) -> str:
    result = shell.run("subject", "new", "--name", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["id"]


def _json(shell: Shell, *args: str, key: str | None = None, code: int = 0) -> dict:
    result = shell.run(*args, "--json", key=key)
    assert result.exit_code == code, result.output
    return json.loads(result.output)


def _on_chain(shell: Shell, subject: str) -> Counter[str]:
    rows = _json(shell, "query", "contributions", "--subject", subject)
    return Counter(row["kind"] for row in rows)  # type: ignore[union-attr]


def test_git_import_dry_run_apply_and_reimport(shell: Shell, tmp_path: Path) -> None:
    _, ids = build_project_repo(tmp_path / "chain-sdk")
    repo = str(tmp_path / "chain-sdk")
    # A dry run with nobody mapped: every author is listed, nothing is recorded, no key is needed.
    dry = _json(shell, "contrib", "import", "git", repo)
    assert dry["to_record"] == 0 and dry["checked_at_block"] > 0
    unlinked = {u["author"]: u["activities"] for u in dry["unlinked_authors"]}
    assert unlinked == {f"{ALICE[0]} <{ALICE[1]}>": 2, f"{BOB[0]} <{BOB[1]}>": 4, "github:carol-w": 2,
                        f"{DAN[0]} <{DAN[1]}>": 2}
    assert dry["skipped"] == {"bot": {"count": 1, "why": dry["skipped"]["bot"]["why"]},
                              "merge-commit": {"count": 1, "why": dry["skipped"]["merge-commit"]["why"]}}
    subjects = {name: _subject(shell, name) for name in ("Alice Liu", "Bob Chen", "Carol Wang", "Dan Maintainer")}
    authors = tmp_path / "authors.toml"
    authors.write_text("[authors]\n"
                       f'"{ALICE[1]}" = "{subjects["Alice Liu"]}"\n'
                       f'"{BOB[1].upper()}" = "{subjects["Bob Chen"]}"\n'      # e-mail addresses in any case
                       f'"github:Carol-W" = "{subjects["Carol Wang"]}"\n'       # a handle
                       f'"Dan Maintainer" = "{subjects["Dan Maintainer"]}"\n')  # a name
    plan = _json(shell, "contrib", "import", "git", repo, "--author-map", str(authors))
    assert plan["to_record"] == 10 and plan["unlinked_authors"] == []
    assert plan["about"] == {"known": 3, "unknown": 0}  # the trailers (review, test, sign-off) about the commits
    assert plan["to_record_by_kind"] == {"code": 2, "docs": 2, "infrastructure": 1, "project-management": 1,
                                         "review": 1, "test": 3}
    assert _on_chain(shell, subjects["Alice Liu"]) == Counter()  # the dry run wrote nothing
    # Applying needs a recording issuer's key; it records in batches and says where.
    applied = _json(shell, "contrib", "import", "git", repo, "--author-map", str(authors), "--apply", key="community")
    assert applied["applied"]["recorded"] == 10 and applied["applied"]["transactions"] == 1
    assert _on_chain(shell, subjects["Alice Liu"]) == Counter({"Code": 1, "Test": 1})
    assert _on_chain(shell, subjects["Bob Chen"]) == Counter({"Test": 2, "Docs": 1, "Infrastructure": 1})
    assert _on_chain(shell, subjects["Carol Wang"]) == Counter({"Docs": 1, "Code": 1})
    assert _on_chain(shell, subjects["Dan Maintainer"]) == Counter({"Review": 1, "ProjectManagement": 1})
    shown = _json(shell, "contrib", "show", "0x" + contribution_key(f"commit/{ids['tests']}/reviewed-by/1").hex())
    assert shown["subject"] == subjects["Dan Maintainer"] and shown["kind"] == "review"
    # Importing again records nothing new, with or without --apply.
    again = _json(shell, "contrib", "import", "git", repo, "--author-map", str(authors), "--apply", key="community")
    assert again["to_record"] == 0 and again["already_on_chain"] == 10 and again["applied"]["recorded"] == 0
    # The import record says what was imported, with which importer and rules; no e-mail address in it.
    records = sorted((shell.path / "imports").glob("*-git.json"))
    assert len(records) == 1  # the second run had nothing to record: no record
    record = json.loads(records[0].read_text())
    assert record["importer"] == "git" and record["rules_digest"] == plan["rules_digest"]
    assert record["status"] == "done" and len(record["keys"]) == 10
    assert record["projects"] == {"0x" + __import__("ledger").contributions.project_id(
        "github.com/example-org/chain-sdk").hex(): "github.com/example-org/chain-sdk"}
    written = records[0].read_text() + (shell.path / "imports" / records[0].name.replace(
        ".json", ".evidence.jsonl")).read_text()
    assert not any(person[1].lower() in written.lower() or person[0] in written for person in (ALICE, BOB, DAN))


def test_dry_run_for_people_lists_what_it_would_do(shell: Shell, tmp_path: Path) -> None:
    build_project_repo(tmp_path / "chain-sdk")
    result = shell.run("contrib", "import", "git", str(tmp_path / "chain-sdk"))
    assert result.exit_code == 0, result.output
    for text in ("Authors not linked to a subject", "Alice Liu", "merge-commit", "dry run", "--author-map"):
        assert text in result.output
    rules = shell.run("contrib", "import", "rules")
    assert rules.exit_code == 0 and "[paths]" in rules.output and "# digest 0x" in rules.output


def test_github_export_import_and_apply(shell: Shell, tmp_path: Path) -> None:
    repo = "FISCO-BCOS/console"
    alice, dan = gh_user("alice", 101), gh_user("dan", 104)
    export = write_json(tmp_path / "pulls.json", [gh_pull(repo, n, alice, merged_at="2026-02-03T10:00:00Z")
                                                  for n in range(1, 6)]
                        + [gh_pull(repo, 9, alice, merged_at=None)])
    reviews = write_json(tmp_path / "reviews.json", [gh_review(repo, 1, 1, dan, "APPROVED")])
    subject = _subject(shell, "Alice Liu")
    authors = tmp_path / "authors.csv"
    authors.write_text(f"author,subject\ngithub:alice,{subject}\n")
    out = _json(shell, "contrib", "import", "github", str(export), str(reviews), "--author-map", str(authors),
                "--field", "blockchain", "--apply", key="community")
    assert out["applied"]["recorded"] == 5 and out["skipped"]["unmerged"]["count"] == 1
    assert [u["author"] for u in out["unlinked_authors"]] == ["github:dan"]
    rows = _json(shell, "query", "contributions", "--subject", subject)
    assert len(rows) == 5 and {r["field"] for r in rows} == {2}  # type: ignore[index]


def test_bad_inputs_are_usage_errors(shell: Shell, tmp_path: Path) -> None:
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope")
    result = shell.run("contrib", "import", "github", str(not_json))
    assert result.exit_code == 2 and "not JSON" in result.output
    bad_rules = tmp_path / "r.toml"
    bad_rules.write_text('[paths]\n"a" = "nonsense"\n')
    result = shell.run("contrib", "import", "git", str(tmp_path), "--rules", str(bad_rules))
    assert result.exit_code == 2 and "not a contribution kind" in result.output
    result = shell.run("contrib", "import", "git", str(tmp_path), "--project", "github.com/a/b")
    assert result.exit_code == 2 and "not a git repository" in result.output


@pytest.mark.parametrize("kind", ["git", "github", "gitee", "rules"])
def test_every_import_command_has_help_with_an_example(shell: Shell, kind: str) -> None:
    result = shell.run("contrib", "import", kind, "--help")
    assert result.exit_code == 0 and "Example" in result.output
