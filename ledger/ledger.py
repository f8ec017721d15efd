"""The facade: configuration + backend + contracts + vault, the API the CLI calls.

A :class:`Ledger` is opened on a workspace (``Ledger.open``) or creates one (``Ledger.init``). Its
methods are the verbs of the product: govern, record, issue, verify. Each validates its input
(personal data included) before anything is sent, so bad input never half-writes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.chain.backends import open_chain
from ledger.chain.base import FUNDING, Receipt, Transaction
from ledger.chain.bursts import BurstJournal, Settlement
from ledger.config import Deployment, Settings, save_settings
from ledger.contracts.committee import Committee
from ledger.contracts.contribution_ledger import ContributionLedger
from ledger.contracts.credential_registry import CredentialRegistry
from ledger.contracts.deployment import DEFAULT_PROPOSAL_WINDOW, Contracts, deploy
from ledger.contracts.issuer_registry import IssuerRegistry
from ledger.crypto.hashing import to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import (
    CapabilityError,
    ChainIdMismatch,
    ConfigError,
    ContractError,
    KeystoreError,
    LedgerError,
    ValidationError,
    WorkspaceError,
    WorkspacePathRefused,
)
from ledger.files import sweep_leftovers
from ledger.identity.keyring import KeyInfo, Keyring, check_new_password
from ledger.identity.vault import Vault
from ledger.index import Index
from ledger.operations.awards import AwardOps
from ledger.operations.certifying import CertifyingOps
from ledger.operations.governance import GovernanceOps, ProposalOutcome  # noqa: F401  (re-exported)
from ledger.operations.importing import ImportingOps
from ledger.operations.keys import KeyOps
from ledger.operations.linking import LinkingOps
from ledger.operations.people import PeopleOps
from ledger.operations.recording import RecordingOps
from ledger.operations.reporting import ReportingOps
from ledger.operations.revoking import RevokingOps

if TYPE_CHECKING:
    from typing_extensions import Self

    from ledger.chain.base import ChainBackend

PasswordSource = Callable[[], str]

#: Gas money given to keys on development chains that charge for gas (anvil); FISCO and the
#: embedded chain charge nothing.
DEV_FUNDING_WEI = 10**24


class Ledger(
    KeyOps, GovernanceOps, AwardOps, RecordingOps, ImportingOps, LinkingOps, ReportingOps, CertifyingOps,
    RevokingOps, PeopleOps
):
    """One workspace, connected to its chain."""

    def __init__(
        self,
        settings: Settings,
        chain: ChainBackend,
        *,
        key_name: str,
        password: PasswordSource | None,
        light_kdf: bool = False,
        vault_password: PasswordSource | None = None,
    ) -> None:
        self.settings = settings
        self.chain = chain
        self.key_name = key_name
        self._password = password
        self._vault_password = vault_password or password
        self._light_kdf = light_kdf
        self._key: PrivateKey | None = None
        self._contracts: Contracts | None = None
        self.keyring = Keyring(settings.keys_dir, light_kdf=light_kdf)
        self._vault: Vault | None = None
        #: what settling interrupted bursts did during this session (``send_burst``, ``settle_bursts``)
        self.settlements: list[Settlement] = []

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        key_name: str | None = None,
        password: PasswordSource | str | None = None,
        light_kdf: bool = False,
        vault_password: PasswordSource | str | None = None,
    ) -> Ledger:
        """Open the workspace ``settings`` describes and connect to its chain.

        ``password`` opens the signing key, ``vault_password`` the subject vault (default: the same);
        each is asked for only when first needed.
        """

        if settings.deployment is None:
            raise ConfigError(
                f"workspace {settings.workspace} has no deployed contracts",
                hint="run `ledger init` to deploy them",
            )
        chain = open_chain(
            settings.network,
            chain_path=settings.chain_path,
            lock_timeout=settings.lock_timeout,
        )
        try:
            identity = chain.identity()
            if identity.chain_id != settings.deployment.chain_id:
                raise ChainIdMismatch(settings.deployment.chain_id, identity.chain_id, ",".join(settings.network.urls))
        except BaseException:
            chain.close()
            raise
        source = (lambda: password) if isinstance(password, str) else password
        vault_source = (lambda: vault_password) if isinstance(vault_password, str) else vault_password
        sweep_workspace(settings)
        return cls(settings, chain, key_name=key_name or settings.default_key, password=source, light_kdf=light_kdf,
                   vault_password=vault_source)

    @classmethod
    def init(
        cls,
        settings: Settings,
        *,
        key_name: str = "admin",
        password: str,
        secret_hex: str | None = None,
        sdk_certs: str | None = None,
        crypto: str | None = None,
        chain_id: int | None = None,
        light_kdf: bool = False,
        join: str | None = None,
        join_block: int = 0,
        proposal_window: int = DEFAULT_PROPOSAL_WINDOW,
        predecessor: str | None = None,
    ) -> dict[str, Any]:
        """Create the workspace and its first key, and deploy the contracts; return a summary.

        With ``join`` (the address of a deployed Committee, or of its IssuerRegistry), nothing is
        deployed: the workspace uses that deployment (the Committee names its three modules), as a
        verifier, an auditor or another issuer of the same consortium does. ``join_block`` is where its
        history starts (the index reads events from there; 0 when unknown). Joining needs a node: an
        embedded chain is this workspace's own. ``proposal_window`` is the blocks a committee proposal
        stays open; ``predecessor`` the Committee of the deployment this one replaces (verifiers follow
        the link back).
        """

        ws = settings.workspace
        if settings.config_path.exists() and settings.deployment is not None:
            raise WorkspacePathRefused(f"{ws} is already a ledger workspace", hint="use another --workspace, or delete it first")

        check_new_password(password)  # before anything is created
        if join is not None and settings.network.backend == "embedded":
            raise ConfigError(
                "--join needs a node: the embedded chain belongs to one workspace",
                hint="pass --rpc-url URL (or --network NAME) of the chain the contracts are on",
            )
        join_address = _join_address(join, join_block) if join is not None else None
        if secret_hex is not None:
            PrivateKey.from_hex(secret_hex, crypto or settings.network.crypto or "ecdsa")  # refused before any file
        if not 1 <= proposal_window <= 2**32:
            raise ValidationError(f"--proposal-window {proposal_window}: give between 1 and 4,294,967,296 blocks")
        if predecessor is not None:
            predecessor = _join_address(predecessor, 0)
        network = replace(
            settings.network,
            sdk_certs=sdk_certs or settings.network.sdk_certs,
            crypto=crypto or settings.network.crypto,
            chain_id=chain_id if chain_id is not None else settings.network.chain_id,
        )
        existed, config_before = ws.exists(), settings.config_path.exists()
        _make_workspace_dir(ws)
        lock = _InitLock(ws)  # one init at a time here: a failed one must not clean up another's work
        made = _NewEntries(ws, existed)
        if settings.config_path.exists() and not config_before:  # another init finished meanwhile
            lock.release()
            raise WorkspacePathRefused(f"{ws} is already a ledger workspace", hint="use another --workspace, or delete it first")
        sent = False  # once a deployment may be on a node, its committee key is never removed
        try:
            for sub in ("keys", "metadata", "journal", "credentials"):
                (ws / sub).mkdir(mode=0o700, exist_ok=True)
            chain = open_chain(network, chain_path=settings.chain_path, lock_timeout=settings.lock_timeout)
            try:
                identity = chain.identity()
                mode = crypto or identity.crypto
                keyring = Keyring(settings.keys_dir, light_kdf=light_kdf)
                key = PrivateKey.from_hex(secret_hex, mode) if secret_hex else PrivateKey.generate(mode)
                keyring.add(key_name, key, password)
                # The vault key, with the same password: the vault is ready for its first subject.
                Vault(settings.vault_path, password=password, light_kdf=light_kdf).create_key()
                _fund_if_needed(chain, key.address)
                started = time.perf_counter()
                sent = join_address is None and network.backend != "embedded"
                deployment = (_join(chain, join_address, join_block) if join_address else
                              deploy(chain, key, proposal_window=proposal_window, predecessor=predecessor))
                elapsed = time.perf_counter() - started
            finally:
                chain.close()
            network = replace(network, chain_id=identity.chain_id, crypto=mode)
            final = replace(settings, network=network, deployment=deployment, default_key=key_name)
            # The index is part of the workspace: made (empty, migrated) now, so that the first command
            # needing it (a batch's repeat check) does not pay for creating its tables.
            Index.open(final.index_path).close()
            save_settings(final)
        except BaseException as exc:
            if not sent:
                made.remove()  # a failed init leaves the directory as it found it
            lock.release()
            if sent and isinstance(exc, LedgerError):
                raise WorkspaceError(
                    f"init stopped while deploying: {exc}",
                    hint=f"contracts may be on the node with {key.address} as their committee; its key is kept in "
                    f"{settings.keys_dir / (key_name + '.json')}. Delete {ws} only if nothing was deployed there",
                ) from exc
            raise
        lock.release()
        return {
            "workspace": str(ws),
            "backend": network.backend,
            "chain_id": identity.chain_id,
            "crypto": mode,
            "joined" if join is not None else "committee_member": key.address,
            "key": key_name,
            "committee": final.deployment.committee,  # type: ignore[union-attr]
            "issuer_registry": final.deployment.issuer_registry,  # type: ignore[union-attr]
            "contribution_ledger": final.deployment.contribution_ledger,  # type: ignore[union-attr]
            "credential_registry": final.deployment.credential_registry,  # type: ignore[union-attr]
            "block_number": final.deployment.block_number,  # type: ignore[union-attr]
            "deploy_seconds": round(elapsed, 3),
        }

    # -- keys and the vault ------------------------------------------------------------------

    @staticmethod
    def create_key(settings: Settings, name: str, password: str, crypto: str | None = None) -> KeyInfo:
        return Keyring(settings.keys_dir).create(name, password, crypto=crypto or settings.network.crypto or "ecdsa")

    @staticmethod
    def import_key(settings: Settings, name: str, secret_hex: str, password: str, crypto: str | None = None) -> KeyInfo:
        try:
            key = PrivateKey.from_hex(secret_hex, crypto or settings.network.crypto or "ecdsa")
        except KeystoreError as exc:  # the file given is bad input: a usage error, nothing was written
            raise ValidationError(f"the key to import: {exc}") from None
        return Keyring(settings.keys_dir).add(name, key, password)

    @property
    def key(self) -> PrivateKey:
        """The signing key, decrypted on first use."""
        if self._key is None:
            if self._password is None:
                raise KeystoreError("this command was opened without a key")
            self._key = self.keyring.load(self.key_name, self._password())
            _fund_if_needed(self.chain, self._key.address)
        return self._key

    def use_key(self, key: PrivateKey) -> None:
        """Sign with ``key`` from now on (the demo and tests switch between actors)."""
        self._key = key
        _fund_if_needed(self.chain, key.address)

    @property
    def vault(self) -> Vault:
        """The subject vault; its key is unlocked (with the vault password) when first needed."""
        if self._vault is None:
            self._vault = Vault(self.settings.vault_path, password=self._vault_password, light_kdf=self._light_kdf)
        return self._vault

    # -- bursts ------------------------------------------------------------------------------------

    @property
    def bursts(self) -> BurstJournal:
        """The journal of this workspace's bursts of signed transactions (``ledger.chain.bursts``)."""
        return BurstJournal(self.settings.workspace / "bursts")

    def send_burst(self, txs: Sequence[Transaction], *, timeout: float = 120.0) -> list[Receipt]:
        """Send ``txs`` from the signing key as one journaled burst (an earlier burst of the key that a stop
        interrupted is settled first); their receipts in order."""
        receipts, settled = self.bursts.send(self.chain, self.key, txs, timeout=timeout)
        self.settlements.extend(settled)
        return receipts

    def settle_bursts(self) -> list[Settlement]:
        """Settle the signing key's interrupted bursts now: which were mined, the rest sent once."""
        settled = self.bursts.settle(self.chain, self.key)
        self.settlements.extend(settled)
        return settled

    @property
    def contracts(self) -> Contracts:
        if self._contracts is None:
            self._contracts = Contracts(self.chain, self.settings.deployment)  # type: ignore[arg-type]
        return self._contracts


    def close(self) -> None:
        self.chain.close()
        if self._vault is not None:
            self._vault.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What a workspace directory holds (an earlier ``init`` that stopped half-way leaves some of these).
