"""FISCO BCOS native protocols in Python: 3.x (Tars over JSON-RPC, HTTP or HTTPS) and 2.x
(RLP over JSON-RPC), with ECDSA (secp256k1 + keccak256) or SM2/SM3 crypto.

Modules, bottom up: ``tars`` and ``rlp`` (codecs), ``signer`` (keys and signatures), ``v3`` and
``v2`` (transactions), ``status`` (both status-code tables), ``jsonrpc`` (the HTTP client),
``receipts`` and ``revert`` (normalising answers), ``fisco3`` and ``fisco2`` (the backends).

On SM chains everything hashed is SM3: transaction hashes, addresses, the KECCAK256 opcode (so
in-contract hashing such as Merkle proofs), and the contracts' selectors, event topics and error
selectors, which the contracts layer takes from the SM3 artifacts (``ledger/artifacts/sm3``), as FISCO's
gm solc and SDKs make them. An RPC port that speaks SM TLS (TLCP) is recognised and refused with what to
change on the node (``jsonrpc.SmTlsUnsupported``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigError

if TYPE_CHECKING:
    from ledger.chain.base import ChainBackend

KINDS = ("fisco3", "fisco2")


def open_fisco(kind: str, urls: str | Sequence[str], **options: Any) -> ChainBackend:
    """Open a FISCO backend: ``kind`` is ``"fisco3"`` or ``"fisco2"``.

    ``options`` go to :class:`~ledger.chain.fisco.fisco3.Fisco3Chain` (``group``, ``chain_id``,
    ``sdk_certs``, ``crypto``, ``timeout``, ``node``) or
    :class:`~ledger.chain.fisco.fisco2.Fisco2Chain` (``group_id``, ``chain_id``, ``crypto``,
    ``timeout``). Options set to ``None`` are dropped, so a config layer can pass its fields as
    they are.

    Raises:
        ConfigError: unknown kind or option.
    """
    options = {k: v for k, v in options.items() if v is not None}
    if kind == "fisco3":
        from ledger.chain.fisco.fisco3 import Fisco3Chain

        factory: Any = Fisco3Chain
    elif kind == "fisco2":
        from ledger.chain.fisco.fisco2 import Fisco2Chain

        factory = Fisco2Chain
    else:
        raise ConfigError(f"unknown FISCO backend {kind!r}; use one of {', '.join(KINDS)}")
    try:
        inspect.signature(factory).bind(urls, **options)
    except TypeError as exc:
        raise ConfigError(f"bad option for the {kind} backend: {exc}") from exc
    return factory(urls, **options)


__all__ = ["KINDS", "open_fisco"]
