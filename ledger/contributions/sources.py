"""Where a contribution comes from: its source, the key derived from it, and its project.

A contribution is identified by its *source*: the platform, repository and pull request, merge
request, commit or issue it stands for, e.g. ``github.com/FISCO-BCOS/console/pull/812``. Its key is a
domain-separated hash of the normalised source, so the same PR claimed twice gives the same key and
the contract refuses the second claim. The project is the repository (``github.com/fisco-bcos/console``)
hashed the same way.
"""

from __future__ import annotations

import re

from ledger.crypto.hashing import keccak256

KEY_DOMAIN = b"ledger:contribution:v1\x00"


PROJECT_DOMAIN = b"ledger:project:v1\x00"


_SOURCE = re.compile(
    r"^(?P<project>[a-z0-9.-]+\.[a-z]{2,}/[\w.-]+/[\w.-]+?)(?:\.git)?"
    r"/(?:-/)?(?P<what>pull|pulls|merge_requests|commit|commits|issues)/(?P<ref>[\w.-]+)$"
)


def normalise_source(source: str) -> str:
    """Lower-case host/owner/repo, drop the scheme, ``www.`` and trailing slashes."""
    s = source.strip()
    s = re.sub(r"^[a-z]+://", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^www\.", "", s, flags=re.IGNORECASE).rstrip("/")
    return s.lower()


def project_of(source: str) -> str | None:
    """The repository a normalised source belongs to, or ``None`` if the form is unknown."""
    m = _SOURCE.match(normalise_source(source))
    return m.group("project") if m else None


def contribution_key(source: str) -> bytes:
    return keccak256(KEY_DOMAIN + normalise_source(source).encode())


def project_id(project: str) -> bytes:
    return keccak256(PROJECT_DOMAIN + normalise_source(project).encode())
