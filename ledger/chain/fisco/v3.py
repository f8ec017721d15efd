"""FISCO BCOS 3.x transactions: Tars ``TransactionData`` versions 0-2 and the ``Transaction`` wrapper.

* The data hash (which is also the transaction hash) is H over the plain concatenation of the
  fields: ``int32 version | chainID | groupID | int64 blockLimit | nonce | to | input | abi``, then
  for version >= 1 ``value | gasPrice | int64 gasLimit | maxFeePerGas | maxPriorityFeePerGas``,
  then for version >= 2 ``extension``. H is keccak256 on ECDSA chains and SM3 on SM chains.
* The signature signs that hash: ECDSA ``r || s || recid`` (65 bytes), SM2 ``r || s || pubkey``
  (128 bytes).
* Tars layout follows FISCO's own encoder: ``version`` is always written, every other field is
  left out at its default value (0, ``""``, empty bytes). ``to`` is hashed exactly as written.

``data`` dicts use the keys of FISCO's JSON (and of the shared test vectors): ``version``,
``chainID``, ``groupID``, ``blockLimit``, ``nonce``, ``to``, ``input`` (hex), ``abi``, and for
versions 1 and 2 ``value``, ``gasPrice``, ``gasLimit``, ``maxFeePerGas``,
``maxPriorityFeePerGas``, ``extension`` (hex).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ledger.chain.fisco import tars
from ledger.chain.fisco.errors import MalformedTransaction
from ledger.chain.fisco.fields import hex_bytes, int_text
from ledger.chain.fisco.signer import DigestSignature, check_crypto, coerce_key, sign_digest, signer_address
from ledger.crypto.hashing import hash_function
from ledger.crypto.keys import PrivateKey
from ledger.errors import ValidationError

_INT64 = 1 << 63

# (python attribute, JSON key, Tars tag, kind, lowest version that carries it)
_FIELDS: tuple[tuple[str, str, int, str, int], ...] = (
    ("version", "version", 1, "int32", 0),
    ("chain_id", "chainID", 2, "str", 0),
    ("group_id", "groupID", 3, "str", 0),
    ("block_limit", "blockLimit", 4, "int64", 0),
    ("nonce", "nonce", 5, "str", 0),
    ("to", "to", 6, "str", 0),
    ("input", "input", 7, "bytes", 0),
    ("abi", "abi", 8, "str", 0),
    ("value", "value", 9, "str", 1),
    ("gas_price", "gasPrice", 10, "str", 1),
    ("gas_limit", "gasLimit", 11, "int64", 1),
    ("max_fee_per_gas", "maxFeePerGas", 12, "str", 1),
    ("max_priority_fee_per_gas", "maxPriorityFeePerGas", 13, "str", 1),
    ("extension", "extension", 14, "bytes", 2),
)


_CODEC = "FISCO 3.x transaction"


def _bad(reason: str) -> MalformedTransaction:
    return MalformedTransaction(_CODEC, reason)


def _hex_bytes(value: Any, name: str) -> bytes:
    return hex_bytes(value, name, _CODEC)


def _int_text(value: str, name: str) -> int:
    return int_text(value, name, _CODEC)


@dataclass(frozen=True)
class TransactionData:
    """The signed part of a 3.x transaction (``bcostars::TransactionData``)."""

    version: int = 0
    chain_id: str = ""
    group_id: str = ""
    block_limit: int = 0
    nonce: str = ""
    to: str = ""
    input: bytes = b""
    abi: str = ""
    value: str = ""
    gas_price: str = ""
    gas_limit: int = 0
    max_fee_per_gas: str = ""
    max_priority_fee_per_gas: str = ""
    extension: bytes = b""

    def __post_init__(self) -> None:
        if self.version not in (0, 1, 2):
            raise _bad(f"version {self.version!r} is not 0, 1 or 2")
        for attr, key, _, kind, since in _FIELDS:
            value = getattr(self, attr)
            if kind in ("int32", "int64"):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise _bad(f"{key} must be an integer")
                bound = _INT64 if kind == "int64" else 1 << 31
                if not -bound <= value < bound:
                    raise _bad(f"{key} {value} does not fit in {kind}")
            elif kind == "str" and not isinstance(value, str):
                raise _bad(f"{key} must be a string")
            elif kind == "bytes" and not isinstance(value, bytes):
                raise _bad(f"{key} must be bytes")
            # a field the version does not hash would be unsigned: refuse it rather than drop it
            if since > self.version and value != _default(attr):
                raise _bad(f"{key} needs transaction version {since} or later (version is {self.version})")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransactionData:
        """Build from FISCO's JSON keys (see the module docstring); missing keys take defaults."""
        known = {key for _, key, *_ in _FIELDS}
        unknown = set(data) - known
        if unknown:
            raise _bad(f"unknown field(s) {', '.join(sorted(unknown))}")
        kwargs: dict[str, Any] = {}
        for attr, key, _, kind, _ in _FIELDS:
            if key in data and data[key] is not None:
                value = data[key]
                if kind == "bytes":
                    value = _hex_bytes(value, key)
                elif kind in ("int32", "int64") and isinstance(value, str):
                    value = _int_text(value, key)
                kwargs[attr] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """FISCO's JSON keys; fields past this version are left out, bytes are 0x-hex."""
        out: dict[str, Any] = {}
        for attr, key, _, kind, since in _FIELDS:
            if since <= self.version:
                value = getattr(self, attr)
                out[key] = "0x" + value.hex() if kind == "bytes" else value
        return out

    def tars_fields(self) -> dict[int, tars.Value]:
        """Tag -> value, FISCO's layout: version always, other fields only when not default."""
        out: dict[int, tars.Value] = {}
        for attr, _, tag, _, _ in _FIELDS:
            value = getattr(self, attr)
            if attr == "version" or value != _default(attr):
                out[tag] = value
        return out

    def encode(self) -> bytes:
        """Tars bytes of this struct body (what the vectors call ``encoded_transaction_data``)."""
        return tars.encode_struct(self.tars_fields())

    @classmethod
    def from_tars_fields(cls, values: Mapping[int, tars.Value]) -> TransactionData:
        kwargs: dict[str, Any] = {}
        by_tag = {tag: (attr, key, kind) for attr, key, tag, kind, _ in _FIELDS}
        for tag, value in values.items():
            if tag not in by_tag:
                raise _bad(f"TransactionData has no field with tag {tag}")
            attr, key, kind = by_tag[tag]
            expected = {"int32": int, "int64": int, "str": str, "bytes": bytes}[kind]
            if not isinstance(value, expected):
                raise _bad(f"{key} (tag {tag}) has the wrong Tars type {type(value).__name__}")
            kwargs[attr] = value
        if 1 not in values:
            kwargs["version"] = 0
        return cls(**kwargs)

    def hash_preimage(self) -> bytes:
        """The concatenation FISCO hashes (``TarsHashable.h``), without length prefixes."""
        parts = [
            self.version.to_bytes(4, "big", signed=True),
            self.chain_id.encode(),
            self.group_id.encode(),
            self.block_limit.to_bytes(8, "big", signed=True),
            self.nonce.encode(),
            self.to.encode(),
            self.input,
            self.abi.encode(),
        ]
        if self.version >= 1:
            parts += [
                self.value.encode(),
                self.gas_price.encode(),
                self.gas_limit.to_bytes(8, "big", signed=True),
                self.max_fee_per_gas.encode(),
                self.max_priority_fee_per_gas.encode(),
            ]
        if self.version >= 2:
            parts.append(self.extension)
        return b"".join(parts)

    def hash(self, crypto: str = "ecdsa") -> bytes:
        """The data hash (= transaction hash): keccak256 or SM3 of :meth:`hash_preimage`."""
        return hash_function(check_crypto(crypto))(self.hash_preimage())


