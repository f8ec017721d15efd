"""Handle links: ``ledger link request|verify|list|show|check|remove``.

A subject links a platform handle (``github:alice``) in two steps: the subject signs a statement with
its own key (``request``), the handle's owner posts the statement's challenge on the platform, and an
issuer checks both and anchors the link's commitment on chain (``verify``). Importers then map the
handle's work to the subject. The handle never goes on chain in clear.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ledger.cli import render
from ledger.cli.app import App, common_options, json_option, pass_app, workspace_option


@click.group("link")
def link() -> None:
    """Link platform handles (github:alice, gitee:li-hua) to subjects, with proof both agreed.

    \b
    Examples:
      ledger link request --subject 0x5e... --handle github:alice --key alice     # the subject signs
      # alice posts the printed challenge (a gist, a comment, or a commit in her own repository)
      ledger link verify link-github-alice.json --export gist.json --key community  # an issuer checks
      ledger link list
      ledger link show github:alice --json > alice-link.json    # the record, for the subject to keep
      ledger link check alice-link.json                          # anyone: is it anchored, by whom
    """


@link.command("request")
@common_options
@click.option("--subject", required=True, help="The subject id (0x + 64 hex) the handle belongs to.")
@click.option("--handle", required=True, help="platform:login, e.g. github:alice or gitee:li-hua.")
@click.option("--public", is_flag=True, help="Opt in: anyone who knows the handle can confirm the link from the chain.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the statement.")
@pass_app
def link_request(app: App, subject: str, handle: str, public: bool, out: Path | None) -> None:
    """Sign the subject's statement for a handle (with the subject's key, --key) and print the challenge.

    \b
    Example:
      ledger link request --subject 0x5e... --handle github:alice --key alice
    """
    statement = app.ledger().request_link(subject, handle, public=public)
    platform, _, login = statement.handle.partition(":")
    path = out or Path(f"link-{platform}-{login}.json")
    path.write_text(json.dumps(statement.to_dict(), indent=2) + "\n")
    if app.json_output:
        render.print_json({**statement.to_dict(), "file": str(path)})
        return
    render.fields("Handle-link statement", [("subject", statement.subject), ("handle", statement.handle),
                                            ("signed by", statement.signer), ("public", statement.public),
                                            ("file", str(path)), ("challenge", statement.challenge)])
    render.message(f"Now {render.escape(statement.handle)} posts [bold]{statement.challenge}[/] on {platform}: a "
                   "gist, a comment or an issue, or a commit in a repository of the account. Then an issuer runs "
                   f"`ledger link verify {render.escape(str(path))} --export FILE` (or --clone PATH).")


@link.command("verify")
@common_options
@click.argument("statement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--export", "exports", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An export holding the challenge post (a gist, comments, issues, GH Archive events).")
@click.option("--clone", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of a repository of the handle's account with the challenge in a commit message.")
@click.option("--no-anchor", is_flag=True, help="Keep the link here only; do not anchor its commitment.")
@click.option("--rebind", is_flag=True, help="Accept a new statement key for a subject bound to another one.")
@pass_app
def link_verify(app: App, statement: Path, exports: tuple[Path, ...], clone: Path | None, no_anchor: bool,
                rebind: bool) -> None:
    """Check a statement's signature and its challenge, keep the link, anchor its commitment (--key: an
    active issuer or a committee member vouches for it).

    \b
    Examples:
      ledger link verify link-github-alice.json --export gist.json --key community
      ledger link verify link-gitee-li-hua.json --clone ./li-hua-proof --key community
    """
    from ledger.canonical import NotJSONError, loads_lax
    from ledger.errors import ValidationError

    try:
        data = loads_lax(statement.read_bytes())
    except NotJSONError as exc:
        raise ValidationError(f"{statement} is not a statement file: {exc}") from exc
    result = app.ledger().verify_link(data, exports=exports, clone=clone, anchor=not no_anchor, rebind=rebind)
    if app.json_output:
        render.print_json(result.to_dict())
        return
    anchored = result.anchored or {}
    render.fields(f"Linked {result.handle}", [
        ("subject", result.subject), ("proof", result.proof.get("where")), ("commitment", "0x" + result.commitment.hex()),
        ("public", result.public),
        ("anchored", f"block {anchored['block_number']} by {anchored['by']}" if anchored else "no (--no-anchor)")])


@link.command("list")
@workspace_option
@json_option
@pass_app
def link_list(app: App) -> None:
    """The handles linked in this workspace.

    \b
    Example:
      ledger link list --json
    """
    from ledger.contributions.handles import LinkStore

    links = list(LinkStore(app.settings().links_path))
    if app.json_output:
        render.print_json([{"handle": k.handle, "subject": k.subject, "public": k.public,
                            "anchored_block": (k.anchored or {}).get("block_number"), "linked_at": k.linked_at}
                           for k in links])
        return
    render.table(f"{len(links)} linked handle(s)", ("handle", "subject", "public", "anchored in block"),
                 [(k.handle, k.subject, k.public, (k.anchored or {}).get("block_number", "-")) for k in links])


@link.command("show")
@workspace_option
@json_option
@click.argument("handle")
@pass_app
def link_show(app: App, handle: str) -> None:
    """A link's record (with its salt: give it to the subject, who can show it to whom it chooses).

    \b
    Example:
      ledger link show github:alice --json > alice-link.json
    """
    from ledger.contributions.handles import LinkStore, parse_handle
    from ledger.errors import ValidationError

    found = LinkStore(app.settings().links_path).get(parse_handle(handle))
    if found is None:
        raise ValidationError(f"{handle} is not linked in this workspace", hint="see `ledger link list`")
    if app.json_output:
        render.print_json(found.to_dict())
        return
    render.fields(f"Link {found.handle}", [(k, v) for k, v in found.to_dict().items() if k != "statement"])


@link.command("check")
@workspace_option
@json_option
@click.argument("record", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def link_check(app: App, record: Path) -> None:
    """Check a link record against the chain: anchored, by whom, when, for its subject (exit 1 if not).

    \b
    Example:
      ledger link check alice-link.json
    """
    from ledger.canonical import NotJSONError, loads_lax
    from ledger.errors import ValidationError

    try:
        data = loads_lax(record.read_bytes())
    except NotJSONError as exc:
        raise ValidationError(f"{record} is not a link record: {exc}") from exc
    result = app.ledger(need_key=False).check_link(data)
    if app.json_output:
        render.print_json(result)
    else:
        render.fields(f"Link {result['handle']}: {'OK' if result['ok'] else 'NOT OK'}",
                      [(k, v) for k, v in result.items() if k not in ("ok", "problems")])
        for problem in result["problems"]:
            render.message(f"[red]- {render.escape(problem)}[/]")
    if not result["ok"]:
        raise SystemExit(1)


@link.command("remove")
@workspace_option
@json_option
@click.argument("handle")
@pass_app
def link_remove(app: App, handle: str) -> None:
    """Forget a link here: imports stop mapping the handle (the commitment stays on chain).

    \b
    Example:
      ledger link remove github:alice
    """
    from ledger.contributions.handles import LinkStore, parse_handle

    removed = LinkStore(app.settings().links_path).remove(parse_handle(handle))
    if app.json_output:
        render.print_json({"removed": removed.handle, "subject": removed.subject})
    else:
        render.message(f"unlinked {removed.handle} from {removed.subject}")


COMMANDS = [link]
