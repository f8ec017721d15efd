"""The hash of a credential: the domain-separated hash of its canonical body.

Profile 1 (credentials written before issue 20): ``credential_hash(body)`` is
``H(HASH_DOMAIN_TAG || body)``. Profile 2 (selective disclosure): every disclosable field gets a salted
digest (:func:`field_digest`) and the hash commits to the rest of the document and to those digests
(:func:`committed_hash`), so a field can be withheld by giving its digest instead of its value and salt.
``H`` is named by the proof's ``hashAlgorithm`` (:func:`hash_function`: keccak256, or SM3 on SM chains). It is a module of its own
because everything that handles credentials hashes them (stamping a batch, parsing, verifying,
building proofs) while none of that needs the document model.

:func:`metadata_hash` is the other hash of a document that goes on chain: that of an off-chain
metadata document (an issuer's name and domain, a certificate type's name), which the registries hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sha3  # safe-pysha3

from ledger.canonical import canonicalize
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.merkle import Hasher
from ledger.crypto.hashing import keccak256

__all__ = [
    "FIELD_DOMAIN_TAG",
    "HASH_DOMAIN_TAG",
    "HASH_DOMAIN_TAG_V2",
    "METADATA_DOMAIN",
    "committed_hash",
    "credential_hash",
    "field_digest",
    "hash_function",
    "metadata_hash",
]

#: Prefix of every credential hash pre-image; the NUL cannot start a JSON text.
HASH_DOMAIN_TAG = b"fisco-talent-ledger/credential/v1\x00"

#: Prefix of every metadata document's hash pre-image.
METADATA_DOMAIN = b"ledger:metadata:v1\x00"

_HASHERS: dict[str, Hasher] = {"keccak256": keccak256}


def metadata_hash(document: Mapping[str, Any]) -> bytes:
    """Hash of an off-chain metadata document (issuer or type), as anchored on chain."""
    return keccak256(METADATA_DOMAIN + canonicalize(dict(document)))


def hash_function(name: str) -> Hasher:
    """The hash named by a proof's ``hashAlgorithm``: ``keccak256`` or ``sm3``."""
    if name == "sm3":
        from ledger.crypto.hashing import sm3

        return sm3
    try:
        return _HASHERS[name]
    except KeyError:
        raise CredentialFormatError("proof.hashAlgorithm", f"unknown hash algorithm {name!r}") from None


def credential_hash(body: bytes, hash_algorithm: str = "keccak256") -> bytes:
    """``H(HASH_DOMAIN_TAG || body)`` where ``body`` is the canonical JSON without ``proof``."""
    if hash_algorithm == "keccak256":
        return sha3.keccak_256(HASH_DOMAIN_TAG + body).digest()
    return hash_function(hash_algorithm)(HASH_DOMAIN_TAG + body)


#: Prefix of the hash pre-image of a credential with selective disclosure (profile 2).
HASH_DOMAIN_TAG_V2 = b"fisco-talent-ledger/credential/v2\x00"
#: Prefix of the pre-image of one disclosable field's digest.
FIELD_DOMAIN_TAG = b"fisco-talent-ledger/field/v1\x00"


def field_digest(path: str, salt: bytes, value: bytes, hash_algorithm: str = "keccak256") -> bytes:
    """The digest of one disclosable field: ``H(FIELD_DOMAIN_TAG || JCS([salt hex, path, value]))``.

    ``value`` is the field's value as canonical JSON (RFC 8785); ``path`` is one of
    :data:`ledger.credentials.disclosure.DISCLOSABLE` (plain ASCII, so it needs no escaping).
    """
    data = b'%s["%s","%s",%s]' % (FIELD_DOMAIN_TAG, salt.hex().encode(), path.encode(), value)
    if hash_algorithm == "keccak256":
        return sha3.keccak_256(data).digest()
    return hash_function(hash_algorithm)(data)


def committed_hash(fixed: bytes, digests: dict[str, bytes], hash_algorithm: str = "keccak256") -> bytes:
    """The hash of a credential of profile 2: ``H(HASH_DOMAIN_TAG_V2 || JCS({"credential": fixed,
    "disclosures": {path: "0x" + digest}}))``, where ``fixed`` is the canonical document without its
    proof and without its disclosable fields, and ``digests`` holds every disclosable field's digest,
    disclosed or withheld."""
    members = ",".join(f'"{p}":"0x{digests[p].hex()}"' for p in sorted(digests))
    data = b"%s{\"credential\":%s,\"disclosures\":{%s}}" % (HASH_DOMAIN_TAG_V2, fixed, members.encode())
    if hash_algorithm == "keccak256":
        return sha3.keccak_256(data).digest()
    return hash_function(hash_algorithm)(data)
