"""A blockchain-anchored ledger of open-source contributions and talent credentials on FISCO BCOS.

The public API is the :class:`ledger.ledger.Ledger` facade; heavy dependencies (web3, py-evm) are
imported lazily so that ``import ledger`` and ``ledger --help`` stay fast.
"""

__version__ = "0.1.0"
