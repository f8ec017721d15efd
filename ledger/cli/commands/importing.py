"""Importing contributions: ``ledger contrib import git|github|gitee|rules``.

Every import is a dry run unless ``--apply`` is given: it shows what would be recorded, what is on
chain already, which authors are not linked to a subject and what was skipped and why. ``--apply``
records in batches with a progress bar; running the same import again records nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger.cli import render
from ledger.cli.app import App, common_options, pass_app

if TYPE_CHECKING:
    from ledger.contributions.activity import ImportResult
    from ledger.contributions.rules import ImportRules
    from ledger.operations.importing import ImportPlan

F = TypeVar("F", bound=Callable[..., Any])

#: Rows of the dry run's table of contributions to record (``--show`` changes it; --json lists all).
SHOWN = 20


def _import_options(f: F) -> F:
    f = click.option("--show", type=click.IntRange(min=0), default=SHOWN, show_default=True,
                     help="How many of the contributions to record the dry run lists.")(f)
    f = click.option("--apply", "apply_", is_flag=True,
                     help="Record the new contributions (without it: a dry run that writes nothing).")(f)
    f = click.option("--field", "field_name", default=None,
                     help="Field of the imported contributions (default: the rules' defaults.field).")(f)
    f = click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="TOML rules over the defaults (see `ledger contrib import rules`).")(f)
    f = click.option("--author-map", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="TOML [authors] or CSV author,subject: e-mail, name or handle -> subject id.")(f)
    f = click.option("--since", default=None, metavar="DATE", help="Only work done on or after DATE (YYYY-MM-DD).")(f)
    f = click.option("--project", default=None, metavar="HOST/OWNER/REPO",
                     help="The project when the input does not say it (e.g. github.com/FISCO-BCOS/console).")(f)
    return common_options(f)


@click.group("import")
def contrib_import() -> None:
    """Import contributions from where they happen: a git clone, GitHub or Gitee exports.

    A dry run by default: it lists what would be recorded, what is on chain already, the authors who
    are not linked to a subject (link them with `ledger link`, or map them with --author-map) and what
    was skipped and why. --apply records in batches; importing again records nothing new.

    \b
    Examples:
      ledger contrib import git ../console --author-map authors.toml
      ledger contrib import git ../console --since 2025-01-01 --apply --key community
      ledger contrib import github pulls.json reviews.json issues.jsonl --apply --key community
      ledger contrib import github 2026-03-01-*.json.gz --project github.com/FISCO-BCOS/console
      ledger contrib import gitee pulls.json --apply --key community
      ledger contrib import rules > my-rules.toml
    """


def _since(text: str | None) -> int | None:
    from ledger.contributions import parse_time

    return parse_time(text) if text else None


def _run(app: App, importer: Callable[[ImportRules], ImportResult], *, rules_path: Path | None,
         author_map: Path | None, field_name: str | None, apply_: bool, show: int) -> None:
    from ledger.contributions.authors import AuthorMap, load_author_map
    from ledger.contributions.model import parse_field
    from ledger.contributions.rules import load_rules

    rules = load_rules(rules_path)
    authors = load_author_map(author_map) if author_map else AuthorMap()
    field_value = parse_field(field_name) if field_name else None
    result = importer(rules)
    lg = app.ledger(need_key=apply_)
    plan = lg.plan_import(result, rules, authors=authors, field_name=field_value)
    if not apply_:
        _show_plan(app, plan, show)
        return
    app.interrupt_hint = "batches sent before the interruption are on chain; run the same import again to record the rest"
    if app.json_output or not plan.new:
        done = lg.apply_import(plan)
    else:
        with render.progress() as bar:
            task = bar.add_task("recording", total=len(plan.new))
            done = lg.apply_import(plan, progress=lambda n, total: bar.update(task, completed=n, total=total))
    if app.json_output:
        render.print_json({**plan.summary(), "applied": done})
        return
    _show_plan(app, plan, 0, applied=True)
    first, last = done["blocks"]
    where = f" in {done['transactions']} transaction(s), blocks {first}..{last}" if done["transactions"] else ""
    if done["import_record"] is None:
        render.message("nothing new to record: every contribution of this import is on chain already")
        return
    render.message(f"[green]recorded {done['recorded']} contribution(s){where}[/]; import record: "
                   f"{render.escape(done['import_record'])}")


def _show_plan(app: App, plan: ImportPlan, show: int, *, applied: bool = False) -> None:
    summary = plan.summary()
    if app.json_output:
        render.print_json({**summary, "contributions": plan.rows()})
        return
    rows = [("to record" if not applied else "recorded", f"{summary['to_record']} "
             + (f"({', '.join(f'{k} {n}' for k, n in summary['to_record_by_kind'].items())})"
                if summary["to_record_by_kind"] else "")),
            ("already on chain", summary["already_on_chain"]),
            ("unlinked authors", f"{len(plan.unlinked)} ({summary['unlinked_activities']} activities not imported)"),
            ("skipped", sum(v["count"] for v in summary["skipped"].values())),
            ("invalid", len(plan.invalid)),
            ("importer", summary["importer"]),
            ("rules", summary["rules_digest"]),
            ("checked at block", summary["checked_at_block"])]
    if plan.claimed_by_other:
        rows.insert(2, ("[yellow]on chain for another subject[/]", len(plan.claimed_by_other)))
    render.table(f"Import from {', '.join(plan.inputs)[:200]}", ("", ""), rows)
    if show and plan.new and not applied:
        render.table(f"Contributions to record (first {min(show, len(plan.new))} of {len(plan.new)})",
                     ("source", "kind", "role", "subject", "date"),
                     [(r["source"], r["kind"], r["role"], r["subject"][:12] + "...", _day(r["occurred_at"]))
                      for r in plan.rows(show)])
    if plan.unlinked:
        render.table("Authors not linked to a subject (not imported)", ("author", "activities", "example"),
                     [(u.label, u.activities, u.example) for u in plan.unlinked[:50]])
        if len(plan.unlinked) > 50:
            render.message(f"... and {len(plan.unlinked) - 50} more (--json lists all)")
        render.message("[dim]link a platform handle with `ledger link request/verify`, or map authors with "
                       "--author-map FILE ([authors] \"e-mail or handle\" = \"0x<subject>\")[/]")
    if summary["skipped"]:
        render.table("Skipped", ("reason", "count", "why"),
                     [(r, v["count"], v["why"]) for r, v in summary["skipped"].items()])
    if plan.invalid:
        render.table("Invalid (not imported)", ("source", "why"), plan.invalid[:20])
    if not applied:
        render.message("[bold]dry run[/]: nothing was recorded; add --apply (and --key) to record "
                       f"{len(plan.new)} contribution(s)")


def _day(ts: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")


@contrib_import.command("git")
@_import_options
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--rev", default="HEAD", show_default=True, help="The revision whose history is read.")
@pass_app
def import_git_command(app: App, path: Path, rev: str, project: str | None, since: str | None,
                       author_map: Path | None, rules_path: Path | None, field_name: str | None, apply_: bool,
                       show: int) -> None:
    """Import a local clone's history: commits and their Co-authored-by, Reviewed-by, Tested-by and
    Signed-off-by trailers; the kind from the touched paths.

    The key of a commit is derived from its id, so the same commit has the same key in every clone.
    E-mail addresses are used to find subjects (--author-map) and never go on chain.

    \b
    Examples:
      ledger contrib import git ../console --author-map authors.toml
      ledger contrib import git ../console --since 2025-01-01 --apply --key community
    """
    from ledger.contributions.gitlog import import_git

    since_ts = _since(since)
    _run(app, lambda rules: import_git(path, rules, project=project, rev=rev, since=since_ts), rules_path=rules_path,
         author_map=author_map, field_name=field_name, apply_=apply_, show=show)


@contrib_import.command("github")
@_import_options
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_app
def import_github_command(app: App, files: tuple[Path, ...], project: str | None, since: str | None,
                          author_map: Path | None, rules_path: Path | None, field_name: str | None, apply_: bool,
                          show: int) -> None:
    """Import GitHub REST API exports (pull requests, reviews, issues, comments, issue events, releases;
    JSON arrays, pages or JSON Lines) and GH Archive event files (.json.gz).

    Merged pull requests, reviews, issues opened, issue triage, comments and releases each map to a
    kind (`ledger contrib import rules`); unmerged pull requests and bots are skipped.

    \b
    Examples:
      gh api --paginate 'repos/FISCO-BCOS/console/pulls?state=closed' > pulls.json
      ledger contrib import github pulls.json reviews.json --author-map authors.toml
      ledger contrib import github exports/ --apply --key community
    """
    from ledger.contributions.github import import_github

    since_ts = _since(since)
    _run(app, lambda rules: import_github(files, rules, project=project, since=since_ts), rules_path=rules_path,
         author_map=author_map, field_name=field_name, apply_=apply_, show=show)


@contrib_import.command("gitee")
@_import_options
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_app
def import_gitee_command(app: App, files: tuple[Path, ...], project: str | None, since: str | None,
                         author_map: Path | None, rules_path: Path | None, field_name: str | None, apply_: bool,
                         show: int) -> None:
    """Import Gitee REST API v5 exports: pull requests (with the assignees and testers who approved
    them), issues, comments, releases.

    \b
    Examples:
      ledger contrib import gitee pulls.json issues.json --author-map authors.toml
      ledger contrib import gitee exports/ --apply --key community
    """
    from ledger.contributions.gitee import import_gitee

    since_ts = _since(since)
    _run(app, lambda rules: import_gitee(files, rules, project=project, since=since_ts), rules_path=rules_path,
         author_map=author_map, field_name=field_name, apply_=apply_, show=show)


@contrib_import.command("rules")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Show these rules over the defaults instead of the defaults alone.")
@click.option("--json", "as_json", is_flag=True, help="The rules in force as JSON, with their digest.")
def import_rules_command(rules_path: Path | None, as_json: bool) -> None:
    """Print the import rules: the defaults (a TOML file to copy and edit), or FILE's over them.

    \b
    Examples:
      ledger contrib import rules > rules.toml
      ledger contrib import rules --rules rules.toml --json
    """
    from ledger.contributions.rules import DEFAULT_RULES, load_rules

    rules = load_rules(rules_path)
    if as_json:
        render.print_json({"digest": rules.digest(), "rules": rules.as_dict()})
    elif rules_path is None:
        click.echo(DEFAULT_RULES, nl=False)
        click.echo(f"# digest {rules.digest()}")
    else:
        import json

        click.echo(json.dumps(rules.as_dict(), indent=2))
        click.echo(f"# digest {rules.digest()}")
