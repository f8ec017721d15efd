"""FISCO BCOS 2.x transactions: the 13-field RLP list (the "RC2" format).

``[randomid, gasPrice, gasLimit, blockLimit, to, value, data, fiscoChainId, groupId,
extraData, v, r, s]``:

* the signing hash is H(RLP of the first 10 fields) and the transaction hash H(RLP of all 13);
  H is keccak256 on ECDSA chains and SM3 on SM chains;
* ECDSA: ``v = 27 + recid`` (not EIP-155, which the node rejects) and ``s`` in the lower half;
* SM2: the ``v`` slot carries the signer's 64-byte public key as a byte string;
* ``to`` is 20 bytes, or empty for a contract deployment.

``fields`` dicts use the keys of the shared test vectors: ``randomid``, ``gasPrice``,
``gasLimit``, ``blockLimit``, ``to``, ``value``, ``data``, ``fiscoChainId``, ``groupId``,
``extraData`` (hex strings for byte fields).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.chain.fisco import rlp
from ledger.chain.fisco.errors import MalformedTransaction
from ledger.chain.fisco.fields import hex_bytes, int_text
from ledger.chain.fisco.signer import DigestSignature, check_crypto, coerce_key, sign_digest, signer_address
from ledger.crypto.hashing import hash_function
from ledger.crypto.keys import SECP256K1_N, PrivateKey
from ledger.errors import ValidationError

_U256 = 1 << 256
_INT_FIELDS = ("randomid", "gasPrice", "gasLimit", "blockLimit", "value", "fiscoChainId", "groupId")


_CODEC = "FISCO 2.x transaction"


def _bad(reason: str) -> MalformedTransaction:
    return MalformedTransaction(_CODEC, reason)


def _hex_bytes(value: Any, name: str) -> bytes:
    return b"" if value is None else hex_bytes(value, name, _CODEC)


def _int(value: Any, name: str) -> Any:
    """Integers may also come as decimal or 0x-hex text (as JSON tools often write them)."""
    return int_text(value, name, _CODEC) if isinstance(value, str) else value


@dataclass(frozen=True)
class TransactionFields:
    """The ten signed fields of a 2.x transaction."""

    randomid: int
    gas_price: int
    gas_limit: int
    block_limit: int
    to: bytes
    value: int
    data: bytes
    chain_id: int
    group_id: int
    extra_data: bytes = b""

    def __post_init__(self) -> None:
        for name in ("randomid", "gas_price", "gas_limit", "block_limit", "value", "chain_id", "group_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < _U256:
                raise _bad(f"{name} must be an integer in [0, 2**256)")
        if len(self.to) not in (0, 20):
            raise _bad(f"to is a 20-byte address or empty (deploy), got {len(self.to)} bytes")

    @classmethod
    def from_dict(cls, fields: Mapping[str, Any]) -> TransactionFields:
        keys = set(_INT_FIELDS) | {"to", "data", "extraData"}
        unknown = set(fields) - keys
        if unknown:
            raise _bad(f"unknown field(s) {', '.join(sorted(unknown))}")
        missing = [k for k in _INT_FIELDS if k not in fields]
        if missing:
            raise _bad(f"missing field(s) {', '.join(missing)}")
        return cls(
            randomid=_int(fields["randomid"], "randomid"),
            gas_price=_int(fields["gasPrice"], "gasPrice"),
            gas_limit=_int(fields["gasLimit"], "gasLimit"),
            block_limit=_int(fields["blockLimit"], "blockLimit"),
            to=_hex_bytes(fields.get("to"), "to"),
            value=_int(fields["value"], "value"),
            data=_hex_bytes(fields.get("data"), "data"),
            chain_id=_int(fields["fiscoChainId"], "fiscoChainId"),
            group_id=_int(fields["groupId"], "groupId"),
            extra_data=_hex_bytes(fields.get("extraData"), "extraData"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The vectors' keys; ``to`` lowercase hex (``""`` for a deploy), bytes as 0x-hex."""
        return {
            "randomid": self.randomid,
            "gasPrice": self.gas_price,
            "gasLimit": self.gas_limit,
            "blockLimit": self.block_limit,
            "to": "0x" + self.to.hex() if self.to else "",
            "value": self.value,
            "data": "0x" + self.data.hex(),
            "fiscoChainId": self.chain_id,
            "groupId": self.group_id,
            "extraData": "0x" + self.extra_data.hex(),
        }

    def rlp_items(self) -> list[rlp.Item]:
        i = rlp.int_to_bytes
        return [
            i(self.randomid),
            i(self.gas_price),
            i(self.gas_limit),
            i(self.block_limit),
            self.to,
            i(self.value),
            self.data,
            i(self.chain_id),
            i(self.group_id),
            self.extra_data,
        ]

    def unsigned_rlp(self) -> bytes:
        return rlp.encode(self.rlp_items())

    def signing_hash(self, crypto: str = "ecdsa") -> bytes:
        return hash_function(check_crypto(crypto))(self.unsigned_rlp())


