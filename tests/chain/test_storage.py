"""The embedded chain's batched storage tries give py-trie's roots and nodes, and read back right."""

from __future__ import annotations

import random

from eth.constants import BLANK_ROOT_HASH
from hypothesis import given, settings
from hypothesis import strategies as st
from trie import HexaryTrie

from ledger.chain.storage import apply_updates, lookup

#: Keys of several lengths, so that paths end inside others (branch values) and extensions form.
keys = st.one_of(st.binary(min_size=32, max_size=32), st.binary(min_size=1, max_size=3))
rounds = st.lists(st.dictionaries(keys, st.one_of(st.none(), st.binary(min_size=1, max_size=40)), max_size=40),
                  min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(rounds=rounds)
def test_batched_updates_match_py_trie(rounds: list[dict[bytes, bytes | None]]) -> None:
    reference = HexaryTrie({})
    ours: dict[bytes, bytes] = {}
    root = BLANK_ROOT_HASH
    written: set[bytes] = set()
    for updates in rounds:
        for key, value in updates.items():
            if value is None:
                if key in reference:
                    del reference[key]
            else:
                reference[key] = value
        root, nodes = apply_updates(ours.__getitem__, root, updates)
        ours.update(nodes)
        written |= set(updates)
        assert root == reference.root_hash
        # Every node the new root needs is there: py-trie reads each key back from our nodes alone,
        # and the lookup of the storage reads agrees.
        rebuilt = HexaryTrie(ours, root_hash=root)
        for key in written:
            assert rebuilt.get(key) == reference.get(key)
            assert lookup(ours.__getitem__, root, key) == (reference.get(key) or None)


def test_a_big_batch_over_a_big_trie() -> None:
    rng = random.Random(7)
    reference = HexaryTrie({})
    ours: dict[bytes, bytes] = {}
    root = BLANK_ROOT_HASH
    for _ in range(3):
        updates: dict[bytes, bytes | None] = {rng.randbytes(32): rng.randbytes(33) for _ in range(2_000)}
        existing = list(updates)[:100]
        updates.update({k: None for k in existing[:50]})
        for key, value in updates.items():
            if value is None:
                del reference[key]
            else:
                reference[key] = value
        root, nodes = apply_updates(ours.__getitem__, root, updates)
        ours.update(nodes)
        assert root == reference.root_hash
    assert apply_updates(ours.__getitem__, root, {})[0] == root  # no writes, no change


def test_deleting_everything_gives_the_blank_root() -> None:
    ours: dict[bytes, bytes] = {}
    keys_ = [bytes([i]) * 32 for i in range(1, 20)]
    root, nodes = apply_updates(ours.__getitem__, BLANK_ROOT_HASH, {k: b"\x01" for k in keys_})
    ours.update(nodes)
    root, _ = apply_updates(ours.__getitem__, root, {k: None for k in keys_})
    assert root == BLANK_ROOT_HASH
    assert lookup(ours.__getitem__, root, keys_[0]) is None
