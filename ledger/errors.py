"""Every exception the ledger raises.

One root, ``LedgerError``; one family per subsystem. Native errors (sqlite3, requests, web3,
py-evm) are translated once, at the boundary where they occur, with ``raise ... from exc`` so the
cause is kept. Exceptions that mean "this value is bad" also inherit ``ValueError``.

A failed verification is not an exception: it is a result with failed steps. Being unable to
verify (the chain is unreachable, the file is not JSON) is an exception.

    LedgerError
    ├── ConfigError (ValueError)            a bad or missing setting
    │   └── OldDeployment                   the workspace names a deployment of contracts v1
    ├── WorkspaceError                      the workspace is missing, damaged or busy
    │   ├── WorkspaceLocked                 another process holds the workspace lock
    │   └── IndexStoreError, IndexMismatch  (ledger.index.store) the index file is unusable / for
    │                                       another chain
    ├── KeystoreError                       a key is missing or damaged
    │   ├── WrongPassword                   a key or the vault does not decrypt with the password (exit 2)
    │   └── UnknownKey                      no key of that name (exit 2)
    ├── ValidationError (ValueError)        untrusted input refused before anything is written
    │   ├── RowError                        one bad row of a CSV / JSON Lines file
    │   │   └── RowsError                   every bad row of a file, found in one pass
    │   └── PersonalDataError               personal data found in a field bound for the chain
    ├── ChainError                          a backend could not do what was asked
    │   ├── NodeUnreachable                 no endpoint answered
    │   ├── ChainIdMismatch                 the node serves another chain than the config names
    │   ├── TransactionTimeout              sent, but not mined by its deadline
    │   ├── InsufficientFunds               the sender cannot pay for gas
    │   ├── TransactionRejected             the node refused the transaction (status code)
    │   ├── CapabilityError                 the backend lacks a feature
    │   └── MalformedAnswer                 (ledger.chain.rpc) a node's answer is not what the protocol says
    ├── ContractError                       a contract refused (reverted), or its answer made no sense
    │   ├── UnknownRevert                   revert data that no ABI explains
    │   ├── UndecodableAnswer               (ledger.contracts.abi) a call's output does not decode: no contract there?
    │   ├── UndecodableEvent                (ledger.contracts.abi) a log with our event's topic that does not decode
    │   └── (one subclass per Solidity custom error, in ``ledger.contracts.errors``)
    ├── IssuanceError                       a batch could not be issued or resumed
    └── VerificationError                   a credential could not be checked at all
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Root of every error this package raises on purpose."""

    #: Short hint telling the user what to do next; shown under the message by the CLI.
    hint: str | None = None
    #: The CLI's exit code: 1 for a failure of the work itself, 2 for a wrong command line or input.
    exit_code: int = 1

    def __init__(self, message: str = "", *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(LedgerError, ValueError):
    """A setting is missing or malformed."""

    exit_code = 2


class OldDeployment(ConfigError):
    """The workspace names a deployment of contracts v1 (no Committee), which this version cannot use:
    contracts v2 are a new deployment."""

    hint = ("make a new deployment: `ledger init --workspace NEW_DIR` (or `ledger init --join COMMITTEE` for a "
            "consortium's v2 deployment); credentials issued under v1 keep verifying with their saved chain "
            "answers (`ledger verify FILE --snapshot SNAPSHOT`)")


class WorkspaceError(LedgerError):
    """The workspace is missing, damaged or cannot be used."""


class WorkspacePathRefused(WorkspaceError):
    """``init`` was pointed at a path it cannot make a workspace in: a workspace already, a file, a
    directory holding other files (a usage error: nothing was written)."""

    exit_code = 2


class WorkspaceLocked(WorkspaceError):
    """Another process holds the workspace lock and did not release it in time."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(
            f"workspace {path} is in use by another ledger process (waited {timeout:g} s)",
            hint="wait for the other command to finish, or wait longer: `ledger --lock-timeout SECONDS ...` "
            "(or lock_timeout under [workspace] in config.toml); waiting commands are served in the order they came",
        )
        self.path = path
        self.timeout = timeout


class KeystoreError(LedgerError):
    """A key cannot be found or decrypted."""


class WrongPassword(KeystoreError):
    """A key or the vault would not decrypt with the password given: a wrong input (exit 2), like a
    wrong command line; nothing was written."""

    exit_code = 2

    def __init__(self, what: str = "the key") -> None:
        super().__init__(
            f"cannot decrypt {what}: wrong password", hint="check LEDGER_PASSWORD, LEDGER_PASSWORD_FILE or --password-file"
        )
        self.what = what


class UnknownKey(KeystoreError):
    """No key of that name in the keyring (a usage error: ``--key`` names a key that is not there)."""

    exit_code = 2

    def __init__(self, name: str, directory: str) -> None:
        super().__init__(f"no key named {name!r} in {directory}", hint="see `ledger key list`")
        self.name = name


class ValidationError(LedgerError, ValueError):
    """Untrusted input was refused before anything was written."""

    exit_code = 2


class RowError(ValidationError):
    """One row of an input file is invalid."""

    def __init__(self, row: int, column: str | None, reason: str) -> None:
        where = f"row {row}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {reason}")
        self.row = row
        self.column = column
        self.reason = reason


class RowsError(RowError):
    """Several rows of an input file are invalid: every one of them, found in one pass, so that they can
    all be fixed at once. ``errors`` lists them in file order; ``row``, ``column`` and ``reason`` are the
    first one's (a caller that looks at one row still can)."""

    #: Rows spelled out in the message; the rest are counted (``errors`` and ``--json`` have them all).
    SHOWN = 20

    def __init__(self, errors: list[RowError] | tuple[RowError, ...], *, what: str = "rows", hint: str | None = None) -> None:
        first = errors[0]
        super().__init__(first.row, first.column, first.reason)
        self.errors = tuple(errors)
        lines = [str(e) for e in self.errors[: self.SHOWN]]
        more = len(self.errors) - len(lines)
        head = f"{len(self.errors)} invalid {what}" if len(self.errors) != 1 else f"1 invalid {what.rstrip('s')}"
        self.args = (head + " (nothing was written):\n  " + "\n  ".join(lines)
                     + (f"\n  ... and {more} more (--json lists every one)" if more else ""),)
        if hint is not None:
            self.hint = hint

    def details(self) -> dict[str, Any]:
        """Every invalid row, for the JSON error object."""
        return {"rows": [{"row": e.row, "column": e.column, "reason": e.reason} for e in self.errors]}


class PersonalDataError(ValidationError):
    """A value bound for the chain looks like personal data."""

    def __init__(self, field: str, kind: str) -> None:
        super().__init__(
            f"field {field!r} looks like personal data ({kind}); personal data never goes on chain",
            hint="use a pseudonymous subject id (ledger subject new) and keep the person in the vault",
        )
        self.field = field
        self.kind = kind


class ChainError(LedgerError):
    """A chain backend failed to do what was asked."""


class NodeUnreachable(ChainError):
    """No endpoint of the network answered."""

    def __init__(self, urls: list[str] | tuple[str, ...] | str, reason: str = "") -> None:
        tried = [urls] if isinstance(urls, str) else list(urls)
        super().__init__(
            f"cannot reach the node at {', '.join(tried)}" + (f": {reason}" if reason else ""),
            hint="check that the node is running and the URL (--rpc-url / LEDGER_RPC_URL) is right",
        )
        self.urls = tried
        self.reason = reason


class ChainIdMismatch(ChainError):
    """The node serves another chain than the configuration names."""

    def __init__(self, expected: int | str, actual: int | str, url: str = "") -> None:
        super().__init__(
            f"node {url} serves chain id {actual}, the workspace expects {expected}".replace("  ", " "),
            hint="point --rpc-url at the right network, or re-run `ledger init` for this chain",
        )
        self.expected = expected
        self.actual = actual
        self.url = url


class TransactionTimeout(ChainError):
    """A transaction was sent but not mined before its deadline."""

    def __init__(self, tx_hash: str, timeout: float, also: tuple[str, ...] = ()) -> None:
        versions = f" (also sent as {', '.join(also)}, the same transaction at a lower gas price)" if also else ""
        super().__init__(
            f"transaction {tx_hash}{versions} was not mined within {timeout:g} s",
            hint="the node may be stalled or not mining; check its logs. It may still be mined: look the "
            "hash up before sending the same work again, or it may be done twice",
        )
        self.tx_hash = tx_hash
        self.timeout = timeout
        self.also = also


class InsufficientFunds(ChainError):
    """The sender cannot pay for the transaction."""

    def __init__(self, sender: str, detail: str = "") -> None:
        super().__init__(
            f"account {sender} has insufficient funds" + (f" ({detail})" if detail else ""),
            hint="fund the sender; on FISCO BCOS 3.16.4+ with the balance feature on, "
            "transfer balance to it with the chain's balance precompile first",
        )
        self.sender = sender
        self.detail = detail


class TransactionRejected(ChainError):
    """The node refused a transaction (a FISCO status code, a nonce error ...)."""

    def __init__(self, reason: str, code: int | None = None, tx_hash: str | None = None) -> None:
        super().__init__(f"transaction rejected: {reason}" + (f" (code {code})" if code is not None else ""))
        self.reason = reason
        self.code = code
        self.tx_hash = tx_hash


class CapabilityError(ChainError):
    """The backend does not offer the requested feature."""

    def __init__(self, backend: str, feature: str) -> None:
        super().__init__(f"the {backend} backend does not support {feature}")
        self.backend = backend
        self.feature = feature


class ContractError(LedgerError):
    """A contract call or transaction reverted (or, in ``ledger.contracts.abi``, answered something undecodable).

    Subclasses (one per Solidity custom error) carry the error's arguments as attributes and
    list their names in ``fields``.
    """

    #: Solidity error name, e.g. ``"NotAuthorized"``.
    error_name: str = ""
    #: Names of the Solidity error's arguments, in order.
    fields: tuple[str, ...] = ()
    #: The committee proposal whose execution failed with this error (``None`` for a direct call).
    proposal_id: int | None = None

    def __init__(self, *args: Any, tx_hash: str | None = None, **kwargs: Any) -> None:
        values = dict(zip(self.fields, args))
        values.update(kwargs)
        for name in self.fields:
            setattr(self, name, values.get(name))
        self.args_dict = values
        self.tx_hash = tx_hash
        shown = ", ".join(f"{k}={_show(values.get(k))}" for k in self.fields)
        super().__init__(f"{self.error_name or type(self).__name__}({shown})")


class UnknownRevert(ContractError):
    """A revert whose data matches no known error (or carries a plain string reason)."""

    error_name = "UnknownRevert"

    def __init__(self, data: bytes, reason: str | None = None, tx_hash: str | None = None) -> None:
        self.data = data
        self.reason = reason
        LedgerError.__init__(self, f"reverted: {reason}" if reason else f"reverted with data 0x{data.hex()}")
        self.args_dict = {"data": data, "reason": reason}
        self.tx_hash = tx_hash


class IssuanceError(LedgerError):
    """A batch issuance cannot go on (bad journal, root mismatch on resume ...)."""


class VerificationError(LedgerError):
    """A credential could not be checked at all (as opposed to failing a check)."""


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if isinstance(value, str) else str(value)
