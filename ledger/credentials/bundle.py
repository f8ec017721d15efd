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

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from ledger.canonical import NotJSONError, loads_lax
from ledger.credentials.fields import UUID_URN, CredentialFormatError
from ledger.credentials.files import WriteReport, write_documents
from ledger.credentials.parse import MAX_CREDENTIAL_BYTES
from ledger.credentials.parts import subject_bytes
from ledger.errors import ValidationError, VerificationError

__all__ = ["BUNDLE_SUFFIX", "BundleEntry", "bundle_lines", "default_directory", "export", "export_manifest", "is_bundle",
           "read_bundle", "select"]

#: File name suffix of a bundle.
BUNDLE_SUFFIX = ".jsonl"


def is_bundle(path: str | PathLike[str]) -> bool:
    """Whether ``path`` names a bundle (by its suffix, as ``ledger verify`` decides)."""
    return str(path).lower().endswith(BUNDLE_SUFFIX)


#: How far past an over-long line the reader looks for the next one before it gives the file up.
_SKIP_AT_MOST = 64 * 1024 * 1024


def bundle_lines(
    path: str | PathLike[str], *, limit: int = MAX_CREDENTIAL_BYTES
) -> Iterator[tuple[int, bytes | CredentialFormatError]]:
    """``(line number, document)`` for each non-blank line of the bundle at ``path``, read a line at a
    time: lines end at ``\\n`` and a ``\\r`` before it is dropped. A line over ``limit`` bytes comes
    as its error instead, and is skipped without being held in memory (a bundle that is really
    ``/dev/zero`` is one such line, then the end).

    Raises:
        VerificationError: the file cannot be read.
    """
    too_long = f"over the limit of {limit:,} bytes for one credential"
    try:
        with open(path, "rb") as handle:
            number = 0
            while True:
                raw = handle.readline(limit + 3)  # the document, "\r\n", and one byte more
                if not raw:
                    return
                number += 1
                if not raw.endswith(b"\n") and len(raw) > limit + 1:
                    yield number, CredentialFormatError(f"line {number}", too_long)
                    skipped = 0
                    while raw and not raw.endswith(b"\n"):  # the rest of that line, a piece at a time
                        if skipped > _SKIP_AT_MOST:  # no end in sight (a device, not a file): stop, and say so
                            yield number + 1, CredentialFormatError(
                                f"line {number + 1} onward", f"not read: line {number} has no end within "
                                f"{_SKIP_AT_MOST // (1024 * 1024)} MiB")
                            return
                        raw = handle.readline(1 << 20)
                        skipped += len(raw)
                    continue
                document = raw[:-1] if raw.endswith(b"\n") else raw
                document = document[:-1] if document.endswith(b"\r") else document
                if len(document) > limit:
                    yield number, CredentialFormatError(f"line {number}", too_long)
                elif document.strip():
                    yield number, document
    except OSError as exc:
        raise VerificationError(f"cannot read {path}: {exc.strerror or exc}") from exc


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One credential of a bundle: where it is, what identifies it, and its document's bytes."""

    line: int
    id: str  # urn:uuid:...
    subject: str  # the document's credentialSubject.id ("" when the holder withheld it)
    document: bytes

    @property
    def filename(self) -> str:
        """``<uuid>.json``: the name the ``files`` layout gives the same credential."""
        return self.id.rsplit(":", 1)[1] + ".json"


def read_bundle(
    path: str | PathLike[str], *, limit: int = MAX_CREDENTIAL_BYTES, documents: bool = True
) -> Iterator[BundleEntry]:
    """The credentials of the bundle at ``path``, in order, read a line at a time.

    Lines end at ``\\n`` (a ``\\r`` before it is dropped), as ``ledger verify`` reads them; blank lines
    are skipped but counted, so line numbers are the file's. ``documents=False`` keeps only where each
    credential is and what identifies it (``document`` is empty), for a first pass over a large bundle.

    Raises:
        CredentialFormatError: a line is too long, not JSON, or has no credential id or subject id
            (the message names the line).
        VerificationError: the file cannot be read.
    """
    for number, document in bundle_lines(path, limit=limit):
        if isinstance(document, CredentialFormatError):
            raise document
        entry = _entry(number, document)
        yield entry if documents else BundleEntry(entry.line, entry.id, entry.subject, b"")


def _entry(number: int, document: bytes) -> BundleEntry:
    where = f"line {number}"
    try:
        data: Any = loads_lax(document)
    except NotJSONError as exc:
        raise CredentialFormatError(where, f"not a JSON credential ({exc})") from None
    if not isinstance(data, dict):
        raise CredentialFormatError(where, "not a JSON object")
    credential_id = data.get("id")
    if not isinstance(credential_id, str) or not UUID_URN.match(credential_id):
        raise CredentialFormatError(f"{where}: id", "must be a urn:uuid: credential id")
    subject = data.get("credentialSubject")
    subject_id = subject.get("id", "") if isinstance(subject, dict) else None
    if not isinstance(subject_id, str):
        raise CredentialFormatError(f"{where}: credentialSubject.id", "is missing")
    return BundleEntry(number, credential_id, subject_id.lower(), document)


