"""A batch's journal: the durable copy of a batch from its plan to its last file.

Each batch has a directory ``journal/<batch id>/`` holding ``plan.json`` and ``rows.jsonl`` (fsynced:
they *are* the batch; every byte of every document can be rebuilt from them) and ``state.json``, the
stage reached (:data:`STAGES`), a note replaced atomically but not fsynced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.credentials.document import Credential
from ledger.credentials.merkle import MerkleTree
from ledger.errors import IssuanceError
from ledger.files import make_directory, write_private_file
from ledger.issuance.rows import Row, RowsResult, read_rows  # noqa: F401  (re-exported: the rows of a batch)

STAGES = ("planned", "anchoring", "anchored", "done")


@dataclass(frozen=True)
class BatchPlan:
    """Everything needed to rebuild a batch exactly, stored as ``plan.json``."""

    batch_id: str
    type_id: int
    meta_hash: str
    template: dict[str, Any]
    chain: dict[str, Any]
    contract: str
    output: str
    root: str
    count: int
    created: int
    #: "files": one JSON file per credential in ``output/``; "jsonl": one JSON Lines file ``output.jsonl``
    layout: str = "files"
    #: the input the batch was made from: ``{"file": name, "sha256": hex}`` (``None`` in older journals)
    source: dict[str, Any] | None = None
    #: the document profile (1: a batch planned before issue 20, rebuilt as it was planned; 2: now)
    profile: int = 1
    #: profile 2: the deployment's DID, under which subjects and types are named
    deployment: str | None = None
    #: profile 2: the secret seed (hex) the salts of the disclosable fields derive from
    salt_seed: str | None = None

    @property
    def issuer_account(self) -> str:
        """The account the batch is anchored under (lower-case hex address): the template's
        ``issuer_account`` (profile 2), or its ``issuer_id`` (profile 1: ``did:...:0x...``)."""
        return str(self.template.get("issuer_account") or self.template.get("issuer_id", "")).rsplit(":", 1)[-1].lower()


OUTPUT_LAYOUTS = ("files", "jsonl")


@dataclass(frozen=True)
class JournalRow:
    """One credential of a journaled batch, a line of ``rows.jsonl``: its subject, holder name and id
    (what the document is rebuilt from), and what was learnt when it was built: its hash, the row of
    the input file it came from, and the name its file gets (``None``: named by its id)."""

    subject: str
    holder: str | None
    id: str
    hash: str | None = None
    row: int | None = None
    file: str | None = None

    def line(self, encode: Any) -> str:
        # subjects, ids and hashes are plain hex/uuid text; only the holder name and file need JSON escaping
        extra = (f',"c":"{self.hash}"' if self.hash else "") + (f',"r":{self.row}' if self.row is not None else "") + (
            f',"f":{encode(self.file)}' if self.file is not None else "")
        return f'{{"s":"{self.subject}","h":{"null" if self.holder is None else encode(self.holder)},"id":"{self.id}"{extra}}}\n'


class Journal:
    """One batch's journal directory: plan.json and rows.jsonl (fsynced: they *are* the batch) and
    state.json, a progress note replaced atomically but not fsynced. After a power cut the note may be
    behind the truth, never ahead of it, and that is safe: a resumed batch asks the chain whether its
    root is anchored before sending, and rewriting the files of a finished batch changes nothing."""

    def __init__(self, root: Path, batch_id: str) -> None:
        self.dir = root / batch_id
        self.batch_id = batch_id
        #: the batch as built when it was planned in this process (saves rebuilding it), and its rows
        self.built: tuple[list[Credential], MerkleTree] | None = None
        self.built_rows: list[JournalRow] | None = None

    def exists(self) -> bool:
        return (self.dir / "plan.json").exists()

    def write_plan(self, plan: BatchPlan, rows: Sequence[JournalRow]) -> None:
        make_directory(self.dir)  # durable: a batch whose directory vanished could not be rebuilt
        encode = json.JSONEncoder(ensure_ascii=False).encode
        write_private_file(self.dir / "rows.jsonl", "".join(r.line(encode) for r in rows).encode())
        write_private_file(self.dir / "plan.json", json.dumps(plan.__dict__, indent=1).encode())
        self.set_stage("planned")

    def plan(self) -> BatchPlan:
        try:
            return BatchPlan(**json.loads((self.dir / "plan.json").read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise IssuanceError(f"journal {self.dir} is damaged: {exc}") from exc

    def move_output(self, directory: Path) -> BatchPlan:
        """Write the batch's files under ``directory`` from now on (recorded in ``plan.json``).

        Only where the files go changes: the documents, their hashes and the root stay as planned.
        """
        plan = self.plan()
        name = plan.batch_id + (".jsonl" if plan.layout == "jsonl" else "")
        moved = replace(plan, output=str(directory / name))
        write_private_file(self.dir / "plan.json", json.dumps(moved.__dict__, indent=1).encode())
        self.set_stage(self.state().get("stage", "planned"), moved_from=plan.output)
        return moved

    def rows(self) -> list[JournalRow]:
        out = []
        with open(self.dir / "rows.jsonl", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                out.append(JournalRow(r["s"], r["h"], r["id"], r.get("c"), r.get("r"), r.get("f")))
        return out

    def forget_holder(self, subject: str, hashes: Sequence[str]) -> int:
        """Take the holder's name out of this batch's rows for ``subject`` (an erasure request), keeping
        every leaf's hash (``hashes``, in leaf order: ``ledger.issuance.leaf_hashes``) so that the batch
        can still be revoked and audited. Returns the rows changed. Only for a finished batch: its
        documents are not rebuilt from the journal again."""
        bare = subject.lower().removeprefix("0x")
        rows = self.rows()
        changed = 0
        out = []
        for r, h in zip(rows, hashes):
            if r.subject.lower().removeprefix("0x") == bare and r.holder is not None:
                r = replace(r, holder=None)
                changed += 1
            out.append(replace(r, hash=h))
        encode = json.JSONEncoder(ensure_ascii=False).encode
        write_private_file(self.dir / "rows.jsonl", "".join(r.line(encode) for r in out).encode())
        self.set_stage(self.state().get("stage", "done"), holders_erased=True)
        return changed

    def state(self) -> dict[str, Any]:
        """The progress note, or ``{"stage": "planned"}`` when there is none or it cannot be read: it is
        written without a sync, so after a power cut it may be gone, or be there empty or cut short (its
        rename reached the disk, its bytes did not). Behind the truth is safe: a resumed batch asks the
        chain before it anchors, and rewrites the same files."""
        try:
            state = json.loads((self.dir / "state.json").read_bytes())
        except (OSError, ValueError):
            return {"stage": "planned"}
        return state if isinstance(state, dict) and state.get("stage") in STAGES else {"stage": "planned"}

    def set_stage(self, stage: str, **extra: Any) -> None:
        state = {**self.state(), **extra, "stage": stage, "at": int(time.time())} if self.exists() else {
            "stage": stage, **extra}
        write_private_file(self.dir / "state.json", json.dumps(state).encode(), durable=False)


def batches_from(journal_root: Path, source_sha256: str, type_id: int, issuer_id: str) -> list[tuple[str, str]]:
    """``(batch id, stage)`` of every journaled batch made from an input with this content hash, for this
    type and issuer, oldest first: a second run of the same file is a repeat, not a new batch."""
    if not journal_root.is_dir():
        return []
    found = []
    for d in sorted(journal_root.iterdir()):
        j = Journal(journal_root, d.name)
        if not j.exists():
            continue
        try:
            plan = j.plan()
        except IssuanceError:
            continue  # a damaged journal is reported by --resume
        if ((plan.source or {}).get("sha256") == source_sha256 and plan.type_id == type_id
                and str(plan.template.get("issuer_id", "")).lower() == issuer_id.lower()):
            found.append((d.name, str(j.state().get("stage", "planned"))))
    return found


def unfinished_batches(journal_root: Path) -> list[str]:
    """Ids of journaled batches not yet done, oldest first."""
    if not journal_root.exists():
        return []
    out = []
    for d in sorted(journal_root.iterdir(), key=lambda p: p.stat().st_mtime):
        j = Journal(journal_root, d.name)
        if j.exists() and j.state().get("stage") != "done":
            out.append(d.name)
    return out
