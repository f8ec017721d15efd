"""Merkle trees over 32-byte credential hashes: the positional tree of contracts v2, and the sorted-pair
tree of credentials issued before it.

Both share the leaf: **leaf node** = ``H(H(value))`` for a 32-byte value (OpenZeppelin's
``keccak256(bytes.concat(keccak256(abi.encode(value))))``; ``abi.encode`` of a ``bytes32`` is the value
itself). Hashing twice makes a leaf node impossible to confuse with an internal node. Level 0 holds the
leaf nodes in batch order: position ``i`` is the credential's leaf index ``i``.

:data:`POSITIONAL` (contracts v2, ``CredentialRegistry.verifyLeaf``; ``contracts/README.md``, "Merkle
tree"): level ``l+1`` has ``ceil(m / 2)`` nodes for the ``m`` of level ``l``; node ``j`` is
``H(level[2j] || level[2j+1])``, where a missing right node (an odd last node) is 32 zero bytes: it is
hashed, not promoted. The depth is ``D = ceil(log2 n)``; the proof of leaf ``i`` has exactly ``D``
siblings, bottom-up, a missing one given as 32 zero bytes. A verifier puts the running node on the left
when bit ``l`` of the index is 0, on the right when it is 1, and refuses an index that does not fit in
``D`` bits: the index decides every step, so a proof binds its leaf's position and an edited index
leads to another root.

:data:`SORTED_PAIRS` (contracts v1; kept to verify credentials already issued): the parent of two nodes
is ``H(min(a, b) || max(a, b))``; an odd last node is promoted unchanged and its proof skips that level.
The index is not bound by the proof.

``H`` is a parameter: keccak256 by default, SM3 on SM (guomi) FISCO BCOS chains, whose EVM computes
SM3 for the ``keccak256`` opcode. Use ``ledger.crypto.hashing.hash_function(crypto)`` to pick it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain, islice, repeat
from typing import Any

import sha3  # safe-pysha3, the C keccak that ledger.crypto.hashing.keccak256 wraps

from ledger.crypto.hashing import keccak256
from ledger.errors import ValidationError

__all__ = [
    "LAYOUTS",
    "POSITIONAL",
    "SORTED_PAIRS",
    "ZERO_NODE",
    "Hasher",
    "MerkleTree",
    "compute_root",
    "hash_pair",
    "leaf_node",
    "proof_length",
    "verify",
]

#: A 32-byte hash function over bytes.
Hasher = Callable[[bytes], bytes]

#: The tree of contracts v2: each pair in the order of its positions, an odd last node paired with zero.
POSITIONAL = "positional"
#: The tree of contracts v1: each pair sorted, an odd last node promoted.
SORTED_PAIRS = "sorted-pairs"
LAYOUTS = (POSITIONAL, SORTED_PAIRS)
#: The sibling of a node that has none in the positional tree.
ZERO_NODE = b"\0" * 32

_keccak = sha3.keccak_256


def _check_value(value: bytes, where: str) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValidationError(f"{where}: a Merkle leaf value is 32 bytes, got {value!r:.80}")


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown Merkle tree layout {layout!r}; one of {', '.join(LAYOUTS)}")


def leaf_node(value: bytes, hasher: Hasher = keccak256) -> bytes:
    """The tree node of a 32-byte leaf value: ``H(H(value))``."""
    _check_value(value, "leaf")
    return hasher(hasher(value))


def hash_pair(a: bytes, b: bytes, hasher: Hasher = keccak256) -> bytes:
    """The parent of two nodes in the sorted-pair tree: ``H`` of the pair in ascending byte order."""
    return hasher(a + b) if a < b else hasher(b + a)


def depth_of(size: int) -> int:
    """``ceil(log2 size)``: the levels above the leaves of a positional tree of ``size`` leaves."""
    return (size - 1).bit_length() if size > 1 else 0


#: Roots reached from a node at mid height (see :func:`compute_root`), by (node, its index at that
#: height, the height, the siblings above it): the positional keccak256 tree only.
_UPPER_HALF: dict[tuple[Any, ...], bytes] = {}


def compute_root(
    value: bytes, proof: Iterable[bytes], hasher: Hasher = keccak256, *, index: int | None = None,
    layout: str = POSITIONAL,
) -> bytes | None:
    """The root that ``proof`` leads to from the leaf holding ``value``.

    A positional proof needs the leaf's ``index``; an index that does not fit in ``len(proof)`` bits
    leads nowhere (``None``), as the contract's ``verifyLeaf`` refuses it.
    """
    _check_layout(layout)
    if hasher is keccak256:
        _check_value(value, "leaf")
        node = _keccak(_keccak(value).digest()).digest()
    else:
        node = leaf_node(value, hasher)
    if layout == SORTED_PAIRS:
        if hasher is keccak256:
            k = _keccak
            for sibling in proof:
                node = k(node + sibling).digest() if node < sibling else k(sibling + node).digest()
            return node
        for sibling in proof:
            node = hasher(node + sibling) if node < sibling else hasher(sibling + node)
        return node
    if index is None or index < 0:
        raise ValueError("a positional proof needs the leaf's index")
    siblings = list(proof)
    if index >> len(siblings):
        return None
    if hasher is keccak256:
        k = _keccak
        half = len(siblings) // 2
        for sibling in siblings[:half]:
            node = k(node + sibling).digest() if index & 1 == 0 else k(sibling + node).digest()
            index >>= 1
        # The leaves of a batch under one node at mid height share the rest of the way up: that part
        # is a function of the node, its position and the remaining siblings, so it is walked once.
        key = (node, index, half, *siblings[half:])
        root = _UPPER_HALF.get(key)
        if root is None:
            for sibling in siblings[half:]:
                node = k(node + sibling).digest() if index & 1 == 0 else k(sibling + node).digest()
                index >>= 1
            if len(_UPPER_HALF) >= 4096:
                _UPPER_HALF.clear()
            _UPPER_HALF[key] = root = node
        return root
    h = hasher
    for level, sibling in enumerate(siblings):
        node = h(node + sibling) if (index >> level) & 1 == 0 else h(sibling + node)
    return node


def verify(
    root: bytes, value: bytes, proof: Iterable[bytes], hasher: Hasher = keccak256, *, index: int | None = None,
    layout: str = POSITIONAL,
) -> bool:
    """True when ``proof`` shows that the leaf holding ``value`` (at ``index``, for a positional tree)
    belongs to the tree of ``root``.

    ``value`` is the credential hash (the leaf value), not the leaf node: it is double-hashed here.
    """
    return compute_root(value, proof, hasher, index=index, layout=layout) == root


def proof_length(index: int, size: int, layout: str = POSITIONAL) -> int:
    """How many siblings the proof of leaf ``index`` has in a tree of ``size`` leaves."""
    _check_layout(layout)
    if not 0 <= index < size:
        raise ValidationError(f"leaf index {index} is outside a tree of {size} leaves")
    if layout == POSITIONAL:
        return depth_of(size)
    length = 0
    while size > 1:
        if index ^ 1 < size:
            length += 1
        index >>= 1
        size = (size + 1) >> 1
    return length


class MerkleTree:
    """An immutable Merkle tree over a sequence of 32-byte values (see the module docstring).

    Build one with :meth:`build`; ``root`` is what is anchored on chain, ``proof(i)`` what goes into
    credential ``i``. Every level is kept, so a proof costs ``log2(n)`` list look-ups.
    """

    __slots__ = ("_index", "_levels", "hasher", "layout")

    def __init__(self, levels: tuple[tuple[bytes, ...], ...], hasher: Hasher, layout: str = POSITIONAL) -> None:
        self._levels = levels
        self._index: dict[bytes, int] | None = None
        self.hasher = hasher
        self.layout = layout

    @classmethod
    def build(cls, values: Sequence[bytes], hasher: Hasher = keccak256, *, layout: str = POSITIONAL) -> MerkleTree:
        """Build the tree of ``values`` (32-byte credential hashes), in the given order.

        Raises:
            ValidationError: no values, a value that is not 32 bytes, or the same value twice (two
                identical credentials in one batch are a bug upstream).
        """
        _check_layout(layout)
        if not values:
            raise ValidationError("a Merkle tree needs at least one leaf")
        try:
            if hasher is keccak256:
                k = _keccak
                level = [k(k(v).digest()).digest() for v in values]
            else:
                level = [hasher(hasher(v)) for v in values]
        except TypeError:
            level = []
        if len(level) != len(values) or any(len(v) != 32 or type(v) is not bytes for v in values):
            for i, v in enumerate(values):
                _check_value(v, f"leaf {i}")
        if len(set(values)) != len(values):
            seen: dict[bytes, int] = {}
            for i, v in enumerate(values):
                if v in seen:
                    raise ValidationError(f"leaf {i} repeats leaf {seen[v]} (0x{v.hex()})")
                seen[v] = i
        levels = [tuple(level)]
        h = (lambda data: _keccak(data).digest()) if hasher is keccak256 else hasher
        while len(level) > 1:
            if layout == POSITIONAL:
                if len(level) & 1:
                    level = [*level, ZERO_NODE]
                nxt = [h(a + b) for a, b in zip(level[0::2], level[1::2])]
            else:
                nxt = [h(a + b) if a < b else h(b + a) for a, b in zip(level[0::2], level[1::2])]
                if len(level) & 1:
                    nxt.append(level[-1])
            level = nxt
            levels.append(tuple(level))
        return cls(tuple(levels), hasher, layout)

    @property
    def root(self) -> bytes:
        """The 32-byte root."""
        return self._levels[-1][0]

    def __len__(self) -> int:
        return len(self._levels[0])

    @property
    def depth(self) -> int:
        """Number of levels above the leaves (0 for a single leaf)."""
        return len(self._levels) - 1

    def leaf(self, index: int) -> bytes:
        """The leaf node (``H(H(value))``) at ``index``."""
        return self._levels[0][index]

    def proof(self, index: int) -> tuple[bytes, ...]:
        """The siblings from leaf ``index`` up to the root (positional: a zero node where a sibling is
        missing; sorted pairs: promoted levels skipped)."""
        size = len(self._levels[0])
        if not 0 <= index < size:
            raise IndexError(f"leaf index {index} is outside a tree of {size} leaves")
        path = []
        positional = self.layout == POSITIONAL
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            elif positional:
                path.append(ZERO_NODE)
            index >>= 1
        return tuple(path)

    def proofs(self) -> list[tuple[bytes, ...]]:
        """Every leaf's proof, in leaf order (much faster than calling :meth:`proof` n times).

        Column ``l`` holds, for every leaf, its sibling at level ``l`` (each level-``l`` sibling
        repeated ``2**l`` times); zipping the columns gives the proofs. In the sorted-pair tree, leaves
        whose ancestor is promoted at some level get that level's gap removed afterwards.
        """
        size = len(self._levels[0])
        columns = []
        first_gap = size
        positional = self.layout == POSITIONAL
        for depth, level in enumerate(self._levels[:-1]):
            count = len(level)
            siblings: list[bytes | None] = [level[j ^ 1] for j in range(count & ~1)]
            if count & 1:
                siblings.append(ZERO_NODE if positional else None)
                first_gap = min(first_gap, (count - 1) << depth)
            span = 1 << depth
            if span == 1:
                columns.append(siblings)
            else:
                columns.append(list(islice(chain.from_iterable(repeat(s, span) for s in siblings), size)))
        if not columns:
            return [()]
        out: list[tuple[bytes, ...]] = list(zip(*columns))  # type: ignore[arg-type]
        if not positional:
            for i in range(first_gap, size):
                out[i] = tuple(s for s in out[i] if s is not None)
        return out

    def index_of(self, value: bytes) -> int:
        """Position of the leaf holding ``value`` (a credential hash).

        Raises:
            KeyError: the value is not a leaf of this tree.
        """
        if self._index is None:
            self._index = {node: i for i, node in enumerate(self._levels[0])}
        return self._index[leaf_node(value, self.hasher)]

    def __repr__(self) -> str:
        return f"MerkleTree(leaves={len(self)}, layout={self.layout}, root=0x{self.root.hex()})"
