"""The ``.well-known`` document an institution publishes: the DID document of ``did:web:<domain>``.

The DID document is the one :func:`ledger.credentials.identifiers.issuer_did_document` describes (the
chain accounts as verification methods for ``assertionMethod``, CAIP-10 ``blockchainAccountId``, a
``FiscoTalentLedger`` service naming the deployment's IssuerRegistry DID), so that credentials whose
issuer is ``did:web:<domain>`` resolve to it. :func:`build_document` adds one service entry with what
a DID document has no term for: the deployment's contracts, and each account's registry metadata::

    {"id": "did:web:university.example#talent-ledger-20200",
     "type": "TalentLedgerDeployment",
     "serviceEndpoint": {
         "chainId": 20200,
         "issuerRegistry": "0x...", "contributionLedger": "0x...", "credentialRegistry": "0x...",
         "issuers": [{"account": "eip155:20200:0x5B38...",
                      "metadata": {"type": "ledger:Issuer", "name": "...", "domain": "university.example"}}]}}

The metadata is the document whose hash the IssuerRegistry holds for the account, so a verifier can
compare the committee's registration, the domain and the account.

A domain is a host name with at least one dot (``university.example``), optionally with a port
(``university.example:8443``; in the DID the colon is written ``%3A``). IP literals are not domains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from ledger.canonical import NotJSONError, loads_lax
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.identifiers import account_methods, did_web_document_url, issuer_did_document, web_did
from ledger.crypto.hashing import to_checksum_address
from ledger.errors import ValidationError

__all__ = [
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

#: The service type naming a deployment of this ledger's contracts and its issuers' metadata.
SERVICE_TYPE = "TalentLedgerDeployment"

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ACCOUNT = re.compile(r"(?:eip155|fisco-sm):([0-9]{1,20}):(0x[0-9a-fA-F]{40})")
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
        or len(labels) < 2  # did:web names a host with a domain, not a single label like localhost
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
    try:
        return web_did(normalize_domain(domain))
    except CredentialFormatError as exc:
        raise WellKnownDocumentError(exc.reason) from None


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
    if path:
        return f"https://{domain}/" + "/".join(quote(p, safe="") for p in path) + "/did.json"
    return did_web_document_url(did_web(domain))


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
    cryptos = {issuer.crypto for issuer in issuers}
    if len(cryptos) > 1:
        raise WellKnownDocumentError("the accounts of one deployment are all ECDSA or all SM2")
    published = []
    for issuer in issuers:
        claimed = issuer.metadata.get("domain")
        if not claimed or normalize_domain(str(claimed)) != name:
            raise WellKnownDocumentError(
                f"issuer {issuer.address} is registered with domain {claimed or '(none)'!r}, not {name!r}",
                hint="register the issuer with --domain (its metadata's hash is what the registry holds)",
            )
        account = account_id(deployment.chain_id, issuer.address)
        if issuer.crypto == "sm":  # as the DID document names an SM2 account (ledger.credentials.identifiers)
            account = "fisco-sm" + account[len("eip155"):]
        published.append({"account": account, "metadata": dict(issuer.metadata)})
    document = issuer_did_document(
        name, [(deployment.chain_id, issuer.address) for issuer in issuers], crypto=cryptos.pop(),
        registry=deployment.issuer_registry,
    )
    document["id"] = did  # the same DID; a port written as did:web writes it
    document.setdefault("service", []).append({
        "id": f"{did}#talent-ledger-{int(deployment.chain_id)}",
        "type": SERVICE_TYPE,
        "serviceEndpoint": {
            "chainId": int(deployment.chain_id),
            "issuerRegistry": deployment.issuer_registry,
            "contributionLedger": deployment.contribution_ledger,
            "credentialRegistry": deployment.credential_registry,
            "issuers": published,
        },
    })
    return document


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

    An issuer entry of the service counts only when its CAIP-10 account is on the deployment's chain and
    is a verification method of this DID listed under ``assertionMethod``.

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
    accounts = set(account_methods(dict(data), did))  # (chain id, address) authorised for assertionMethod
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
                raise WellKnownDocumentError(f"{where}.issuers[{j}] must name an account and its metadata")
            found = _ACCOUNT.fullmatch(str(entry.get("account", "")))
            if found is None or int(found.group(1)) != chain_id:
                continue  # not an account on the deployment's chain
            address = found.group(2).lower()
            if (chain_id, address) not in accounts:
                continue  # not a verification method of this DID for assertionMethod
            issuers.append(PublishedIssuer(_address(address, f"{where}.issuers[{j}]"), dict(entry["metadata"])))
        deployments.append((ref, tuple(issuers)))
    return WellKnownDocument(did, name, tuple(deployments))
