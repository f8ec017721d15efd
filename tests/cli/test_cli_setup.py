from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner
from cliws import PASSWORD, Workspace

from ledger.cli import main


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Example" in result.output or "example" in result.output, f"no example in help of {path}"
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(main, [])


def test_init_creates_an_encrypted_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "fresh"
    pw = tmp_path / "pw"
    pw.write_text("s3cret-pass\n")
    result = CliRunner().invoke(main, ["init", "-w", str(ws), "--password-file", str(pw), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["backend"] == "embedded" and info["committee_member"].startswith("0x")
    keyfile = ws / "keys" / "admin.json"
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert "s3cret" not in result.output and "s3cret" not in keyfile.read_text()
    again = CliRunner().invoke(main, ["init", "-w", str(ws), "--password-file", str(pw)])
    assert again.exit_code == 2 and "already a ledger workspace" in again.output


def test_commands_without_a_workspace_say_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["issuer", "list", "-w", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no ledger workspace" in result.output and "ledger init" in result.output


def test_keys_new_import_list(workspace: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "k.hex"
    secret.write_text("0x" + "11" * 32)
    r = workspace.run("key", "import", "--name", "imported", "--from-file", str(secret), "--json")
    assert r.exit_code == 0, r.output
    assert "11" * 32 not in r.output
    listed = json.loads(workspace.run("key", "list", "--json").output)
    assert {k["name"] for k in listed} >= {"admin", "uni", "imported"}
    dup = workspace.run("key", "import", "--name", "imported", "--from-file", str(secret))
    assert dup.exit_code == 2 and "exists already" in dup.output
    bad = tmp_path / "bad.hex"
    bad.write_text("not-hex")
    refused = workspace.run("key", "import", "--name", "x", "--from-file", str(bad))
    assert refused.exit_code == 2 and "the key to import: a private key must be 64 hex digits" in refused.output


def test_wrong_password_is_a_clear_error(workspace: Workspace) -> None:
    env = dict(workspace.env, LEDGER_PASSWORD="wrong")
    r = CliRunner().invoke(main, ["committee", "threshold", "1"], env=env)
    # A wrong password is a wrong input, like a wrong flag: exit 2, and nothing was sent (issue 18).
    assert r.exit_code == 2 and "wrong password" in r.output
    assert PASSWORD not in r.output


def test_a_key_name_not_in_the_keyring_is_a_usage_error(workspace: Workspace) -> None:
    r = workspace.run("committee", "threshold", "1", key="nobody")
    assert r.exit_code == 2 and "no key named 'nobody'" in r.output and "ledger key list" in r.output


def test_subjects_stay_in_the_vault(workspace: Workspace) -> None:
    r = workspace.run("subject", "new", "--name", "Li Hua", "--student-number", "2023001", "--json")
    assert r.exit_code == 0
    sid = json.loads(r.output)["id"]
    found = json.loads(workspace.run("subject", "find", "2023001", "--json").output)
    assert found == [{"id": sid, "person": {"name": "Li Hua", "student_number": "2023001"}}]
    assert workspace.run("subject", "find", "nobody-here").exit_code == 1
    for name in ("vault.sqlite", "vault-keys.sqlite", "vault.key"):
        assert stat.S_IMODE((workspace.path / name).stat().st_mode) == 0o600


def test_init_crypto_sm_makes_an_embedded_sm_chain(tmp_path: Path) -> None:
    """``ledger init --crypto sm``: a local SM chain (SM2 keys, SM3 hashes and builds), remembered in the config."""
    ws = tmp_path / "sm"
    env = {"LEDGER_PASSWORD": "s3cret-pass", "LEDGER_WORKSPACE": str(ws), "COLUMNS": "200"}
    runner = CliRunner()
    made = runner.invoke(main, ["init", "--crypto", "sm", "--json"], env=env)
    assert made.exit_code == 0, made.output
    info = json.loads(made.output)
    assert info["crypto"] == "sm" and info["backend"] == "embedded"
    assert 'crypto = "sm"' in (ws / "config.toml").read_text()
    key = json.loads(runner.invoke(main, ["key", "new", "--name", "uni", "--json"], env=env).output)
    assert key["crypto"] == "sm"  # a new key follows the chain's mode
    defined = runner.invoke(main, ["type", "define", "--id", "201", "--name", "SM course", "--allowed-issuers",
                                   "university", "--json"], env=env)
    assert defined.exit_code == 0, defined.output
    added = runner.invoke(main, ["issuer", "add", key["address"], "--kind", "university", "--scope", "201",
                                 "--name", "SM University", "--json"], env=env)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["issuer", "list", "--json"], env=env)
    assert key["address"] in listed.output  # read back through the SM3 ABI from the SM3 build
