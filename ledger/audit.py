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
* ``REVOKED_THEN_REISSUED``: the subject held a credential of the same type that was revoked before
  this one was issued.
* ``CONTRIBUTION_CLAIMED_TWICE``: the same piece of work (same evidence hash) was recorded for two
  different subjects under two keys (a second claim of the same key cannot happen: the contract
  refuses it, and failed transactions are out of scope).

An anomaly is a warning for the reader; it makes a credential invalid only when the corresponding check
fails (an issuer not authorised at the issuing block fails ``issuer_authorized``).

The report's hash (:attr:`AuditReport.report_hash`) is keccak256 over a domain tag and the RFC 8785
canonical JSON of the report without the hash and anchoring fields, so a later auditor can prove what
was seen.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol, Sequence

from .index.projection import CREDENTIAL_STATUSES, ZERO32
from .index.queries import Contribution, Credential, IndexReader

if TYPE_CHECKING:
    from .contracts import Contracts

REPORT_DOMAIN_TAG = b"fisco-talent-ledger/audit-report/v1\x00"

ISSUED_WHILE_ISSUER_SUSPENDED = "ISSUED_WHILE_ISSUER_SUSPENDED"
EVIDENCE_REVOKED_AFTER_ISSUANCE = "EVIDENCE_REVOKED_AFTER_ISSUANCE"
REVOKED_THEN_REISSUED = "REVOKED_THEN_REISSUED"
CONTRIBUTION_CLAIMED_TWICE = "CONTRIBUTION_CLAIMED_TWICE"
INDEX_DISAGREES_WITH_CHAIN = "INDEX_DISAGREES_WITH_CHAIN"

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"  # as in ledger.verification


