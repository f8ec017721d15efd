"""Issue 18, item 13: the small things that cost users time."""

from __future__ import annotations

import json

from click.testing import CliRunner
from cliws import Workspace

from ledger.chain.embedded import EmbeddedChain
from ledger.cli import main
from ledger.config import load_settings


def test_workspace_flag_before_and_after_the_subcommand(workspace: Workspace) -> None:
    env = {k: v for k, v in workspace.env.items() if k != "LEDGER_WORKSPACE"}
    before = CliRunner().invoke(main, ["-w", str(workspace.path), "key", "list", "--json"], env=env)
    after = CliRunner().invoke(main, ["key", "list", "--json", "-w", str(workspace.path)], env=env)
    long_form = CliRunner().invoke(main, ["--workspace", str(workspace.path), "key", "list", "--json"], env=env)
    assert before.exit_code == after.exit_code == long_form.exit_code == 0, before.output
    assert json.loads(before.output) == json.loads(after.output) == json.loads(long_form.output)
    assert {k["name"] for k in json.loads(before.output)} >= {"admin", "uni"}


def test_lock_timeout_flag_exists_and_the_hint_names_it(workspace: Workspace) -> None:
    settings = load_settings(workspace.path, env={})
    with EmbeddedChain(settings.chain_path):  # as another process would hold it
        r = workspace.run("--lock-timeout", "0.2", "committee", "list", "--json")
    assert r.exit_code == 1
    error = json.loads(r.output)["error"]
    assert error["type"] == "WorkspaceLocked" and "waited 0.2 s" in error["message"]
    assert "--lock-timeout" in error["hint"]
    bad = workspace.run("--lock-timeout", "soon", "committee", "list")
    assert bad.exit_code == 2


def test_click_usage_errors_honour_json(workspace: Workspace) -> None:
    missing = workspace.run("verify", "--json")  # no FILES: a parse error
    assert missing.exit_code == 2
    error = json.loads(missing.stdout)["error"]
    assert error["type"] == "UsageError" and "FILES" in error["message"] and error["exit_code"] == 2
    raised = workspace.run("cred", "issue", "--json")  # refused by the command itself
    assert raised.exit_code == 2 and json.loads(raised.stdout)["error"]["message"].startswith("give --type")
    unknown = workspace.run("--json-please", "key", "list", "--json")
    assert unknown.exit_code == 2 and json.loads(unknown.stdout)["error"]["type"] == "UsageError"
    plain = workspace.run("verify")
    assert plain.exit_code == 2 and "Usage:" in plain.output  # without --json, click's usage text as before


def test_dates_print_as_dates(issuers: Workspace) -> None:
    subject = json.loads(issuers.run("subject", "new", "--name", "Wang Fang", "--json").output)["id"]
    added = issuers.run("contrib", "add", "--source", "github.com/FISCO-BCOS/console/pull/77", "--subject", subject,
                        "--kind", "code", "--field", "blockchain", "--date", "2026-03-01", "--json", key="community")
    assert added.exit_code == 0, added.output
    key = json.loads(added.output)["keys"][0]
    shown = issuers.run("contrib", "show", key)
    assert "2026-03-01" in shown.output and "1772323200" not in shown.output
    assert json.loads(issuers.run("contrib", "show", key, "--json").output)["occurred_at"] == "2026-03-01"
    queried = issuers.run("query", "subject", subject, "--json")
    assert json.loads(queried.output)["contributions"][0]["occurred_at"] == "2026-03-01"
    table = issuers.run("query", "contributions", "--subject", subject)
    assert "2026-03-01" in table.output and "1772323200" not in table.output
