"""The SQLite index of the ledger's chain events: schema, sync, queries and time travel.

    index = Index.open(settings.index_path)
    index.sync(chain, deployment)              # incremental, idempotent, resumable
    index.reader.subject("0x…", at=1234)       # what the index knows about a subject at block 1234

The modules: :mod:`.schema` (named migrations), :mod:`.store` (opening, errors), :mod:`.projection`
(event -> rows), :mod:`.sync` (the sync engine), :mod:`.queries` (reads, ``--at``) with
:mod:`.authority` (issuers, keys, compromise marks, authorisation), :mod:`.view` (a verification
``ChainView`` answered from the index, as of any block).

May import: ``ledger.verify``, ``ledger.contracts`` (ABIs and event decoding), ``ledger.chain``
(the interface) and everything below them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.index.queries import IndexReader
from ledger.index.records import address_text
from ledger.index.store import IndexMismatch, IndexStoreError, open_index
from ledger.index.sync import Decoder, Progress, Syncer, SyncResult

if TYPE_CHECKING:
    from typing import Self  # 3.11+; only read by type checkers

    from ledger.chain.base import ChainBackend

__all__ = ["Index", "IndexMismatch", "IndexReader", "IndexStoreError", "SyncResult", "Syncer", "open_index"]


class Index:
    """One index file (or an in-memory index) and its reader."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self.reader = IndexReader(conn)

    @classmethod
    def open(cls, path: Path | str | None) -> Index:
        return cls(open_index(path), None if path is None else Path(path))

    def syncer(self, chain: ChainBackend, deployment: Any, *, decode: Decoder | None = None) -> Syncer:
        """A syncer for the four contracts of ``deployment`` (a :class:`~ledger.config.Deployment`: the
        Committee and its three modules, ``block_number`` (of the deployment) and ``chain_id``)."""
        return Syncer(
            self.conn,
            chain,
            [deployment.committee, deployment.issuer_registry, deployment.contribution_ledger,
             deployment.credential_registry],
            decode=decode,
            start_block=int(getattr(deployment, "block_number", 0) or 0),
            chain_id=getattr(deployment, "chain_id", None),
        )

    def sync(
        self,
        chain: ChainBackend,
        deployment: Any,
        *,
        to_block: int | None = None,
        step: int = 5_000,
        progress: Progress | None = None,
        decode: Decoder | None = None,
    ) -> SyncResult:
        """Bring the index up to ``to_block`` (default: the chain head)."""
        return self.syncer(chain, deployment, decode=decode).sync(to_block, step=step, progress=progress)

    def public_reader(self) -> IndexReader:
        """A reader for answers that go to anyone who asks: without this workspace's knowledge of which
        batch leaf is whose (``IndexReader.batch_leaves``)."""
        return IndexReader(self.conn, batch_leaves=False)

    def journaled_batches(self) -> set[str]:
        """Ids of the journaled batches whose leaves :meth:`record_leaves` has taken in."""
        return {r[0] for r in self.conn.execute("SELECT batch_id FROM journal_batches")}

    def record_leaves(self, batch_id: str, issuer: str, root: str, leaves: Iterable[tuple[int, str, str, str]]) -> int:
        """Take in which leaf of batch ``batch_id`` (anchored by ``issuer`` with root ``root``) is whose:
        ``(leaf index, credential hash, subject, credential id)`` each, from the issuer's journal.
        Idempotent; one transaction.

        Returns:
            the number of leaves recorded.
        """
        who = address_text(issuer)
        rows = [(root.lower(), int(i), h.lower(), s.lower(), c, batch_id, who) for i, h, s, c in leaves]
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(
                "INSERT OR REPLACE INTO batch_leaves (root, leaf, credential_hash, subject, credential_id, batch_id, "
                "issuer) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.execute("INSERT OR REPLACE INTO journal_batches VALUES (?, ?, ?)", (batch_id, root.lower(), len(rows)))
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return len(rows)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
