"""Workspace layout and settings.

Precedence, highest first: command-line flag > environment variable > ``config.toml`` > defaults.
This module and the CLI are the only places that read the environment or the config file; everything
below receives its settings by constructor.

Workspace layout (default ``./.ledger``)::

    config.toml         network, backend, contract addresses, default key
    chain.sqlite        the embedded chain (embedded backend only)
    index.sqlite        SQLite index of chain events
    keys/<name>.json    encrypted keystores (Ethereum keystore v3, mode 0600)
    vault.sqlite        pseudonymous subject id -> person, encrypted (mode 0600; never on chain), with
    vault-keys.sqlite   one key per person (erasing a person deletes it) and
    vault.key           the vault key (encrypted like the keys); an old vault.json is migrated
    metadata/           off-chain documents whose hashes are on chain (issuers, types)
    journal/            batch issuance journals (resume after a crash)
    credentials/        issued credential files, one folder per batch
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w
import tomllib

from ledger.errors import ConfigError, OldDeployment

BACKENDS = ("embedded", "rpc", "fisco3", "fisco2")
DEFAULT_WORKSPACE = Path(".ledger")
CONFIG_FILE = "config.toml"

#: Environment variables the CLI reads (documented in ``ledger --help``).
ENV_WORKSPACE = "LEDGER_WORKSPACE"
ENV_RPC_URL = "LEDGER_RPC_URL"
ENV_NETWORK = "LEDGER_NETWORK"
ENV_PASSWORD = "LEDGER_PASSWORD"
ENV_PASSWORD_FILE = "LEDGER_PASSWORD_FILE"
ENV_KEY = "LEDGER_KEY"


@dataclass(frozen=True)
class NetworkSettings:
    """How to reach the chain."""

    backend: str = "embedded"
    urls: tuple[str, ...] = ()
    chain_id: int | None = None
    crypto: str | None = None  # None: ask the node (fisco3), else "ecdsa" / "sm"
    group: str = "group0"  # fisco3 group id
    group_id: int = 1  # fisco2 group id
    fisco_chain_id: str | int | None = None  # fisco3 "chain0" / fisco2 1
    sdk_certs: str | None = None  # fisco3 HTTPS: directory with ca.crt, sdk.crt, sdk.key
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.backend != "embedded" and not self.urls:
            raise ConfigError(
                f"the {self.backend} backend needs a node URL",
                hint="pass --rpc-url URL or set LEDGER_RPC_URL",
            )
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"node URL {url!r} must start with http:// or https://")
        if self.crypto not in (None, "ecdsa", "sm"):
            raise ConfigError(f"crypto must be 'ecdsa' or 'sm', not {self.crypto!r}")

    @property
    def plain_http_remotes(self) -> tuple[str, ...]:
        """The node URLs that are plain ``http://`` to another machine: what the node answers (and so
        what verification concludes) can be read and changed on the way. Loopback is exempt."""
        plain = [url for url in self.urls if url.startswith("http://")]
        if not plain:
            return ()
        from ipaddress import ip_address
        from urllib.parse import urlsplit

        remote = []
        for url in plain:
            host = urlsplit(url).hostname or ""
            try:
                loopback = ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost" or host.endswith(".localhost")
            if not loopback:  # named without any user:password@ it carries
                parts = urlsplit(url)
                port = f":{parts.port}" if parts.port else ""
                remote.append(f"http://{host if ':' not in host else f'[{host}]'}{port}")
        return tuple(remote)


#: The version of the contracts a workspace's ``[contracts]`` section names (contracts v2: four contracts,
#: the Committee first). A section without ``committee`` was written for contracts v1.
CONTRACTS_VERSION = 2


@dataclass(frozen=True)
class Deployment:
    """Where the ledger's contracts live on the configured chain: the Committee, which names the three
    modules it governs, and the modules themselves."""

    committee: str
    issuer_registry: str
    contribution_ledger: str
    credential_registry: str
    block_number: int
    chain_id: int

    @property
    def addresses(self) -> tuple[str, str, str, str]:
        """The four contracts' addresses (Committee, IssuerRegistry, ContributionLedger, CredentialRegistry)."""
        return (self.committee, self.issuer_registry, self.contribution_ledger, self.credential_registry)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": CONTRACTS_VERSION,
            "committee": self.committee,
            "issuer_registry": self.issuer_registry,
            "contribution_ledger": self.contribution_ledger,
            "credential_registry": self.credential_registry,
            "block_number": self.block_number,
            "chain_id": self.chain_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Deployment:
        """Parse a deployment record; addresses are checksummed.

        Raises:
            OldDeployment: the record names a deployment of contracts v1 (no Committee).
        """
        from ledger.crypto.hashing import to_checksum_address

        if "committee" not in data and "issuer_registry" in data:
            raise OldDeployment(
                f"this workspace was made for contracts v1 (IssuerRegistry {data['issuer_registry']}), which this "
                f"version of the ledger no longer uses: contracts v{CONTRACTS_VERSION} are a new deployment"
            )

        def address(name: str) -> str:
            return to_checksum_address(bytes.fromhex(str(data[name])[2:]))

        return cls(
            committee=address("committee"),
            issuer_registry=address("issuer_registry"),
            contribution_ledger=address("contribution_ledger"),
            credential_registry=address("credential_registry"),
            block_number=int(data.get("block_number", 0)),
            chain_id=int(data["chain_id"]),
        )


