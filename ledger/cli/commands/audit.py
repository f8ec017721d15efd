"""The index, queries and audits: ``ledger index sync``, ``ledger query ...``, ``ledger audit ...``.

Queries and audits sync the index first (``--no-sync`` to read it as it is). ``--at DATE|BLOCK`` answers
as of a past moment. Audits print a summary and a row per credential, write ``--html`` and ``--report``
files on request, and exit 1 when any credential is invalid. ``--anchor`` anchors the report's hash on
chain with the signing key; ``ledger audit check REPORT.json`` later says whether, by whom and in which
block a report was anchored.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger.cli import render
from ledger.cli.app import App, json_option, key_option, network_options, pass_app, workspace_option
from ledger.cli.indexing import opened as _opened
from ledger.cli.indexing import resolve_at as _resolve
from ledger.cli.indexing import sync_index as _sync
from ledger.contributions.model import time_text

if TYPE_CHECKING:
    from ledger.audit import AuditReport
    from ledger.index import Index

F = TypeVar("F", bound=Callable[..., Any])


def _read_options(f: F) -> F:
    f = click.option("--no-sync", is_flag=True, help="Read the index as it is; do not sync it with the chain first.")(f)
    f = click.option("--at", "at_spec", metavar="DATE|BLOCK",
                     help="Answer as of a block number or an ISO date/time (UTC unless an offset is given).")(f)
    return workspace_option(json_option(network_options(f)))


# -- index -------------------------------------------------------------------------------------------


@click.group("index")
def index() -> None:
    """The SQLite index of the chain's events (a cache: delete it and sync to rebuild).

    \b
    Examples:
      ledger index sync
      ledger index info --json
    """


@index.command("sync")
@workspace_option
@json_option
@network_options
@click.option("--to-block", type=click.IntRange(min=0), help="Last block to index (default: the chain head).")
@click.option("--step", type=click.IntRange(min=1), default=5_000, show_default=True, help="Blocks per transaction.")
@pass_app
def index_sync(app: App, to_block: int | None, step: int) -> None:
    """Bring the index up to date: incremental, idempotent, resumable after a crash.

    \b
    Example:
      ledger index sync --step 1000
    """
    from ledger.index import Index

    ledger = app.ledger(need_key=False)
    with Index.open(ledger.settings.index_path) as ix:
        result = _sync(app, ix, ledger, to_block=to_block, step=step)
        cursor = ix.reader.cursor()
    data = {
        "from_block": result.from_block,
        "to_block": result.to_block,
        "events": result.events,
        "new_events": result.new_events,
        "seconds": round(result.seconds, 3),
        "cursor": cursor,
        "skipped": [render.to_jsonable(s) for s in result.skipped],
    }
    if app.json_output:
        render.print_json(data)
    else:
        if result.to_block < result.from_block:
            render.message(f"the index is up to date at block {cursor}")
        else:
            render.message(f"indexed blocks {result.from_block}..{result.to_block}: {result.new_events} new event(s) "
                           f"of {result.events} read in {result.seconds:.2f} s; index at block {cursor}")
        if result.skipped:
            render.message(f"[yellow]{len(result.skipped)} log(s) with our event topics could not be decoded "
                           "and were skipped (a faulty or hostile node?); `ledger index sync --json` lists them[/]")


@index.command("info")
@workspace_option
@json_option
@pass_app
def index_info(app: App) -> None:
    """Where the index stands: its cursor and how many facts each table holds (no chain access).

    \b
    Example:
      ledger index info
    """
    from ledger.index import Index

    settings = app.settings()
    with Index.open(settings.index_path) as ix:
        cursor, tables = ix.reader.cursor(), ix.reader.counts()
    if app.json_output:
        render.print_json({"path": str(settings.index_path), "cursor": cursor, "tables": tables})
    else:
        render.fields(f"Index {render.escape(str(settings.index_path))} at block {cursor}", sorted(tables.items()))


# -- query -------------------------------------------------------------------------------------------


@click.group("query")
def query() -> None:
    """Ask the index: subjects, issuers, contributions, credentials (now or --at a past moment).

    \b
    Examples:
      ledger query subject 0x5e...
      ledger query issuer 0xAb... --at 2026-03-01
      ledger query contributions --project github.com/FISCO-BCOS/console --kind code --since 2026-01-01
      ledger query credentials --type 7 --status revoked --json
    """


def _subject_arg(value: str) -> str:
    from ledger.identity.vault import parse_subject_id

    text = value.strip()
    if text.startswith("urn:ledger:subject:") or "/subjects/" in text:  # a subject id as a credential names it
        text = text.rsplit(":", 1)[1] if text.startswith("urn:") else text.rsplit("/", 1)[1]
    return "0x" + parse_subject_id(text).hex()


@query.command("subject")
@_read_options
@click.argument("subject")
@pass_app
def query_subject(app: App, subject: str, at_spec: str | None, no_sync: bool) -> None:
    """A subject's contributions by kind and project, co-signers, credentials and their status.

    \b
    Example:
      ledger query subject 0x5e... --at 2026-03-01
    """
    from ledger.audit.auditor import shown_status
    from ledger.audit.report import batch_certificates_note
    from ledger.index.projection import ZERO32

    sid = _subject_arg(subject)
    with _opened(app, sync=not no_sync) as (ix, lg):
        at = _resolve(ix, at_spec, synced=not no_sync and lg is not None)
        view = ix.reader.subject(sid, at)
        leaves_known = ix.reader.knows_batch_leaves()
        names = _names(app, ix)
        person = names.person(sid)
        works = {c.key: names.contribution(c.key, c.evidence_hash) for c in view.contributions}
        issuers = {c.issuer: names.issuer(c.issuer) for c in view.credentials}
        titles = {c.type_id: names.title(c.type_id) for c in view.credentials}
    note = batch_certificates_note(leaves_known)
    if app.json_output:
        render.print_json({**_dated(view), "person": person, "contribution_names": works,
                           "issuer_names": issuers, "type_names": {str(k): v for k, v in titles.items()},
                           "batch_certificates": note})
        return
    revoked = sum(1 for c in view.contributions if c.revoked)
    projects = sorted(view.by_project.values(), reverse=True)
    render.fields(f"Subject {person + ' · ' if person else ''}{view.subject}" + (f" at block {at}" if at is not None else ""), [
        ("contributions", f"{len(view.contributions)}" + (f" ({revoked} revoked, not counted below)" if revoked else "")),
        ("by kind", ", ".join(f"{_kind(k)} {n}" for k, n in view.by_kind.items()) or "-"),
        ("by project", f"{len(projects)} project(s): " + ", ".join(map(str, projects)) if projects else "-"),
        ("co-signers", len(view.cosigners)),
        ("credentials", len(view.credentials)),
    ])
    render.table("Contributions", ("work", "kind", "field", "date", "project", "co-signs", "status", "key"), [
        (works[c.key]["url"] or "", _kind(c.kind), _field(c.field), time_text(c.occurred_at),
         works[c.key]["project_name"] or c.project, len(c.cosigners), _contribution_status(c), c.key)
        for c in view.contributions
    ])
    render.table("Credentials", ("certificate", "institution", "block", "status", "credential", "batch root"), [
        (titles[c.type_id] or f"type {c.type_id}", render.institution_words(issuers[c.issuer]) or c.issuer,
         c.block_number, shown_status(c.status), c.label, c.root if c.root != ZERO32 else "")
        for c in view.credentials
    ])
    render.message(render.escape(note))


@query.command("issuer")
@_read_options
@click.argument("issuer")
@pass_app
def query_issuer(app: App, issuer: str, at_spec: str | None, no_sync: bool) -> None:
    """An issuer's status history, scope, and what it anchored, issued and revoked.

    \b
    Example:
      ledger query issuer 0xAb... --json
    """
    from ledger.errors import LedgerError

    with _opened(app, sync=not no_sync) as (ix, lg):
        at = _resolve(ix, at_spec, synced=not no_sync and lg is not None)
        view = ix.reader.issuer_view(issuer, at)
        named = _names(app, ix).issuer(issuer) if view is not None else {}
    if view is None:
        raise LedgerError(f"{issuer} is not an issuer" + (f" at block {at}" if at is not None else ""),
                              hint="check the address; `ledger issuer list` shows the issuers")
    if app.json_output:
        render.print_json({**render.to_jsonable(view), **named})
        return
    it = view.issuer
    shown = render.institution_words({**named, "address": it.address})
    render.fields(f"Issuer {shown}" + (f" · {it.address}" if named.get("name") else "")
                  + (f" at block {at}" if at is not None else ""), [
        ("kind", it.kind), ("status", it.status + (" (committee hold)" if it.held else "")), ("parent", it.parent),
        ("current key", it.current_key), ("scope", list(it.scope)),
        ("children", list(it.children)), ("contributions recorded", view.contributions_recorded),
        ("batches anchored", len(view.batches)), ("credentials issued", len(view.credentials)),
    ])
    render.table("Keys", ("key", "from block", "until block", "offered by", "compromised since", "marked by"), [
        (k.address, k.active_from, k.active_until or "", k.offered_by or "", k.compromised_since or "",
         f"{k.marked_by} (block {k.marked_block})" if k.marked_by else "") for k in it.keys
    ])
    render.table("Status history", ("status", "block", "by"), [(e.status, e.block_number, e.by) for e in it.status_history])
    render.table("Batches", ("root", "type", "count", "block", "revoked"), [
        (b.root, b.type_id, b.count, b.block_number,
         f"block {b.revoked.block_number} ({b.revoked.reason}) by {b.revoked.by}" if b.revoked else "")
        for b in view.batches])
    render.table("Revocations", ("what", "id", "reason", "block", "by"), [
        (r["what"], r["id"], r.get("reason"), r["block_number"], r.get("by")) for r in view.revocations
    ])
    render.table("Committee proposals about it", ("id", "state", "made", "closed", "by"), [
        (p.id, p.state, p.created_block, p.closed_block or (f"expires {p.expires_at}" if p.state == "Pending" else
                                                               p.expires_at), p.closed_by or "")
        for p in view.proposals
    ])


@query.command("contributions")
@_read_options
@click.option("--project", help="Repository (github.com/owner/repo) or its 0x project id.")
@click.option("--kind", help="code, test, docs, review, project-management, community, mentoring, ...")
@click.option("--field", "field_name", help="ai, blockchain, databases, ... or a number.")
@click.option("--since", metavar="DATE", help="Only work done on or after DATE (YYYY-MM-DD).")
@click.option("--subject", help="Only this subject's contributions.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@pass_app
def query_contributions(app: App, project: str | None, kind: str | None, field_name: str | None, since: str | None,
                        subject: str | None, limit: int | None, at_spec: str | None, no_sync: bool) -> None:
    """Contributions filtered by project, kind, field and date.

    \b
    Example:
      ledger query contributions --project github.com/FISCO-BCOS/console --kind code --since 2026-01-01
    """
    from ledger import contributions
    from ledger.index.projection import CONTRIBUTION_KINDS

    project_id = None
    if project:
        project_id = project if project.startswith("0x") and len(project) == 66 else "0x" + contributions.project_id(project).hex()
    kind_name = CONTRIBUTION_KINDS[contributions.parse_kind(kind)] if kind else None
    field_id = contributions.parse_field(field_name) if field_name else None
    since_ts = contributions.parse_time(since) if since else None
    with _opened(app, sync=not no_sync) as (ix, lg):
        at = _resolve(ix, at_spec, synced=not no_sync and lg is not None)
        rows = ix.reader.contributions(project=project_id, kind=kind_name, field_id=field_id, since=since_ts,
                                       subject=_subject_arg(subject) if subject else None, at=at, limit=limit)
        names = _names(app, ix)
        works = [(names.contribution(c.key, c.evidence_hash), names.person(c.subject)) for c in rows]
    if app.json_output:
        render.print_json([{**_dated(c), **work, "person": who} for c, (work, who) in zip(rows, works)])
        return
    render.table(f"{len(rows)} contribution(s)",
                 ("work", "project", "person", "kind", "field", "date", "co-signs", "status", "key"), [
        (work["url"] or "", work["project_name"] or c.project, who or c.subject, _kind(c.kind), _field(c.field),
         time_text(c.occurred_at), len(c.cosigners), _contribution_status(c), c.key)
        for c, (work, who) in zip(rows, works)
    ])


def _contribution_status(c: Any) -> str:
    """active, revoked, or released (revoked and its key freed by the committee), with the block."""
    if c.released is not None:
        return f"released (block {c.released.block_number})"
    if c.revoked is not None:
        return f"revoked (block {c.revoked.block_number})"
    return "active"


def _dated(value: Any) -> Any:
    """``value`` as JSON, each contribution's ``occurred_at`` (Unix seconds in the index) as a date."""
    data = render.to_jsonable(value)
    items = data.get("contributions", []) if isinstance(data, dict) and "contributions" in data else [data]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("occurred_at"), int):
            item["occurred_at"] = time_text(item["occurred_at"])
    return data


