"""A blockchain-anchored ledger of open-source contributions and talent credentials on FISCO BCOS.

The public API is the :class:`~ledger.ledger.Ledger` facade (``from ledger import Ledger``), opened on a
workspace; the subpackages are the concepts it is made of (see the README's module map):

    ledger.crypto, ledger.identity          keys, SM2/SM3, keystores; the vault and the privacy guard
    ledger.chain                            chain backends behind one interface
    ledger.node                             ``ledger node``: a FISCO BCOS-compatible local node
    ledger.contributions, ledger.credentials   pure logic: contributions; credential documents, proofs
    ledger.contracts                        ABIs, deployment, typed facades over the contracts
    ledger.verify, ledger.index, ledger.audit   verification, the SQLite index, audit reports
    ledger.issuance, ledger.operations      the batch pipeline; the facade's operations
    ledger.cli                              the ``ledger`` command

Heavy dependencies (web3, py-evm) are imported lazily so that ``import ledger`` and ``ledger --help``
stay fast: ``Ledger`` itself is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.ledger import Ledger

__version__ = "0.1.0"
__all__ = ["Ledger", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Ledger":
        # The facade imports the whole library; importing it here would slow every CLI start.
        from ledger.ledger import Ledger

        return Ledger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
