"""Verifier receipts: ``ledger receipt check``."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli import render
from ledger.cli.app import App, json_option, pass_app


@click.group()
def receipt() -> None:
    """Verification receipts: what a verifier checked, signed by its key (ledger verify --receipt,
    or the API's ?receipt=true).

    \b
    Examples:
      ledger receipt check alice.receipt.json
      ledger receipt check alice.receipt.json --verifier 0x5B38...   also require this verifier
    """


@receipt.command("check")
@json_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verifier", default=None, metavar="ADDRESS", help="Require the receipt to be signed by this address.")
@pass_app
def receipt_check(app: App, file: Path, verifier: str | None) -> None:
    """Check a receipt's signature (no chain, no workspace needed) and show what it says was checked.

    Exit 0 when the signature is the named verifier's (and --verifier's, if given), 1 otherwise.

    \b
    Example:
      ledger receipt check alice.receipt.json --json
    """
    from ledger.canonical import NotJSONError, loads
    from ledger.errors import ValidationError
    from ledger.receipts import ReceiptError, check_receipt

    raw = file.read_bytes()
    if len(raw) > 16 * 1024 * 1024:
        raise ValidationError(f"{file} is over 16 MiB: not a receipt")
    try:
        data = loads(raw)
    except NotJSONError as exc:
        raise ReceiptError(f"{file} is not JSON: {exc}") from None
    check = check_receipt(data)
    ok = check.signature_valid
    reason = check.reason
    if ok and verifier is not None and verifier.lower() != check.verifier.lower():
        ok, reason = False, f"signed by {check.verifier}, not by {verifier}"
    if app.json_output:
        render.print_json({**check.to_dict(), "signature_valid": ok, "reason": reason})
    else:
        mark = "[green]signature valid[/]" if ok else "[red]signature NOT valid[/]"
        render.fields(f"Receipt {render.escape(str(file))}: {mark}", [
            ("verifier", check.verifier), ("reason", reason), ("checked at", check.issued_at),
            ("chain", check.chain_id), ("block", check.block), ("verdict", check.verdict),
        ])
        render.table("What was checked", ("verdict", "holder", "certificate", "institution", "credential"), [
            (c.get("verdict"), c.get("holder") or "", c.get("title") or "",
             render.institution_words({"name": c.get("issuerName"), "address": c.get("issuer"),
                                       "domain": c.get("issuerDomain"), "domain_verified": c.get("domainVerified")}),
             c.get("credentialHash") or "")
            for c in check.checked
        ])
    if not ok:
        raise SystemExit(1)


COMMANDS = [receipt]