@dataclass(frozen=True)
class SignedTransaction:
    """What :func:`sign_transaction` returns. ``v`` is an int (ECDSA) or the 64-byte key (SM)."""

    raw: bytes
    hash: bytes
    signing_hash: bytes
    v: int | bytes
    r: int
    s: int
    sender: str


@dataclass(frozen=True)
class DecodedTransaction:
    """What :func:`decode_transaction` returns. ``sender`` is EIP-55 cased."""

    fields: dict[str, Any]
    v: int | bytes
    r: int
    s: int
    sender: str
    crypto: str
    hash: bytes
    signing_hash: bytes


def new_randomid() -> int:
    """A fresh random 256-bit randomid from the OS CSPRNG (the node only needs uniqueness)."""
    return secrets.randbits(256)


def _signature_items(signature: DigestSignature) -> tuple[int | bytes, list[rlp.Item]]:
    v: int | bytes = signature.public_key if signature.recid is None else 27 + signature.recid
    v_item = v if isinstance(v, bytes) else rlp.int_to_bytes(v)
    return v, [v_item, rlp.int_to_bytes(signature.r), rlp.int_to_bytes(signature.s)]


def sign_transaction(
    fields: Mapping[str, Any] | TransactionFields,
    private_key: PrivateKey | bytes | str,
    crypto: str = "ecdsa",
) -> SignedTransaction:
    """Sign a 2.x transaction.

    Args:
        fields: a dict with the vectors' keys (module docstring) or :class:`TransactionFields`.
        private_key: a :class:`~ledger.crypto.keys.PrivateKey`, 32 raw bytes or a hex string.
        crypto: ``"ecdsa"`` (keccak256 + secp256k1) or ``"sm"`` (SM3 + SM2).

    Raises:
        MalformedTransaction: a field has a bad type or value.
    """
    key = coerce_key(private_key, crypto)
    tx_fields = fields if isinstance(fields, TransactionFields) else TransactionFields.from_dict(fields)
    signing_hash = tx_fields.signing_hash(crypto)
    signature = sign_digest(key, signing_hash)
    v, sig_items = _signature_items(signature)
    raw = rlp.encode(tx_fields.rlp_items() + sig_items)
    return SignedTransaction(
        raw, hash_function(crypto)(raw), signing_hash, v, signature.r, signature.s, key.address
    )


def decode_transaction(raw: bytes | str) -> DecodedTransaction:
    """Parse a 2.x RLP transaction and recover (ECDSA) or verify (SM2) its sender.

    Raises:
        MalformedTransaction: the bytes are not a 13-item RLP list of the right shapes, or the
            signature is invalid.
    """
    blob = _hex_bytes(raw, "raw transaction") if isinstance(raw, str) else bytes(raw)
    items = rlp.decode(blob)
    if not isinstance(items, list) or len(items) != 13:
        raise _bad("a transaction is an RLP list of 13 items")
    if not all(isinstance(item, bytes) for item in items):
        raise _bad("every transaction field is a byte string, found a nested list")
    b: list[bytes] = [item for item in items if isinstance(item, bytes)]
    names = (
        "randomid",
        "gasPrice",
        "gasLimit",
        "blockLimit",
        "to",
        "value",
        "data",
        "fiscoChainId",
        "groupId",
    )
    ints = {n: rlp.bytes_to_int(b[i], n) for i, n in enumerate(names) if n not in ("to", "data")}
    tx_fields = TransactionFields(
        randomid=ints["randomid"],
        gas_price=ints["gasPrice"],
        gas_limit=ints["gasLimit"],
        block_limit=ints["blockLimit"],
        to=b[4],
        value=ints["value"],
        data=b[6],
        chain_id=ints["fiscoChainId"],
        group_id=ints["groupId"],
        extra_data=b[9],
    )
    r, s = rlp.bytes_to_int(b[11], "r"), rlp.bytes_to_int(b[12], "s")
    if len(b[10]) > 1:
        crypto = "sm"
        # the python-sdk writes the key as an integer, so a leading zero byte may be missing
        if len(b[10]) > 64:
            raise _bad(f"the SM public key in v is {len(b[10])} bytes, expected 64")
        public_key = b[10].rjust(64, b"\x00")
        v: int | bytes = public_key
        signature = DigestSignature(r, s, None, public_key)
    else:
        crypto = "ecdsa"
        v = rlp.bytes_to_int(b[10], "v")
        if v not in (27, 28):
            raise _bad(f"ECDSA v must be 27 or 28 (FISCO 2.x does not use EIP-155), got {v}")
        if not 0 < s <= SECP256K1_N // 2:
            raise _bad("ECDSA s must be in the lower half of the curve order")
        signature = DigestSignature(r, s, v - 27)
    signing_hash = tx_fields.signing_hash(crypto)
    try:
        sender = signer_address(signing_hash, signature)
    except ValidationError as exc:
        raise _bad(str(exc)) from exc
    return DecodedTransaction(
        tx_fields.to_dict(), v, r, s, sender, crypto, hash_function(crypto)(blob), signing_hash
    )
