"""A batch's credentials in one JSON Lines file: reading the bundle and picking credentials out of it.

``ledger cred issue --layout jsonl`` writes a bundle: one complete credential document per line, proof
included, byte for byte the file the ``files`` layout writes for it. Issuing into one file is many
times faster than creating a file per credential, and ``ledger verify`` checks a bundle whole; this
module is what lets a holder still get a file of their own (``ledger cred export``), and what the
commands that act on one credential use to say which line they mean.

Only what is needed to pick a document is read here (its id and its subject); whether the document is
valid is verification's business. Every line is size- and depth-checked before it is parsed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from .canonical import NotJSONError, check_depth
from .credential_fields import UUID_URN, CredentialFormatError
from .credential_files import WriteReport, write_documents
from .credential_parse import MAX_CREDENTIAL_BYTES
from .credential_parts import subject_uri
from .errors import ValidationError, VerificationError

__all__ = ["BUNDLE_SUFFIX", "BundleEntry", "export", "is_bundle", "read_bundle", "select"]

#: File name suffix of a bundle.
BUNDLE_SUFFIX = ".jsonl"


def is_bundle(path: str | PathLike[str]) -> bool:
    """Whether ``path`` names a bundle (by its suffix, as ``ledger verify`` decides)."""
    return str(path).lower().endswith(BUNDLE_SUFFIX)


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One credential of a bundle: where it is, what identifies it, and its document's bytes."""

    line: int
    id: str  # urn:uuid:...
    subject: str  # urn:ledger:subject:0x...
    document: bytes

    @property
    def filename(self) -> str:
        """``<uuid>.json``: the name the ``files`` layout gives the same credential."""
        return self.id.rsplit(":", 1)[1] + ".json"


def read_bundle(path: str | PathLike[str], *, limit: int = MAX_CREDENTIAL_BYTES) -> Iterator[BundleEntry]:
    """The credentials of the bundle at ``path``, in order, read a line at a time.

    Raises:
        CredentialFormatError: a line is too long, not JSON, or has no credential id or subject id
            (the message names the line).
        VerificationError: the file cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            number = 0
            while True:
                raw = handle.readline(limit + 2)  # the document, its newline, one byte more
                if not raw:
                    return
                number += 1
                document = raw.rstrip(b"\r\n")
                if len(document) > limit:
                    raise CredentialFormatError(
                        f"line {number}", f"over the limit of {limit:,} bytes for one credential"
                    )
                if document.strip():
                    yield _entry(number, document)
    except OSError as exc:
        raise VerificationError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _entry(number: int, document: bytes) -> BundleEntry:
    where = f"line {number}"
    try:
        text = document.decode("utf-8")
        check_depth(text)  # before json.loads: too deep a nesting overflows the C stack
        data: Any = json.loads(text)
    except (UnicodeDecodeError, NotJSONError, json.JSONDecodeError, RecursionError) as exc:
        raise CredentialFormatError(where, f"not a JSON credential ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise CredentialFormatError(where, "not a JSON object")
    credential_id = data.get("id")
    if not isinstance(credential_id, str) or not UUID_URN.match(credential_id):
        raise CredentialFormatError(f"{where}: id", "must be a urn:uuid: credential id")
    subject = data.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if not isinstance(subject_id, str):
        raise CredentialFormatError(f"{where}: credentialSubject.id", "is missing")
    return BundleEntry(number, credential_id, subject_id.lower(), document)


def select(
    entries: Iterable[BundleEntry], *, ids: Sequence[str] = (), subjects: Sequence[str] = ()
) -> list[BundleEntry]:
    """The entries named by credential id (``urn:uuid:...`` or the bare uuid) or by subject id (``0x``
    hex or its URI); every entry when nothing is named.

    Raises:
        ValidationError: a named id or subject is not in the bundle, or an id is not a credential id
            (nothing is returned then, so nothing is written for half a request).
    """
    wanted_ids = {_credential_id(i) for i in ids}
    wanted_subjects = {subject_uri(s) for s in subjects}
    if not wanted_ids and not wanted_subjects:
        return list(entries)
    chosen: list[BundleEntry] = []
    seen_ids: set[str] = set()
    seen_subjects: set[str] = set()
    for entry in entries:
        hit_id, hit_subject = entry.id in wanted_ids, entry.subject in wanted_subjects
        if hit_id:
            seen_ids.add(entry.id)
        if hit_subject:
            seen_subjects.add(entry.subject)
        if hit_id or hit_subject:
            chosen.append(entry)
    missing = sorted(wanted_ids - seen_ids) + sorted(wanted_subjects - seen_subjects)
    if missing:
        raise ValidationError(
            f"not in the bundle: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
            hint="`ledger verify BUNDLE --json` lists every credential of a bundle with its line",
        )
    return chosen


def _credential_id(value: str) -> str:
    text = value.strip().lower()
    text = text if text.startswith("urn:uuid:") else "urn:uuid:" + text
    if not UUID_URN.match(text):
        raise ValidationError(f"{value!r} is not a credential id (urn:uuid:... as in the credential's \"id\")")
    return text


def export(
    bundle: str | PathLike[str],
    directory: Path,
    *,
    ids: Sequence[str] = (),
    subjects: Sequence[str] = (),
    durability: str = "syncfs",
    progress: Callable[[int, int], None] | None = None,
) -> WriteReport:
    """Write credentials of ``bundle`` to files of their own in ``directory`` (``<uuid>.json``, mode
    0600, made durable), every one or those named; ``progress(done, total)`` is told as they go.

    The files are the bytes of the bundle's lines, so they are exactly what the ``files`` layout would
    have written. The whole bundle is read and every name checked before the first file is written:
    a bad line, an unknown id or a file already there writes nothing.

    Raises:
        CredentialFormatError, ValidationError: see :func:`read_bundle` and :func:`select`; or a file
            of the same name is already in ``directory``.
        VerificationError: the bundle cannot be read.
    """
    chosen = select(read_bundle(bundle), ids=ids, subjects=subjects)
    existing = set(os.listdir(directory)) if directory.is_dir() else set()
    clash = [e.filename for e in chosen if e.filename in existing]
    if clash:
        raise ValidationError(
            f"{directory} already has {len(clash)} of these credentials' files ({clash[0]} ...)",
            hint="export to another directory with --out",
        )

    def documents() -> Iterator[tuple[str, bytes]]:
        for done, entry in enumerate(chosen, 1):
            yield entry.filename, entry.document
            if progress is not None and (done % 1000 == 0 or done == len(chosen)):
                progress(done, len(chosen))

    return write_documents(directory, documents(), durability=durability)
