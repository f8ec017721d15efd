"""Time travel: statuses and authorisation "as of" a block or a date, and parity with the chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from ledger.chain.embedded import EmbeddedChain
from ledger.errors import ValidationError
from ledger.index import Index

from .history import CS, History, K, R, S, key


@pytest.fixture(scope="module")
def story() -> Iterator[tuple[History, dict]]:
    """An issuer anchors, is suspended, is reinstated, anchors again; a leaf is revoked."""
    with EmbeddedChain(None) as chain:
        hist = History(chain)
        uni = key("tt-uni")
        added = hist.add_issuer(uni, K.UNIVERSITY, [1]).block_number
        hist.define_type(1)
        tree1, _, first = hist.anchor(uni, 1, ["p1-a", "p1-b"])
        suspended = hist.set_status(uni, S.SUSPENDED)
        reinstated = hist.set_status(uni, S.ACTIVE)
        tree2, hashes2, second = hist.anchor(uni, 1, ["p2-a", "p2-b", "p2-c"])
        revoked = hist.c.credentials.set_leaf_status(uni, tree2.root, hashes2[2], tree2.proof(2), CS.REVOKED,
                                                     R.SUPERSEDED).block_number
        hist.anchor(uni, 1, ["later"])  # a block after the revocation
        facts = {"uni": uni, "added": added, "tree1": tree1, "tree2": tree2, "hashes2": hashes2,
                 "first": first.block_number, "second": second.block_number, "suspended": suspended,
                 "reinstated": reinstated, "revoked": revoked}
        yield hist, facts


@pytest.fixture()
def synced(story: tuple[History, dict]) -> Iterator[Index]:
    hist, _ = story
    with Index.open(None) as ix:
        ix.sync(hist.chain, hist.deployment)
        yield ix


def test_revoked_at_n_is_valid_at_n_minus_1_and_invalid_at_n(story: tuple[History, dict], synced: Index) -> None:
    hist, f = story
    r, n = synced.reader, f["revoked"]
    root, leaf = f["tree2"].root, f["hashes2"][2]
    assert r.credential_status_at(root, leaf, n - 1) is None  # never changed yet: valid if anchored
    at_n = r.credential_status_at(root, leaf, n)
    assert at_n is not None and (at_n.status, at_n.reason, at_n.block_number) == ("Revoked", "Superseded", n)
    assert r.credential_status_at(root, leaf, None).status == "Revoked"
    # The other leaves of the batch are untouched.
    assert r.credential_status_at(root, f["hashes2"][0], n) is None
    # Same answers as the contract's own state at those blocks.
    for block in (n - 1, n):
        on_chain = hist.c.credentials.status_of(leaf, root, block=block)
        indexed = r.credential_status_at(root, leaf, block)
        assert on_chain.status.name.capitalize() == (indexed.status if indexed else "None")


def test_suspended_then_reinstated_issuer(story: tuple[History, dict], synced: Index) -> None:
    _, f = story
    r, uni = synced.reader, f["uni"].address
    # Each batch was issued while the issuer was authorised ...
    assert r.is_authorized(uni, 1, f["first"]) and r.is_authorized(uni, 1, f["second"])
    # ... and during the suspension it was not.
    assert r.authorization(uni, 1, f["suspended"]) == (False, "issuer was Suspended")
    assert r.is_authorized(uni, 1, f["reinstated"])
    assert not r.is_authorized(uni, 2, f["second"])  # never in scope for type 2
    assert r.authorization(uni, 1, f["added"] - 1) == (False, "issuer was not yet registered")
    assert r.is_authorized(uni, 1, f["added"])
    issuer = r.issuer(uni, at=f["suspended"])
    assert issuer is not None and issuer.status == "Suspended"
    assert [e.status for e in r.issuer(uni).status_history] == ["Active", "Suspended", "Active"]
    assert r.issuer(uni, at=f["added"] - 1) is None


def test_authorization_matches_the_contract_at_every_block(story: tuple[History, dict], synced: Index) -> None:
    hist, f = story
    r, uni = synced.reader, f["uni"].address
    for block in range(hist.deployment.block_number, hist.head + 1):
        for type_id in (1, 2):
            assert r.is_authorized(uni, type_id, block) == hist.c.issuers.is_authorized(uni, type_id, block), block
        assert r.issuer_status_at(uni, block) == hist.c.issuers.status_at(uni, block).name.capitalize()


def test_at_accepts_blocks_and_dates(story: tuple[History, dict], synced: Index) -> None:
    hist, f = story
    r = synced.reader
    assert r.resolve_at(None) is None
    assert r.resolve_at("17") == 17 and r.resolve_at("#17") == 17 and r.resolve_at(5) == 5
    stamp = hist.chain.block_timestamp(f["revoked"])
    moment = datetime.fromtimestamp(stamp, tz=timezone.utc)
    # The moment of the revocation's block resolves to that block (or a later block of the same second).
    assert r.resolve_at(moment.isoformat()) >= f["revoked"]
    before = datetime.fromtimestamp(hist.chain.block_timestamp(f["first"]) - 1, tz=timezone.utc)
    assert r.resolve_at(before.strftime("%Y-%m-%dT%H:%M:%SZ")) < f["first"]
    assert r.resolve_at("1999-01-01") == 0
    with pytest.raises(ValidationError):
        r.resolve_at("yesterday")


def test_revocation_by_date(story: tuple[History, dict], synced: Index) -> None:
    hist, f = story
    r = synced.reader
    n = f["revoked"]
    at = r.resolve_at(datetime.fromtimestamp(hist.chain.block_timestamp(n), tz=timezone.utc).isoformat())
    assert r.credential_status_at(f["tree2"].root, f["hashes2"][2], at).status == "Revoked"
    prev = r.resolve_at(datetime.fromtimestamp(hist.chain.block_timestamp(n - 1), tz=timezone.utc).isoformat())
    # Embedded block timestamps strictly increase, so the previous block's moment is before the revocation.
    assert prev == n - 1
    assert r.credential_status_at(f["tree2"].root, f["hashes2"][2], prev) is None


def test_index_chain_view_answers_as_of_a_block(story: tuple[History, dict], synced: Index) -> None:
    from ledger.index.view import IndexChainView

    hist, f = story
    now, before = IndexChainView(synced.reader), IndexChainView(synced.reader, at=f["second"] - 1)
    root2, leaf = f["tree2"].root, f["hashes2"][2]
    assert now.chain_id() == 1337 and now.block_number() == hist.head
    assert now.anchor(root2).block == f["second"] and before.anchor(root2) is None
    assert before.anchor(f["tree1"].root).issuer == f["uni"].address
    assert now.status(leaf, root2).status == "revoked" and now.status(leaf, root2).reason == "superseded"
    assert now.status(leaf, root2, f["revoked"] - 1).status == "active"
    assert now.is_authorized(f["uni"].address, 1, f["suspended"]) is False
    assert now.checked_issuance(leaf) is None
