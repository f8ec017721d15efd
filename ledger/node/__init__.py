"""``ledger node``: a FISCO BCOS-compatible local node for development and CI, as anvil is for Ethereum.

It serves FISCO BCOS's native JSON-RPC over HTTP, 3.x (Tars transactions, ``[group, node, ...]``
params) or 2.x (RLP transactions, integer group ids), in ECDSA or SM (guomi) crypto, and executes on
the embedded chain (:mod:`ledger.chain.embedded`, in SM mode with FISCO's SM semantics). Its answers
come from FISCO's rules applied to what it receives: the block-limit window, duplicate nonces and
hashes, chain and group ids, signatures of the chain's crypto type, FISCO's status codes and 2.x's
messages; not from recordings.

Modules: :mod:`~ledger.node.settings` (what a node is), :mod:`~ledger.node.admission` (FISCO's
admission rules and refusals), :mod:`~ledger.node.pool` (the pool and the sealer),
:mod:`~ledger.node.server` (JSON-RPC over HTTP), :mod:`~ledger.node.v3` and :mod:`~ledger.node.v2`
(the two protocol lines' methods and answer shapes), :mod:`~ledger.node.node` (one node, wired).

May import: ``ledger.chain`` and everything below it (``ledger.crypto``, ``ledger.canonical``, ``ledger.errors``); never the
contracts or anything above them. The CLI command is in ``ledger.cli.commands.node``.
"""

from __future__ import annotations

from ledger.node.node import FiscoNode, open_node
from ledger.node.settings import NodeSettings

__all__ = ["FiscoNode", "NodeSettings", "open_node"]
