"""Contract storage of the embedded chain: a block's storage writes applied to the trie in one pass.

py-evm writes a block's storage changes into each contract's storage trie one key at a time when it
computes the state root: every write walks the trie from the root, decodes, re-encodes and hashes each
node on the path and stores them all. A block that records 1,000 contributions writes 2,000 slots of
one contract, so the few nodes near the root are rebuilt 2,000 times; that was about half of the CPU
time of recording a batch (``benchmarks/importing.py`` profiles it).

:func:`apply_updates` gives the same trie (the Merkle Patricia trie of a set of keys is canonical, so
the same root and the same nodes for the final set) from the sorted writes in one pass: each node that
changes is decoded once, rebuilt once and hashed once, and a subtree no write touches is never read.
:class:`BatchedStorageLookup` is py-evm's ``StorageLookup`` with its writes buffered and applied that
way when the root is asked for (``get_changed_root``, ``commit_to``) or the trie is switched
(``new_trie``, ``rollback_trie``); reads see the buffered writes first. :class:`BatchedAccountDB` is
py-evm's ``AccountDB`` with that storage; :mod:`ledger.chain.evm` builds its VMs with it. The tests compare roots and nodes with py-trie's ``HexaryTrie`` on random
writes and deletions, and import blocks built this way into a plain py-evm chain.

This module imports py-evm; :mod:`ledger.chain.evm` loads it when it builds its VM classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any

import rlp
from eth.constants import BLANK_ROOT_HASH
from eth.db.account import AccountDB
from eth.db.batch import BatchDB
from eth.db.cache import CacheDB
from eth.db.journal import JournalDB
from eth.db.storage import AccountStorageDB, StorageLookup
from trie import HexaryTrie

from ledger.chain.blocks import _rlp_bytes, _rlp_list
from ledger.crypto.hashing import keccak256

__all__ = ["BatchedAccountDB", "BatchedStorageLookup", "apply_updates"]

Node = Any  # b"" (blank), [hp, value] (leaf), [hp, child] (extension), 17 items (branch)
#: Paths are strings of hex digits, one per nibble: slicing and comparing them runs in C.
Items = Sequence[tuple[str, bytes | None]]
BLANK: bytes = b""


def _decode_path(hp: bytes) -> tuple[str, bool]:
    """A hex-prefix encoded path: (its nibbles as hex digits, is a leaf)."""
    text = hp.hex()
    flag = int(text[0], 16)
    return text[1:] if flag & 1 else text[2:], bool(flag & 2)


def _encode_path(path: str, leaf: bool) -> bytes:
    """Hex-prefix encoding of a path of hex digits (Ethereum yellow paper, appendix C)."""
    flag = 2 if leaf else 0
    return bytes.fromhex(f"{flag + 1:x}{path}" if len(path) % 2 else f"{flag:x}0{path}")


def _encode(node: Node) -> bytes:
    if isinstance(node, bytes):
        return _rlp_bytes(node)
    return _rlp_list([_encode(item) for item in node])


class _Builder:
    """One pass of updates over one trie: reads nodes with ``read``, collects the new ones in ``nodes``."""

    def __init__(self, read: Callable[[bytes], bytes]) -> None:
        self.read = read
        self.nodes: dict[bytes, bytes] = {}
        self._made: dict[bytes, Node] = {}  # the nodes this pass made, decoded (a collapse may read one back)

    def resolve(self, ref: Node) -> Node:
        if isinstance(ref, list):
            return ref  # a node of fewer than 32 bytes, inline in its parent
        if ref == BLANK:
            return BLANK
        made = self._made.get(ref)
        return made if made is not None else rlp.decode(self.read(ref))

    def ref(self, node: Node) -> Node:
        """How a parent points at ``node``: inline below 32 bytes, else by the hash of its encoding."""
        if node == BLANK:
            return BLANK
        encoded = _encode(node)
        if len(encoded) < 32:
            return node
        digest = keccak256(encoded)
        self.nodes[digest] = encoded
        self._made[digest] = node
        return digest

    def prefix(self, path: str, node: Node) -> Node:
        """``node`` with ``path`` in front of it (a leaf or an extension absorbs it)."""
        if not path or node == BLANK:
            return node
        if len(node) == 2:
            inner, leaf = _decode_path(node[0])
            return [_encode_path(path + inner, leaf), node[1]]
        return [_encode_path(path, False), self.ref(node)]

    def build(self, items: Items) -> Node:
        """A new subtree holding ``items`` (sorted, unique, no deletions)."""
        if not items:
            return BLANK
        if len(items) == 1:
            key, value = items[0]
            return [_encode_path(key, True), value]
        first, last = items[0][0], items[-1][0]
        shared = 0
        while shared < min(len(first), len(last)) and first[shared] == last[shared]:
            shared += 1
        if shared:
            return self.prefix(first[:shared], self.build([(k[shared:], v) for k, v in items]))
        slots: list[Node] = [BLANK] * 17
        rest = list(items)
        if not rest[0][0]:
            slots[16] = rest.pop(0)[1]
        for nibble, group in groupby(rest, key=lambda item: item[0][0]):
            slots[int(nibble, 16)] = self.ref(self.build([(k[1:], v) for k, v in group]))
        return slots

    def update(self, node: Node, items: Items) -> Node:
        """``node`` with ``items`` (sorted, unique; ``None`` deletes) written into it."""
        if not items:
            return node
        if node == BLANK:
            return self.build([(k, v) for k, v in items if v is not None])
        if len(node) == 17:
            slots = list(node)
            rest = list(items)
            if not rest[0][0]:
                value = rest.pop(0)[1]
                slots[16] = BLANK if value is None else value
            for digit, group in groupby(rest, key=lambda item: item[0][0]):
                nibble = int(digit, 16)
                child = self.update(self.resolve(slots[nibble]), [(k[1:], v) for k, v in group])
                slots[nibble] = self.ref(child)
            return self.branch(slots)
        path, leaf = _decode_path(node[0])
        if leaf:  # one key: merge it with the writes and build again
            merged = dict(items)
            merged.setdefault(path, node[1])
            return self.build(sorted((k, v) for k, v in merged.items() if v is not None))
        if all(k[:len(path)] == path for k, _ in items):
            child = self.update(self.resolve(node[1]), [(k[len(path):], v) for k, v in items])
            return self.prefix(path, child)
        slots = [BLANK] * 17  # the writes leave the extension's path: make it a branch first
        slots[int(path[0], 16)] = node[1] if len(path) == 1 else self.ref([_encode_path(path[1:], False), node[1]])
        return self.update(slots, items)

    def branch(self, slots: list[Node]) -> Node:
        """A branch, or what it collapses to when one child (or only its value) is left."""
        children = [i for i in range(16) if slots[i] != BLANK]
        if not children:
            return BLANK if slots[16] == BLANK else [_encode_path("", True), slots[16]]
        if len(children) == 1 and slots[16] == BLANK:
            only = children[0]
            return self.prefix(f"{only:x}", self.resolve(slots[only]))
        return slots


#: Decoded trie nodes by hash, shared by every lookup: a node's content is fixed by its hash, so an entry
#: never goes stale. The nodes near a contract's root are read on every ``SLOAD`` of a slot not yet in
#: py-evm's caches; decoding them once instead of each time saves about a tenth of a ``record``.
_DECODED: dict[bytes, Node] = {}
_DECODED_LIMIT = 200_000


def lookup(read: Callable[[bytes], bytes], root: bytes, key: bytes) -> bytes | None:
    """The value of ``key`` in the trie at ``root`` (``None`` if absent), decoding each node at most once."""
    if root == BLANK_ROOT_HASH:
        return None
    path = key.hex()
    ref: Node = root
    while True:
        if isinstance(ref, list):
            node = ref
        elif ref == BLANK:
            return None
        else:
            node = _DECODED.get(ref)
            if node is None:
                node = rlp.decode(read(ref))
                if len(_DECODED) >= _DECODED_LIMIT:
                    _DECODED.clear()
                _DECODED[ref] = node
        if len(node) == 17:
            if not path:
                return node[16] or None
            ref, path = node[int(path[0], 16)], path[1:]
            continue
        segment, leaf = _decode_path(node[0])
        if leaf:
            return node[1] if segment == path else None
        if path[:len(segment)] != segment:
            return None
        ref, path = node[1], path[len(segment):]


def apply_updates(read: Callable[[bytes], bytes], root: bytes,
                  updates: dict[bytes, bytes | None]) -> tuple[bytes, dict[bytes, bytes]]:
    """The root and the new nodes of the trie at ``root`` after ``updates`` (key -> value, ``None`` deletes).

    ``read`` gives the encoding of a node by its hash. Nodes no update touches are not read; nodes
    that stop being reachable are not deleted (as py-evm's storage, which keeps them).
    """
    builder = _Builder(read)
    items = sorted((k.hex(), v) for k, v in updates.items())
    start = BLANK if root == BLANK_ROOT_HASH else builder.resolve(root)
    node = builder.update(start, items)
    if node == BLANK:
        return BLANK_ROOT_HASH, builder.nodes
    encoded = _encode(node)
    digest = keccak256(encoded)
    builder.nodes[digest] = encoded
    return digest, builder.nodes


class BatchedStorageLookup(StorageLookup):
    """py-evm's ``StorageLookup`` with its writes buffered and applied in one pass (see the module)."""

    def __init__(self, *args: Any) -> None:
        self._pending: dict[bytes, bytes | None] = {}
        # Answers of the trie as it stands (absent slots too: py-evm's caches keep only found values,
        # and an SSTORE reads a slot's current and original value): dropped whenever the root moves.
        self._answers: dict[bytes, bytes | None] = {}
        super().__init__(*args)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[self._decode_key(key)] = value

    def __delitem__(self, key: bytes) -> None:
        self._pending[self._decode_key(key)] = None

    def __getitem__(self, key: bytes) -> bytes:
        hashed = self._decode_key(key)
        if hashed in self._pending:
            value = self._pending[hashed]
        else:
            value = self._lookup(key, hashed)
        if value is None:
            raise KeyError(key)
        return value

    def _exists(self, key: bytes) -> bool:
        hashed = self._decode_key(key)
        if hashed in self._pending:
            return self._pending[hashed] is not None
        return self._lookup(key, hashed) is not None

    def _lookup(self, key: bytes, hashed: bytes) -> bytes | None:
        if hashed in self._answers:
            return self._answers[hashed]
        self._answers[hashed] = value = self._read(key, hashed)
        return value

    def _read(self, key: bytes, hashed: bytes) -> bytes | None:
        root = self._write_trie.root_hash if self._write_trie is not None else self._starting_root_hash
        source = self._trie_nodes_batch if self._trie_nodes_batch is not None else self._db
        try:
            return lookup(source.__getitem__, root, hashed)
        except KeyError:  # a node is missing: py-evm's own read raises the error it documents for that
            try:
                return super().__getitem__(key)
            except KeyError:
                return None

    def _initialize_to_root_hash(self, root_hash: bytes) -> None:
        self._answers = {}
        super()._initialize_to_root_hash(root_hash)

    def _flush(self) -> None:
        self._answers = {}
        if not self._pending:
            return
        trie = self._get_write_trie()
        batch: BatchDB = self._trie_nodes_batch
        root, nodes = apply_updates(batch.__getitem__, trie.root_hash, self._pending)
        for digest, encoded in nodes.items():
            batch[digest] = encoded
        self._pending = {}
        self._write_trie = HexaryTrie(batch, root_hash=root, prune=True)

    @property
    def has_changed_root(self) -> bool:
        return bool(self._pending) or super().has_changed_root

    def get_changed_root(self) -> bytes:
        self._flush()
        return super().get_changed_root()

    def commit_to(self, db: Any) -> None:
        self._flush()
        super().commit_to(db)

    def new_trie(self) -> int:
        self._flush()
        index = super().new_trie()
        self._answers = {}
        return index

    def rollback_trie(self, trie_index: int) -> None:
        self._flush()
        super().rollback_trie(trie_index)
        self._answers = {}


class BatchedAccountStorageDB(AccountStorageDB):
    """py-evm's ``AccountStorageDB`` over a :class:`BatchedStorageLookup` (the rest is py-evm's)."""

    def __init__(self, db: Any, storage_root: bytes, address: bytes) -> None:
        super().__init__(db, storage_root, address)
        # The same pipes as the base class builds, with the batched lookup at the bottom.
        self._storage_lookup = BatchedStorageLookup(db, storage_root, address)
        self._storage_cache = CacheDB(self._storage_lookup)
        self._locked_changes = JournalDB(self._storage_cache)
        self._journal_storage = JournalDB(self._locked_changes)


class BatchedAccountDB(AccountDB):
    """py-evm's ``AccountDB`` whose contracts' storage is a :class:`BatchedAccountStorageDB`."""

    def _get_address_store(self, address: Any) -> Any:
        if address not in self._account_stores:
            self._account_stores[address] = BatchedAccountStorageDB(
                self._raw_store_db, self._get_storage_root(address), address
            )
        return self._account_stores[address]
