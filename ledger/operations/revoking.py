"""Status changes at scale: revoke, suspend or reinstate many credentials, chosen many ways, in as few
transactions as the contracts allow.

A selection names credentials by their files (a file, a directory of them, a batch bundle), by
credential id, by subject, by a list file (one id, hash, subject or path a line, or a CSV with a
``credential_id``, ``hash`` or ``subject`` column, such as a batch's manifest), or a whole batch (its id
or root). Ids, subjects and batches are resolved from this workspace's own knowledge: its journal
(which leaf of its batches is whose) and its index; a batch root the journal does not know is looked up
among the roots anchored on chain (a committee member revoking another issuer's batch).

Before anything is sent every credential is checked: one whose status is already what is asked is left
out and listed (a re-run repeats nothing), one that cannot take the change (a revoked credential
reinstated) or that the signer may not change is refused with the contract's own error, nothing sent.

:func:`status_transactions` turns the chosen credentials into transactions with contracts v2's batch
and root revocation: the leaves of one batch change in one ``setLeavesStatus`` (up to
:data:`LEAVES_PER_TRANSACTION` leaves; a single own leaf revoked by its anchoring key uses the cheaper
``revokeLeaf``), a whole batch chosen by ``--batch`` is revoked by one ``revokeBatch``, and a credential
issued alone takes one ``setStatus``. A signer that manages the issuer (its key, its node's current key,
its parent) writes directly; a committee member who does not proposes the committee's change (one
proposal per transaction). Every transaction is run as a call first, then they go as one journaled
burst (``ledger.chain.bursts``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import types
from ledger.contracts.errors import (
    BatchIsRevoked,
    CredentialIsRevoked,
    CredentialNotFound,
    LeafIsRevoked,
    UnknownBatch,
)
from ledger.contracts.send import preflight, raise_for_receipt
from ledger.credentials.bundle import bundle_lines, is_bundle
from ledger.credentials.parse import parse_credential, read_credential_file
from ledger.credentials.proof import BATCH_PROOF
from ledger.errors import ContractError, LedgerError, ValidationError
from ledger.files import is_leftover_name
from ledger.identity.vault import parse_subject_id
from ledger.index import Index
from ledger.index.projection import ZERO32
from ledger.operations.governance import _Context

if TYPE_CHECKING:
    from ledger.chain.base import Receipt, Transaction

__all__ = ["RevokingOps", "Selection", "StatusOutcome", "StatusTarget", "StatusWrite", "status_transactions"]

#: Transactions per burst (each one journaled and sent together; progress is told per burst).
BURST = 500
#: Leaves per ``setLeavesStatus`` transaction (about 2,800 gas each when spread over storage words).
LEAVES_PER_TRANSACTION = 2_000
_STATUSES = {"revoked": types.CredentialStatus.REVOKED, "suspended": types.CredentialStatus.SUSPENDED,
             "valid": types.CredentialStatus.VALID}
_NAMES = {types.CredentialStatus.NONE: "None", types.CredentialStatus.VALID: "Valid",
          types.CredentialStatus.SUSPENDED: "Suspended", types.CredentialStatus.REVOKED: "Revoked"}
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
    """One credential whose status is to change, where it is on chain: a leaf (issuer key, root, index) or
    a credential issued alone (issuer key, hash). ``whole``: the whole batch was chosen (``--batch``);
    a target of a batch the journal does not know has no leaf and no hash, and stands for the batch."""

    credential_hash: bytes
    root: bytes | None  # ``None``: a credential issued alone (criteria-checked)
    issuer: str
    leaf: int | None = None  # its index in its batch (what batch revocation names)
    named_by: str = ""  # the file, bundle line, id, subject or batch it was chosen by
    whole: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        where = "#batch" if self.leaf is None and self.root is not None else "0x" + self.credential_hash.hex()
        return (self.issuer.lower(), "0x" + (self.root or bytes(32)).hex(), where if self.root is None else
                f"{where}#{self.leaf}")

    @property
    def label(self) -> str:
        if self.root is None:
            return "0x" + self.credential_hash.hex()
        return f"0x{self.root.hex()}" + ("" if self.leaf is None else f"#{self.leaf}")


@dataclass(frozen=True)
class StatusWrite:
    """One transaction of a status change and the credentials it changes."""

    transaction: Transaction
    targets: tuple[StatusTarget, ...]
    function: str  # revokeBatch, revokeLeaf, setLeavesStatus or setStatus (" (proposed)" for the committee's)
    issuer: str
    root: bytes | None = None
    indexes: tuple[int, ...] = ()
    count: int = 1

    @property
    def what(self) -> str:
        return "credential" if self.root is None else "batch" if self.function.startswith("revokeBatch") else "leaves"

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"what": self.what, "function": self.function, "issuer": self.issuer, "count": self.count}
        if self.root is None:
            out["credential_hash"] = "0x" + self.targets[0].credential_hash.hex()
        else:
            out["root"] = "0x" + self.root.hex()
            if self.what == "leaves":
                out["indexes"] = list(self.indexes)
        return out


def status_transactions(
    contracts: Any,
    targets: Sequence[StatusTarget],
    status: types.CredentialStatus,
    reason: types.RevocationReason,
    *,
    signer: str | None = None,
    propose: bool = False,
    batch_counts: dict[tuple[str, bytes], int] | None = None,
) -> list[StatusWrite]:
    """The transactions that change ``targets`` to ``status``, as few as contracts v2 allow.

    Leaves are grouped by batch (issuer, root): a batch any target of which was chosen whole (and the
    change is a revocation) is one ``revokeBatch``; otherwise its leaves go ``LEAVES_PER_TRANSACTION``
    to a ``setLeavesStatus``, except a single leaf revoked by its own anchoring key (``signer``), which
    takes ``revokeLeaf``. A credential issued alone takes one ``setStatus``. ``propose``: each becomes a
    committee proposal of that call. ``batch_counts`` gives a batch's size, for the rows' counts.
    """
    reg, creds = contracts.issuers, contracts.credentials
    groups: dict[tuple[str, bytes], list[StatusTarget]] = {}
    writes: list[StatusWrite] = []

    def wrap(facade: Any, fn: str, tx: Transaction, *args: Any) -> tuple[Transaction, str]:
        if not propose:
            return tx, fn
        gas = 600_000 + 3_000 * max((len(a) for a in args if isinstance(a, list)), default=0)
        return contracts.committee.build_propose(facade.address, facade.encode(fn, *args), gas=gas), f"{fn} (proposed)"

    for t in targets:
        if t.root is None:
            tx, fn = wrap(creds, "setStatus", creds.build_set_status(t.issuer, t.credential_hash, status, reason),
                          t.issuer, t.credential_hash, int(status), int(reason))
            writes.append(StatusWrite(tx, (t,), fn, t.issuer))
        else:
            groups.setdefault((t.issuer.lower(), t.root), []).append(t)
    for (_, root), members in groups.items():
        issuer = members[0].issuer
        if status == types.CredentialStatus.REVOKED and any(t.whole for t in members):
            tx, fn = wrap(reg, "revokeBatch", reg.build_revoke_batch(issuer, root, reason), issuer, root, int(reason))
            count = (batch_counts or {}).get((issuer.lower(), root), len(members))
            writes.append(StatusWrite(tx, tuple(members), fn, issuer, root, count=count))
            continue
        by_index: dict[int, list[StatusTarget]] = {}
        for t in members:
            if t.leaf is not None:
                by_index.setdefault(t.leaf, []).append(t)
        indexes = sorted(by_index)
        own = signer is not None and signer.lower() == issuer.lower()
        for start in range(0, len(indexes), LEAVES_PER_TRANSACTION):
            chunk = indexes[start : start + LEAVES_PER_TRANSACTION]
            chosen = tuple(t for i in chunk for t in by_index[i])
            if len(chunk) == 1 and own and not propose and status == types.CredentialStatus.REVOKED:
                tx, fn = reg.build_revoke_leaf(root, chunk[0], reason), "revokeLeaf"  # no list, no author field
            else:
                tx, fn = wrap(reg, "setLeavesStatus", reg.build_set_leaves_status(issuer, root, chunk, status, reason),
                              issuer, root, chunk, int(status), int(reason))
            writes.append(StatusWrite(tx, chosen, fn, issuer, root, tuple(chunk), count=len(chunk)))
    return writes


@dataclass
class StatusOutcome:
    """What a status change did: each credential changed (with its transaction), those left out, those
    proposed to the committee, and each transaction sent (what it was, its block and gas)."""

    status: str
    reason: str
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    proposed: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    settled_bursts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "changed": self.changed, "unchanged": self.unchanged,
                "proposed": self.proposed, "transactions": self.transactions, "settled_bursts": self.settled_bursts}


class RevokingOps(_Context):
    """Revoke, suspend or reinstate credentials in bulk."""

    def set_credential_status(self, path: Path, status: str, reason: str | None) -> dict[str, Any]:
        """Revoke, suspend or reinstate one credential named by its file (one transaction).

        Raises:
            ValidationError: the file is not an issued credential, or it is in that status already.
            ContractError: the signer may not change it, or it cannot take the change.
        """
        outcome = self.change_statuses(Selection(paths=(path,)), status, reason)
        if not outcome.transactions:
            why = outcome.unchanged[0]["why"] if outcome.unchanged else "nothing to change"
            raise ValidationError(f"{path}: not changed ({why})")
        row = outcome.transactions[0]
        return {"file": str(path), "credential_hash": (outcome.changed or outcome.proposed)[0]["credential_hash"],
                "status": status, "reason": outcome.reason, "tx_hash": row["tx_hash"], "block": row["block"],
                "gas_used": row["gas_used"],
                **({"proposal_id": row["proposal_id"], "executed": row["executed"]} if "proposal_id" in row else {})}

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
            todo, proposals, counts = self._screen(index, targets, status, outcome)
        signer = self.key.address
        writes = status_transactions(self.contracts, todo, wanted, why, signer=signer, batch_counts=counts)
        writes += status_transactions(self.contracts, proposals, wanted, why, signer=signer, propose=True,
                                      batch_counts=counts)
        for write in writes:  # every one of them before anything is sent
            preflight(self.chain, signer, write.transaction)
        for start in range(0, len(writes), BURST):
            chunk = writes[start : start + BURST]
            receipts = self.send_burst([w.transaction for w in chunk])
            for write, receipt in zip(chunk, receipts):
                raise_for_receipt(receipt, crypto=self.chain.crypto)
                sent = {"tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number,
                        "gas_used": receipt.gas_used}
                proposal = self._proposal_fields(receipt)
                outcome.transactions.append({**write.row(), **sent, **proposal})
                rows = outcome.proposed if proposal else outcome.changed
                for target in write.targets:
                    rows.append({
                        "credential_hash": "0x" + target.credential_hash.hex() if target.credential_hash else None,
                        "root": None if target.root is None else "0x" + target.root.hex(),
                        "leaf": target.leaf, "issuer": target.issuer, "named_by": target.named_by,
                        "status": status, "reason": why.name.lower(), **sent, **proposal,
                    })
            if progress is not None:
                progress(min(start + BURST, len(writes)), len(writes))
        return outcome

    def _screen(
        self, index: Index, targets: Sequence[StatusTarget], status: str, outcome: StatusOutcome
    ) -> tuple[list[StatusTarget], list[StatusTarget], dict[tuple[str, bytes], int]]:
        """Split ``targets`` into those to send and those to propose (and each batch's size); list the
        ones left out. Raises the contract's error for one that cannot be changed by this signer or to
        this status.

        A leaf's status is the one the contract holds (its status bits, one storage word read per 128
        leaves, and its batch's revocation); a credential issued alone is asked of the synced index."""
        reader = index.reader
        reg = self.contracts.issuers
        anchors: dict[tuple[str, bytes], types.Anchor] = {}
        words: dict[tuple[str, bytes, int], int] = {}
        manages: dict[str, bool] = {}
        committee: bool | None = None
        todo: list[StatusTarget] = []
        proposals: list[StatusTarget] = []
        for t in targets:
            digest = "0x" + t.credential_hash.hex()
            if t.root is not None:
                group = (t.issuer.lower(), t.root)
                if group not in anchors:
                    anchors[group] = reg.anchor_of(t.issuer, t.root)
                anchor = anchors[group]
                if not anchor.exists:
                    raise UnknownBatch(t.issuer, t.root)
                if t.leaf is not None and t.leaf >= anchor.count:
                    raise ValidationError(f"{t.named_by}: leaf {t.leaf} is outside batch 0x{t.root.hex()} of "
                                          f"{anchor.count} credential(s)")
                if t.leaf is None and status != "revoked":
                    raise ValidationError(f"{t.named_by}: this workspace's journal does not know the batch's "
                                          "credentials; a batch is revoked as a whole, or its credentials are "
                                          f"{'suspended' if status == 'suspended' else 'reinstated'} by file")
                if anchor.revoked:
                    now = "Revoked"
                elif t.leaf is None:
                    now = "None"
                else:
                    word = (group[0], t.root, t.leaf >> 7)
                    if word not in words:
                        words[word] = reg.leaf_status_word(t.issuer, t.root, t.leaf >> 7)
                    now = _NAMES[types.CredentialStatus((words[word] >> ((t.leaf & 127) * 2)) & 3)]
            else:
                issued = reader.issued(digest, issuer=t.issuer)
                if issued is None:
                    raise CredentialNotFound(t.issuer, t.credential_hash)
                entry = reader.credential_status_at(t.issuer, digest)
                now = "None" if entry is None else entry.status
            why = ("already so" if now == _IN_FORCE[status] else
                   "not suspended" if status == "valid" and now in ("None", "Valid") else
                   "revoked already, which is final" if status == "suspended" and now == "Revoked" else None)
            if t.root is not None and anchors[(t.issuer.lower(), t.root)].revoked and why is not None:
                why = f"revoked already, with its whole batch in block {anchors[(t.issuer.lower(), t.root)].revoked_block}"
            if why is not None:
                outcome.unchanged.append({"credential_hash": digest if t.credential_hash else None,
                                          "root": None if t.root is None else "0x" + t.root.hex(), "leaf": t.leaf,
                                          "issuer": t.issuer, "named_by": t.named_by,
                                          "status_now": now.lower().replace("none", "active"), "why": why})
                continue
            if now == "Revoked":  # revocation is final: it cannot be reinstated
                if t.root is None:
                    raise CredentialIsRevoked(t.issuer, t.credential_hash)
                anchor = anchors[(t.issuer.lower(), t.root)]
                if anchor.revoked:
                    raise BatchIsRevoked(t.issuer, t.root, anchor.revoked_block)
                raise LeafIsRevoked(t.issuer, t.root, t.leaf)
            if t.issuer.lower() not in manages:
                try:
                    self.contracts.issuers.require_manager(self.key.address, t.issuer)
                    manages[t.issuer.lower()] = True
                except ContractError:
                    if committee is None:
                        committee = self.contracts.committee.is_member(self.key.address)
                    if not committee:
                        raise  # the contract's own refusal (UnknownIssuer, NotManager, KeyRotated, ...)
                    manages[t.issuer.lower()] = False
            (todo if manages[t.issuer.lower()] else proposals).append(t)
        return todo, proposals, {k: a.count for k, a in anchors.items()}

    def _proposal_fields(self, receipt: Receipt) -> dict[str, Any]:
        from ledger.contracts.abi import decode_events

        events = decode_events(receipt.logs, crypto=self.chain.crypto)
        created = [e for e in events if e.name == "ProposalCreated"]
        if not created:
            return {}
        return {"proposal_id": int(created[0].args["id"]),
                "executed": any(e.name == "ProposalExecuted" for e in events)}


class _Resolver:
    """Turns a :class:`Selection` into :class:`StatusTarget`\\ s, each credential once, in the order named."""

    def __init__(self, ops: RevokingOps, index: Index) -> None:
        self.ops = ops
        self.reader = index.reader
        self.found: dict[tuple[str, str, str], StatusTarget] = {}

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
        known = self.found.get(target.key)
        if known is None or (target.whole and not known.whole):
            self.found[target.key] = target

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
        issuer = credential.issuer.address
        if proof.kind == BATCH_PROOF:
            assert proof.batch_root is not None and proof.leaf_index is not None
            self._add(StatusTarget(credential.hash, proof.batch_root, issuer, proof.leaf_index, label))
        else:
            self._add(StatusTarget(credential.hash, None, issuer, named_by=label))

    # -- this workspace's knowledge ----------------------------------------------------------------

    def _leaf_target(self, leaf: Any, label: str, *, whole: bool = False) -> StatusTarget:
        issuer = leaf.issuer or self._batch_issuer(leaf.root)
        return StatusTarget(bytes.fromhex(leaf.credential_hash[2:]), bytes.fromhex(leaf.root[2:]), issuer, leaf.leaf,
                            label, whole)

    def _batch_issuer(self, root: str) -> str:
        batches = self.reader.batches_of_root(root)
        if not batches:
            raise ValidationError(f"batch {root} was never anchored on this deployment")
        return batches[0].issuer

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
        raise ValidationError(f"no credential of this workspace has the id {text} (not in its batches' journals, "
                              "nor in credentials/checked/)", hint="name it by its file instead")

    def _subject(self, text: str) -> None:
        value = text.strip().removeprefix("urn:ledger:subject:").rsplit("/", 1)[-1]
        sid = "0x" + parse_subject_id(value).hex()
        before = len(self.found)
        for leaf in self.reader.leaves(subject=sid):
            self._add(self._leaf_target(leaf, f"subject {sid}"))
        for c in self.reader.credentials(subject=sid, issuer=self.ops.key.address):
            if c.root == ZERO32:
                self._add(StatusTarget(bytes.fromhex(c.hash[2:]), None, c.issuer, named_by=f"subject {sid}"))
        if len(self.found) == before:
            raise ValidationError(f"subject {sid} holds no credential of this workspace's issuers")

    def _batch(self, text: str) -> None:
        value = text.strip()
        is_root = value.lower().startswith("0x")
        leaves = self.reader.leaves(root=value) if is_root else self.reader.leaves(batch_id=value)
        if leaves:
            for leaf in leaves:
                self._add(self._leaf_target(leaf, f"batch {leaf.batch_id}", whole=True))
            return
        if not is_root:
            raise ValidationError(f"no batch {text} in this workspace's journal (give a batch id or its root)")
        batches = self.reader.batches_of_root(value)
        if not batches:
            raise ValidationError(f"batch {text} was never anchored on this deployment",
                                  hint="give the root or id of one of your batches (`ledger cred issue` prints both)")
        if len(batches) > 1:
            raise ValidationError(f"batch root {text} was anchored by {len(batches)} issuers: "
                                  f"{', '.join(b.issuer for b in batches)}", hint="name the batch by one of its files")
        root = bytes.fromhex(batches[0].root[2:])
        self._add(StatusTarget(b"", root, batches[0].issuer, None, f"batch {value}", whole=True))

    def _hash(self, text: str, label: str) -> bool:
        """A credential named by its hash: a leaf of this workspace's batches, or one issued alone."""
        leaves = self.reader.leaves(hashes=[text])
        for leaf in leaves:
            self._add(self._leaf_target(leaf, label))
        if leaves:
            return True
        issued = self.reader.issued(text, issuer=self.ops.key.address) or self.reader.issued(text)
        if issued is not None:
            self._add(StatusTarget(bytes.fromhex(text[2:]), None, issued.issuer, named_by=label))
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