@dataclass(frozen=True)
class Anomaly:
    """Something an auditor should look at; ``code`` is stable, ``message`` says it in words."""

    code: str
    message: str
    block_number: int | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One named check of one credential."""

    name: str
    status: str  # pass / fail / skip
    code: str
    message: str


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

    @property
    def valid_count(self) -> int:
        return sum(1 for c in self.credentials if c.valid)

    @property
    def passed(self) -> bool:
        return all(c.valid for c in self.credentials)

    def summary(self) -> dict[str, Any]:
        total, valid = len(self.credentials), self.valid_count
        anomalies = len(self.anomalies)
        verdict = "PASS" if valid == total else "FAIL"
        where = "re-checked on chain" if self.chain_rechecked else "from the index only (chain not reachable)"
        text = (
            f"{valid} of {total} credentials valid, {total - valid} invalid, {anomalies} "
            f"anomal{'y' if anomalies == 1 else 'ies'}; verdict {where}."
        )
        return {
            "verdict": verdict,
            "credentials": total,
            "valid": valid,
            "invalid": total - valid,
            "anomalies": anomalies,
            "chain_rechecked": self.chain_rechecked,
            "text": text,
        }

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
            "contributions": [_contribution_dict(c) for c in self.contributions],
            "anomalies": to_jsonable(list(self.anomalies)),
        }

    @property
    def report_hash(self) -> bytes:
        from .canonical import canonicalize
        from .crypto import keccak256

        return keccak256(REPORT_DOMAIN_TAG + canonicalize(self.body()))

    def to_dict(self) -> dict[str, Any]:
        out = self.body()
        out["report_hash"] = "0x" + self.report_hash.hex()
        if self.anchored:
            out["anchored"] = dict(self.anchored)
        return out

    def to_html(self) -> str:
        from .report_html import render_html

        return render_html(self.to_dict())


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


def _contribution_dict(c: Contribution) -> dict[str, Any]:
    return {
        "key": c.key,
        "subject": c.subject,
        "kind": c.kind,
        "project": c.project,
        "recorder": c.recorder,
        "block_number": c.block_number,
        "cosigners": list(c.cosigners),
        "revoked": None if c.revoked is None else {"block_number": c.revoked.block_number, "reason": c.revoked.reason},
    }


# -- the chain's own answers ----------------------------------------------------------------------


class ChainCheck(Protocol):
    """The questions the final verdict asks the chain (not the index)."""

    def status(self, root: str, digest: str) -> str: ...

    def authorized(self, issuer: str, type_id: int, block: int) -> bool: ...

    def exists(self, root: str, digest: str) -> bool: ...


class ContractsCheck:
    """:class:`ChainCheck` over the deployed contracts; answers are memoised per report."""

    def __init__(self, contracts: Contracts) -> None:
        self.contracts = contracts
        self._auth: dict[tuple[str, int, int], bool] = {}
        self._roots: dict[str, bool] = {}

    def status(self, root: str, digest: str) -> str:
        record = self.contracts.credentials.status_of(bytes.fromhex(digest[2:]), bytes.fromhex(root[2:]))
        return CREDENTIAL_STATUSES[int(record.status)]

    def authorized(self, issuer: str, type_id: int, block: int) -> bool:
        k = (issuer, type_id, block)
        if k not in self._auth:
            self._auth[k] = self.contracts.issuers.is_authorized(issuer, type_id, block)
        return self._auth[k]

    def exists(self, root: str, digest: str) -> bool:
        if root != ZERO32:
            if root not in self._roots:
                self._roots[root] = self.contracts.credentials.anchor_of(bytes.fromhex(root[2:])).exists
            return self._roots[root]
        return self.contracts.credentials.issued(bytes.fromhex(digest[2:])).exists


class ChainLogCheck:
    """:class:`ChainCheck` from the chain's own event logs, read from the node when the report is made.

    Where :class:`ContractsCheck` makes two contract calls per credential, this reads each relevant
    event type once for the whole report (``get_logs`` filtered by topic) and decodes it itself, not
    through the index; authorisation is still asked of the registry (``isAuthorized``), memoised.
    The logs are the contracts' record of every state change, so the answers equal the contract state
    at the chain head.
    """

    def __init__(self, contracts: Contracts, *, from_block: int = 0) -> None:
        self.contracts = contracts
        self.from_block = from_block
        self._auth: dict[tuple[str, int, int], bool] = {}
        self._loaded = False
        self._statuses: dict[tuple[str, str], str] = {}
        self._issued: set[str] = set()
        self._roots: set[str] = set()

    def _load(self) -> None:
        from .contracts import contract_abi
        from .index.decode import decode_events

        chain = self.contracts.chain
        head = chain.block_number()
        registry = self.contracts.credentials.address
        topics = {e.name: t for t, e in contract_abi("CredentialRegistry").events.items()}
        for name in ("BatchAnchored", "CredentialIssued", "CredentialStatusChanged"):
            for ev in decode_events(chain.get_logs(self.from_block, head, [registry], [topics[name]])):
                a = ev.args
                if name == "BatchAnchored":
                    self._roots.add("0x" + a["root"].hex())
                elif name == "CredentialIssued":
                    self._issued.add("0x" + a["credentialHash"].hex())
                else:  # logs come in chain order: the last change wins
                    key = ("0x" + a["root"].hex(), "0x" + a["credentialHash"].hex())
                    self._statuses[key] = CREDENTIAL_STATUSES[int(a["status"])]
        self._loaded = True

    def status(self, root: str, digest: str) -> str:
        if not self._loaded:
            self._load()
        return self._statuses.get((root, digest), "None")

    def exists(self, root: str, digest: str) -> bool:
        if not self._loaded:
            self._load()
        return root in self._roots if root != ZERO32 else digest in self._issued

    def authorized(self, issuer: str, type_id: int, block: int) -> bool:
        k = (issuer, type_id, block)
        if k not in self._auth:
            self._auth[k] = self.contracts.issuers.is_authorized(issuer, type_id, block)
        return self._auth[k]


# -- the auditor ----------------------------------------------------------------------------------


class Auditor:
    """Builds audit reports from an index, optionally re-checking the chain.

    Args:
        reader: the index.
        chain: the chain's own answers for the final verdict (``None``: index only).
        chain_info: what to print about the chain (id, backend, description).
        at: block for "as of" answers (``None``: now only), and ``at_spec`` as the user wrote it.
    """

    def __init__(
        self,
        reader: IndexReader,
        *,
        chain: ChainCheck | None = None,
        chain_info: Mapping[str, Any] | None = None,
        at: int | None = None,
        at_spec: str | None = None,
    ) -> None:
        self.r = reader
        self.chain = chain
        self.chain_info = dict(chain_info or {})
        self.at = at
        self.at_spec = at_spec

    # -- entry points ------------------------------------------------------------------------------

    def subject(self, subject: str | bytes) -> AuditReport:
        view = self.r.subject(subject)
        audits = [self._audit_onchain(c) for c in view.credentials]
        audits = self._reissues(audits, list(view.credentials))
        claimed = [a for c in view.contributions for a in self._claimed_twice(c)]
        return self._report("subject", view.subject, audits, contributions=view.contributions, extra=claimed)

    def subjects(self, subjects: Sequence[str | bytes]) -> AuditReport:
        """Several subjects in one report (``--input candidates.csv``)."""
        audits: list[CredentialAudit] = []
        contributions: list[Contribution] = []
        extra: list[Anomaly] = []
        for s in subjects:
            view = self.r.subject(s)
            audits += self._reissues([self._audit_onchain(c) for c in view.credentials], list(view.credentials))
            contributions += view.contributions
            extra += [a for c in view.contributions for a in self._claimed_twice(c)]
        return self._report("subjects", f"{len(subjects)} subject(s)", audits, contributions=contributions, extra=extra)

    def issuer(self, who: str) -> AuditReport:
        to_jsonable = render_plain
        view = self.r.issuer_view(who)
        if view is None:
            from .errors import LedgerError

            raise LedgerError(f"{who} is not an issuer known to the index", hint="check the address, or sync the index")
        creds = [c for c in view.credentials]
        audits = [self._audit_onchain(c) for c in creds]
        info = to_jsonable(view.issuer)
        info["batches"] = to_jsonable(list(view.batches))
        info["contributions_recorded"] = view.contributions_recorded
        info["revocations"] = list(view.revocations)
        return self._report("issuer", view.issuer.address, audits, issuer=info)

    def documents(self, documents: Iterable[tuple[str, bytes | str]], *, now: datetime | None = None) -> AuditReport:
        """Audit credential files: ``(label, JSON text)`` pairs; ``now`` decides expiry (default: the clock)."""
        moment = now or datetime.now(timezone.utc)
        audits = [self._audit_document(label, text, moment) for label, text in documents]
        return self._report("files", f"{len(audits)} credential file(s)", self._reissued_documents(audits))

    # -- one credential file ---------------------------------------------------------------------

    def _audit_document(self, label: str, text: bytes | str, now: datetime) -> CredentialAudit:
        """The verification steps (``ledger.verification``) against the index, then the audit's extras."""
        from .credential import BATCH_PROOF, parse_credential
        from .errors import VerificationError
        from .index.view import IndexChainView
        from .verification import verify_credential

        try:
            verified = verify_credential(text, IndexChainView(self.r), now=now, label=label)
        except VerificationError as exc:
            step = Step("format", FAIL, "FORMAT_INVALID", str(exc))
            return CredentialAudit(label, "", False, f"FORMAT_INVALID: {exc}", steps=(step,))
        steps = tuple(Step(s.name, s.outcome, s.code, s.message) for s in verified.steps)
        if verified.credential_hash is None:  # the format step failed
            return self._finish(CredentialAudit(label, "", False, "", steps=steps), ZERO32)
        doc = parse_credential(text)
        digest = "0x" + doc.hash.hex()
        audit = CredentialAudit(label, digest, False, "", subject="0x" + doc.subject.hex(),
                                type_id=doc.achievement.type_id, issuer=doc.issuer.address, steps=steps)
        proof = doc.proof
        anchored = {s.name: s for s in verified.steps}.get("anchoring")
        if proof is None or proof.credential_hash != doc.hash or anchored is None or anchored.outcome != PASS:
            return self._finish(audit, ZERO32)
        root, evidence_keys = ZERO32, ["0x" + e.key.hex() for e in doc.evidence]
        if proof.kind == BATCH_PROOF and proof.batch_root is not None:
            root = "0x" + proof.batch_root.hex()
            batch = self.r.batch(root)
            assert batch is not None  # the anchoring step passed on this index
            issuer, type_id, block, tx = batch.issuer, batch.type_id, batch.block_number, batch.tx_hash
        else:
            issued = self.r.issued(digest)
            assert issued is not None
            issuer, type_id, block, tx = issued.issuer, issued.type_id, issued.block_number, issued.tx_hash
            evidence_keys = list(issued.evidence) or evidence_keys
        ok, why = self.r.authorization(issuer, type_id, block)
        anomalies = [] if ok else self._suspended_at(issuer, block)
        evidence = tuple(self._evidence(k) for k in evidence_keys)
        anomalies += self._evidence_anomalies(evidence, block)
        entry = self.r.credential_status_at(root, digest)
        audit = replace(
            audit,
            issuer=issuer,
            type_id=type_id,
            anchor={"root": None if root == ZERO32 else root, "tx_hash": tx, "block_number": block},
            authorization={"authorized": ok, "reason": why, "block_number": block},
            status_now="None" if entry is None else entry.status,
            evidence=evidence,
            anomalies=tuple(anomalies),
        )
        return self._finish(audit, root)

    def _reissued_documents(self, audits: list[CredentialAudit]) -> list[CredentialAudit]:
        """REVOKED_THEN_REISSUED among files: same subject and type, one revoked before the other's block."""
        revoked: list[tuple[CredentialAudit, int]] = []
        for a in audits:
            if a.status_now == "Revoked" and a.anchor:
                history = self.r.status_history(a.anchor.get("root") or ZERO32, a.hash)
                first = next((e.block_number for e in history if e.status == "Revoked"), None)
                if first is not None:
                    revoked.append((a, first))
        out = []
        for a in audits:
            extra = tuple(
                Anomaly(REVOKED_THEN_REISSUED,
                        f"credential {old.hash} of the same type {a.type_id} for this subject was revoked at block "
                        f"{at}; this one was issued after it, at block {a.anchor.get('block_number')}",
                        a.anchor.get("block_number"), (old.hash, a.hash))
                for old, at in revoked
                if old.hash != a.hash and old.subject == a.subject and old.type_id == a.type_id
                and a.anchor and int(a.anchor.get("block_number") or -1) >= at
            )
            if extra:
                a = replace(a, anomalies=a.anomalies + extra)
                if a.valid:
                    a = replace(a, reason=_anomaly_reason(a))
            out.append(a)
        return out

    # -- one credential known to the index -----------------------------------------------------------

    def _audit_onchain(self, cred: Credential) -> CredentialAudit:
        steps: list[Step] = []
        anomalies: list[Anomaly] = []
        block = cred.block_number
        ok, why = self.r.authorization(cred.issuer, cred.type_id, block)
        steps.append(Step("anchoring", PASS, "ANCHORED" if cred.root != ZERO32 else "ISSUED",
                          f"{'anchored' if cred.root != ZERO32 else 'issued'} at block {block} in {cred.tx_hash}"))
        steps.append(Step("issuer_authorized", PASS if ok else FAIL, "AUTHORIZED" if ok else "ISSUER_NOT_AUTHORIZED",
                          f"issuer {why} at block {block}"))
        if not ok:
            anomalies += self._suspended_at(cred.issuer, block)
        evidence = tuple(self._evidence(k) for k in cred.evidence)
        anomalies += self._evidence_anomalies(evidence, block)
        status_now = cred.status  # the reader was asked for "now"
        steps.append(_status_step(status_now, self.r.credential_status_at(cred.root, cred.hash)))
        return self._finish(
            CredentialAudit(
                label=cred.hash,
                hash=cred.hash,
                valid=False,
                reason="",
                subject=cred.subject,
                type_id=cred.type_id,
                issuer=cred.issuer,
                anchor={"root": None if cred.root == ZERO32 else cred.root, "tx_hash": cred.tx_hash,
                        "block_number": block},
                authorization={"authorized": ok, "reason": why, "block_number": block},
                status_now=status_now,
                steps=tuple(steps),
                evidence=evidence,
                anomalies=tuple(anomalies),
            ),
            cred.root,
        )

    def _status(self, root: str, digest: str, at: int | None) -> str:
        entry = self.r.credential_status_at(root, digest, at)
        return "None" if entry is None else entry.status

    def _finish(self, audit: CredentialAudit, root: str) -> CredentialAudit:
        """Time travel, the final chain re-check, and the mark with its reason."""
        steps = list(audit.steps)
        anomalies = list(audit.anomalies)
        status_now = audit.status_now
        chain_checked = False
        if self.chain is not None and audit.issuer is not None and audit.anchor.get("block_number") is not None:
            try:
                exists = self.chain.exists(root, audit.hash)
                on_chain = self.chain.status(root, audit.hash)
                authorized = self.chain.authorized(audit.issuer, int(audit.type_id or 0), int(audit.anchor["block_number"]))
            except Exception as exc:  # noqa: BLE001 - unreachable chain: the index answer stands, marked
                from .errors import ChainError

                if not isinstance(exc, ChainError):
                    raise
            else:
                chain_checked = True
                index_auth = bool(audit.authorization.get("authorized"))
                if not exists or on_chain != status_now or authorized != index_auth:
                    anomalies.append(Anomaly(
                        INDEX_DISAGREES_WITH_CHAIN,
                        f"the index said status {status_now}, authorised {index_auth}; the chain says "
                        f"{'present' if exists else 'NOT FOUND'}, status {on_chain}, authorised {authorized}",
                    ))
                    status_now = on_chain
                    steps = [s for s in steps if s.name not in ("status", "issuer_authorized", "anchoring")]
                    steps.append(Step("anchoring", PASS if exists else FAIL, "ANCHORED" if exists else "ROOT_UNKNOWN",
                                      "checked on chain"))
                    steps.append(Step("issuer_authorized", PASS if authorized else FAIL,
                                      "AUTHORIZED" if authorized else "ISSUER_NOT_AUTHORIZED", "checked on chain"))
                    steps.append(_status_step(on_chain, None))
        status_at = valid_at = None
        if self.at is not None:
            block = int(audit.anchor.get("block_number") or 0)
            existed = block <= self.at
            status_at = self._status(root, audit.hash, self.at) if existed else "not yet issued"
            valid_at = existed and status_at in ("None", "Valid") and bool(audit.authorization.get("authorized"))
        failed = [s for s in steps if s.status == FAIL]
        valid = not failed
        if failed:
            reason = "; ".join(f"{s.code}: {s.message}" for s in failed)
        else:
            reason = "all checks passed"
            if anomalies:
                reason += f", {len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'}: " + ", ".join(
                    sorted({a.code for a in anomalies})
                )
        if valid_at is not None:
            reason += f"; at block {self.at}: {'valid' if valid_at else 'not valid'} ({status_at})"
        return replace(
            audit,
            valid=valid,
            reason=reason,
            status_now=status_now,
            status_at=status_at,
            valid_at=valid_at,
            steps=tuple(steps),
            anomalies=tuple(anomalies),
            chain_checked=chain_checked,
        )

    # -- anomaly finders -----------------------------------------------------------------------------

    def _suspended_at(self, issuer: str, block: int) -> list[Anomaly]:
        current: str | None = issuer
        while current is not None:
            status = self.r.issuer_status_at(current, block)
            if status in ("Suspended", "Retired"):
                who = "the issuer" if current == issuer else f"its ancestor {current}"
                return [Anomaly(ISSUED_WHILE_ISSUER_SUSPENDED,
                                f"issued at block {block} while {who} was {status.lower()}", block, (current,))]
            current = self.r.parent_of(current)
        return []

    def _evidence_anomalies(self, evidence: Iterable[EvidenceItem], block: int) -> list[Anomaly]:
        found: list[Anomaly] = []
        for e in evidence:
            if e.revoked and e.revoked["block_number"] > block:
                found.append(Anomaly(
                    EVIDENCE_REVOKED_AFTER_ISSUANCE,
                    f"evidence {e.key} was revoked at block {e.revoked['block_number']} ({e.revoked['reason']}), "
                    f"after the credential was issued at block {block}",
                    e.revoked["block_number"], (e.key,),
                ))
            if not e.missing:
                found += self._claimed_twice_key(e.key)
        return found

    def _evidence(self, key: str) -> EvidenceItem:
        c = self.r.contribution(key)
        if c is None:
            return EvidenceItem(key=key, missing=True)
        revoked = None if c.revoked is None else {"block_number": c.revoked.block_number, "reason": c.revoked.reason,
                                                  "by": c.revoked.by}
        return EvidenceItem(key=c.key, kind=c.kind, project=c.project, subject=c.subject, cosigners=c.cosigners,
                            revoked=revoked)

    def _claimed_twice(self, c: Contribution) -> list[Anomaly]:
        if int(c.evidence_hash, 16) == 0:
            return []
        others = [o for o in self.r.same_evidence(c.evidence_hash) if o.subject != c.subject]
        return [
            Anomaly(
                CONTRIBUTION_CLAIMED_TWICE,
                f"contribution {c.key} (subject {c.subject}) and {o.key} (subject {o.subject}, block "
                f"{o.block_number}) carry the same evidence {c.evidence_hash}",
                o.block_number,
                (c.key, o.key),
            )
            for o in others
        ]

    def _claimed_twice_key(self, key: str) -> list[Anomaly]:
        c = self.r.contribution(key)
        return [] if c is None else self._claimed_twice(c)

    def _reissues(self, audits: list[CredentialAudit], creds: list[Credential]) -> list[CredentialAudit]:
        """Flag a credential issued after a revoked one of the same subject and type."""
        revoked = [
            (c, next(e for e in c.history if e.status == "Revoked"))
            for c in creds
            if any(e.status == "Revoked" for e in c.history)
        ]
        out = []
        for audit, cred in zip(audits, creds):
            extra = [
                Anomaly(
                    REVOKED_THEN_REISSUED,
                    f"credential {old.hash} of the same type {cred.type_id} for this subject was revoked at block "
                    f"{entry.block_number} ({entry.reason}); this one was issued after it, at block "
                    f"{cred.block_number}",
                    cred.block_number,
                    (old.hash, cred.hash),
                )
                for old, entry in revoked
                if old.hash != cred.hash and old.type_id == cred.type_id and old.subject == cred.subject
                and entry.block_number <= cred.block_number
            ]
            if extra:
                audit = replace(audit, anomalies=audit.anomalies + tuple(extra))
                if audit.valid:
                    audit = replace(audit, reason=_anomaly_reason(audit))
            out.append(audit)
        return out

    # -- assembling ----------------------------------------------------------------------------------

    def _report(
        self,
        kind: str,
        target: str,
        audits: list[CredentialAudit],
        *,
        contributions: Iterable[Contribution] = (),
        extra: Iterable[Anomaly] = (),
        issuer: Mapping[str, Any] | None = None,
    ) -> AuditReport:
        seen: set[tuple[str, str]] = set()
        anomalies: list[Anomaly] = []
        for a in [x for c in audits for x in c.anomalies] + list(extra):
            k = (a.code, a.message)
            if k not in seen:
                seen.add(k)
                anomalies.append(a)
        return AuditReport(
            kind=kind,
            target=target,
            generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            chain=self.chain_info,
            index_cursor=self.r.cursor(),
            at_spec=self.at_spec,
            at_block=self.at,
            credentials=tuple(audits),
            contributions=tuple(contributions),
            anomalies=tuple(anomalies),
            issuer=issuer,
            chain_rechecked=bool(audits) and all(a.chain_checked for a in audits),
        )


def _status_step(status: str, entry: Any) -> Step:
    where = ""
    if entry is not None:
        where = f" at block {entry.block_number}" + (f" ({entry.reason})" if entry.reason not in (None, "None") else "")
    if status == "None":
        return Step("status", PASS, "ACTIVE", "never revoked or suspended")
    if status == "Valid":
        return Step("status", PASS, "REINSTATED", f"reinstated{where}")
    return Step("status", FAIL, status.upper(), f"{status.lower()}{where}")


def _anomaly_reason(audit: CredentialAudit) -> str:
    codes = sorted({a.code for a in audit.anomalies})
    head = audit.reason.split(", ", 1)[0].split(";", 1)[0]
    tail = audit.reason.split(";", 1)[1] if ";" in audit.reason else ""
    n = len(audit.anomalies)
    return f"{head}, {n} anomal{'y' if n == 1 else 'ies'}: {', '.join(codes)}" + (f";{tail}" if tail else "")


__all__ = [
    "Anomaly",
    "AuditReport",
    "Auditor",
    "ChainCheck",
    "ChainLogCheck",
    "ContractsCheck",
    "CredentialAudit",
    "EvidenceItem",
    "Step",
    "render_plain",
]