def _default(attr: str) -> Any:
    return next(f.default for f in fields(TransactionData) if f.name == attr)


@dataclass(frozen=True)
class Transaction:
    """``bcostars::Transaction``: the data, its hash, the signature and node-side extras."""

    data: TransactionData
    data_hash: bytes
    signature: bytes
    import_time: int = 0
    attribute: int = 0
    sender: bytes = b""
    extra_data: str = ""
    type: int = 0
    extra_transaction_bytes: bytes = b""
    extra_transaction_hash: bytes = b""

    def encode(self) -> bytes:
        """Tars bytes of the whole transaction (``params[2]`` of ``sendTransaction``, as hex)."""
        values: dict[int, tars.Value] = {1: self.data.tars_fields()}
        optional: tuple[tuple[int, Any], ...] = (
            (2, self.data_hash),
            (3, self.signature),
            (4, self.import_time),
            (5, self.attribute),
            (7, self.sender),
            (8, self.extra_data),
            (9, self.type),
            (10, self.extra_transaction_bytes),
            (11, self.extra_transaction_hash),
        )
        for tag, value in optional:
            if value:
                values[tag] = value
        return tars.encode_struct(values)

    @classmethod
    def decode(cls, raw: bytes) -> Transaction:
        """Parse Tars bytes; raises :class:`MalformedTransaction` on anything malformed."""
        values = tars.decode_struct(raw)
        schema = {
            1: ("data", dict),
            2: ("data_hash", bytes),
            3: ("signature", bytes),
            4: ("import_time", int),
            5: ("attribute", int),
            7: ("sender", bytes),
            8: ("extra_data", str),
            9: ("type", int),
            10: ("extra_transaction_bytes", bytes),
            11: ("extra_transaction_hash", bytes),
        }
        kwargs: dict[str, Any] = {}
        for tag, value in values.items():
            if tag not in schema:
                raise _bad(f"Transaction has no field with tag {tag}")
            name, expected = schema[tag]
            if not isinstance(value, expected):
                raise _bad(f"{name} (tag {tag}) has the wrong Tars type {type(value).__name__}")
            kwargs[name] = value
        if "data" not in kwargs:
            raise _bad("the transaction has no TransactionData (tag 1)")
        kwargs["data"] = TransactionData.from_tars_fields(kwargs["data"])
        kwargs.setdefault("data_hash", b"")
        kwargs.setdefault("signature", b"")
        return cls(**kwargs)


