"""The example files the README points to stay valid."""

from __future__ import annotations

from pathlib import Path

from ledger import contribution
from ledger.standards import load_type_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_type_file_parses() -> None:
    t = load_type_file(EXAMPLES / "blockchain-dev-1.toml")
    assert t.type_id == 101 and t.criteria.min_per_kind[0] == 2 and t.criteria.window_from > 0


def test_contributions_file_parses() -> None:
    items = contribution.read_file(EXAMPLES / "contributions.csv")
    assert [i.project_name for i in items] == ["github.com/fisco-bcos/console", "github.com/fisco-bcos/java-sdk"]
