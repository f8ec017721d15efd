"""Private keys: secp256k1 (coincurve, libsecp256k1) on ECDSA chains, SM2 on FISCO BCOS's SM chains.

:class:`PrivateKey` signs digests; addresses come from keccak256 of the public key, or SM3 on SM
chains. The raw secret is reachable only through :meth:`PrivateKey.secret_bytes`; ``repr`` shows the
address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey as _CurveKey
from coincurve import PublicKey as _CurvePub

from ledger.crypto.hashing import keccak256, sm3, to_checksum_address
from ledger.errors import KeystoreError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


#: SM2's order n; an SM2 private key lies in [1, n - 2].
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def _key_in_range(secret: bytes, crypto: str) -> bool:
    value = int.from_bytes(secret, "big")
    return 0 < value < (SM2_N - 1 if crypto == "sm" else SECP256K1_N)


@dataclass(frozen=True)
class Signature:
    """An ECDSA signature with recovery id (``v`` is 0 or 1), s in the lower half."""

    r: int
    s: int
    v: int

    def to_bytes(self) -> bytes:
        """65 bytes: r || s || v (v as 0/1)."""
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])


class PrivateKey:
    """A secp256k1 or SM2 private key that can sign 32-byte digests.

    The raw secret is reachable only through :meth:`secret_bytes`; ``repr`` shows the address.
    """

    __slots__ = ("_curve", "_secret", "address", "crypto", "public_key")

    def __init__(self, secret: bytes, crypto: str = "ecdsa") -> None:
        if len(secret) != 32 or not _key_in_range(secret, crypto):
            raise KeystoreError("a private key is 32 bytes, non-zero and below the curve order")
        self._secret = secret
        self.crypto = crypto
        if crypto == "ecdsa":
            self._curve: Any = _CurveKey(secret)
            #: 64-byte uncompressed public key without the 0x04 prefix.
            self.public_key: bytes = self._curve.public_key.format(compressed=False)[1:]
            self.address: str = to_checksum_address(keccak256(self.public_key)[12:])
        elif crypto == "sm":
            from ledger.crypto.sm2 import sm2_public_key

            self._curve = None
            self.public_key = sm2_public_key(secret)
            self.address = to_checksum_address(sm3(self.public_key)[12:])
        else:
            raise ValueError(f"unknown crypto mode {crypto!r} (expected 'ecdsa' or 'sm')")

    @classmethod
    def generate(cls, crypto: str = "ecdsa") -> PrivateKey:
        """A new random key from the operating system's CSPRNG."""
        while True:
            secret = secrets.token_bytes(32)
            if _key_in_range(secret, crypto):
                return cls(secret, crypto)

    @classmethod
    def from_hex(cls, text: str, crypto: str = "ecdsa") -> PrivateKey:
        text = text.strip()
        try:
            raw = bytes.fromhex(text[2:] if text.startswith(("0x", "0X")) else text)
        except ValueError:
            raise KeystoreError("a private key must be 64 hex digits") from None  # the cause quotes the text
        return cls(raw, crypto)

    def secret_bytes(self) -> bytes:
        """The raw 32-byte secret. Handle with care: never print or log it."""
        return self._secret

    def sign_digest(self, digest: bytes) -> Signature:
        """Deterministic (RFC 6979) recoverable ECDSA signature of a 32-byte digest, low s."""
        if self.crypto != "ecdsa":
            raise KeystoreError("sign_digest is ECDSA; use ledger.crypto.sm2 for SM2 keys")
        sig = self._curve.sign_recoverable(digest, hasher=None)
        return Signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64])

    def __repr__(self) -> str:
        return f"PrivateKey(address={self.address}, crypto={self.crypto!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivateKey) and other._secret == self._secret and other.crypto == self.crypto

    def __hash__(self) -> int:
        return hash(self.address)


def recover_address(digest: bytes, signature: Signature) -> str:
    """Address of the ECDSA key that made ``signature`` over ``digest``."""
    pub = _CurvePub.from_signature_and_message(signature.to_bytes(), digest, hasher=None)
    return to_checksum_address(keccak256(pub.format(compressed=False)[1:])[12:])
