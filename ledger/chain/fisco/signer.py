"""Keys and signatures shared by the FISCO 2.x and 3.x transaction formats.

FISCO signs a 32-byte hash: with secp256k1 (recoverable, RFC 6979 deterministic, low s) on
ECDSA chains, with SM2 (signer id ``1234567812345678``, random nonce) on SM chains. An SM2
signature cannot be recovered, so FISCO ships the 64-byte public key with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.crypto import sm2 as smcrypto
from ledger.crypto.hashing import hash_function, to_checksum_address
from ledger.crypto.keys import PrivateKey, Signature, recover_address
from ledger.errors import KeystoreError, ValidationError

CRYPTO_MODES = ("ecdsa", "sm")


def check_crypto(crypto: str) -> str:
    """Return ``crypto`` if it names a FISCO crypto mode, else raise ``ValidationError``."""
    if crypto not in CRYPTO_MODES:
        raise ValidationError(f"unknown crypto mode {crypto!r}: use 'ecdsa' or 'sm'")
    return crypto


def coerce_key(private_key: PrivateKey | bytes | str, crypto: str) -> PrivateKey:
    """A :class:`PrivateKey` for ``crypto`` from a key object, 32 raw bytes or a hex string.

    A key object made for the other crypto mode is re-read for ``crypto`` (same secret), since
    the caller states which chain the transaction is for.
    """
    check_crypto(crypto)
    if isinstance(private_key, PrivateKey):
        if private_key.crypto == crypto:
            return private_key
        return PrivateKey(private_key.secret_bytes(), crypto)
    if isinstance(private_key, str):
        return PrivateKey.from_hex(private_key, crypto)
    if isinstance(private_key, (bytes, bytearray)):
        return PrivateKey(bytes(private_key), crypto)
    raise KeystoreError("a private key is a PrivateKey, 32 bytes or a hex string")


@dataclass(frozen=True)
class DigestSignature:
    """A signature over a 32-byte digest, in the parts both FISCO formats need.

    ECDSA: ``recid`` is 0 or 1 and ``public_key`` is empty. SM2: ``recid`` is ``None`` and
    ``public_key`` holds the signer's 64-byte key.
    """

    r: int
    s: int
    recid: int | None
    public_key: bytes = b""

    @property
    def crypto(self) -> str:
        return "ecdsa" if self.recid is not None else "sm"


def sign_digest(key: PrivateKey, digest: bytes) -> DigestSignature:
    """Sign a 32-byte digest with ``key`` in the key's crypto mode."""
    if key.crypto == "ecdsa":
        sig = key.sign_digest(digest)
        return DigestSignature(sig.r, sig.s, sig.v)
    rs = smcrypto.sm2_sign(key.secret_bytes(), digest, public_key=key.public_key)
    return DigestSignature(
        int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"), None, key.public_key
    )


def signer_address(digest: bytes, signature: DigestSignature) -> str:
    """The address that made ``signature`` over ``digest`` (EIP-55 cased).

    Raises:
        ValidationError: the ECDSA signature recovers no key, or the SM2 signature does not
            verify against the public key it carries.
    """
    if signature.recid is not None:
        if signature.recid not in (0, 1):
            raise ValidationError(f"ECDSA recovery id {signature.recid} is not 0 or 1")
        try:
            return recover_address(digest, Signature(signature.r, signature.s, signature.recid))
        except Exception as exc:  # coincurve raises plain Exception/ValueError on bad input
            raise ValidationError(f"the ECDSA signature does not recover a public key: {exc}") from exc
    rs = signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big")
    if not smcrypto.sm2_verify(signature.public_key, digest, rs):
        raise ValidationError("the SM2 signature does not verify against the public key it carries")
    return to_checksum_address(hash_function("sm")(signature.public_key[-64:])[12:])
