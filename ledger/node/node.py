"""One ``ledger node``: an embedded chain, a pool under FISCO's rules, and a JSON-RPC server.

:class:`FiscoNode` opens (or creates) the chain in the node's crypto mode and address rule (FISCO 3.x's
``H("<block>_<index>_0")`` or 2.x's ``H(rlp([sender, nonce]))``), starts the sealer and serves the
protocol's method table on ``host:port``. With ``state`` the chain lives in ``state/chain.sqlite`` and
the node's identity (protocol, crypto, chain and group ids, node id) in ``state/node.json``; starting
again on the same directory with other settings is refused, so a 3.x SM chain is never served as
something else.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from ledger.chain.embedded import EmbeddedChain
from ledger.errors import ConfigError, WorkspaceError
from ledger.node.pool import Pool
from ledger.node.server import JsonRpcServer
from ledger.node.settings import WEB3_CHAIN_ID, NodeSettings
from ledger.node.v2 import Fisco2Rpc
from ledger.node.v3 import Fisco3Rpc

if TYPE_CHECKING:
    from typing_extensions import Self

IDENTITY_FILE = "node.json"
CHAIN_FILE = "chain.sqlite"


class FiscoNode:
    """A FISCO BCOS-compatible node on the embedded chain (start it with :meth:`start`).

    Raises:
        ConfigError: ``settings.state`` holds a node made with other settings.
        WorkspaceLocked: another process serves that state directory.
        OSError: the address cannot be bound (in use, not local).
    """

    def __init__(self, settings: NodeSettings) -> None:
        started = time.perf_counter()
        self.settings = settings
        self.node_id = self._identity()
        self.chain = EmbeddedChain(
            settings.state / CHAIN_FILE if settings.state is not None else None,
            chain_id=WEB3_CHAIN_ID if settings.line == 3 else int(settings.chain_name),
            crypto=settings.crypto,
            address_rule="fisco3" if settings.line == 3 else "rlp",
            clock="ms",  # block.timestamp in milliseconds, as FISCO BCOS gives it by default
        )
        try:
            self.pool = Pool(self.chain, block_time=settings.block_time)
            rpc = (Fisco3Rpc if settings.line == 3 else Fisco2Rpc)(settings, self.chain, self.pool, self.node_id)
            self.server = JsonRpcServer(settings.host, settings.listen_port, rpc.methods(), integer_ids=settings.line == 3)
        except BaseException:
            self.chain.close()
            raise
        self.open_seconds = time.perf_counter() - started
        self._running = False

    def _identity(self) -> str:
        """The node id (128 hex digits, like a FISCO node's public key), kept in ``state/node.json``."""
        s = self.settings
        wanted = {"protocol": s.protocol, "crypto": s.crypto, "chainID": s.chain_name, "groupID": s.group_name}
        if s.state is None:
            return secrets.token_hex(64)
        path = s.state / IDENTITY_FILE
        if path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                node_id = str(stored["nodeID"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise WorkspaceError(f"{path} is not a ledger node identity: {exc}") from exc
            differing = [f"{k} {stored.get(k)!r} (not {v!r})" for k, v in wanted.items() if stored.get(k) != v]
            if differing:
                raise ConfigError(
                    f"the node state in {s.state} was made with other settings: {', '.join(differing)}",
                    hint="start it with the same --protocol, --crypto, --chain-id and --group, or use another --state",
                )
            return node_id
        node_id = secrets.token_hex(64)
        try:
            s.state.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({**wanted, "nodeID": node_id}, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise WorkspaceError(f"cannot write the node state in {s.state}: {exc}") from exc
        return node_id

    @property
    def url(self) -> str:
        return self.server.url

    def info(self) -> dict[str, Any]:
        """What a client needs to connect, as printed at start (and by ``--json``)."""
        s = self.settings
        backend = s.protocol
        command = f"ledger init --network {backend} --rpc-url {self.url}"
        return {
            "url": self.url,
            "protocol": backend,
            "fisco_version": s.version,
            "crypto": s.crypto,
            "chain_id": s.chain_name,
            "group_id": s.group_name,
            **({"web3_chain_id": WEB3_CHAIN_ID} if s.line == 3 else {}),
            "node_id": self.node_id,
            "block_number": self.chain.block_number(),
            "block_time": s.block_time,
            "state": str(s.state) if s.state is not None else None,
            "keys": f"any {'SM2' if s.crypto == 'sm' else 'secp256k1'} key can send: gas is free and no account needs funds",
            "connect": command,
            "startup_seconds": round(self.open_seconds, 3),
        }

    def start(self) -> None:
        """Start sealing and serving (in background threads)."""
        self.pool.start()
        self.server.start()
        self._running = True

    def stop(self) -> None:
        """Stop serving, finish the block in progress, close the chain. Safe to call twice."""
        if self._running:
            self.server.shutdown()
            self.pool.stop()
            self._running = False
        else:
            self.server.shutdown()
        self.chain.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def open_node(settings: NodeSettings) -> FiscoNode:
    """A node for ``settings``, started."""
    node = FiscoNode(settings)
    node.start()
    return node


__all__ = ["FiscoNode", "NodeSettings", "open_node"]
