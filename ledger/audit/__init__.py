"""Audit reports: every credential of a subject, an issuer or a set of files, judged and explained.

An audit reads the index (fast, and able to answer "as of" any block), then a final verdict re-checks
the chain itself where it is reachable (:class:`ChainCheck`), so a stale or tampered index can delay a
report but not falsify it: when the chain disagrees, the chain wins and the row says so.

Per credential the report gives: integrity (for files), the anchoring or issuing transaction and
block, the issuer and whether it was authorised for the type at that block, the status now and at
``--at``, the evidence contributions with their co-signers, and anomalies:

* ``ISSUED_WHILE_ISSUER_SUSPENDED``: at the issuing block the issuer (or an ancestor) was suspended or
  retired according to the registry's own history (the registry answers per block, so a suspension
  mined in the same block as the issuance counts).
* ``EVIDENCE_REVOKED_AFTER_ISSUANCE``: a contribution the credential rests on was revoked later.
* ``COMPONENT_REVOKED_AFTER_ISSUANCE``: a certificate a stacked certificate rests on (a course of a
  micro-major, a prerequisite) was revoked or suspended after the stacked one was issued; the stacked
  certificate's criteria step then fails with ``COMPONENT_REVOKED`` or ``COMPONENT_SUSPENDED``.
* ``COMPONENT_ISSUER_COMPROMISED``: a component was issued by a key marked compromised since a block at or
  before its issuance (the contract accepted it then; it may be the thief's); the criteria step fails
  with the same code.
* ``REVOKED_THEN_REISSUED``: the subject held a credential of the same type that was revoked before
  this one was issued.
* ``CONTRIBUTION_CLAIMED_TWICE``: the same piece of work (same evidence hash) was recorded for two
  different subjects under two keys (a second claim of the same key cannot happen: the contract
  refuses it, and failed transactions are out of scope).
* ``ISSUER_COMPROMISED``: a key of the issuer is marked compromised (since which block, marked by whom,
  in which block); what it wrote from then on is void, so such a credential fails ``issuer_authorized``.
* ``BATCH_REVOKED``: the credential's batch was revoked as a whole (when, why, by whom).
* ``CONTRIBUTION_RELEASED``: a contribution was revoked and its key released by the committee (a
  squatted pull request freed for its rightful recorder), with when; the record stays in the history.
* ``EVIDENCE_RECORDED_BY_COMPROMISED_KEY``: evidence recorded by a key compromised at the time.
* ``PROPOSAL_CANCELLED`` / ``PROPOSAL_EXPIRED``: a committee proposal about the audited issuer was
  cancelled (when, by whom) or expired unapproved (its last block).

An anomaly is a warning for the reader; it makes a credential invalid only when the corresponding check
fails (an issuer not authorised at the issuing block fails ``issuer_authorized``).

The report's hash (:attr:`AuditReport.report_hash`) is keccak256 over a domain tag and the RFC 8785
canonical JSON of the report without the hash and anchoring fields, so a later auditor can prove what
was seen: ``ledger audit ... --anchor`` anchors it (:func:`anchor_report`), ``ledger audit check``
recomputes it from a report file and asks the chain who anchored it and when (:func:`check_report`).

Modules: :mod:`~ledger.audit.auditor` (the audit of a subject, an issuer or files),
:mod:`~ledger.audit.checks` (the final re-check on chain), :mod:`~ledger.audit.report` (the report and
its hash), :mod:`~ledger.audit.html` (the report as one self-contained page),
:mod:`~ledger.audit.anchoring` (anchoring a report's hash and checking it later).

May import: ``ledger.index``, ``ledger.verify``, ``ledger.contracts``, ``ledger.credentials`` and
everything below them.
"""

from ledger.audit.anchoring import ReportCheck, anchor_report, check_report, load_report, report_target
from ledger.audit.auditor import Auditor
from ledger.audit.checks import ChainCheck, ChainLogCheck, ContractsCheck
from ledger.audit.report import (
    BATCH_REVOKED,
    COMPONENT_ISSUER_COMPROMISED,
    COMPONENT_REVOKED_AFTER_ISSUANCE,
    CONTRIBUTION_CLAIMED_TWICE,
    CONTRIBUTION_RELEASED,
    EVIDENCE_RECORDED_BY_COMPROMISED_KEY,
    EVIDENCE_REVOKED_AFTER_ISSUANCE,
    FAIL,
    INDEX_DISAGREES_WITH_CHAIN,
    ISSUED_WHILE_ISSUER_SUSPENDED,
    ISSUER_COMPROMISED,
    PASS,
    PROPOSAL_CANCELLED,
    PROPOSAL_EXPIRED,
    REPORT_DOMAIN_TAG,
    REVOKED_THEN_REISSUED,
    SKIPPED,
    Anomaly,
    AuditReport,
    CredentialAudit,
    EvidenceItem,
    Step,
    render_plain,
)

__all__ = [
    "BATCH_REVOKED",
    "COMPONENT_ISSUER_COMPROMISED",
    "COMPONENT_REVOKED_AFTER_ISSUANCE",
    "CONTRIBUTION_CLAIMED_TWICE",
    "CONTRIBUTION_RELEASED",
    "EVIDENCE_RECORDED_BY_COMPROMISED_KEY",
    "EVIDENCE_REVOKED_AFTER_ISSUANCE",
    "FAIL",
    "INDEX_DISAGREES_WITH_CHAIN",
    "ISSUED_WHILE_ISSUER_SUSPENDED",
    "ISSUER_COMPROMISED",
    "PASS",
    "PROPOSAL_CANCELLED",
    "PROPOSAL_EXPIRED",
    "REPORT_DOMAIN_TAG",
    "REVOKED_THEN_REISSUED",
    "SKIPPED",
    "Anomaly",
    "AuditReport",
    "Auditor",
    "ChainCheck",
    "ChainLogCheck",
    "ContractsCheck",
    "CredentialAudit",
    "EvidenceItem",
    "ReportCheck",
    "Step",
    "anchor_report",
    "check_report",
    "load_report",
    "render_plain",
    "report_target",
]
