"""Batch issuance: rows in, credential files out, one Merkle root anchored, nothing lost on a crash.

The pipeline, each stage recorded in a journal (``journal/<batch id>/``) before the next starts::

    validate every row ─► plan: every credential written durably to the journal (ids, subjects,
        holder names, template, root; fsynced) ─► "anchoring" (about to send) ─► anchored (tx, block)
        ─► credential files with their proofs, one per credential, synced ─► done

The journal *is* the durable copy of the batch's credentials: it fixes every byte of every document
(credential ids are drawn once and kept), so a resumed batch rebuilds exactly the same documents,
hashes and root, and a test checks that. Writing each credential's own file once, after anchoring and
with its proof, halves the file work of writing it before and again after. A batch interrupted
anywhere is finished by :func:`run` on its journal (``ledger cred issue --resume``): before sending the
anchor again the chain is asked whether the root is anchored already, so the root is anchored once,
whatever happened; files are (re)written from the journal.
"""

from __future__ import annotations

import gc
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ledger.credentials.batch import iter_batch_json
from ledger.credentials.document import Credential, CredentialTemplate, SubjectEntry, build_batch
from ledger.credentials.files import default_filename, write_documents
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parts import Achievement, IssuerProfile
from ledger.credentials.proof import ChainRef
from ledger.errors import ContractError, IssuanceError, LedgerError, RowError, ValidationError
from ledger.files import write_private_file
from ledger.issuance.journal import OUTPUT_LAYOUTS, BatchPlan, Journal, JournalRow
from ledger.issuance.rows import Row, RowsResult, read_rows  # noqa: F401  (re-exported: the rows of a batch)


class Anchorer(Protocol):
    """What issuance needs from the chain (the facade implements it over the contracts)."""

    def signer(self) -> str:
        """Address of the key that signs the anchor (it must be the issuer the batch names)."""

    def anchor_batch(
        self, root: bytes, count: int, type_id: int, meta_hash: bytes, *, dry_run: bool
    ) -> tuple[bytes, int, int]:
        """Send ``anchor`` (run as a call first if ``dry_run``); return (transaction hash, block, gas used)."""

    def find_anchor(self, root: bytes, since_block: int, *, issuer: str | None = None) -> tuple[bytes, int] | None:
        """(transaction hash, block) of the root's anchoring by the signer (or by ``issuer``: anchors are
        keyed by the anchoring key), or None if it is not anchored.

        Raises:
            IssuanceError: the root is anchored by another account.
        """


@dataclass
class BatchResult:
    """Outcome of a batch (new or resumed)."""

    batch_id: str
    root: bytes
    count: int
    output: Path
    tx_hash: bytes
    block: int
    resumed_from: str | None = None
    anchored_now: bool = True
    anchor_gas: int = 0
    skipped: list[RowError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    manifest: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "root": "0x" + self.root.hex(),
            "count": self.count,
            "output": str(self.output),
            "anchor_transaction": "0x" + self.tx_hash.hex(),
            "anchor_block": self.block,
            "resumed_from": self.resumed_from,
            "anchored_now": self.anchored_now,
            "anchor_gas": self.anchor_gas,
            "manifest": str(self.manifest) if self.manifest else None,
            "skipped_rows": [{"row": e.row, "column": e.column, "reason": e.reason} for e in self.skipped],
            "seconds": {k: round(v, 4) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class BatchFailure:
    """A journaled batch that a resume of every batch could not finish."""

    batch_id: str
    error: str
    error_class: str
    hint: str | None = None

    @classmethod
    def of(cls, batch_id: str, exc: LedgerError) -> BatchFailure:
        return cls(batch_id, str(exc), type(exc).__name__, exc.hint)

    def to_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "error": self.error, "error_class": self.error_class, "hint": self.hint}


@dataclass
class ResumeOutcome:
    """What ``resume`` did: the batches it finished and those it could not (each with its error)."""

    finished: list[BatchResult] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)


