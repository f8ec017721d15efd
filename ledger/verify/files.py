"""Verifying credential files: single documents, folders of them, and JSON Lines batch bundles.

:func:`verify_files` reads the files (each document capped at its size limit, each bundle line on its
own) and verifies them against a :class:`~ledger.verify.chainview.ChainView`: the contracts, the index as of a
block, a saved snapshot of the chain's answers (a verification bundle), or none at all (offline: the
steps that need the chain are reported as not checked, and the verdict is "incomplete").
:func:`snapshot_files` asks a chain everything verifying the files needs and keeps the answers, to
verify them later without the network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger.canonical import loads_lax
from ledger.credentials.bundle import bundle_lines, is_bundle
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.parse import parse_credential, read_credential_file
from ledger.errors import LedgerError, ValidationError, VerificationError
from ledger.verify.chainview import CachedChainView, ChainView
from ledger.verify.identity import IssuerIdentities
from ledger.verify.report import STEPS, CredentialReport, StepResult
from ledger.verify.snapshot import StaticChainView, snapshot
from ledger.verify.verifier import verify_many


def _sources(paths: Sequence[Path]) -> list[tuple[str, bytes | LedgerError]]:
    """``(label, document bytes or the error reading it)`` for every credential in ``paths``; each
    document is capped at its size limit, and a bundle is read a line at a time."""

    sources: list[tuple[str, bytes | LedgerError]] = []
    for p in paths:
        if is_bundle(p):
            sources.extend((f"{p}:{n}", line) for n, line in bundle_lines(p))
            continue
        try:  # one document: refused over the size cap without reading it whole
            sources.append((str(p), read_credential_file(p)))
        except CredentialFormatError as exc:
            sources.append((str(p), exc))
    return sources


def verify_files(
    paths: Sequence[Path],
    chain: ChainView | None,
    *,
    at_block: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    identities: IssuerIdentities | None = None,
) -> list[dict[str, Any]]:
    """One report dict per credential (``file`` and ``reason`` added); ``chain=None`` verifies offline.
    ``progress(done, total)`` is called every 1,000 credentials and at the end; ``identities`` checks
    the web domains issuers name (the ``issuer_domain`` step).

    Raises:
        VerificationError: a file cannot be read, or the chain cannot answer.
    """
    return verify_documents(_sources(paths), chain, at_block=at_block, now=now, progress=progress,
                            identities=identities)


def verify_documents(
    sources: Sequence[tuple[str, bytes | Mapping[str, Any] | LedgerError]],
    chain: ChainView | None,
    *,
    at_block: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    identities: IssuerIdentities | None = None,
) -> list[dict[str, Any]]:
    """:func:`verify_files` for documents already read: ``(label, the JSON bytes or the parsed document,
    or the error reading it)``."""

    view = CachedChainView(chain) if chain is not None and not isinstance(chain, CachedChainView) else chain
    reports = []
    for done, (label, data) in enumerate(sources):
        if progress is not None and done % 1_000 == 0:
            progress(done, len(sources))
        if isinstance(data, LedgerError):
            reports.append(_unreadable(label, data))
            continue
        try:
            reports.extend(verify_many([(label, data)], view, at_block=at_block, now=now, identities=identities))
        except VerificationError as exc:  # not JSON at all: a failed format step, not a crash
            reports.append(_unreadable(label, exc))
    if progress is not None:
        progress(len(sources), len(sources))
    return [report_entry(report) for report in reports]


def _unreadable(label: str, exc: LedgerError) -> CredentialReport:
    steps = [StepResult("format", "fail", "FORMAT_INVALID", str(exc))]
    steps += [StepResult(n, "skipped", "PRECONDITION_FAILED", "not checked: the format step failed")
              for n in STEPS[1:]]
    return CredentialReport(tuple(steps), label)


def report_entry(report: CredentialReport) -> dict[str, Any]:
    """A report as ``ledger verify --json`` lists it: the report's dict with ``file`` and ``reason``."""
    entry = report.to_dict()
    failures = report.failures
    entry["file"] = report.source
    entry["reason"] = (
        f"{failures[0].code}: {failures[0].message}" if failures else
        ("" if report.valid else "; ".join(f"{s.name}: {s.code}" for s in report.steps
                                           if s.outcome == "skipped" and s.code != "NOT_APPLICABLE"))
    )
    return entry


def snapshot_files(paths: Sequence[Path], chain: ChainView) -> StaticChainView:
    """The chain's answers for every credential in ``paths`` that parses, as of the chain's head
    (files that do not parse need nothing from the chain)."""

    credentials = []
    for _label, data in _sources(paths):
        if isinstance(data, LedgerError):
            continue
        try:
            credentials.append(parse_credential(data))
        except (LedgerError, ValueError):
            continue
    return snapshot(credentials, chain)


def load_snapshot(path: Path) -> StaticChainView:
    """A snapshot saved by ``ledger verify --save-snapshot``.

    Raises:
        ValidationError: not readable, not JSON, or not a verification bundle.
    """

    try:
        data = loads_lax(path.read_bytes())
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"{path} is not a verification bundle (a JSON object)")
    return StaticChainView.from_dict(data)
