"""Building a block of the embedded chain: applying its transactions, its header, its trie roots.

:class:`~ledger.chain.embedded.EmbeddedChain` owns the chain (the database, the lock, reads and
writes); this module owns the one step that dominates its write cost, turning signed transactions
into a sealed block:

* :func:`build_block` runs py-evm's block import steps on transactions this process built, skipping
  the checks that would only re-verify our own work;
* :func:`own_signed_class` / :func:`own_transaction` give py-evm transactions whose signature
  (made a moment before by :mod:`ledger.chain.ethtx`) is not recovered and verified again;
* :func:`ordered_trie` computes a block's transaction and receipt roots (and their trie nodes) in
  one pass instead of one trie insertion at a time.

``benchmarks/embedded.py`` measures the difference; the tests import blocks built here into a plain
py-evm chain with full validation.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from eth_typing import Address, Hash32

from ledger.chain import ethtx
from ledger.crypto.hashing import keccak256

if TYPE_CHECKING:
    from eth.abc import BlockAPI, BlockHeaderAPI, ComputationAPI, ReceiptAPI, SignedTransactionAPI
    from eth.vm.base import VM


@functools.cache
def own_signed_class(base: type) -> type:
    """``base`` (py-evm's legacy transaction class) minus the re-check of its signature.

    Every transaction this backend applies was signed by :mod:`ledger.chain.ethtx` a moment before,
    so py-evm's re-verification (recover the key, verify the signature, recover the sender again:
    about a third of the CPU time per transaction) would only check our own work. The encoding,
    hash and everything else are the base class's; blocks read back from the database decode as
    the base class, and the tests replay them through py-evm with every check on.
    """

    class OwnSignedTransaction(base):
        def check_signature_validity(self) -> None:
            return None

    return OwnSignedTransaction


def own_transaction(cls: type, raw: bytes, sender: Address) -> SignedTransactionAPI:
    """Decode the signed transaction ``raw`` as ``cls`` (see :func:`own_signed_class`), signed by ``sender``."""
    import rlp

    transaction = rlp.decode(raw, sedes=cls)
    # ``sender`` is a cached property: fill the cache with the signer we already know.
    transaction.__dict__["sender"] = sender
    return cast("SignedTransactionAPI", transaction)


def build_block(
    vm: VM, parent: BlockHeaderAPI, transactions: Sequence[SignedTransactionAPI]
) -> tuple[BlockAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI, ...]]:
    """Apply ``transactions`` on ``vm`` (built for the child of ``parent``) and seal the block.

    The same steps as py-evm's ``VM.import_block`` (pre-processing, transactions, roots,
    post-processing, finalisation), with two changes that matter for speed: the transaction and
    receipt roots come from :func:`ordered_trie` instead of an incremental ``HexaryTrie``, and the
    block is checked with ``validate_header`` only, since every other field was computed here a
    moment ago rather than received. The tests import blocks built this way into a plain py-evm
    chain with full validation.
    """
    base = vm.get_block()
    vm.block_preprocessing(base)
    header, receipts, computations = vm.apply_all_transactions(transactions, vm.get_header())
    tx_root, tx_nodes = ordered_trie([tx.encode() for tx in transactions])
    receipt_root, receipt_nodes = ordered_trie([receipt.encode() for receipt in receipts])
    vm.chaindb.persist_trie_data_dict(tx_nodes)
    vm.chaindb.persist_trie_data_dict(receipt_nodes)
    filled = base.copy(
        transactions=transactions,
        header=header.copy(transaction_root=tx_root, receipt_root=receipt_root),
    )
    block = vm.finalize_block(vm.block_postprocessing(filled)).block
    vm.validate_header(block.header, parent)
    return block, receipts, computations


_BLANK_ROOT = Hash32(keccak256(b"\x80"))
_EMPTY = b"\x80"  # RLP of the empty string: an empty branch slot or branch value


def ordered_trie(values: Sequence[bytes]) -> tuple[Hash32, dict[Hash32, bytes]]:
    """Root hash and nodes of the Merkle Patricia trie mapping ``rlp(i)`` to ``values[i]``.

    That is the trie behind a block's transaction and receipt roots. Built in one pass over the
    sorted keys instead of one insertion at a time, it gives the same root and the same nodes as
    py-evm's ``make_trie_root_and_nodes`` (a test checks both on random inputs) at a fraction of
    the cost: each node is encoded and hashed exactly once.

    Returns:
        ``(root_hash, nodes)`` where ``nodes`` maps the hash of every node of 32 bytes or more
        (and of the root) to its RLP encoding.
    """
    if not values:
        return _BLANK_ROOT, {}
    pairs = sorted((_nibbles(ethtx.rlp_encode(_int_bytes(i))), value) for i, value in enumerate(values))
    nodes: dict[Hash32, bytes] = {}
    root = _trie_node(pairs, 0, nodes)
    root_hash = Hash32(keccak256(root))
    nodes[root_hash] = root
    return root_hash, nodes


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _nibbles(key: bytes) -> tuple[int, ...]:
    return tuple(n for byte in key for n in (byte >> 4, byte & 0x0F))


def _hex_prefix(nibbles: Sequence[int], leaf: bool) -> bytes:
    flag = 2 if leaf else 0
    prefixed = [flag + 1, *nibbles] if len(nibbles) % 2 else [flag, 0, *nibbles]
    return bytes(prefixed[i] << 4 | prefixed[i + 1] for i in range(0, len(prefixed), 2))


def _rlp_bytes(data: bytes) -> bytes:
    return ethtx.rlp_encode(data)


def _rlp_list(encoded_items: Sequence[bytes]) -> bytes:
    payload = b"".join(encoded_items)
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    length = _int_bytes(len(payload))
    return bytes([0xF7 + len(length)]) + length + payload


def _reference(encoded: bytes, nodes: dict[Hash32, bytes]) -> bytes:
    """How a parent points at a child: inline below 32 bytes, else by hash."""
    if len(encoded) < 32:
        return encoded
    digest = Hash32(keccak256(encoded))
    nodes[digest] = encoded
    return _rlp_bytes(digest)


def _trie_node(
    pairs: Sequence[tuple[tuple[int, ...], bytes]], depth: int, nodes: dict[Hash32, bytes]
) -> bytes:
    """RLP of the node holding ``pairs`` (sorted, sharing their first ``depth`` nibbles)."""
    if len(pairs) == 1:
        key, value = pairs[0]
        return _rlp_list([_rlp_bytes(_hex_prefix(key[depth:], leaf=True)), _rlp_bytes(value)])
    first, last = pairs[0][0], pairs[-1][0]
    shared = 0
    limit = min(len(first), len(last)) - depth
    while shared < limit and first[depth + shared] == last[depth + shared]:
        shared += 1
    if shared:
        child = _trie_node(pairs, depth + shared, nodes)
        extension = _hex_prefix(first[depth : depth + shared], leaf=False)
        return _rlp_list([_rlp_bytes(extension), _reference(child, nodes)])
    slots = [_EMPTY] * 17
    start = 0
    if len(first) == depth:  # a key that ends here is the branch's value
        slots[16] = _rlp_bytes(pairs[0][1])
        start = 1
    while start < len(pairs):
        nibble = pairs[start][0][depth]
        end = start
        while end < len(pairs) and pairs[end][0][depth] == nibble:
            end += 1
        slots[nibble] = _reference(_trie_node(pairs[start:end], depth + 1, nodes), nodes)
        start = end
    return _rlp_list(slots)
