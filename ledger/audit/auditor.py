"""The auditor: builds reports for subjects, issuers and credential files from the index."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from ledger.audit.checks import ChainCheck
from ledger.audit.names import Names
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
    REVOKED_THEN_REISSUED,
    Anomaly,
    AuditReport,
    CredentialAudit,
    EvidenceItem,
    Step,
    render_plain,
)
from ledger.credentials.parse import parse_credential
from ledger.credentials.proof import BATCH_PROOF
from ledger.errors import ChainError, LedgerError, ValidationError, VerificationError
from ledger.index.projection import ZERO32
from ledger.index.queries import IndexReader
from ledger.index.records import Batch, Contribution, Credential, Issuer
from ledger.index.view import IndexChainView, reason_name
from ledger.verify.verifier import verify_credential


class Auditor:
    """Builds audit reports from an index, optionally re-checking the chain.

    Args:
        reader: the index.
        chain: the chain's own answers for the final verdict (``None``: index only).
        chain_info: what to print about the chain (id, backend, description).
        at: block for "as of" answers (``None``: now only), and ``at_spec`` as the user wrote it.
        names: where people's, institutions', certificates' and projects' names are looked up
            (:class:`~ledger.audit.names.Names`; default: only what the audited documents say).
    """

    def __init__(
        self,
        reader: IndexReader,
        *,
        chain: ChainCheck | None = None,
        chain_info: Mapping[str, Any] | None = None,
        at: int | None = None,
        at_spec: str | None = None,
        names: Names | None = None,
    ) -> None:
        self.r = reader
        self.names = names or Names(reader)
        self.chain = chain
        self.chain_info = dict(chain_info or {})
        self.at = at
        self.at_spec = at_spec

    # -- entry points ------------------------------------------------------------------------------

    def subject(self, subject: str | bytes) -> AuditReport:
        view = self.r.subject(subject)
        audits = [self._audit_onchain(c) for c in view.credentials]
        audits = self._reissues(audits, list(view.credentials))
        claimed = [a for c in view.contributions for a in self._claimed_twice(c) + self._contribution_anomalies(c)]
        return self._report("subject", view.subject, audits, contributions=view.contributions, extra=claimed)

    def subjects(self, subjects: Sequence[str | bytes]) -> AuditReport:
        """Several subjects in one report (``--input candidates.csv``)."""
        audits: list[CredentialAudit] = []
        contributions: list[Contribution] = []
        extra: list[Anomaly] = []
        unique = list(dict.fromkeys(subjects))  # each subject once, in the order given
        for s in unique:
            view = self.r.subject(s)
            audits += self._reissues([self._audit_onchain(c) for c in view.credentials], list(view.credentials))
            contributions += view.contributions
            extra += [a for c in view.contributions for a in self._claimed_twice(c) + self._contribution_anomalies(c)]
        return self._report("subjects", f"{len(unique)} subject(s)", audits, contributions=contributions, extra=extra)

    def issuer(self, who: str) -> AuditReport:
        view = self.r.issuer_view(who)
        if view is None:
            raise LedgerError(f"{who} is not an issuer known to the index", hint="check the address, or sync the index")
        audits = [self._audit_onchain(c) for c in view.credentials]
        info = render_plain(view.issuer)
        info.update(self.names.issuer(view.issuer.address))
        info["batches"] = render_plain(list(view.batches))
        info["contributions_recorded"] = view.contributions_recorded
        info["revocations"] = list(view.revocations)
        info["proposals"] = render_plain(list(view.proposals))
        extra = self._key_anomalies(view.issuer) + [a for b in view.batches for a in self._batch_anomalies(b)]
        extra += self._proposal_anomalies(view.proposals)
        return self._report("issuer", view.issuer.address, audits, issuer=info, extra=extra)

    def documents(
        self, documents: Iterable[tuple[str, bytes | str | LedgerError]], *, now: datetime | None = None
    ) -> AuditReport:
        """Audit credential files: ``(label, JSON text)`` pairs; ``now`` decides expiry (default: the clock)."""
        moment = now or datetime.now(timezone.utc)
        audits = [self._audit_document(label, text, moment) for label, text in documents]
        return self._report("files", f"{len(audits)} credential file(s)", self._reissued_documents(audits))

    # -- one credential file ---------------------------------------------------------------------

    def _audit_document(self, label: str, text: bytes | str | LedgerError, now: datetime) -> CredentialAudit:
        """The verification steps (``ledger.verify.verifier``) against the index, then the audit's extras."""

        try:
            if isinstance(text, LedgerError):
                raise text  # not read: over the size limit for one credential
            verified = verify_credential(text, IndexChainView(self.r), now=now, label=label)
        except (VerificationError, ValidationError) as exc:
            step = Step("format", FAIL, "FORMAT_INVALID", str(exc))
            return CredentialAudit(label, "", False, f"FORMAT_INVALID: {exc}", steps=(step,), chain_check="not_needed")
        steps = verified.steps
        if verified.credential_hash is None:  # the format step failed
            return replace(self._finish(CredentialAudit(label, "", False, "", steps=steps), ZERO32),
                           chain_check="not_needed")
        doc = parse_credential(text)
        digest = "0x" + doc.hash.hex()
        subject = None if doc.subject is None else "0x" + doc.subject.hex()  # None: withheld by the holder
        self.names.learn(subject=subject, holder=doc.holder_name, type_id=doc.achievement.type_id,
                         title=doc.achievement.name, issuer=doc.issuer.address, issuer_name=doc.issuer.name)
        institution = self.names.issuer(doc.issuer.address)
        audit = CredentialAudit(label, digest, False, "", subject=subject or "",
                                type_id=doc.achievement.type_id, issuer=doc.issuer.address, steps=steps,
                                holder=doc.holder_name or self.names.person(subject), title=doc.achievement.name,
                                issuer_name=institution["name"] or doc.issuer.name, issuer_domain=institution["domain"])
        proof = doc.proof
        anchored = {s.name: s for s in verified.steps}.get("anchoring")
        if proof is None or proof.credential_hash != doc.hash or anchored is None or anchored.outcome != PASS:
            return self._unanchored(audit, doc, anchored)
        root, index, evidence_keys = ZERO32, None, ["0x" + e.key.hex() for e in doc.evidence]
        anomalies: list[Anomaly] = []
        components: list[tuple[str | None, str]] = []
        if proof.kind == BATCH_PROOF and proof.batch_root is not None:
            root, index = "0x" + proof.batch_root.hex(), proof.leaf_index
            batch = self.r.batch(doc.issuer.address, root)
            assert batch is not None  # the anchoring step passed on this index
            issuer, type_id, block, tx = batch.issuer, batch.type_id, batch.block_number, batch.tx_hash
            anomalies += self._batch_anomalies(batch)
            entry = self.r.leaf_status_at(issuer, root, int(index or 0))
        else:
            issued = self.r.issued(digest, issuer=doc.issuer.address)
            assert issued is not None
            issuer, type_id, block, tx = issued.issuer, issued.type_id, issued.block_number, issued.tx_hash
            evidence_keys = list(issued.evidence) or evidence_keys
            entry = self.r.credential_status_at(issuer, digest)
            components = list(zip(issued.prerequisite_issuers, issued.prerequisites))
        ok, why = self.r.authorization(issuer, type_id, block)
        anomalies += self._writer_anomalies(issuer, block, ok)
        evidence = tuple(self._evidence(k) for k in evidence_keys)
        anomalies += self._evidence_anomalies(evidence, block)
        anomalies += [a for a, _ in self._component_anomalies(components, block)]
        audit = replace(
            audit,
            issuer=issuer,
            type_id=type_id,
            anchor={"root": None if root == ZERO32 else root, "index": index, "tx_hash": tx, "block_number": block},
            authorization={"authorized": ok, "reason": why, "block_number": block},
            status_now="None" if entry is None else entry.status,
            evidence=evidence,
            anomalies=tuple(anomalies),
        )
        return self._finish(audit, root)

    def _unanchored(self, audit: CredentialAudit, doc: Any, anchored: Step | None) -> CredentialAudit:
        """A file that failed before or at the anchoring step, with what the chain was asked about it.

        A file whose format, hash or Merkle proof is wrong fails on its own: no chain answer can make it
        valid, so the chain is not asked ("not needed"). A file that is intact but whose anchoring the
        index does not confirm is asked of the chain itself, so that an index behind the chain cannot
        condemn it unheard: the chain's answer is the final one, and a disagreement is an anomaly.
        """
        finished = self._finish(audit, ZERO32)
        failed_on_its_own = any(s.failed and s.name in ("format", "integrity", "inclusion") for s in audit.steps)
        if failed_on_its_own or anchored is None or anchored.code == "CHAIN_MISMATCH" or doc.proof is None:
            return replace(finished, chain_check="not_needed", chain_checked=False)
        if self.chain is None:
            return replace(finished, chain_check="unreachable", chain_checked=False)
        root = "0x" + doc.proof.batch_root.hex() if doc.proof.batch_root is not None else ZERO32
        index_knows = anchored.code not in ("ROOT_UNKNOWN", "NOT_ISSUED")
        try:
            on_chain = self.chain.exists(audit.issuer, root, audit.hash)
        except ChainError:
            return replace(finished, chain_check="unreachable", chain_checked=False)
        if on_chain == index_knows:
            return replace(finished, chain_check="rechecked", chain_checked=True)
        anomaly = Anomaly(
            INDEX_DISAGREES_WITH_CHAIN,
            f"the index {'knows' if index_knows else 'does not know'} the {'root' if root != ZERO32 else 'credential'}"
            f" of {audit.label}; the chain {'has' if on_chain else 'does not have'} it (sync the index: "
            "`ledger index sync`, then audit again)",
        )
        return replace(finished, chain_check="rechecked", chain_checked=True,
                       anomalies=finished.anomalies + (anomaly,),
                       reason=finished.reason + "; the chain disagrees with the index (INDEX_DISAGREES_WITH_CHAIN)")

    def _reissued_documents(self, audits: list[CredentialAudit]) -> list[CredentialAudit]:
        """REVOKED_THEN_REISSUED among files: same subject and type, one revoked before the other's block."""
        revoked: list[tuple[CredentialAudit, int]] = []
        for a in audits:
            if a.status_now == "revoked" and a.anchor and a.issuer:
                root = a.anchor.get("root")
                history = (self.r.leaf_history(a.issuer, root, int(a.anchor.get("index") or 0)) if root else
                           self.r.credential_history(a.issuer, a.hash))
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
        leaf = cred.root != ZERO32
        ok, why = self.r.authorization(cred.issuer, cred.type_id, block)
        steps.append(Step("anchoring", PASS, "ANCHORED" if leaf else "ISSUED",
                          f"{'anchored' if leaf else 'issued'} at block {block} in {cred.tx_hash}"))
        since = self.r.compromised_since(cred.issuer)
        if since is not None and block >= since:
            steps.append(Step("issuer_authorized", FAIL, "ISSUER_COMPROMISED",
                              f"{cred.issuer} is marked compromised since block {since}, before this write"))
        else:
            steps.append(Step("issuer_authorized", PASS if ok else FAIL,
                              "AUTHORIZED" if ok else "ISSUER_NOT_AUTHORIZED", f"issuer {why} at block {block}"))
        anomalies += self._writer_anomalies(cred.issuer, block, ok)
        batch = self.r.batch(cred.issuer, cred.root) if leaf else None
        if batch is not None:
            anomalies += self._batch_anomalies(batch)
        evidence = tuple(self._evidence(k) for k in cred.evidence)
        anomalies += self._evidence_anomalies(evidence, block)
        status_now = cred.status  # the reader was asked for "now"
        if batch is not None and batch.revoked is not None and \
                not self._void(batch.revoked.by, batch.revoked.block_number):
            steps.append(Step("status", FAIL, "BATCH_REVOKED",
                              f"the whole batch was revoked at block {batch.revoked.block_number} "
                              f"({batch.revoked.reason}) by {batch.revoked.by}"))
        else:
            steps.append(_status_step(status_now, cred.history[-1] if cred.history else None))
        component_anomalies = self._component_anomalies(zip(cred.prerequisite_issuers, cred.prerequisites), block)
        anomalies += [a for a, _ in component_anomalies]
        for _, failed in component_anomalies[:1]:  # the step names the first; the anomalies list all
            steps.append(failed)
        institution = self.names.issuer(cred.issuer)
        return self._finish(
            CredentialAudit(
                label=cred.label,
                hash=cred.hash,
                valid=False,
                reason="",
                subject=cred.subject,
                type_id=cred.type_id,
                issuer=cred.issuer,
                anchor={"root": cred.root if leaf else None, "index": cred.index, "tx_hash": cred.tx_hash,
                        "block_number": block},
                authorization={"authorized": ok, "reason": why, "block_number": block},
                status_now=status_now,
                steps=tuple(steps),
                evidence=evidence,
                anomalies=tuple(anomalies),
                holder=self.names.person(cred.subject),
                title=self.names.title(cred.type_id),
                issuer_name=institution["name"],
                issuer_domain=institution["domain"],
            ),
            cred.root,
        )

    def _void(self, key: str | None, block: int) -> bool:
        """Whether an act of ``key`` at ``block`` is void: the key was compromised then."""
        since = None if key is None else self.r.compromised_since(key)
        return since is not None and block >= since

    def _status(self, audit: CredentialAudit, root: str, at: int | None) -> str:
        assert audit.issuer is not None
        if root != ZERO32:
            entry = self.r.leaf_status_at(audit.issuer, root, int(audit.anchor.get("index") or 0), at)
        else:
            entry = self.r.credential_status_at(audit.issuer, audit.hash, at)
        return "None" if entry is None else entry.status

    def _finish(self, audit: CredentialAudit, root: str) -> CredentialAudit:
        """Time travel, the final chain re-check, and the mark with its reason."""
        steps = list(audit.steps)
        anomalies = list(audit.anomalies)
        status_now = audit.status_now
        chain_checked = False
        chain_check = "unreachable"
        if self.chain is not None and audit.issuer is not None and audit.anchor.get("block_number") is not None:
            try:
                exists = self.chain.exists(audit.issuer, root, audit.hash)
                on_chain = self.chain.status(audit.issuer, root, audit.anchor.get("index"), audit.hash)
                authorized = self.chain.authorized(audit.issuer, int(audit.type_id or 0), int(audit.anchor["block_number"]))
            except ChainError:
                pass  # the chain is not reachable now: the index's answer stands, marked "index only"
            else:
                chain_checked, chain_check = True, "rechecked"
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
        authorization = dict(audit.authorization)
        if self.at is not None and audit.anchor:
            block = int(audit.anchor.get("block_number") or 0)
            existed = block <= self.at
            status_at = self._status(audit, root, self.at) if existed else NOT_YET
            valid_at = existed and status_at in ("None", "Valid") and bool(audit.authorization.get("authorized"))
            if audit.issuer is not None and audit.type_id is not None:
                # "Was its issuer authorised for its type at that moment", asked apart from issuance.
                ok_at, why_at = self.r.authorization(audit.issuer, audit.type_id, self.at)
                authorization.update(at_block=self.at, authorized_at=ok_at, reason_at=why_at)
        failed = [s for s in steps if s.outcome == FAIL]
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
            reason += f"; at block {self.at}: {'valid' if valid_at else 'not valid'} ({shown_status(status_at) if status_at else status_at})"
        return replace(
            audit,
            valid=valid,
            reason=reason,
            authorization=authorization,
            status_now=shown_status(status_now),
            status_at=status_at if status_at in (None, NOT_YET) else shown_status(status_at),
            valid_at=valid_at,
            steps=tuple(steps),
            anomalies=tuple(anomalies),
            chain_checked=chain_checked,
            chain_check=chain_check,
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
            current = self.r.parent_of(current, block)
        return []

    def _writer_anomalies(self, issuer: str, block: int, authorized: bool) -> list[Anomaly]:
        """What went wrong with the key that wrote a credential: compromised then, or its issuer suspended."""
        mark = self.r.compromise(issuer)
        if mark is not None and block >= int(mark["since"]):
            return [_compromise_anomaly(issuer, mark, f"wrote this at block {block}")]
        return [] if authorized else self._suspended_at(issuer, block)

    def _key_anomalies(self, issuer: Issuer) -> list[Anomaly]:
        """Every compromised key of an issuer, with when and by whom."""
        out = []
        for key in issuer.compromised_keys:
            mark = self.r.compromise(key.address)
            if mark is not None:
                out.append(_compromise_anomaly(key.address, mark, "a key of this issuer"))
        return out

    def _batch_anomalies(self, batch: Batch) -> list[Anomaly]:
        """A batch revoked as a whole: when, why, by whom (void when by a key compromised then)."""
        rev = batch.revoked
        if rev is None:
            return []
        void = " (void: that key was compromised then)" if self._void(rev.by, rev.block_number) else ""
        return [Anomaly(BATCH_REVOKED, f"batch {batch.root} of {batch.issuer} was revoked as a whole at block "
                        f"{rev.block_number} ({rev.reason}) by {rev.by} in {rev.tx_hash}{void}", rev.block_number,
                        (batch.root, batch.issuer, rev.by or ""))]

    def _contribution_anomalies(self, c: Contribution) -> list[Anomaly]:
        out = []
        if c.released is not None:
            out.append(Anomaly(
                CONTRIBUTION_RELEASED,
                f"contribution {c.key} recorded by {c.recorder} at block {c.block_number} was revoked"
                + (f" at block {c.revoked.block_number} by {c.revoked.by} ({c.revoked.reason})" if c.revoked else "")
                + f" and its key released by the committee at block {c.released.block_number} in "
                f"{c.released.tx_hash}; the key may be recorded again (generation {c.generation + 1})",
                c.released.block_number, (c.key,)))
        if c.recorder_compromised:
            out.append(Anomaly(EVIDENCE_RECORDED_BY_COMPROMISED_KEY,
                               f"contribution {c.key} was recorded at block {c.block_number} by {c.recorder}, a key "
                               "compromised by then: it proves nothing", c.block_number, (c.key, c.recorder)))
        return out

    def _proposal_anomalies(self, proposals: Iterable[Any]) -> list[Anomaly]:
        out = []
        for p in proposals:
            if p.state == "Cancelled":
                out.append(Anomaly(PROPOSAL_CANCELLED, f"committee proposal {p.id} by {p.proposer}, made at block "
                                   f"{p.created_block}, was cancelled at block {p.closed_block} by {p.closed_by}",
                                   p.closed_block, (str(p.id),)))
            elif p.state == "Expired":
                out.append(Anomaly(PROPOSAL_EXPIRED, f"committee proposal {p.id} by {p.proposer}, made at block "
                                   f"{p.created_block}, expired unexecuted after block {p.expires_at} with "
                                   f"{len(p.approvals)} approval(s)", p.expires_at, (str(p.id),)))
        return out

    def _evidence_anomalies(self, evidence: Iterable[EvidenceItem], block: int) -> list[Anomaly]:
        found: list[Anomaly] = []
        for e in evidence:
            if e.released is not None:
                found.append(Anomaly(CONTRIBUTION_RELEASED,
                                     f"evidence {e.key} was released by the committee at block "
                                     f"{e.released['block_number']} (its record revoked and archived)",
                                     e.released["block_number"], (e.key,)))
            if e.recorder_compromised:
                found.append(Anomaly(EVIDENCE_RECORDED_BY_COMPROMISED_KEY,
                                     f"evidence {e.key} was recorded by {e.recorder}, a key compromised by then",
                                     None, (e.key, e.recorder or "")))
            if e.revoked and e.revoked["block_number"] > block:
                found.append(Anomaly(
                    EVIDENCE_REVOKED_AFTER_ISSUANCE,
                    f"evidence {e.key} was revoked at block {e.revoked['block_number']} ({e.revoked['reason']}), "
                    f"after the credential was issued at block {block}",
                    e.revoked["block_number"], (e.key,),
                ))
            if not e.missing:
                found += self._claimed_twice_key(e.key, e.subject)
        return found

    def _component_anomalies(self, components: Iterable[tuple[str | None, str]], block: int
                             ) -> list[tuple[Anomaly, Step]]:
        """A stacked certificate's components, ``(issuer, hash)``, that no longer hold it up (they were
        valid at its issuance: the contract checked), each with the criteria step it fails: revoked or
        suspended since, or issued by a key since marked compromised as of the component's block."""
        found: list[tuple[Anomaly, Step]] = []
        for issuer, component in components:
            if issuer is None:
                continue  # an index from before contracts v2 does not say whose it is
            other = self.r.issued(component, issuer=issuer)
            what = f"of type {other.type_id} " if other is not None else ""
            if other is not None and self._void(issuer, other.block_number):
                since = self.r.compromised_since(issuer)
                found.append((Anomaly(
                    COMPONENT_ISSUER_COMPROMISED,
                    f"component certificate {component} {what}was issued at block {other.block_number} by {issuer}, "
                    f"whose key is marked compromised since block {since}",
                    since, (component,),
                ), Step("criteria", FAIL, "COMPONENT_ISSUER_COMPROMISED",
                        f"it is stacked on certificate {component}, issued by a key marked compromised since block "
                        f"{since}")))
                continue
            entry = self.r.credential_status_at(issuer, component)
            if entry is None or entry.status not in ("Revoked", "Suspended"):
                continue
            found.append((Anomaly(
                COMPONENT_REVOKED_AFTER_ISSUANCE,
                f"component certificate {component} {what}was {entry.status.lower()} at block {entry.block_number} "
                f"({shown_reason(entry.reason)}), after this stacked certificate was issued at block {block}",
                entry.block_number, (component,),
            ), Step("criteria", FAIL, f"COMPONENT_{entry.status.upper()}",
                    f"it is stacked on certificate {component}, {entry.status.lower()} since block "
                    f"{entry.block_number} (reason {shown_reason(entry.reason)})")))
        return found

    def _evidence(self, key: str) -> EvidenceItem:
        c = self.r.contribution(key)
        if c is None:
            return EvidenceItem(key=key, missing=True)
        revoked = None if c.revoked is None else {"block_number": c.revoked.block_number, "reason": c.revoked.reason,
                                                  "by": c.revoked.by}
        released = None if c.released is None else {"block_number": c.released.block_number,
                                                    "tx_hash": c.released.tx_hash}
        named = self.names.contribution(c.key, c.evidence_hash)
        return EvidenceItem(key=c.key, kind=c.kind, project=c.project, subject=c.subject, cosigners=c.cosigners,
                            revoked=revoked, released=released, recorder=c.recorder,
                            recorder_compromised=c.recorder_compromised, source=named["source"], url=named["url"],
                            project_name=named["project_name"])

    def _claimed_twice(self, c: Contribution) -> list[Anomaly]:
        return self._claimed_twice_key(c.key, c.subject)

    def _claimed_twice_key(self, key: str, subject: str | None = None) -> list[Anomaly]:
        return [
            Anomaly(
                CONTRIBUTION_CLAIMED_TWICE,
                f"contribution {key}" + (f" (subject {subject})" if subject else "")
                + f" and {other} (subject {other_subject}, block {block}) carry the same evidence {evidence}",
                block,
                (key, other),
            )
            for other, other_subject, evidence, block in self.r.claims_elsewhere(key)
        ]

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
                if old.hash != cred.hash and old.type_id == cred.type_id and cred.subject is not None
                and old.subject == cred.subject
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
        contributions = list(contributions)
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
            # Every row that needed the chain got its answer (a file that failed on its own needs none).
            chain_rechecked=any(a.chain_checked for a in audits)
            and all(a.chain_check != "unreachable" for a in audits),
            batch_leaves_known=self.r.knows_batch_leaves(),
            contribution_names={c.key: self.names.contribution(c.key, c.evidence_hash) for c in contributions},
        )


NOT_YET = "not yet issued"
_SHOWN = {"None": "active", "Valid": "reinstated", "Suspended": "suspended", "Revoked": "revoked"}


def shown_status(status: str) -> str:
    """A status as reports show it, in ``ledger.verify.verifier``'s words: active (never changed),
    reinstated, suspended, revoked."""
    return _SHOWN.get(status, status)


def _compromise_anomaly(key: str, mark: Any, what: str) -> Anomaly:
    return Anomaly(ISSUER_COMPROMISED,
                   f"key {key} ({what}) is marked compromised since block {mark['since']}: marked by "
                   f"{mark['marked_by']} at block {mark['block_number']} in {mark['tx_hash']}; what it wrote from "
                   f"block {mark['since']} on is void", int(mark["block_number"]), (key, str(mark["marked_by"])))


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


def shown_reason(reason: str | None) -> str:
    """A revocation reason as the CLI spells it (``issued-in-error``), or ``unspecified``."""
    return reason_name(reason) or "unspecified"
