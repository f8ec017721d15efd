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
        hist.define_type(1)
        added = hist.add_issuer(uni, K.UNIVERSITY, [1]).block_number
        tree1, _, first = hist.anchor(uni, 1, ["p1-a", "p1-b"])
        suspended = hist.set_status(uni, S.SUSPENDED)
        hist.define_type(2)  # a block while suspended
        reinstated = hist.set_status(uni, S.ACTIVE)
        tree2, hashes2, second = hist.anchor(uni, 1, ["p2-a", "p2-b", "p2-c"])
        revoked = hist.c.issuers.set_leaves_status(uni, uni.address, tree2.root, [2], CS.REVOKED,
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
    r, n, uni = synced.reader, f["revoked"], f["uni"].address
    root = f["tree2"].root
    assert r.leaf_status_at(uni, root, 2, n - 1) is None  # never changed yet: valid if anchored
    at_n = r.leaf_status_at(uni, root, 2, n)
    assert at_n is not None and (at_n.status, at_n.reason, at_n.block_number) == ("Revoked", "Superseded", n)
    now = r.leaf_status_at(uni, root, 2, None)
    assert now is not None and now.status == "Revoked"
    # The other leaves of the batch are untouched.
    assert r.leaf_status_at(uni, root, 0, n) is None
    # Same answers as the contract's own state at those blocks.
    for block in (n - 1, n):
        on_chain = hist.c.issuers.leaf_status(uni, root, 2, block=block)
        indexed = r.leaf_status_at(uni, root, 2, block)
        assert on_chain.name.capitalize() == (indexed.status if indexed else "None")


def test_suspended_then_reinstated_issuer(story: tuple[History, dict], synced: Index) -> None:
    _, f = story
    r, uni = synced.reader, f["uni"].address
    # Each batch was issued while the issuer was authorised ...
    assert r.is_authorized(uni, 1, f["first"]) and r.is_authorized(uni, 1, f["second"])
    # ... and during the suspension it was not (its block began active: any moment of a block counts).
    assert r.is_authorized(uni, 1, f["suspended"])
    assert r.authorization(uni, 1, f["suspended"] + 1) == (False, "issuer was Suspended")
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
    uni = f["uni"].address
    at_then = r.leaf_status_at(uni, f["tree2"].root, 2, at)
    assert at_then is not None and at_then.status == "Revoked"
    prev = r.resolve_at(datetime.fromtimestamp(hist.chain.block_timestamp(n - 1), tz=timezone.utc).isoformat())
    # Embedded block timestamps strictly increase, so the previous block's moment is before the revocation.
    assert prev == n - 1
    assert r.leaf_status_at(uni, f["tree2"].root, 2, prev) is None


def test_index_chain_view_answers_as_of_a_block(story: tuple[History, dict], synced: Index) -> None:
    from ledger.index.view import IndexChainView
    from ledger.verify.chainview import CredentialRef

    hist, f = story
    uni = f["uni"].address
    now, before = IndexChainView(synced.reader), IndexChainView(synced.reader, at=f["second"] - 1)
    root2, leaf = f["tree2"].root, f["hashes2"][2]
    ref = CredentialRef(uni, leaf, root2, 2)
    assert now.chain_id() == 1337 and now.block_number() == hist.head
    assert now.anchor(uni, root2).block == f["second"] and before.anchor(uni, root2) is None  # type: ignore[union-attr]
    assert before.anchor(uni, f["tree1"].root).issuer == uni  # type: ignore[union-attr]
    assert now.status(ref).status == "revoked" and now.status(ref).reason == "superseded"
    assert now.status(ref, f["revoked"] - 1).status == "active"
    assert now.is_authorized(uni, 1, f["suspended"] + 1) is False
    assert now.checked_issuance(uni, leaf) is None


def test_a_compromise_mark_is_known_from_the_block_it_was_made(synced: Index) -> None:
    """Time travel does not see a mark before it was made: as of an earlier block the key was trusted."""
    from ledger.chain.embedded import EmbeddedChain as Chain

    with Chain(None) as chain, Index.open(None) as ix:
        hist = History(chain)
        hist.define_type(1)
        uni = key("tt-stolen")
        hist.add_issuer(uni, K.UNIVERSITY, [1])
        _, _, anchored = hist.anchor(uni, 1, ["x"])
        marked = hist.c.issuers.propose_mark_compromised(hist.admin, uni.address, anchored.block_number).block_number
        ix.sync(chain, hist.deployment)
        r = ix.reader
        assert r.compromised_since(uni.address, marked - 1) is None
        assert r.compromised_since(uni.address, marked) == anchored.block_number
        assert r.is_authorized(uni.address, 1, anchored.block_number, state=marked - 1)
        assert not r.is_authorized(uni.address, 1, anchored.block_number)
        assert r.authorization(uni.address, 1, anchored.block_number)[1] == \
            f"the key is marked compromised since block {anchored.block_number}"
