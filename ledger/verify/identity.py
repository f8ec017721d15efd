"""Who issued a credential, in words: the institution's registered name and its verified web domain.

The ``issuer_domain`` step (reason codes below) checks the domain the credential's issuer names
(a ``did:web`` issuer id, or the issuer profile's ``url``; else the domain in this verifier's copy of
the issuer's registry metadata) against three things that must agree:

* the IssuerRegistry's entry for the issuer's account holds ``metaHash``, the hash of the
  institution's metadata document (name, domain, contact);
* ``https://<domain>/.well-known/did.json`` (fetched by :mod:`ledger.wellknown`) lists the account,
  for the deployment this verifier reads, with that metadata document;
* the metadata names that domain.

Codes: ``DOMAIN_VERIFIED`` (pass); ``NOT_APPLICABLE`` (the issuer names no domain); ``DOMAIN_UNCHECKED``
(not checked here: offline, a snapshot, or domain checks turned off) and ``DOMAIN_UNREACHABLE`` (the
document could not be fetched) are skipped steps, so the domain is shown as unchecked and the verdict
is incomplete, never valid on a domain nobody checked; ``DOMAIN_DOCUMENT_INVALID`` (the domain
answered with something that is not its DID document), ``DOMAIN_MISMATCH`` (the document does not
list this account for this deployment) and ``REGISTRY_MISMATCH`` (the registry's entry does not name
this domain) fail.

:class:`IssuerIdentities` holds what the step asks: the registry entries (a callable, answered by the
contracts or the index), this verifier's own metadata files, and the domain directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.credentials.document import Credential
from ledger.credentials.hashing import metadata_hash
from ledger.verify.report import FAIL, PASS, SKIPPED, StepResult
from ledger.verify.report import step_result as _step
from ledger.wellknown.document import (
    DeploymentRef,
    WellKnownDocumentError,
    document_url,
    domain_of_did_web,
    normalize_domain,
    parse_document,
)
from ledger.wellknown.fetch import DomainDirectory, DomainUnreachable

__all__ = ["IssuerIdentities", "IssuerIdentity", "check_domain", "check_issuer_domain", "claimed_domain"]


@dataclass(frozen=True)
class IssuerIdentity:
    """What the verifier knows of the issuer: the name the document gives, the name registered for the
    account (from metadata whose hash the registry holds), the domain, and whether it was verified."""

    address: str
    name: str
    registered_name: str | None = None
    domain: str | None = None
    domain_verified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": None,
            "address": self.address,
            "name": self.registered_name or self.name,
            "name_in_document": self.name,
            "registered_name": self.registered_name,
            "domain": self.domain,
            "domain_verified": self.domain_verified,
        }


class IssuerIdentities:
    """The registry entries, local metadata and domain documents the ``issuer_domain`` step reads.

    Args:
        deployment: the deployment this verifier reads (chain id and contract addresses).
        meta_hash: the registry's ``metaHash`` of an account (``None``: not an issuer).
        local_metadata: metadata documents this workspace keeps, by hash (``None`` when unknown).
        directory: fetches domain documents; ``None`` turns domain checks off (``DOMAIN_UNCHECKED``).
    """

    def __init__(
        self,
        deployment: DeploymentRef,
        meta_hash: Callable[[str], bytes | None],
        *,
        local_metadata: Callable[[bytes], Mapping[str, Any] | None] | None = None,
        directory: DomainDirectory | None = None,
    ) -> None:
        self.deployment = deployment
        self._meta_hash = meta_hash
        self._local = local_metadata
        self.directory = directory
        self._hashes: dict[str, bytes | None] = {}

    def meta_hash(self, address: str) -> bytes | None:
        key = address.lower()
        if key not in self._hashes:
            self._hashes[key] = self._meta_hash(address)
        return self._hashes[key]

    def local_metadata(self, digest: bytes) -> Mapping[str, Any] | None:
        """This workspace's metadata document of hash ``digest``, only if it really hashes to it."""
        if self._local is None:
            return None
        found = self._local(digest)
        if not found or metadata_hash(found) != digest:
            return None
        return found


