"""The Probe test contract (``tests/chain/Probe.sol``, compiled to ``tests/chain/probe.json``) as the
conformance suite uses it: calldata encoders, event topics, and revert decoding into error classes.

Decoding revert data by selector into :class:`~ledger.errors.ContractError` subclasses is what the
contracts layer does for the project's own contracts; here it is done for Probe's one custom error and
for ``Error(string)``, so that the suite asserts a revert by class and fields on every backend.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from ledger.chain.base import ChainBackend, Transaction
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey
from ledger.errors import ContractError, UnknownRevert

PROBE_JSON = Path(__file__).resolve().parent.parent / "chain" / "probe.json"
ERROR_STRING = keccak256(b"Error(string)")[:4]


class TooLarge(ContractError):
    """Probe's ``TooLarge(uint256 value, uint256 limit)``."""

    error_name = "TooLarge"
    fields = ("value", "limit")
    value: int
    limit: int


@dataclass(frozen=True)
class Probe:
    """Probe's ABI and bytecode with the few encoders the suite needs."""

    abi: tuple[dict[str, Any], ...]
    bytecode: bytes

    @classmethod
    def load(cls) -> Probe:
        data = json.loads(PROBE_JSON.read_text())
        code = data["bytecode"]
        return cls(abi=tuple(data["abi"]), bytecode=bytes.fromhex(code.removeprefix("0x")))

    def _item(self, name: str, kind: str) -> dict[str, Any]:
        for item in self.abi:
            if item.get("name") == name and item["type"] == kind:
                return item
        raise KeyError(f"Probe has no {kind} {name}")

    def _signature(self, name: str, kind: str) -> str:
        return f"{name}({','.join(i['type'] for i in self._item(name, kind)['inputs'])})"

    def calldata(self, function: str, *args: Any) -> bytes:
        item = self._item(function, "function")
        selector = keccak256(self._signature(function, "function").encode())[:4]
        return selector + abi_encode([i["type"] for i in item["inputs"]], list(args))

    def topic(self, event: str) -> bytes:
        return keccak256(self._signature(event, "event").encode())

    def tx(self, to: str, function: str, *args: Any, gas: int = 200_000) -> Transaction:
        return Transaction(to=to, data=self.calldata(function, *args), gas=gas)

    def deploy(self, chain: ChainBackend, key: PrivateKey) -> str:
        receipt = chain.deploy(key, self.bytecode, gas=1_000_000)
        assert receipt.succeeded, receipt
        assert receipt.contract_address is not None
        return receipt.contract_address

    def decode_error(self, data: bytes) -> ContractError:
        """The error class a revert's data names: ``TooLarge``, or ``UnknownRevert`` with a reason."""
        if data[:4] == keccak256(self._signature("TooLarge", "error").encode())[:4]:
            value, limit = abi_decode(["uint256", "uint256"], data[4:])
            return TooLarge(value, limit)
        if data[:4] == ERROR_STRING:
            return UnknownRevert(data, reason=abi_decode(["string"], data[4:])[0])
        return UnknownRevert(data)


def uint(data: bytes) -> int:
    return int(abi_decode(["uint256"], data)[0])


def topic_uint(value: int) -> bytes:
    return value.to_bytes(32, "big")


def topic_address(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])
