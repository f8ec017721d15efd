"""Identifiers in a credential, and the DID documents they resolve to.

Issuers (an institution):

* ``did:web:<domain>`` when the issuer's registry metadata names a domain (``ledger issuer add
  --domain``): resolved, as did:web says, from ``https://<domain>/.well-known/did.json``, the DID
  document the institution publishes (:func:`issuer_did_document` makes it), which lists its chain
  account(s) as verification methods. The credential's issuer profile also names the chain account
  (``otherIdentifier``), so that verification compares it with the account that anchored the credential,
  as for the method below.
* otherwise ``did:fisco:<chainId>:<0x address>``, a method of our own naming one account on one chain
  (decimal chain id, 40 lower-case hex digits). It resolves without the network: the DID document is
  derived from the identifier (:func:`account_did_document`), one verification method holding the
  account (``blockchainAccountId``, CAIP-10), authorised for ``assertionMethod``. What the account may do
  (its kind, scope, status at a block) is the deployment's IssuerRegistry's answer, which verification asks.

Resources of a deployment (subjects, certificate types, contributions) are DID URLs under the
deployment's DID, ``did:fisco:<chainId>:<IssuerRegistry>`` (the address ``ledger init --join`` takes)::

    <deployment DID>/subjects/0x<64 hex>              a pseudonymous subject (credentialSubject.id)
    <deployment DID>/types/<typeId>/versions/<v>      a certificate type version (achievement.id)
    <deployment DID>/contributions/0x<64 hex>         a recorded contribution (evidence id)

We define the did:fisco method, so its namespace is ours to mint in (unlike an unregistered URN
namespace), every id names the deployment it belongs to, and :mod:`ledger` dereferences each against
that deployment's contracts. Credentials written before issue 20 use ``urn:ledger:subject:``,
``urn:ledger:type:`` and ``urn:ledger:contribution:`` ids, which are still read.

A proof's ``verificationMethod`` is ``<issuer DID>#fisco-<chainId>-<0x address>``
(:func:`verification_method`): the chain account in the issuer's DID document.
"""

from __future__ import annotations

import re
from typing import Any

from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.vocabulary import LEDGER_CONTEXT
from ledger.crypto.hashing import to_checksum_address

__all__ = [
    "ACCOUNT_DID",
    "CONTRIBUTION_URL",
    "SUBJECT_URL",
    "TYPE_URL",
    "WEB_DID",
    "account_did",
    "account_did_document",
    "account_methods",
    "contribution_url",
    "did_web_document_url",
    "issuer_did_document",
    "parse_account_did",
    "subject_url",
    "type_url",
    "verification_method",
    "web_did",
]

_CHAIN = r"(0|[1-9][0-9]{0,18})"
_HEX40 = r"0x[0-9a-f]{40}"
ACCOUNT_DID = re.compile(rf"^did:fisco:{_CHAIN}:({_HEX40})\Z")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = rf"{_LABEL}(?:\.{_LABEL})+"
WEB_DID = re.compile(rf"^did:web:({_HOST})(?:%3A([1-9][0-9]{{0,4}}))?\Z")  # a port is written %3A<port>
SUBJECT_URL = re.compile(rf"^did:fisco:{_CHAIN}:({_HEX40})/subjects/(0x[0-9a-f]{{64}})\Z")
CONTRIBUTION_URL = re.compile(rf"^did:fisco:{_CHAIN}:({_HEX40})/contributions/(0x[0-9a-f]{{64}})\Z")
TYPE_URL = re.compile(rf"^did:fisco:{_CHAIN}:({_HEX40})/types/([0-9]{{1,20}})/versions/([0-9]{{1,20}})\Z")

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}\Z")
_DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/secp256k1recovery-2020/v2"]


def account_did(chain_id: int, address: str) -> str:
    """``did:fisco:<chainId>:<address>`` of an account (an issuer's key, or a deployment's IssuerRegistry)."""
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise CredentialFormatError("issuer.id", f"{address!r} is not an address (0x + 40 hex digits)")
    if type(chain_id) is not int or not 0 <= chain_id < 10**19:
        raise CredentialFormatError("issuer.id", f"{chain_id!r} is not a chain id")
    return f"did:fisco:{chain_id}:{address.lower()}"


def parse_account_did(did: str, path: str = "issuer.id") -> tuple[int, str]:
    """``(chain id, lower-case address)`` of a ``did:fisco`` account DID."""
    m = ACCOUNT_DID.match(did) if isinstance(did, str) else None
    if m is None:
        raise CredentialFormatError(path, f"{did!r:.80} is not did:fisco:<chainId>:<0x address, lower case>")
    return int(m.group(1)), m.group(2)


def web_did(domain: str) -> str:
    """``did:web:<domain>`` for an institution's domain (a host name, lower case, no path; a port, as in
    ``uni.example.edu:8443``, is written ``%3A8443`` as did:web says).

    Raises:
        CredentialFormatError: not a host name (``uni.example.edu``); an IDN goes in its ``xn--`` form.
    """
    text = domain.strip().lower() if isinstance(domain, str) else ""
    host, _, port = text.partition(":")
    host = host.rstrip(".")
    did = f"did:web:{host}" + (f"%3A{port}" if port else "")
    if not WEB_DID.match(did) or len(host) > 253 or (port and int(port) > 65535):
        raise CredentialFormatError(
            "issuer.id", f"{domain!r:.80} is not a domain name for did:web (like uni.example.edu, no scheme or path)"
        )
    return did


