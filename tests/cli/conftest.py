"""CLI fixtures: a workspace made through the library (cheap scrypt), driven through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from cliws import PASSWORD, Workspace

from ledger.config import Settings
from ledger.crypto.keys import PrivateKey
from ledger.identity.keyring import Keyring
from ledger.ledger import Ledger


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    path = tmp_path / "ws"
    Ledger.init(Settings(workspace=path), password=PASSWORD, light_kdf=True)
    ring = Keyring(path / "keys", light_kdf=True)
    keys = {name: PrivateKey.generate() for name in ("uni", "community", "maintainer", "outsider")}
    for name, key in keys.items():
        ring.add(name, key, PASSWORD)
    env = {"LEDGER_WORKSPACE": str(path), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "200"}
    return Workspace(path, env, keys)


@pytest.fixture()
def issuers(workspace: Workspace) -> Workspace:
    """The workspace with a university, a community, a maintainer and two certificate types."""
    k = workspace.keys
    for args in (  # types first: scope is granted against a type's allowed issuer kinds
        ("type", "define", "--id", "101", "--name", "Blockchain Dev L1", "--field", "blockchain",
         "--min-total", "2", "--min-kind", "code=1", "--min-projects", "2", "--min-cosigns", "1"),
        ("type", "define", "--id", "201", "--name", "OSS course", "--allowed-issuers", "university"),
        ("issuer", "add", k["uni"].address, "--kind", "university", "--scope", "101,201", "--name", "Example Univ"),
        ("issuer", "add", k["community"].address, "--kind", "community", "--scope", "101", "--name", "OpenChain"),
        ("issuer", "add", k["maintainer"].address, "--kind", "community", "--name", "Console maintainers"),
    ):
        result = workspace.run(*args)
        assert result.exit_code == 0, result.output
    return workspace