def check_output_dir(directory: Path) -> None:
    """Refuse, before anything is journaled or sent, a place where credential files cannot be written.

    The directory is created (with any missing parents) and a probe file written and removed in it;
    what the check created is removed again, so a refused or failed batch leaves nothing behind.

    Raises:
        ValidationError: the directory cannot be created or written (the message says why).
    """
    missing: list[Path] = []
    parent = directory
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    probe = directory / f".ledger-probe-{secrets.token_hex(4)}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink(missing_ok=True)  # a sweep of leftovers (ledger.files) may have taken it already
    except OSError as exc:
        raise ValidationError(
            f"cannot write credential files to {directory}: {exc.strerror or exc}",
            hint="give a writable directory with --out",
        ) from exc
    finally:
        for created in missing:  # deepest first
            try:
                created.rmdir()
            except OSError:
                break


StageHook = Callable[[str], None]


Progress = Callable[[str, int, int], None]


def _noop_progress(stage: str, done: int, total: int) -> None:
    return None


@contextmanager
def bulk_objects() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is read, built and written.

    A batch makes a few objects per credential and no reference cycles among them; each is still
    freed by its reference count. Left running, the collector would walk the growing pile of them
    again and again (``python -m benchmarks.issuance``: 100,000 credentials about 40% faster
    without it). Its previous state is restored on leaving.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan_batch(
    journal_root: Path,
    *,
    rows: Sequence[Row],
    type_id: int,
    meta_hash: bytes,
    issuer: IssuerProfile,
    achievement: Achievement,
    valid_from: str,
    valid_until: str | None,
    chain: ChainRef,
    contract: str,
    output: Path,
    hash_algorithm: str = "keccak256",
    layout: str = "files",
    deployment: str,
    source: dict[str, Any] | None = None,
) -> Journal:
    """Draw the credential ids and the salt seed, build the batch, and journal the plan (nothing written
    elsewhere yet). ``deployment`` is the deployment's DID (subjects and types are named under it);
    ``source`` names the input (file name and content hash), so that a second run of it is recognised."""
    if layout not in OUTPUT_LAYOUTS:
        raise ValidationError(f"output layout {layout!r}: choose one of {', '.join(OUTPUT_LAYOUTS)}")
    batch_id = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    template = CredentialTemplate(issuer, achievement, valid_from, valid_until, hash_algorithm=hash_algorithm,
                                  deployment=deployment)
    seed = secrets.token_bytes(32)
    credentials = build_batch(template, [SubjectEntry(r.subject, r.holder_name) for r in rows], salt_seed=seed)
    tree = MerkleTree.build([c.hash for c in credentials], _hasher(hash_algorithm))
    plan = BatchPlan(
        batch_id=batch_id,
        type_id=type_id,
        meta_hash="0x" + meta_hash.hex(),
        template={
            "issuer_id": issuer.id,
            "issuer_name": issuer.name,
            "issuer_account": issuer.account,
            "achievement": achievement.to_dict(),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "hash_algorithm": hash_algorithm,
        },
        chain={"backend": chain.backend, "chain_id": chain.chain_id},
        contract=contract,
        output=str(output / (batch_id + (".jsonl" if layout == "jsonl" else ""))),
        root="0x" + tree.root.hex(),
        count=len(credentials),
        created=int(time.time()),
        layout=layout,
        profile=2,
        deployment=deployment,
        salt_seed=seed.hex(),
        source=source,
    )
    journal = Journal(journal_root, batch_id)
    # A subject id as the journal keeps it (0x + hex) ends the subject's DID URL that build_batch made
    # (<deployment>/subjects/0x...): cut, not parsed back to bytes (about 0.1 s at 100,000).
    journal_rows = [
        JournalRow(c.subject_id.rpartition("/")[2], c.holder_name, c.id, "0x" + c.hash.hex(), r.number, r.file)  # type: ignore[union-attr]
        for c, r in zip(credentials, rows)
    ]
    journal.write_plan(plan, journal_rows)
    journal.built_rows = journal_rows
    journal.built = (credentials, tree)
    return journal


