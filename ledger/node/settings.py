"""What a ``ledger node`` is: its protocol line, crypto type, identity and where it listens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.errors import ConfigError

PROTOCOLS = ("fisco3", "fisco2")
CRYPTO_TYPES = ("ecdsa", "sm")
#: FISCO's default RPC ports: 3.x serves JSON-RPC on 20200, 2.x on 8545.
DEFAULT_PORTS = {"fisco3": 20200, "fisco2": 8545}
#: FISCO's default chain and group ids: 3.x strings, 2.x integers.
DEFAULT_CHAIN_IDS = {"fisco3": "chain0", "fisco2": "1"}
DEFAULT_GROUPS = {"fisco3": "group0", "fisco2": "1"}
#: 3.x ``web3_chain_id`` (build_chain.sh writes 20200): the numeric id a 3.x client reports.
WEB3_CHAIN_ID = 20200
#: The version the node answers as (the newest release of each line, PROTOCOL.md).
VERSIONS = {"fisco3": "3.16.4", "fisco2": "2.11.1"}


@dataclass(frozen=True)
class NodeSettings:
    """How to run one node.

    Attributes:
        protocol: ``"fisco3"`` (native 3.x JSON-RPC, Tars transactions) or ``"fisco2"`` (2.x, RLP).
        crypto: ``"ecdsa"`` or ``"sm"`` (SM2 signatures, SM3 hashes, SM3 for the KECCAK256 opcode).
        host: the address to listen on (loopback by default: a development node).
        port: the port; ``None`` is the protocol's default (:data:`DEFAULT_PORTS`), 0 any free port.
        state: a directory that keeps the chain across restarts; ``None`` keeps it in memory.
        block_time: seconds between blocks; 0 seals a block as soon as transactions arrive.
        chain_id: the chain id transactions must carry (3.x ``"chain0"``, 2.x ``"1"``).
        group: the group id (3.x ``"group0"``, 2.x ``"1"``).
    """

    protocol: str = "fisco3"
    crypto: str = "ecdsa"
    host: str = "127.0.0.1"
    port: int | None = None
    state: Path | None = None
    block_time: float = 0.0
    chain_id: str | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {self.protocol!r}")
        if self.crypto not in CRYPTO_TYPES:
            raise ConfigError(f"crypto must be 'ecdsa' or 'sm', not {self.crypto!r}")
        if self.port is not None and not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not a TCP port")
        if self.block_time < 0:
            raise ConfigError("the block time cannot be negative")
        if self.protocol == "fisco2":
            for name, value in (("chain id", self.chain_id), ("group", self.group)):
                if value is not None and not (value.isdigit() and 0 < int(value) < 2**63):
                    raise ConfigError(f"a FISCO 2.x {name} is a positive integer, not {value!r}")
        for name, value in (("chain id", self.chain_id), ("group", self.group)):
            if value is not None and (not value or len(value) > 64 or not value.isprintable()):
                raise ConfigError(f"the {name} must be 1 to 64 printable characters")

    @property
    def line(self) -> int:
        """3 or 2: the FISCO BCOS major version served."""
        return 3 if self.protocol == "fisco3" else 2

    @property
    def chain_name(self) -> str:
        return self.chain_id or DEFAULT_CHAIN_IDS[self.protocol]

    @property
    def group_name(self) -> str:
        return self.group or DEFAULT_GROUPS[self.protocol]

    @property
    def listen_port(self) -> int:
        return DEFAULT_PORTS[self.protocol] if self.port is None else self.port

    @property
    def version(self) -> str:
        return VERSIONS[self.protocol]