_WORKSPACE_ENTRIES = ("config.toml", "keys", "metadata", "journal", "credentials", "bursts", "vault.json", "vault.key",
                      ".init.lock")
_WORKSPACE_PREFIXES = ("chain.sqlite", "index.sqlite", "config.tmp", "vault.sqlite", "vault-keys.sqlite")


class _InitLock:
    """An exclusive lock on ``ws/.init.lock`` for the length of one ``init`` (released by the kernel
    if the process dies). Where ``fcntl`` is missing (Windows) nothing is locked."""

    def __init__(self, ws: Path) -> None:
        self.path = ws / ".init.lock"
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise WorkspaceError(f"another `ledger init` is running in {ws}", hint="wait for it to finish") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


class _NewEntries:
    """What ``init`` adds to a workspace directory, so that a failed ``init`` can take it away again:
    the directory itself if it did not exist, else the entries that were not there when the init lock
    was taken (no other init can add any meanwhile)."""

    def __init__(self, ws: Path, existed: bool) -> None:
        self.ws = ws
        self.existed = existed
        self.before = {e.name for e in ws.iterdir()} | {".init.lock"}

    def remove(self) -> None:
        import shutil

        if not self.existed:
            shutil.rmtree(self.ws, ignore_errors=True)
            return
        if self.ws.is_dir():
            for entry in self.ws.iterdir():
                if entry.name not in self.before:
                    shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def sweep_workspace(settings: Settings) -> list[Path]:
    """Remove what writers killed mid-write left in the workspace (``ledger.files.sweep_leftovers``):
    in its own directories, each batch's journal, and the top of the credentials directory, where the
    bundles are written. Run whenever a workspace is opened; cheap (a directory listing each)."""
    ws = settings.workspace
    places = [ws, settings.keys_dir, settings.metadata_dir, settings.credentials_dir, settings.journal_dir]
    if settings.journal_dir.is_dir():
        places += [d for d in settings.journal_dir.iterdir() if d.is_dir()]
    return [path for place in places for path in sweep_leftovers(place)]


