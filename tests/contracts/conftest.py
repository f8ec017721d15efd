"""Fixtures for the contract tests, in layers: chain -> deployed contracts -> funded keys -> world.

Every test gets its own chain from :func:`open_chain` (``--chain``, tests/conftest.py): by default a fresh
in-memory embedded chain (opening and deploying take milliseconds), so tests never see each other's
state; ``--chain embedded-sm`` an embedded chain with FISCO BCOS's SM semantics (SM2 keys, SM3 for the
KECCAK256 opcode, the SM3 artifacts). Keys are made in the chain's crypto mode (:func:`new_key`), Merkle
trees with its hash.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ledger import types as T
from ledger.chain.base import FUNDING, HISTORICAL_STATE, ChainBackend
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts.deployment import Contracts, deploy
from ledger.crypto.keys import PrivateKey
from tests.conftest import open_test_chain

#: Type ids defined by the ``world`` fixture.
BATCH_TYPE = 1  # no criteria, Universities and Authorities may anchor it
CHECKED_TYPE = 2  # criteria checked by issue(), prerequisite BASIC_TYPE
BASIC_TYPE = 3  # no criteria, prerequisite of CHECKED_TYPE
OTHER_TYPE = 4  # defined, in nobody's scope but the Authority's "any"
WINDOW_FROM = 1_700_000_000
WINDOW_TO = 1_800_000_000


def rand32() -> bytes:
    return os.urandom(32)


@dataclass(frozen=True)
class Keys:
    """Everyone who acts in the tests."""

    committee: PrivateKey  # the deployer, first member
    member2: PrivateKey
    member3: PrivateKey
    university: PrivateKey
    community: PrivateKey
    enterprise: PrivateKey
    authority: PrivateKey
    stranger: PrivateKey


def require_history(chain: ChainBackend) -> None:
    """XFAIL the rest of a test, visibly, on a chain without calls at a past block (FISCO's native RPC)."""
    if HISTORICAL_STATE not in chain.features:
        pytest.xfail(f"the {chain.name} backend declares no historical_state: no calls at a past block")


def require_call_sender(chain: ChainBackend) -> None:
    """XFAIL the rest of a test, visibly, on FISCO 3.x's native RPC, whose ``call`` names no sender (so the
    facades' dry run is skipped there and a refusal costs a transaction)."""
    if chain.name == "fisco3":
        pytest.xfail("FISCO 3.x's native call takes no sender address: no dry run as another account")


def ordered_bursts(chain: ChainBackend) -> bool:
    """Whether ``send_many`` executes in the order given (not on fisco3: see the conformance GAPS)."""
    return chain.name != "fisco3"


def new_key(chain: ChainBackend) -> PrivateKey:
    """A fresh key able to sign on ``chain``: of its crypto mode, funded where gas costs money."""
    key = PrivateKey.generate(chain.crypto)
    if FUNDING in chain.features:
        chain.fund(key.address, 10**21)
    return key


@dataclass(frozen=True)
class World:
    """Deployed contracts with issuers added and types defined."""

    chain: EmbeddedChain
    c: Contracts
    k: Keys

    def new_key(self) -> PrivateKey:
        return new_key(self.chain)


@pytest.fixture
def chain(request: pytest.FixtureRequest) -> Iterator[EmbeddedChain]:
    backend, close = open_test_chain(request.config)
    try:
        yield backend  # type: ignore[misc]
    finally:
        close()


@pytest.fixture
def keys(chain: EmbeddedChain) -> Keys:
    return Keys(*(new_key(chain) for _ in Keys.__dataclass_fields__))


@pytest.fixture
def contracts(chain: EmbeddedChain, keys: Keys) -> Contracts:
    return Contracts(chain, deploy(chain, keys.committee))


@pytest.fixture
def world(chain: EmbeddedChain, keys: Keys, contracts: Contracts) -> World:
    c, k = contracts, keys
    # Types first: scope is granted against a type's allowed issuer kinds.
    uni_or_auth = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY, T.IssuerKind.AUTHORITY)
    c.credentials.define_type(k.committee, BATCH_TYPE, field=1, level=1, allowed_kinds=uni_or_auth,
                              criteria=T.Criteria())
    c.credentials.define_type(k.committee, BASIC_TYPE, field=1, level=1, allowed_kinds=uni_or_auth,
                              criteria=T.Criteria())
    criteria = T.Criteria.with_kinds(
        {T.ContributionKind.CODE: 2, T.ContributionKind.DOCS: 1},
        min_total=3, min_distinct_projects=2, min_co_signs=1, window_from=WINDOW_FROM, window_to=WINDOW_TO,
    )
    c.credentials.define_type(k.committee, CHECKED_TYPE, field=1, level=2, allowed_kinds=uni_or_auth,
                              criteria=criteria, prerequisites=[BASIC_TYPE])
    c.credentials.define_type(k.committee, OTHER_TYPE, field=2, level=1, allowed_kinds=uni_or_auth,
                              criteria=T.Criteria())
    c.issuers.add_issuer(k.committee, k.university.address, T.IssuerKind.UNIVERSITY,
                         [BATCH_TYPE, CHECKED_TYPE, BASIC_TYPE])
    c.issuers.add_issuer(k.committee, k.community.address, T.IssuerKind.COMMUNITY, [])
    c.issuers.add_issuer(k.committee, k.enterprise.address, T.IssuerKind.ENTERPRISE, [])
    c.issuers.add_issuer(k.committee, k.authority.address, T.IssuerKind.AUTHORITY, [T.ANY_TYPE])
    return World(chain, c, k)


def item(
    subject: bytes | None = None,
    *,
    project: bytes | None = None,
    kind: T.ContributionKind = T.ContributionKind.CODE,
    occurred_at: int = WINDOW_FROM + 1000,
    key: bytes | None = None,
) -> T.ContributionItem:
    """A contribution item with random ids unless given."""
    return T.ContributionItem(
        key=key or rand32(),
        subject=subject or rand32(),
        project=project or rand32(),
        kind=kind,
        field=1,
        weight=5,
        occurred_at=occurred_at,
        evidence_hash=rand32(),
    )


def child_of(c: Contracts, parent: PrivateKey, scope: tuple[int, ...] | list[int] = (BATCH_TYPE,),
             kind: T.IssuerKind = T.IssuerKind.UNIVERSITY, meta_hash: bytes = b"\0" * 32) -> PrivateKey:
    """A child issuer of ``parent``, registered in two steps: the parent offers, the child key accepts."""
    child = new_key(c.chain)
    c.issuers.offer_child(parent, child.address, kind, list(scope), meta_hash)
    c.issuers.accept_child(child, parent.address, kind, list(scope), meta_hash)
    return child


def mine(chain: ChainBackend, blocks: int) -> None:
    """Let ``blocks`` blocks pass (one transaction each: the embedded chain and ``ledger node`` seal a block
    per transaction sent alone)."""
    from ledger.chain.base import Transaction

    filler = new_key(chain)
    for _ in range(blocks):
        if FUNDING in chain.features:
            chain.fund(filler.address, 1)
        else:  # a call of nothing at a fresh address: succeeds, changes nothing, takes a block
            chain.send(filler, Transaction(new_key(chain).address, b"", 50_000))


def proposal_id(receipt: Any) -> int:
    """The id of the proposal a receipt created (its ProposalCreated event, in either crypto mode's topics)."""
    from ledger.contracts.abi import decode_events

    for crypto in ("ecdsa", "sm"):
        for event in decode_events(receipt.logs, crypto=crypto):
            if event.name == "ProposalCreated":
                return int(event.args["id"])
    raise AssertionError("the receipt created no proposal")
