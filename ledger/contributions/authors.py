"""The author map: which subject an author of the history or an export is, when no link says it.

A TOML file with an ``[authors]`` table, or a CSV file with ``author`` and ``subject`` columns. An author
is a handle (``github:alice``), a git e-mail address, or a git author name; e-mail addresses and names
are compared without regard to case. The file stays in the workspace owner's hands: it is read to map
authors to pseudonymous subject ids and never goes on chain::

    [authors]
    "github:alice" = "0x5e...c1"
    "li.hua@example.edu" = "0x5e...c1"
    "Zhang Wei" = "0x77...0a"

Linked handles (:mod:`ledger.contributions.handles`) come first; the map fills in for authors without
a link (git identities without a no-reply address, people who have not linked yet).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import tomllib

from ledger.contributions.activity import Actor
from ledger.contributions.files import read_text_file
from ledger.contributions.handles import parse_handle
from ledger.errors import RowError, ValidationError
from ledger.identity.vault import parse_subject_id

__all__ = ["AuthorMap", "load_author_map"]


class AuthorMap:
    """Author (handle, e-mail address or name) -> subject id."""

    def __init__(self, entries: Mapping[str, str] | None = None) -> None:
        self._handles: dict[str, str] = {}
        self._others: dict[str, str] = {}
        for author, subject in (entries or {}).items():
            self.add(author, subject)

    def add(self, author: str, subject: str) -> None:
        """Map ``author`` to ``subject`` (both checked).

        Raises:
            ValidationError: an empty author, or a subject that is not a subject id.
        """
        text = author.strip()
        if not text:
            raise ValidationError("an author map entry needs an author (a handle, an e-mail address or a name)")
        sid = "0x" + parse_subject_id(subject).hex()
        platform = text.split(":", 1)[0].lower()
        if ":" in text and platform in ("github", "gitee") and "@" not in text:
            self._handles[parse_handle(text)] = sid
        else:
            self._others[text.casefold()] = sid

    def __len__(self) -> int:
        return len(self._handles) + len(self._others)

    def subject_for(self, actor: Actor) -> str | None:
        """The subject of ``actor``: by handle, then e-mail address, then name; ``None`` if unmapped."""
        if actor.handle and actor.handle in self._handles:
            return self._handles[actor.handle]
        for value in (actor.email, actor.name):
            if value and value.strip().casefold() in self._others:
                return self._others[value.strip().casefold()]
        return None


def load_author_map(path: Path) -> AuthorMap:
    """An author map from a ``.toml`` (``[authors]``) or ``.csv`` (``author,subject``) file.

    Raises:
        ValidationError: the file is not in either form, or an entry is malformed (a CSV row is named).
    """
    text = read_text_file(path)
    authors = AuthorMap()
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"author", "subject"} <= {f.strip() for f in reader.fieldnames}:
            raise ValidationError(f"{path} must have the columns author,subject")
        for row in reader:
            try:
                authors.add(str(row.get("author") or ""), str(row.get("subject") or ""))
            except ValidationError as exc:
                raise RowError(reader.line_num, None, str(exc)) from exc
        return authors
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path} is not valid TOML: {exc}") from exc
    table = data.get("authors")
    if not isinstance(table, Mapping) or set(data) - {"authors"}:
        raise ValidationError(f"{path} must hold one [authors] table of author = \"0x<subject id>\"")
    for author, subject in table.items():
        if not isinstance(subject, str):
            raise ValidationError(f"{path}: the subject of {author!r} must be a 0x subject id in quotes")
        try:
            authors.add(author, subject)
        except ValidationError as exc:
            raise ValidationError(f"{path}: author {author!r}: {exc}") from exc
    return authors
