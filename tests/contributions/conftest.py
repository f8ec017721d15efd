"""Fixtures of the contribution tests: a workspace with issuers, driven through the CLI's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from workbench import PASSWORD, Shell

from ledger.config import Settings
from ledger.crypto.keys import PrivateKey
from ledger.identity.keyring import Keyring
from ledger.ledger import Ledger


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
