"""A peer contract's ABI: encode calls and constructor arguments, decode outputs and events.

Only what the benchmarks need, over ``eth_abi``. Overloaded functions (DocumentStore has two
``revoke``) are addressed by their full signature, e.g. ``"revoke(bytes32,bytes32,bytes32[])"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import eth_abi

from ledger.crypto.hashing import keccak256

from .. import BenchmarkError


def abi_type(item: Mapping[str, Any]) -> str:
    """The canonical type string of one ABI input, tuples spelled out: ``(bytes32,(address,...))[]``."""
    kind: str = item["type"]
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in item["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def signature(item: Mapping[str, Any]) -> str:
    """``name(type,...)`` of a function, event or error ABI entry."""
    return f"{item['name']}({','.join(abi_type(i) for i in item.get('inputs', []))})"


@dataclass(frozen=True)
class ContractAbi:
    """A compiled contract: its ABI entries and creation bytecode."""

    name: str
    abi: tuple[Mapping[str, Any], ...]
    bytecode: bytes
    _functions: dict[str, Mapping[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, list[Mapping[str, Any]]] = {}
        for item in self.abi:
            if item["type"] == "function":
                self._functions[signature(item)] = item
                by_name.setdefault(item["name"], []).append(item)
        for name, items in by_name.items():
            if len(items) == 1:  # unambiguous: also reachable by its bare name
                self._functions[name] = items[0]

    @classmethod
    def from_artifact(cls, name: str, artifact: Mapping[str, Any]) -> ContractAbi:
        """Build from ``{"abi": [...], "bytecode": "0x..."}``."""
        code = str(artifact["bytecode"])
        return cls(name=name, abi=tuple(artifact["abi"]), bytecode=bytes.fromhex(code.removeprefix("0x")))

    def function(self, name: str) -> Mapping[str, Any]:
        """The ABI entry of a function by bare name or full signature."""
        try:
            return self._functions[name]
        except KeyError:
            raise BenchmarkError(f"{self.name} has no unambiguous function {name!r}") from None

    def encode_call(self, name: str, *args: Any) -> bytes:
        """Calldata for ``name(args...)``: 4-byte selector plus ABI-encoded arguments."""
        item = self.function(name)
        types = [abi_type(i) for i in item["inputs"]]
        return keccak256(signature(item).encode())[:4] + eth_abi.encode(types, list(args))

    def decode_output(self, name: str, data: bytes) -> tuple[Any, ...]:
        """Decode a call's return data."""
        item = self.function(name)
        return tuple(eth_abi.decode([abi_type(o) for o in item["outputs"]], data))

    def init_code(self, *args: Any) -> bytes:
        """Creation bytecode followed by the ABI-encoded constructor arguments."""
        ctor = next((i for i in self.abi if i["type"] == "constructor"), None)
        types = [abi_type(i) for i in ctor["inputs"]] if ctor else []
        return self.bytecode + (eth_abi.encode(types, list(args)) if types else b"")

    def event_topic(self, name: str) -> bytes:
        """``topic0`` of an event."""
        for item in self.abi:
            if item["type"] == "event" and item["name"] == name:
                return keccak256(signature(item).encode())
        raise BenchmarkError(f"{self.name} has no event {name!r}")


def encode_values(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """Plain ABI encoding (used for EAS attestation data)."""
    return eth_abi.encode(list(types), list(values))
