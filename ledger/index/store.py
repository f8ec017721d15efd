"""Opening the index database, and the index's error family.

The index is a cache of the chain: deleting the file loses nothing that ``ledger index sync`` cannot
rebuild. It is still written with care (WAL journal, one transaction per synced range) so that a crash
never leaves rows without the cursor that accounts for them, or the reverse.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.errors import WorkspaceError
from ledger.index.schema import migrate


class IndexStoreError(WorkspaceError):
    """The index file cannot be opened, read or written (damaged, locked, or a disk error)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"index {path}: {reason}",
            hint="the index is a cache of the chain: delete the file and run `ledger index sync` to rebuild it",
        )
        self.path = path
        self.reason = reason


class IndexMismatch(IndexStoreError):
    """The index was built from another chain or another deployment than the one asked for."""


def open_index(path: Path | str | None, *, timeout: float = 30.0) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the index at ``path``; ``None`` keeps it in memory.

    The connection is in autocommit mode; writers open explicit transactions (``BEGIN IMMEDIATE``).

    Raises:
        IndexStoreError: the file is not an SQLite database, or cannot be written.
    """
    where = ":memory:" if path is None else str(path)
    try:
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(where, timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        if path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process; only a power cut may lose the last commit,
        # which the next sync simply fetches again.
        conn.execute("PRAGMA synchronous=NORMAL")
        # A larger page cache (64 MiB) keeps the index b-trees in memory while a big range is written.
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise IndexStoreError(where, str(exc)) from exc
    return conn
