"""Our contracts' ABIs: artifacts, function encoding, revert and event decoding.

Parsed once from the committed artifacts (``ledger/artifacts``). Reverts are decoded by selector in
one place (:func:`decode_revert`): custom errors into their ``ledger.contracts.errors`` class with the
error's arguments as attributes, ``Error(string)`` and ``Panic(uint256)`` into
:class:`~ledger.errors.UnknownRevert`. This module does not import web3.

Every reader takes the chain's ``crypto`` mode (``ChainBackend.crypto``): ``"ecdsa"`` chains get the
keccak256 artifacts and keccak256 selectors, topics and error selectors; ``"sm"`` chains (FISCO BCOS
guomi) get the SM3 artifacts (``ledger/artifacts/sm3``, built as FISCO's gm solc builds them) and SM3
selectors, topics and error selectors, ``Error(string)`` and ``Panic(uint256)`` included, as FISCO's
SDKs compute them there.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError

from ledger import types
from ledger.chain.base import Log
from ledger.contracts import errors as contract_errors
from ledger.crypto.hashing import hash_function, keccak256, to_checksum_address
from ledger.errors import ContractError, LedgerError, UnknownRevert

ARTIFACTS_DIR = Path(__file__).resolve().parents[1] / "artifacts"
#: Where each crypto mode's artifacts are: keccak256 builds, and the SM3 builds for SM chains.
ARTIFACT_DIRS = {"ecdsa": ARTIFACTS_DIR, "sm": ARTIFACTS_DIR / "sm3"}
CONTRACT_NAMES = ("Committee", "IssuerRegistry", "ContributionLedger", "CredentialRegistry")
ZERO32 = b"\0" * 32
ZERO_ADDRESS = "0x" + "00" * 20

Hasher = Callable[[bytes], bytes]
_PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x22: "bad storage byte array",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to a zero-initialised function",
}
_ENUMS: dict[str, type[Any]] = {
    "IssuerKind": types.IssuerKind,
    "IssuerStatus": types.IssuerStatus,
    "ContributionKind": types.ContributionKind,
    "ContributionStatus": types.ContributionStatus,
    "RevocationReason": types.RevocationReason,
    "CredentialStatus": types.CredentialStatus,
    "ProposalState": types.ProposalState,
    "Standing": types.Standing,
    "Verdict": types.Verdict,
}


# ----------------------------------------------------------------------------- undecodable answers

#: What goes wrong decoding bytes that do not fit an ABI: eth_abi's errors, an enum value out of
#: range (ValueError), a word of the wrong size (IndexError, TypeError).
_DECODE_FAILURES = (DecodingError, ValueError, TypeError, IndexError, OverflowError)
_CHECK_CONFIG = "check the contract addresses in the workspace's config.toml and that --rpc-url names the " \
    "network they were deployed on"


class UndecodableAnswer(ContractError):
    """A call of one of our contracts answered with data its ABI cannot decode.

    An empty answer almost always means there is no contract at the address: the workspace's
    config names another network's address, or the node was reset since the deployment. Data of the
    wrong shape, or an enum value out of range, means another contract (or a broken node) answered.

    Attributes:
        contract / function / address: what was called, and where.
        detail: what was wrong with the answer.
    """

    error_name = "UndecodableAnswer"
    fields = ("contract", "function", "address", "detail")
    hint = _CHECK_CONFIG

    def __init__(self, contract: str, function: str, address: str, detail: str) -> None:
        LedgerError.__init__(
            self,
            f"{contract}.{function}() at {address} answered {detail}: is there a contract at {address}? "
            "check the workspace's config",
        )
        self.contract, self.function, self.address, self.detail = contract, function, address, detail
        self.args_dict = {"contract": contract, "function": function, "address": address, "detail": detail}
        self.tx_hash = None


class UndecodableEvent(ContractError):
    """A log carries the topic of one of our events but data that event's ABI cannot decode.

    Our contracts never emit such a log: the address holds another contract, or the node answering
    ``eth_getLogs`` is broken or hostile.

    Attributes:
        event / address / block_number / log_index: which log.
        detail: what was wrong with it.
    """

    error_name = "UndecodableEvent"
    fields = ("event", "address", "block_number", "log_index", "detail")
    hint = _CHECK_CONFIG

    def __init__(self, event: str, address: str, block_number: int, log_index: int, detail: str) -> None:
        LedgerError.__init__(
            self,
            f"the log at block {block_number}, index {log_index} from {address} has the topic of {event} but "
            f"does not decode as it ({detail}): is there a contract of this ledger at {address}? "
            "check the workspace's config",
        )
        self.event, self.address, self.block_number = event, address, block_number
        self.log_index, self.detail = log_index, detail
        self.args_dict = {"event": event, "address": address, "block_number": block_number,
                          "log_index": log_index, "detail": detail}
        self.tx_hash = None


class _Shape(ValueError):
    """Internal: a log or answer of the wrong shape, described by the message."""


def _what_was_wrong(data: bytes, types_: Sequence[str], exc: Exception) -> str:
    if isinstance(exc, _Shape):
        return str(exc)
    if not data:
        return "no data (0 bytes)"
    if isinstance(exc, ValueError) and not isinstance(exc, DecodingError) and " is not a valid " in str(exc):
        return f"an enum value out of range ({exc})"
    return f"{len(data)} bytes that are not ({','.join(types_)}) ({type(exc).__name__}: {str(exc)[:120]})"


# ---------------------------------------------------------------------------------------------- ABI


def abi_type(entry: dict[str, Any]) -> str:
    """Canonical ABI type of a parameter, tuples spelled out: ``(uint16,uint8[12])[]``."""
    kind: str = entry["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in entry["components"]) + ")" + kind[len("tuple") :]
    return kind


def _python_value(entry: dict[str, Any], value: Any) -> Any:
    """An ABI-decoded value made friendly: checksummed addresses, enums, structs as dicts."""
    kind: str = entry["type"]
    if kind.endswith("]"):
        inner = dict(entry, type=kind[: kind.rindex("[")])
        inner["internalType"] = entry.get("internalType", "").rsplit("[", 1)[0]
        return tuple(_python_value(inner, v) for v in value)
    if kind == "tuple":
        return {c["name"]: _python_value(c, v) for c, v in zip(entry["components"], value)}
    if kind == "address":
        return to_checksum_address(bytes.fromhex(value[2:]))
    internal = entry.get("internalType", "")
    if internal.startswith("enum "):
        enum = _ENUMS.get(internal[5:].rsplit(".", 1)[-1])
        if enum is not None:
            return enum(value)
    return value


@dataclass(frozen=True)
class AbiFunction:
    """One contract function: its selector and how to encode its call and decode its result."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[dict[str, Any], ...]
    selector: bytes

    def encode(self, *args: Any) -> bytes:
        """Calldata: selector and ABI-encoded arguments."""
        return self.selector + abi_encode(list(self.inputs), list(args))

    def decode(self, data: bytes, *, contract: str = "contract", address: str = "the address") -> tuple[Any, ...]:
        """Decode a call result.

        Args:
            contract / address: the contract called, named in the error.

        Raises:
            UndecodableAnswer: the data is empty (no contract at ``address``), short, of the wrong
                shape, or holds an enum value out of range.
        """
        types_ = [abi_type(o) for o in self.outputs]
        try:
            raw = abi_decode(types_, data)
            return tuple(_python_value(o, v) for o, v in zip(self.outputs, raw))
        except _DECODE_FAILURES as exc:
            raise UndecodableAnswer(contract, self.name, address, _what_was_wrong(data, types_, exc)) from exc


