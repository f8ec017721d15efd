"""The ``ledger`` command line: parse, make one library call, render.

Exit codes: 0 success; 1 a domain failure (verification failed, not authorised, chain refused);
2 a usage error (bad flags, bad input file, missing workspace or key); 3 verification incomplete (no
credential invalid, some not fully checked); 130 interrupted.

Modules: :mod:`~ledger.cli.app` (settings and the facade for a command), :mod:`~ledger.cli.render`
(rich tables, progress, JSON), :mod:`ledger.cli.commands` (one module per group of commands).

May import every package of the library; click and rich are imported here only.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ledger.cli.app import App, lock_timeout_option, workspace_option
from ledger.errors import LedgerError

EPILOG = """\b
Examples:
  ledger demo                                  the whole story on a throwaway chain
  ledger init                                  a workspace with an embedded chain in ./.ledger
  ledger init --rpc-url http://127.0.0.1:8545  deploy to a node (anvil, FISCO BCOS web3 RPC)
  ledger verify alice.json                     check a credential file
  ledger node --protocol fisco3 --crypto sm    a local FISCO BCOS 3.x SM node for development

\b
Exit codes: 0 done; 1 the work failed (node, chain refusal, failed verification);
            2 wrong command line or input, a wrong password included (nothing was written);
            3 verification incomplete (every check that ran passed, but some could not run,
              e.g. --offline); 130 interrupted
\b
Environment: LEDGER_WORKSPACE, LEDGER_RPC_URL, LEDGER_NETWORK, LEDGER_KEY,
             LEDGER_PASSWORD, LEDGER_PASSWORD_FILE
"""


class LedgerGroup(click.Group):
    """Turns expected failures into a clear message and an exit code instead of a traceback.

    A wrong command line (click's usage errors, met while parsing or raised by a command) is said as a
    JSON error object too when ``--json`` is on the command line, like every other error.
    """

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().main(self._argv, *rest, **kwargs)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            self._usage_error(exc, args)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            self._usage_error(exc, getattr(self, "_argv", None) or [*ctx.protected_args, *ctx.args])
            raise
        except LedgerError as exc:
            _fail(ctx, exc, exc.exit_code)
        except KeyboardInterrupt:
            app = ctx.find_object(App)
            hint = app.interrupt_hint if app is not None else None
            _fail(ctx, LedgerError("interrupted", hint=hint), 130)  # 128 + SIGINT, as shells report it
        finally:
            app = ctx.find_object(App)
            if app is not None:
                app.close()


    def _usage_error(self, exc: click.UsageError, args: list[str]) -> None:
        """With ``--json`` among the arguments, print the usage error as JSON and exit 2; else return
        (click prints it with the usage line)."""
        argv = getattr(self, "_argv", None) or args
        if "--json" not in argv:
            return
        import json

        command = exc.ctx.command_path if exc.ctx is not None else "ledger"
        error = {"type": "UsageError", "message": exc.format_message(), "hint": f"see `{command} --help`",
                 "exit_code": exc.exit_code}
        sys.stdout.write(json.dumps({"error": error}, indent=2, ensure_ascii=False) + "\n")
        sys.exit(exc.exit_code)


def _fail(ctx: click.Context, exc: LedgerError, code: int) -> None:
    """Say what went wrong and what to do: a sentence and a hint, or a JSON object with ``--json``.

    A contract's refusal is explained in words (``ledger.contracts.hints``), with the error's own name
    and arguments kept in the JSON and after the sentence.
    """
    from ledger.errors import ContractError

    message, hint, detail = str(exc), exc.hint, None
    if isinstance(exc, ContractError):
        from ledger.contracts.hints import explain

        message, hint = explain(exc)
        detail = str(exc)
    app = ctx.find_object(App)
    if app is not None and app.json_output:
        import json

        error = {"type": type(exc).__name__, "message": message, "hint": hint, "exit_code": code}
        if detail is not None and detail != message:
            error["contract_error"] = detail
        details = getattr(exc, "details", None)
        if callable(details):
            error.update(details())
        sys.stdout.write(json.dumps({"error": error}, indent=2, ensure_ascii=False) + "\n")
        sys.exit(code)
    from rich.markup import escape

    from ledger.cli.render import console

    err = console(stderr=True)
    err.print(f"[bold red]error:[/] {escape(message)}")
    if detail is not None and detail != message:
        err.print(f"[dim]({escape(detail)})[/]")
    if hint:
        err.print(f"[dim]hint: {escape(hint)}[/]")
    sys.exit(code)


@click.group(cls=LedgerGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fisco-talent-ledger", prog_name="ledger")
@workspace_option
@lock_timeout_option
@click.pass_context
def main(ctx: click.Context) -> None:
    """A ledger of open-source contributions and talent credentials on FISCO BCOS.

    Record contributions, co-sign them, issue certificates singly (checked by the contract) or in
    Merkle batches of thousands, and verify or audit them, online or offline.
    """
    ctx.ensure_object(App)


def _register() -> None:
    from ledger.cli.commands import (
        audit,
        award,
        contrib,
        cred,
        demo,
        gov,
        importing,
        link,
        node,
        receipt,
        report,
        serve,
        setup,
    )

    for module in (setup, gov, contrib, award, link, cred, demo, audit, report, serve, receipt, node):
        for command in module.COMMANDS:
            main.add_command(command)
    contrib.contrib.add_command(importing.contrib_import)


_register()
