"""Fixtures of the contribution tests: a workspace with issuers, driven through the CLI's runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.config import Settings, load_settings
from ledger.crypto.keys import PrivateKey
from ledger.identity.keyring import Keyring
from ledger.ledger import Ledger

PASSWORD = "test-password"


@dataclass
class Shell:
    """A workspace and the environment its commands run in."""

    path: Path
    env: dict[str, str]
    keys: dict[str, PrivateKey]

    def run(self, *args: str, key: str | None = None) -> Result:
        argv = list(args) + (["--key", key] if key else [])
        return CliRunner().invoke(main, argv, env=self.env, catch_exceptions=False)

    def ledger(self) -> Ledger:
        return Ledger.open(load_settings(self.path, env={}), password=PASSWORD, light_kdf=True)


@pytest.fixture()
def shell(tmp_path: Path) -> Shell:
    """A workspace with a community issuer (records), a maintainer issuer and a subject's own key."""
    path = tmp_path / "ws"
    Ledger.init(Settings(workspace=path), password=PASSWORD, light_kdf=True)
    ring = Keyring(path / "keys", light_kdf=True)
    keys = {name: PrivateKey.generate() for name in ("community", "maintainer", "alice", "outsider")}
    for name, key in keys.items():
        ring.add(name, key, PASSWORD)
    env = {"LEDGER_WORKSPACE": str(path), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "220"}
    sh = Shell(path, env, keys)
    for args in (("issuer", "add", keys["community"].address, "--kind", "community", "--name", "OpenChain"),
                 ("issuer", "add", keys["maintainer"].address, "--kind", "community", "--name", "Maintainers")):
        result = sh.run(*args)
        assert result.exit_code == 0, result.output
    return sh
