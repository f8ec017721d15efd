"""Fixtures shared across the test packages: FISCO BCOS's own test vectors."""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest

#: The committed copy of ``shared/fisco/vectors.json`` (transactions made with FISCO's own SDK code).
FISCO_VECTORS = Path(__file__).resolve().parent / "chain" / "fisco" / "vectors.json"


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """FISCO's test vectors (used by the FISCO codec tests and the SM2/SM3 tests)."""
    return json.loads(FISCO_VECTORS.read_text())


#: What ``--chain`` may name: the chain the contract suite (tests/contracts) runs on.
TEST_CHAINS = ("embedded", "embedded-sm")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chain",
        default="embedded",
        choices=TEST_CHAINS,
        help="chain the contract suite runs on: embedded (default), embedded-sm (FISCO BCOS SM semantics)",
    )


def open_test_chain(config: pytest.Config) -> tuple[Any, Callable[[], None]]:
    """A fresh chain of the kind ``--chain`` names, and how to close it."""
    from ledger.chain.embedded import EmbeddedChain

    name = config.getoption("--chain")
    chain = EmbeddedChain(None, crypto="sm" if name == "embedded-sm" else "ecdsa")
    return chain, chain.close
