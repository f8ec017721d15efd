"""Workspace set-up: ``ledger init``, ``ledger key ...``, ``ledger subject ...``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from ledger.cli import render
from ledger.cli.app import (
    App,
    common_options,
    json_option,
    key_option,
    network_options,
    pass_app,
    workspace_option,
    yes_option,
)

if TYPE_CHECKING:
    from ledger.identity.keyring import KeyInfo


@click.command()
@workspace_option
@json_option
@network_options
@key_option
@click.option("--sdk-certs", metavar="DIR", help="fisco3 over HTTPS: directory with ca.crt, sdk.crt, sdk.key.")
@click.option("--crypto", type=click.Choice(["ecdsa", "sm"]),
              help="ecdsa (default) or sm: FISCO BCOS's guomi crypto (SM2 keys, SM3 hashes, SM3 contract builds). "
                   "The embedded chain becomes a local SM chain; FISCO nodes are asked for theirs.")
@click.option("--chain-id", type=int, help="Expected chain id; the node is checked against it.")
@click.option("--import-key", "import_key_file", metavar="FILE", help="Use the private key (hex) in FILE as admin.")
@click.option("--join", "join", metavar="ADDRESS",
              help="Use the deployment whose Committee (or IssuerRegistry) is at ADDRESS instead of deploying "
                   "(verifiers, auditors, other issuers of the same consortium).")
@click.option("--from-block", "join_block", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --join: the block the deployment was made in (the index reads events from there).")
@click.option("--proposal-window", type=click.IntRange(1, 2**32), default=None, metavar="BLOCKS",
              help="Blocks a committee proposal stays open (default 100,000; the committee can change it).")
@click.option("--predecessor", metavar="ADDRESS",
              help="The Committee of the deployment this one replaces (verifiers follow the link back).")
@pass_app
def init(
    app: App, sdk_certs: str | None, crypto: str | None, chain_id: int | None, import_key_file: str | None,
    join: str | None, join_block: int, proposal_window: int | None, predecessor: str | None,
) -> None:
    """Create a workspace: config, chain, an encrypted admin key, deployed contracts.

    Four contracts are deployed: the Committee and the three modules it governs (IssuerRegistry,
    ContributionLedger, CredentialRegistry). The key that deploys becomes the first committee member
    (threshold 1). With --join nothing is deployed: the workspace uses a consortium's existing
    contracts, and its key is just a key (the committee makes it an issuer if it is to write).

    \b
    Examples:
      ledger init                                   embedded chain in ./.ledger
      ledger init -w ./sm --crypto sm               embedded chain with FISCO BCOS's SM semantics
      ledger init -w ./uni --rpc-url http://127.0.0.1:8545
      ledger init --network fisco3 --rpc-url https://127.0.0.1:20200 --sdk-certs nodes/127.0.0.1/sdk
      ledger init -w ./hr --rpc-url http://127.0.0.1:8545 --join 0xCommittee... --from-block 120
      ledger init -w ./v2 --rpc-url http://127.0.0.1:8545 --predecessor 0xOldCommittee...
    """
    from ledger.contracts.deployment import DEFAULT_PROPOSAL_WINDOW
    from ledger.ledger import Ledger

    settings = app.settings(require_init=False)
    secret = _read_key_file(import_key_file) if import_key_file else None
    summary = Ledger.init(
        settings,
        key_name=app.key_name or "admin",
        password=app.password(confirm=True, prompt="New key password"),
        secret_hex=secret,
        sdk_certs=sdk_certs,
        crypto=crypto,
        chain_id=chain_id,
        join=join,
        join_block=join_block,
        proposal_window=proposal_window or DEFAULT_PROPOSAL_WINDOW,
        predecessor=predecessor,
    )
    if app.json_output:
        render.print_json(summary)
        return
    render.fields(f"Workspace ready at {render.escape(str(summary['workspace']))}", summary.items())


@click.group()
def key() -> None:
    """Keys in the workspace (Ethereum keystore v3, encrypted, mode 0600).

    \b
    Examples:
      ledger key new --name mentor
      ledger key import --name uni --from-file uni.hex
      ledger key list --json
    """


@key.command("new")
@workspace_option
@json_option
@key_option
@click.option("--name", required=True, help="Name for the new key.")
@click.option("--crypto", type=click.Choice(["ecdsa", "sm"]), default=None, help="Default: the chain's.")
@pass_app
def key_new(app: App, name: str, crypto: str | None) -> None:
    """Make a new random key, encrypted with a password. The secret is never printed.

    \b
    Example:
      ledger key new --name mentor
    """
    from ledger.ledger import Ledger

    info = Ledger.create_key(app.settings(), name, app.password(confirm=True, prompt="New key password"), crypto)
    _show_key(app, info)


@key.command("import")
@workspace_option
@json_option
@key_option
@click.option("--name", required=True, help="Name for the imported key.")
@click.option("--from-file", "source", required=True, metavar="FILE", help="File holding the private key as hex.")
@click.option("--crypto", type=click.Choice(["ecdsa", "sm"]), default=None, help="Default: the chain's.")
@pass_app
def key_import(app: App, name: str, source: str, crypto: str | None) -> None:
    """Import a private key (hex, in a file so that it stays out of shell history).

    \b
    Example:
      ledger key import --name uni --from-file uni.hex
    """
    from ledger.ledger import Ledger

    secret = _read_key_file(source)
    info = Ledger.import_key(app.settings(), name, secret, app.password(confirm=True), crypto)
    _show_key(app, info)


@key.command("list")
@workspace_option
@json_option
@pass_app
def key_list(app: App) -> None:
    """List the workspace's keys (names and addresses only).

    \b
    Example:
      ledger key list
    """
    from ledger.identity.keyring import Keyring

    infos = Keyring(app.settings().keys_dir).list(include_damaged=True)
    if app.json_output:
        render.print_json([{"name": i.name, "address": i.address or None, "crypto": i.crypto or None,
                            **({"damaged": i.damaged} if i.damaged else {})} for i in infos])
        return
    render.table("Keys", ("name", "address", "crypto"),
                 [(i.name, i.address, i.crypto) if not i.damaged else (i.name, f"DAMAGED: {i.damaged}", "")
                  for i in infos])


def _read_key_file(path: str) -> str:
    """The hex text of a private key file; an unreadable or non-text file is refused without its content."""
    from ledger.crypto.keystore import key_hex_text

    try:
        with open(path, "rb") as fh:
            data = fh.read(4096)  # a key file is 64 hex digits; more is not a key file
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from exc
    return key_hex_text(data)


def _show_key(app: App, info: KeyInfo) -> None:
    data = {"name": info.name, "address": info.address, "crypto": info.crypto}
    if app.json_output:
        render.print_json(data)
    else:
        render.fields("Key saved (encrypted)", data.items())


@click.group()
def subject() -> None:
    """Pseudonymous subjects. The person stays in the local vault; only the id goes on chain.

    \b
    Examples:
      ledger subject new --name "Li Hua" --email lihua@example.edu --student-number 2023001
      ledger subject find lihua
    """


@subject.command("new")
@workspace_option
@json_option
@click.option("--name", default="", help="The person's name (kept in the vault only).")
@click.option("--email", default="", help="Email (kept in the vault only).")
@click.option("--student-number", default="", help="Student or staff number (kept in the vault only).")
@pass_app
def subject_new(app: App, name: str, email: str, student_number: str) -> None:
    """Make a random subject id and remember who it is, off chain (encrypted in the vault).

    \b
    Example:
      ledger subject new --name "Li Hua" --student-number 2023001
    """
    vault = app.vault()
    s = vault.new_subject({"name": name, "email": email, "student_number": student_number})
    if app.json_output:
        render.print_json({"id": s.id})
    else:
        render.message(f"subject id: [bold]{s.id}[/]  (the person is in {render.escape(str(vault.path))}, "
                       "encrypted, never on chain)")


@subject.command("find")
@workspace_option
@json_option
@click.argument("text")
@pass_app
def subject_find(app: App, text: str) -> None:
    """Look a subject up in the local vault: by its id (or the start of it, 0x and 8 hex digits or more),
    a student number or an email address (whole), or words of a name (whole words, any case).

    \b
    Examples:
      ledger subject find 2023001
      ledger subject find "li hua"
      ledger subject find 0x5e3a9c1f --json
    """
    found = app.vault().find(text)
    if app.json_output:
        render.print_json([{"id": s.id, "person": s.person} for s in found])
        return
    if not found:
        render.message("no subject matches")
        raise SystemExit(1)
    render.table("Subjects", ("id", "person"), [(s.id, s.person) for s in found])


@subject.command("erase")
@workspace_option
@json_option
@click.argument("subject_id", metavar="SUBJECT")
@click.option("--delete-files", is_flag=True,
              help="Also delete this workspace's copies of their credential files (their lines of a bundle).")
@yes_option
@pass_app
def subject_erase(app: App, subject_id: str, delete_files: bool) -> None:
    """Erase a person (a PIPL/GDPR erasure request) and show what remains.

    Their vault key is deleted first (crypto-shredding: no copy of their fields opens afterwards), then
    their fields and lookup tags; their name is taken out of this workspace's finished batch journals.
    What remains is shown: the pseudonymous id on chain, which carries nothing about them and cannot be
    removed, and any credential files that still name them (--delete-files deletes those).

    \b
    Examples:
      ledger subject erase 0x5e...
      ledger subject erase 0x5e... --delete-files --yes --json
    """
    if not app.yes and not app.json_output and os.isatty(0):
        click.confirm(f"Erase the person behind {subject_id}? This cannot be undone", abort=True)
    result = app.ledger(need_key=False).erase_person(subject_id, delete_files=delete_files)
    if app.json_output:
        render.print_json(result)
        return
    vault = result["vault"]
    render.fields(f"Erased {result['subject']}" + (" (already erased)" if result["already_erased"] else ""), [
        ("vault", (f"key shredded; fields removed: {', '.join(vault['fields_removed']) or '-'}; "
                   f"{vault['lookup_tags_removed']} lookup and {vault['guard_tags_removed']} guard tags removed")),
        ("journal", f"name taken out of {len(result['journal']['batches_scrubbed'])} finished batch(es)"),
        ("files deleted", len(result["files"]["deleted"])),
    ])
    chain = result["on_chain"]
    render.fields("What remains", [
        ("in the vault", vault["kept"]),
        ("on chain", (f"the pseudonymous id in {chain['contributions']} contribution(s) and "
                      f"{chain['certificates']} certificate(s); {chain['note']}")),
        *[("file naming them", f"{f['path']} ({len(f['credential_ids'])} credential(s))") for f in result["files"]["remaining"]],
        *[("unfinished batch naming them", f"{b}: finish it (ledger cred issue --resume --batch {b}), then erase again")
          for b in result["journal"]["unfinished_batches_naming_them"]],
    ])


@click.command()
@common_options
@network_options
@pass_app
def recover(app: App) -> None:
    """Settle the bursts of transactions a stop interrupted (a dead node, a killed process).

    Every signed transaction of a burst is journaled before it is sent. For each unfinished burst of the
    signing key this says which were mined, sends again as signed those that were not (they cannot be
    mined twice), and sends anew, once, requests none of whose versions can be mined any more. The next
    command that writes with the key does the same by itself.

    \b
    Examples:
      ledger recover --key community
      ledger recover --json
    """
    lg = app.ledger()
    settled = lg.settle_bursts()
    others = [b for b in lg.bursts.pending() if b not in {s.burst for s in settled}]
    if app.json_output:
        render.print_json({"settled": [s.to_dict() for s in settled], "other_keys_bursts": others})
        return
    if not settled:
        render.message("no interrupted burst of this key")
    render.render_settlements([s.to_dict() for s in settled])
    if others:
        render.message(f"{len(others)} interrupted burst(s) of other keys: run `ledger recover --key NAME` with them")


COMMANDS = [init, key, subject, recover]
