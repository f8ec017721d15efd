"""Contributions before they go on chain: sources and their keys, parsing, validation, input files.

A contribution is one piece of work (a pull request, a commit, a review, a talk ...) identified by its
source; its key is a domain-separated hash of the normalised source, so the same work claimed twice
gives the same key and the contract refuses the second claim.

Modules: :mod:`~ledger.contributions.sources` (sources, keys, project ids),
:mod:`~ledger.contributions.model` (kinds, fields, times, the :class:`Contribution` record and its
checks), :mod:`~ledger.contributions.files` (CSV and JSON Lines input files).

May import: ``ledger.errors``, ``ledger.canonical``, ``ledger.crypto``, ``ledger.identity``.
"""

from __future__ import annotations

from ledger.contributions.files import read_file, read_text_file
from ledger.contributions.model import (
    FIELD_NAMES,
    FIELDS,
    KINDS,
    Contribution,
    build,
    check_contribution,
    check_not_future,
    evidence_hash,
    parse_field,
    parse_kind,
    parse_time,
    time_text,
)
from ledger.contributions.sources import contribution_key, normalise_source, project_id, project_of

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "KINDS",
    "Contribution",
    "build",
    "check_contribution",
    "check_not_future",
    "contribution_key",
    "evidence_hash",
    "normalise_source",
    "parse_field",
    "parse_kind",
    "parse_time",
    "project_id",
    "project_of",
    "read_file",
    "read_text_file",
    "time_text",
]