def select(
    entries: Iterable[BundleEntry], *, ids: Sequence[str] = (), subjects: Sequence[str] = ()
) -> list[BundleEntry]:
    """The entries named by credential id (``urn:uuid:...`` or the bare uuid) or by subject id (``0x``
    hex or its URI); every entry when nothing is named.

    Raises:
        CredentialFormatError: two lines carry the same credential id (a damaged or doctored bundle).
        ValidationError: a named id or subject is not in the bundle, or an id is not a credential id
            (nothing is returned then, so nothing is written for half a request).
    """
    wanted_ids = {_credential_id(i) for i in ids}
    wanted_subjects = {subject_bytes(s) for s in subjects}
    everything = not wanted_ids and not wanted_subjects
    chosen: list[BundleEntry] = []
    first_line: dict[str, int] = {}
    seen_subjects: set[str] = set()
    for entry in entries:
        if entry.id in first_line:
            raise CredentialFormatError(
                f"line {entry.line}: id", f"the same credential id as line {first_line[entry.id]}"
            )
        first_line[entry.id] = entry.line
        subject = _subject_of(entry.subject) if wanted_subjects else None
        if subject in wanted_subjects:
            seen_subjects.add(subject)
        if everything or entry.id in wanted_ids or subject in wanted_subjects:
            chosen.append(entry)
    missing = sorted(wanted_ids - first_line.keys()) + sorted("0x" + s.hex() for s in wanted_subjects - seen_subjects)
    if missing:
        raise ValidationError(
            f"not in the bundle: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
            hint="`ledger subject find NAME` gives a person's subject id; `ledger verify BUNDLE --json` "
            "lists the bundle's credentials with their lines",
        )
    return chosen


def _subject_of(text: str) -> bytes | None:
    """The subject id a document's ``credentialSubject.id`` names (either profile), or None."""
    try:
        return subject_bytes(text)
    except CredentialFormatError:
        return None


def _credential_id(value: str) -> str:
    text = value.strip().lower()
    text = text if text.startswith("urn:uuid:") else "urn:uuid:" + text
    if not UUID_URN.match(text):
        raise ValidationError(f"{value[:60]!r} is not a credential id: an RFC 9562 UUID (version 1-8, variant "
                              "8-b in the fourth group), with or without urn:uuid:, as in the credential's \"id\"")
    return text


def default_directory(bundle: str | PathLike[str]) -> Path:
    """Where ``ledger cred export`` writes by default: beside the bundle, named like it without
    ``.jsonl`` (the directory the ``files`` layout would have made), or ``<name>.files``."""
    path = Path(bundle)
    stem = path.name[: -len(BUNDLE_SUFFIX)] if is_bundle(path) else ""
    return path.with_name(stem if stem else path.name + ".files")


def export_manifest(bundle: str | PathLike[str], report: WriteReport) -> bytes:
    """A manifest (CSV: file, line, credential id, subject) of the files :func:`export` wrote from
    ``bundle``, for handing each holder their file."""
    written = {p.name for p in report.paths}
    rows = ["file,line,credential_id,subject"]
    for entry in read_bundle(bundle, documents=False):
        if entry.filename in written:
            rows.append(f"{entry.filename},{entry.line},{entry.id},{entry.subject.rsplit(':', 1)[-1]}")
    return ("\n".join(rows) + "\n").encode()


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
    have written. A first pass reads only ids and checks everything (every line, every name, no
    credential id twice, no file already there); the second writes. If writing fails half way, the
    files this call made are removed again: an export is whole or absent.

    Raises:
        CredentialFormatError, ValidationError: see :func:`read_bundle` and :func:`select`; the bundle
            is not a ``.jsonl`` file, ``directory`` is not a directory, a file of the same name is
            already in it, or it cannot be written (disk full ...).
        VerificationError: the bundle cannot be read.
    """
    if not is_bundle(bundle):
        raise ValidationError(
            f"{bundle} is not a batch bundle (.jsonl); a .json file already is one credential of its own"
        )
    chosen = select(read_bundle(bundle, documents=False), ids=ids, subjects=subjects)
    if directory.exists() and not directory.is_dir():
        raise ValidationError(f"{directory} is a file, not a directory", hint="give a directory with --out")
    existing = set(os.listdir(directory)) if directory.is_dir() else set()
    clash = [e.filename for e in chosen if e.filename in existing]
    if clash:
        raise ValidationError(
            f"{directory} already has {len(clash)} of these credentials' files ({clash[0]} ...)",
            hint="export to another directory with --out",
        )
    lines = {e.line for e in chosen}
    made: list[Path] = []  # the directories this call makes, deepest first
    missing = directory
    while not missing.exists() and missing.parent != missing:
        made.append(missing)
        missing = missing.parent

    def documents() -> Iterator[tuple[str, bytes]]:
        done = 0
        for entry in read_bundle(bundle):
            if entry.line in lines:
                yield entry.filename, entry.document
                done += 1
                if progress is not None and (done % 1000 == 0 or done == len(chosen)):
                    progress(done, len(chosen))

    try:
        return write_documents(directory, documents(), durability=durability)
    except OSError as exc:
        for entry in chosen:
            with contextlib.suppress(OSError):
                (directory / entry.filename).unlink(missing_ok=True)
        for made_directory in made:
            with contextlib.suppress(OSError):
                made_directory.rmdir()
        raise ValidationError(
            f"cannot write credential files to {directory}: {exc.strerror or exc}; nothing was exported",
            hint="free some space, or give another directory with --out",
        ) from exc
