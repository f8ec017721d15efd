"""Reading the index: entities, histories, and the state "as of" any block.

Every question takes an optional ``at`` block. Histories follow the contracts' own rules, so the index
and the chain give the same answer for the same block: a change recorded in block N is in force at the
end of N (``IssuerRegistry.statusAt``), and ``isAuthorized`` answers for *any moment* of a block (an
anchor accepted before a suspension in the same block was authorised). An issuer is a *node* that signs
with one key at a time: status and scope belong to the node, a key holds its authority from the block
it was registered to the block it was rotated out, and a key marked compromised since block N wrote
nothing valid from N on (the mark in force is the last one made, as the contract stores it).

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
from ledger.index.authority import AuthorityQueries, _upto
from ledger.index.projection import ZERO32
from ledger.index.records import (
    Batch,
    Contribution,
    Credential,
    IssuerView,
    Leaf,
    NominationEntry,
    Proposal,
    ReportAnchor,
    StatusEntry,
    SubjectView,
    address_text,
    bytes32_text,
    parse_moment,
)
from ledger.index.sync import get_cursor

#: Statuses of a credential or leaf that leave it valid.
VALID_STATUSES = ("None", "Valid")


class IndexReader(AuthorityQueries):
    """Queries over one index connection (issuers, keys and authorisation: :class:`AuthorityQueries`).

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

    # -- contributions -----------------------------------------------------------------------------

    def _contributions(self, where: str, params: Iterable[Any], at: int | None) -> list[Contribution]:
        rows = self.conn.execute(
            f"SELECT * FROM contributions WHERE {where} AND block_number <= ? ORDER BY block_number, log_index",
            (*params, _upto(at)),
        ).fetchall()
        return [self._contribution(r, at) for r in rows]

    def _contribution(self, r: sqlite3.Row, at: int | None) -> Contribution:
        key, recorded = r["key"], r["block_number"]
        release = self.conn.execute(
            "SELECT * FROM contribution_releases WHERE key = ? AND block_number > ? AND block_number <= ? "
            "ORDER BY block_number LIMIT 1", (key, recorded, _upto(at))
        ).fetchone()
        # This record's life: from its recording to its release (a later record of the key is another one).
        end = _upto(at) if release is None else int(release["block_number"])
        cosigners = tuple(
            s[0]
            for s in self.conn.execute(
                "SELECT signer FROM cosigns WHERE key = ? AND block_number >= ? AND block_number <= ? "
                "ORDER BY block_number, log_index",
                (key, recorded, end),
            )
        )
        rev = self.conn.execute(
            "SELECT * FROM contribution_revocations WHERE key = ? AND block_number >= ? AND block_number <= ? "
            "ORDER BY block_number, log_index LIMIT 1",
            (key, recorded, end),
        ).fetchone()
        revoked = (
            None
            if rev is None
            else StatusEntry("Revoked", rev["block_number"], rev["tx_hash"], by=rev["revoked_by"], reason=rev["reason"])
        )
        released = None if release is None else StatusEntry("Released", release["block_number"], release["tx_hash"])
        generation = self.conn.execute(
            "SELECT COUNT(*) FROM contribution_releases WHERE key = ? AND block_number <= ?", (key, recorded)
        ).fetchone()[0]
        since = self.compromised_since(r["recorder"], at)
        return Contribution(
            key=key,
            subject=r["subject"],
            recorder=r["recorder"],
            project=r["project"],
            kind=r["kind"],
            field=r["field"],
            weight=r["weight"],
            occurred_at=r["occurred_at"],
            evidence_hash=r["evidence_hash"],
            block_number=recorded,
            tx_hash=r["tx_hash"],
            cosigners=cosigners,
            revoked=revoked,
            released=released,
            generation=int(generation),
            recorder_compromised=since is not None and recorded >= since,
        )

    def contribution(self, key: str | bytes, at: int | None = None) -> Contribution | None:
        """The latest record of a contribution key by ``at`` (a released one, if nothing replaced it)."""
        found = self._contributions("key = ?", (bytes32_text(key, "contribution key"),), at)
        return found[-1] if found else None

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

    def about_of(self, keys: Sequence[bytes], at: int | None = None) -> dict[bytes, bytes]:
        """What the record of each of ``keys`` in force at ``at`` is about (its ContributionAbout event
        follows its ContributionRecorded one); keys about nothing, or unknown, are absent."""
        found: dict[bytes, bytes | None] = {}
        texts = ["0x" + bytes(k).hex() for k in keys]
        for start in range(0, len(texts), 500):
            chunk = texts[start:start + 500]
            rows = self.conn.execute(
                "SELECT c.key, a.about FROM contributions c LEFT JOIN contribution_about a ON a.key = c.key "
                "AND a.block_number = c.block_number AND a.log_index = c.log_index + 1 "
                f"WHERE c.key IN ({','.join('?' * len(chunk))}) AND c.block_number <= ? "
                "ORDER BY c.block_number, c.log_index", (*chunk, _upto(at)))
            for key, about in rows:  # the last record of a key (a released key may be recorded again) wins
                found[bytes.fromhex(key[2:])] = None if about is None else bytes.fromhex(about[2:])
        return {k: v for k, v in found.items() if v is not None}

    def nominations(self, type_id: int | None = None, *, subject: str | None = None, version: int | None = None,
                    at: int | None = None) -> list[NominationEntry]:
        """The live nominations by ``at`` (of one type, subject, version when given), oldest first: per
        (type, version, subject, organisation), the last event was a nomination."""
        where, params = ["block_number <= ?"], [_upto(at)]
        for column, value in (("type_id", type_id), ("subject", subject), ("version", version)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = self.conn.execute(
            f"SELECT * FROM nominations WHERE {' AND '.join(where)} ORDER BY block_number, log_index", params
        ).fetchall()
        live: dict[tuple[int, int, str, int], sqlite3.Row] = {}
        for r in rows:
            slot = (r["type_id"], r["version"], r["subject"], r["org"])
            if r["action"] == "Nominated":
                live[slot] = r
            else:
                live.pop(slot, None)
        return [NominationEntry(r["type_id"], r["version"], r["subject"], r["org"], r["account"], r["block_number"],
                                r["tx_hash"]) for r in sorted(live.values(), key=lambda r: (r["block_number"],
                                                                                            r["log_index"]))]

    def same_evidence(self, evidence_hash: str) -> list[Contribution]:
        """Every contribution carrying this evidence hash (two subjects claiming one piece of work)."""
        return self._contributions("evidence_hash = ?", (evidence_hash,), None)

    def claims_elsewhere(self, key: str) -> list[tuple[str, str, str, int]]:
        """Other subjects' contributions with the same evidence as contribution ``key``: (their key,
        their subject, the evidence hash, their block). A light query for audits of many credentials."""
        rows = self.conn.execute(
            "SELECT DISTINCT o.key, o.subject, o.evidence_hash, o.block_number FROM contributions c "
            "JOIN contributions o ON o.evidence_hash = c.evidence_hash AND o.subject != c.subject "
            "WHERE c.key = ? AND c.evidence_hash != ? ORDER BY o.block_number, o.log_index",
            (key, ZERO32),
        ).fetchall()
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    # -- credentials -----------------------------------------------------------------------------

    def credential_history(self, issuer: str, digest: str, at: int | None = None) -> tuple[StatusEntry, ...]:
        """Every status change of a credential ``issuer`` issued, void ones included, as of ``at``."""
        return tuple(
            StatusEntry(r["status"], r["block_number"], r["tx_hash"], by=r["changed_by"], reason=r["reason"])
            for r in self.conn.execute(
                "SELECT * FROM credential_status WHERE issuer = ? AND credential_hash = ? AND root = ? AND "
                "block_number <= ? ORDER BY block_number, log_index",
                (issuer, digest, ZERO32, _upto(at)),
            )
        )

    def _effective(self, entries: Iterable[StatusEntry], at: int | None) -> StatusEntry | None:
        """The last change that counts: changes by a key compromised at their block are void (marks as
        made by the end of block ``at``)."""
        last = None
        for e in entries:
            since = None if e.by is None else self.compromised_since(e.by, at)
            if since is not None and e.block_number >= since:
                continue
            last = None if e.status == "None" else e
        return last

    def credential_status_at(self, issuer: str, digest: str | bytes, at: int | None = None) -> StatusEntry | None:
        """The status change in force of a credential ``issuer`` issued at ``at`` (None: never changed)."""
        history = self.credential_history(address_text(issuer), bytes32_text(digest, "credential hash"), at)
        return self._effective(history, at)

    def leaf_history(self, issuer: str, root: str, index: int, at: int | None = None) -> tuple[StatusEntry, ...]:
        """Every status change of leaf ``index`` of the batch (``issuer``, ``root``), as of ``at``."""
        return tuple(
            StatusEntry(r["status"], r["block_number"], r["tx_hash"], by=r["changed_by"],
                        reason=None if r["reason"] == "None" else r["reason"])
            for r in self.conn.execute(
                "SELECT * FROM leaf_status WHERE issuer = ? AND root = ? AND leaf_index = ? AND block_number <= ? "
                "ORDER BY block_number, log_index",
                (issuer, root, index, _upto(at)),
            )
        )

    def leaf_status_at(self, issuer: str, root: str | bytes, index: int, at: int | None = None) -> StatusEntry | None:
        """The status in force of a batch leaf at ``at`` (changes by compromised keys skipped)."""
        history = self.leaf_history(address_text(issuer), bytes32_text(root, "root"), index, at)
        return self._effective(history, at)

    def batch(self, issuer: str, root: str | bytes, at: int | None = None) -> Batch | None:
        """The batch ``issuer`` anchored with ``root`` (None if not by ``at``)."""
        root_text = bytes32_text(root, "root")
        r = self.conn.execute(
            "SELECT * FROM batches WHERE issuer = ? AND root = ? AND block_number <= ?",
            (address_text(issuer), root_text, _upto(at)),
        ).fetchone()
        return None if r is None else self._batch(r, at)

    def _batch(self, r: sqlite3.Row, at: int | None) -> Batch:
        rev = self.conn.execute(
            "SELECT * FROM batch_revocations WHERE issuer = ? AND root = ? AND block_number <= ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1", (r["issuer"], r["root"], _upto(at))
        ).fetchone()
        revoked = None if rev is None else StatusEntry("Revoked", rev["block_number"], rev["tx_hash"],
                                                       by=rev["revoked_by"], reason=rev["reason"])
        return Batch(r["root"], r["issuer"], r["type_id"], r["count"], r["meta_hash"], r["block_number"], r["tx_hash"],
                     revoked)

    def batches_of_root(self, root: str | bytes, at: int | None = None) -> list[Batch]:
        """Every batch anchored with ``root``, by any issuer (a copy under another key is another batch)."""
        rows = self.conn.execute("SELECT * FROM batches WHERE root = ? AND block_number <= ? ORDER BY block_number",
                                 (bytes32_text(root, "root"), _upto(at))).fetchall()
        return [self._batch(r, at) for r in rows]

    def _credential(self, r: sqlite3.Row, at: int | None) -> Credential:
        digest, issuer = r["hash"], r["issuer"]
        evidence = tuple(
            e[0] for e in self.conn.execute(
                "SELECT contribution_key FROM credential_evidence WHERE issuer = ? AND credential_hash = ? "
                "ORDER BY position", (issuer, digest))
        )
        prereq = self.conn.execute(
            "SELECT prerequisite_issuer, prerequisite_hash FROM credential_prerequisites WHERE issuer = ? AND "
            "credential_hash = ? ORDER BY position", (issuer, digest)).fetchall()
        history = self.credential_history(issuer, digest, at)
        last = self._effective(history, at)
        return Credential(
            hash=digest,
            root=ZERO32,
            issuer=issuer,
            type_id=r["type_id"],
            block_number=r["block_number"],
            tx_hash=r["tx_hash"],
            subject=r["subject"],
            type_version=r["type_version"],
            evidence=evidence,
            prerequisites=tuple(p[1] for p in prereq),
            status=last.status if last else "None",
            status_reason=last.reason if last else None,
            status_block=last.block_number if last else None,
            history=history,
            prerequisite_issuers=tuple(p[0] for p in prereq),
        )

    def issued(self, digest: str | bytes, at: int | None = None, *, issuer: str | None = None) -> Credential | None:
        """A credential issued by ``issue`` (criteria-checked), as of ``at``: by ``issuer`` when given,
        else the first issuer's record of that hash."""
        params: list[Any] = [bytes32_text(digest, "credential hash"), _upto(at)]
        where = "hash = ? AND block_number <= ?"
        if issuer is not None:
            where += " AND issuer = ?"
            params.append(address_text(issuer))
        r = self.conn.execute(f"SELECT * FROM credentials WHERE {where} ORDER BY block_number LIMIT 1",
                              params).fetchone()
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
        in_force = "COALESCE(({}), 'None') IN ('None', 'Valid')"
        leaf_last = ("SELECT s.status FROM leaf_status s WHERE s.issuer = l.issuer AND s.root = l.root AND "
                     "s.leaf_index = l.leaf ORDER BY s.block_number DESC, s.log_index DESC LIMIT 1")
        checked_last = ("SELECT s.status FROM credential_status s WHERE s.issuer = c.issuer AND s.credential_hash = "
                        "c.hash AND s.root = ? ORDER BY s.block_number DESC, s.log_index DESC LIMIT 1")
        who = address_text(issuer)
        out: dict[str, str] = {}
        for subject, digest in self.conn.execute(
            "SELECT l.subject, l.credential_hash FROM batch_leaves l JOIN batches b ON b.root = l.root AND "
            "b.issuer = l.issuer WHERE b.type_id = ? AND b.issuer = ? AND NOT EXISTS (SELECT 1 FROM batch_revocations "
            "r WHERE r.issuer = b.issuer AND r.root = b.root) AND " + in_force.format(leaf_last)
            + " ORDER BY b.block_number", (type_id, who),
        ) if self.batch_leaves else ():
            out.setdefault(subject, digest)
        for subject, digest in self.conn.execute(
            "SELECT c.subject, c.hash FROM credentials c WHERE c.type_id = ? AND c.issuer = ? AND "
            + in_force.format(checked_last) + " ORDER BY c.block_number", (type_id, who, ZERO32),
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
        return [Leaf(r["root"], r["leaf"], r["credential_hash"], r["subject"], r["credential_id"], r["batch_id"],
                     r["issuer"] or "") for r in rows]

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
            "SELECT l.credential_hash AS hash, l.root AS root, l.leaf AS leaf_index, b.issuer AS issuer, "
            "b.type_id AS type_id, b.block_number AS block_number, b.tx_hash AS tx_hash, l.subject AS subject "
            "FROM batch_leaves l JOIN batches b ON b.root = l.root AND b.issuer = l.issuer "
            f"WHERE {' AND '.join(where)} ORDER BY b.block_number, l.leaf",
            params,
        ).fetchall()
        return [self._leaf(r, at) for r in rows]

    def leaf_state_at(self, issuer: str, root: str | bytes, index: int, at: int | None = None) -> StatusEntry | None:
        """The status in force of a batch leaf at ``at``, its batch's revocation included (a revoked batch
        revokes every leaf; a revocation by a key compromised at its block is void)."""
        return self._batch_revocation(issuer, root, at) or self.leaf_status_at(issuer, root, index, at)

    def _batch_revocation(self, issuer: str, root: str | bytes, at: int | None) -> StatusEntry | None:
        """The revocation of the whole batch in force at ``at`` (none if made by a key compromised then)."""
        batch = self.batch(issuer, root, at)
        revoked = None if batch is None else batch.revoked
        if revoked is not None and revoked.by is not None:
            since = self.compromised_since(revoked.by, at)
            if since is not None and revoked.block_number >= since:
                revoked = None
        return revoked

    def _leaf(self, r: sqlite3.Row, at: int | None) -> Credential:
        history = self.leaf_history(r["issuer"], r["root"], r["leaf_index"], at)
        return _leaf_credential(r, r["hash"], history, self.leaf_state_at(r["issuer"], r["root"], r["leaf_index"], at))

    def _leaves(self, type_id: int | None, issuer: str | None, at: int | None) -> list[Credential]:
        """Batch leaves with a status change (a leaf's hash is not on chain: root and index name it)."""
        rows = self.conn.execute(
            "SELECT DISTINCT s.issuer AS issuer, s.root AS root, s.leaf_index AS leaf_index, b.type_id AS type_id, "
            f"b.block_number AS block_number, b.tx_hash AS tx_hash, {'l.subject' if self.batch_leaves else 'NULL'} "
            f"AS subject, {'l.credential_hash' if self.batch_leaves else 'NULL'} AS hash FROM leaf_status s "
            "JOIN batches b ON b.root = s.root AND b.issuer = s.issuer LEFT JOIN batch_leaves l ON l.root = s.root "
            "AND l.leaf = s.leaf_index AND l.issuer = s.issuer WHERE s.block_number <= ? "
            "ORDER BY b.block_number, s.root, s.leaf_index",
            (_upto(at),),
        ).fetchall()
        out = []
        batch_revocations: dict[tuple[str, str], StatusEntry | None] = {}
        for r in rows:
            if type_id is not None and r["type_id"] != type_id:
                continue
            if issuer is not None and r["issuer"] != address_text(issuer):
                continue
            batch = (r["issuer"], r["root"])
            if batch not in batch_revocations:
                batch_revocations[batch] = self._batch_revocation(*batch, at)
            history = self.leaf_history(r["issuer"], r["root"], r["leaf_index"], at)
            last = batch_revocations[batch] or self._effective(history, at)  # as leaf_state_at says
            out.append(_leaf_credential(r, r["hash"] or "", history, last))
        return out

    def cert_type(self, type_id: int, at: int | None = None) -> dict[str, Any] | None:
        r = self.conn.execute(
            "SELECT * FROM cert_types WHERE type_id = ? AND block_number <= ? ORDER BY version DESC LIMIT 1",
            (type_id, _upto(at)),
        ).fetchone()
        if r is None:
            return None
        return {"type_id": r["type_id"], "version": r["version"], "block_number": r["block_number"], **json.loads(r["details"])}

    # -- the committee -----------------------------------------------------------------------------

    def proposals(self, *, concerning: str | None = None, at: int | None = None) -> list[Proposal]:
        """Committee proposals made by ``at``, with their state then; ``concerning``: only those whose call
        names this address (an issuer the committee acted on, say)."""
        head = _upto(at) if at is not None else (self.cursor() or 0)
        params: list[Any] = [_upto(at)]
        where = "action = 'ProposalCreated' AND block_number <= ?"
        if concerning is not None:
            where += " AND lower(data) LIKE ?"
            params.append("%" + address_text(concerning)[2:].lower() + "%")
        out = []
        for r in self.conn.execute(f"SELECT * FROM committee_actions WHERE {where} ORDER BY proposal_id", params):
            pid = int(r["proposal_id"])
            closing = self.conn.execute(
                "SELECT * FROM committee_actions WHERE proposal_id = ? AND action IN ('ProposalExecuted', "
                "'ProposalCancelled') AND block_number <= ? ORDER BY block_number LIMIT 1", (pid, _upto(at))
            ).fetchone()
            approvals = tuple(a[0] for a in self.conn.execute(
                "SELECT member FROM committee_actions WHERE proposal_id = ? AND action = 'ProposalApproved' AND "
                "block_number <= ? ORDER BY block_number, log_index", (pid, _upto(at))))
            expires = r["expires_at"]
            if closing is not None:
                state = "Executed" if closing["action"] == "ProposalExecuted" else "Cancelled"
            else:
                state = "Expired" if expires is not None and head > int(expires) else "Pending"
            out.append(Proposal(pid, r["member"], r["target"], r["data"], r["block_number"], expires, state,
                                None if closing is None else closing["block_number"],
                                None if closing is None else closing["member"], approvals))
        return out

    def superseded_at(self, at: int | None = None) -> int | None:
        """The block in which the indexed deployment named its successor (None: it did not, by ``at``)."""
        row = self.conn.execute(
            "SELECT block_number FROM committee_actions WHERE action = 'SuccessorNamed' AND block_number <= ? "
            "ORDER BY block_number LIMIT 1", (_upto(at),)).fetchone()
        return None if row is None else int(row[0])

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
        keys = [k.address for k in it.keys] or [it.address]
        marks = ",".join("?" * len(keys))
        batches = tuple(
            self._batch(r, at)
            for r in self.conn.execute(
                f"SELECT * FROM batches WHERE issuer IN ({marks}) AND block_number <= ? ORDER BY block_number, log_index",
                (*keys, _upto(at)),
            )
        )
        recorded = self.conn.execute(
            f"SELECT COUNT(*) FROM contributions WHERE recorder IN ({marks}) AND block_number <= ?", (*keys, _upto(at))
        ).fetchone()[0]
        revocations: list[dict[str, Any]] = [
            {"what": "contribution", "id": r["key"], "reason": r["reason"], "block_number": r["block_number"],
             "tx_hash": r["tx_hash"], "by": r["revoked_by"]}
            for r in self.conn.execute(
                f"SELECT * FROM contribution_revocations WHERE revoked_by IN ({marks}) AND block_number <= ? "
                "ORDER BY block_number", (*keys, _upto(at)),
            )
        ]
        revocations += [
            {"what": "credential", "id": r["credential_hash"], "issuer": r["issuer"], "status": r["status"],
             "reason": r["reason"], "block_number": r["block_number"], "tx_hash": r["tx_hash"], "by": r["changed_by"]}
            for r in self.conn.execute(
                f"SELECT * FROM credential_status WHERE changed_by IN ({marks}) AND block_number <= ? "
                "ORDER BY block_number", (*keys, _upto(at)),
            )
        ]
        revocations += [
            {"what": "leaf", "id": f"{r['root']}#{r['leaf_index']}", "issuer": r["issuer"], "root": r["root"],
             "index": r["leaf_index"], "status": r["status"], "reason": r["reason"], "block_number": r["block_number"],
             "tx_hash": r["tx_hash"], "by": r["changed_by"]}
            for r in self.conn.execute(
                f"SELECT * FROM leaf_status WHERE changed_by IN ({marks}) AND block_number <= ? "
                "ORDER BY block_number, leaf_index", (*keys, _upto(at)),
            )
        ]
        revocations += [
            {"what": "batch", "id": r["root"], "issuer": r["issuer"], "root": r["root"], "reason": r["reason"],
             "block_number": r["block_number"], "tx_hash": r["tx_hash"], "by": r["revoked_by"]}
            for r in self.conn.execute(
                f"SELECT * FROM batch_revocations WHERE (revoked_by IN ({marks}) OR issuer IN ({marks})) AND "
                "block_number <= ? ORDER BY block_number", (*keys, *keys, _upto(at)),
            )
        ]
        proposals = {p.id: p for k in keys for p in self.proposals(concerning=k, at=at)}
        return IssuerView(
            issuer=it,
            at_block=at,
            batches=batches,
            credentials=tuple(c for k in keys for c in self.credentials(issuer=k, at=at)),
            contributions_recorded=int(recorded),
            revocations=tuple(revocations),
            proposals=tuple(proposals[i] for i in sorted(proposals)),
        )

    # -- audit reports -----------------------------------------------------------------------------

    def report_anchor(self, report_hash: str | bytes, at: int | None = None, *,
                      auditor: str | None = None) -> ReportAnchor | None:
        """Who anchored an audit report's hash (``auditor``'s anchor, or the first), and where (None if not
        anchored by block ``at``)."""
        digest = report_hash if isinstance(report_hash, str) else "0x" + bytes(report_hash).hex()
        params: list[Any] = [digest.lower(), _upto(at)]
        where = "report_hash = ? AND block_number <= ?"
        if auditor is not None:
            where += " AND auditor = ?"
            params.append(address_text(auditor))
        row = self.conn.execute(f"SELECT * FROM report_anchors WHERE {where} ORDER BY block_number, log_index LIMIT 1",
                                params).fetchone()
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


def _leaf_credential(r: sqlite3.Row, credential_hash: str, history: tuple[StatusEntry, ...],
                     last: StatusEntry | None) -> Credential:
    """A batch leaf's row (issuer, root, leaf_index, type, anchoring, subject) as a :class:`Credential`
    whose status is ``last``, the change in force."""
    return Credential(
        hash=credential_hash,
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
        index=r["leaf_index"],
    )
