"""Fixtures shared across the test packages: FISCO BCOS's own test vectors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: The committed copy of ``shared/fisco/vectors.json`` (transactions made with FISCO's own SDK code).
FISCO_VECTORS = Path(__file__).resolve().parent / "chain" / "fisco" / "vectors.json"


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """FISCO's test vectors (used by the FISCO codec tests and the SM2/SM3 tests)."""
    return json.loads(FISCO_VECTORS.read_text())


#: What ``--chain`` may name: the chain the contract suite (tests/contracts) runs on. ``node-*`` are the
#: native backends against ``ledger node`` (in this process, on 127.0.0.1, one per variant per session).
TEST_CHAINS = (
    "embedded", "embedded-sm", "node-fisco3-ecdsa", "node-fisco3-sm", "node-fisco2-ecdsa", "node-fisco2-sm",
)  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chain",
        default="embedded",
        choices=TEST_CHAINS,
        help="chain the contract suite runs on: embedded (default), embedded-sm (FISCO BCOS SM semantics), "
        "node-<fisco3|fisco2>-<ecdsa|sm> (the native backends against ledger node)",
    )


_NODES: dict[str, Any] = {}


def open_test_chain(config: pytest.Config) -> tuple[Any, Callable[[], None]]:
    """A fresh chain of the kind ``--chain`` names, and how to close it (on a node: a new connection to
    the session's node; each test deploys its own contracts)."""
    name = config.getoption("--chain")
    if name.startswith("node-"):
        from ledger.chain.fisco import open_fisco
        from ledger.node import NodeSettings, open_node

        _, protocol, crypto = name.split("-")
        if name not in _NODES:
            _NODES[name] = open_node(NodeSettings(protocol=protocol, crypto=crypto, port=0))
            config.add_cleanup(_NODES[name].stop)
        fisco = open_fisco(protocol, _NODES[name].url)
        return fisco, fisco.close
    from ledger.chain.embedded import EmbeddedChain

    chain = EmbeddedChain(None, crypto="sm" if name == "embedded-sm" else "ecdsa")
    return chain, chain.close
