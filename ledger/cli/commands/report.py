"""Contribution reports: ``ledger report subject|org|check``.

A report counts contributions by kind, field, project and period with their co-signers, as a table,
JSON (``--json``, ``--report FILE``) and a self-contained HTML page (``--html FILE``). It states its
inputs (block range, importers and rules, project names), so ``ledger report check`` can compute it
again from the chain and compare; ``--anchor`` puts its hash on chain like an audit report's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger.cli import render
from ledger.cli.app import App, json_option, key_option, network_options, pass_app, workspace_option
from ledger.cli.indexing import opened as _opened
from ledger.cli.indexing import resolve_at as _resolve

if TYPE_CHECKING:
    from ledger.reports import ContributionReport

F = TypeVar("F", bound=Callable[..., Any])


def _report_options(f: F) -> F:
    f = click.option("--anchor", is_flag=True, help="Anchor the report's hash on chain (signed with --key).")(f)
    f = click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report as a self-contained HTML page.")(f)
    f = click.option("--report", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report as JSON (what `ledger report check` reads).")(f)
    f = click.option("--until", metavar="DATE", help="Only work done on or before DATE.")(f)
    f = click.option("--since", metavar="DATE", help="Only work done on or after DATE (YYYY-MM-DD).")(f)
    f = click.option("--period", type=click.Choice(["month", "quarter", "year"]), default="month", show_default=True,
                     help="How contributions are grouped in time.")(f)
    f = click.option("--no-sync", is_flag=True, help="Read the index as it is; do not sync it first.")(f)
    f = click.option("--at", "at_spec", metavar="DATE|BLOCK", help="Report as of a block or a date (default: now).")(f)
    return workspace_option(json_option(key_option(network_options(f))))


@click.group("report")
def report() -> None:
    """Contribution reports per subject and per organisation, reproducible from the chain.

    \b
    Examples:
      ledger report subject 0x5e... --html alice.html --report alice.json
      ledger report org 0xCommunity... --period quarter --since 2026-01-01
      ledger report subject 0x5e... --report alice.json --anchor --key university
      ledger report check alice.json
    """


def _day(text: str | None, *, end: bool = False) -> int | None:
    from ledger.contributions import parse_time

    if not text:
        return None
    value = parse_time(text)
    return value + 86_399 if end and len(text.strip()) == 10 else value  # a date alone: its whole day


def _run(app: App, kind: str, target: str, at_spec: str | None, no_sync: bool, period: str, since: str | None,
         until: str | None, json_path: Path | None, html_path: Path | None, anchor: bool) -> None:
    from ledger.errors import ValidationError
    from ledger.reports import anchor_report

    since_ts, until_ts = _day(since), _day(until, end=True)
    if since_ts is not None and until_ts is not None and since_ts > until_ts:
        raise ValidationError("--since is after --until")
    signer = app.ledger().key if anchor else None  # the password is asked before the work, not after
    with _opened(app, sync=not no_sync, chain=True) as (ix, ledger):
        if ledger is None:
            raise ValidationError("a report needs the workspace's chain (to know the deployment)",
                                  hint="check the node, or the workspace (`ledger index info`)")
        at = _resolve(ix, at_spec, synced=not no_sync)
        cursor = ix.reader.cursor() or 0
        block = cursor if at is None else min(at, cursor)
        result = ledger.contribution_report(ix.reader, kind, target, block=block, period=period, since=since_ts,
                                            until=until_ts)
    for path, text in ((json_path, lambda r: _json_text(r)), (html_path, lambda r: r.to_html())):
        if path is not None:
            path.write_text(text(result), encoding="utf-8")  # written before anchoring: a bad path costs nothing
    if signer is not None:
        result = anchor_report(ledger.contracts, signer, result)
        if json_path is not None:
            json_path.write_text(_json_text(result), encoding="utf-8")
        if html_path is not None:
            html_path.write_text(result.to_html(), encoding="utf-8")
    _show(app, result, json_path, html_path)


def _json_text(result: ContributionReport) -> str:
    import json

    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _show(app: App, result: ContributionReport, json_path: Path | None, html_path: Path | None) -> None:
    data = result.to_dict()
    if app.json_output:
        render.print_json(data)
        return
    totals = data["totals"]
    blocks = data["inputs"]["blocks"]
    render.message(f"[bold]{render.escape(data['title'])}[/] (blocks {blocks['from']}..{blocks['to']}): "
                   f"{totals['active']} contribution(s), {totals['co_signed']} co-signed, {totals['projects']} "
                   f"project(s), {totals['revoked']} revoked")
    for title, key in (("by kind", "by_kind"), ("by field", "by_field"), ("by project", "by_project"),
                       (f"by {data['inputs']['period']}", "by_period"), ("co-signers", "co_signers")):
        if data[key]:
            names = data["labels"].get("issuers", {}) if key == "co_signers" else {}
            render.table(title, ("", "count"), [(f"{names[k]} ({k})" if k in names else k, n)
                                                for k, n in data[key].items()])
    importers = ", ".join(f"{i['importer']} {i['version']}".strip() + f" ({i['contributions']})"
                          for i in data["inputs"]["importers"])
    render.message(f"importers: {render.escape(importers or 'none')}")
    for label, path in (("JSON report", json_path), ("HTML report", html_path)):
        if path is not None:
            render.message(f"{label}: {render.escape(str(path))}")
    render.message(f"report hash {data['report_hash']}")
    if data.get("anchored"):
        a = data["anchored"]
        render.message(f"anchored by {a['auditor']} in transaction {a['tx_hash']} at block {a['block_number']}")


@report.command("subject")
@_report_options
@click.argument("subject")
@pass_app
def report_subject(app: App, subject: str, at_spec: str | None, no_sync: bool, period: str, since: str | None,
                   until: str | None, json_path: Path | None, html_path: Path | None, anchor: bool) -> None:
    """A subject's contributions: counts by kind, field, project and period, co-signers, the list.

    \b
    Examples:
      ledger report subject 0x5e... --html alice.html
      ledger report subject 0x5e... --since 2026-01-01 --until 2026-06-30 --period quarter --json
    """
    from ledger.identity.vault import parse_subject_id

    target = "0x" + parse_subject_id(subject).hex()
    _run(app, "subject", target, at_spec, no_sync, period, since, until, json_path, html_path, anchor)


@report.command("org")
@_report_options
@click.argument("issuer")
@pass_app
def report_org(app: App, issuer: str, at_spec: str | None, no_sync: bool, period: str, since: str | None,
               until: str | None, json_path: Path | None, html_path: Path | None, anchor: bool) -> None:
    """An organisation's contributions: those recorded by a top-level issuer and its child issuers, by
    kind, field, project, period and subject, with the co-signers.

    \b
    Example:
      ledger report org 0xCommunity... --period year --report community-2026.json --html community.html
    """
    from ledger.crypto.hashing import to_checksum_address
    from ledger.errors import ValidationError

    text = issuer[2:] if issuer.startswith(("0x", "0X")) else issuer
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise ValidationError(f"{issuer!r} is not an issuer address (0x + 40 hex digits)")
    _run(app, "organisation", to_checksum_address(raw), at_spec, no_sync, period, since, until, json_path,
         html_path, anchor)


@report.command("check")
@workspace_option
@json_option
@network_options
@click.option("--no-sync", is_flag=True, help="Read the index as it is; do not sync it first.")
@click.argument("report_path", metavar="REPORT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def report_check(app: App, report_path: Path, no_sync: bool) -> None:
    """Check a report: recompute it from the chain at its stated block with its stated inputs, compare the
    hashes, and say whether, by whom and when its hash was anchored. Exit 0 if all agree, 1 otherwise.

    \b
    Example:
      ledger report check alice.json
    """
    from ledger.reports import check_report, load_report

    data = load_report(report_path.read_bytes())
    with _opened(app, sync=not no_sync, chain=True) as (ix, ledger):
        result = check_report(ix.reader, ledger.contracts if ledger is not None else None, data)
    if app.json_output:
        render.print_json(result.to_dict())
    else:
        rows: list[tuple[str, Any]] = [("report", result.title), ("content hash", result.report_hash),
                                        ("stated hash", result.stated_hash), ("recomputed hash", result.recomputed_hash),
                                        ("reproduced", result.reproduced)]
        if result.anchored_by:
            rows += [("anchored by", result.anchored_by), ("block", result.block_number), ("transaction", result.tx_hash)]
        render.fields(f"{render.escape(str(report_path))}: {'OK' if result.ok else 'NOT VERIFIED'}", rows)
        for problem in result.problems:
            render.message(f"[red]problem[/] {render.escape(problem)}")
    if not result.ok:
        click.get_current_context().exit(1)  # a domain failure: not reproduced, or not what was anchored


COMMANDS = [report]
