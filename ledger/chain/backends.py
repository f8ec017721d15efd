"""The chain backends by name: :func:`open_chain` connects to the one the settings name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.chain.base import ChainBackend
    from ledger.config import NetworkSettings


def open_chain(network: NetworkSettings, *, chain_path: Path | None, lock_timeout: float = 30.0) -> ChainBackend:
    """Connect to the chain ``network`` describes.

    Args:
        network: backend name, node URLs and options.
        chain_path: the embedded chain's SQLite file (``None`` keeps it in memory).
        lock_timeout: how long the embedded chain waits for another process's lock.
    """
    if network.backend == "embedded":
        from ledger.chain.embedded import EmbeddedChain

        return EmbeddedChain(chain_path, lock_timeout=lock_timeout, crypto=network.crypto)
    if network.backend == "rpc":
        from ledger.chain.rpc import RpcChain

        return RpcChain(network.urls, expected_chain_id=network.chain_id, timeout=network.timeout)
    from ledger.chain.fisco import open_fisco

    options: dict[str, object] = {"crypto": network.crypto, "timeout": network.timeout}
    if network.backend == "fisco3":
        options.update(group=network.group, sdk_certs=Path(network.sdk_certs) if network.sdk_certs else None)
        if network.fisco_chain_id is not None:
            options["chain_id"] = str(network.fisco_chain_id)
    else:
        options.update(group_id=network.group_id)
        if network.fisco_chain_id is not None:
            options["chain_id"] = int(network.fisco_chain_id)
    return open_fisco(network.backend, list(network.urls), **options)
