"""The JSON-LD contexts a credential lists, and the context of our own that the package ships.

Every credential since issue 20 lists three contexts, in this order::

    "@context": ["https://www.w3.org/ns/credentials/v2",                           W3C VC 2.0
                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",     Open Badges 3.0.3
                 "https://w3id.org/fisco-talent-ledger/credentials/v1"]            ours (LEDGER_CONTEXT)

Ours defines the terms the other two do not: ``typeId`` and ``typeVersion``, the on-chain certificate
type of an achievement (integers). Nothing relies on ``@vocab`` (gone from the VC 2.0 context since July
2024) or on the undefined-terms context. The proof needs no term of ours: it is a ``DataIntegrityProof``
(defined by the VC context) whose ``proofValue`` carries everything of our cryptosuites
(:mod:`ledger.credentials.proof`). The context is versioned by its URL: a change of meaning gets a new
URL (``.../credentials/v2``), and every version ever listed in a credential stays in the package.

The URL is a w3id.org permanent identifier, meant to redirect to wherever the project serves the file
(``ledger serve`` mounts :func:`context_document`); processors in this package never fetch it, they load
the copy shipped here (:func:`context_document`). Credentials written before issue 20 list only the
first two contexts (:data:`LEGACY_CONTEXTS`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "CONTEXTS",
    "CONTEXT_MEDIA_TYPE",
    "LEDGER_CONTEXT",
    "LEDGER_VOCAB",
    "LEGACY_CONTEXTS",
    "OB_CONTEXT",
    "VC_CONTEXT",
    "context_document",
    "context_documents",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Our own context, version 1 (shipped as ``ledger/credentials/contexts/credentials-v1.jsonld``).
LEDGER_CONTEXT = "https://w3id.org/fisco-talent-ledger/credentials/v1"
#: Where the terms of our context point (``typeId`` is ``LEDGER_VOCAB + "typeId"``).
LEDGER_VOCAB = "https://w3id.org/fisco-talent-ledger/vocab#"
#: The ``@context`` of every credential written now.
CONTEXTS = (VC_CONTEXT, OB_CONTEXT, LEDGER_CONTEXT)
#: The ``@context`` of credentials written before issue 20 (they keep verifying).
LEGACY_CONTEXTS = (VC_CONTEXT, OB_CONTEXT)
#: The media type to serve a context document with.
CONTEXT_MEDIA_TYPE = "application/ld+json"

_FILES = {LEDGER_CONTEXT: "credentials-v1.jsonld"}


@cache
def _text(url: str) -> str:
    return resources.files("ledger.credentials").joinpath("contexts").joinpath(_FILES[url]).read_text("utf-8")


def context_document(url: str = LEDGER_CONTEXT) -> dict[str, Any]:
    """A fresh copy of our context document published at ``url`` (a JSON-LD context, ``{"@context": ...}``).

    For ``ledger serve`` to mount at the URL's path, and for JSON-LD processors' document loaders.

    Raises:
        KeyError: ``url`` is not one of our context URLs.
    """
    if url not in _FILES:
        raise KeyError(f"{url} is not a context of this project (known: {', '.join(_FILES)})")
    return json.loads(_text(url))  # type: ignore[no-any-return]


def context_documents() -> dict[str, dict[str, Any]]:
    """Every context this project ever published, by URL (each a fresh copy)."""
    return {url: context_document(url) for url in _FILES}
