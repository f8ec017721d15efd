"""Chain backends behind one interface (``ledger.chain.base``).

:func:`~ledger.chain.backends.open_chain` picks the backend named in the settings and imports it
lazily, so that only the backend in use pays its import cost (py-evm for ``embedded``, HTTP clients
for the others).

Modules: :mod:`~ledger.chain.base` (the interface, receipts, features),
:mod:`~ledger.chain.backends` (the backends by name), :mod:`~ledger.chain.answers` (reading a node's
JSON values), :mod:`~ledger.chain.embedded` (py-evm persisted in SQLite: :mod:`~ledger.chain.kvstore`,
:mod:`~ledger.chain.blocks`),
:mod:`~ledger.chain.rpc` (any Ethereum JSON-RPC node: :mod:`~ledger.chain.failover`,
:mod:`~ledger.chain.nonces`), :mod:`~ledger.chain.ethtx` (Ethereum transactions),
:mod:`ledger.chain.fisco` (FISCO BCOS 3.x and 2.x native protocols), :mod:`~ledger.chain.bursts` (the journal
of a burst's signed transactions: nothing lost, nothing sent twice after a stop), :mod:`~ledger.chain.turns`
(the workspace lock, first come first served).

May import: ``ledger.crypto``, ``ledger.config``, ``ledger.canonical``, ``ledger.files``,
``ledger.types``, ``ledger.errors``; never the contracts or anything above them.
"""