def _names(app: App, index: Index) -> Any:
    """What this workspace knows to put names on the index's hex (its metadata files and vault)."""
    from ledger.audit.names import Names

    return Names.of_workspace(index.reader, app.settings().metadata_dir, app.vault_for_names())


def _kind(name: str) -> str:
    """A contribution kind as the CLI takes it (``project-management``), not as the index keeps it."""
    from ledger.contributions.model import KINDS
    from ledger.index.projection import CONTRIBUTION_KINDS

    return KINDS[CONTRIBUTION_KINDS.index(name)] if name in CONTRIBUTION_KINDS else name


def _field(number: int) -> str:
    """A field's name (``blockchain``) where it has one, else its number."""
    from ledger.contributions.model import FIELD_NAMES

    return FIELD_NAMES.get(number, str(number))


@query.command("credentials")
@_read_options
@click.option("--type", "type_id", type=click.IntRange(min=1), help="Certificate type id.")
@click.option("--status", type=click.Choice(["valid", "suspended", "revoked"]), help="Status in force (at --at).")
@click.option("--issuer", help="Issuer address.")
@pass_app
def query_credentials(app: App, type_id: int | None, status: str | None, issuer: str | None, at_spec: str | None,
                      no_sync: bool) -> None:
    """Credentials issued by the contract, and batch leaves whose status changed, filtered.

    \b
    Example:
      ledger query credentials --type 7 --status revoked --issuer 0xAb...
    """
    from ledger.audit.auditor import shown_status
    from ledger.index.projection import ZERO32

    with _opened(app, sync=not no_sync) as (ix, lg):
        at = _resolve(ix, at_spec, synced=not no_sync and lg is not None)
        rows = ix.reader.credentials(type_id=type_id, status=status, issuer=issuer, at=at)
        names = _names(app, ix)
        shown = [(names.person(c.subject), names.title(c.type_id), names.issuer(c.issuer)) for c in rows]
    if app.json_output:
        render.print_json([{**render.to_jsonable(c), "holder": who, "title": title, "issuer_name": inst["name"],
                            "issuer_domain": inst["domain"]} for c, (who, title, inst) in zip(rows, shown)])
        return
    render.table(f"{len(rows)} credential(s)",
                 ("holder", "certificate", "institution", "block", "status", "reason", "credential", "batch root",
                  "leaf"), [
        (who or "", title or f"type {c.type_id}", render.institution_words(inst) or c.issuer, c.block_number,
         shown_status(c.status), c.status_reason, c.hash or "-", c.root if c.root != ZERO32 else "",
         "" if c.index is None else c.index)
        for c, (who, title, inst) in zip(rows, shown)
    ])