def _join_address(registry_address: str, block_number: int) -> str:
    """``--join``'s address, checksummed, and its ``--from-block``, checked before anything is made.

    Raises:
        ValidationError: not an address, or a negative block.
    """

    text = registry_address.strip()
    try:
        raw = bytes.fromhex(text[2:]) if text.lower().startswith("0x") else b""
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise ValidationError(f"--join {registry_address!r} is not an address (0x + 40 hex digits)")
    if block_number < 0:
        raise ValidationError(f"--from-block must not be negative, got {block_number}")
    return to_checksum_address(raw)


def _join(chain: ChainBackend, address: str, block_number: int) -> Deployment:
    """The deployment whose Committee (or IssuerRegistry) is at ``address``, checked on the chain.

    Raises:
        ConfigError: no ledger contracts of this version there, or a committee whose modules were never
            bound.
    """

    where = f"at {address} on chain {chain.identity().chain_id}"
    try:
        committee = Committee(chain, address)
        try:
            committee.proposal_window()
        except ContractError:
            # Not a Committee: an IssuerRegistry names the Committee it obeys.
            committee = Committee(chain, IssuerRegistry(chain, address).committee())
        if committee.version() != "2.0.0":
            raise ConfigError(f"the contracts {where} are version {committee.version()}, this ledger uses 2.0.0")
        registry, ledger, credentials = committee.modules()
        if registry is None or ledger is None or credentials is None:
            raise ConfigError(f"the Committee {where} has no modules bound")
        for facade in (IssuerRegistry(chain, registry), ContributionLedger(chain, ledger),
                       CredentialRegistry(chain, credentials)):
            facade.version()
    except ContractError as exc:
        raise ConfigError(
            f"no ledger deployment (contracts v2) {where}: {exc}",
            hint="give the Committee address from the consortium's `ledger init --json` (committee)",
        ) from exc
    return Deployment(committee.address, registry, ledger, credentials, block_number, chain.identity().chain_id)