def run(
    journal: Journal,
    anchorer: Anchorer,
    *,
    progress: Progress | None = None,
    on_stage: StageHook | None = None,
    durability: str = "syncfs",
    since_block: int = 0,
    resumed: bool = False,
) -> BatchResult:
    """Carry a journaled batch from whatever stage it reached to done (``resumed``: after a stop)."""
    progress = progress or _noop_progress
    timings: dict[str, float] = {}
    plan = journal.plan()
    state = journal.state()
    start_stage = state.get("stage", "planned")
    if start_stage == "done":
        return _result(journal, plan, state, anchored_now=False, resumed_from="done", timings=timings)

    if start_stage in ("planned", "anchoring"):
        _check_signer(journal, plan, anchorer)  # an anchored batch needs no key: its files are written unsigned
    if start_stage == "planned":
        _hook(on_stage, "planned")
    t0 = time.perf_counter()
    credentials, tree = journal.built or _rebuild(journal, plan, progress)
    timings["build"] = time.perf_counter() - t0
    root = tree.root
    if "0x" + root.hex() != plan.root:
        raise IssuanceError(f"batch {plan.batch_id}: rebuilt root differs from the journal; the journal is damaged")
    out = Path(plan.output)
    chain_ref = ChainRef(plan.chain["backend"], int(plan.chain["chain_id"]))

    anchored_now = False
    state = journal.state()
    if resumed and state["stage"] == "anchored" and not _anchored(anchorer, root, since_block, plan.issuer_account):
        # The journal says anchored, the chain does not have it (a node restarted without its state, a
        # chain that lost its newest blocks): anchor it again rather than write files naming an anchor
        # that is not there.
        journal.set_stage("anchoring", lost_anchor=state.get("tx"))
        state = journal.state()
    if state["stage"] in ("planned", "anchoring"):
        t0 = time.perf_counter()
        progress("anchoring", 0, 1)
        # After a stop the chain is the truth (the progress note may lag behind it): ask it first.
        found = anchorer.find_anchor(root, since_block) if resumed or state["stage"] == "anchoring" else None
        if found is None:
            journal.set_stage("anchoring")
            _hook(on_stage, "anchoring")
            try:
                # A new batch's signer and type were checked just before it was planned; a resumed one's
                # may have changed since, and a dry run finds that without spending a transaction.
                tx_hash, block, gas = anchorer.anchor_batch(
                    root, plan.count, plan.type_id, bytes.fromhex(plan.meta_hash[2:]), dry_run=resumed
                )
            except ContractError as exc:
                # The chain refused it, so the root is not anchored: back to "planned", to be sent again.
                journal.set_stage("planned", refused=str(exc))
                raise _refused(journal, exc) from exc
            anchored_now = True
        else:
            (tx_hash, block), gas = found, 0
        journal.set_stage("anchored", tx="0x" + tx_hash.hex(), block=block, gas=gas)
        progress("anchoring", 1, 1)
        timings["anchor"] = time.perf_counter() - t0
        _hook(on_stage, "anchored")

    state = journal.state()
    tx_hash, block = bytes.fromhex(state["tx"][2:]), int(state["block"])
    t0 = time.perf_counter()
    progress("writing", 0, len(credentials))
    try:
        # Both layouts write the same bytes per credential, rendered without a proof object each.
        documents = _counted(iter_batch_json(
            credentials, chain=chain_ref, contract=plan.contract, tree=tree, anchor_transaction=tx_hash,
            anchor_block=block,
        ), progress, len(credentials))  # fmt: skip
        rows = journal.built_rows or journal.rows()
        if plan.layout == "jsonl":
            write_bundle(out, documents, durable=durability != "none")
        else:
            names = (r.file or default_filename(c, i) for i, (c, r) in enumerate(zip(credentials, rows)))
            write_documents(out, zip(names, documents), durability=durability, overwrite=True)
        write_private_file(manifest_path(plan), _manifest(plan, credentials, rows), durable=durability != "none")
    except OSError as exc:
        raise _unwritten(journal, state, out, exc) from exc
    progress("writing", len(credentials), len(credentials))
    timings["write"] = time.perf_counter() - t0
    journal.set_stage("done")
    _hook(on_stage, "done")
    return _result(
        journal, plan, journal.state(), anchored_now=anchored_now,
        resumed_from=start_stage if resumed else None, timings=timings,
    )