# -- audit -------------------------------------------------------------------------------------------


def _audit_options(f: F) -> F:
    f = click.option("--anchor", is_flag=True,
                     help="Anchor the report's hash on chain, signed with --key (a committee member or an active "
                          "issuer); the transaction and block go into the JSON and HTML reports.")(f)
    f = key_option(f)
    f = click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the self-contained HTML report here.")(f)
    f = click.option("--report", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the JSON report here.")(f)
    return _read_options(f)


@click.group("audit")
def audit() -> None:
    """Audit reports an enterprise can act on: a row per credential, valid or not and why, anomalies.

    The index answers fast; the final verdict re-checks the chain when it is reachable.

    \b
    Examples:
      ledger audit subject 0x5e... --html candidate.html
      ledger audit subject --input candidates.csv --report audit.json
      ledger audit issuer 0xAb... --at 2026-03-01
      ledger audit files alice.json bob.json --html files.html
      ledger audit subject 0x5e... --anchor --key auditor --report audit.json
      ledger audit check audit.json
    """


def _read_subjects(path: Path) -> list[str]:
    from ledger.errors import RowError

    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RowError(1, None, "the file is empty")
    header = [c.strip().lower() for c in rows[0]]
    column, start = (header.index("subject"), 1) if "subject" in header else (0, 0)
    subjects = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            subjects.append(_subject_arg(row[column]))
        except (IndexError, ValueError) as exc:
            raise RowError(number, "subject", str(exc)) from exc
    return subjects


def _run_audit(app: App, at_spec: str | None, no_sync: bool, json_path: Path | None, html_path: Path | None,
               make: Callable[[Any], AuditReport], anchor: bool = False) -> None:
    from ledger.audit import Auditor, ChainLogCheck, anchor_report
    from ledger.audit.names import Names

    for path in (json_path, html_path):
        if path is not None:
            _check_writable(path)
    signer = None
    if anchor:
        # Decrypt the key before the audit runs: a wrong password should not cost a whole audit.
        signer = app.ledger().key
    with _opened(app, sync=not no_sync, chain=True) as (ix, ledger):
        at = _resolve(ix, at_spec, synced=not no_sync and ledger is not None)
        check = None
        info: dict[str, Any] = {}
        if ledger is not None:
            identity = ledger.chain.identity()
            info = {"chain_id": identity.chain_id, "backend": identity.backend,
                    "description": f"{identity.backend} chain {identity.chain_id}"}
            check = ChainLogCheck(ledger.contracts, from_block=ledger.settings.deployment.block_number)
        settings = app.settings()
        names = Names.of_workspace(ix.reader, settings.metadata_dir, app.vault_for_names())
        report = make(Auditor(ix.reader, chain=check, chain_info=info, at=at, at_spec=at_spec, names=names))
        # The report is written in full before it is anchored (to files beside the targets, renamed into
        # place at the end): a path that cannot be written must fail before the anchor costs a transaction.
        staged = _OutputFiles({json_path: lambda r: _dumps(r.to_dict()), html_path: lambda r: r.to_html()})
        staged.stage(report)
        if signer is not None and ledger is not None:
            try:
                report = anchor_report(ledger.contracts, signer, report)
            except BaseException:
                staged.discard()
                raise
        staged.commit(report)
    data = report.to_dict()
    if app.json_output:
        render.print_json(data)
    else:
        from ledger.audit.checks import CHAIN_CHECKS

        summary = data["summary"]
        render.table(f"{render.escape(data['title'])}: {summary['verdict']}",
                     ("", "holder", "certificate", "institution", "re-checked on chain", "reason", "credential"), [
            ("valid" if c["valid"] else "INVALID", c.get("holder") or "", c.get("title") or f"type {c['type_id']}",
             render.institution_words({"name": c.get("issuer_name"), "address": c["issuer"],
                                       "domain": c.get("issuer_domain")}) or c["issuer"] or "",
             CHAIN_CHECKS.get(c.get("chain_check") or "", ""), c["reason"], c["label"])
            for c in data["credentials"]
        ])
        for a in data["anomalies"]:
            render.message(f"[yellow]anomaly[/] {a['code']}: {render.escape(a['message'])}")
        render.message(render.escape(summary["text"]))
        for label, path in (("JSON report", json_path), ("HTML report", html_path)):
            if path is not None:
                render.message(f"{label}: {render.escape(str(path))}")
        render.message(f"report hash {data['report_hash']}")
        if report.anchored:
            a = report.anchored
            render.message(f"anchored by {a['auditor']} in transaction {a['tx_hash']} at block {a['block_number']}")
    if data["summary"]["verdict"] != "PASS":
        click.get_current_context().exit(1)  # a domain failure: some credential is invalid


class _OutputFiles:
    """Report files written in two steps: :meth:`stage` writes each to a temporary file beside its
    target (so a path that cannot be written fails early), :meth:`commit` writes the final text and
    renames each into place. On any failure nothing is left behind but the targets as they were."""

    def __init__(self, renderers: dict[Path | None, Callable[[AuditReport], str]]) -> None:
        self._renderers = {path: render for path, render in renderers.items() if path is not None}
        self._temps: dict[Path, Path] = {}

    def stage(self, report: AuditReport) -> None:
        import secrets

        for path, render_text in self._renderers.items():
            temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            self._write(path, temp, render_text(report), new=True)

    def commit(self, report: AuditReport) -> None:
        for path, render_text in self._renderers.items():
            self._write(path, self._temps[path], render_text(report), new=False)
        for path, temp in list(self._temps.items()):
            try:
                os.replace(temp, path)
            except OSError as exc:
                self._fail(path, exc)
            del self._temps[path]

    def discard(self) -> None:
        for temp in self._temps.values():
            temp.unlink(missing_ok=True)
        self._temps.clear()

    def _write(self, path: Path, temp: Path, text: str, *, new: bool) -> None:
        try:
            with open(temp, "x" if new else "w", encoding="utf-8") as handle:
                if new:
                    self._temps[path] = temp
                handle.write(text)
        except OSError as exc:
            self._fail(path, exc)

    def _fail(self, path: Path, exc: OSError) -> None:
        from ledger.errors import LedgerError

        self.discard()
        raise LedgerError(f"cannot write the report to {path}: {exc.strerror or exc}") from exc


def _read_capped(path: Path) -> bytes:
    """A credential file's bytes, at most one past the size cap: a larger file is then refused as
    too large for its own row of the report, without ever being read whole."""
    from ledger.credentials.parse import MAX_CREDENTIAL_BYTES
    from ledger.errors import ValidationError

    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_CREDENTIAL_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc


def _check_writable(path: Path) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    from ledger.errors import ValidationError

    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValidationError(f"cannot write the report to {path}: it is a directory", hint="name a file")
    if not parent.is_dir():
        raise ValidationError(f"cannot write the report to {path}: directory {parent} does not exist",
                              hint="create it first, or name a file in an existing directory")
    if not os.access(parent, os.W_OK):
        raise ValidationError(f"cannot write the report to {path}: directory {parent} is not writable")


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@audit.command("subject")
@_audit_options
@click.argument("subject", required=False)
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of subject ids (a 'subject' column, or the first column) to audit together.")
@pass_app
def audit_subject(app: App, subject: str | None, input_path: Path | None, at_spec: str | None, no_sync: bool,
                  json_path: Path | None, html_path: Path | None, anchor: bool) -> None:
    """Audit every credential of a subject (or of each subject in --input).

    \b
    Example:
      ledger audit subject 0x5e... --html candidate.html
    """
    if (subject is None) == (input_path is None):
        raise click.UsageError("give a SUBJECT or --input FILE (not both)")
    if input_path is not None:
        subjects = _read_subjects(input_path)
        _run_audit(app, at_spec, no_sync, json_path, html_path, lambda a: a.subjects(subjects), anchor)
    else:
        sid = _subject_arg(subject or "")
        _run_audit(app, at_spec, no_sync, json_path, html_path, lambda a: a.subject(sid), anchor)


@audit.command("issuer")
@_audit_options
@click.argument("issuer")
@pass_app
def audit_issuer(app: App, issuer: str, at_spec: str | None, no_sync: bool, json_path: Path | None,
                 html_path: Path | None, anchor: bool) -> None:
    """Audit an issuer: its history, every credential it issued one by one or whose status it changed,
    and the batches it anchored (a batch's credentials are audited from their files: `audit files`).

    \b
    Example:
      ledger audit issuer 0xAb... --report issuer.json
    """
    _run_audit(app, at_spec, no_sync, json_path, html_path, lambda a: a.issuer(issuer), anchor)


@audit.command("files")
@_audit_options
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Instead of files: a CSV of subject ids to audit (as `audit subject --input`).")
@pass_app
def audit_files(app: App, paths: tuple[Path, ...], input_path: Path | None, at_spec: str | None, no_sync: bool,
                json_path: Path | None, html_path: Path | None, anchor: bool) -> None:
    """Audit credential files (or folders of them, or .jsonl batch bundles): integrity, proof, anchoring,
    issuer, status, expiry.

    \b
    Examples:
      ledger audit files alice.json bob.json credentials/batch-7/ --html files.html
      ledger audit files credentials/20261125T101500-ab12cd.jsonl --report batch.json
    """
    if bool(paths) == (input_path is not None):
        raise click.UsageError("give credential FILES or --input FILE (not both)")
    if input_path is not None:
        subjects = _read_subjects(input_path)
        _run_audit(app, at_spec, no_sync, json_path, html_path, lambda a: a.subjects(subjects), anchor)
        return
    from ledger.credentials.bundle import bundle_lines, is_bundle
    from ledger.errors import LedgerError

    files = [f for p in paths for f in (sorted(q for q in p.rglob("*.json*") if q.suffix.lower() in (".json", ".jsonl"))
                                        if p.is_dir() else [p])]
    if not files:
        raise click.UsageError("no credential files (*.json, *.jsonl) found in " + ", ".join(str(p) for p in paths))
    documents: list[tuple[str, bytes | LedgerError]] = []
    for f in files:
        if is_bundle(f):  # one credential per line, each its own row of the report, read a line at a time
            documents.extend((f"{f}:{n}", line) for n, line in bundle_lines(f))
        else:
            documents.append((str(f), _read_capped(f)))
    _run_audit(app, at_spec, no_sync, json_path, html_path, lambda a: a.documents(documents), anchor)


@audit.command("check")
@workspace_option
@json_option
@network_options
@click.argument("report_path", metavar="REPORT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def audit_check(app: App, report_path: Path) -> None:
    """Check a JSON audit report against the chain: recompute its hash from its content and say whether,
    by whom and in which block that hash was anchored. Exit 0 if anchored and matching, 1 otherwise.

    \b
    Example:
      ledger audit check audit.json
    """
    from ledger.audit import check_report, load_report

    data = load_report(report_path.read_bytes())
    result = check_report(app.ledger(need_key=False).contracts, data)
    if app.json_output:
        render.print_json(result.to_dict())
    else:
        rows: list[tuple[str, Any]] = [("report", result.title), ("content hash", result.report_hash),
                                        ("stated hash", result.stated_hash)]
        if result.anchored:
            rows += [("anchored by", result.auditor), ("block", result.block_number),
                     ("transaction", result.tx_hash), ("target", result.target)]
        render.fields(f"{render.escape(str(report_path))}: {'ANCHORED' if result.ok else 'NOT VERIFIED'}", rows)
        for problem in result.problems:
            render.message(f"[red]problem[/] {render.escape(problem)}")
    if not result.ok:
        click.get_current_context().exit(1)  # a domain failure: not anchored, or not what was anchored


COMMANDS = [index, query, audit]
