"""Fixtures of the backend conformance suite: every test runs once per backend.

Backends (``BACKENDS``):

* ``embedded``: py-evm in a SQLite file in a temporary directory;
* ``anvil``: the ``rpc`` backend against a real anvil from npm, one process for the whole session;
* ``fisco3-ecdsa`` and ``fisco3-sm``: the ``fisco3`` backend (Tars transactions, ECDSA or SM2/SM3)
  against ``ledger node --protocol fisco3`` in the matching crypto mode (``ledger.node``: FISCO's rules,
  executing on the embedded chain; in SM mode the KECCAK256 opcode computes SM3 and the contracts are
  the SM3 builds);
* ``fisco2-ecdsa`` and ``fisco2-sm``: the ``fisco2`` backend (RLP transactions) against
  ``ledger node --protocol fisco2``.

The nodes run in this process, one per variant for the session (like anvil): each test takes a fresh
key and deploys its own contract, so tests do not see each other's state. The backend reads the crypto
mode from the node (``getGroupInfo`` / ``getClientVersion``); the suite checks it read it right.

Gaps are visible, never silent skips:

* an optional feature a backend lacks is left out of ``ChainBackend.features``; :func:`require`
  turns it into an XFAIL naming the backend and the feature;
* a behaviour the interface offers but a backend's protocol cannot (``GAPS``, e.g. FISCO 3.x's
  native ``call`` takes no sender address) is asserted to fail with
  :class:`~ledger.errors.CapabilityError` and then shown as an XFAIL with the documented reason, so
  a stale declaration fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ledger.chain.base import FUNDING, ChainBackend
from ledger.crypto.keys import PrivateKey
from tests.anvil import ANVIL_CHAIN_ID, Anvil
from tests.conformance.probe import Probe

#: The chain id the embedded backend is opened with.
EMBEDDED_CHAIN_ID = 1337
#: The numeric chain id the fake FISCO nodes serve: 3.x's ``web3_chain_id`` system config (FISCO 3.x's
#: own chain id is a string, ``chain0``, reported in ``ChainIdentity.extra``); 2.x's ``[chain] id``.
FISCO_CHAIN_IDS = {"fisco3": 20200, "fisco2": 1}
#: What the nodes say about themselves, which the backends must pass on in ``identity().extra``.
FISCO_EXTRA = {"fisco3": {"chainID": "chain0", "groupID": "group0"}, "fisco2": {"groupId": "1"}}

#: FISCO variants: suite name -> (backend kind, crypto mode).
FISCO = {
    "fisco3-ecdsa": ("fisco3", "ecdsa"),
    "fisco3-sm": ("fisco3", "sm"),
    "fisco2-ecdsa": ("fisco2", "ecdsa"),
    "fisco2-sm": ("fisco2", "sm"),
}
BACKENDS = ("embedded", "anvil", *FISCO)

#: Behaviours of the ``ChainBackend`` interface that are not feature flags.
CALL_SENDER = "call with a sender address"
SEND_MANY_ORDER = "send_many executes in the order given"

#: Per backend kind (``ChainBackend.name``): behaviours its protocol cannot offer, with the reason.
GAPS: dict[str, dict[str, str]] = {
    "fisco3": {
        CALL_SENDER: "FISCO 3.x's native call is [group, node, to, data] with an optional signature "
        "by a key; there is no from address to pass",
        SEND_MANY_ORDER: "FISCO 3.x's sendTransaction answers only at commit, so a pipelined burst goes out "
        "on several connections at once, and its random nonces give the pool no order to keep: receipts "
        "come back in the order given, execution may not follow it",
    },
}


@dataclass
class Harness:
    """One backend under test.

    Attributes:
        name: the suite's name for the variant (``BACKENDS``).
        chain: the open backend.
        reopen: closes the backend and opens a new one on the same chain.
        new_key: a fresh key able to send on this chain (of its crypto mode, funded where gas costs).
        chain_id: the numeric chain id the backend must report.
        crypto: the crypto mode the chain runs, which the backend must discover.
        extra: entries the backend's ``identity().extra`` must hold.
    """

    name: str
    chain: ChainBackend
    reopen: Callable[[], ChainBackend]
    new_key: Callable[[], PrivateKey]
    chain_id: int
    crypto: str = "ecdsa"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def gaps(self) -> Mapping[str, str]:
        return GAPS.get(self.chain.name, {})


def require(harness: Harness, feature: str) -> None:
    """XFAIL the running test, visibly, when the backend declares no ``feature``."""
    if feature not in harness.chain.features:
        pytest.xfail(f"backend {harness.name} declares no {feature}")


def _funded_key(chain: ChainBackend) -> Callable[[], PrivateKey]:
    def new_key() -> PrivateKey:
        fresh = PrivateKey.generate(chain.crypto)
        if FUNDING in chain.features:  # gas money where the chain charges for gas
            chain.fund(fresh.address, 10**21)
        return fresh

    return new_key


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[Anvil]:
    with Anvil() as node:
        yield node


@pytest.fixture(scope="session")
def fisco_node() -> Iterator[Callable[[str], Any]]:
    """``fisco_node(variant)``: the session's ``ledger node`` (``ledger.node.FiscoNode``, on 127.0.0.1) for a
    ``FISCO`` variant."""
    from ledger.node import NodeSettings, open_node

    running: dict[str, Any] = {}

    def node(variant: str) -> Any:
        if variant not in running:
            kind, crypto = FISCO[variant]
            running[variant] = open_node(NodeSettings(protocol=kind, crypto=crypto, port=0))
        return running[variant]

    yield node
    for running_node in running.values():
        running_node.stop()


def _marks(name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.anvil] if name == "anvil" else []


@pytest.fixture(params=[pytest.param(name, marks=_marks(name)) for name in BACKENDS])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    opened: list[ChainBackend] = []

    def opener(factory: Callable[[], ChainBackend]) -> Callable[[], ChainBackend]:
        def open_chain() -> ChainBackend:
            for chain in opened:
                chain.close()
            opened.append(factory())
            return opened[-1]

        return open_chain

    if request.param == "embedded":
        from ledger.chain.embedded import EmbeddedChain

        open_chain = opener(lambda: EmbeddedChain(tmp_path / "chain.sqlite", chain_id=EMBEDDED_CHAIN_ID))
        chain = open_chain()
        harness = Harness(request.param, chain, open_chain, _funded_key(chain), EMBEDDED_CHAIN_ID)
    elif request.param == "anvil":
        from ledger.chain.rpc import RpcChain

        anvil: Anvil = request.getfixturevalue("anvil_node")
        open_chain = opener(lambda: RpcChain([anvil.url], poll_interval=0.01))
        chain = open_chain()
        harness = Harness(request.param, chain, open_chain, _funded_key(chain), ANVIL_CHAIN_ID)
    else:
        from ledger.chain.fisco import open_fisco

        kind, crypto = FISCO[request.param]
        node = request.getfixturevalue("fisco_node")(request.param)
        open_chain = opener(lambda: open_fisco(kind, node.url))

        harness = Harness(
            request.param,
            open_chain(),
            open_chain,
            lambda: PrivateKey.generate(crypto),  # FISCO charges no gas by default: any key can send
            FISCO_CHAIN_IDS[kind],
            crypto=crypto,
            extra=FISCO_EXTRA[kind],
        )
    yield harness
    for opened_chain in opened:
        opened_chain.close()


@pytest.fixture
def chain(harness: Harness) -> ChainBackend:
    return harness.chain


@pytest.fixture
def key(harness: Harness) -> PrivateKey:
    """A fresh key per test, able to send on the chain under test."""
    return harness.new_key()


@pytest.fixture(scope="session")
def probe() -> Probe:
    return Probe.load()


@pytest.fixture
def deployed(chain: ChainBackend, key: PrivateKey, probe: Probe) -> str:
    return probe.deploy(chain, key)
