"""Status changes at scale: revoke, suspend or reinstate many credentials, chosen many ways, sent together.

A selection names credentials by their files (a file, a directory of them, a batch bundle), by
credential id, by subject, by a list file (one id, hash, subject or path a line, or a CSV with a
``credential_id``, ``hash`` or ``subject`` column, such as a batch's manifest), or a whole batch (its id
or root). Ids, subjects and batches are resolved from this workspace's own knowledge: its journal
(which leaf of its batches is whose, and the Merkle path of each) and its index.

Before anything is sent every credential is checked against the index (synced first): one whose
status is already what is asked is left out and listed (a re-run repeats nothing), one that cannot
take the change (a revoked credential reinstated) or that the signer may not change is refused with
the contract's own error, nothing sent. The rest go as one journaled burst (``ledger.chain.bursts``).

:func:`status_transactions` is the one place that turns the chosen credentials into transactions:
contracts v2's batch revocation (many leaves of a batch in one transaction) and root revocation (a
whole batch) replace its body, and nothing else changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import issuance, types
from ledger.contracts.errors import (
    CredentialIsRevoked,
    CredentialNotFound,
    NotCredentialIssuer,
    NotRootIssuer,
    UnknownRoot,
)
from ledger.contracts.send import raise_for_receipt
from ledger.credentials.bundle import bundle_lines, is_bundle
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parse import parse_credential, read_credential_file
from ledger.credentials.proof import BATCH_PROOF
from ledger.crypto.hashing import hash_function
from ledger.errors import LedgerError, ValidationError
from ledger.files import is_leftover_name
from ledger.identity.vault import parse_subject_id
from ledger.index import Index
from ledger.index.projection import ZERO32
from ledger.operations.governance import _Context

#: Transactions per burst (each one journaled and sent together; progress is told per burst).
BURST = 500
_STATUSES = {"revoked": types.CredentialStatus.REVOKED, "suspended": types.CredentialStatus.SUSPENDED,
             "valid": types.CredentialStatus.VALID}
_IN_FORCE = {"revoked": "Revoked", "suspended": "Suspended", "valid": "Valid"}


@dataclass(frozen=True)
class Selection:
    """Which credentials a status change is for (any mix of the ways to name them)."""

    paths: tuple[Path, ...] = ()  # credential files, directories of them, batch bundles (.jsonl)
    ids: tuple[str, ...] = ()  # credential ids (urn:uuid:... or the bare uuid)
    subjects: tuple[str, ...] = ()  # subject ids: every credential of theirs this issuer gave
    lists: tuple[Path, ...] = ()  # files naming credentials one a line, or a CSV (a manifest)
    batches: tuple[str, ...] = ()  # batch ids (journal names) or batch roots

    def __bool__(self) -> bool:
        return any((self.paths, self.ids, self.subjects, self.lists, self.batches))


@dataclass(frozen=True)
class StatusTarget:
    """One credential whose status is to change: where it is on chain and what proves it there."""

    credential_hash: bytes
    root: bytes | None  # ``None``: a credential issued alone (criteria-checked)
    proof: tuple[bytes, ...] = ()  # the Merkle path of a batch leaf
    leaf: int | None = None  # its index in its batch (what v2's batch revocation names)
    named_by: str = ""  # the file, bundle line, id, subject or batch it was chosen by

    @property
    def key(self) -> tuple[str, str]:
        return ("0x" + (self.root or bytes(32)).hex(), "0x" + self.credential_hash.hex())


def status_transactions(
    contracts: Any, targets: Sequence[StatusTarget], status: types.CredentialStatus, reason: types.RevocationReason
) -> list[Any]:
    """The transactions that change ``targets`` to ``status``: the seam for contracts v2.

    Today's contracts take one transaction per credential: ``setLeafStatus`` (with its Merkle path) for a
    batch leaf, ``setStatus`` for a credential issued alone, sent together as one burst. With v2's batch
    revocation and root revocation this becomes one transaction per batch (the leaves' indices), or one
    per whole batch chosen; ``StatusTarget.leaf`` carries the index for that.
    """
    reg = contracts.credentials
    return [
        reg.build_set_leaf_status(t.root, t.credential_hash, list(t.proof), status, reason) if t.root is not None
        else reg.build_set_status(t.credential_hash, status, reason)
        for t in targets
    ]


@dataclass
class StatusOutcome:
    """What a status change did: each credential changed (with its transaction), and those left out."""

    status: str
    reason: str
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    proposed: list[dict[str, Any]] = field(default_factory=list)
    settled_bursts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "changed": self.changed, "unchanged": self.unchanged,
                "proposed": self.proposed, "settled_bursts": self.settled_bursts}


class RevokingOps(_Context):
    """Revoke, suspend or reinstate credentials in bulk."""

    def change_statuses(
        self,
        selection: Selection,
        status: str,
        reason: str | None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> StatusOutcome:
        """Change the status of every credential ``selection`` names (see the module's notes).

        Raises:
            ValidationError: nothing named, a name that names nothing, an edited credential file.
            ContractError: a credential that cannot take the change, or that the signer may not change
                (the contract's own error class, raised before anything is sent).
        """
        if not selection:
            raise ValidationError("name the credentials: files, a directory, a bundle, --id, --subject, --list "
                                  "or --batch")
        wanted = _STATUSES[status]
        why = types.RevocationReason.NONE
        if wanted != types.CredentialStatus.VALID:
            why = types.RevocationReason[(reason or "other").upper().replace("-", "_")]
        outcome = StatusOutcome(status, why.name.lower())
        outcome.settled_bursts = [s.to_dict() for s in self.settle_bursts()]
        with Index.open(self.settings.index_path) as index:
            self.sync_index(index)
            targets = _Resolver(self, index).resolve(selection)
            todo, proposals = self._screen(index, targets, status, outcome)
        for target in proposals:  # the committee's way: one proposal each
            outcome.proposed.append(self._propose(target, wanted, why))
        for start in range(0, len(todo), BURST):
            chunk = todo[start : start + BURST]
            receipts = self.send_burst(status_transactions(self.contracts, chunk, wanted, why))
            for target, receipt in zip(chunk, receipts):
                raise_for_receipt(receipt)
                outcome.changed.append({
                    "credential_hash": "0x" + target.credential_hash.hex(),
                    "root": None if target.root is None else "0x" + target.root.hex(),
                    "named_by": target.named_by, "status": status, "reason": why.name.lower(),
                    "tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number,
                    "gas_used": receipt.gas_used,
                })
            if progress is not None:
                progress(min(start + BURST, len(todo)), len(todo))
        return outcome

    def _screen(
        self, index: Index, targets: Sequence[StatusTarget], status: str, outcome: StatusOutcome
    ) -> tuple[list[StatusTarget], list[StatusTarget]]:
        """Split ``targets`` into those to send and those to propose; list the ones left out. Raises the
        contract's error for one that cannot be changed by this signer or to this status."""
        reader = index.reader
        me = self.key.address.lower()
        committee: bool | None = None
        todo: list[StatusTarget] = []
        proposals: list[StatusTarget] = []
        for t in targets:
            root, digest = t.key
            if t.root is not None:
                batch = reader.batch(root)
                if batch is None:
                    raise UnknownRoot(t.root)
                issuer = batch.issuer
            else:
                issued = reader.issued(digest)
                if issued is None:
                    raise CredentialNotFound(t.credential_hash)
                issuer = issued.issuer
            entry = reader.credential_status_at(root, digest)
            now = "None" if entry is None else entry.status
            why = ("already so" if now == _IN_FORCE[status] else
                   "not suspended" if status == "valid" and now in ("None", "Valid") else
                   "revoked already, which is final" if status == "suspended" and now == "Revoked" else None)
            if why is not None:
                outcome.unchanged.append({"credential_hash": digest, "root": None if root == ZERO32 else root,
                                          "named_by": t.named_by, "status_now": now.lower().replace("none", "active"),
                                          "why": why})
                continue
            if now == "Revoked":
                raise CredentialIsRevoked(t.credential_hash)  # revocation is final: it cannot be reinstated
            if issuer.lower() != me:
                if committee is None:
                    committee = self.contracts.issuers.is_member(self.key.address)
                if not committee:
                    raise NotRootIssuer(t.root, self.key.address) if t.root is not None else NotCredentialIssuer(
                        t.credential_hash, self.key.address)
                proposals.append(t)
                continue
            todo.append(t)
        return todo, proposals

    def _propose(self, t: StatusTarget, status: types.CredentialStatus, why: types.RevocationReason) -> dict[str, Any]:
        reg = self.contracts.credentials
        if t.root is not None:
            receipt = reg.propose_set_leaf_status(self.key, t.root, t.credential_hash, list(t.proof), status, why)
        else:
            receipt = reg.propose_set_status(self.key, t.credential_hash, status, why)
        return {"credential_hash": "0x" + t.credential_hash.hex(), "named_by": t.named_by,
                "tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number}


class _Resolver:
    """Turns a :class:`Selection` into :class:`StatusTarget`\\ s, each credential once, in the order named."""

    def __init__(self, ops: RevokingOps, index: Index) -> None:
        self.ops = ops
        self.reader = index.reader
        self.found: dict[tuple[str, str], StatusTarget] = {}
        self._trees: dict[str, tuple[list[str], MerkleTree]] = {}

    def resolve(self, selection: Selection) -> list[StatusTarget]:
        for path in selection.paths:
            self._path(path)
        for text in selection.ids:
            self._id(text, f"id {text}")
        for text in selection.subjects:
            self._subject(text)
        for path in selection.lists:
            self._list(path)
        for text in selection.batches:
            self._batch(text)
        if not self.found:
            raise ValidationError("the selection names no credential")
        return list(self.found.values())

    def _add(self, target: StatusTarget) -> None:
        self.found.setdefault(target.key, target)

    # -- files -------------------------------------------------------------------------------------

    def _path(self, path: Path) -> None:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".json", ".jsonl")
                           and not is_leftover_name(p.name) and p.is_file())
            if not files:
                raise ValidationError(f"{path} holds no credential files (*.json, *.jsonl)")
            for f in files:
                self._path(f)
            return
        if is_bundle(path):
            for number, line in bundle_lines(path):
                if isinstance(line, LedgerError):
                    raise ValidationError(f"{path}:{number}: {line}")
                self._document(line, f"{path}:{number}")
            return
        self._document(read_credential_file(path), str(path))

    def _document(self, data: bytes, label: str) -> None:
        credential = parse_credential(data)
        proof = credential.proof
        if proof is None:
            raise ValidationError(f"{label} has no proof: it was never issued on chain")
        if proof.credential_hash is not None and proof.credential_hash != credential.hash:
            # The chain knows the credential by the hash it was issued with: an edited copy names nothing.
            raise ValidationError(
                f"{label} was changed after it was issued: its content hashes to 0x{credential.hash.hex()}, its "
                f"proof names 0x{proof.credential_hash.hex()}",
                hint="give the file as it was issued (`ledger verify` says HASH_MISMATCH for this one)",
            )
        if proof.kind == BATCH_PROOF:
            assert proof.batch_root is not None
            self._add(StatusTarget(credential.hash, proof.batch_root, tuple(proof.merkle_path), proof.leaf_index, label))
        else:
            self._add(StatusTarget(credential.hash, None, named_by=label))

    # -- this workspace's knowledge ----------------------------------------------------------------

    def _leaf_target(self, leaf: Any, label: str) -> StatusTarget:
        _, tree = self._tree(leaf.batch_id)
        return StatusTarget(bytes.fromhex(leaf.credential_hash[2:]), bytes.fromhex(leaf.root[2:]),
                            tree.proof(leaf.leaf), leaf.leaf, label)

    def _tree(self, batch_id: str) -> tuple[list[str], MerkleTree]:
        if batch_id not in self._trees:
            journal = issuance.Journal(self.ops.settings.journal_dir, batch_id)
            hashes = issuance.leaf_hashes(journal)
            algorithm = journal.plan().template.get("hash_algorithm", "keccak256")
            self._trees[batch_id] = (hashes, MerkleTree.build([bytes.fromhex(h[2:]) for h in hashes],
                                                              _hasher(algorithm)))
        return self._trees[batch_id]

    def _id(self, text: str, label: str) -> None:
        uuid = text.strip().lower().removeprefix("urn:uuid:")
        leaves = self.reader.leaves(credential_ids=[f"urn:uuid:{uuid}"])
        if leaves:
            for leaf in leaves:
                self._add(self._leaf_target(leaf, label))
            return
        checked = self.ops.settings.credentials_dir / "checked" / f"{uuid}.json"
        if checked.is_file():
            self._document(read_credential_file(checked), label)
            return
        raise ValidationError(f"credential {text} is not one this workspace issued (not in its batches' journals, "
                              "nor in credentials/checked/)", hint="name it by its file instead")

    def _subject(self, text: str) -> None:
        sid = "0x" + parse_subject_id(text.strip().removeprefix("urn:ledger:subject:")).hex()
        before = len(self.found)
        for leaf in self.reader.leaves(subject=sid):
            self._add(self._leaf_target(leaf, f"subject {sid}"))
        for c in self.reader.credentials(subject=sid, issuer=self.ops.key.address):
            if c.root == ZERO32:
                self._add(StatusTarget(bytes.fromhex(c.hash[2:]), None, named_by=f"subject {sid}"))
        if len(self.found) == before:
            raise ValidationError(f"subject {sid} holds no credential of this workspace's issuers")

    def _batch(self, text: str) -> None:
        value = text.strip()
        leaves = self.reader.leaves(root=value) if value.lower().startswith("0x") else self.reader.leaves(batch_id=value)
        if not leaves:
            raise ValidationError(f"no batch {text} in this workspace's journal (give a batch id or its root)")
        for leaf in leaves:
            self._add(self._leaf_target(leaf, f"batch {leaf.batch_id}"))

    def _hash(self, text: str, label: str) -> bool:
        """A credential named by its hash: a leaf of this workspace's batches, or one issued alone."""
        leaves = self.reader.leaves(hashes=[text])
        for leaf in leaves:
            self._add(self._leaf_target(leaf, label))
        if leaves:
            return True
        if self.reader.issued(text) is not None:
            self._add(StatusTarget(bytes.fromhex(text[2:]), None, named_by=label))
            return True
        return False

    def _list(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot read the list {path}: {exc}") from exc
        rows = list(csv.reader(io.StringIO(text)))
        header = [c.strip().lower() for c in rows[0]] if rows else []
        column = next((header.index(n) for n in ("credential_id", "hash", "credential_hash", "subject") if n in header),
                      None)
        body = rows[1:] if column is not None else rows
        for number, row in enumerate(body, start=2 if column is not None else 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            value = (row[column] if column is not None and column < len(row) else row[0]).strip()
            self._named(value, f"{path}:{number}")

    def _named(self, value: str, label: str) -> None:
        lowered = value.lower()
        if lowered.startswith("urn:uuid:") or _is_uuid(lowered):
            self._id(value, label)
        elif lowered.startswith("urn:ledger:subject:"):
            self._subject(value)
        elif lowered.startswith("0x") and len(lowered) == 66:
            if not self._hash(lowered, label):
                self._subject(lowered)
        elif Path(value).exists():
            self._path(Path(value))
        else:
            raise ValidationError(f"{label}: {value!r} is not a credential id, a hash, a subject id or a file")


def _is_uuid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef-" for c in text)


def _hasher(algorithm: str) -> Callable[[bytes], bytes]:
    return hash_function("sm" if algorithm == "sm3" else "ecdsa")
