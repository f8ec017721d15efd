from __future__ import annotations

from pathlib import Path

import pytest

from ledger.config import (
    Deployment,
    NetworkSettings,
    Settings,
    load_settings,
    read_password,
    resolve_workspace,
    save_settings,
)
from ledger.errors import ConfigError


def test_precedence_flag_env_file_default(tmp_path: Path) -> None:
    assert resolve_workspace(None, {}) == Path(".ledger")
    assert resolve_workspace(None, {"LEDGER_WORKSPACE": "/a"}) == Path("/a")
    assert resolve_workspace("/b", {"LEDGER_WORKSPACE": "/a"}) == Path("/b")

    ws = tmp_path / "ws"
    dep = Deployment("0x" + "00" * 19 + "01", "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20, 7, 31337)
    save_settings(Settings(ws, NetworkSettings("rpc", ("http://file:1",)), dep, "uni"))
    s = load_settings(ws, env={})
    assert s.network.urls == ("http://file:1",) and s.deployment == dep and s.default_key == "uni"
    s = load_settings(ws, env={"LEDGER_RPC_URL": "http://env:1,http://env:2", "LEDGER_KEY": "x"})
    assert s.network.urls == ("http://env:1", "http://env:2") and s.default_key == "x"
    s = load_settings(ws, env={"LEDGER_RPC_URL": "http://env:1"}, rpc_urls=("http://flag:1",))
    assert s.network.urls == ("http://flag:1",)


def test_missing_workspace_and_bad_settings_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no ledger workspace"):
        load_settings(tmp_path / "none", env={})
    with pytest.raises(ConfigError, match="needs a node URL"):
        NetworkSettings("rpc")
    with pytest.raises(ConfigError, match="http"):
        NetworkSettings("rpc", ("ftp://x",))
    (tmp_path / "config.toml").write_text("[network\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path, env={})


def test_password_sources(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("from-file\n")
    assert read_password({"LEDGER_PASSWORD": "env"}, str(f)) == "from-file"
    assert read_password({"LEDGER_PASSWORD": "env"}) == "env"
    assert read_password({}) is None
    with pytest.raises(ConfigError):
        read_password({}, str(tmp_path / "missing"))


def test_a_password_file_that_is_not_utf8_is_refused_without_quoting_it(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_bytes(b"abc\xffdef\n")
    with pytest.raises(ConfigError, match="is not UTF-8 text") as caught:
        read_password({}, str(f))
    # The decoder's own message names the byte and its position: a part of the password.
    assert "xff" not in str(caught.value) and "position" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_password_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    from ledger.config import MAX_PASSWORD_FILE

    f = tmp_path / "pw"
    f.write_bytes(b"x" * (MAX_PASSWORD_FILE + 1))
    with pytest.raises(ConfigError, match="is over 65,536 bytes"):
        read_password({}, str(f))
    f.write_bytes(b"x" * MAX_PASSWORD_FILE)
    assert read_password({}, str(f)) == "x" * MAX_PASSWORD_FILE


def test_the_settings_file_is_private(tmp_path: Path) -> None:
    """A node URL in it may carry an access token."""
    import stat

    ws = tmp_path / "ws"
    save_settings(Settings(ws, NetworkSettings("rpc", ("https://user:token@node.example:8545",)), None, "uni"))
    assert stat.S_IMODE((ws / "config.toml").stat().st_mode) == 0o600
    assert load_settings(ws, env={}).network.urls == ("https://user:token@node.example:8545",)


def test_plain_http_to_another_machine_is_named() -> None:
    urls = ("http://127.0.0.1:8545", "http://localhost:8545", "http://[::1]:8545", "https://node.example:8545",
            "http://10.0.0.5:8545", "http://node.example:8545")
    assert NetworkSettings("rpc", urls).plain_http_remotes == ("http://10.0.0.5:8545", "http://node.example:8545")
    assert NetworkSettings("embedded").plain_http_remotes == ()
    token = NetworkSettings("rpc", ("http://user:s3cret@10.0.0.5:8545/rpc",)).plain_http_remotes
    assert token == ("http://10.0.0.5:8545",)  # named without the credentials the URL carries


def test_the_cli_warns_once_about_plain_http_to_another_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ledger.cli.app import App

    app = App(workspace_flag=str(tmp_path / "ws"), rpc_urls=("http://192.0.2.1:8545",), env={})
    app.settings(require_init=False)
    app.settings(require_init=False)
    err = capsys.readouterr().err
    assert err.count("warning: http://192.0.2.1:8545 is plain HTTP to another machine") == 1
    local = App(workspace_flag=str(tmp_path / "ws"), rpc_urls=("http://127.0.0.1:8545",), env={})
    local.settings(require_init=False)
    assert capsys.readouterr().err == ""


def test_a_workspace_of_contracts_v1_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """A workspace whose config names the three contracts of v1 (no committee): every command says to
    make a new deployment, with exit code 2 and no traceback."""
    from click.testing import CliRunner

    from ledger.cli import main

    ws = tmp_path / "old"
    save_settings(Settings(ws, NetworkSettings("embedded"), None, "default"))
    config = ws / "config.toml"
    config.write_text(config.read_text() + "\n[contracts]\n" + "".join(
        f'{name} = "0x{digit * 40}"\n' for name, digit in
        (("issuer_registry", "1"), ("contribution_ledger", "2"), ("credential_registry", "3")))
        + "block_number = 7\nchain_id = 1337\n")
    for argv in (["committee", "list"], ["verify", str(config)], ["index", "sync"]):
        result = CliRunner().invoke(main, [*argv, "-w", str(ws)], env={"LEDGER_PASSWORD": "x"})
        assert result.exit_code == 2, (argv, result.output)
        assert "contracts v1" in result.output and "ledger init --workspace" in result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
