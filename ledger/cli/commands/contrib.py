"""Contributions: ``ledger contrib add|cosign|revoke|release|show``."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli import render
from ledger.cli.app import REASONS, App, common_options, pass_app


@click.group()
def contrib() -> None:
    """Contributions: record them, co-sign them, revoke them.

    A contribution is named by its source (platform/owner/repo/pull/N, merge request, commit or
    issue); the same source can be recorded once. Evidence stays off chain, only its hash is recorded.

    \b
    Examples:
      ledger contrib add --source github.com/FISCO-BCOS/console/pull/812 --subject 0x5e... \\
          --kind code --field blockchain --date 2026-03-01 --evidence-url https://... --key community
      ledger contrib add --file contributions.csv --key community
      ledger contrib import git ../console --author-map authors.toml
      ledger contrib cosign 0x9a... --key maintainer
      ledger contrib show 0x9a...
      ledger contrib release 0x9a...                    the committee frees a revoked (squatted) key
    """



@contrib.command("add")
@common_options
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV, JSON or JSON Lines file of many contributions.")
@click.option("--source", help="platform/owner/repo/pull/N (or merge_requests/N, commit/SHA, issues/N).")
@click.option("--subject", help="Pseudonymous subject id (ledger subject new).")
@click.option("--kind", default="code", help="code, test, docs, review, project-management, community, ...")
@click.option("--field", "field_name", default="general", help="ai, blockchain, databases, operating-systems, ...")
@click.option("--weight", default=1, type=int, help="Relative size of the work (1-65535).")
@click.option("--date", "occurred_at", default=None, help="When the work was done (YYYY-MM-DD); default now.")
@click.option("--project", default=None, help="Project (repository) when the source does not show it.")
@click.option("--evidence-url", default=None, help="Where the work can be seen (kept off chain).")
@click.option("--about", default=None, metavar="SOURCE|KEY",
              help="The recorded contribution this one is about (a review: the pull request it reviewed); "
                   "a mentor award counts the people whose work a mentor's reviews are about.")
@pass_app
def contrib_add(
    app: App,
    path: Path | None,
    source: str | None,
    subject: str | None,
    kind: str,
    field_name: str,
    weight: int,
    occurred_at: str | None,
    project: str | None,
    evidence_url: str | None,
    about: str | None,
) -> None:
    """Record one contribution (flags) or many (--file), in as few transactions as possible.

    \b
    Examples:
      ledger contrib add --source github.com/FISCO-BCOS/console/pull/812 --subject 0x5e... --kind code \\
          --key community
      ledger contrib add --source github.com/FISCO-BCOS/console/pull/812#review-1 --subject 0x7a... \\
          --kind review --about github.com/FISCO-BCOS/console/pull/812 --key community
      ledger contrib add --file contributions.csv --key community

    --key names the recording issuer's key (a community or university issuer).
    """
    from ledger import contributions
    lg = app.ledger()
    names = lg.vault.known_names()
    if path is not None:
        items = contributions.read_file(path, names)
    else:
        if not source or not subject:
            raise click.UsageError("give --file, or --source and --subject")
        evidence = {"url": evidence_url} if evidence_url else {}
        items = [
            contributions.build(
                source=source, subject=subject, kind=kind, field=field_name, weight=weight,
                occurred_at=occurred_at, project=project, evidence=evidence, known_names=names, about=about,
            )
        ]
    result = lg.record(items, skip_recorded=path is not None)  # a file run again records only what is new
    if app.json_output:
        render.print_json(result)
        return
    render.render_settlements(result.get("settled_bursts", []))
    already = set(result.get("already_recorded", []))
    new = [c for c in items if "0x" + c.key.hex() not in already]
    render.table(
        f"Recorded {len(new)} contribution(s) in {len(result['transactions'])} transaction(s)",
        ("key", "source", "kind"),
        [("0x" + c.key.hex(), c.source, contributions.KINDS[c.kind]) for c in new[:20]],
    )
    if len(new) > 20:
        render.message(f"... and {len(new) - 20} more")
    if already:
        render.message(f"{len(already)} of the file's contributions were already recorded by you: left out")


@contrib.command("cosign")
@common_options
@click.argument("keys", nargs=-1, required=True)
@pass_app
def contrib_cosign(app: App, keys: tuple[str, ...]) -> None:
    """Co-sign contributions as a maintainer or mentor (an active issuer, not the recorder).

    \b
    Example:
      ledger contrib cosign 0x9a... --key maintainer
    """
    result = app.ledger().cosign(list(keys))
    if app.json_output:
        render.print_json(result)
    else:
        for row in result:
            render.message(f"co-signed {row['key']} (now {row['co_signs']} co-sign(s))")


@contrib.command("revoke")
@common_options
@click.argument("key")
@click.option("--reason", required=True, type=click.Choice(REASONS))
@pass_app
def contrib_revoke(app: App, key: str, reason: str) -> None:
    """Revoke a contribution (its recorder or the recorder's parent directly, or the committee by proposal).

    \b
    Example:
      ledger contrib revoke 0x9a... --reason issued-in-error
    """
    result = app.ledger().revoke_contribution(key, reason)
    if app.json_output:
        render.print_json(result)
    else:
        render.message(f"revoked {key} ({reason}); tx {result['tx_hash']}")


@contrib.command("release")
@common_options
@click.argument("key")
@pass_app
def contrib_release(app: App, key: str) -> None:
    """Release a revoked contribution key (the committee, by proposal): its record is archived and the key
    can be recorded again, by the rightful recorder of a squatted pull request, say.

    \b
    Example:
      ledger contrib revoke 0x9a... --reason misconduct
      ledger contrib release 0x9a...
    """
    result = app.ledger().release_contribution(key)
    if app.json_output:
        render.print_json(result)
    elif result.get("executed"):
        render.message(f"released {key}: it can be recorded again (proposal {result['proposal_id']}, tx "
                       f"{result['tx_hash']})")
    else:
        render.message(f"[yellow]proposed:[/] release {key} - proposal {result['proposal_id']}; other members run "
                       f"`ledger committee approve {result['proposal_id']}`")


@contrib.command("show")
@common_options
@click.argument("key")
@pass_app
def contrib_show(app: App, key: str) -> None:
    """Show one contribution with its co-signers.

    \b
    Example:
      ledger contrib show 0x9a...
    """
    info = app.ledger(need_key=False).contribution(key)
    if app.json_output:
        render.print_json(info)
        return
    render.fields(f"Contribution {key}", info.items())


COMMANDS = [contrib]
