"""The web verifier: ``ledger serve``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from ledger.cli import render
from ledger.cli.app import App, key_option, network_options, pass_app, workspace_option


@click.command()
@workspace_option
@network_options
@key_option
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1, or [serve] host).")
@click.option("--port", type=int, default=None, help="Port (default 8080, or [serve] port).")
@click.option("--public-url", default=None, metavar="URL",
              help="The verifier's address as people reach it (for share links); default http://HOST:PORT.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="A web origin allowed to call the API from a browser; repeat. Default: none (CORS off).")
@click.option("--no-domain-check", is_flag=True, help="Do not fetch issuers' domains (they show as not checked).")
@click.option("--receipt-key", default=None, metavar="NAME",
              help="Sign verification receipts with this workspace key (not an issuer's or committee member's).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Serve HTTPS with this certificate (PEM); with --tls-key.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The certificate's private key (PEM).")
@pass_app
def serve(app: App, host: str | None, port: int | None, public_url: str | None, cors_origins: tuple[str, ...],
          no_domain_check: bool, receipt_key: str | None, tls_cert: Path | None, tls_key: Path | None) -> None:
    """Serve the web verifier (a page at /) and its REST API (/api/v1/, described at /api/v1/openapi.json).

    Read-only: it opens the workspace without an issuer key and sends no transaction. People drop or
    paste a credential file on the page, or open a share link (`ledger cred share`), and read the verdict
    with the holder's name, the certificate, the institution and its verified domain, and every step.
    Limits, CORS origins and the public URL can also be set in the workspace's [serve] section. On an
    embedded chain other commands on the same workspace wait while it runs.

    \b
    Examples:
      ledger serve                                  http://127.0.0.1:8080/
      ledger serve --host 0.0.0.0 --port 8443 --tls-cert cert.pem --tls-key key.pem
      ledger serve --public-url https://verify.example.edu --receipt-key verifier
    """
    import uvicorn  # a heavy import, only for this command

    from ledger.serve.app import create_app
    from ledger.serve.service import VerifierService

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("give --tls-cert and --tls-key together")
    settings = app.settings()
    config = replace(
        settings.serve,
        host=host or settings.serve.host,
        port=settings.serve.port if port is None else port,
        public_url=public_url or settings.serve.public_url,
        cors_origins=cors_origins or settings.serve.cors_origins,
        receipt_key=receipt_key or settings.serve.receipt_key,
    )
    lg = app.ledger(need_key=False)
    receipts = None
    if config.receipt_key:
        receipts = lg.receipt_signer(config.receipt_key, app.password)
    service = VerifierService(lg, check_domains=False if no_domain_check else None, receipts=receipts)
    application = create_app(service, config)
    scheme = "https" if tls_cert else "http"
    shown = config.host if ":" not in config.host else f"[{config.host}]"
    render.message(f"verifier at {scheme}://{shown}:{config.port}/ (Ctrl-C stops it)")
    if scheme == "http" and config.host not in ("127.0.0.1", "localhost", "::1"):
        render.note("[yellow]plain HTTP on a network address: put a TLS proxy in front, or pass --tls-cert and "
                    "--tls-key[/]")
    uvicorn.run(application, host=config.host, port=config.port, server_header=False, date_header=True,
                ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None,
                timeout_graceful_shutdown=5, log_level="info")


COMMANDS = [serve]
