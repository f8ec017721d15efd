"""People operations of the facade: erasing a person (a PIPL/GDPR erasure request) and saying what remains.

Erasure takes the person out of everything this workspace keeps off chain:

* the vault: their key is deleted first (crypto-shredding: no copy of their fields opens afterwards),
  then their fields and tags; the subject id stays, marked erased;
* the issuance journal: the holder's name is taken out of every finished batch that named them (each
  leaf keeps its hash, so the batch can still be revoked and audited; its documents are no longer
  rebuilt from the journal, which a finished batch never needs). An unfinished batch that names them is
  left whole and reported: finish it (``cred issue --resume``) and erase again;
* with ``delete_files``, this workspace's copies of their credential files (a file of the ``files``
  layout, their line of a bundle); without it, they are listed.

What remains is reported: the pseudonymous id on chain (contributions, certificates, batch leaves),
which carries nothing about the person and cannot be removed from a chain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger import issuance
from ledger.contributions.model import time_text
from ledger.credentials.bundle import bundle_lines
from ledger.errors import LedgerError
from ledger.files import write_private_file
from ledger.identity.vault import parse_subject_id
from ledger.index import Index
from ledger.operations.governance import _Context


class PeopleOps(_Context):
    """Erase a person; say what is left of them."""

    def erase_person(self, subject: str, *, delete_files: bool = False) -> dict[str, Any]:
        """Erase the person behind ``subject`` from the vault, the journal and (``delete_files``) their
        credential files; return what was done and what remains.

        Raises:
            ValidationError: ``subject`` is not an id, or not in the vault.
        """
        sid = "0x" + parse_subject_id(subject).hex()
        erasure = self.vault.erase(sid)  # first: from here on nothing of them opens
        scrubbed, unfinished, files = self._scrub_journal(sid)
        removed: list[str] = []
        if delete_files:
            removed = [str(p) for p in self._delete_copies(sid, files)]
            files = {}
        on_chain = self._on_chain(sid)
        return {
            "subject": sid,
            "erased_at": time_text(erasure.erased_at),
            "already_erased": erasure.already,
            "vault": {"fields_removed": list(erasure.fields), "lookup_tags_removed": erasure.lookups_removed,
                      "guard_tags_removed": erasure.guard_tags_removed, "kept": "the subject id, marked erased"},
            "journal": {"batches_scrubbed": scrubbed, "unfinished_batches_naming_them": unfinished},
            "files": {"deleted": removed,
                      "remaining": [{"path": str(path), "credential_ids": ids} for path, ids in sorted(files.items())]},
            "on_chain": on_chain,
        }

    def _scrub_journal(self, sid: str) -> tuple[list[str], list[str], dict[Path, list[str]]]:
        """Take the holder's name out of finished batches naming ``sid``; the batches scrubbed, the
        unfinished ones left whole, and the credential files (path -> credential ids) that name them."""
        root = self.settings.journal_dir
        scrubbed: list[str] = []
        unfinished: list[str] = []
        files: dict[Path, list[str]] = {}
        if not root.is_dir():
            return scrubbed, unfinished, files
        bare = sid[2:]
        for entry in sorted(root.iterdir()):
            journal = issuance.Journal(root, entry.name)
            if not journal.exists():
                continue
            try:
                rows = journal.rows()
                plan = journal.plan()
            except (OSError, ValueError, KeyError, LedgerError):
                continue
            mine = [r for r in rows if r.subject.lower().removeprefix("0x") == bare]
            if not mine:
                continue
            output = Path(plan.output)
            for r in mine:
                path = output if plan.layout == "jsonl" else output / (r.file or r.id.rsplit(":", 1)[1] + ".json")
                if path.exists():
                    files.setdefault(path, []).append(r.id)
            if journal.state().get("stage") != "done":
                unfinished.append(entry.name)
            elif any(r.holder is not None for r in mine):
                journal.forget_holder(bare, issuance.leaf_hashes(journal))
                scrubbed.append(entry.name)
        return scrubbed, unfinished, files

    @staticmethod
    def _delete_copies(sid: str, files: dict[Path, list[str]]) -> list[Path]:
        """Delete their credential files; rewrite a bundle without their lines."""
        removed = []
        for path, ids in files.items():
            if path.suffix.lower() == ".jsonl":
                wanted = set(ids)
                kept = [line for _, line in bundle_lines(path)
                        if isinstance(line, bytes) and json.loads(line).get("id") not in wanted]
                write_private_file(path, b"".join(line + b"\n" for line in kept))
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        return removed

    def _on_chain(self, sid: str) -> dict[str, Any]:
        """Where the pseudonymous id is on chain (from the index, synced when the chain answers)."""
        with Index.open(self.settings.index_path) as index:
            synced = True
            try:
                self.sync_index(index)
            except LedgerError:
                synced = False
            view = index.reader.subject(sid)
        return {
            "subject_id": sid,
            "contributions": len(view.contributions),
            "certificates": len(view.credentials),
            "note": "only the pseudonymous id and hashes are on chain; they carry nothing about the person and a "
                    "chain cannot forget them",
            "index_synced": synced,
        }