def claimed_domain(credential: Credential) -> str | None:
    """The domain the credential's issuer names: a ``did:web`` id, else the profile's ``https`` url."""
    issuer_id = credential.issuer.id
    if issuer_id.startswith("did:web:"):
        try:
            return domain_of_did_web(issuer_id)[0]
        except WellKnownDocumentError:
            return None
    try:
        url = json.loads(credential.body).get("issuer", {}).get("url")
    except (ValueError, AttributeError):
        return None
    if isinstance(url, str) and url.startswith("https://"):
        host = url[len("https://"):].split("/", 1)[0]
        try:
            return normalize_domain(host)
        except WellKnownDocumentError:
            return None
    return None


def check_issuer_domain(
    credential: Credential, identities: IssuerIdentities | None
) -> tuple[StepResult, IssuerIdentity]:
    """The ``issuer_domain`` step and what it found out about the issuer (see the module's docstring)."""
    address = credential.issuer.address
    identity = IssuerIdentity(address, credential.issuer.name)
    domain = claimed_domain(credential)
    registered: Mapping[str, Any] | None = None
    digest = identities.meta_hash(address) if identities is not None else None
    if identities is not None and digest is not None:
        registered = identities.local_metadata(digest)
        if registered is not None:
            identity = IssuerIdentity(address, credential.issuer.name, _text(registered.get("name")))
            if domain is None and registered.get("domain"):
                try:
                    domain = normalize_domain(str(registered["domain"]))
                except WellKnownDocumentError:
                    domain = None
    if domain is None:
        return _step("issuer_domain", SKIPPED, "NOT_APPLICABLE", "the issuer names no web domain"), identity
    return check_domain(identity, domain, identities, digest)


def check_domain(
    identity: IssuerIdentity, domain: str, identities: IssuerIdentities | None, digest: bytes | None
) -> tuple[StepResult, IssuerIdentity]:
    """Whether ``domain`` is bound to the issuer account of ``identity``: its published document lists
    the account for this deployment, with the metadata whose hash (``digest``) the registry holds."""
    address = identity.address
    identity = IssuerIdentity(address, identity.name, identity.registered_name, domain)
    if identities is None or identities.directory is None or digest is None:
        why = ("domain checks are off here" if identities is not None and digest is not None
               else "needs the chain's registry entry and the network")
        return _step("issuer_domain", SKIPPED, "DOMAIN_UNCHECKED", f"{domain} not checked: {why}",
                     domain=domain), identity
    try:
        document = parse_document(identities.directory.document(document_url(domain)), domain)
    except DomainUnreachable as exc:
        return _step("issuer_domain", SKIPPED, "DOMAIN_UNREACHABLE", f"{domain} not checked: {exc.reason}",
                     domain=domain), identity
    except WellKnownDocumentError as exc:
        return _step("issuer_domain", FAIL, "DOMAIN_DOCUMENT_INVALID",
                     f"{domain} does not publish a valid document: {exc.reason}", domain=domain), identity
    deployment = identities.deployment
    if document.issuers_of(deployment) is None:
        return _step("issuer_domain", FAIL, "DOMAIN_MISMATCH",
                     f"{domain} lists no deployment of chain {deployment.chain_id} with IssuerRegistry "
                     f"{deployment.issuer_registry}", domain=domain), identity
    published = document.issuer(deployment, address)
    if published is None:
        return _step("issuer_domain", FAIL, "DOMAIN_MISMATCH",
                     f"{domain} does not list the issuer account {address}", domain=domain), identity
    named = published.metadata.get("domain")
    try:
        same_domain = named is not None and normalize_domain(str(named)) == domain
    except WellKnownDocumentError:
        same_domain = False
    if metadata_hash(published.metadata) != digest or not same_domain:
        return _step("issuer_domain", FAIL, "REGISTRY_MISMATCH",
                     f"the registry's entry for {address} does not name {domain} (its metadata hash differs from "
                     "the metadata the domain publishes)", domain=domain), identity
    name = _text(published.metadata.get("name"))
    identity = IssuerIdentity(address, identity.name, name or identity.registered_name, domain, True)
    return _step("issuer_domain", PASS, "DOMAIN_VERIFIED",
                 f"{domain} publishes this issuer account for this deployment, and the registry's entry names "
                 f"{domain}", domain=domain), identity


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
