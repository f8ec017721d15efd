"""The ``.well-known`` document an institution publishes: a DID document of ``did:web:<domain>``.

Shape (what :func:`build_document` writes and :func:`parse_document` reads)::

    {
      "@context": ["https://www.w3.org/ns/did/v1",
                   "https://w3id.org/security/suites/secp256k1recovery-2020/v2"],
      "id": "did:web:university.example",
      "verificationMethod": [{
          "id": "did:web:university.example#chain-20200-0x5b38...",
          "type": "EcdsaSecp256k1RecoveryMethod2020",        (BlockchainVerificationMethod2021 on SM chains)
          "controller": "did:web:university.example",
          "blockchainAccountId": "eip155:20200:0x5B38..."}],
      "assertionMethod": ["did:web:university.example#chain-20200-0x5b38..."],
      "service": [{
          "id": "did:web:university.example#talent-ledger-20200",
          "type": "TalentLedgerDeployment",
          "serviceEndpoint": {
              "chainId": 20200,
              "issuerRegistry": "0x...", "contributionLedger": "0x...", "credentialRegistry": "0x...",
              "issuers": [{"verificationMethod": "did:web:university.example#chain-20200-0x5b38...",
                           "metadata": {"type": "ledger:Issuer", "name": "...", "domain": "university.example"}}]}}]
    }

The chain account is a verification method (CAIP-10 ``blockchainAccountId``) listed under
``assertionMethod``, so the same document is the DID document of ``did:web:<domain>`` that credentials
naming that issuer id resolve to. The service entry carries what a DID document has no term for: the
deployment the account issues in, and the metadata document whose hash the IssuerRegistry holds for the
account (so the committee's registration, the domain and the account can be compared).

A domain is a host name (``university.example``), optionally with a port (``localhost:8443``; in a
did:web the colon is written ``%3A``). IP literals are not domains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from ledger.canonical import NotJSONError, loads_lax
from ledger.crypto.hashing import to_checksum_address
from ledger.errors import ValidationError

__all__ = [
    "DID_CONTEXT",
    "SERVICE_TYPE",
    "DeploymentRef",
    "PublishedIssuer",
    "WellKnownDocument",
    "WellKnownDocumentError",
    "account_id",
    "build_document",
    "did_web",
    "document_url",
    "domain_of_did_web",
    "normalize_domain",
    "parse_document",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
SECP256K1_CONTEXT = "https://w3id.org/security/suites/secp256k1recovery-2020/v2"
#: The service type naming a deployment of this ledger's contracts.
SERVICE_TYPE = "TalentLedgerDeployment"
_METHOD_TYPES = {"ecdsa": "EcdsaSecp256k1RecoveryMethod2020", "sm": "BlockchainVerificationMethod2021"}

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ACCOUNT = re.compile(r"eip155:([0-9]{1,20}):(0x[0-9a-fA-F]{40})")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class WellKnownDocumentError(ValidationError):
    """A ``.well-known`` document (or a domain) is not what this module reads; ``reason`` says why."""

    def __init__(self, reason: str, *, hint: str | None = None) -> None:
        super().__init__(reason, hint=hint)
        self.reason = reason


def normalize_domain(text: str) -> str:
    """``University.Example`` -> ``university.example``; ``https://x.example:8443/`` -> ``x.example:8443``.

    Raises:
        WellKnownDocumentError: not a host name (with an optional port): an IP literal, a path, a user.
    """
    if not isinstance(text, str):
        raise WellKnownDocumentError(f"a domain is text, not {type(text).__name__}")
    value = text.strip().lower()
    if value.startswith("https://"):
        value = value[len("https://"):].rstrip("/")
    host, _, port = value.partition(":")
    labels = host.split(".")
    if (
        not host
        or len(host) > 253
        or any(c in value for c in "/@?#[] ")
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()  # 10.0.0.1 is an address, not a domain
    ):
        raise WellKnownDocumentError(
            f"{text!r} is not a web domain (a host name such as university.example, optionally :port)"
        )
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise WellKnownDocumentError(f"{text!r}: the port must be a number from 1 to 65535")
        return f"{host}:{int(port)}"
    return host


def did_web(domain: str) -> str:
    """``did:web:<domain>`` (a port's colon percent-encoded, as the did:web method says)."""
    return "did:web:" + quote(normalize_domain(domain), safe=".-")


def domain_of_did_web(did: str) -> tuple[str, tuple[str, ...]]:
    """The domain of a ``did:web`` and the path segments after it (``did:web:x.example:dept`` -> ``("dept",)``).

    Raises:
        WellKnownDocumentError: not a did:web.
    """
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise WellKnownDocumentError(f"{did!r} is not a did:web")
    first, *path = did[len("did:web:"):].split(":")
    return normalize_domain(unquote(first)), tuple(unquote(p) for p in path)


def document_url(did_or_domain: str) -> str:
    """Where the DID document of a did:web (or of a bare domain) is published."""
    if did_or_domain.startswith("did:web:"):
        domain, path = domain_of_did_web(did_or_domain)
    else:
        domain, path = normalize_domain(did_or_domain), ()
    tail = "/".join(quote(p, safe="") for p in path) + "/did.json" if path else ".well-known/did.json"
    return f"https://{domain}/{tail}"


def account_id(chain_id: int, address: str) -> str:
    """The CAIP-10 id of an account on an EVM chain: ``eip155:<chain id>:<checksummed address>``."""
    if not _ADDRESS.fullmatch(address or ""):
        raise WellKnownDocumentError(f"{address!r} is not an address (0x + 40 hex digits)")
    return f"eip155:{int(chain_id)}:{to_checksum_address(bytes.fromhex(address[2:]))}"


@dataclass(frozen=True)
class DeploymentRef:
    """A deployment of the contracts: the chain and the three addresses (checksummed)."""

    chain_id: int
    issuer_registry: str
    contribution_ledger: str
    credential_registry: str

    def same_registry(self, other: DeploymentRef) -> bool:
        return self.chain_id == other.chain_id and self.issuer_registry.lower() == other.issuer_registry.lower()


@dataclass(frozen=True)
class PublishedIssuer:
    """An issuer account as the domain publishes it: its address, and its registry metadata document."""

    address: str
    metadata: Mapping[str, Any]
    crypto: str = "ecdsa"


@dataclass(frozen=True)
class WellKnownDocument:
    """What a domain's document says: its DID, and per deployment the issuer accounts it vouches for."""

    did: str
    domain: str
    deployments: tuple[tuple[DeploymentRef, tuple[PublishedIssuer, ...]], ...] = field(default=())

    def issuers_of(self, deployment: DeploymentRef) -> tuple[PublishedIssuer, ...] | None:
        """The issuers published for ``deployment`` (same chain and IssuerRegistry), None if it is not listed."""
        for ref, issuers in self.deployments:
            if ref.same_registry(deployment):
                return issuers
        return None

    def issuer(self, deployment: DeploymentRef, address: str) -> PublishedIssuer | None:
        for issuer in self.issuers_of(deployment) or ():
            if issuer.address.lower() == address.lower():
                return issuer
        return None


def _method_id(did: str, chain_id: int, address: str) -> str:
    return f"{did}#chain-{int(chain_id)}-{address.lower()}"


def build_document(domain: str, deployment: DeploymentRef, issuers: Sequence[PublishedIssuer]) -> dict[str, Any]:
    """The document ``domain`` publishes at ``/.well-known/did.json`` for ``issuers`` of ``deployment``.

    Raises:
        WellKnownDocumentError: a bad domain or address, no issuer, or an issuer whose metadata names
            another domain (the registry's entry would not match).
    """
    name = normalize_domain(domain)
    did = did_web(name)
    if not issuers:
        raise WellKnownDocumentError("a .well-known document lists at least one issuer account")
    methods, published = [], []
    for issuer in issuers:
        claimed = issuer.metadata.get("domain")
        if not claimed or normalize_domain(str(claimed)) != name:
            raise WellKnownDocumentError(
                f"issuer {issuer.address} is registered with domain {claimed or '(none)'!r}, not {name!r}",
                hint="register the issuer with --domain (its metadata's hash is what the registry holds)",
            )
        method = _method_id(did, deployment.chain_id, issuer.address)
        methods.append({
            "id": method,
            "type": _METHOD_TYPES.get(issuer.crypto, _METHOD_TYPES["ecdsa"]),
            "controller": did,
            "blockchainAccountId": account_id(deployment.chain_id, issuer.address),
        })
        published.append({"verificationMethod": method, "metadata": dict(issuer.metadata)})
    return {
        "@context": [DID_CONTEXT, SECP256K1_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
        "service": [{
            "id": f"{did}#talent-ledger-{int(deployment.chain_id)}",
            "type": SERVICE_TYPE,
            "serviceEndpoint": {
                "chainId": int(deployment.chain_id),
                "issuerRegistry": deployment.issuer_registry,
                "contributionLedger": deployment.contribution_ledger,
                "credentialRegistry": deployment.credential_registry,
                "issuers": published,
            },
        }],
    }


def _address(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise WellKnownDocumentError(f"{where} is not an address (0x + 40 hex digits)")
    return to_checksum_address(bytes.fromhex(value[2:]))


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (str, dict)):
        return [value]
    raise WellKnownDocumentError(f"{where} must be a list")


def parse_document(source: bytes | str | Mapping[str, Any], domain: str) -> WellKnownDocument:
    """Read the document ``domain`` published: it must be the DID document of ``did:web:<domain>``.

    Verification methods count only when listed under ``assertionMethod``; an issuer entry of the
    service must name one of them, whose CAIP-10 account is on the deployment's chain.

    Raises:
        WellKnownDocumentError: not JSON, not that DID's document, or a malformed service entry.
    """
    name = normalize_domain(domain)
    if isinstance(source, (bytes, str)):
        try:
            data = loads_lax(source)
        except NotJSONError as exc:
            raise WellKnownDocumentError(f"the document of {name} is not JSON: {exc}") from None
    else:
        data = source
    if not isinstance(data, Mapping):
        raise WellKnownDocumentError(f"the document of {name} is not a JSON object")
    did = did_web(name)
    if data.get("id") != did:
        raise WellKnownDocumentError(f"the document of {name} is not the DID document of {did} (its id is "
                                     f"{str(data.get('id'))[:100]!r})")
    assertion = {m if isinstance(m, str) else m.get("id") for m in _list(data.get("assertionMethod"), "assertionMethod")
                 if isinstance(m, (str, dict))}
    accounts: dict[str, tuple[int, str]] = {}
    for i, method in enumerate(_list(data.get("verificationMethod"), "verificationMethod")):
        if not isinstance(method, dict) or not isinstance(method.get("id"), str):
            raise WellKnownDocumentError(f"verificationMethod[{i}] is not an object with an id")
        found = _ACCOUNT.fullmatch(str(method.get("blockchainAccountId", "")))
        if found and method["id"] in assertion:
            accounts[method["id"]] = (int(found.group(1)), _address(found.group(2), f"verificationMethod[{i}]"))
    deployments = []
    for i, service in enumerate(_list(data.get("service"), "service")):
        if not isinstance(service, dict):
            raise WellKnownDocumentError(f"service[{i}] is not an object")
        types = service.get("type")
        if SERVICE_TYPE not in ([types] if isinstance(types, str) else types if isinstance(types, list) else []):
            continue
        where = f"service[{i}].serviceEndpoint"
        endpoint = service.get("serviceEndpoint")
        if not isinstance(endpoint, dict):
            raise WellKnownDocumentError(f"{where} must be an object naming the deployment")
        chain_id = endpoint.get("chainId")
        if type(chain_id) is not int or chain_id < 0:
            raise WellKnownDocumentError(f"{where}.chainId must be a whole number")
        ref = DeploymentRef(
            chain_id,
            _address(endpoint.get("issuerRegistry"), f"{where}.issuerRegistry"),
            _address(endpoint.get("contributionLedger"), f"{where}.contributionLedger"),
            _address(endpoint.get("credentialRegistry"), f"{where}.credentialRegistry"),
        )
        issuers = []
        for j, entry in enumerate(_list(endpoint.get("issuers"), f"{where}.issuers")):
            if not isinstance(entry, dict) or not isinstance(entry.get("metadata"), dict):
                raise WellKnownDocumentError(f"{where}.issuers[{j}] must name a verificationMethod and its metadata")
            account = accounts.get(entry.get("verificationMethod"))  # type: ignore[arg-type]
            if account is None or account[0] != chain_id:
                continue  # not an assertion method of this document, or an account on another chain
            issuers.append(PublishedIssuer(account[1], dict(entry["metadata"])))
        deployments.append((ref, tuple(issuers)))
    return WellKnownDocument(did, name, tuple(deployments))
