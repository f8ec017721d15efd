"""What every command shares: the context object, the reusable options, and password handling.

Options are defined once here and stacked on commands as decorators (``@workspace_option`` ...).
The context opens the :class:`ledger.ledger.Ledger` lazily, so ``--help`` never imports web3 or py-evm.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger import config
from ledger.types import RevocationReason

if TYPE_CHECKING:
    from ledger.identity.vault import Vault
    from ledger.ledger import Ledger

F = TypeVar("F", bound=Callable[..., Any])



#: ``--reason`` choices of revoke and suspend commands: the contract's reasons, as the CLI spells them.
REASONS = [r.name.lower().replace("_", "-") for r in RevocationReason if r is not RevocationReason.NONE]

@dataclass
class App:
    """Per-invocation state, stored in click's context object."""

    workspace_flag: str | None = None
    json_output: bool = False
    key_name: str | None = None
    password_file: str | None = None
    rpc_urls: tuple[str, ...] = ()
    network: str | None = None
    lock_timeout: float | None = None
    yes: bool = False
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)  # may hold LEDGER_PASSWORD
    interrupt_hint: str | None = None  # what to do after Ctrl-C, set by a command before long work
    _ledger: Ledger | None = None
    _vault: Vault | None = None
    _names_vault: Vault | None = None
    _warned_http: bool = False

    @property
    def workspace(self) -> Path:
        return config.resolve_workspace(self.workspace_flag, self.env)

    def settings(self, *, require_init: bool = True) -> config.Settings:
        settings = config.load_settings(
            self.workspace,
            env=self.env,
            rpc_urls=self.rpc_urls,
            backend=self.network,
            require_init=require_init,
        )
        if self.lock_timeout is not None:
            settings = replace(settings, lock_timeout=self.lock_timeout)
        insecure = settings.network.plain_http_remotes
        if insecure and not self._warned_http:
            self._warned_http = True
            click.echo(
                f"warning: {', '.join(insecure)} is plain HTTP to another machine: the node's answers, and so "
                "what `verify` and `audit` conclude, can be read and changed on the way (transactions are "
                "signed here and cannot be). Use https:// (a TLS proxy in front of the node) or a VPN or "
                "SSH tunnel.",
                err=True,
            )
        return settings

    def password(self, *, confirm: bool = False, prompt: str = "Key password") -> str:
        """The keystore password: --password-file > LEDGER_PASSWORD_FILE > LEDGER_PASSWORD > prompt."""
        value = config.read_password(self.env, self.password_file)
        if value is None:
            if not os.isatty(0):
                raise click.UsageError(
                    "no password given: set LEDGER_PASSWORD, LEDGER_PASSWORD_FILE or --password-file "
                    "(there is no terminal to prompt on)"
                )
            value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
        return value

    def ledger(self, *, need_key: bool = True) -> Ledger:
        """The opened ledger for this workspace (opened once per command)."""
        if self._ledger is None:
            from ledger.ledger import Ledger

            settings = self.settings()
            self._ledger = Ledger.open(
                settings,
                key_name=self.key_name or settings.default_key,
                password=self.password if need_key else None,
                vault_password=self.vault_password,
            )
        return self._ledger

    def vault_password(self) -> str:
        """The vault key's password, from the same places as a key's (asked only when the vault is used)."""
        return self.password(prompt="Vault password")

    def vault_for_names(self) -> Vault | None:
        """The vault, for putting names on subject ids in what a read command shows: ``None`` when there is
        none; its password is asked only when a name is looked up, and is not required (without it the ids
        are shown, as on a verifier's side)."""
        from ledger.errors import KeystoreError
        from ledger.identity.vault import Vault

        path = self.settings().vault_path
        if not path.exists() and not path.with_name("vault.json").exists():
            return None

        def password() -> str:
            value = config.read_password(self.env, self.password_file)
            if value is None:
                if not os.isatty(0):
                    raise KeystoreError("no vault password to show names with")
                value = click.prompt("Vault password (to show names; Enter to skip)", hide_input=True, default="",
                                     show_default=False)
                if not value:
                    raise KeystoreError("no vault password to show names with")
            return value

        self._names_vault = Vault(path, password=password)
        return self._names_vault

    def vault(self) -> Vault:
        """The workspace's subject vault, without the chain (``ledger subject ...``)."""
        from ledger.identity.vault import Vault

        if self._vault is None:
            self._vault = Vault(self.settings().vault_path, password=self.vault_password)
        return self._vault

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        for vault in (self._vault, self._names_vault):
            if vault is not None:
                vault.close()
        self._vault = self._names_vault = None


pass_app = click.make_pass_decorator(App, ensure=True)


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        app = ctx.ensure_object(App)
        if value is not None and value is not False and value != ():  # 0 is a value (--lock-timeout 0)
            setattr(app, attr, value)
        return value

    return callback


def workspace_option(f: F) -> F:
    """``-w/--workspace DIR``: on the ``ledger`` group and on every command, so it works before and
    after the subcommand (``ledger -w DIR subject new`` or ``ledger subject new -w DIR``)."""
    return click.option(
        "--workspace",
        "-w",
        metavar="DIR",
        expose_value=False,
        callback=_store("workspace_flag"),
        help="Workspace directory (default ./.ledger, or LEDGER_WORKSPACE).",
    )(f)


def lock_timeout_option(f: F) -> F:
    return click.option(
        "--lock-timeout",
        metavar="SECONDS",
        type=click.FloatRange(min=0),
        expose_value=False,
        callback=_store("lock_timeout"),
        help="How long to wait for another ledger command using the workspace (default 30, or lock_timeout "
             "under [workspace] in config.toml); waiting commands are served in the order they came.",
    )(f)


def json_option(f: F) -> F:
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        callback=_store("json_output"),
        help="Print machine-readable JSON instead of tables.",
    )(f)


def key_option(f: F) -> F:
    f = click.option(
        "--key",
        "key_name",
        metavar="NAME",
        expose_value=False,
        callback=_store("key_name"),
        help="Name of the workspace key that signs (default from config, or LEDGER_KEY).",
    )(f)
    return click.option(
        "--password-file",
        metavar="FILE",
        expose_value=False,
        callback=_store("password_file"),
        help="Read the key password from FILE (or set LEDGER_PASSWORD / LEDGER_PASSWORD_FILE).",
    )(f)


def network_options(f: F) -> F:
    f = click.option(
        "--rpc-url",
        "rpc_urls",
        metavar="URL",
        multiple=True,
        expose_value=False,
        callback=_store("rpc_urls"),
        help="Node URL; repeat for fail-over (or LEDGER_RPC_URL, comma-separated).",
    )(f)
    return click.option(
        "--network",
        type=click.Choice(config.BACKENDS),
        expose_value=False,
        callback=_store("network"),
        help="Backend: embedded (default), rpc (Ethereum JSON-RPC), fisco3 or fisco2 (FISCO native).",
    )(f)


def yes_option(f: F) -> F:
    return click.option(
        "--yes", "-y", is_flag=True, expose_value=False, callback=_store("yes"), help="Do not ask for confirmation."
    )(f)


def common_options(f: F) -> F:
    """--workspace, --json, --key, --password-file on one command."""
    return workspace_option(json_option(key_option(f)))
