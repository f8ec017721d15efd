"""The CLI workspace of the contribution tests (a module of its own: test modules import it by name)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.config import load_settings
from ledger.crypto.keys import PrivateKey
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
