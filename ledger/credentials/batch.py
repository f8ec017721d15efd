"""Batch proofs: every credential of an anchored batch with its Merkle proof, or its JSON directly.

:func:`attach_batch_proofs` and :func:`iter_batch_proofs` give each credential of a batch its
:class:`~ledger.credentials.proof.CredentialProof` (the leaf index is the credential's position);
:func:`iter_batch_json` renders the same documents as bytes without a proof object per credential,
for writing large batches. This is rendering over a finished batch, apart from the document model
(:mod:`ledger.credentials.document`), which imports nothing from here; the names can be imported from
:mod:`ledger.credentials.document` as before (loaded on first use).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pybase64 import urlsafe_b64encode

from ledger.credentials.document import Credential
from ledger.credentials.fields import ADDRESS as _ADDRESS
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.hashing import hash_function
from ledger.credentials.merkle import POSITIONAL, SORTED_PAIRS, MerkleTree
from ledger.credentials.proof import (
    BATCH_PROOF,
    ChainRef,
    CredentialProof,
    batch_payload_tail,
    batch_proof_json,
    data_integrity_json,
    proof_head,
)
from ledger.errors import ValidationError

__all__ = ["attach_batch_proofs", "iter_batch_json", "iter_batch_proofs", "tree_layout"]


def attach_batch_proofs(
    credentials: Sequence[Credential],
    *,
    chain: ChainRef,
    contract: str,
    tree: MerkleTree | None = None,
    anchor_transaction: bytes | None = None,
    anchor_block: int | None = None,
) -> list[Credential]:
    """Give every credential of a batch its Merkle proof (leaf index = position in ``credentials``).

    The tree is positional (:func:`tree_layout`), or sorted pairs for documents of profile 1.

    Args:
        tree: the batch's tree, when already built (it must be over these credentials' hashes).
        anchor_transaction / anchor_block: the anchoring transaction once it is mined (else None).
    """
    return list(
        iter_batch_proofs(
            credentials, chain=chain, contract=contract, tree=tree,
            anchor_transaction=anchor_transaction, anchor_block=anchor_block,
        )
    )  # fmt: skip


def iter_batch_proofs(
    credentials: Sequence[Credential],
    *,
    chain: ChainRef,
    contract: str,
    tree: MerkleTree | None = None,
    anchor_transaction: bytes | None = None,
    anchor_block: int | None = None,
) -> Iterator[Credential]:
    """:func:`attach_batch_proofs` one credential at a time, for writing a large batch as it goes.

    The arguments are checked at once (not at the first ``next``); the proved credentials are made
    on demand, so a batch of 100,000 never holds a second copy of itself.
    """
    if not _ADDRESS.match(contract):
        raise CredentialFormatError("proof.contract", "must be an address (0x + 40 hex digits)")
    if not credentials:
        return iter(())
    algorithm = credentials[0].hash_algorithm
    if tree is None:
        tree = MerkleTree.build([c.hash for c in credentials], hash_function(algorithm),
                                layout=tree_layout(credentials[0].profile))
    else:
        _check_tree(tree, credentials)
    return _proved(credentials, chain, contract, algorithm, tree, anchor_transaction, anchor_block)


def tree_layout(profile: int) -> str:
    """The Merkle tree of a batch of documents of ``profile``: positional (contracts v2) for what is
    issued now; the sorted-pair tree for profile 1, whose proof object names no tree."""
    return SORTED_PAIRS if profile == 1 else POSITIONAL


def _check_tree(tree: MerkleTree, credentials: Sequence[Credential]) -> None:
    if len(tree) != len(credentials):
        raise ValidationError(f"the tree has {len(tree)} leaves for {len(credentials)} credentials")
    if tree.layout != tree_layout(credentials[0].profile):
        raise ValidationError(f"a batch of profile {credentials[0].profile} needs a {tree_layout(credentials[0].profile)} "
                              f"tree, not {tree.layout}")


def _proved(
    credentials: Sequence[Credential],
    chain: ChainRef,
    contract: str,
    algorithm: str,
    tree: MerkleTree,
    anchor_transaction: bytes | None,
    anchor_block: int | None,
) -> Iterator[Credential]:
    root, size = tree.root, len(credentials)
    for index, (credential, path) in enumerate(zip(credentials, tree.proofs())):
        proof = CredentialProof(
            BATCH_PROOF,
            credential.hash,
            chain,
            contract,
            algorithm,
            root,
            size,
            index,
            path,
            anchor_transaction,
            anchor_block,
            tree=tree.layout,
        )
        c = credential
        yield Credential(
            c.template, c.id, c.subject_id, c.holder_name, c.evidence, c.body, c.hash, c.hash_algorithm, proof,
            c.salts, c.withheld,
        )


def iter_batch_json(
    credentials: Sequence[Credential],
    *,
    chain: ChainRef,
    contract: str,
    tree: MerkleTree,
    anchor_transaction: bytes | None = None,
    anchor_block: int | None = None,
) -> Iterator[bytes]:
    """Each credential's document with its batch proof, as :meth:`Credential.to_json` writes it.

    The same bytes as ``c.to_json()`` for each credential of :func:`iter_batch_proofs`, without a
    proof object per credential: the members a batch shares are checked and rendered once (about
    twice as fast, for writing large batches).
    """
    if not credentials:
        if len(tree):
            raise ValidationError(f"the tree has {len(tree)} leaves for 0 credentials")
        return iter(())
    _check_tree(tree, credentials)
    algorithm = credentials[0].hash_algorithm
    paths = tree.proofs()
    # The first leaf's proof object checks the members the batch shares (contract, chain) once.
    first = CredentialProof(
        BATCH_PROOF, credentials[0].hash, chain, contract, algorithm, tree.root, len(credentials), 0, paths[0],
        anchor_transaction, anchor_block, tree=tree.layout,
    )  # fmt: skip
    head = proof_head(first)
    if credentials[0].profile == 1:
        return (
            c.body[:-1] + b',"proof":' + batch_proof_json(head, c.hash, algorithm, i, path).encode("utf-8") + b"}"
            for i, (c, path) in enumerate(zip(credentials, paths))
        )
    # Profile 2: the Data Integrity proof around each leaf's proof value; all but the value is shared.
    before, after = data_integrity_json(BATCH_PROOF, credentials[0].template.verification_method, "",
                                        tree.layout).split('"u', 1)
    start = b',"proof":[' + before.encode("utf-8") + b'"u'
    end = after.encode("utf-8") + b"]}"
    return _profile2_documents(credentials, paths, head, algorithm, start, end)


def _profile2_documents(
    credentials: Sequence[Credential], paths: Sequence[Sequence[bytes]], head: str, algorithm: str, start: bytes,
    end: bytes,
) -> Iterator[bytes]:
    """Each document of profile 2: its body, then ``start``, its proof value (base64url of the batch's
    ``head`` and the leaf's :func:`batch_payload_tail`), then ``end``.

    base64 encodes every 3 bytes on their own, so the head's encoding up to a multiple of 3 bytes is
    made once and the rest of each payload encoded after it: the same text as encoding the whole
    payload. The encoder is pybase64's (SIMD; the same output as :func:`base64.urlsafe_b64encode`): at
    about 2 kB per credential the standard library's cost some 2 µs each, pybase64's well under 1.
    """
    shared = head.encode("utf-8")
    cut = len(shared) - len(shared) % 3
    start += urlsafe_b64encode(shared[:cut])
    carry = shared[cut:]
    for i, (c, path) in enumerate(zip(credentials, paths)):
        tail = batch_payload_tail(c.hash, algorithm, i, path, c.disclosures_json().encode())
        yield b"".join((c.body[:-1], start, urlsafe_b64encode(carry + tail).rstrip(b"="), end))
