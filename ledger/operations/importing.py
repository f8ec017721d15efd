"""Importing contributions from where they happen: plan (a dry run), then apply in batches.

:meth:`ImportingOps.plan_import` runs an importer (:mod:`ledger.contributions.gitlog`,
:mod:`~ledger.contributions.github`, :mod:`~ledger.contributions.gitee`), maps each activity's actor to
a subject (a linked handle first, :mod:`ledger.contributions.handles`; then the author map), builds
the contributions (every check of ``contrib add`` included: personal data, dates, ranges) and asks
the chain which keys it holds already. The :class:`ImportPlan` says what would be recorded, what is on
chain already, which authors are not linked (they are listed, never guessed) and what was skipped and
why. Nothing is written.

:meth:`ImportingOps.apply_import` records the plan's new contributions in batches: each batch is one
``send_many`` of ``record`` transactions of :data:`RECORD_CHUNK` items (one block on the embedded
chain, pipelined on a node), with a progress callback after each. Before the first batch the import
record (``imports/<run>.json``: importer, version, rules and their digest, inputs, the keys) and the
evidence documents (``imports/<run>.evidence.jsonl``) are written durably; after the last, the record
gets the transactions and blocks. Interrupted, the next run of the same import records the rest:
keys already on chain are left out by the plan. A batch refused because another recorder took a key
meanwhile is planned again once without the keys now on chain.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ledger import types
from ledger.canonical import canonicalize
from ledger.contracts.errors import ContributionExists
from ledger.contracts.send import raise_for_receipt
from ledger.contributions.activity import Activity, ImportResult, Skip
from ledger.contributions.authors import AuthorMap
from ledger.contributions.handles import LinkStore
from ledger.contributions.model import KINDS, Contribution, about_phases, build
from ledger.contributions.rules import SKIP_REASONS, ImportRules
from ledger.contributions.sources import contribution_key
from ledger.errors import LedgerError, ValidationError
from ledger.files import write_private_file
from ledger.index import Index
from ledger.operations.governance import _Context

__all__ = ["ImportPlan", "ImportingOps", "PlannedContribution", "UnlinkedAuthor", "read_import_records"]

#: Items per ``record`` transaction (as ``contrib add`` sends them).
RECORD_CHUNK = 100
#: Items per batch: one ``send_many`` (one block on the embedded chain), then a progress update.
BATCH = 1_000
#: Keys per ``contributions(keys)`` call when asking the chain which exist.
LOOKUP_CHUNK = 1_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PlannedContribution:
    """A contribution the import would record, with the activity it comes from."""

    contribution: Contribution
    activity: Activity


@dataclass(frozen=True)
class UnlinkedAuthor:
    """An author no link and no author-map entry names: listed so the user can link or map them.

    ``label`` is how the source names them (a handle, or a git name and e-mail address): local output,
    never sent anywhere.
    """

    label: str
    handle: str | None
    activities: int
    example: str


@dataclass
class ImportPlan:
    """What an import would do (the dry run), and after :meth:`ImportingOps.apply_import`, what it did."""

    importer: str
    version: str
    inputs: list[str]
    rules: ImportRules
    new: list[PlannedContribution] = field(default_factory=list)
    on_chain: list[PlannedContribution] = field(default_factory=list)
    claimed_by_other: list[str] = field(default_factory=list)  # keys on chain for another subject
    unlinked: list[UnlinkedAuthor] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (source, why)
    block: int = 0  # the chain's block the on-chain check was made at
    about_known: int = 0  # contributions recorded about the work they name (a review about its pull request)
    about_unknown: int = 0  # contributions naming work that is neither on chain nor in this import

    def summary(self) -> dict[str, Any]:
        """Counts and lists for the dry run (JSON-ready)."""
        by_kind: dict[str, int] = {}
        for planned in self.new:
            name = KINDS[planned.contribution.kind]
            by_kind[name] = by_kind.get(name, 0) + 1
        reasons: dict[str, int] = {}
        for skip in self.skipped:
            reasons[skip.reason] = reasons.get(skip.reason, 0) + 1
        return {
            "importer": f"{self.importer}/{self.version}",
            "inputs": list(self.inputs),
            "rules_digest": self.rules.digest(),
            "checked_at_block": self.block,
            "to_record": len(self.new),
            "to_record_by_kind": dict(sorted(by_kind.items())),
            "already_on_chain": len(self.on_chain),
            "claimed_by_another_subject": len(self.claimed_by_other),
            "unlinked_authors": [
                {"author": u.label, "handle": u.handle, "activities": u.activities, "example": u.example}
                for u in self.unlinked
            ],
            "unlinked_activities": sum(u.activities for u in self.unlinked),
            "skipped": {r: {"count": n, "why": SKIP_REASONS.get(r, r)} for r, n in sorted(reasons.items())},
            "invalid": [{"source": s, "why": w} for s, w in self.invalid],
            "about": {"known": self.about_known, "unknown": self.about_unknown},
        }

    def rows(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The contributions to record, one row each (key, source, kind, subject, date, role)."""
        out = []
        for planned in self.new[:limit]:
            c, a = planned.contribution, planned.activity
            out.append({"key": "0x" + c.key.hex(), "source": c.source, "project": c.project_name,
                        "kind": KINDS[c.kind], "subject": "0x" + c.subject.hex(), "role": a.role,
                        "occurred_at": c.occurred_at})
        return out


