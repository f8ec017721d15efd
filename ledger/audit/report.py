"""The audit report model: anomalies, steps, per-credential audits, the report, its hash and JSON."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.audit.html import CHAIN_CHECKS, render_html
from ledger.canonical import canonicalize
from ledger.crypto.hashing import keccak256
from ledger.index.records import Contribution
from ledger.verify.report import FAIL, PASS, SKIPPED, StepResult  # noqa: F401  (re-exported for the audit package)

REPORT_DOMAIN_TAG = b"fisco-talent-ledger/audit-report/v1\x00"

ISSUED_WHILE_ISSUER_SUSPENDED = "ISSUED_WHILE_ISSUER_SUSPENDED"
EVIDENCE_REVOKED_AFTER_ISSUANCE = "EVIDENCE_REVOKED_AFTER_ISSUANCE"
COMPONENT_REVOKED_AFTER_ISSUANCE = "COMPONENT_REVOKED_AFTER_ISSUANCE"
COMPONENT_ISSUER_COMPROMISED = "COMPONENT_ISSUER_COMPROMISED"
REVOKED_THEN_REISSUED = "REVOKED_THEN_REISSUED"
CONTRIBUTION_CLAIMED_TWICE = "CONTRIBUTION_CLAIMED_TWICE"
INDEX_DISAGREES_WITH_CHAIN = "INDEX_DISAGREES_WITH_CHAIN"
ISSUER_COMPROMISED = "ISSUER_COMPROMISED"
BATCH_REVOKED = "BATCH_REVOKED"
CONTRIBUTION_RELEASED = "CONTRIBUTION_RELEASED"
EVIDENCE_RECORDED_BY_COMPROMISED_KEY = "EVIDENCE_RECORDED_BY_COMPROMISED_KEY"
PROPOSAL_CANCELLED = "PROPOSAL_CANCELLED"
PROPOSAL_EXPIRED = "PROPOSAL_EXPIRED"

# One step model for verification and audit: a step of an audit is a verification step.
Step = StepResult


@dataclass(frozen=True)
class Anomaly:
    """Something an auditor should look at; ``code`` is stable, ``message`` says it in words."""

    code: str
    message: str
    block_number: int | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceItem:
    """A contribution a credential rests on, as the index knows it."""

    key: str
    kind: str | None = None
    project: str | None = None
    subject: str | None = None
    cosigners: tuple[str, ...] = ()
    revoked: Mapping[str, Any] | None = None
    missing: bool = False
    released: Mapping[str, Any] | None = None
    recorder: str | None = None
    recorder_compromised: bool = False
    source: str | None = None  # the work, e.g. github.com/owner/repo/pull/7 (from its evidence document)
    url: str | None = None
    project_name: str | None = None


@dataclass(frozen=True)
class CredentialAudit:
    """The audit of one credential: a valid/invalid mark, the reason, and every detail behind it."""

    label: str
    hash: str
    valid: bool
    reason: str
    subject: str | None = None
    type_id: int | None = None
    issuer: str | None = None
    anchor: Mapping[str, Any] = field(default_factory=dict)
    authorization: Mapping[str, Any] = field(default_factory=dict)
    status_now: str = "None"
    status_at: str | None = None
    valid_at: bool | None = None
    steps: tuple[Step, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    chain_checked: bool = False
    #: What the final re-check on chain did for this row (:data:`CHAIN_CHECKS`).
    chain_check: str = ""
    holder: str | None = None  # the person: the document's holder name, or the workspace's vault
    title: str | None = None  # the certificate type's name
    issuer_name: str | None = None  # the institution: its registered name, else the document's
    issuer_domain: str | None = None


@dataclass(frozen=True)
class AuditReport:
    """A whole audit; :meth:`to_dict` is the JSON form the HTML page is rendered from."""

    kind: str  # subject / issuer / files / subjects
    target: str
    generated_at: str
    chain: Mapping[str, Any]
    index_cursor: int | None
    at_spec: str | None
    at_block: int | None
    credentials: tuple[CredentialAudit, ...]
    contributions: tuple[Contribution, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    issuer: Mapping[str, Any] | None = None
    chain_rechecked: bool = False
    anchored: Mapping[str, Any] | None = None
    #: the index knows which batch leaf is whose (the issuer's workspace, from its journal)
    batch_leaves_known: bool = False
    #: Names of the contributions' work (source, url, project_name) by contribution key.
    contribution_names: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)

    @property
    def valid_count(self) -> int:
        return sum(1 for c in self.credentials if c.valid)

    @property
    def passed(self) -> bool:
        """Every credential valid, and at least one: an audit with nothing to check passes nothing."""
        return bool(self.credentials) and all(c.valid for c in self.credentials)

    def summary(self) -> dict[str, Any]:
        total, valid = len(self.credentials), self.valid_count
        anomalies = len(self.anomalies)
        # Nothing to check is not a pass: an id with nothing on record (or a typo) must not read as vetted.
        verdict = "NONE" if total == 0 else "PASS" if valid == total else "FAIL"
        checks = {k: sum(1 for c in self.credentials if c.chain_check == k) for k in CHAIN_CHECKS}
        if total == 0:
            text = (
                f"no credentials on record for {_WHOM.get(self.kind, 'this target')}: nothing to verify "
                f"({len(self.contributions)} contributions, {anomalies} anomal{'y' if anomalies == 1 else 'ies'})."
            )
        else:
            text = (
                f"{valid} of {total} credentials valid, {total - valid} invalid, {anomalies} "
                f"anomal{'y' if anomalies == 1 else 'ies'}; {_where(checks, total)}."
            )
        text += self._batch_note()
        return {
            "verdict": verdict,
            "credentials": total,
            "valid": valid,
            "invalid": total - valid,
            "anomalies": anomalies,
            "chain_rechecked": self.chain_rechecked,
            "chain_checks": checks,
            "text": text,
        }

    def _batch_note(self) -> str:
        """What this audit cannot see: a batch's credentials are not on chain one by one (only the batch's
        root is, with no subject), so they are audited from their files."""
        if self.kind == "issuer" and self.issuer is not None:
            batches = self.issuer.get("batches") or []
            if batches:
                count = sum(int(b.get("count") or 0) for b in batches)
                return (f" It also anchored {len(batches)} batch{'es' if len(batches) != 1 else ''} of "
                        f"{count:,} credentials in all, listed below; only revoked or suspended ones among them "
                        f"are rows here. Audit a batch's credentials from their files: ledger audit files.")
        if self.kind in ("subject", "subjects"):
            return " " + batch_certificates_note(self.batch_leaves_known)
        return ""

    def body(self) -> dict[str, Any]:
        """The report without its hash and anchoring: what the hash covers."""
        to_jsonable = render_plain
        return {
            "title": _TITLES.get(self.kind, "Audit of {target}").format(target=self.target),
            "kind": self.kind,
            "target": self.target,
            "generated_at": self.generated_at,
            "chain": dict(self.chain),
            "index": {"cursor": self.index_cursor},
            "at": {"spec": self.at_spec, "block": self.at_block},
            "summary": self.summary(),
            "issuer": to_jsonable(self.issuer) if self.issuer else None,
            "credentials": to_jsonable(list(self.credentials)),
            "contributions": [_contribution_dict(c, self.contribution_names.get(c.key)) for c in self.contributions],
            "anomalies": to_jsonable(list(self.anomalies)),
        }

    @property
    def report_hash(self) -> bytes:
        return hash_report_body(self.body())

    def to_dict(self) -> dict[str, Any]:
        out = self.body()
        out["report_hash"] = "0x" + self.report_hash.hex()
        if self.anchored:
            out["anchored"] = dict(self.anchored)
        return out

    def to_html(self) -> str:
        return render_html(self.to_dict())


def batch_certificates_note(leaves_known: bool) -> str:
    """What an audit or a query of a subject says about batch certificates, which name no subject on chain
    (only their batch's root is there): the issuer's workspace knows its own leaves from its journal and
    includes them; anyone else audits them from the files the candidate hands in."""
    if leaves_known:
        return ("Batch certificates this workspace issued are included (its journal says which leaf is whose); "
                "batch certificates from other issuers name no subject on chain: audit them from the files the "
                "candidate hands in (ledger audit files).")
    return ("Batch certificates name no subject on chain (only their batch's root is there), so none are counted "
            "here: audit them from the files the candidate hands in (ledger audit files).")


def _where(checks: Mapping[str, int], total: int) -> str:
    """Where the verdicts came from, as counted per row: the chain, the files alone, or the index."""
    rechecked, alone, index_only = checks["rechecked"], checks["not_needed"], checks["unreachable"]
    if rechecked == total:
        return "every verdict re-checked on chain"
    if index_only == total:
        return "every verdict from the index only (chain not reachable)"
    if alone == total:
        return "every file failed on its own (format, integrity or proof), so no chain answer was needed"
    parts = []
    if rechecked:
        parts.append(f"re-checked on chain for {rechecked}")
    if alone:
        parts.append(f"{alone} failed on {'its' if alone == 1 else 'their'} own before any chain answer was needed")
    if index_only:
        parts.append(f"{index_only} from the index only (chain not reachable)")
    return "verdict " + ", ".join(parts)


def hash_report_body(body: Mapping[str, Any]) -> bytes:
    """keccak256 over the domain tag and the RFC 8785 canonical JSON of a report's body (its JSON form
    without ``report_hash`` and ``anchored``); the same bytes whether the body was just built or read
    back from a report file."""

    return keccak256(REPORT_DOMAIN_TAG + canonicalize(body))


_WHOM = {"subject": "this subject", "issuer": "this issuer", "files": "these files",
         "subjects": "these subjects"}
_TITLES = {
    "subject": "Audit of subject {target}",
    "issuer": "Audit of issuer {target}",
    "subjects": "Audit of {target}",
    "files": "Audit of {target}",
}


def render_plain(value: Any) -> Any:
    """Dataclasses, enums, bytes and tuples as JSON-ready data (bytes as 0x hex)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, enum.Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: render_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): render_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_plain(v) for v in value]
    return value


def _contribution_dict(c: Contribution, names: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    named = dict(names or {})
    return {
        "source": named.get("source"),
        "url": named.get("url"),
        "project_name": named.get("project_name"),
        "key": c.key,
        "subject": c.subject,
        "kind": c.kind,
        "project": c.project,
        "recorder": c.recorder,
        "block_number": c.block_number,
        "cosigners": list(c.cosigners),
        "revoked": None if c.revoked is None else {"block_number": c.revoked.block_number, "reason": c.revoked.reason,
                                                   "by": c.revoked.by},
        "released": None if c.released is None else {"block_number": c.released.block_number,
                                                     "tx_hash": c.released.tx_hash},
        "generation": c.generation,
        "recorder_compromised": c.recorder_compromised,
    }
