"""The Python side of the Solidity contracts: ABIs, deployment, typed facades, revert decoding, hints.

Modules: :mod:`~ledger.contracts.abi` (the committed artifacts' ABIs; encoding, revert and event
decoding), :mod:`~ledger.contracts.errors` (one exception class per Solidity custom error, generated),
:mod:`~ledger.contracts.facade` (what the three facades share), :mod:`~ledger.contracts.send` (the dry
run before a send, the decoded revert after), :mod:`~ledger.contracts.issuer_registry`,
:mod:`~ledger.contracts.contribution_ledger`, :mod:`~ledger.contracts.credential_registry` (one facade
per contract), :mod:`~ledger.contracts.deployment` (``deploy`` and :class:`Contracts`),
:mod:`~ledger.contracts.hints` (what a refusal means, in words), :mod:`~ledger.contracts.hash_anchors`
(a hash anchored once per account and found again: audit and contribution reports, handle links), :mod:`~ledger.contracts.compiler`
(the build command, ``python -m ledger.contracts.compiler``; nothing imports it at run time).

Nothing is imported here: ``deploy`` and :class:`~ledger.contracts.deployment.Contracts` come from
:mod:`ledger.contracts.deployment`, so that a reader of one ABI (the index, verification) does not load
every facade. May import: ``ledger.chain`` and everything below it (``ledger.crypto``, ``ledger.config``,
``ledger.types``, ``ledger.errors``), and ``ledger.credentials`` (for the hints' words).
"""
