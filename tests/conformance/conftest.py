"""Fixtures of the backend conformance suite: every test runs once per backend.

Backends: ``embedded`` (py-evm in a SQLite file in a temporary directory) and ``anvil`` (the ``rpc``
backend against a real anvil from npm, one process for the whole session). A backend that lacks an
optional feature declares it in ``ChainBackend.features``; :func:`require` turns such a gap into a
visible XFAIL naming the backend and the feature, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.chain.base import ChainBackend
from ledger.crypto import PrivateKey
from tests.anvil import Anvil
from tests.conformance.probe import Probe

BACKENDS = ("embedded", "anvil")


@dataclass
class Harness:
    """One backend under test: the open chain, and a way to close and open it again."""

    name: str
    chain: ChainBackend
    reopen: Callable[[], ChainBackend]


def require(harness: Harness, feature: str) -> None:
    """XFAIL the running test, visibly, when the backend declares no ``feature``."""
    if feature not in harness.chain.features:
        pytest.xfail(f"backend {harness.name} declares no {feature}")


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[Anvil]:
    with Anvil() as node:
        yield node


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.anvil] if name == "anvil" else []) for name in BACKENDS]
)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    opened: list[ChainBackend] = []

    if request.param == "embedded":
        from ledger.chain.embedded import EmbeddedChain

        path = tmp_path / "chain.sqlite"

        def open_chain() -> ChainBackend:
            for chain in opened:
                chain.close()
            opened.append(EmbeddedChain(path))
            return opened[-1]

    else:
        from ledger.chain.rpc import RpcChain

        node: Anvil = request.getfixturevalue("anvil_node")

        def open_chain() -> ChainBackend:
            for chain in opened:
                chain.close()
            opened.append(RpcChain([node.url], poll_interval=0.01))
            return opened[-1]

    harness = Harness(request.param, open_chain(), open_chain)
    yield harness
    for chain in opened:
        chain.close()


@pytest.fixture
def chain(harness: Harness) -> ChainBackend:
    return harness.chain


@pytest.fixture
def key(chain: ChainBackend) -> PrivateKey:
    """A fresh key per test, given gas money where the chain charges for gas."""
    fresh = PrivateKey.generate()
    chain.fund(fresh.address, 10**21)
    return fresh


@pytest.fixture(scope="session")
def probe() -> Probe:
    return Probe.load()


@pytest.fixture
def deployed(chain: ChainBackend, key: PrivateKey, probe: Probe) -> str:
    return probe.deploy(chain, key)