@dataclass(frozen=True)
class SignedTransaction:
    """What :func:`sign_transaction` returns: the Tars bytes, the hash and the signature."""

    raw: bytes
    hash: bytes
    signature: bytes
    sender: str
    transaction: Transaction


@dataclass(frozen=True)
class DecodedTransaction:
    """What :func:`decode_transaction` returns. ``sender`` is EIP-55 cased, ``None`` if unsigned."""

    data: dict[str, Any]
    hash: bytes
    signature: bytes
    sender: str | None
    crypto: str | None
    transaction: Transaction


def new_nonce() -> str:
    """A fresh nonce like FISCO's C++ SDK makes: two random 64-bit numbers, in decimal, joined."""
    return f"{secrets.randbits(64)}{secrets.randbits(64)}"


def signature_bytes(signature: DigestSignature) -> bytes:
    """FISCO 3.x layout: ``r || s || recid`` (ECDSA) or ``r || s || pubkey`` (SM2)."""
    rs = signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big")
    if signature.recid is not None:
        return rs + bytes([signature.recid])
    return rs + signature.public_key


def parse_signature(raw: bytes) -> DigestSignature:
    """Inverse of :func:`signature_bytes`; the length tells the crypto mode."""
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")
    if len(raw) == 65:
        return DigestSignature(r, s, raw[64])
    if len(raw) == 128:
        return DigestSignature(r, s, None, raw[64:])
    raise _bad(f"a signature is 65 (ECDSA) or 128 (SM2) bytes, got {len(raw)}")


def sign_transaction(
    data: Mapping[str, Any] | TransactionData,
    private_key: PrivateKey | bytes | str,
    crypto: str = "ecdsa",
    *,
    attribute: int = 0,
) -> SignedTransaction:
    """Hash and sign 3.x transaction data and wrap it in a Tars ``Transaction``.

    Args:
        data: a dict with FISCO's keys (module docstring) or a :class:`TransactionData`.
        private_key: a :class:`~ledger.crypto.keys.PrivateKey`, 32 raw bytes or a hex string.
        crypto: ``"ecdsa"`` (keccak256 + secp256k1) or ``"sm"`` (SM3 + SM2).
        attribute: the ``Transaction.attribute`` flags (not signed): java-sdk sends ``EVM_ABI_CODEC``
            (1) on EVM transactions, the python-sdk 0.

    Raises:
        MalformedTransaction: a field has a bad type or value.
    """
    key = coerce_key(private_key, crypto)
    tx_data = data if isinstance(data, TransactionData) else TransactionData.from_dict(data)
    digest = tx_data.hash(crypto)
    signature = signature_bytes(sign_digest(key, digest))
    tx = Transaction(tx_data, digest, signature, attribute=attribute)
    return SignedTransaction(tx.encode(), digest, signature, key.address, tx)


def decode_transaction(raw: bytes | str) -> DecodedTransaction:
    """Parse a Tars ``Transaction``, check its hash and recover its sender.

    The crypto mode follows from the signature length (65: ECDSA, 128: SM2). The embedded data
    hash must equal the hash recomputed from the fields, and the signature must match it.

    Raises:
        MalformedTransaction: the bytes, the hash or the signature are wrong.
    """
    blob = _hex_bytes(raw, "raw transaction") if isinstance(raw, str) else bytes(raw)
    tx = Transaction.decode(blob)
    sender: str | None = None
    crypto: str | None = None
    if tx.signature:
        signature = parse_signature(tx.signature)
        crypto = signature.crypto
        digest = tx.data.hash(crypto)
        if tx.data_hash and tx.data_hash != digest:
            raise _bad(f"the embedded data hash 0x{tx.data_hash.hex()} does not match the fields")
        try:
            sender = signer_address(digest, signature)
        except ValidationError as exc:
            raise _bad(str(exc)) from exc
    return DecodedTransaction(tx.data.to_dict(), tx.data_hash, tx.signature, sender, crypto, tx)


__all__ = [
    "DecodedTransaction",
    "SignedTransaction",
    "Transaction",
    "TransactionData",
    "decode_transaction",
    "new_nonce",
    "sign_transaction",
]
