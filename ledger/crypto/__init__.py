"""Cryptography: the chain's hashes, private keys, SM2/SM3 and encrypted keystores.

Modules: :mod:`~ledger.crypto.hashing` (keccak256, SM3, EIP-55 addresses), :mod:`~ledger.crypto.keys`
(secp256k1 and SM2 private keys), :mod:`~ledger.crypto.sm2` (SM2 signatures and SM3 as FISCO BCOS's SM
chains use them), :mod:`~ledger.crypto.keystore` (Ethereum keystore v3 files).

Exports the hashes and keys below; keystores are read and written with
:mod:`ledger.crypto.keystore`. May import: ``ledger.errors``, ``ledger.canonical``, ``ledger.files``.
"""

from __future__ import annotations

from ledger.crypto.hashing import hash_function, keccak256, sm3, to_checksum_address
from ledger.crypto.keys import PrivateKey, Signature, recover_address

__all__ = [
    "PrivateKey",
    "Signature",
    "hash_function",
    "keccak256",
    "recover_address",
    "sm3",
    "to_checksum_address",
]