def manifest_path(plan: BatchPlan) -> Path:
    """Where a batch's manifest goes: ``manifest.csv`` in its directory (files layout), or
    ``<batch>.manifest.csv`` beside its bundle (jsonl layout)."""
    out = Path(plan.output)
    return out / "manifest.csv" if plan.layout != "jsonl" else out.with_name(plan.batch_id + ".manifest.csv")


MANIFEST_COLUMNS = ("row", "file", "line", "credential_id", "subject")


def _manifest(plan: BatchPlan, credentials: Sequence[Credential], rows: Sequence[JournalRow]) -> bytes:
    """The batch's manifest (CSV): for each credential, the row of the input file it came from, its
    file (or its line of the bundle), its id and its subject, for handing each holder their file."""
    lines = [",".join(MANIFEST_COLUMNS)]
    bundle = Path(plan.output).name
    for i, (c, r) in enumerate(zip(credentials, rows)):
        file, line = (bundle, str(i + 1)) if plan.layout == "jsonl" else (r.file or default_filename(c, i), "")
        lines.append(",".join(_csv_cell(v) for v in ("" if r.row is None else str(r.row), file, line, c.id,
                                                       c.subject_id.rsplit(":", 1)[1])))
    return ("\n".join(lines) + "\n").encode()


def _csv_cell(value: str) -> str:
    # Four ``in`` tests, not ``any()`` over a generator: ten times faster, and a batch's manifest has five
    # cells per credential.
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _anchored(anchorer: Anchorer, root: bytes, since_block: int, planned: str) -> bool:
    """Whether the chain has ``root`` anchored by the issuer the batch was planned for (which may not be
    the signer, when another key of the workspace finishes the batch)."""
    return anchorer.find_anchor(root, since_block, issuer=planned or None) is not None


def _counted(documents: Iterable[bytes], progress: Progress, total: int, every: int = 1_000) -> Iterator[bytes]:
    """``documents``, reporting ``writing`` progress every ``every`` of them as they are consumed."""
    for done, document in enumerate(documents, 1):
        yield document
        if done % every == 0:
            progress("writing", done, total)


def _check_signer(journal: Journal, plan: BatchPlan, anchorer: Anchorer) -> None:
    """Refuse to go on with a key other than the issuer the batch was planned for.

    The credentials name that issuer; anchored by another account, every one of them would fail
    verification, and the root could never be anchored again by the right issuer.
    """
    planned = str(plan.template.get("issuer_account") or plan.template.get("issuer_id", "")).rsplit(":", 1)[-1].lower()
    signer = anchorer.signer().lower()
    if planned != signer:
        raise IssuanceError(
            f"batch {plan.batch_id} was planned for issuer {planned}, but the signing key is {signer}",
            hint=f"resume it with that issuer's key: ledger cred issue --resume --batch {plan.batch_id} --key NAME "
            f"(`ledger key list` shows which key has address {planned})",
        )


def _refused(journal: Journal, exc: ContractError) -> IssuanceError:
    """The error for an anchor the chain refused; the contract's error (class, fields) is its cause."""
    return IssuanceError(
        f"the chain refused to anchor batch {journal.batch_id}: {exc}" + (f"; {exc.hint}" if exc.hint else ""),
        hint=f"nothing is anchored and the batch is kept: fix the cause, then "
        f"`ledger cred issue --resume --batch {journal.batch_id}`; or drop the batch by deleting {journal.dir}",
    )


def _unwritten(journal: Journal, state: dict[str, Any], out: Path, exc: OSError) -> IssuanceError:
    """The error for an anchored batch whose files could not be written: it says how to finish it."""
    return IssuanceError(
        f"batch {journal.batch_id} is anchored (transaction {state['tx']}, block {state['block']}), but its "
        f"credential files could not be written to {out}: {exc.strerror or exc}",
        hint=f"the batch is kept in the journal; write its files to a writable place with "
        f"`ledger cred issue --resume --batch {journal.batch_id} --out DIR`",
    )


