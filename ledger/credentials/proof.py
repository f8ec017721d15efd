"""Where a credential's hash is recorded on chain: the ``proof`` member of a credential document.

The ``proof`` member (not hashed; :class:`CredentialProof`) of a batch credential::

    {"type": "LedgerBatchAnchor2026", "hashAlgorithm": "keccak256", "credentialHash": "0x...",
     "chain": {"backend": "embedded", "chainId": 20200}, "contract": "0x<CredentialRegistry>",
     "batchRoot": "0x...", "batchSize": 1000, "leafIndex": 17, "merklePath": ["0x...", ...],
     "anchorTransaction": "0x...", "anchorBlock": 42}        (the last two once the root is mined)

and of a criteria-checked certificate: ``"type": "LedgerCheckedIssuance2026"`` with
``issueTransaction`` and ``issueBlock`` instead of the batch members.

A proof is written once per issued credential, so :meth:`CredentialProof.to_json` builds the JSON by
hand and renders the members a batch shares only once. Proofs for a whole batch are made by
:func:`ledger.credentials.document.attach_batch_proofs`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pybase64

from ledger.canonical import CanonicalizationError, loads
from ledger.credentials.fields import ADDRESS as _ADDRESS
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.fields import check_bytes32 as _bytes32
from ledger.credentials.fields import check_line as _line
from ledger.credentials.fields import check_opt_bytes32 as _opt_bytes32
from ledger.credentials.fields import check_opt_uint as _opt_uint
from ledger.credentials.fields import check_path32 as _path32
from ledger.credentials.fields import check_uint as _uint
from ledger.credentials.merkle import LAYOUTS, POSITIONAL, SORTED_PAIRS

__all__ = [
    "BATCH_PROOF",
    "BATCH_SUITE",
    "BATCH_SUITE_SORTED",
    "CHECKED_PROOF",
    "CHECKED_SUITE",
    "ChainRef",
    "CredentialProof",
    "data_integrity_json",
    "decode_proof_value",
    "payload_json",
]

#: ``proof.type`` of a credential anchored as a leaf of a Merkle batch.
BATCH_PROOF = "LedgerBatchAnchor2026"
#: ``proof.type`` of a credential issued one at a time by the contract's criteria check.
CHECKED_PROOF = "LedgerCheckedIssuance2026"


@dataclass(frozen=True, slots=True)
class ChainRef:
    """Which chain a proof refers to: the backend kind (embedded, rpc, fisco3 ...) and the chain id."""

    backend: str
    chain_id: int


@dataclass(frozen=True, slots=True)
class CredentialProof:
    """Where a credential's hash is recorded on chain; the document's ``proof`` member.

    A batch proof (``kind == BATCH_PROOF``) names the batch root, the leaf index, the batch size and
    the Merkle path; ``anchor_transaction``/``anchor_block`` are ``None`` until the root is anchored.
    ``tree`` is the Merkle tree's layout (``ledger.credentials.merkle``): positional for what is issued
    now, sorted pairs for credentials issued under contracts v1; profile 2 names it by the cryptosuite,
    profile 1 is always sorted pairs. A checked proof (``CHECKED_PROOF``) names the transaction and block
    of the contract's issuance.
    """

    kind: str
    credential_hash: bytes
    chain: ChainRef
    contract: str
    hash_algorithm: str = "keccak256"
    batch_root: bytes | None = None
    batch_size: int | None = None
    leaf_index: int | None = None
    merkle_path: tuple[bytes, ...] = ()
    anchor_transaction: bytes | None = None
    anchor_block: int | None = None
    issue_transaction: bytes | None = None
    issue_block: int | None = None
    tree: str = POSITIONAL

    def __post_init__(self) -> None:
        # The JSON is built by hand (to_json), so what goes into it verbatim is checked here.
        if self.kind not in (BATCH_PROOF, CHECKED_PROOF):
            raise CredentialFormatError("proof.type", f"must be {BATCH_PROOF!r} or {CHECKED_PROOF!r}")
        if self.hash_algorithm not in ("keccak256", "sm3"):
            raise CredentialFormatError("proof.hashAlgorithm", "must be 'keccak256' or 'sm3'")
        if not isinstance(self.contract, str) or not _ADDRESS.match(self.contract):
            raise CredentialFormatError("proof.contract", "must be an address (0x + 40 hex digits)")
        if not isinstance(self.credential_hash, bytes) or len(self.credential_hash) != 32:
            raise CredentialFormatError("proof.credentialHash", "must be 32 bytes")
        if self.kind == BATCH_PROOF and (self.batch_root is None or self.batch_size is None or self.leaf_index is None):
            raise CredentialFormatError("proof", "a batch proof names its batch root, size and leaf index")
        if self.tree not in LAYOUTS:
            raise CredentialFormatError("proof", f"unknown Merkle tree layout {self.tree!r}")

    def to_json(self) -> str:
        """Compact JSON with sorted keys, built by hand: this runs once per issued credential.

        The members a batch shares (chain, contract, root, anchoring) are rendered once per batch
        and cached.
        """
        head = proof_head(self)
        if self.kind == BATCH_PROOF:
            return batch_proof_json(
                head, self.credential_hash, self.hash_algorithm, int(self.leaf_index or 0), self.merkle_path
            )
        tail = ""
        if self.issue_block is not None:
            tail += f',"issueBlock":{int(self.issue_block)}'
        if self.issue_transaction is not None:
            tail += f',"issueTransaction":"0x{self.issue_transaction.hex()}"'
        return (
            f'{head}{self.credential_hash.hex()}","hashAlgorithm":"{self.hash_algorithm}"{tail},'
            f'"type":"{CHECKED_PROOF}"}}'
        )

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Any, path: str = "proof", *, kind: str | None = None,
                  tree: str = SORTED_PAIRS) -> CredentialProof:
        """Parse and check a ``proof`` object of profile 1, or (``kind`` given) the payload of a
        profile-2 ``proofValue``, which has the same members without ``type``; ``tree`` is the layout
        the cryptosuite names (profile 1: always sorted pairs).

        Raises:
            CredentialFormatError: a member is missing or malformed (the path names it).
        """
        if not isinstance(data, dict):
            raise CredentialFormatError(path, "must be an object (one proof)")
        kind = data.get("type") if kind is None else kind
        key = _shared_key(data, kind, tree)
        shared = _SHARED.get(key) if key is not None else None
        if shared is not None:
            # The members a batch shares were checked for an earlier leaf with these very values.
            credential_hash = _bytes32(data.get("credentialHash"), f"{path}.credentialHash")
            index = _uint(data.get("leafIndex"), f"{path}.leafIndex")
            size = shared["batch_size"]
            if index >= size:
                raise CredentialFormatError(f"{path}.leafIndex", f"leaf {index} is outside a batch of {size}")
            raw_path = data.get("merklePath")
            if not isinstance(raw_path, list):
                raise CredentialFormatError(f"{path}.merklePath", "must be a list of 32-byte hex strings")
            return cls(**shared, credential_hash=credential_hash, leaf_index=index,
                       merkle_path=_path32(raw_path, f"{path}.merklePath"))
        proof = cls._checked(data, path, kind, tree)
        if key is not None:
            if len(_SHARED) >= 256:
                _SHARED.clear()
            _SHARED[key] = {
                "kind": proof.kind, "chain": proof.chain, "contract": proof.contract,
                "hash_algorithm": proof.hash_algorithm, "batch_root": proof.batch_root,
                "batch_size": proof.batch_size, "anchor_transaction": proof.anchor_transaction,
                "anchor_block": proof.anchor_block, "tree": proof.tree,
            }
        return proof

    @classmethod
    def _checked(cls, data: dict[str, Any], path: str, kind: Any, tree: str) -> CredentialProof:
        """:meth:`from_dict` checking every member."""
        if kind not in (BATCH_PROOF, CHECKED_PROOF):
            raise CredentialFormatError(f"{path}.type", f"must be {BATCH_PROOF!r} or {CHECKED_PROOF!r}")
        algorithm = data.get("hashAlgorithm", "keccak256")
        if algorithm not in ("keccak256", "sm3"):
            raise CredentialFormatError(f"{path}.hashAlgorithm", "must be 'keccak256' or 'sm3'")
        chain = data.get("chain")
        if not isinstance(chain, dict):
            raise CredentialFormatError(f"{path}.chain", "must be an object {backend, chainId}")
        ref = ChainRef(
            _line(chain.get("backend"), f"{path}.chain.backend", limit=40),
            _uint(chain.get("chainId"), f"{path}.chain.chainId"),
        )
        contract = data.get("contract")
        if not isinstance(contract, str) or not _ADDRESS.match(contract):
            raise CredentialFormatError(f"{path}.contract", "must be an address (0x + 40 hex digits)")
        common: dict[str, Any] = {
            "kind": kind,
            "credential_hash": _bytes32(data.get("credentialHash"), f"{path}.credentialHash"),
            "chain": ref,
            "contract": contract,
            "hash_algorithm": algorithm,
        }
        if kind == CHECKED_PROOF:
            return cls(
                **common,
                issue_transaction=_opt_bytes32(data.get("issueTransaction"), f"{path}.issueTransaction"),
                issue_block=_opt_uint(data.get("issueBlock"), f"{path}.issueBlock"),
            )
        size = _uint(data.get("batchSize"), f"{path}.batchSize")
        index = _uint(data.get("leafIndex"), f"{path}.leafIndex")
        if size < 1 or index >= size:
            raise CredentialFormatError(f"{path}.leafIndex", f"leaf {index} is outside a batch of {size}")
        raw_path = data.get("merklePath")
        if not isinstance(raw_path, list):
            raise CredentialFormatError(f"{path}.merklePath", "must be a list of 32-byte hex strings")
        return cls(
            **common,
            batch_root=_bytes32(data.get("batchRoot"), f"{path}.batchRoot"),
            batch_size=size,
            leaf_index=index,
            merkle_path=_path32(raw_path, f"{path}.merklePath"),
            anchor_transaction=_opt_bytes32(data.get("anchorTransaction"), f"{path}.anchorTransaction"),
            anchor_block=_opt_uint(data.get("anchorBlock"), f"{path}.anchorBlock"),
            tree=tree,
        )


#: The checked members a batch's proofs share (see :func:`_shared_key`), by their JSON values.
_SHARED: dict[tuple[Any, ...], dict[str, Any]] = {}


def _shared_key(data: dict[str, Any], kind: Any, tree: str) -> tuple[Any, ...] | None:
    """The JSON values of the members a batch proof shares with the other leaves of its batch, or None
    (not a batch proof, or a value not of an exact str/int/None type: True == 1 must not pass for 1)."""
    if kind != BATCH_PROOF:
        return None
    chain = data.get("chain")
    if type(chain) is not dict:
        return None
    key = (kind, tree, data.get("hashAlgorithm", "keccak256"), chain.get("backend"), chain.get("chainId"),
           data.get("contract"), data.get("batchRoot"), data.get("batchSize"), data.get("anchorTransaction"),
           data.get("anchorBlock"))
    return key if _SCALARS.issuperset(map(type, key)) else None


_SCALARS = frozenset({str, int, type(None)})


_HEADS: dict[tuple[Any, ...], str] = {}


def batch_proof_json(head: str, credential_hash: bytes, algorithm: str, leaf_index: int, path: Sequence[bytes]) -> str:
    """A batch proof's JSON from the batch's shared ``head`` (:func:`proof_head`) and the leaf's own parts.

    The one place a batch proof is rendered: by :meth:`CredentialProof.to_json`, and for whole batches
    without a proof object per credential (``ledger.credentials.document.iter_batch_proof_json``).
    """
    members = merkle_path_json(path).decode("ascii")
    return (
        f'{head}{credential_hash.hex()}","hashAlgorithm":"{algorithm}",'
        f'"leafIndex":{leaf_index},"merklePath":[{members}],"type":"{BATCH_PROOF}"}}'
    )


def merkle_path_json(path: Sequence[bytes]) -> bytes:
    """The members of a ``merklePath`` array: each 32-byte sibling as ``"0x<hex>"``, comma-separated.

    One ``hexlify`` of the whole path with a separator every 32 bytes, widened to the quotes between
    members (a proof is rendered once per credential of a batch, with about 17 siblings at 100,000).
    """
    if not path:
        return b""
    return b'"0x' + binascii.hexlify(b"".join(path), ",", 32).replace(b",", b'","0x') + b'"'


def proof_head(proof: CredentialProof) -> str:
    """The sorted members of ``proof`` before ``credentialHash`` (all shared by a batch), up to its ``0x``."""
    key = (
        proof.kind,
        proof.chain,
        proof.contract,
        proof.batch_root,
        proof.batch_size,
        proof.anchor_transaction,
        proof.anchor_block,
    )
    head = _HEADS.get(key)
    if head is None:
        parts = []
        if proof.kind == BATCH_PROOF:
            if proof.anchor_block is not None:
                parts.append(f'"anchorBlock":{int(proof.anchor_block)}')
            if proof.anchor_transaction is not None:
                parts.append(f'"anchorTransaction":"0x{proof.anchor_transaction.hex()}"')
            assert proof.batch_root is not None
            parts.append(f'"batchRoot":"0x{proof.batch_root.hex()}","batchSize":{int(proof.batch_size or 0)}')
        parts.append(
            f'"chain":{{"backend":{json.dumps(proof.chain.backend)},"chainId":{int(proof.chain.chain_id)}}}'
        )
        parts.append(f'"contract":"{proof.contract}","credentialHash":"0x')
        head = "{" + ",".join(parts)
        if len(_HEADS) > 256:
            _HEADS.clear()
        _HEADS[key] = head
    return head


# -- profile 2: a Data Integrity proof whose proofValue carries the anchor --------------------------

#: ``cryptosuite`` of a batch credential: a leaf of a Merkle batch whose root the issuer anchored in the
#: IssuerRegistry of contracts v2, in the positional tree (leaf ``H(H(hash))``, each pair in the order
#: of its positions, an odd last node paired with zero): the leaf index is bound by the path.
BATCH_SUITE = "fisco-ledger-merkle-positional-2026"
#: ``cryptosuite`` of a batch credential issued under contracts v1: the sorted-pair tree (pairs sorted,
#: an odd last node promoted), whose path does not bind the leaf index. Still verified.
BATCH_SUITE_SORTED = "fisco-ledger-merkle-2026"
#: ``cryptosuite`` of a criteria-checked certificate: the contract's issuance record of its hash.
CHECKED_SUITE = "fisco-ledger-issuance-2026"
#: (proof kind, Merkle tree layout) of each suite; a checked proof has no tree.
KIND_OF_SUITE = {
    BATCH_SUITE: (BATCH_PROOF, POSITIONAL),
    BATCH_SUITE_SORTED: (BATCH_PROOF, SORTED_PAIRS),
    CHECKED_SUITE: (CHECKED_PROOF, POSITIONAL),
}


def suite_of(kind: str, tree: str = POSITIONAL) -> str:
    """The ``cryptosuite`` of a proof of ``kind`` whose batch tree has layout ``tree``."""
    if kind == CHECKED_PROOF:
        return CHECKED_SUITE
    return BATCH_SUITE if tree == POSITIONAL else BATCH_SUITE_SORTED
#: The members of the proof object of profile 2 (nothing else is accepted).
DI_MEMBERS = frozenset({"type", "cryptosuite", "proofPurpose", "proofValue", "verificationMethod"})


def payload_json(proof: CredentialProof, disclosures: str) -> str:
    """The JSON inside a profile-2 ``proofValue``: the anchor's members (as in the profile-1 proof,
    without ``type``) and ``disclosures`` (a JSON object, rendered by the caller)."""
    head = proof_head(proof)
    if proof.kind == BATCH_PROOF:
        return batch_payload_json(head, proof.credential_hash, proof.hash_algorithm, int(proof.leaf_index or 0),
                                  proof.merkle_path, disclosures)
    tail = ""
    if proof.issue_block is not None:
        tail += f',"issueBlock":{int(proof.issue_block)}'
    if proof.issue_transaction is not None:
        tail += f',"issueTransaction":"0x{proof.issue_transaction.hex()}"'
    return (f'{head}{proof.credential_hash.hex()}","disclosures":{disclosures},'
            f'"hashAlgorithm":"{proof.hash_algorithm}"{tail}}}')


def batch_payload_json(head: str, credential_hash: bytes, algorithm: str, leaf_index: int, path: Sequence[bytes],
                       disclosures: str) -> str:
    """:func:`payload_json` of a batch leaf from the batch's shared ``head`` (:func:`proof_head`)."""
    return head + batch_payload_tail(credential_hash, algorithm, leaf_index, path, disclosures.encode()).decode()


