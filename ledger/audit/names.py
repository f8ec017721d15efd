"""Names for the hex of the chain: what a person reads in reports and tables instead of addresses and
hashes.

The chain holds hashes only (personal data never goes there), so names come from what this workspace
knows, each checked against the hash the chain holds before it is shown:

* an issuer's name and domain: the metadata document whose hash its registry entry holds (kept in the
  workspace that registered it, or published under its domain's ``.well-known``);
* a certificate type's title: the type's metadata document;
* a contribution's link and project: its evidence document (whose hash the contribution holds): the
  normalised source (``github.com/owner/repo/pull/N``), its URL, the project ``github.com/owner/repo``;
* a subject's person: the workspace's vault (the issuer's own records, never on chain), one person at a
  time, decrypted when asked for;
* what credentials say (holder, title, issuer name), learned while their files are audited.

Where nothing is known the hex stays, and is still shown as secondary detail everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ledger.contributions.model import evidence_hash
from ledger.contributions.sources import project_of
from ledger.credentials.hashing import metadata_hash
from ledger.errors import LedgerError
from ledger.identity.vault import Vault
from ledger.index.queries import IndexReader

__all__ = ["Names"]

_MAX_DOCUMENT = 1024 * 1024


class Names:
    """Looks names up for a report; every lookup may answer ``None``.

    Args:
        reader: the index (which metadata hash an issuer, type or contribution has).
        metadata_dir: where the workspace keeps metadata documents by hash (``None``: none known).
        people: a subject id (``0x`` hex) to the person's display name (the vault), or ``None``.
    """

    def __init__(self, reader: IndexReader | None = None, *, metadata_dir: Path | None = None,
                 people: Callable[[str], str | None] | None = None) -> None:
        self.reader = reader
        self.metadata_dir = metadata_dir
        self._people = people
        self._documents: dict[str, Mapping[str, Any] | None] = {}
        self._issuers: dict[str, dict[str, str | None]] = {}
        self._holders: dict[str, str] = {}
        self._titles: dict[int, str] = {}

    @classmethod
    def of_workspace(cls, reader: IndexReader, metadata_dir: Path, vault: Vault | None) -> Names:
        """Names from a workspace's index, metadata folder and vault (each may be empty or missing).

        A person is looked up in the vault when first asked for, by their id, and decrypted alone (the
        vault is never loaded whole); a vault that cannot be opened (no password given, say) names nobody
        from then on, and the report keeps the ids.
        """
        known: dict[str, str | None] = {}
        closed = vault is None

        def person(sid: str) -> str | None:
            nonlocal closed
            if closed:
                return None
            key = sid.lower()
            if key not in known:
                try:
                    found = vault.get(key) if vault is not None else None
                except LedgerError:
                    closed = True
                    return None
                name = (found.person.get("name") or "").strip() if found is not None else ""
                known[key] = name or None
            return known[key]

        return cls(reader, metadata_dir=metadata_dir, people=person)

    def _document(self, digest: str | None, hasher: Callable[[Mapping[str, Any]], bytes]) -> Mapping[str, Any] | None:
        """The workspace's document of hash ``digest``, only if it hashes to it."""
        if not digest or self.metadata_dir is None:
            return None
        key = digest.lower()
        if key not in self._documents:
            found: Mapping[str, Any] | None = None
            path = self.metadata_dir / f"{key}.json"
            try:
                if path.is_file() and path.stat().st_size <= _MAX_DOCUMENT:
                    doc = json.loads(path.read_bytes())
                    if isinstance(doc, dict) and "0x" + hasher(doc).hex() == key:
                        found = doc
            except (OSError, ValueError):
                found = None
            self._documents[key] = found
        return self._documents[key]

    # -- learning from credentials --------------------------------------------------------------------

    def learn(self, *, subject: str | None, holder: str | None, type_id: int | None, title: str | None,
              issuer: str | None, issuer_name: str | None) -> None:
        """What a credential's document says (the name its issuer wrote), used where nothing better is known."""
        if subject and holder:
            self._holders.setdefault(subject.lower(), holder)
        if type_id is not None and title:
            self._titles.setdefault(type_id, title)
        if issuer and issuer_name:
            self._issuers.setdefault(issuer.lower(), {"name": issuer_name, "domain": None})

    # -- lookups --------------------------------------------------------------------------------------

    def issuer(self, address: str | None) -> dict[str, str | None]:
        """``{"name", "domain"}`` of an issuer: its registered metadata, else what its credentials say."""
        if not address:
            return {"name": None, "domain": None}
        if self.reader is not None:
            found = self.reader.issuer(address)
            doc = self._document(found.meta_hash if found else None, metadata_hash)
            if doc and doc.get("name"):
                return {"name": str(doc["name"]), "domain": str(doc["domain"]) if doc.get("domain") else None}
        return dict(self._issuers.get(address.lower(), {"name": None, "domain": None}))

    def title(self, type_id: int | None) -> str | None:
        """A certificate type's name."""
        if type_id is None:
            return None
        if self.reader is not None:
            found = self.reader.cert_type(int(type_id))
            doc = self._document(found.get("metaHash") if found else None, metadata_hash)
            if doc and doc.get("name"):
                return str(doc["name"])
        return self._titles.get(int(type_id))

    def person(self, subject: str | None) -> str | None:
        """The person behind a subject id: the vault's name, else a credential's holder name."""
        if not subject:
            return None
        named = self._people(subject) if self._people is not None else None
        return named or self._holders.get(subject.lower())

    def contribution(self, key: str, evidence: str | None = None) -> dict[str, str | None]:
        """``{"source", "url", "project_name"}`` of a contribution, from its evidence document."""
        if evidence is None and self.reader is not None:
            found = self.reader.contribution(key)
            evidence = found.evidence_hash if found else None
        doc = self._document(evidence, evidence_hash)
        source = str(doc["source"]) if doc and doc.get("source") else None
        url = str(doc["url"]) if doc and doc.get("url") else (f"https://{source}" if source else None)
        return {"source": source, "url": url, "project_name": project_of(source) if source else None}