def _make_workspace_dir(ws: Path) -> None:
    """Create the workspace directory with mode 0700, or take an existing one as it is.

    ``init`` never changes the mode of a directory it did not create (it may be shared, like a home or
    project directory). An existing directory is used only if it is empty or holds nothing but
    workspace files (a workspace whose ``init`` stopped half-way); any other is refused, so the choice
    is to refuse, not to create the workspace inside it.
    """
    if not ws.exists():
        ws.mkdir(parents=True, mode=0o700)
        ws.chmod(0o700)  # mkdir's mode is reduced by the umask
        return
    if not ws.is_dir():
        raise WorkspacePathRefused(f"{ws} exists and is not a directory", hint="choose another --workspace")
    foreign = sorted(
        e.name for e in ws.iterdir() if e.name not in _WORKSPACE_ENTRIES and not e.name.startswith(_WORKSPACE_PREFIXES)
    )
    if foreign:
        raise WorkspacePathRefused(
            f"{ws} is a directory with other files in it ({', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}),"
            " not a ledger workspace",
            hint=f"give a new or empty directory, e.g. --workspace {ws / '.ledger'}",
        )


def _fund_if_needed(chain: ChainBackend, address: str) -> None:
    """Give a key gas money on development chains (anvil, the embedded chain) unless it has plenty;
    other chains need none or refuse it.

    A key that still holds half the funding is left alone, so opening a workspace again sends nothing
    (on the embedded chain a funding is a transaction and a block). A node that does not offer funding
    (FISCO BCOS charges no gas, or funds by its own balance feature) is left alone too: a real lack of
    funds surfaces as ``InsufficientFunds`` with its hint.
    """

    if FUNDING not in chain.features:
        return
    try:
        if chain.balance(address) >= DEV_FUNDING_WEI // 2:
            return
    except CapabilityError:
        pass  # a backend that funds but cannot say a balance: fund as before
    try:
        chain.fund(address, DEV_FUNDING_WEI)
    except CapabilityError:
        pass
