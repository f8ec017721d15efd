"""Reading the index: entities, histories, and the state "as of" any block.

Every question takes an optional ``at`` block. Histories follow the contracts' own rule: a change
recorded in block N is in force at N (``IssuerRegistry.statusAt`` and ``isAuthorized`` read them the
same way), so the index and the chain give the same answer for the same block.

``resolve_at`` turns the user's ``--at DATE|BLOCK`` into a block number: a plain integer is a block; a
date or date-time (ISO 8601, UTC unless an offset is given; a bare date means its first second) is the
last indexed block mined at or before that moment. Between two indexed blocks nothing the index
tracks can change, so that block answers for the moment exactly.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ledger.errors import ValidationError
from ledger.index.projection import ZERO32
from ledger.index.records import (
    Batch,
    Contribution,
    Credential,
    Issuer,
    IssuerView,
    Leaf,
    ReportAnchor,
    StatusEntry,
    SubjectView,
    address_text,
    bytes32_text,
    parse_moment,
)
from ledger.index.sync import get_cursor


def _upto(at: int | None) -> int:
    return (1 << 62) if at is None else at


class IndexReader:
    """Queries over one index connection.

    ``batch_leaves`` says whether answers include this workspace's own knowledge of which batch leaf is
    whose (``batch_leaves``, from its journal): yes for the issuer's own commands; no for an answer that
    goes to anyone who asks (the web verifier), since it links subject ids to credentials in a way the
    chain does not.
    """

    def __init__(self, conn: sqlite3.Connection, *, batch_leaves: bool = True) -> None:
        self.conn = conn
        self.batch_leaves = batch_leaves

    # -- when ------------------------------------------------------------------------------------

    def cursor(self) -> int | None:
        return get_cursor(self.conn)

    def counts(self) -> dict[str, int]:
        """Rows per table (what the index holds)."""
        from ledger.index.schema import TABLES

        return {t: int(self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}

    def block_time(self, number: int) -> int | None:
        row = self.conn.execute("SELECT timestamp FROM blocks WHERE number = ?", (number,)).fetchone()
        return None if row is None else int(row[0])

    def resolve_at(self, spec: str | int | None) -> int | None:
        """``--at`` as a block number (see the module docstring); ``None`` means "now"."""
        if spec is None or spec == "":
            return None
        if isinstance(spec, int):
            if spec < 0:
                raise ValidationError(f"--at block must not be negative, got {spec}")
            return spec
        text = spec.strip()
        if text.lstrip("#").isdigit():
            return int(text.lstrip("#"))
        moment = parse_moment(text)
        row = self.conn.execute(
            "SELECT MAX(number) FROM blocks WHERE timestamp <= ?", (int(moment.timestamp()),)
        ).fetchone()
        # Before the first indexed event nothing existed yet: block 0 answers "not issued".
        return int(row[0]) if row and row[0] is not None else 0

    # -- issuers -----------------------------------------------------------------------------------

    def issuer_status_at(self, who: str, at: int | None = None) -> str:
        row = self.conn.execute(
            "SELECT status FROM issuer_status WHERE address = ? AND block_number <= ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1",
            (who, _upto(at)),
        ).fetchone()
        return "None" if row is None else str(row[0])

    def scope_at(self, who: str, type_id: int, at: int | None = None) -> bool:
        """Whether ``type_id`` (or "any", type 0) was in the issuer's own scope at ``at``."""
        for t in {0, type_id}:
            row = self.conn.execute(
                "SELECT allowed FROM issuer_scope WHERE address = ? AND type_id = ? AND block_number <= ? "
                "ORDER BY block_number DESC, log_index DESC LIMIT 1",
                (who, t, _upto(at)),
            ).fetchone()
            if row is not None and row[0]:
                return True
        return False

    def parent_of(self, who: str) -> str | None:
        row = self.conn.execute("SELECT parent FROM issuers WHERE address = ?", (who,)).fetchone()
        return None if row is None else row[0]

    def is_authorized(self, who: str, type_id: int, at: int | None = None) -> bool:
        """The index's answer to ``IssuerRegistry.isAuthorized``: the issuer and every ancestor active
        and in scope at ``at``."""
        return self.authorization(who, type_id, at)[0]

    def authorization(self, who: str, type_id: int, at: int | None = None) -> tuple[bool, str]:
        """(authorised, reason): the reason names the first issuer in the chain that failed and why."""
        current: str | None = who
        while current is not None:
            status = self.issuer_status_at(current, at)
            role = "issuer" if current == who else f"ancestor {current}"
            if status != "Active":
                return False, f"{role} was {status if status != 'None' else 'not yet registered'}"
            if not self.scope_at(current, type_id, at):
                return False, f"type {type_id} was outside the scope of the {role}"
            current = self.parent_of(current)
        return True, "active and in scope"

    def issuer(self, who: str, at: int | None = None) -> Issuer | None:
        who = address_text(who)
        row = self.conn.execute("SELECT * FROM issuers WHERE address = ?", (who,)).fetchone()
        if row is None or (at is not None and row["added_block"] > at):
            return None
        history = tuple(
            StatusEntry(r["status"], r["block_number"], r["tx_hash"], by=r["changed_by"])
            for r in self.conn.execute(
                "SELECT * FROM issuer_status WHERE address = ? AND block_number <= ? "
                "ORDER BY block_number, log_index",
                (who, _upto(at)),
            )
        )
        scope_ids = [r[0] for r in self.conn.execute("SELECT DISTINCT type_id FROM issuer_scope WHERE address = ?", (who,))]
        scope = tuple(sorted(t for t in scope_ids if self._own(who, t, at)))
        children = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT address FROM issuers WHERE parent = ? AND added_block <= ? ORDER BY issuer_id", (who, _upto(at))
            )
        )
        return Issuer(
            address=who,
            issuer_id=row["issuer_id"],
            kind=row["kind"],
            parent=row["parent"],
            depth=row["depth"],
            meta_hash=row["meta_hash"],
            added_block=row["added_block"],
            status=history[-1].status if history else "None",
            status_history=history,
            scope=scope,
            children=children,
        )

    def _own(self, who: str, type_id: int, at: int | None) -> bool:
        row = self.conn.execute(
            "SELECT allowed FROM issuer_scope WHERE address = ? AND type_id = ? AND block_number <= ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1",
            (who, type_id, _upto(at)),
        ).fetchone()
        return bool(row and row[0])

    # -- contributions -----------------------------------------------------------------------------

    def _contributions(self, where: str, params: Iterable[Any], at: int | None) -> list[Contribution]:
        rows = self.conn.execute(
            f"SELECT * FROM contributions WHERE {where} AND block_number <= ? ORDER BY block_number, log_index",
            (*params, _upto(at)),
        ).fetchall()
        return [self._contribution(r, at) for r in rows]

    def _contribution(self, r: sqlite3.Row, at: int | None) -> Contribution:
        cosigners = tuple(
            s[0]
            for s in self.conn.execute(
                "SELECT signer FROM cosigns WHERE key = ? AND block_number <= ? ORDER BY block_number, log_index",
                (r["key"], _upto(at)),
            )
        )
        rev = self.conn.execute(
            "SELECT * FROM contribution_revocations WHERE key = ? AND block_number <= ? "
            "ORDER BY block_number, log_index LIMIT 1",
            (r["key"], _upto(at)),
        ).fetchone()
        revoked = (
            None
            if rev is None
            else StatusEntry("Revoked", rev["block_number"], rev["tx_hash"], by=rev["revoked_by"], reason=rev["reason"])
        )
        return Contribution(
            key=r["key"],
            subject=r["subject"],
            recorder=r["recorder"],
            project=r["project"],
            kind=r["kind"],
            field=r["field"],
            weight=r["weight"],
            occurred_at=r["occurred_at"],
            evidence_hash=r["evidence_hash"],
            block_number=r["block_number"],
            tx_hash=r["tx_hash"],
            cosigners=cosigners,
            revoked=revoked,
        )

    def contribution(self, key: str | bytes, at: int | None = None) -> Contribution | None:
        found = self._contributions("key = ?", (bytes32_text(key, "contribution key"),), at)
        return found[0] if found else None

    def revocation_of(self, key: str) -> StatusEntry | None:
        """A contribution's revocation whenever it happened (the audit compares it with issuance)."""
        c = self.contribution(key)
        return None if c is None else c.revoked

    def contributions(
        self,
        *,
        project: str | bytes | None = None,
        kind: str | None = None,
        field_id: int | None = None,
        since: int | None = None,
        subject: str | bytes | None = None,
        recorder: str | None = None,
        at: int | None = None,
        limit: int | None = None,
    ) -> list[Contribution]:
        """Contributions filtered by project id, kind name, field, ``occurredAt >= since`` (unix s)."""
        where: list[str] = ["1=1"]
        params: list[Any] = []
        if project is not None:
            where.append("project = ?")
            params.append(bytes32_text(project, "project id"))
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if field_id is not None:
            where.append("field = ?")
            params.append(field_id)
        if since is not None:
            where.append("occurred_at >= ?")
            params.append(since)
        if subject is not None:
            where.append("subject = ?")
            params.append(bytes32_text(subject, "subject id"))
        if recorder is not None:
            where.append("recorder = ?")
            params.append(address_text(recorder))
        found = self._contributions(" AND ".join(where), params, at)
        return found[:limit] if limit is not None else found

    def recorded_subjects(self, keys: Sequence[bytes], at: int | None = None) -> dict[bytes, bytes]:
        """The subject of every key of ``keys`` recorded by ``at`` (revoked ones included: a key is
        recorded once, ever); the keys not recorded are absent. One query per 500 keys."""
        found: dict[bytes, bytes] = {}
        texts = ["0x" + bytes(k).hex() for k in keys]
        for start in range(0, len(texts), 500):
            chunk = texts[start:start + 500]
            rows = self.conn.execute(
                f"SELECT key, subject FROM contributions WHERE key IN ({','.join('?' * len(chunk))}) "
                "AND block_number <= ?", (*chunk, _upto(at)))
            for key, subject in rows:
                found[bytes.fromhex(key[2:])] = bytes.fromhex(subject[2:])
        return found

    def same_evidence(self, evidence_hash: str) -> list[Contribution]:
        """Every contribution carrying this evidence hash (two subjects claiming one piece of work)."""
        return self._contributions("evidence_hash = ?", (evidence_hash,), None)

    def claims_elsewhere(self, key: str) -> list[tuple[str, str, str, int]]:
        """Other subjects' contributions with the same evidence as contribution ``key``: (their key,
        their subject, the evidence hash, their block). A light query for audits of many credentials."""
        rows = self.conn.execute(
            "SELECT o.key, o.subject, o.evidence_hash, o.block_number FROM contributions c "
            "JOIN contributions o ON o.evidence_hash = c.evidence_hash AND o.subject != c.subject "
            "WHERE c.key = ? AND c.evidence_hash != ? ORDER BY o.block_number, o.log_index",
            (key, ZERO32),
        ).fetchall()
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    # -- credentials -----------------------------------------------------------------------------

    def status_history(self, root: str, digest: str, at: int | None = None) -> tuple[StatusEntry, ...]:
        return tuple(
            StatusEntry(r["status"], r["block_number"], r["tx_hash"], by=r["changed_by"], reason=r["reason"])
            for r in self.conn.execute(
                "SELECT * FROM credential_status WHERE credential_hash = ? AND root = ? AND block_number <= ? "
                "ORDER BY block_number, log_index",
                (digest, root, _upto(at)),
            )
        )

    def credential_status_at(self, root: str | bytes, digest: str | bytes, at: int | None = None) -> StatusEntry | None:
        """The last status change of a credential in force at ``at`` (``None``: never changed)."""
        history = self.status_history(bytes32_text(root, "root"), bytes32_text(digest, "credential hash"), at)
        return history[-1] if history else None

    def batch(self, root: str | bytes, at: int | None = None) -> Batch | None:
        r = self.conn.execute(
            "SELECT * FROM batches WHERE root = ? AND block_number <= ?", (bytes32_text(root, "root"), _upto(at))
        ).fetchone()
        return None if r is None else Batch(r["root"], r["issuer"], r["type_id"], r["count"], r["meta_hash"], r["block_number"], r["tx_hash"])

    def _credential(self, r: sqlite3.Row, at: int | None) -> Credential:
        digest = r["hash"]
        evidence = tuple(
            e[0] for e in self.conn.execute("SELECT contribution_key FROM credential_evidence WHERE credential_hash = ? ORDER BY position", (digest,))
        )
        prereq = tuple(
            e[0] for e in self.conn.execute("SELECT prerequisite_hash FROM credential_prerequisites WHERE credential_hash = ? ORDER BY position", (digest,))
        )
        history = self.status_history(ZERO32, digest, at)
        last = history[-1] if history else None
        return Credential(
            hash=digest,
            root=ZERO32,
            issuer=r["issuer"],
            type_id=r["type_id"],
            block_number=r["block_number"],
            tx_hash=r["tx_hash"],
            subject=r["subject"],
            type_version=r["type_version"],
            evidence=evidence,
            prerequisites=prereq,
            status=last.status if last else "None",
            status_reason=last.reason if last else None,
            status_block=last.block_number if last else None,
            history=history,
        )

    def issued(self, digest: str | bytes, at: int | None = None) -> Credential | None:
        """A credential issued by ``issue`` (criteria-checked), as of ``at``."""
        r = self.conn.execute(
            "SELECT * FROM credentials WHERE hash = ? AND block_number <= ?", (bytes32_text(digest, "credential hash"), _upto(at))
        ).fetchone()
        return None if r is None else self._credential(r, at)

    def credentials(
        self,
        *,
        type_id: int | None = None,
        status: str | None = None,
        issuer: str | None = None,
        subject: str | bytes | None = None,
        at: int | None = None,
    ) -> list[Credential]:
        """Credentials issued by ``issue`` plus batch leaves with a status change, filtered; ``status``
        is the status in force at ``at`` ("valid" matches None and Valid)."""
        where: list[str] = ["block_number <= ?"]
        params: list[Any] = [_upto(at)]
        if type_id is not None:
            where.append("type_id = ?")
            params.append(type_id)
        if issuer is not None:
            where.append("issuer = ?")
            params.append(address_text(issuer))
        if subject is not None:
            where.append("subject = ?")
            params.append(bytes32_text(subject, "subject id"))
        rows = self.conn.execute(
            f"SELECT * FROM credentials WHERE {' AND '.join(where)} ORDER BY block_number, log_index", params
        ).fetchall()
        found = [self._credential(r, at) for r in rows]
        if subject is None:
            found.extend(self._leaves(type_id, issuer, at))
        elif self.batch_leaves:
            found.extend(self._subject_leaves(bytes32_text(subject, "subject id"), type_id, issuer, at))
        if status is not None:
            wanted = status.strip().capitalize()
            found = [c for c in found if (c.valid_status if wanted == "Valid" else c.status == wanted)]
        return found

    def valid_holders(self, type_id: int, issuer: str) -> dict[str, str]:
        """Subject -> hash of a certificate of ``type_id`` from ``issuer`` that it holds and that is neither
        revoked nor suspended now: checked ones, and leaves of this workspace's batches (``batch_leaves``).
        Two queries for any number of subjects (a batch asks it for every row)."""
        last = ("COALESCE((SELECT s.status FROM credential_status s WHERE s.credential_hash = {h} AND s.root = {r} "
                "ORDER BY s.block_number DESC, s.log_index DESC LIMIT 1), 'None') IN ('None', 'Valid')")
        who = address_text(issuer)
        out: dict[str, str] = {}
        for subject, digest in self.conn.execute(
            "SELECT l.subject, l.credential_hash FROM batch_leaves l JOIN batches b ON b.root = l.root "
            "WHERE b.type_id = ? AND b.issuer = ? AND " + last.format(h="l.credential_hash", r="l.root")
            + " ORDER BY b.block_number", (type_id, who),
        ) if self.batch_leaves else ():
            out.setdefault(subject, digest)
        for subject, digest in self.conn.execute(
            "SELECT c.subject, c.hash FROM credentials c WHERE c.type_id = ? AND c.issuer = ? AND "
            + last.format(h="c.hash", r="?") + " ORDER BY c.block_number", (type_id, who, ZERO32),
        ):
            out.setdefault(subject, digest)
        return out

    def leaves(
        self,
        *,
        credential_ids: Iterable[str] | None = None,
        hashes: Iterable[str] | None = None,
        subject: str | None = None,
        root: str | None = None,
        batch_id: str | None = None,
    ) -> list[Leaf]:
        """This workspace's batch leaves (``batch_leaves``) named by credential id (``urn:uuid:...``),
        credential hash, subject, batch root or batch id; in batch and leaf order."""
        if not self.batch_leaves:
            return []
        where: list[str] = []
        params: list[Any] = []
        for column, values in (("credential_id", credential_ids), ("credential_hash", hashes)):
            if values is not None:
                chosen = [v.lower() if column == "credential_hash" else v for v in values]
                if not chosen:
                    return []
                where.append(f"{column} IN ({','.join('?' * len(chosen))})")
                params += chosen
        if subject is not None:
            where.append("subject = ?")
            params.append(bytes32_text(subject, "subject id"))
        if root is not None:
            where.append("root = ?")
            params.append(bytes32_text(root, "root"))
        if batch_id is not None:
            where.append("batch_id = ?")
            params.append(batch_id)
        rows = self.conn.execute(
            f"SELECT * FROM batch_leaves WHERE {' AND '.join(where) or '1=1'} ORDER BY batch_id, leaf", params
        ).fetchall()
        return [Leaf(r["root"], r["leaf"], r["credential_hash"], r["subject"], r["credential_id"], r["batch_id"])
                for r in rows]

    def knows_batch_leaves(self) -> bool:
        """Whether this index holds the issuer's knowledge of which batch leaf is whose (it does in the
        workspace that issued batches, from its journal; a verifier's does not) and answers with it."""
        return self.batch_leaves and self.conn.execute("SELECT 1 FROM journal_batches LIMIT 1").fetchone() is not None

    def _subject_leaves(self, subject: str, type_id: int | None, issuer: str | None, at: int | None) -> list[Credential]:
        """The subject's batch certificates this workspace issued (``batch_leaves``), anchored by ``at``."""
        where, params = ["l.subject = ?", "b.block_number <= ?"], [subject, _upto(at)]
        if type_id is not None:
            where.append("b.type_id = ?")
            params.append(type_id)
        if issuer is not None:
            where.append("b.issuer = ?")
            params.append(address_text(issuer))
        rows = self.conn.execute(
            "SELECT l.credential_hash AS hash, l.root AS root, b.issuer AS issuer, b.type_id AS type_id, "
            "b.block_number AS block_number, b.tx_hash AS tx_hash, l.subject AS subject FROM batch_leaves l "
            f"JOIN batches b ON b.root = l.root WHERE {' AND '.join(where)} ORDER BY b.block_number, l.leaf",
            params,
        ).fetchall()
        return [self._leaf(r, at) for r in rows]

    def _leaf(self, r: sqlite3.Row, at: int | None) -> Credential:
        history = self.status_history(r["root"], r["hash"], at)
        last = history[-1] if history else None
        return Credential(
            hash=r["hash"],
            root=r["root"],
            issuer=r["issuer"],
            type_id=r["type_id"],
            block_number=r["block_number"],
            tx_hash=r["tx_hash"],
            subject=r["subject"],
            status=last.status if last else "None",
            status_reason=last.reason if last else None,
            status_block=last.block_number if last else None,
            history=history,
        )

    def _leaves(self, type_id: int | None, issuer: str | None, at: int | None) -> list[Credential]:
        rows = self.conn.execute(
            "SELECT DISTINCT s.credential_hash AS hash, s.root AS root, b.issuer AS issuer, b.type_id AS type_id, "
            f"b.block_number AS block_number, b.tx_hash AS tx_hash, {'l.subject' if self.batch_leaves else 'NULL'} "
            "AS subject FROM credential_status s "
            "JOIN batches b ON b.root = s.root LEFT JOIN batch_leaves l ON l.root = s.root "
            "AND l.credential_hash = s.credential_hash WHERE s.block_number <= ? "
            "ORDER BY b.block_number, s.credential_hash",
            (_upto(at),),
        ).fetchall()
        out = []
        for r in rows:
            if type_id is not None and r["type_id"] != type_id:
                continue
            if issuer is not None and r["issuer"] != address_text(issuer):
                continue
            history = self.status_history(r["root"], r["hash"], at)
            last = history[-1]
            out.append(
                Credential(
                    hash=r["hash"],
                    root=r["root"],
                    issuer=r["issuer"],
                    type_id=r["type_id"],
                    block_number=r["block_number"],
                    tx_hash=r["tx_hash"],
                    subject=r["subject"],
                    status=last.status,
                    status_reason=last.reason,
                    status_block=last.block_number,
                    history=history,
                )
            )
        return out

    def cert_type(self, type_id: int, at: int | None = None) -> dict[str, Any] | None:
        r = self.conn.execute(
            "SELECT * FROM cert_types WHERE type_id = ? AND block_number <= ? ORDER BY version DESC LIMIT 1",
            (type_id, _upto(at)),
        ).fetchone()
        if r is None:
            return None
        return {"type_id": r["type_id"], "version": r["version"], "block_number": r["block_number"], **json.loads(r["details"])}

    # -- composite views ---------------------------------------------------------------------------

    def subject(self, subject: str | bytes, at: int | None = None) -> SubjectView:
        sid = bytes32_text(subject, "subject id")
        contributions = self._contributions("subject = ?", (sid,), at)
        by_kind: dict[str, int] = {}
        by_project: dict[str, int] = {}
        cosigners: set[str] = set()
        for c in contributions:
            if c.active:
                by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
                by_project[c.project] = by_project.get(c.project, 0) + 1
            cosigners.update(c.cosigners)
        return SubjectView(
            subject=sid,
            at_block=at,
            contributions=tuple(contributions),
            credentials=tuple(self.credentials(subject=sid, at=at)),
            by_kind=by_kind,
            by_project=by_project,
            cosigners=tuple(sorted(cosigners)),
        )

    def issuer_view(self, who: str, at: int | None = None) -> IssuerView | None:
        it = self.issuer(who, at)
        if it is None:
            return None
        batches = tuple(
            Batch(r["root"], r["issuer"], r["type_id"], r["count"], r["meta_hash"], r["block_number"], r["tx_hash"])
            for r in self.conn.execute(
                "SELECT * FROM batches WHERE issuer = ? AND block_number <= ? ORDER BY block_number, log_index",
                (it.address, _upto(at)),
            )
        )
        recorded = self.conn.execute(
            "SELECT COUNT(*) FROM contributions WHERE recorder = ? AND block_number <= ?", (it.address, _upto(at))
        ).fetchone()[0]
        revocations: list[dict[str, Any]] = [
            {"what": "contribution", "id": r["key"], "reason": r["reason"], "block_number": r["block_number"], "tx_hash": r["tx_hash"]}
            for r in self.conn.execute(
                "SELECT * FROM contribution_revocations WHERE revoked_by = ? AND block_number <= ? ORDER BY block_number",
                (it.address, _upto(at)),
            )
        ]
        revocations += [
            {
                "what": "credential",
                "id": r["credential_hash"],
                "root": r["root"],
                "status": r["status"],
                "reason": r["reason"],
                "block_number": r["block_number"],
                "tx_hash": r["tx_hash"],
            }
            for r in self.conn.execute(
                "SELECT * FROM credential_status WHERE changed_by = ? AND block_number <= ? ORDER BY block_number",
                (it.address, _upto(at)),
            )
        ]
        return IssuerView(
            issuer=it,
            at_block=at,
            batches=batches,
            credentials=tuple(self.credentials(issuer=it.address, at=at)),
            contributions_recorded=int(recorded),
            revocations=tuple(revocations),
        )


    # -- audit reports -----------------------------------------------------------------------------

    def report_anchor(self, report_hash: str | bytes, at: int | None = None) -> ReportAnchor | None:
        """Who anchored an audit report's hash, and where (None if not anchored by block ``at``)."""
        digest = report_hash if isinstance(report_hash, str) else "0x" + bytes(report_hash).hex()
        row = self.conn.execute(
            "SELECT * FROM report_anchors WHERE report_hash = ? AND block_number <= ?", (digest.lower(), _upto(at))
        ).fetchone()
        if row is None:
            return None
        return ReportAnchor(row["report_hash"], row["auditor"], row["target"], row["block_number"], row["tx_hash"])

    def report_anchors(self, target: str | None = None, at: int | None = None) -> list[ReportAnchor]:
        """Anchored audit reports, oldest first, optionally only those of one ``target`` (0x 32-byte hex)."""
        sql = "SELECT * FROM report_anchors WHERE block_number <= ?"
        params: list[Any] = [_upto(at)]
        if target is not None:
            sql += " AND target = ?"
            params.append(target.lower())
        rows = self.conn.execute(sql + " ORDER BY block_number, log_index", params)
        return [ReportAnchor(r["report_hash"], r["auditor"], r["target"], r["block_number"], r["tx_hash"])
                for r in rows]
