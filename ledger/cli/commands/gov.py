"""Governance: ``ledger committee ...``, ``ledger issuer ...``, ``ledger type ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ledger.cli import render
from ledger.cli.app import App, common_options, json_option, pass_app, workspace_option


def _outcome(app: App, outcome: Any, what: str) -> None:
    data = render.to_jsonable(outcome)
    if app.json_output:
        render.print_json(data)
        return
    if data.get("offered"):
        render.message(f"[green]offered:[/] {what} (tx {data['tx_hash']}); {data.get('next', '')}")
    elif data.get("executed"):
        # A direct call (an issuer acting itself) has no proposal id.
        by = f"proposal {data['proposal_id']}, " if data.get("proposal_id") is not None else ""
        render.message(f"[green]done:[/] {what} ({by}tx {data['tx_hash']})")
    elif data.get("state") == "cancelled":
        render.message(f"[green]cancelled:[/] {what} (tx {data['tx_hash']})")
    else:
        expires = f", open until block {data['expires_at']}" if data.get("expires_at") else ""
        render.message(
            f"[yellow]proposed:[/] {what} - proposal {data['proposal_id']} has {data['approvals']} of "
            f"{data['threshold']} approvals{expires}; other members run "
            f"`ledger committee approve {data['proposal_id']}`"
        )


# -- committee --------------------------------------------------------------------------------


@click.group()
def committee() -> None:
    """The committee: k-of-n governance of members, issuers and types.

    Every change is a proposal; it executes when approvals (the proposer's included) reach the
    threshold. With one member and threshold 1 it executes at once.

    Proposals expire after a window of blocks (`ledger committee window`); their proposer, or the
    committee, cancels them.

    \b
    Examples:
      ledger committee add-member 0xAbc...
      ledger committee threshold 2
      ledger committee list --pending
      ledger committee approve 3 --key member2
      ledger committee cancel 3
      ledger committee window 20000
    """


@committee.command("add-member")
@common_options
@click.argument("address")
@pass_app
def committee_add_member(app: App, address: str) -> None:
    """Propose a new committee member.

    \b
    Example:
      ledger committee add-member 0xAbc...
    """
    _outcome(app, app.ledger().add_member(address), f"add member {address}")


@committee.command("remove-member")
@common_options
@click.argument("address")
@pass_app
def committee_remove_member(app: App, address: str) -> None:
    """Propose removing a member.

    \b
    Example:
      ledger committee remove-member 0xAbc...
    """
    _outcome(app, app.ledger().remove_member(address), f"remove member {address}")


@committee.command("threshold")
@common_options
@click.argument("count", type=int)
@pass_app
def committee_threshold(app: App, count: int) -> None:
    """Propose a new approval threshold (1 to the member count).

    \b
    Example:
      ledger committee threshold 2
    """
    _outcome(app, app.ledger().set_threshold(count), f"set threshold to {count}")


@committee.command("approve")
@common_options
@click.argument("proposal_id", type=click.IntRange(0))
@pass_app
def committee_approve(app: App, proposal_id: int) -> None:
    """Approve a pending proposal; it executes when the threshold is reached.

    \b
    Example:
      ledger committee approve 3 --key member2
    """
    _outcome(app, app.ledger().approve(proposal_id), f"proposal {proposal_id}")


@committee.command("cancel")
@common_options
@click.argument("proposal_id", type=click.IntRange(0))
@pass_app
def committee_cancel(app: App, proposal_id: int) -> None:
    """Cancel a pending proposal: its proposer at once; another member proposes the committee's cancellation.

    \b
    Example:
      ledger committee cancel 3
    """
    _outcome(app, app.ledger().cancel_proposal(proposal_id), f"cancel proposal {proposal_id}")


@committee.command("window")
@common_options
@click.argument("blocks", type=click.IntRange(1, 2**32))
@pass_app
def committee_window(app: App, blocks: int) -> None:
    """Propose the window (in blocks) a proposal made from then on stays open.

    \b
    Example:
      ledger committee window 20000
    """
    _outcome(app, app.ledger().set_proposal_window(blocks), f"set the proposal window to {blocks} blocks")


@committee.command("list")
@common_options
@click.option("--pending", is_flag=True, help="Only proposals still open (pending and not expired).")
@pass_app
def committee_list(app: App, pending: bool) -> None:
    """List proposals with their calls decoded, their state and expiry (and the members and threshold).

    Each proposal shows the function it calls and its arguments by name (issuer, status, threshold ...),
    and its state: pending (until its last block), executed, cancelled or expired.

    \b
    Example:
      ledger committee list --pending
    """
    info = app.ledger(need_key=False).committee(pending_only=pending)
    if app.json_output:
        render.print_json(info)
        return
    from ledger.operations.governance import ProposedCall

    render.fields("Committee", [("members", ", ".join(info["members"])), ("threshold", info["threshold"]),
                                ("proposal window", f"{info['proposal_window']:,} blocks"),
                                ("block now", info["block"])])
    render.table(
        "Proposals",
        ("id", "action", "proposer", "approvals", "state", "expires"),
        [(p["id"], str(ProposedCall(p["action"], p["function"], p["args"])), p["proposer"], p["approvals"],
          p["state"], f"block {p['expires_at']}" + (f" ({p['blocks_left']:,} left)" if p["state"] == "pending" else ""))
         for p in info["proposals"]],
    )


# -- issuers ----------------------------------------------------------------------------------


@click.group()
def issuer() -> None:
    """Issuers: universities, communities, enterprises and authorities allowed to write.

    An issuer signs with one key at a time: it rotates to a successor key (`rotate`, then `accept` by the
    new key), and a stolen key is marked compromised since a block (`compromised`), which voids what it
    wrote from then on. A child issuer is offered by its parent and accepted by the child key.

    \b
    Examples:
      ledger issuer add 0xUni... --kind university --scope 101,102 --name "Example University"
      ledger issuer add 0xCollege... --kind university --scope 101 --name "School of CS" --child --key uni
      ledger issuer accept 0xUni... --key college          the child key accepts its parent's offer
      ledger issuer rotate --successor 0xNew... --key uni   then: ledger issuer accept 0xUni... --key new
      ledger issuer compromised 0xUni... --since 2026-03-01
      ledger issuer suspend 0xUni...
      ledger issuer list
    """


@issuer.command("add")
@common_options
@click.argument("address")
@click.option("--kind", required=True, type=click.Choice(["university", "community", "enterprise", "authority"]))
@click.option("--scope", default="", help="Comma-separated type ids it may issue, or 'any' (authority only).")
@click.option("--name", "display_name", required=True, help="Display name (an institution, not a person).")
@click.option("--domain", default="", help="The institution's web domain.")
@click.option("--child", is_flag=True,
              help="Offer it a place as a child of the signing issuer (no committee vote); the child key accepts "
                   "with `ledger issuer accept PARENT`.")
@pass_app
def issuer_add(app: App, address: str, kind: str, scope: str, display_name: str, domain: str, child: bool) -> None:
    """Add an issuer (through the committee), or offer a child place (--child; the child key accepts).

    Scope is granted against each type's allowed issuer kinds: define the types first.

    \b
    Examples:
      ledger issuer add 0xUni... --kind university --scope 101,102 --name "Example University"
      ledger issuer add 0xCollege... --kind university --scope 101 --name "School of CS" --child --key uni
      ledger issuer accept 0xUni... --key college
    """
    outcome = app.ledger().add_issuer(
        address, kind=kind, scope=scope, metadata={"name": display_name, "domain": domain}, child=child
    )
    _outcome(app, outcome, f"add issuer {address}")


@issuer.command("well-known")
@workspace_option
@json_option
@click.argument("domain")
@click.argument("addresses", nargs=-1)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the document to FILE (default: print it).")
@pass_app
def issuer_well_known(app: App, domain: str, addresses: tuple[str, ...], out_path: Path | None) -> None:
    """Make the document an institution publishes at https://DOMAIN/.well-known/did.json.

    It is the DID document of did:web:DOMAIN: the issuer accounts registered with that domain (or the
    ADDRESSES given) as verification methods, and this deployment with each issuer's registry metadata.
    Verifiers fetch it to show the institution's domain as verified (the issuer_domain step). Run it in
    the workspace that added the issuers (it holds their metadata).

    \b
    Examples:
      ledger issuer well-known university.example --out did.json
      ledger issuer well-known university.example 0xUni... 0xCollege...
    """
    import json as _json

    document = app.ledger(need_key=False).well_known_document(domain, list(addresses) or None)
    text = _json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out_path is None:
        click.echo(text, nl=False)
        return
    from ledger.files import write_private_file

    write_private_file(out_path, text.encode("utf-8"))
    out_path.chmod(0o644)  # a public document, to be served as it is
    if app.json_output:
        render.print_json({"file": str(out_path), "did": document["id"],
                           "issuers": len(document["verificationMethod"])})
    else:
        render.message(f"wrote {render.escape(str(out_path))}: publish it at https://{domain}/.well-known/did.json")


def _status_command(name: str, status: str, verb: str) -> click.Command:
    @click.command(name, help=f"{verb} an issuer (committee, or its parent).\n\n\b\nExample:\n  ledger issuer {name} 0xUni...")
    @common_options
    @click.argument("address")
    @pass_app
    def command(app: App, address: str) -> None:
        _outcome(app, app.ledger().set_issuer_status(address, status), f"{name} issuer {address}")

    return command


@issuer.command("accept")
@common_options
@click.argument("address")
@pass_app
def issuer_accept(app: App, address: str) -> None:
    """Accept, as the signing key, an offer: a child place offered by the issuer ADDRESS, or the authority
    of the issuer ADDRESS (a successor key after `ledger issuer rotate`).

    \b
    Examples:
      ledger issuer accept 0xUni... --key college       become a child of 0xUni... with the offered terms
      ledger issuer accept 0xUni... --key uni-2026      become the current key of 0xUni...'s issuer
    """
    result = app.ledger().accept(address)
    if app.json_output:
        render.print_json(result)
        return
    if result["accepted"] == "child":
        render.message(f"[green]accepted:[/] {result['issuer']} is a child of {result['parent']} "
                       f"({result['kind']}, scope {result['scope'] or 'none'}; tx {result['tx_hash']})")
    else:
        render.message(f"[green]accepted:[/] {result['key']} speaks for the issuer of {result['issuer']} now; "
                       f"{result['previous_key']} writes nothing more (tx {result['tx_hash']})")


@issuer.command("rotate")
@common_options
@click.option("--successor", required=True, metavar="ADDRESS", help="The new key (fresh, never an issuer).")
@click.option("--issuer", "target", default=None, metavar="ADDRESS",
              help="The issuer whose key changes (default: the signing key's own; a parent names its child).")
@pass_app
def issuer_rotate(app: App, successor: str, target: str | None) -> None:
    """Offer a successor key the authority of an issuer; the successor accepts (`ledger issuer accept`).

    The issuer's current key rotates itself; a parent replaces the lost key of its child; the committee
    (by proposal) replaces any. The old key writes nothing after the rotation, and the new key manages
    everything the old one wrote.

    \b
    Examples:
      ledger issuer rotate --successor 0xNew... --key uni                 the key hands over
      ledger issuer rotate --issuer 0xCollege... --successor 0xNew... --key uni   a parent, for a lost key
      ledger issuer accept 0xUni... --key new                            then, by the new key
    """
    _outcome(app, app.ledger().rotate(successor, target), f"successor {successor} for {target or 'the signing key'}")


@issuer.command("compromised")
@common_options
@click.argument("address")
@click.option("--since", required=True, metavar="BLOCK|DATE|now",
              help="The first block the owner does not vouch for (a block, an ISO date, or now).")
@pass_app
def issuer_compromised(app: App, address: str, since: str) -> None:
    """Mark a key compromised since a block or date: everything it wrote from then on is void.

    The committee marks any key (by proposal), the key's issuer (its current key after a rotation) or its
    parent mark it directly (only earlier than an existing mark), and the key itself reports "now". Give the
    issuer a new key afterwards (`ledger issuer rotate`), and review what the key wrote since (`ledger audit
    issuer ADDRESS`).

    \b
    Examples:
      ledger issuer compromised 0xCollege... --since 2026-03-01 --key uni     a parent
      ledger issuer compromised 0xUni... --since 1200                          the committee (a proposal)
      ledger issuer compromised 0xUni... --since now --key uni                the key reports itself
    """
    _outcome(app, app.ledger().mark_compromised(address, since), f"mark {address} compromised since {since}")


issuer.add_command(_status_command("suspend", "suspended", "Suspend"))
issuer.add_command(_status_command("reinstate", "active", "Reinstate"))
issuer.add_command(_status_command("retire", "retired", "Retire (final)"))


@issuer.command("scope")
@common_options
@click.argument("address")
@click.option("--allow", default="", help="Comma-separated type ids to allow.")
@click.option("--disallow", default="", help="Comma-separated type ids to take away.")
@pass_app
def issuer_scope(app: App, address: str, allow: str, disallow: str) -> None:
    """Change the types an issuer may issue.

    \b
    Example:
      ledger issuer scope 0xUni... --allow 103
    """
    if not allow and not disallow:
        raise click.UsageError("give --allow and/or --disallow")
    for outcome in app.ledger().set_issuer_scope(address, allow=allow, disallow=disallow):
        _outcome(app, outcome, f"scope of {address}")


@issuer.command("list")
@common_options
@pass_app
def issuer_list(app: App) -> None:
    """List issuers with kind, status and scope.

    \b
    Example:
      ledger issuer list --json
    """
    rows = app.ledger(need_key=False).issuers()
    if app.json_output:
        render.print_json(rows)
        return
    render.table(
        "Issuers",
        ("address", "name", "kind", "status", "scope", "parent"),
        [(r["address"], r.get("name", ""), r["kind"], r["status"], r["scope"], r["parent"] or "") for r in rows],
    )


@issuer.command("show")
@common_options
@click.argument("address")
@pass_app
def issuer_show(app: App, address: str) -> None:
    """One issuer with its status history.

    \b
    Example:
      ledger issuer show 0xUni...
    """
    info = app.ledger(need_key=False).issuer(address)
    if app.json_output:
        render.print_json(info)
        return
    render.fields(f"Issuer {address}", [(k, v) for k, v in info.items() if k != "history" and v is not None])
    render.table("Status history", ("block", "status"), [(h["block"], h["status"]) for h in info["history"]])


# -- certificate types ------------------------------------------------------------------------


@click.group("type")
def type_() -> None:
    """Certificate types ("talent standards") with machine-checkable criteria.

    \b
    Examples:
      ledger type define --file blockchain-dev-1.toml
      ledger type define --id 101 --name "Blockchain Developer L1" --field blockchain \\
          --min-total 3 --min-kind code=2 --min-projects 2 --min-cosigns 1
      ledger type list
    """


@type_.command("define")
@common_options
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="TOML or JSON file.")
@click.option("--id", "type_id", type=int)
@click.option("--name", "type_name")
@click.option("--description", default="")
@click.option("--field", "field_name", default="general")
@click.option("--level", default=1, type=int)
@click.option("--allowed-issuers", default="university,community,enterprise,authority")
@click.option("--min-total", default=0, type=int)
@click.option("--min-kind", multiple=True, metavar="KIND=N", help="Minimum of one kind; repeat.")
@click.option("--min-projects", default=0, type=int)
@click.option("--min-cosigns", default=0, type=int)
@click.option("--window-from", default="")
@click.option("--window-to", default="")
@click.option("--prerequisite", multiple=True, type=int, help="Type id the subject must hold; repeat.")
@click.option("--dry-run", is_flag=True, help="Check the definition and show its metadata; send nothing.")
@pass_app
def type_define(app: App, path: Path | None, type_id: int | None, type_name: str | None, **flags: Any) -> None:
    """Define (or redefine, as a new version) a certificate type, from a file or flags.

    \b
    Examples:
      ledger type define --file blockchain-dev-1.toml
      ledger type define --id 101 --name "Blockchain Developer L1" --field blockchain --min-kind code=2
      ledger type define --file examples/awards/mentor-award.toml --dry-run
    """
    from ledger.credentials.standards import AWARD_CONTRACT_VERSION, parse_type

    lg = app.ledger(need_key=not flags["dry_run"])
    names = lg.vault.known_names()
    if path is not None:
        from ledger.credentials.standards import load_type_file

        definition = load_type_file(path, names)
    else:
        if type_id is None or not type_name:
            raise click.UsageError("give --file, or at least --id and --name")
        per_kind = {}
        for spec in flags["min_kind"]:
            kind, _, n = spec.partition("=")
            if not n:
                raise click.UsageError(f"--min-kind {spec!r}: use KIND=N, e.g. code=2")
            per_kind[kind] = n
        definition = parse_type(
            {
                "id": type_id,
                "name": type_name,
                "description": flags["description"],
                "field": flags["field_name"],
                "level": flags["level"],
                "allowed_issuers": flags["allowed_issuers"],
                "prerequisites": list(flags["prerequisite"]),
                "criteria": {
                    "min_total": flags["min_total"],
                    "min_per_kind": per_kind,
                    "min_distinct_projects": flags["min_projects"],
                    "min_cosigns": flags["min_cosigns"],
                    "window_from": flags["window_from"],
                    "window_to": flags["window_to"],
                },
            },
            names,
        )
    if flags["dry_run"]:
        shown = {"type_id": definition.type_id, "metadata": definition.metadata(),
                 "meta_hash": "0x" + definition.metadata_hash().hex(),
                 "needs_contracts": ".".join(map(str, AWARD_CONTRACT_VERSION)) if definition.award else None}
        if app.json_output:
            render.print_json(shown)
        else:
            render.fields(f"type {definition.type_id}: {render.escape(definition.name)} (dry run, nothing sent)",
                          [(k, v) for k, v in definition.metadata().items()] + [("meta hash", shown["meta_hash"])])
            if definition.award is not None:
                render.message(f"[yellow]an award type: its criteria are checked on chain by a CredentialRegistry "
                               f"{shown['needs_contracts']} or later[/]")
        return
    what = f"define type {definition.type_id} ({definition.name})"
    current = lg.contracts.credentials.credential_type(definition.type_id).version
    if current:
        # Redefining makes a new version; credentials issued before keep naming the version they were checked against.
        what += f" as version {current + 1} (credentials issued before keep version {current})"
    _outcome(app, lg.define_type(definition), what)


@type_.command("list")
@common_options
@pass_app
def type_list(app: App) -> None:
    """List certificate types.

    \b
    Example:
      ledger type list
    """
    rows = app.ledger(need_key=False).types()
    if app.json_output:
        render.print_json(rows)
        return
    render.table(
        "Certificate types",
        ("id", "version", "name", "field", "level", "criteria"),
        [(r["type_id"], r["version"], r.get("name", ""), r["field"], r["level"], r["narrative"]) for r in rows],
    )


@type_.command("show")
@common_options
@click.argument("type_id", type=int)
@pass_app
def type_show(app: App, type_id: int) -> None:
    """One certificate type with its criteria.

    \b
    Example:
      ledger type show 101
    """
    info = app.ledger(need_key=False).type(type_id)
    if app.json_output:
        render.print_json(info)
        return
    render.fields(f"Type {type_id}", info.items())


COMMANDS = [committee, issuer, type_]