@dataclass(frozen=True)
class AbiEvent:
    """One event: its topic and parameters."""

    name: str
    topic: bytes
    inputs: tuple[dict[str, Any], ...]

    def decode(self, log: Log) -> dict[str, Any]:
        """Decode one log's arguments by name.

        Raises:
            UndecodableEvent: the log's topics or data do not fit this event.
        """
        try:
            return self._decode(log)
        except _DECODE_FAILURES as exc:
            plain = [abi_type(i) for i in self.inputs if not i["indexed"]]
            raise UndecodableEvent(self.name, log.address, log.block_number, log.log_index,
                                   _what_was_wrong(bytes(log.data), plain, exc)) from exc

    def _decode(self, log: Log) -> dict[str, Any]:
        indexed = [i for i in self.inputs if i["indexed"]]
        plain = [i for i in self.inputs if not i["indexed"]]
        values: dict[str, Any] = {}
        if len(log.topics) != 1 + len(indexed):
            raise _Shape(f"{len(log.topics) - 1} indexed topic(s), the event has {len(indexed)}")
        for entry, topic in zip(indexed, log.topics[1:]):
            kind = abi_type(entry)
            dynamic = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
            values[entry["name"]] = topic if dynamic else _python_value(entry, abi_decode([kind], topic)[0])
        decoded = abi_decode([abi_type(i) for i in plain], log.data)
        for entry, value in zip(plain, decoded):
            values[entry["name"]] = _python_value(entry, value)
        return {i["name"]: values[i["name"]] for i in self.inputs}


