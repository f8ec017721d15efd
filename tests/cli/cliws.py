"""Shared helpers of the CLI tests."""

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
class Workspace:
    path: Path
    env: dict[str, str]
    keys: dict[str, PrivateKey]

    def run(self, *args: str, key: str | None = None, input: str | None = None) -> Result:
        argv = list(args) + (["--key", key] if key else [])
        return CliRunner().invoke(main, argv, env=self.env, input=input, catch_exceptions=False)

    def ledger(self) -> Ledger:
        return Ledger.open(load_settings(self.path, env={}), password=PASSWORD)
