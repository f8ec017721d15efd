"""Fixtures for the contract tests, in layers: chain -> deployed contracts -> funded keys -> world.

Every test gets a fresh in-memory embedded chain (opening and deploying take milliseconds), so tests
never see each other's state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ledger import types as T
from ledger.chain.base import FUNDING
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts.deployment import Contracts, deploy
from ledger.crypto.keys import PrivateKey

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


@dataclass(frozen=True)
class World:
    """Deployed contracts with issuers added and types defined."""

    chain: EmbeddedChain
    c: Contracts
    k: Keys


@pytest.fixture
def chain() -> Iterator[EmbeddedChain]:
    backend = EmbeddedChain(None)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def keys(chain: EmbeddedChain) -> Keys:
    made = Keys(*(PrivateKey.generate() for _ in Keys.__dataclass_fields__))
    if FUNDING in chain.features:
        for key in (getattr(made, name) for name in Keys.__dataclass_fields__):
            chain.fund(key.address, 10**21)
    return made


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
    child = PrivateKey.generate()
    c.issuers.offer_child(parent, child.address, kind, list(scope), meta_hash)
    c.issuers.accept_child(child, parent.address, kind, list(scope), meta_hash)
    return child


def mine(chain: EmbeddedChain, blocks: int) -> None:
    """Let ``blocks`` blocks pass (the embedded chain mines one per transaction)."""
    filler = PrivateKey.generate()
    for _ in range(blocks):
        chain.fund(filler.address, 1)
