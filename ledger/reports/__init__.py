"""Contribution reports per subject and per organisation: counts that anyone can recompute.

A report counts a subject's contributions, or those an organisation (a top-level issuer and its child
issuers) recorded, by kind, field, project and period, with their co-signers, and lists them. It is
*reproducible*: it states its inputs (the chain, the contract, the block range it was computed at,
the period, the date window, the names of the projects, and the importers and rules that produced
the contributions), and its hash covers the inputs and the counts but nothing that depends on when or
where it was made. ``ledger report check`` recomputes the report from the chain's events at the stated
block and compares the hashes; its hash can be anchored like an audit report's (``anchorReport``, the
subject or the organisation as the target).

Modules: :mod:`~ledger.reports.document` (the report, its hash, its JSON),
:mod:`~ledger.reports.builder` (computing one from the index), :mod:`~ledger.reports.html` (the report
as one self-contained page), :mod:`~ledger.reports.checking` (anchoring, and checking a report file:
recomputed, and anchored by whom and when).

May import: ``ledger.index``, ``ledger.contracts``, ``ledger.contributions`` and everything below them.
"""

from __future__ import annotations

from ledger.reports.builder import ReportInputs, build_report
from ledger.reports.checking import ReportCheck, anchor_report, check_report
from ledger.reports.document import REPORT_DOMAIN, ContributionReport, load_report

__all__ = [
    "REPORT_DOMAIN",
    "ContributionReport",
    "ReportCheck",
    "ReportInputs",
    "anchor_report",
    "build_report",
    "check_report",
    "load_report",
]
