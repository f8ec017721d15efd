"""Awards by nominations: ``ledger award nominate|withdraw|list``."""

from __future__ import annotations

import click

from ledger.cli import render
from ledger.cli.app import App, common_options, pass_app


@click.group()
def award() -> None:
    """Awards: nominations for a community MVP award, checked by the contract at issuance.

    An award is a certificate type whose criteria the CredentialRegistry checks (contracts 2.1.0):
    a mentor award counts the distinct people whose recorded work the holder's reviews or mentoring
    are about (record them with `ledger contrib add --about`); a community MVP award counts the
    organisations that nominated the holder, one nomination per organisation (a top-level issuer and
    its child issuers count once), within the type's window. Both are issued with `ledger cred issue`.

    \b
    Examples:
      ledger type define --file examples/awards/community-mvp-2026.toml
      ledger award nominate 402 0x5e... --key community
      ledger award list 402
      ledger award withdraw 402 0x5e... --key community
      ledger cred issue --type 402 --subject 0x5e... --evidence 0x9a... --key authority
    """


@award.command("nominate")
@common_options
@click.argument("type_id", type=int)
@click.argument("subject")
@pass_app
def award_nominate(app: App, type_id: int, subject: str) -> None:
    """Nominate SUBJECT for award TYPE_ID, for the signing issuer's organisation (once per organisation).

    \b
    Example:
      ledger award nominate 402 0x5e... --key community
    """
    result = app.ledger().nominate(type_id, subject)
    if app.json_output:
        render.print_json(result)
    else:
        render.message(f"nominated {result['subject']} for type {type_id} (version {result['version']}) for "
                       f"organisation {result['org']}; tx {result['tx_hash']}")


@award.command("withdraw")
@common_options
@click.argument("type_id", type=int)
@click.argument("subject")
@click.option("--org", type=int, default=None,
              help="The organisation whose nomination to withdraw (default: the signing key's; a committee "
                   "member gives it, see `ledger award list`).")
@pass_app
def award_withdraw(app: App, type_id: int, subject: str, org: int | None) -> None:
    """Withdraw a nomination: as the nominating key, its node's current key or its parent's, or (by
    proposal) as a committee member.

    \b
    Examples:
      ledger award withdraw 402 0x5e... --key community
      ledger award withdraw 402 0x5e... --org 3            a committee member, by proposal
    """
    result = app.ledger().withdraw_nomination(type_id, subject, org)
    if app.json_output:
        render.print_json(result)
    elif "proposal_id" in result and not result.get("executed"):
        render.message(f"[yellow]proposed:[/] withdraw organisation {result['org']}'s nomination - proposal "
                       f"{result['proposal_id']}; other members run `ledger committee approve "
                       f"{result['proposal_id']}`")
    else:
        render.message(f"withdrew organisation {result['org']}'s nomination of {result['subject']} for type "
                       f"{type_id}; tx {result['tx_hash']}")


@award.command("list")
@common_options
@click.argument("type_id", type=int)
@click.option("--subject", default=None, help="Only this subject's nominations (read from the contract).")
@pass_app
def award_list(app: App, type_id: int, subject: str | None) -> None:
    """The live nominations for the current version of award TYPE_ID, and how many each subject has.

    \b
    Examples:
      ledger award list 402
      ledger award list 402 --subject 0x5e... --json
    """
    result = app.ledger(need_key=False).nominations(type_id, subject)
    if app.json_output:
        render.print_json(result)
        return
    needed = result["min_nominations"]
    render.table(
        f"Nominations for type {type_id} (version {result['version']}; the award needs {needed})",
        ("subject", "organisation", "nominator", "block"),
        [(n["subject"], n["org"], n["nominator"], n["block"]) for n in result["nominations"]],
    )
    for row in result["subjects"]:
        # The issuing organisation's own nomination counts only if the type says so: "enough" is an upper bound.
        mark = "enough" if row["organisations"] >= needed else f"{needed - row['organisations']} more needed"
        render.message(f"{row['subject']}: {row['organisations']} organisation(s) - {mark}")


COMMANDS = [award]
