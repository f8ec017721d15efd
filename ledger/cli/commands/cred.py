"""Credentials: ``ledger cred issue|revoke|suspend|reinstate|show|withhold|export`` and ``ledger verify``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledger.cli import render
from ledger.cli.app import REASONS, App, common_options, json_option, pass_app, workspace_option, yes_option

if TYPE_CHECKING:
    from typing_extensions import Self

#: Test hook: kill the process (like SIGKILL) when a batch reaches this stage. Used by crash tests.
CRASH_ENV = "LEDGER_TEST_CRASH_AT"


@click.group()
def cred() -> None:
    """Certificates: issue them in Merkle batches or singly with criteria checked on chain.

    \b
    Examples:
      ledger cred issue --type 201 --csv graduates.csv --key university   a batch from a CSV
      ledger cred issue --type 201 --jsonl graduates.jsonl --skip-invalid
      ledger cred issue --resume                                       finish every interrupted batch
      ledger cred issue --resume --batch 20261125T101500-ab12cd --out ./rescued   write its files elsewhere
      ledger cred issue --type 201 --csv graduates.csv --layout jsonl  the batch in one file
      ledger cred export credentials/20261125T101500-ab12cd.jsonl --subject 0x5e...   one holder's file
      ledger cred issue --type 101 --subject 0x5e... --evidence 0x9a... --evidence 0x7c...
      ledger cred revoke cert.json --reason misconduct
      ledger cred revoke --batch 0xd38d... --reason issued-in-error     a whole batch, one transaction
      ledger cred revoke --subject 0x5e... --reason misconduct          every credential of a subject
      ledger cred withhold cert.json holder --out for-employer.json    share it without your name
    """


@cred.command("issue")
@common_options
@click.option("--type", "type_id", type=int, help="Certificate type id.")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with columns subject (or student_number) and optional name.")
@click.option("--jsonl", "jsonl_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON Lines with the same keys.")
@click.option("--skip-invalid", is_flag=True, help="Leave bad rows out (they are listed) instead of stopping.")
@click.option("--new-subjects", is_flag=True, help="Make subject ids for student numbers not in the vault.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where credential files go (default: the workspace's credentials/); with --resume, "
                   "a new place for the files of the batches resumed.")
@click.option("--valid-until", default=None, help="Expiry date (YYYY-MM-DD) written into the credentials.")
@click.option("--layout", type=click.Choice(["files", "jsonl"]), default="files", show_default=True,
              help="files: one JSON file per credential; jsonl: the whole batch in one JSON Lines file.")
@click.option("--resume", "resume", is_flag=True, help="Finish interrupted batches (or the one named by --batch).")
@click.option("--batch", "batch_id", default=None, help="With --resume: the batch id to finish.")
@click.option("--subject", default=None, help="Checked issuance: the subject id.")
@click.option("--evidence", multiple=True, help="Checked issuance: a contribution key; repeat.")
@click.option("--prerequisite", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Checked issuance: a prerequisite credential file; repeat.")
@click.option("--holder", default=None,
              help="Checked issuance: holder display name, in the document only (default: the name the vault "
                   "keeps for the subject).")
@click.option("--again", is_flag=True,
              help="Issue even if it repeats: a subject who already holds a valid certificate of this type from "
                   "you, or (a batch) a file already issued or still unfinished.")
@click.option("--name-files-by", "name_files_by", type=click.Choice(["student_number", "subject", "name"]),
              default=None, help="Batch, files layout: name each credential's file by this column (2023001.json) "
                                 "instead of its id. Every batch also gets a manifest.csv (row, file, id, subject).")
@pass_app
def cred_issue(app: App, type_id: int | None, csv_path: Path | None, jsonl_path: Path | None, **opts: Any) -> None:
    """Issue credentials: a batch from a file, one checked by the contract, or resume a batch.

    \b
    Examples:
      ledger cred issue --type 201 --csv graduates.csv --new-subjects --key university
      ledger cred issue --type 101 --subject 0x5e... --evidence 0x9a... --evidence 0x7c... --key community
      ledger cred issue --resume

    --key names the issuer's key (default: the workspace's first key, the committee member's).
    """
    if csv_path is not None and jsonl_path is not None:
        raise click.UsageError("give one batch file: --csv FILE or --jsonl FILE, not both")
    lg = app.ledger()
    hook_stage = app.env.get(CRASH_ENV)
    app.interrupt_hint = (
        "a batch stopped part way is kept in the workspace's journal; `ledger cred issue --resume` finishes it "
        "with the same credentials (it asks the chain whether the root is already anchored, so nothing is "
        "anchored twice)"
    )
    if opts["resume"]:
        with _Bars(app) as bars:
            outcome = lg.resume_batches(
                opts["batch_id"], progress=bars.update, crash_at=hook_stage, out_dir=opts["out_dir"]
            )
        if app.json_output:
            render.print_json([r.to_dict() for r in outcome.finished] + [f.to_dict() for f in outcome.failed])
        else:
            if not outcome.finished and not outcome.failed:
                render.message("no unfinished batch")
            for r in outcome.finished:
                _show_batch(r.to_dict())
            if outcome.failed:
                render.table(
                    f"{len(outcome.failed)} batch(es) not finished", ("batch", "error", "what to do"),
                    [(f.batch_id, f"{f.error_class}: {f.error}", f.hint or "") for f in outcome.failed],
                )
        if outcome.failed:
            raise SystemExit(1)
        return
    if type_id is None:
        raise click.UsageError("give --type (or --resume)")
    source = csv_path or jsonl_path
    if opts["subject"] or opts["evidence"]:
        if source is not None:
            raise click.UsageError("give either a file (--csv/--jsonl) or --subject/--evidence, not both")
        if not opts["subject"]:
            raise click.UsageError("checked issuance needs --subject")
        result = lg.issue_checked(
            type_id,
            opts["subject"],
            list(opts["evidence"]),
            prerequisites=list(opts["prerequisite"]),
            holder_name=opts["holder"],
            out_dir=opts["out_dir"],
            valid_until=opts["valid_until"],
            again=opts["again"],
        )
        if app.json_output:
            render.print_json(result)
        else:
            render.fields("Certificate issued (criteria checked on chain)", result.items())
        return
    if source is None:
        raise click.UsageError("give --csv FILE or --jsonl FILE (a batch), or --subject and --evidence")
    with _Bars(app) as bars:
        batch = lg.issue_batch(
            type_id,
            source,
            skip_invalid=opts["skip_invalid"],
            new_subjects=opts["new_subjects"],
            out_dir=opts["out_dir"],
            valid_until=opts["valid_until"],
            progress=bars.update,
            crash_at=hook_stage,
            layout=opts["layout"],
            again=opts["again"],
            name_files_by=opts["name_files_by"],
        )
    data = batch.to_dict()
    if app.json_output:
        render.print_json(data)
        return
    _show_batch(data)


def _show_batch(data: dict[str, Any]) -> None:
    skipped = data.pop("skipped_rows", [])
    render.fields(f"Batch {data['batch_id']}", [(k, v) for k, v in data.items() if k != "batch_id"])
    if skipped:
        render.table(
            f"{len(skipped)} row(s) skipped", ("row", "column", "reason"),
            [(s["row"], s["column"] or "", s["reason"]) for s in skipped],
        )


class _Bars:
    """Rich progress bars for hashing, writing and anchoring (silent with --json)."""

    def __init__(self, app: App) -> None:
        self.enabled = not app.json_output
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Self:
        if self.enabled:
            self.progress = render.progress()
            self.progress.start()
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        task = self.tasks.get(stage)
        if task is None:
            task = self.tasks[stage] = self.progress.add_task(stage, total=max(total, 1))
        self.progress.update(task, completed=done, total=max(total, 1))

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _status_command(name: str, status: str, needs_reason: bool) -> click.Command:
    whole = status == "revoked"

    @click.command(name)
    @common_options
    @yes_option
    @click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--reason", type=click.Choice(REASONS), required=needs_reason, default=None if needs_reason else "other")
    @click.option("--id", "ids", multiple=True, metavar="ID", help="A credential id (urn:uuid:... or the uuid); repeat.")
    @click.option("--subject", "subjects", multiple=True, metavar="ID",
                  help="Every credential of this subject from your issuer (batch ones from the journal); repeat.")
    @click.option("--list", "lists", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="A file naming credentials one a line (id, hash, subject or path), or a CSV with a "
                       "credential_id, hash or subject column (a batch's manifest.csv); repeat.")
    @click.option("--batch", "batches", multiple=True, metavar="BATCH",
                  help="Every credential of a batch (its id or root); repeat.")
    @pass_app
    def command(app: App, paths: tuple[Path, ...], reason: str, ids: tuple[str, ...], subjects: tuple[str, ...],
                lists: tuple[Path, ...], batches: tuple[str, ...]) -> None:
        from ledger.operations.revoking import Selection

        selection = Selection(paths, ids, subjects, lists, batches)
        if not selection:
            raise click.UsageError("name the credentials: FILES (files, directories, bundles), --id, --subject, "
                                   "--list or --batch")
        if not app.yes and not app.json_output and os.isatty(0) and (subjects or lists or batches or
                                                                      any(p.is_dir() or p.suffix == ".jsonl" for p in paths)):
            click.confirm(f"{name.capitalize()} every credential this names?", abort=True)
        with _Bars(app) as bars:
            outcome = app.ledger().change_statuses(selection, status, reason,
                                                   progress=lambda done, total: bars.update(name, done, total))
        if app.json_output:
            render.print_json(outcome.to_dict())
            return
        render.render_settlements(outcome.settled_bursts)
        for tx in outcome.transactions:
            what = (f"batch {tx['root']} as a whole ({tx['count']} credential(s))" if tx["what"] == "batch" else
                    f"{tx['count']} credential(s) of batch {tx['root']}" if tx["what"] == "leaves" else
                    f"credential {tx['credential_hash']}")
            proposed = (f" (proposal {tx['proposal_id']}{'' if tx.get('executed') else ', waiting for approvals'})"
                        if "proposal_id" in tx else "")
            render.message(f"{name}: {what} ({outcome.reason}) by {tx['function']} in block {tx['block']}{proposed}")
        for row in outcome.unchanged[:20]:
            render.message(f"left as it is ({row['why']}): {row['credential_hash'] or row['root']}"
                           f"  [dim]{render.escape(row['named_by'])}[/]")
        if len(outcome.unchanged) > 20:
            render.message(f"... and {len(outcome.unchanged) - 20} more left as they were")
        render.message(f"[bold]{len(outcome.changed)} {status}, {len(outcome.proposed)} proposed, "
                       f"{len(outcome.unchanged)} left as they were, in {len(outcome.transactions)} transaction(s)[/]")

    verb = {"revoke": "Revoke", "suspend": "Suspend", "reinstate": "Reinstate (after a suspension)"}[name]
    example = " --reason misconduct" if needs_reason else ""
    command.help = (
        f"{verb} credentials (as their issuer, or as a committee member: then proposed).\n\n"
        "Name them by file (a credential file, a directory of them, a batch bundle), by --id, --subject, --list "
        "or --batch, in any mix. Each is checked first: one already so is left as it is (running the command "
        "again repeats nothing), one that cannot be changed stops everything before anything is sent. The "
        "leaves of one batch change in one transaction, however many"
        + ("; a whole batch (--batch) is revoked by one transaction, whatever its size" if whole else "")
        + "; a credential issued singly (criteria checked) takes one each. They go as one journaled burst.\n\n"
        "\b\nExamples:\n"
        f"  ledger cred {name} cert.json{example}\n"
        f"  ledger cred {name} --batch 20261125T101500-ab12cd{example}\n"
        f"  ledger cred {name} --list manifest.csv --subject 0x5e...{example}\n"
        f"  ledger cred {name} --id urn:uuid:0f8e... --id urn:uuid:77aa...{example}\n"
    )
    return command


cred.add_command(_status_command("revoke", "revoked", True))
cred.add_command(_status_command("suspend", "suspended", True))
cred.add_command(_status_command("reinstate", "valid", False))


@cred.command("show")
@common_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def cred_show(app: App, file: Path) -> None:
    """Show what a credential file says (no chain access).

    \b
    Example:
      ledger cred show cert.json
    """
    from ledger.credentials.parse import parse_credential, read_credential_file

    _one_credential(file)
    c = parse_credential(read_credential_file(file))
    info = {
        "id": c.id,
        "hash": "0x" + c.hash.hex(),
        "issuer": c.issuer.id,
        "issuer_name": c.issuer.name,
        "subject": c.subject_id,
        "holder": c.holder_name,
        "type": f"{c.achievement.type_id} v{c.achievement.type_version}: {c.achievement.name}",
        "valid_from": c.template.valid_from,
        "valid_until": c.template.valid_until,
        "proof": c.proof.kind if c.proof else None,
        "withheld": sorted(c.withheld),
    }
    if app.json_output:
        render.print_json(info)
    else:
        render.fields(f"Credential {render.escape(str(file))}", info.items())


def _one_credential(path: Path) -> None:
    """Refuse a batch bundle where one credential is meant, saying how to get one out of it."""
    from ledger.credentials.bundle import is_bundle
    from ledger.errors import ValidationError

    if is_bundle(path):
        raise ValidationError(
            f"{path} is a batch bundle (one credential per line), not one credential",
            hint=f"write the one you mean to its own file first: ledger cred export {path} --id ID (or --subject ID)",
        )


@cred.command("withhold")
@json_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("fields", nargs=-1, required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the copy goes (default: FILE's name with .withheld.json).")
@pass_app
def cred_withhold(app: App, file: Path, fields: tuple[str, ...], out: Path | None) -> None:
    """Make a copy of a credential with some fields withheld; the copy still verifies.

    FIELDS: holder (the holder's name), subject (the pseudonymous subject id, which links the credential
    to the subject's other records on chain), evidence (the contributions named as evidence), or their
    paths. A verifier sees which fields were withheld, never their values. Keep your full copy: it holds
    the salts, and only it can make other copies. Needs no workspace and no chain.

    \b
    Examples:
      ledger cred withhold alice.json holder                   writes alice.withheld.json
      ledger cred withhold alice.json subject evidence --out for-employer.json
    """
    from ledger.credentials.disclosure import withhold
    from ledger.credentials.parse import parse_credential, read_credential_file
    from ledger.errors import ValidationError
    from ledger.files import write_private_file

    _one_credential(file)
    copy = withhold(parse_credential(read_credential_file(file)), fields)
    target = out or file.with_name(file.name.removesuffix(".json") + ".withheld.json")
    if target.exists():
        raise ValidationError(f"{target} already exists", hint="give another file with --out")
    write_private_file(target, copy.to_json())
    result = {"file": str(target), "withheld": sorted(copy.withheld), "credential_hash": "0x" + copy.hash.hex()}
    if app.json_output:
        render.print_json(result)
        return
    render.message(f"wrote {render.escape(str(target))}, withholding {', '.join(result['withheld'])}")


@cred.command("export")
@workspace_option
@json_option
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the files (default: beside the bundle, named like it without .jsonl).")
@click.option("--id", "ids", multiple=True, metavar="ID",
              help="A credential id (urn:uuid:... or the uuid) to export; repeatable.")
@click.option("--subject", "subjects", multiple=True, metavar="ID",
              help="Export the credentials of this subject id (0x...); repeatable.")
@click.option("--manifest", is_flag=True,
              help="Also write manifest.csv in the directory: file, line of the bundle, credential id, subject.")
@pass_app
def cred_export(app: App, bundle: Path, out_dir: Path | None, ids: tuple[str, ...], subjects: tuple[str, ...],
                manifest: bool) -> None:
    """Write credentials of a batch bundle (``--layout jsonl``) to files of their own.

    Every credential of the bundle, or those named by --id or --subject. Each file is the bundle's
    line byte for byte (what the files layout writes), mode 0600, made durable; nothing is written if
    any named credential is missing or a file of the same name is already there.

    \b
    Examples:
      ledger cred export credentials/20261125T101500-ab12cd.jsonl                  all, one file each
      ledger cred export credentials/20261125T101500-ab12cd.jsonl --subject 0x5e...   one holder's
      ledger cred export batch.jsonl --id urn:uuid:0f8e... --out ./for-li-hua --json
      ledger cred export credentials/20261125T101500-ab12cd.jsonl --manifest     files + manifest.csv
    """
    from ledger.credentials.bundle import default_directory, export, export_manifest
    from ledger.files import write_private_file

    directory = (out_dir or default_directory(bundle)).absolute()
    with _Bars(app) as bars:
        report = export(bundle, directory, ids=ids, subjects=subjects,
                        progress=lambda done, total: bars.update("writing", done, total))
    manifest_file = directory / "manifest.csv" if manifest else None
    if manifest_file is not None:
        write_private_file(manifest_file, export_manifest(bundle, report))
    if app.json_output:
        render.print_json({"directory": str(directory), "files": [str(p) for p in report.paths],
                           "bytes": report.bytes_written, "durability": report.durability,
                           "manifest": str(manifest_file) if manifest_file else None})
        return
    render.message(f"wrote {len(report.paths)} credential file(s) to {render.escape(str(directory))}"
                   + (f", and {render.escape(str(manifest_file))}" if manifest_file else ""))


def _verifier_url(app: App, given: str | None) -> str:
    """The web verifier's address: --verifier, else the workspace's [serve] public_url or host and port."""
    if given:
        return given
    from ledger.errors import ConfigError

    try:
        serve = app.settings().serve
    except ConfigError:
        raise click.UsageError("give --verifier URL (the address of a `ledger serve`), or run this in a workspace "
                               "whose [serve] section names public_url") from None
    if serve.public_url:
        return serve.public_url
    host = serve.host if ":" not in serve.host else f"[{serve.host}]"
    return f"http://{host}:{serve.port}/"


@cred.command("share")
@workspace_option
@json_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verifier", "verifier", default=None, metavar="URL",
              help="The web verifier's address (default: the workspace's [serve] public_url, or http://HOST:PORT/).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the QR code files (default: beside FILE).")
@click.option("--no-qr", is_flag=True, help="Print the link only; write no QR code.")
@pass_app
def cred_share(app: App, file: Path, verifier: str | None, out_dir: Path | None, no_qr: bool) -> None:
    """Print a link that opens FILE in the web verifier, and write its QR code (PNG and SVG).

    The credential travels in the link's fragment (after #), which browsers never send to a server:
    it is in no access log. The page reads it and verifies it with the verifier's API.

    \b
    Examples:
      ledger cred share alice.json --verifier https://verify.example.edu
      ledger cred share alice.json --out ./for-alice --json      # link, alice.qr.png, alice.qr.svg
    """
    from ledger.credentials.parse import parse_credential, read_credential_file
    from ledger.render.share import share_link, write_qr

    _one_credential(file)
    credential = parse_credential(read_credential_file(file))
    link = share_link(_verifier_url(app, verifier), credential.to_json())
    codes = None
    if not no_qr:
        directory = out_dir or file.parent
        directory.mkdir(parents=True, exist_ok=True)
        codes = write_qr(link, directory / f"{file.stem}.qr")
    if app.json_output:
        render.print_json({"link": link, "length": len(link),
                           **({"qr_png": str(codes.png), "qr_svg": str(codes.svg), "qr_version": codes.version}
                              if codes else {})})
        return
    click.echo(link)
    if codes is not None:
        render.note(f"QR code (version {codes.version}): {render.escape(str(codes.png))}, "
                    f"{render.escape(str(codes.svg))}")


@cred.command("render")
@workspace_option
@json_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the printable certificate as HTML (the default when no output is named: the credential file's name with .html, beside it).")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write it as PDF (A4 landscape), printed by headless Chromium.")
@click.option("--badge-svg", "badge_svg_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write an Open Badges 3.0 baked badge (SVG carrying the credential).")
@click.option("--badge-png", "badge_png_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write an Open Badges 3.0 baked badge (PNG carrying the credential; drawn by Chromium).")
@click.option("--verifier", default=None, metavar="URL", help="The web verifier the QR code opens (as for `cred share`).")
@click.option("--template", "template_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="An HTML template (default: the workspace's templates/certificate-<type>.html, "
                                 "templates/certificate.html, or the built-in one).")
@click.option("--logo", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The institution's logo (PNG, SVG or JPEG; default: the workspace's templates/logo.*).")
@click.option("--browser", default=None, metavar="PATH", help="The Chromium to print with (default: found on PATH).")
@pass_app
def cred_render(app: App, file: Path, html_out: Path | None, pdf_out: Path | None, badge_svg_out: Path | None,
                badge_png_out: Path | None, verifier: str | None, template_path: Path | None, logo: Path | None,
                browser: str | None) -> None:
    """Render a credential for people: a printable certificate (HTML, PDF) and baked badges (SVG, PNG).

    The certificate shows the institution (name, logo, domain), the holder, the title, the dates and a
    QR code that opens the credential in the web verifier. Templates are per certificate type. A baked
    badge is an image that carries the credential itself, as Open Badges 3.0 specifies (a PNG iTXt
    chunk `openbadgecredential`, or an `<openbadges:credential>` element in the SVG).

    \b
    Examples:
      ledger cred render alice.json                                    alice.html beside it
      ledger cred render alice.json --pdf alice.pdf --verifier https://verify.example.edu
      ledger cred render alice.json --badge-png alice.badge.png --badge-svg alice.badge.svg
    """
    import tempfile

    from ledger.credentials.parse import parse_credential, read_credential_file
    from ledger.errors import ConfigError
    from ledger.render import badge, certificate
    from ledger.render import browser as printer
    from ledger.render.share import share_link
    from ledger.verify.identity import claimed_domain

    _one_credential(file)
    credential = parse_credential(read_credential_file(file))
    if not any((html_out, pdf_out, badge_svg_out, badge_png_out)):
        html_out = file.with_suffix(".html")
    try:
        templates: Path | None = app.settings().workspace / "templates"
    except ConfigError:
        templates = None  # no workspace: the built-in template
    if logo is None and templates is not None:
        logo = next((templates / f"logo{ext}" for ext in (".svg", ".png", ".jpg", ".jpeg")
                     if (templates / f"logo{ext}").is_file()), None)
    link = share_link(_verifier_url(app, verifier), credential.to_json())
    written: dict[str, str] = {}
    if html_out or pdf_out:
        html = certificate.render_certificate(
            credential, link, template=template_path or certificate.template_for(credential.achievement.type_id, templates),
            logo=certificate.logo_markup(logo), view=certificate.CertificateView(claimed_domain(credential)))
        if html_out:
            html_out.write_text(html, encoding="utf-8")
            written["html"] = str(html_out)
        if pdf_out:
            with tempfile.TemporaryDirectory(prefix="ledger-render-") as scratch:
                page = Path(scratch) / "certificate.html"
                page.write_text(html, encoding="utf-8")
                printer.html_to_pdf(page, pdf_out, browser=browser)
            written["pdf"] = str(pdf_out)
    if badge_svg_out or badge_png_out:
        drawing = badge.badge_svg(title=credential.achievement.name, institution=credential.issuer.name,
                                  holder=credential.holder_name, date=credential.template.valid_from[:10])
        document = credential.to_json()
        if badge_svg_out:
            badge_svg_out.write_text(badge.bake_svg(drawing, document), encoding="utf-8")
            written["badge_svg"] = str(badge_svg_out)
        if badge_png_out:
            with tempfile.TemporaryDirectory(prefix="ledger-render-") as scratch:
                plain = Path(scratch) / "badge.svg"
                plain.write_text(drawing, encoding="utf-8")
                image = printer.svg_to_png(plain, Path(scratch) / "badge.png", size=(400, 400), browser=browser)
                badge_png_out.write_bytes(badge.bake_png(image.read_bytes(), document))
            written["badge_png"] = str(badge_png_out)
    if app.json_output:
        render.print_json({**written, "link": link})
    else:
        for kind, path in written.items():
            render.message(f"{kind}: {render.escape(path)}")


@click.command()
@common_options
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--at", "at", default=None, help="Also judge validity at a past DATE (YYYY-MM-DD) or BLOCK number.")
@click.option("--offline", is_flag=True,
              help="No chain and no workspace: check format, integrity, the Merkle proof and expiry only. "
                   "The verdict is 'incomplete' (exit 3) when every offline step passes, 'invalid' (exit 1) "
                   "when one fails.")
@click.option("--snapshot", "snapshot_in", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="No network and no workspace: verify against the chain's answers saved by --save-snapshot.")
@click.option("--save-snapshot", "snapshot_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also save the chain's answers for these credentials to FILE, to verify them offline later.")
@click.option("--no-domain-check", is_flag=True,
              help="Do not fetch the web domains issuers name (the issuer_domain step says not checked).")
@click.option("--receipt", "receipt_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a receipt of this verification, signed by --receipt-key, to FILE.")
@click.option("--receipt-key", default=None, metavar="NAME",
              help="The workspace key that signs receipts (the verifier's own, not an issuer's).")
@pass_app
def verify(app: App, files: tuple[Path, ...], at: str | None, offline: bool, snapshot_in: Path | None,
           snapshot_out: Path | None, no_domain_check: bool, receipt_out: Path | None,
           receipt_key: str | None) -> None:
    """Verify credential files (or folders of them, or .jsonl batch files) against the chain.

    Runs named steps: format, integrity, inclusion, anchoring, issuer authorised at the anchoring
    block, status, criteria (checked certificates) and expiry. Each credential is VALID, INVALID (a
    step failed) or INCOMPLETE (every step that ran passed, but one could not run: offline, or a
    snapshot without the answer). Exit code 0 only if every credential is valid; 1 if any is invalid;
    3 if none is invalid but some are incomplete.

    Without the network: save the chain's answers once with --save-snapshot where the chain is
    reachable, then verify with --snapshot anywhere (as of the block it was saved at). A snapshot is
    only as trustworthy as whoever made it: make it yourself, or get it from someone you trust.

    \b
    Examples:
      ledger verify alice.json
      ledger verify credentials/20261125T101500-ab12cd --json
      ledger verify alice.json --save-snapshot alice.chain.json     # online, once
      ledger verify alice.json --snapshot alice.chain.json          # later, offline
      ledger verify alice.json --offline                            # format, hash, proof, expiry only
      ledger verify alice.json --receipt alice.receipt.json --receipt-key verifier   # signed, for the files
    """
    from ledger.files import is_leftover_name

    paths: list[Path] = []
    for f in files:
        # In a folder: credentials and bundles, not what a writer killed mid-write left (a hidden .tmp).
        paths.extend(sorted(p for p in f.rglob("*.json*") if p.suffix.lower() in (".json", ".jsonl")
                            and not is_leftover_name(p.name)) if f.is_dir() else [f])
    if not paths:
        raise click.UsageError("no credential files found")
    if sum(bool(x) for x in (offline, snapshot_in, snapshot_out)) > 1 or (at and (offline or snapshot_in)):
        raise click.UsageError("--offline, --snapshot and --save-snapshot go one at a time; --at needs the chain")
    if (receipt_out is None) != (receipt_key is None) or (receipt_out is not None and (offline or snapshot_in)):
        raise click.UsageError("--receipt FILE and --receipt-key NAME go together, and need the chain")
    note = None
    if offline or snapshot_in is not None:
        from ledger.verify.files import load_snapshot, verify_files

        view = load_snapshot(snapshot_in) if snapshot_in is not None else None
        with _Bars(app) as bars:
            reports = verify_files(paths, view, progress=lambda done, total: bars.update("verifying", done, total))
        note = ("offline: anchoring, issuer and status not checked" if view is None else
                f"against the snapshot of chain {view.chain_id()} as of block {view.block_number()} ({snapshot_in})")
    else:
        lg = app.ledger(need_key=False)
        signer = lg.receipt_signer(receipt_key, app.password) if receipt_key else None  # before the work
        with _Bars(app) as bars:
            reports = lg.verify(paths, at=at, progress=lambda done, total: bars.update("verifying", done, total),
                                check_domains=False if no_domain_check else None)
        if signer is not None and receipt_out is not None:
            import json as _json

            from ledger.files import write_private_file

            head = lg.chain.block_number()
            receipt = signer.sign(reports, deployment=lg.settings.deployment.to_dict(),  # type: ignore[union-attr]
                                  block=head, block_time=lg.chain.block_timestamp(head))
            write_private_file(receipt_out, _json.dumps(receipt, indent=1, ensure_ascii=False).encode("utf-8"))
            note = f"receipt signed by {signer.address} written to {receipt_out}"
        if snapshot_out is not None:
            import json as _json

            from ledger.files import write_private_file

            saved = lg.snapshot(paths)
            write_private_file(snapshot_out, _json.dumps(saved.to_dict(), indent=1).encode())
            note = f"chain snapshot as of block {saved.block_number()} saved to {snapshot_out}"
    counts = {v: sum(1 for r in reports if r["verdict"] == v) for v in VERDICTS}
    verdict = "invalid" if counts["invalid"] else "incomplete" if counts["incomplete"] else "valid"
    if app.json_output:
        render.print_json({"verdict": verdict, **counts, "credentials": reports, **({"note": note} if note else {})})
    else:
        show_steps = len(reports) <= 20
        for r in reports:
            mark = _MARKS[r["verdict"]]
            if show_steps:
                render.table(
                    f"{mark}  {render.escape(render.credential_words(r))}\n[dim]{render.escape(r['file'])}[/]",
                    ("step", "result", "code", "detail"),
                    [(s["step"], s["outcome"], s["code"], s["message"]) for s in r["steps"]],
                )
            elif not r["valid"]:
                render.message(f"{mark} {render.escape(render.credential_words(r))} [dim]{render.escape(r['file'])}[/]: "
                               f"{render.escape(r['reason'])}")
        render.message(f"[bold]{_summary(counts, len(reports))}[/]")
        if counts["incomplete"]:
            render.message("incomplete: every check that ran passed, but some could not run (see the steps marked "
                           "skipped); that is not a valid credential yet" + (": verify against the chain, or with "
                           "--snapshot" if offline else ""))
        if note:
            render.message(render.escape(note))
    if verdict != "valid":
        raise SystemExit(EXIT_INVALID if verdict == "invalid" else EXIT_INCOMPLETE)


#: The verdicts of a verification, each counted on its own (never "incomplete" as "valid").
VERDICTS = ("valid", "invalid", "incomplete")
#: Exit codes of ``ledger verify``: 0 every credential valid; 1 some invalid; 3 none invalid but some
#: not fully checked (offline, or a snapshot without an answer). Documented in ``ledger --help``.
EXIT_INVALID, EXIT_INCOMPLETE = 1, 3
_MARKS = {"valid": "[green]VALID[/]", "invalid": "[red]INVALID[/]", "incomplete": "[yellow]INCOMPLETE[/]"}


def _summary(counts: dict[str, int], total: int) -> str:
    parts = [f"{counts['valid']} of {total} valid"]
    parts += [f"{counts[v]} {v}" for v in ("invalid", "incomplete") if counts[v]]
    return ", ".join(parts)



COMMANDS = [cred, verify]
