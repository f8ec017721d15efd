"""Fixtures for the chain backend tests: a tiny contract (Probe.sol), keys, an embedded chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from ledger.chain.base import ChainBackend, Transaction
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey

HERE = Path(__file__).parent
PROBE_JSON = HERE / "probe.json"


@dataclass(frozen=True)
class ProbeArtifact:
    """Probe.sol's committed ABI and bytecode, with small encoders for its functions."""

    abi: list[dict[str, Any]]
    bytecode: bytes

    def selector(self, name: str) -> bytes:
        for item in self.abi:
            if item.get("name") == name and item["type"] in ("function", "error", "event"):
                types = ",".join(i["type"] for i in item["inputs"])
                return keccak256(f"{name}({types})".encode())[:4]
        raise KeyError(name)

    def topic(self, event: str) -> bytes:
        for item in self.abi:
            if item.get("name") == event and item["type"] == "event":
                types = ",".join(i["type"] for i in item["inputs"])
                return keccak256(f"{event}({types})".encode())
        raise KeyError(event)

    def calldata(self, name: str, *args: Any) -> bytes:
        for item in self.abi:
            if item.get("name") == name and item["type"] == "function":
                types = [i["type"] for i in item["inputs"]]
                return self.selector(name) + abi_encode(types, list(args))
        raise KeyError(name)

    def error_data(self, name: str, *args: Any) -> bytes:
        for item in self.abi:
            if item.get("name") == name and item["type"] == "error":
                return self.selector(name) + abi_encode([i["type"] for i in item["inputs"]], list(args))
        raise KeyError(name)

    @staticmethod
    def string_revert(reason: str) -> bytes:
        """Revert data of ``require(false, reason)``: Error(string)."""
        return keccak256(b"Error(string)")[:4] + abi_encode(["string"], [reason])

    @staticmethod
    def decode_uint(data: bytes) -> int:
        return int(abi_decode(["uint256"], data)[0])

    def set_tx(self, to: str, value: int, note: str = "", gas: int = 200_000) -> Transaction:
        """A transaction calling ``set(value, note)``."""
        return Transaction(to=to, data=self.calldata("set", value, note), gas=gas)

    def deploy(self, chain: ChainBackend, key: PrivateKey) -> str:
        """Deploy Probe on ``chain`` and return its address."""
        receipt = chain.deploy(key, self.bytecode, gas=1_000_000)
        assert receipt.succeeded, receipt
        assert receipt.contract_address is not None
        return receipt.contract_address


@pytest.fixture(scope="session")
def probe_artifact() -> ProbeArtifact:
    data = json.loads(PROBE_JSON.read_text())
    return ProbeArtifact(abi=data["abi"], bytecode=bytes.fromhex(data["bytecode"][2:]))


@pytest.fixture(scope="session")
def key() -> PrivateKey:
    return PrivateKey(keccak256(b"ledger chain tests: deployer"))


@pytest.fixture(scope="session")
def other_key() -> PrivateKey:
    return PrivateKey(keccak256(b"ledger chain tests: someone else"))


@pytest.fixture
def probe(embedded: ChainBackend, key: PrivateKey, probe_artifact: ProbeArtifact) -> str:
    return probe_artifact.deploy(embedded, key)


@pytest.fixture
def embedded() -> Iterator[ChainBackend]:
    from ledger.chain.embedded import EmbeddedChain

    with EmbeddedChain() as chain:
        yield chain
