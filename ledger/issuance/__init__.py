"""Batch issuance: rows in, credential files out, one Merkle root anchored, nothing lost on a crash.

Modules: :mod:`~ledger.issuance.rows` (the rows of a batch file, validated and resolved to subjects),
:mod:`~ledger.issuance.journal` (a batch's durable journal), :mod:`~ledger.issuance.pipeline` (plan,
anchor, write, resume).

Exports the names below. May import: ``ledger.credentials``, ``ledger.contributions``,
``ledger.identity`` and everything below them; the chain only through the :class:`Anchorer` the
caller passes.
"""

from __future__ import annotations

from ledger.issuance.journal import (
    OUTPUT_LAYOUTS,
    STAGES,
    BatchPlan,
    Journal,
    JournalRow,
    batches_from,
    unfinished_batches,
)
from ledger.issuance.pipeline import (
    Anchorer,
    BatchFailure,
    BatchResult,
    ResumeOutcome,
    bulk_objects,
    check_output_dir,
    crash_hook,
    leaf_hashes,
    plan_batch,
    run,
    write_bundle,
)
from ledger.issuance.rows import Row, RowsResult, read_rows

__all__ = [
    "OUTPUT_LAYOUTS",
    "STAGES",
    "Anchorer",
    "BatchFailure",
    "BatchPlan",
    "BatchResult",
    "Journal",
    "JournalRow",
    "ResumeOutcome",
    "Row",
    "RowsResult",
    "batches_from",
    "bulk_objects",
    "check_output_dir",
    "crash_hook",
    "leaf_hashes",
    "plan_batch",
    "read_rows",
    "run",
    "unfinished_batches",
    "write_bundle",
]