@dataclass(frozen=True)
class DomainSettings:
    """How verification checks the web domains issuers name (``[domains]`` in ``config.toml``).

    ``check`` false reports every named domain as not checked. ``ca_file`` replaces the system's
    certificate authorities (an intranet's own). ``allow_private`` lets a domain resolve to a private or
    loopback address (an intranet; a public verifier leaves it off). ``resolve`` maps host names to
    addresses, as ``curl --resolve`` does.
    """

    check: bool = True
    timeout: float = 5.0
    ca_file: str | None = None
    allow_private: bool = False
    resolve: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServeSettings:
    """``ledger serve`` (``[serve]`` in ``config.toml``; the command's flags override it).

    ``public_url`` is the verifier's address as people reach it (share links and QR codes point
    there). ``cors_origins`` lists the web origins allowed to call the API from a browser (none: CORS
    off). Limits: a request body of ``max_body_bytes``, JSON nested ``max_json_depth`` deep, at most
    ``max_credentials`` per request, ``rate_per_second`` requests per client (bursts of
    ``rate_burst``), ``timeout`` seconds per request. ``receipt_key`` names the workspace key that
    signs verification receipts (never an issuer's or a committee member's).
    """

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 32
    max_credentials: int = 10_000
    rate_per_second: float = 20.0
    rate_burst: int = 40
    timeout: float = 30.0
    receipt_key: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port < 65536:
            raise ConfigError(f"[serve] port {self.port} is not a port number")
        for name in ("max_body_bytes", "max_json_depth", "max_credentials", "rate_burst"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"[serve] {name} must be at least 1")
        if self.rate_per_second <= 0 or self.timeout <= 0:
            raise ConfigError("[serve] rate_per_second and timeout must be above 0")
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"[serve] public_url {self.public_url!r} must start with http:// or https://")


@dataclass(frozen=True)
class Settings:
    """Everything a :class:`ledger.ledger.Ledger` needs, resolved from all sources."""

    workspace: Path
    network: NetworkSettings = field(default_factory=NetworkSettings)
    deployment: Deployment | None = None
    default_key: str = "admin"
    lock_timeout: float = 30.0
    domains: DomainSettings = field(default_factory=DomainSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)

    @property
    def config_path(self) -> Path:
        return self.workspace / CONFIG_FILE

    @property
    def chain_path(self) -> Path:
        return self.workspace / "chain.sqlite"

    @property
    def index_path(self) -> Path:
        return self.workspace / "index.sqlite"

    @property
    def keys_dir(self) -> Path:
        return self.workspace / "keys"

    @property
    def vault_path(self) -> Path:
        return self.workspace / "vault.sqlite"

    @property
    def metadata_dir(self) -> Path:
        return self.workspace / "metadata"

    @property
    def links_path(self) -> Path:
        """Handle links (platform handle -> subject) this workspace verified; private like the vault."""
        return self.workspace / "links.json"

    @property
    def imports_dir(self) -> Path:
        """One record per applied import: importer, version, rules, inputs, keys, blocks."""
        return self.workspace / "imports"

    @property
    def journal_dir(self) -> Path:
        return self.workspace / "journal"

    @property
    def credentials_dir(self) -> Path:
        return self.workspace / "credentials"

    def with_deployment(self, deployment: Deployment) -> Settings:
        return replace(self, deployment=deployment)


def resolve_workspace(flag: str | Path | None, env: Mapping[str, str]) -> Path:
    """The workspace directory: ``--workspace`` > ``LEDGER_WORKSPACE`` > ``./.ledger``."""
    value = flag or env.get(ENV_WORKSPACE) or DEFAULT_WORKSPACE
    return Path(value).expanduser()