def batch_payload_tail(credential_hash: bytes, algorithm: str, leaf_index: int, path: Sequence[bytes],
                       disclosures: bytes) -> bytes:
    """What follows the shared head in a batch leaf's payload (:func:`batch_payload_json`), as bytes:
    the one place it is rendered, for a single proof and, once per leaf, for a whole batch."""
    return b"".join((
        binascii.hexlify(credential_hash), b'","disclosures":', disclosures, b',"hashAlgorithm":"',
        algorithm.encode(), b'","leafIndex":', b"%d" % leaf_index, b',"merklePath":[', merkle_path_json(path), b"]}",
    ))  # fmt: skip


def data_integrity_json(kind: str, verification_method: str, payload: str, tree: str = POSITIONAL) -> str:
    """The proof object of profile 2 (sorted members, compact): a ``DataIntegrityProof`` of our
    cryptosuite (by ``kind`` and the batch's ``tree``) whose ``proofValue`` is ``payload`` as multibase
    base64url (``u`` + base64url, no padding)."""
    value = base64.urlsafe_b64encode(payload.encode("utf-8")).rstrip(b"=").decode("ascii")
    return (f'{{"cryptosuite":"{suite_of(kind, tree)}","proofPurpose":"assertionMethod","proofValue":"u{value}",'
            f'"type":"DataIntegrityProof","verificationMethod":{json.dumps(verification_method)}}}')


_BASE64URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def decode_proof_value(value: Any, path: str) -> dict[str, Any]:
    """The payload of a profile-2 ``proofValue`` (``u`` + base64url of a JSON object), strictly parsed.

    Raises:
        CredentialFormatError: not multibase base64url, not UTF-8 strict JSON, or not an object.
    """
    if not isinstance(value, str) or not value.startswith("u") or len(value) > 1_000_000:
        raise CredentialFormatError(path, "must be multibase base64url (u...) of the anchor's JSON")
    text = value[1:]
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = None
        if text.isascii() and not text.encode("ascii").translate(None, _BASE64URL_ALPHABET):
            # pybase64 (C, SIMD) for the plain alphabet; anything it refuses goes to the standard library,
            # which gives the error (or, for what it alone accepts, the bytes) it always gave.
            try:
                raw = pybase64.b64decode(padded, altchars=b"-_", validate=True)
            except ValueError:
                raw = None
        if raw is None:
            raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        data = loads(raw)
    except (ValueError, CanonicalizationError) as exc:
        raise CredentialFormatError(path, f"is not base64url of a JSON object ({exc})") from None
    if not isinstance(data, dict):
        raise CredentialFormatError(path, "must hold a JSON object")
    return data