class ImportingOps(_Context):
    """Plan and apply imports of contributions (git history, GitHub and Gitee exports)."""

    def links(self) -> LinkStore:
        """The workspace's verified handle links."""
        return LinkStore(self.settings.links_path)

    def plan_import(self, result: ImportResult, rules: ImportRules, *, authors: AuthorMap | None = None,
                    field_name: str | int | None = None) -> ImportPlan:
        """The dry run of an import: map actors to subjects, build and check every contribution, and
        ask the chain which keys it holds already. Nothing is written.

        Raises:
            ValidationError: no activity at all could be read (an empty export, a wrong file).
        """
        plan = ImportPlan(result.importer, result.version, list(result.inputs), rules,
                          skipped=list(result.skipped))
        links = self.links()
        authors = authors or AuthorMap()
        names = self.vault.known_names()
        field_value = rules.field if field_name is None else field_name
        unlinked: dict[str, list[Any]] = {}
        built: list[PlannedContribution] = []
        for activity in result.activities:
            actor = activity.actor
            subject = links.subject_of(actor.handle) or authors.subject_for(actor)
            if subject is None:
                entry = unlinked.setdefault(actor.identity, [actor, 0, activity.source])
                entry[1] += 1
                continue
            try:
                contribution = build(source=activity.source, subject=subject, kind=activity.kind,
                                     field=field_value, weight=rules.weight, occurred_at=activity.occurred_at,
                                     project=activity.project, evidence=activity.evidence, known_names=names)
            except ValidationError as exc:
                plan.invalid.append((activity.source, str(exc)))
                continue
            built.append(PlannedContribution(contribution, activity))
        plan.unlinked = sorted((UnlinkedAuthor(a.label(), a.handle, n, example) for a, n, example in unlinked.values()),
                               key=lambda u: (-u.activities, u.label))
        about = {p.contribution.key: contribution_key(str(p.activity.evidence["about"])) for p in built
                 if isinstance(p.activity.evidence.get("about"), str) and p.activity.evidence["about"]}
        plan.block, held = self._recorded_subjects([p.contribution.key for p in built] + sorted(set(about.values())))
        # On chain, a review (a test, a sign-off, a triage) is about the work it names where that work is
        # known: recorded already, or recorded by this import. Work by an unlinked author is not, so the
        # review goes on chain about nothing (its evidence still names the source).
        known = {p.contribution.key for p in built} | set(held)
        built = [PlannedContribution(replace(p.contribution, about=about[p.contribution.key]), p.activity)
                 if about.get(p.contribution.key) in known and about[p.contribution.key] != p.contribution.key else p
                 for p in built]
        plan.about_known = sum(1 for p in built if p.contribution.about_key is not None)
        plan.about_unknown = len(about) - plan.about_known
        for planned in built:
            subject = held.get(planned.contribution.key)
            if subject is None:
                plan.new.append(planned)
            else:
                plan.on_chain.append(planned)
                if subject != planned.contribution.subject:
                    plan.claimed_by_other.append("0x" + planned.contribution.key.hex())
        if not result.activities and not result.skipped:
            raise ValidationError("nothing to import: the input holds no contributions this importer reads",
                                  hint="check the path or the export files (see `ledger contrib import --help`)")
        return plan

    def _recorded_subjects(self, keys: Sequence[bytes]) -> tuple[int, dict[bytes, bytes]]:
        """(block, the subject of every key of ``keys`` the chain holds at that block).

        Asked of the workspace's index, synced to the chain's head first: the chain's own events, one
        SQL query per 500 keys. Asking the contract (``contributions(keys)``) costs the embedded chain
        about 2 ms of EVM per key, most of a 10,000-contribution import. A key recorded by someone else
        after the sync makes its batch revert with ``ContributionExists``; :meth:`_send_batch` then asks
        the contract itself and sends the rest.
        """
        with Index.open(self.settings.index_path) as index:
            index.sync(self.chain, self.settings.deployment)
            block = index.reader.cursor() or 0
            return block, index.reader.recorded_subjects(keys, block)

    def _held_on_chain(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The subject of every key of ``keys`` the contract holds now (asked of the contract itself)."""
        held: dict[bytes, bytes] = {}
        ledger = self.contracts.contributions
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = list(keys[start:start + LOOKUP_CHUNK])
            for record in ledger.contributions(chunk):
                if record.exists:
                    held[record.key] = record.subject
        return held

    def apply_import(self, plan: ImportPlan, *, progress: Progress | None = None, batch: int = BATCH) -> dict[str, Any]:
        """Record the plan's new contributions in batches (see the module's notes); return what was done.

        Raises:
            ContractError: the contract refused a batch (the batches before it are on chain; running the
                import again records the rest).
        """
        # The work an item is about goes first, in an earlier batch when it is in this import (a backend may
        # run one burst's transactions in any order).
        phases = about_phases([p.contribution for p in plan.new])
        items = [c for phase in phases for c in phase]
        if len(items) <= RECORD_CHUNK:  # one transaction, in that order: nothing to wait for
            phases = [items]
        if not items:  # nothing new: nothing is sent and no import record is written
            return {"recorded": 0, "already_on_chain": len(plan.on_chain), "unlinked_authors": len(plan.unlinked),
                    "transactions": 0, "import_record": None, "blocks": [None, None], "gas_used": 0}
        now = time.time()
        run = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1e6) % 10**6:06d}Z-{plan.importer}"
        record_path = self.settings.imports_dir / f"{run}.json"
        record = self._import_record(plan, run)
        write_private_file(self.settings.imports_dir / f"{run}.evidence.jsonl",
                           (canonicalize(dict(c.evidence)) + b"\n" for c in items))
        write_private_file(record_path, json.dumps(record, indent=1).encode())
        receipts: list[Any] = []
        done = 0
        if progress:
            progress(0, len(items))
        try:
            for phase in phases:
                for start in range(0, len(phase), batch):
                    chunk = phase[start:start + batch]
                    receipts.extend(self._send_batch(chunk))
                    done += len(chunk)
                    if progress:
                        progress(done, len(items))
        except (LedgerError, KeyboardInterrupt) as exc:
            record.update(status="stopped", recorded=done, error=str(exc) or type(exc).__name__)
            self._finish_record(record_path, record, receipts)
            if isinstance(exc, LedgerError) and not exc.hint:
                exc.hint = f"{done} of {len(items)} were recorded; run the same import again to record the rest"
            raise
        record.update(status="done", recorded=done)
        self._finish_record(record_path, record, receipts)
        return {"recorded": done, "already_on_chain": len(plan.on_chain), "unlinked_authors": len(plan.unlinked),
                "transactions": len(receipts), "import_record": str(record_path),
                "blocks": [min((r.block_number for r in receipts), default=None),
                           max((r.block_number for r in receipts), default=None)],
                "gas_used": sum(r.gas_used for r in receipts)}

    def _send_batch(self, items: Sequence[Contribution], *, again: bool = True) -> list[Any]:
        chunks = [items[i:i + RECORD_CHUNK] for i in range(0, len(items), RECORD_CHUNK)]
        txs = [self.contracts.contributions.build_record(
            [types.ContributionItem(c.key, c.subject, c.project, types.ContributionKind(c.kind), c.field, c.weight,
                                    c.occurred_at, c.evidence_hash, c.about) for c in chunk]) for chunk in chunks]
        receipts = self.send_burst(txs)  # journaled: a stop mid-burst loses nothing, a re-run repeats nothing
        landed, refused = [], []
        for chunk, receipt in zip(chunks, receipts):
            try:
                raise_for_receipt(receipt, crypto=self.chain.crypto)
                landed.append(receipt)
            except ContributionExists:
                if not again:
                    raise
                refused.extend(chunk)  # another recorder took a key after the plan: plan those again
        if refused:
            held = self._held_on_chain([c.key for c in refused])
            landed.extend(self._send_batch([c for c in refused if c.key not in held], again=False))
        return landed

    def _import_record(self, plan: ImportPlan, run: str) -> dict[str, Any]:
        projects = sorted({(p.contribution.project.hex(), p.contribution.project_name) for p in plan.new})
        return {
            "type": "ledger:ImportRecord",
            "run": run,
            "importer": plan.importer,
            "importer_version": plan.version,
            "inputs": plan.inputs,
            "rules": plan.rules.as_dict(),
            "rules_digest": plan.rules.digest(),
            "recorder": self.key.address,
            "checked_at_block": plan.block,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "status": "sending",
            "planned": len(plan.new),
            "already_on_chain": len(plan.on_chain),
            "projects": {"0x" + pid: name for pid, name in projects},
            "keys": ["0x" + p.contribution.key.hex() for p in plan.new],
        }

    def _finish_record(self, path: Path, record: dict[str, Any], receipts: Iterable[Any]) -> None:
        receipts = list(receipts)
        record["transactions"] = ["0x" + r.tx_hash.hex() for r in receipts]
        record["blocks"] = sorted({r.block_number for r in receipts})
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        write_private_file(path, json.dumps(record, indent=1).encode())


def read_import_records(directory: Path) -> list[dict[str, Any]]:
    """The import records of a workspace (``imports/*.json``), oldest first; an unreadable one is skipped
    (a report then counts its contributions as of unknown provenance)."""
    records = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("type") == "ledger:ImportRecord":
            records.append(data)
    return records
