"""Verification: a credential checked as a list of named steps, offline and against the chain.

Modules: :mod:`~ledger.verify.verifier` (the entry points: the steps in order, the report),
:mod:`~ledger.verify.steps` (one check per step), :mod:`~ledger.verify.report` (step results, reason
codes, the verdict), :mod:`~ledger.verify.chainview` (what verification asks the chain: the contracts,
a snapshot, a cache), :mod:`~ledger.verify.files` (files, bundles and snapshots on disk).

A failed verification is a result (a :class:`CredentialReport` with failed steps); being unable to
verify is an exception.

Exports the names below (not :class:`~ledger.verify.contracts_view.ContractsView`, which would load
the contracts layer with the package). May import: ``ledger.contracts``, ``ledger.credentials`` and
everything below them.
"""

from __future__ import annotations

from ledger.verify.chainview import (
    ACTIVE,
    REINSTATED,
    REVOKED,
    SUSPENDED,
    AnchorRecord,
    Authorization,
    CachedChainView,
    ChainView,
    IssuanceRecord,
    StatusChange,
    StatusRecord,
)
from ledger.verify.report import FAIL, PASS, REASON_CODES, SKIPPED, STEPS, CredentialReport, StepResult
from ledger.verify.snapshot import BUNDLE_TYPE, StaticChainView, snapshot
from ledger.verify.verifier import verify_credential, verify_many

__all__ = [
    "ACTIVE",
    "BUNDLE_TYPE",
    "FAIL",
    "PASS",
    "REASON_CODES",
    "REINSTATED",
    "REVOKED",
    "SKIPPED",
    "STEPS",
    "SUSPENDED",
    "AnchorRecord",
    "Authorization",
    "CachedChainView",
    "ChainView",
    "CredentialReport",
    "IssuanceRecord",
    "StaticChainView",
    "StatusChange",
    "StatusRecord",
    "StepResult",
    "snapshot",
    "verify_credential",
    "verify_many",
]
