"""The chain's hashes: keccak256 (ECDSA chains) and SM3 (SM chains), and EIP-55 addresses.

``keccak256`` uses the C extension from ``safe-pysha3`` (about 6x pycryptodome here); SM3 comes from
:mod:`ledger.crypto.sm2`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import sha3  # safe-pysha3


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak256 (not NIST SHA3-256)."""
    return sha3.keccak_256(data).digest()


def sm3(data: bytes) -> bytes:
    """SM3, the hash an SM (guomi) FISCO BCOS chain uses where Ethereum uses keccak256."""
    from ledger.crypto.sm2 import sm3_hash

    return sm3_hash(data)


def hash_function(crypto: str) -> Callable[[bytes], bytes]:
    """The chain's 32-byte hash: keccak256 on ECDSA chains, SM3 on SM chains."""
    if crypto == "ecdsa":
        return keccak256
    if crypto == "sm":
        return sm3
    raise ValueError(f"unknown crypto mode {crypto!r} (expected 'ecdsa' or 'sm')")


@functools.lru_cache(maxsize=65536)
def to_checksum_address(address_bytes: bytes) -> str:
    """EIP-55 checksummed hex of a 20-byte address."""
    hex_addr = address_bytes.hex()
    digest = keccak256(hex_addr.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_addr))