@dataclass(frozen=True)
class ContractAbi:
    """A parsed ABI: functions by name, events by topic, errors by selector."""

    name: str
    functions: dict[str, AbiFunction]
    events: dict[bytes, AbiEvent]
    errors: dict[bytes, tuple[str, tuple[dict[str, Any], ...]]]

    @classmethod
    def parse(cls, name: str, abi: Sequence[dict[str, Any]], hasher: Hasher = keccak256) -> ContractAbi:
        """Parse a JSON ABI (functions, events, errors), hashing signatures with ``hasher`` (keccak256,
        or SM3 on SM chains)."""
        functions: dict[str, AbiFunction] = {}
        events: dict[bytes, AbiEvent] = {}
        errors: dict[bytes, tuple[str, tuple[dict[str, Any], ...]]] = {}
        for entry in abi:
            kind = entry["type"]
            if kind not in ("function", "event", "error"):
                continue
            types_ = [abi_type(i) for i in entry["inputs"]]
            signature = f"{entry['name']}({','.join(types_)})"
            digest = hasher(signature.encode())
            if kind == "function":
                functions[entry["name"]] = AbiFunction(
                    entry["name"], tuple(types_), tuple(entry["outputs"]), digest[:4]
                )
            elif kind == "event":
                events[digest] = AbiEvent(entry["name"], digest, tuple(entry["inputs"]))
            else:
                errors[digest[:4]] = (entry["name"], tuple(entry["inputs"]))
        return cls(name, functions, events, errors)

    def fn(self, name: str) -> AbiFunction:
        """The function ``name``; KeyError naming the contract if it has none."""
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(f"{self.name} has no function {name!r}") from None


