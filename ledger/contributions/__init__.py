"""Contributions before they go on chain: sources and their keys, parsing, validation, input files.

A contribution is one piece of work (a pull request, a commit, a review, a talk ...) identified by its
source; its key is a domain-separated hash of the normalised source, so the same work claimed twice
gives the same key and the contract refuses the second claim.

Modules: :mod:`~ledger.contributions.sources` (sources, keys, project ids),
:mod:`~ledger.contributions.model` (kinds, fields, times, the :class:`Contribution` record and its
checks), :mod:`~ledger.contributions.files` (CSV and JSON Lines input files).

Importing from where the work happens: :mod:`~ledger.contributions.activity` (what an importer reads:
activities, actors, skips), :mod:`~ledger.contributions.rules` (the rules the user can read and change),
:mod:`~ledger.contributions.gitlog` (a clone's history), :mod:`~ledger.contributions.exports` (reading
export files; what every platform importer shares), :mod:`~ledger.contributions.github` (GitHub REST
exports and GH Archive), :mod:`~ledger.contributions.gitee` (Gitee API v5 exports),
:mod:`~ledger.contributions.authors` (the author map), :mod:`~ledger.contributions.handles` (platform
handles linked to subjects: statement, challenge, commitment, the link store),
:mod:`~ledger.contributions.linkproof` (finding a challenge in an export or a clone).

May import: ``ledger.errors``, ``ledger.canonical``, ``ledger.files``, ``ledger.crypto``, ``ledger.identity``.
"""

from __future__ import annotations

from ledger.contributions.files import read_file, read_text_file
from ledger.contributions.model import (
    FIELD_ALIASES,
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
    "FIELD_ALIASES",
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