def load_settings(
    workspace: Path,
    *,
    env: Mapping[str, str] | None = None,
    rpc_urls: tuple[str, ...] = (),
    backend: str | None = None,
    require_init: bool = True,
) -> Settings:
    """Resolve settings for ``workspace``: flags (arguments) > environment > config file > defaults."""
    env = os.environ if env is None else env
    path = workspace / CONFIG_FILE
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    elif require_init:
        raise ConfigError(
            f"no ledger workspace at {workspace}",
            hint="run `ledger init` first, or point --workspace / LEDGER_WORKSPACE at one",
        )
    net = dict(data.get("network", {}))
    env_urls = tuple(u for u in env.get(ENV_RPC_URL, "").split(",") if u.strip())
    urls = rpc_urls or env_urls or tuple(net.get("urls", ()))
    chosen_backend = backend or env.get(ENV_NETWORK) or net.get("backend")
    if chosen_backend is None:
        chosen_backend = "rpc" if urls else "embedded"
    try:
        network = NetworkSettings(
            backend=chosen_backend,
            urls=tuple(u.strip() for u in urls),
            chain_id=net.get("chain_id"),
            crypto=net.get("crypto"),
            group=net.get("group", "group0"),
            group_id=int(net.get("group_id", 1)),
            fisco_chain_id=net.get("fisco_chain_id"),
            sdk_certs=net.get("sdk_certs"),
            timeout=float(net.get("timeout", 30.0)),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"bad [network] section in {path}: {exc}") from exc
    deployment = None
    if "contracts" in data:
        try:
            deployment = Deployment.from_dict(data["contracts"])
        except OldDeployment as exc:
            raise OldDeployment(f"{path}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"bad [contracts] section in {path}: {exc}") from exc
    keys = data.get("keys", {})
    return Settings(
        workspace=workspace,
        network=network,
        deployment=deployment,
        default_key=env.get(ENV_KEY) or keys.get("default", "admin"),
        lock_timeout=float(data.get("workspace", {}).get("lock_timeout", 30.0)),
        domains=_section(DomainSettings, data.get("domains", {}), path, "domains"),
        serve=_section(ServeSettings, data.get("serve", {}), path, "serve"),
    )


def _section(kind: type[Any], values: Any, path: Path, name: str) -> Any:
    """A settings dataclass from its ``config.toml`` section, each value converted to its field's type."""
    if not isinstance(values, dict):
        raise ConfigError(f"[{name}] in {path} must be a table")
    fields = {f.name: f for f in kind.__dataclass_fields__.values()}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"[{name}] in {path}: unknown key {unknown[0]!r}; known: {', '.join(sorted(fields))}")
    converted: dict[str, Any] = {}
    try:
        for key, value in values.items():
            default = getattr(kind(), key)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError(f"{key} must be true or false")
                converted[key] = value
            elif isinstance(default, tuple):
                converted[key] = tuple(str(v) for v in value)
            elif isinstance(default, Mapping):
                converted[key] = {str(k): str(v) for k, v in dict(value).items()}
            elif isinstance(default, (int, float)) and not isinstance(default, bool):
                converted[key] = type(default)(value)
            else:
                converted[key] = None if value in ("", None) else str(value)
        return kind(**converted)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"bad [{name}] section in {path}: {exc}") from exc


def save_settings(settings: Settings) -> None:
    """Write ``config.toml`` atomically. Secrets never go in it."""
    net = settings.network
    network: dict[str, Any] = {"backend": net.backend, "urls": list(net.urls), "timeout": net.timeout}
    for key in ("chain_id", "crypto", "fisco_chain_id", "sdk_certs"):
        value = getattr(net, key)
        if value is not None:
            network[key] = value
    if net.backend == "fisco3":
        network["group"] = net.group
    if net.backend == "fisco2":
        network["group_id"] = net.group_id
    doc: dict[str, Any] = {
        "network": network,
        "keys": {"default": settings.default_key},
        "workspace": {"lock_timeout": settings.lock_timeout},
    }
    if settings.deployment is not None:
        doc["contracts"] = settings.deployment.to_dict()
    for name, section in (("domains", settings.domains), ("serve", settings.serve)):
        changed = _changed(section)
        if changed:
            doc[name] = changed
    from ledger.files import write_private_file

    # 0600 like the keys: no secrets are written here, but a node's URL may carry an access token.
    text = "# ledger workspace configuration (no secrets here)\n" + tomli_w.dumps(doc)
    write_private_file(settings.config_path, text.encode("utf-8"))


def _changed(section: Any) -> dict[str, Any]:
    """The values of a settings dataclass that differ from its defaults, as TOML can hold them."""
    default = type(section)()
    out: dict[str, Any] = {}
    for name in section.__dataclass_fields__:
        value = getattr(section, name)
        if value != getattr(default, name) and value is not None:
            out[name] = list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, Mapping) else value
    return out


#: Largest password file read: a password is short, and a wrong path (``/dev/zero``) must not fill memory.
MAX_PASSWORD_FILE = 64 * 1024


def read_password(env: Mapping[str, str], password_file: str | None = None) -> str | None:
    """Password from ``--password-file`` > ``LEDGER_PASSWORD_FILE`` > ``LEDGER_PASSWORD``; None to prompt."""
    file_name = password_file or env.get(ENV_PASSWORD_FILE)
    if file_name:
        try:
            with open(file_name, "rb") as fh:
                raw = fh.read(MAX_PASSWORD_FILE + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read password file {file_name}: {exc.strerror}") from exc
        if len(raw) > MAX_PASSWORD_FILE:
            raise ConfigError(f"password file {file_name} is over {MAX_PASSWORD_FILE:,} bytes: is it the right file?")
        try:
            return raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            # ``from None``: the decoder's message quotes a byte of the password and its position.
            raise ConfigError(f"password file {file_name} is not UTF-8 text") from None
    return env.get(ENV_PASSWORD)