def write_bundle(path: Path, documents: Iterable[bytes], *, durable: bool = True) -> None:
    """A batch's documents in one JSON Lines file (one document per line), mode 0600.

    One file instead of one per credential: for exports to a registrar's system, and several times
    faster to write (creating a file costs far more than writing its bytes). Written as the documents
    come, :data:`BUNDLE_WRITE` lines at a time, so a batch of 100,000 is never in memory twice.
    """
    write_private_file(path, _bundle_pieces(documents), durable=durable)


BUNDLE_WRITE = 1_000  # documents per write of a JSON Lines bundle


def _bundle_pieces(documents: Iterable[bytes]) -> Iterator[bytes]:
    """The bundle's bytes, :data:`BUNDLE_WRITE` lines at a time, each line ending in a newline.

    Each piece is made by one join, the last newline included (an empty last item), rather than
    appended afterwards, which copied each piece of a few MB once more.
    """
    lines: list[bytes] = []
    for document in documents:
        lines.append(document)
        if len(lines) == BUNDLE_WRITE:
            lines.append(b"")
            yield b"\n".join(lines)
            lines = []
    if lines:
        lines.append(b"")
        yield b"\n".join(lines)


def _rebuild(journal: Journal, plan: BatchPlan, progress: Progress) -> tuple[list[Credential], MerkleTree]:
    t = plan.template
    a = t["achievement"]
    achievement = Achievement(
        type_id=a["typeId"], type_version=a["typeVersion"], name=a["name"], description=a["description"],
        criteria=a["criteria"]["narrative"], field_of_study=a["fieldOfStudy"],
        achievement_type=a["achievementType"], id=a["id"],
    )
    template = CredentialTemplate(
        IssuerProfile(t["issuer_id"], t["issuer_name"], t.get("issuer_account", "")), achievement, t["valid_from"],
        t["valid_until"], hash_algorithm=t["hash_algorithm"], deployment=plan.deployment, profile=plan.profile,
    )
    rows = journal.rows()
    progress("hashing", 0, len(rows))
    seed = bytes.fromhex(plan.salt_seed) if plan.salt_seed else None
    credentials = build_batch(template, [SubjectEntry(r.subject, r.holder, (), r.id) for r in rows], salt_seed=seed)
    tree = MerkleTree.build([c.hash for c in credentials], _hasher(t["hash_algorithm"]))
    progress("hashing", len(rows), len(rows))
    return credentials, tree


def leaf_hashes(journal: Journal) -> list[str]:
    """The credential hash of every leaf of a journaled batch, in leaf order (``0x`` hex): from the
    journal, or rebuilt from it for a batch journaled before the hashes were kept there."""
    rows = journal.rows()
    if all(r.hash for r in rows):
        return [str(r.hash) for r in rows]
    credentials, _ = _rebuild(journal, journal.plan(), _noop_progress)
    return ["0x" + c.hash.hex() for c in credentials]


def _hasher(algorithm: str) -> Callable[[bytes], bytes]:
    from ledger.crypto.hashing import hash_function

    return hash_function("sm" if algorithm == "sm3" else "ecdsa")


def _hook(on_stage: StageHook | None, stage: str) -> None:
    if on_stage is not None:
        on_stage(stage)


def _result(
    journal: Journal, plan: BatchPlan, state: dict[str, Any], *, anchored_now: bool,
    resumed_from: str | None, timings: dict[str, float],
) -> BatchResult:
    return BatchResult(
        batch_id=plan.batch_id,
        root=bytes.fromhex(plan.root[2:]),
        count=plan.count,
        output=Path(plan.output),
        tx_hash=bytes.fromhex(state["tx"][2:]),
        block=int(state["block"]),
        resumed_from=resumed_from,
        anchored_now=anchored_now,
        anchor_gas=int(state.get("gas", 0)),
        timings=timings,
        manifest=manifest_path(plan),
    )


def crash_hook(stage_name: str | None) -> StageHook | None:
    """A hook that kills the process (as SIGKILL would) when ``stage_name`` is reached: crash tests."""
    if not stage_name:
        return None

    def hook(stage: str) -> None:
        if stage == stage_name:
            os._exit(137)

    return hook
