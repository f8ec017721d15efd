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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.index.queries import IndexReader
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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
