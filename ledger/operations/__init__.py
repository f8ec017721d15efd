"""The facade's operations, mixed into :class:`ledger.ledger.Ledger`: the verbs of the product.

Modules: :mod:`~ledger.operations.governance` (the committee, issuers, certificate types),
:mod:`~ledger.operations.keys` (issuer keys: child places accepted, keys rotated, keys marked compromised),
:mod:`~ledger.operations.recording` (contributions: record, co-sign, revoke),
:mod:`~ledger.operations.importing` (imports from git and platform exports: plan, apply in batches),
:mod:`~ledger.operations.linking` (platform handles linked to subjects, anchored as commitments),
:mod:`~ledger.operations.reporting` (contribution reports with their inputs from the workspace),
:mod:`~ledger.operations.certifying` (batch and checked issuance, verification),
:mod:`~ledger.operations.revoking` (status changes at scale: credentials chosen by file, directory, bundle,
list, batch, id or subject; :func:`~ledger.operations.revoking.status_transactions` turns them into as few
transactions as the contracts allow: a batch's leaves in one, a whole batch in one),
:mod:`~ledger.operations.people` (erasing a person, and what remains).
Each validates its input (personal data included) before anything is sent.

May import every package below the facade: ``ledger.reports``, ``ledger.audit``, ``ledger.issuance``, ``ledger.index``,
``ledger.verify``, ``ledger.contracts``, ``ledger.credentials``, ``ledger.contributions``,
``ledger.identity``, ``ledger.chain`` and the foundations.
"""