def did_web_document_url(did: str) -> str:
    """Where a ``did:web`` DID document is published: ``https://<domain>/.well-known/did.json``."""
    m = WEB_DID.match(did)
    if m is None:
        raise CredentialFormatError("issuer.id", f"{did!r:.80} is not did:web:<domain>")
    port = f":{m.group(2)}" if m.group(2) else ""
    return f"https://{m.group(1)}{port}/.well-known/did.json"


def subject_url(deployment: str, subject: bytes) -> str:
    """``<deployment DID>/subjects/0x<id>``."""
    return f"{deployment}/subjects/0x{subject.hex()}"


def type_url(deployment: str, type_id: int, version: int) -> str:
    """``<deployment DID>/types/<id>/versions/<version>``."""
    return f"{deployment}/types/{int(type_id)}/versions/{int(version)}"


def contribution_url(deployment: str, key: bytes) -> str:
    """``<deployment DID>/contributions/0x<key>``."""
    return f"{deployment}/contributions/0x{key.hex()}"


def verification_method(issuer_id: str, chain_id: int, address: str) -> str:
    """``<issuer DID>#fisco-<chainId>-<address>``: the issuer's chain account as a verification method."""
    return f"{issuer_id}#fisco-{int(chain_id)}-{address.lower()}"


def _method(controller: str, chain_id: int, address: str, crypto: str) -> dict[str, Any]:
    checksum = to_checksum_address(bytes.fromhex(address[2:]))
    if crypto == "sm":
        # No registered verification method type describes an SM2/SM3 account; ours names it.
        return {"id": verification_method(controller, chain_id, address), "type": "FiscoSm2Account2026",
                "controller": controller, "blockchainAccountId": f"fisco-sm:{chain_id}:{checksum}"}
    return {"id": verification_method(controller, chain_id, address), "type": "EcdsaSecp256k1RecoveryMethod2020",
            "controller": controller, "blockchainAccountId": f"eip155:{chain_id}:{checksum}"}


def account_did_document(did: str, *, crypto: str = "ecdsa") -> dict[str, Any]:
    """The DID document of a ``did:fisco`` account, derived from the DID alone (no network).

    Args:
        crypto: ``ecdsa`` (secp256k1 accounts, CAIP-10 ``eip155``) or ``sm`` (SM2 accounts of an SM chain).
    """
    chain_id, address = parse_account_did(did, "did")
    method = _method(did, chain_id, address, crypto)
    return {"@context": [*_DID_CONTEXTS, LEDGER_CONTEXT], "id": did, "verificationMethod": [method],
            "authentication": [method["id"]], "assertionMethod": [method["id"]]}


def issuer_did_document(
    domain: str, accounts: list[tuple[int, str]], *, crypto: str = "ecdsa", registry: str | None = None
) -> dict[str, Any]:
    """The DID document an institution publishes at ``https://<domain>/.well-known/did.json``.

    Lists each chain account (``(chain id, address)``) the institution issues with as a verification
    method for ``assertionMethod``; with ``registry`` (the deployment's IssuerRegistry), a service entry
    naming the deployment, so a verifier can tell which consortium the accounts belong to.
    """
    did = web_did(domain)
    methods = [_method(did, int(c), a.lower(), crypto) for c, a in accounts]
    doc: dict[str, Any] = {"@context": [*_DID_CONTEXTS, LEDGER_CONTEXT], "id": did, "verificationMethod": methods,
                           "assertionMethod": [m["id"] for m in methods]}
    if registry is not None:
        chain_id = int(accounts[0][0]) if accounts else 0
        doc["service"] = [{"id": f"{did}#fisco-ledger", "type": "FiscoTalentLedger",
                           "serviceEndpoint": account_did(chain_id, registry)}]
    return doc


def account_methods(document: Any, did: str) -> list[tuple[int, str]]:
    """``(chain id, lower-case address)`` of each account a DID document authorises for ``assertionMethod``.

    For the domain check of a did:web issuer: a fetched document is untrusted input, so anything not of
    the expected shape is skipped, never raised on.
    """
    if not isinstance(document, dict) or document.get("id") != did:
        return []
    allowed = {m for m in document.get("assertionMethod", []) if isinstance(m, str)}
    found = []
    for method in document.get("verificationMethod", []):
        if not isinstance(method, dict) or method.get("id") not in allowed or method.get("controller") != did:
            continue
        account = method.get("blockchainAccountId")
        parts = account.split(":") if isinstance(account, str) else []
        if len(parts) == 3 and parts[0] in ("eip155", "fisco-sm") and parts[1].isdigit() and _ADDRESS.match(parts[2]):
            found.append((int(parts[1]), parts[2].lower()))
    return found
