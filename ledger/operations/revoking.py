"""Status changes of credentials in as few transactions as the contracts allow: revoke, suspend, reinstate.

A selection names credentials four ways: by their files (single files or batch bundles), by a whole
batch (its root), by credential id, or by subject. Each is resolved to where the credential lives on
chain: a leaf of a batch (issuer key, root, index) or a checked issuance (issuer key, hash). Leaves are
grouped by batch, and a batch costs one transaction whatever the number of its leaves
(``IssuerRegistry.setLeavesStatus``; a single leaf revoked by its own anchoring key uses the cheaper
``revokeLeaf``; a whole batch ``revokeBatch``). A credential issued by ``issue`` costs one transaction
each (``CredentialRegistry.setStatus``). Leaves already in the requested state are left out (the
contract would refuse the whole batch for one of them) and reported.

Ids and subjects are looked up in the workspace's batch journals (every row of every batch it issued,
with its index) and in its checked certificates (``credentials/checked``) and index (checked issuance by
subject). A signer that manages the issuer (its key, its node's current key, its parent's) writes
directly; a committee member who does not proposes the committee's change (one proposal per batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import types
from ledger.contracts.send import preflight, raise_for_receipt
from ledger.credentials.bundle import bundle_lines, is_bundle
from ledger.credentials.document import Credential
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.parse import parse_credential, read_credential_file
from ledger.credentials.identifiers import SUBJECT_URL
from ledger.credentials.proof import BATCH_PROOF
from ledger.crypto.hashing import to_checksum_address
from ledger.errors import ContractError, LedgerError, ValidationError
from ledger.identity.vault import parse_subject_id
from ledger.issuance.journal import Journal
from ledger.operations.governance import _bytes32, _Context

if TYPE_CHECKING:
    from ledger.chain.base import Receipt, Transaction

__all__ = ["BatchTarget", "CheckedTarget", "RevokingOps", "Selection"]

#: Leaves per ``setLeavesStatus`` transaction (about 2,800 gas each when spread over storage words).
LEAVES_PER_TRANSACTION = 2_000

_STATUS = {"revoked": types.CredentialStatus.REVOKED, "suspended": types.CredentialStatus.SUSPENDED,
           "valid": types.CredentialStatus.VALID}


@dataclass
class BatchTarget:
    """Leaves of one batch to change (``whole``: the batch itself, for a revocation)."""

    issuer: str
    root: bytes
    indexes: set[int] = field(default_factory=set)
    whole: bool = False
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckedTarget:
    """One credential made by ``issue``."""

    issuer: str
    credential_hash: bytes
    label: str


@dataclass
class Selection:
    """Credentials to change, grouped as the contracts take them."""

    batches: dict[tuple[str, bytes], BatchTarget] = field(default_factory=dict)
    checked: dict[tuple[str, bytes], CheckedTarget] = field(default_factory=dict)

    def batch(self, issuer: str, root: bytes) -> BatchTarget:
        key = (issuer.lower(), root)
        if key not in self.batches:
            self.batches[key] = BatchTarget(issuer, root)
        return self.batches[key]

    def add(self, credential: Credential, label: str) -> None:
        """Add a parsed credential (it must carry its proof, unchanged since issuance)."""
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
            target = self.batch(issuer, proof.batch_root)
            target.indexes.add(proof.leaf_index)
            target.labels.append(label)
        else:
            self.checked[(issuer.lower(), credential.hash)] = CheckedTarget(issuer, credential.hash, label)

    @property
    def empty(self) -> bool:
        return not self.batches and not self.checked

    @property
    def count(self) -> int:
        return sum(len(t.indexes) for t in self.batches.values()) + len(self.checked)


class RevokingOps(_Context):
    """Select credentials and change their status in as few transactions as the contracts allow."""

    # -- selecting ---------------------------------------------------------------------------------------

    def select_credentials(
        self,
        files: Sequence[Path] = (),
        *,
        batches: Sequence[str] = (),
        ids: Sequence[str] = (),
        subjects: Sequence[str] = (),
    ) -> Selection:
        """Resolve files, batch roots, credential ids and subject ids into the credentials on chain.

        Raises:
            ValidationError: a file is not a credential of this ledger, an id or subject matches nothing,
                a root was anchored by nobody (or by several issuers: name it by a file instead).
        """
        selection = Selection()
        for path in files:
            for label, credential in _credentials_in(path):
                selection.add(credential, label)
        for text in batches:
            root = _bytes32(text, "batch root")
            issuers = self._batch_issuers(root)
            if not issuers:
                raise ValidationError(f"batch {text} was never anchored on this deployment",
                                      hint="give the root of one of your batches (`ledger cred issue` prints it)")
            if len(issuers) > 1:
                raise ValidationError(f"batch root {text} was anchored by {len(issuers)} issuers: "
                                      f"{', '.join(issuers)}", hint="name the batch by one of its files instead")
            target = selection.batch(issuers[0], root)
            target.whole = True
            target.labels.append(f"batch {text}")
        wanted_ids = {_credential_id(i) for i in ids}
        wanted_subjects = {_subject_hex(s) for s in subjects}
        if wanted_ids or wanted_subjects:
            found_ids = self._select_from_journals(selection, wanted_ids, wanted_subjects)
            found_ids |= self._select_checked(selection, wanted_ids, wanted_subjects)
            missing = sorted(wanted_ids - found_ids)
            if missing:
                raise ValidationError(f"no credential of this workspace has the id {missing[0]}"
                                      + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                                      hint="give its file instead, or check the id (`ledger cred show FILE`)")
        if selection.empty:
            raise ValidationError("nothing selected", hint="give credential files, --batch ROOT, --id ID or "
                                                           "--subject ID")
        return selection

    def _batch_issuers(self, root: bytes) -> list[str]:
        """Who anchored ``root`` (the signer first, then the workspace's journals, then the index)."""
        reg = self.contracts.issuers
        if reg.anchor_of(self.key.address, root).exists:
            return [self.key.address]
        found = []
        for journal in self._journals():
            plan = journal.plan()
            if plan.root == "0x" + root.hex():
                account = _plan_issuer(plan.template)
                if reg.anchor_of(account, root).exists and account not in found:
                    found.append(account)
        if found:
            return found
        from ledger.index import Index

        with Index.open(self.settings.index_path) as index:
            index.sync(self.chain, self.settings.deployment)
            return [b.issuer for b in index.reader.batches_of_root(root)]

    def _journals(self) -> list[Journal]:
        root = self.settings.journal_dir
        if not root.is_dir():
            return []
        return [j for j in (Journal(root, d.name) for d in sorted(root.iterdir())) if j.exists()]

    def _select_from_journals(self, selection: Selection, ids: set[str], subjects: set[str]) -> set[str]:
        """Leaves of the workspace's anchored batches whose row has one of ``ids`` or ``subjects``."""
        found: set[str] = set()
        for journal in self._journals():
            state = journal.state()
            if state.get("stage") not in ("anchored", "done"):
                continue  # never anchored: nothing on chain to change
            plan = journal.plan()
            root = bytes.fromhex(plan.root[2:])
            issuer = _plan_issuer(plan.template)
            for index, (subject, _holder, credential_id) in enumerate(journal.rows()):
                if credential_id in ids or subject.lower() in subjects:
                    target = selection.batch(issuer, root)
                    target.indexes.add(index)
                    target.labels.append(credential_id)
                    found.add(credential_id)
        return found

    def _select_checked(self, selection: Selection, ids: set[str], subjects: set[str]) -> set[str]:
        """Checked certificates of the workspace (their files) with one of ``ids``; those of ``subjects``
        issued by the signer (from the index)."""
        found: set[str] = set()
        directory = self.settings.credentials_dir / "checked"
        if ids and directory.is_dir():
            for path in sorted(directory.glob("*.json")):
                try:
                    credential = parse_credential(read_credential_file(path))
                except (CredentialFormatError, LedgerError):
                    continue
                if credential.id in ids:
                    selection.add(credential, credential.id)
                    found.add(credential.id)
        if subjects:
            from ledger.index import Index

            with Index.open(self.settings.index_path) as index:
                index.sync(self.chain, self.settings.deployment)
                for subject in subjects:
                    for c in index.reader.credentials(subject=subject, issuer=self.key.address):
                        digest = bytes.fromhex(c.hash[2:])
                        selection.checked[(c.issuer.lower(), digest)] = CheckedTarget(c.issuer, digest, c.hash)
        return found

    # -- changing ----------------------------------------------------------------------------------------

    def set_credential_status(self, path: Path, status: str, reason: str | None) -> dict[str, Any]:
        """Revoke, suspend or reinstate one credential named by its file (one transaction; see
        :meth:`set_status_of` for many at once).

        Raises:
            ValidationError: the file is not an issued credential, or it is in that status already.
        """
        selection = self.select_credentials([path])
        result = self.set_status_of(selection, status, reason)
        if not result["transactions"]:
            why = result["skipped"][0]["why"] if result["skipped"] else "nothing to change"
            raise ValidationError(f"{path}: not changed ({why})")
        row = result["transactions"][0]
        credential = parse_credential(read_credential_file(path))
        return {
            "file": str(path),
            "credential_hash": "0x" + credential.hash.hex(),
            "status": status,
            "reason": result["reason"],
            "tx_hash": row["tx_hash"],
            "block": row["block"],
            "gas_used": row["gas_used"],
            **({"proposal_id": row["proposal_id"], "executed": row["executed"]} if "proposal_id" in row else {}),
        }

    def set_status_of(self, selection: Selection, status: str, reason: str | None) -> dict[str, Any]:
        """Change the status of every selected credential (``status``: revoked, suspended or valid).

        Every transaction is run as a call first, so a refusal stops the whole change before anything is
        sent; then they are sent together (pipelined where the backend can).

        Raises:
            ContractError: the contract refused one of the transactions (nothing sent).
        """
        value = _STATUS[status]
        why = types.RevocationReason.NONE
        if value != types.CredentialStatus.VALID:
            why = types.RevocationReason[(reason or "other").upper().replace("-", "_")]
        plans: list[tuple[Transaction, dict[str, Any]]] = []
        skipped: list[dict[str, Any]] = []
        for target in selection.batches.values():
            plans += self._batch_plans(target, value, why, skipped)
        for checked in selection.checked.values():
            plans.append(self._checked_plan(checked, value, why))
        if not plans:
            return {"status": status, "reason": why.name.lower(), "transactions": [], "changed": 0,
                    "skipped": skipped}
        for tx, _ in plans:  # all of them before anything is sent
            preflight(self.chain, self.key.address, tx)
        receipts = [self.chain.send(self.key, plans[0][0])] if len(plans) == 1 else \
            self.chain.send_many(self.key, [tx for tx, _ in plans])
        rows = []
        for receipt, (_, row) in zip(receipts, plans):
            raise_for_receipt(receipt, crypto=self.chain.crypto)
            rows.append({**row, "tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number,
                         "gas_used": receipt.gas_used, **self._proposal_fields(receipt)})
        return {"status": status, "reason": why.name.lower(), "transactions": rows,
                "changed": sum(int(r["count"]) for r in rows), "skipped": skipped}

    def _batch_plans(self, target: BatchTarget, value: types.CredentialStatus, why: types.RevocationReason,
                     skipped: list[dict[str, Any]]) -> list[tuple[Transaction, dict[str, Any]]]:
        reg = self.contracts.issuers
        anchor = reg.anchor_of(target.issuer, target.root)
        if not anchor.exists:
            raise ValidationError(f"batch 0x{target.root.hex()} of {target.issuer} is not anchored on this deployment",
                                  hint="check that the workspace is the one the credentials were issued in")
        root_text = "0x" + target.root.hex()
        direct = self._manages(target.issuer)
        propose = not direct and self.contracts.committee.is_member(self.key.address)
        if target.whole:
            if value != types.CredentialStatus.REVOKED:
                raise ValidationError("a whole batch is only revoked (suspend or reinstate its credentials by file)")
            if anchor.revoked:
                skipped.append({"batch": root_text, "why": f"revoked already, in block {anchor.revoked_block}"})
                return []
            row = {"what": "batch", "issuer": target.issuer, "root": root_text, "count": anchor.count,
                   "function": "revokeBatch"}
            if propose:
                return [(self._proposal_tx(reg, "revokeBatch", target.issuer, target.root, int(why)), row)]
            return [(reg.build_revoke_batch(target.issuer, target.root, why), row)]
        indexes = sorted(i for i in target.indexes if i < anchor.count)
        for outside in sorted(i for i in target.indexes if i >= anchor.count):
            skipped.append({"batch": root_text, "index": outside, "why": f"outside the batch of {anchor.count}"})
        current = self._leaf_states(target.issuer, target.root, indexes)
        todo = []
        for i in indexes:
            now = current[i]
            if now == value or now == types.CredentialStatus.REVOKED or (
                value == types.CredentialStatus.VALID and now != types.CredentialStatus.SUSPENDED
            ):
                skipped.append({"batch": root_text, "index": i, "why": f"it is {now.name.lower()}"})
            else:
                todo.append(i)
        plans = []
        for start in range(0, len(todo), LEAVES_PER_TRANSACTION):
            chunk = todo[start : start + LEAVES_PER_TRANSACTION]
            row = {"what": "leaves", "issuer": target.issuer, "root": root_text, "indexes": chunk, "count": len(chunk)}
            own = target.issuer.lower() == self.key.address.lower()
            if len(chunk) == 1 and own and value == types.CredentialStatus.REVOKED:
                tx = reg.build_revoke_leaf(target.root, chunk[0], why)  # the cheapest: no list, no author field
                row["function"] = "revokeLeaf"
            elif propose:
                tx = self._proposal_tx(reg, "setLeavesStatus", target.issuer, target.root, chunk, int(value), int(why))
                row["function"] = "setLeavesStatus (proposed)"
            else:
                tx = reg.build_set_leaves_status(target.issuer, target.root, chunk, value, why)
                row["function"] = "setLeavesStatus"
            plans.append((tx, row))
        return plans

    def _leaf_states(self, issuer: str, root: bytes, indexes: Iterable[int]) -> dict[int, types.CredentialStatus]:
        """The stored status of each leaf, one storage word read per 128 leaves."""
        words: dict[int, int] = {}
        out = {}
        for i in indexes:
            if i >> 7 not in words:
                words[i >> 7] = self.contracts.issuers.leaf_status_word(issuer, root, i >> 7)
            out[i] = types.CredentialStatus((words[i >> 7] >> ((i & 127) * 2)) & 3)
        return out

    def _checked_plan(self, target: CheckedTarget, value: types.CredentialStatus, why: types.RevocationReason
                      ) -> tuple[Transaction, dict[str, Any]]:
        creds = self.contracts.credentials
        row = {"what": "credential", "issuer": target.issuer, "credential_hash": "0x" + target.credential_hash.hex(),
               "label": target.label, "count": 1, "function": "setStatus"}
        if not self._manages(target.issuer) and self.contracts.committee.is_member(self.key.address):
            row["function"] = "setStatus (proposed)"
            return self._proposal_tx(creds, "setStatus", target.issuer, target.credential_hash, int(value),
                                     int(why)), row
        return creds.build_set_status(target.issuer, target.credential_hash, value, why), row

    def _proposal_tx(self, facade: Any, fn: str, *args: Any) -> Transaction:
        gas = 600_000 + 3_000 * max((len(a) for a in args if isinstance(a, list)), default=0)
        return self.contracts.committee.build_propose(facade.address, facade.encode(fn, *args), gas=gas)

    def _manages(self, issuer: str) -> bool:
        try:
            self.contracts.issuers.require_manager(self.key.address, issuer)
        except ContractError:
            return False
        return True

    def _proposal_fields(self, receipt: Receipt) -> dict[str, Any]:
        from ledger.contracts.abi import decode_events

        events = decode_events(receipt.logs, crypto=self.chain.crypto)
        created = [e for e in events if e.name == "ProposalCreated"]
        if not created:
            return {}
        pid = int(created[0].args["id"])
        return {"proposal_id": pid, "executed": any(e.name == "ProposalExecuted" for e in events)}


def _credentials_in(path: Path) -> Iterable[tuple[str, Credential]]:
    """The credentials of one file (a bundle: every line), each with a label naming where it is."""
    if is_bundle(path):
        for number, document in bundle_lines(path):
            if isinstance(document, CredentialFormatError):
                raise ValidationError(f"{path}: {document}")
            yield f"{path}:{number}", parse_credential(document)
        return
    yield str(path), parse_credential(read_credential_file(path))


def _subject_hex(text: str) -> str:
    """A subject id (``0x`` + 64 hex digits, or a credential's ``<deployment DID>/subjects/0x...``) as
    lower-case hex."""
    value = text.strip()
    match = SUBJECT_URL.match(value.lower())
    if match is not None:
        return match.group(3)
    return "0x" + parse_subject_id(value).hex()


def _plan_issuer(template: dict[str, Any]) -> str:
    """The issuer key of a batch plan: its ``issuer_account`` (profile 2: a ``did:fisco`` DID of it)."""
    account = str(template.get("issuer_account") or template.get("issuer_id", "")).rsplit(":", 1)[-1]
    return to_checksum_address(bytes.fromhex(account.removeprefix("0x")))


def _credential_id(text: str) -> str:
    value = text.strip()
    if not value.startswith("urn:uuid:"):
        value = "urn:uuid:" + value
    if len(value) != len("urn:uuid:") + 36:
        raise ValidationError(f"{text!r} is not a credential id (urn:uuid:... or the uuid)")
    return value.lower()


def selection_summary(selection: Selection) -> dict[str, Any]:
    """What a selection holds, for a confirmation prompt or --json."""
    return {
        "batches": [{"issuer": t.issuer, "root": "0x" + t.root.hex(), "whole": t.whole, "leaves": sorted(t.indexes)}
                    for t in selection.batches.values()],
        "checked": [{"issuer": t.issuer, "credential_hash": "0x" + t.credential_hash.hex()}
                    for t in selection.checked.values()],
        "count": selection.count,
    }

