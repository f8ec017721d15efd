"""The peer side of the benchmarks: EAS and OpenAttestation, from their pinned npm packages.

* ``artifacts``: their compiled contracts (ABI + bytecode), loaded through node at run time;
* ``contracts``: deploy EAS and the DocumentStore on any ledger chain backend and measure gas;
* ``openattestation``: time OpenAttestation's ``wrapDocuments`` and ``verifySignature`` in node;
* ``abi``, ``node``: small helpers for the above.
"""