@dataclass(frozen=True)
class Artifact:
    """A committed build output. ``hash`` is ``"keccak256"`` or ``"sm3"``: the hash of every selector,
    topic and compile-time constant in it."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    deployed_bytecode: bytes
    source_hash: str
    hash: str = "keccak256"


def _artifact_dir(crypto: str) -> Path:
    try:
        return ARTIFACT_DIRS[crypto]
    except KeyError:
        raise ValueError(f"unknown crypto mode {crypto!r} (expected 'ecdsa' or 'sm')") from None


@functools.cache
def artifact(name: str, crypto: str = "ecdsa") -> Artifact:
    """The committed artifact of contract ``name`` for a chain of crypto mode ``crypto`` (cached)."""
    data = json.loads((_artifact_dir(crypto) / f"{name}.json").read_text(encoding="utf-8"))
    return Artifact(
        name=name,
        abi=tuple(data["abi"]),
        bytecode=bytes.fromhex(data["bytecode"][2:]),
        deployed_bytecode=bytes.fromhex(data["deployedBytecode"][2:]),
        source_hash=data["sourceHash"],
        hash=data.get("hash", "keccak256"),
    )


@functools.cache
def contract_abi(name: str, crypto: str = "ecdsa") -> ContractAbi:
    """The parsed ABI of contract ``name`` with the selectors and topics of crypto mode ``crypto`` (cached)."""
    return ContractAbi.parse(name, artifact(name, crypto).abi, hash_function(crypto))


@functools.cache
def _standard_selectors(crypto: str) -> tuple[bytes, bytes]:
    """The selectors of ``Error(string)`` and ``Panic(uint256)`` in crypto mode ``crypto``."""
    hasher = hash_function(crypto)
    return hasher(b"Error(string)")[:4], hasher(b"Panic(uint256)")[:4]


@functools.cache
def _our_errors(crypto: str) -> dict[bytes, tuple[str, tuple[dict[str, Any], ...]]]:
    merged: dict[bytes, tuple[str, tuple[dict[str, Any], ...]]] = {}
    for name in CONTRACT_NAMES:
        merged.update(contract_abi(name, crypto).errors)
    return merged


@functools.cache
def _our_events(crypto: str) -> dict[bytes, AbiEvent]:
    merged: dict[bytes, AbiEvent] = {}
    for name in CONTRACT_NAMES:
        merged.update(contract_abi(name, crypto).events)
    return merged


# ---------------------------------------------------------------------------------- revert decoding


@functools.cache
def _dynamic_error_class(name: str, fields: tuple[str, ...]) -> type[ContractError]:
    """A ContractError subclass for an error found only in an extra ABI."""
    return type(name, (ContractError,), {"error_name": name, "fields": fields, "__module__": __name__})


def decode_revert(
    data: bytes,
    *,
    extra_abi: Sequence[dict[str, Any]] | None = None,
    tx_hash: str | None = None,
    crypto: str = "ecdsa",
) -> ContractError:
    """Decode revert data into the ContractError subclass it names.

    Custom errors of our four contracts map to the classes of ``ledger.contracts.errors``; errors
    of ``extra_abi`` (any other contract's ABI) to classes made on the fly; ``Error(string)`` and
    ``Panic(uint256)`` to :class:`UnknownRevert` with a readable reason; anything else to
    :class:`UnknownRevert` with the raw data. Selectors are those of crypto mode ``crypto``.
    """
    data = bytes(data)
    selector, body = data[:4], data[4:]
    error_string, panic = _standard_selectors(crypto)
    try:
        if selector == error_string:
            return UnknownRevert(data, reason=abi_decode(["string"], body)[0], tx_hash=tx_hash)
        if selector == panic:
            code = abi_decode(["uint256"], body)[0]
            return UnknownRevert(data, reason=f"panic 0x{code:02x} ({_PANIC_CODES.get(code, 'unknown')})",
                                 tx_hash=tx_hash)
        known = _our_errors(crypto).get(selector)
        if known is None and extra_abi is not None:
            known = ContractAbi.parse("extra", extra_abi, hash_function(crypto)).errors.get(selector)
        if known is None:
            return UnknownRevert(data, tx_hash=tx_hash)
        name, inputs = known
        values = abi_decode([abi_type(i) for i in inputs], body)
    except Exception:  # noqa: BLE001 - malformed data is an unknown revert, never a crash
        return UnknownRevert(data, tx_hash=tx_hash)
    args = [_python_value(i, v) for i, v in zip(inputs, values)]
    cls = contract_errors.BY_NAME.get(name) or _dynamic_error_class(name, tuple(i["name"] for i in inputs))
    error = cls(*args, tx_hash=tx_hash)
    if name == "ProposalExecutionFailed":
        # The call the committee executed reverted: keep its own error, decoded, beside the wrapper.
        error.inner = (  # type: ignore[attr-defined]
            decode_revert(args[1], extra_abi=extra_abi, tx_hash=tx_hash, crypto=crypto) if args[1] else None
        )
    return error


# ------------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """A decoded event log of one of our contracts."""

    name: str
    args: dict[str, Any]
    address: str
    block_number: int
    tx_hash: bytes
    log_index: int


def decode_events(
    logs: Iterable[Log], *, extra_abi: Sequence[dict[str, Any]] | None = None, crypto: str = "ecdsa"
) -> list[Event]:
    """Decode the logs our contracts (or ``extra_abi``) emitted; other logs are skipped. Topics are
    those of crypto mode ``crypto``.

    Raises:
        UndecodableEvent: a log has the topic of one of the events but does not decode as it.
    """
    known = dict(_our_events(crypto))
    if extra_abi is not None:
        known.update(ContractAbi.parse("extra", extra_abi, hash_function(crypto)).events)
    events = []
    for log in logs:
        event = known.get(log.topics[0]) if log.topics else None
        if event is None:
            continue
        events.append(Event(event.name, event.decode(log), log.address, log.block_number, log.tx_hash,
                            log.log_index))
    return events
