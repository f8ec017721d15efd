"""Gas guard rails: the issue's targets that are met stay met; the missed ones do not drift upward.

Figures come from ``benchmarks.gas.measure`` on the embedded chain (py-evm, Prague gas rules).
Targets (issue 2): anchor <= 50,000; record <= 70,000 per item at batch 100; revoke a leaf of a
1,024-leaf batch <= 50,000. The anchor and leaf-revocation targets are out of reach with the checks
the spec asks for (see contracts/README.md for what bounds them); the ceilings below are today's
figures plus about 2 %, so that a change that makes them worse fails here and is looked at. Today's
figures are those of the optimizer settings that fold no hash (``ledger.contracts.compiler.OPTIMIZER``,
1 to 4 % above solc's defaults, which fold storage-slot hashes and broke the contracts on SM chains).
"""

from __future__ import annotations

from benchmarks.gas import measure
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto.keys import PrivateKey


def test_gas_targets_and_ceilings() -> None:
    chain = EmbeddedChain(None)  # the figures are the embedded chain's: not the one --chain names
    try:
        gas = measure(chain, PrivateKey.generate())
    finally:
        chain.close()
    assert gas["record_100_per_item"] <= 70_000  # target met
    assert gas["record_10_per_item"] < gas["record_1_per_item"]  # batching amortises the base cost
    assert gas["anchor"] <= 62_700  # target 50,000 missed: bound by base + calldata + one new slot + auth
    assert gas["revoke_leaf"] <= 69_200  # target 50,000 missed: bound by a 10-sibling proof in calldata
    assert gas["cosign"] <= 112_000  # includes the organisation check (two cold reads in the registry)
    assert gas["issue_5"] <= 154_500
