"""An institution's identity bound to its web domain: the ``.well-known`` document (did:web).

An issuer's registry entry names its domain through the metadata document whose hash the registry
holds (``metaHash``: name, domain, contact). The institution publishes, under
``https://<domain>/.well-known/did.json``, a DID document of ``did:web:<domain>`` that lists its chain
accounts as verification methods and, in a service entry, the deployment (chain id, the three contract
addresses) and each issuer's metadata document. A verifier that fetches it over verified TLS and finds
the issuer's account there, for the deployment it reads, with metadata hashing to the registry's
``metaHash`` and naming that domain, knows that the domain, the committee's registration and the
account agree.

Modules: :mod:`~ledger.wellknown.document` (building and reading the document, did:web names),
:mod:`~ledger.wellknown.fetch` (fetching it: HTTPS only, verified certificates, size and time limits,
no private addresses unless allowed, a short cache).

The package imports none of its modules: ``from ledger.wellknown.document import build_document``,
``from ledger.wellknown.fetch import DomainDirectory`` (fetching needs nothing of the credentials).

May import: ``ledger.credentials`` (its did:web and DID-document identifiers) and everything below it.
"""

from __future__ import annotations

__all__: list[str] = []  # import from the modules (see above), so that importing one does not load both
