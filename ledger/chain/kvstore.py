"""The SQLite file behind the embedded chain: py-evm's key-value data, a log table, transactions.

One SQLite database holds three things, so that a block is written in a single SQLite transaction
and a killed process never leaves half a block behind:

* ``kv``: py-evm's own key-value data (trie nodes, headers, block bodies, canonical index). py-evm
  writes through :class:`SQLiteKV`, which buffers every write in memory until :meth:`ChainStore.commit`;
* ``logs``: one row per event log, indexed by address and first topic, so ``get_logs`` reads a
  block range without decoding receipts;
* ``txs``: one row per transaction with its normalised outcome (status, gas, revert data), which
  py-evm's receipts do not keep; for transactions admitted by a FISCO node (``ledger node``) also the
  transaction as it was received and its replay-protection nonce.

``path=None`` gives an in-memory database with the same behaviour (nothing survives ``close``).
sqlite3 errors are translated here into :class:`ledger.errors.WorkspaceError`.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from eth.db.backends.base import BaseDB

from ledger.errors import WorkspaceError

#: Bumped when the tables change shape; an older file is migrated (:data:`_MIGRATIONS`), a newer one
#: is refused.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx_index INTEGER NOT NULL,
    tx_hash BLOB NOT NULL,
    address BLOB NOT NULL,
    topic0 BLOB, topic1 BLOB, topic2 BLOB, topic3 BLOB,
    data BLOB NOT NULL,
    PRIMARY KEY (block, log_index)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logs_by_address ON logs (address, block);
CREATE INDEX IF NOT EXISTS logs_by_topic0 ON logs (topic0, block);
CREATE TABLE IF NOT EXISTS txs (
    hash BLOB PRIMARY KEY,
    block INTEGER NOT NULL,
    tx_index INTEGER NOT NULL,
    sender BLOB NOT NULL,
    status TEXT NOT NULL,
    gas_used INTEGER NOT NULL,
    contract BLOB,
    revert_data BLOB,
    raw BLOB,
    nonce BLOB
) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS txs_by_block ON txs (block, tx_index);
CREATE INDEX IF NOT EXISTS txs_by_contract ON txs (contract) WHERE contract IS NOT NULL;
"""
#: Schema version -> the SQL that brings a file of that version to the next one.
_MIGRATIONS = {
    1: "ALTER TABLE txs ADD COLUMN raw BLOB; ALTER TABLE txs ADD COLUMN nonce BLOB;",
}

_MISSING = object()


@dataclass(frozen=True)
class LogRow:
    """A log as stored: raw 20-byte address, up to four 32-byte topics."""

    block: int
    log_index: int
    tx_index: int
    tx_hash: bytes
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class TxRow:
    """A transaction's normalised outcome as stored."""

    hash: bytes
    block: int
    tx_index: int
    sender: bytes
    status: str
    gas_used: int
    contract: bytes | None
    revert_data: bytes | None
    raw: bytes | None = None  # the transaction as a FISCO node received it
    nonce: bytes | None = None  # its replay-protection nonce (FISCO 3.x nonce, 2.x randomid)


class SQLiteKV(BaseDB):
    """py-evm's ``DatabaseAPI`` over the ``kv`` table, with a write buffer and a read cache.

    Writes stay in memory until :meth:`ChainStore.commit` flushes them in one SQLite transaction
    (or :meth:`ChainStore.rollback` drops them). Only one process writes a database (the embedded
    chain holds a file lock), so the read cache never goes stale.
    """

    def __init__(self, conn: sqlite3.Connection, cache_size: int = 100_000) -> None:
        self._conn = conn
        self._pending: dict[bytes, bytes | None] = {}
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._cache_size = cache_size

    def __getitem__(self, key: bytes) -> bytes:
        value = self._pending.get(key, _MISSING)
        if value is None:
            raise KeyError(key)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            row = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        except sqlite3.Error as exc:  # py-evm only expects KeyError; anything else is our fault
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc
        if row is None:
            raise KeyError(key)
        self._remember(key, row[0])
        return row[0]

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[key] = value

    def __delitem__(self, key: bytes) -> None:
        if key not in self:
            raise KeyError(key)
        self._pending[key] = None

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[bytes]:
        """Every key, committed or pending (a full scan: py-evm never asks for it on a hot path)."""
        pending = dict(self._pending)
        try:
            rows = self._conn.execute("SELECT k FROM kv").fetchall()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc
        for (key,) in rows:
            if bytes(key) not in pending:
                yield bytes(key)
        yield from (k for k, v in pending.items() if v is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _remember(self, key: bytes, value: bytes) -> None:
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            # Dropping the oldest half at once keeps the bookkeeping off the hot path.
            for _ in range(self._cache_size // 2):
                self._cache.popitem(last=False)

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def _flush(self) -> None:
        """Write the buffer inside the caller's SQLite transaction."""
        upserts = [(k, v) for k, v in self._pending.items() if v is not None]
        deletes = [(k,) for k, v in self._pending.items() if v is None]
        if upserts:
            self._conn.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", upserts)
        if deletes:
            self._conn.executemany("DELETE FROM kv WHERE k = ?", deletes)

    def _committed(self) -> None:
        for key, value in self._pending.items():
            if value is None:
                self._cache.pop(key, None)
            else:
                self._remember(key, value)
        self._pending.clear()

    def _discard(self) -> None:
        self._pending.clear()


class ChainStore:
    """Open (or create) the embedded chain's SQLite database.

    Args:
        path: the database file, or ``None`` for memory.

    Raises:
        WorkspaceError: the file cannot be opened, is not a SQLite database, or has another schema.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        where = str(path) if path is not None else ":memory:"
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
            if path is not None:
                # WAL + FULL: a block is synced to disk when it is committed, before its receipts are
                # returned. With NORMAL a power cut could take back the newest blocks after what was
                # built on their receipts had been made durable (a batch's credential files naming an
                # anchoring block the chain no longer had: tests/faults/powercut.py found it).
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=FULL")
                # Checkpoint (and fsync) every ~40 MB of WAL instead of every ~4 MB: a block is
                # one commit, and SQLite's default made every few blocks wait for the disk.
                self._conn.execute("PRAGMA wal_autocheckpoint=10000")
            self._conn.executescript(_SCHEMA)
            version = self.get_meta("schema_version")
            if version is None:
                self._conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            elif not version.isdigit() or int(version) > SCHEMA_VERSION:
                raise WorkspaceError(
                    f"embedded chain database {where} has schema version {version}, "
                    f"this ledger reads version {SCHEMA_VERSION}",
                    hint="use the ledger version that created it, or start a new workspace",
                )
            else:
                self._migrate(int(version))
            self._conn.executescript(_INDEXES)
        except sqlite3.Error as exc:
            raise WorkspaceError(
                f"cannot open the embedded chain database {where}: {exc}",
                hint="the file may be damaged or not a ledger chain database",
            ) from exc
        self.kv = SQLiteKV(self._conn)

    def _migrate(self, version: int) -> None:
        """Bring an older file to :data:`SCHEMA_VERSION`, one step per transaction."""
        while version < SCHEMA_VERSION:
            self._conn.executescript(
                f"BEGIN IMMEDIATE; {_MIGRATIONS[version]} "
                f"UPDATE meta SET value = '{version + 1}' WHERE key = 'schema_version'; COMMIT;"
            )
            version += 1

    # -- meta --------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc
        return None if row is None else str(row[0])

    # -- writing -----------------------------------------------------------------------------

    def commit(
        self,
        logs: Sequence[LogRow] = (),
        txs: Sequence[TxRow] = (),
        meta: dict[str, str] | None = None,
    ) -> None:
        """Write py-evm's buffered data, logs, transactions and meta in one SQLite transaction.

        Raises:
            WorkspaceError: SQLite failed; nothing was written and the buffer is dropped.
        """
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self.kv._flush()
                if logs:
                    conn.executemany(
                        "INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            (r.block, r.log_index, r.tx_index, r.tx_hash, r.address,
                             *(tuple(r.topics) + (None,) * (4 - len(r.topics))), r.data)
                            for r in logs
                        ],
                    )  # fmt: skip
                if txs:
                    conn.executemany(
                        "INSERT INTO txs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            (t.hash, t.block, t.tx_index, t.sender, t.status, t.gas_used, t.contract,
                             t.revert_data, t.raw, t.nonce)
                            for t in txs
                        ],
                    )  # fmt: skip
                for key, value in (meta or {}).items():
                    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self.kv._discard()
            raise WorkspaceError(f"cannot write the embedded chain database: {exc}") from exc
        except BaseException:
            self.kv._discard()
            raise
        self.kv._committed()

    def rollback(self) -> None:
        """Drop everything written since the last commit."""
        self.kv._discard()

    # -- reading -----------------------------------------------------------------------------

    def logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[bytes],
        topics: Sequence[bytes | None] = (),
    ) -> list[LogRow]:
        """Logs in the inclusive block range, filtered by address (any if empty) and topic position."""
        sql = ["SELECT * FROM logs WHERE block BETWEEN ? AND ?"]
        params: list[object] = [from_block, to_block]
        if addresses:
            sql.append(f"AND address IN ({', '.join('?' * len(addresses))})")
            params.extend(addresses)
        for position, topic in enumerate(topics):
            if topic is not None:
                sql.append(f"AND topic{position} = ?")
                params.append(topic)
        sql.append("ORDER BY block, log_index")
        try:
            rows = self._conn.execute(" ".join(sql), params).fetchall()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read logs from the embedded chain database: {exc}") from exc
        return [
            LogRow(r[0], r[1], r[2], r[3], r[4], tuple(t for t in r[5:9] if t is not None), r[9])
            for r in rows
        ]

    def tx(self, tx_hash: bytes) -> TxRow | None:
        """The stored outcome of one transaction, if this chain has it."""
        try:
            row = self._conn.execute("SELECT * FROM txs WHERE hash = ?", (tx_hash,)).fetchone()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc
        return None if row is None else TxRow(*row)

    def _txs(self, sql: str, params: Sequence[object]) -> list[TxRow]:
        try:
            rows = self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc
        return [TxRow(*row) for row in rows]

    def txs_of_block(self, block: int) -> list[TxRow]:
        """The transactions of one block, in order."""
        return self._txs("SELECT * FROM txs WHERE block = ? ORDER BY tx_index", (block,))

    def deployment_of(self, contract: bytes) -> TxRow | None:
        """The transaction that created ``contract``, if this chain has it."""
        found = self._txs("SELECT * FROM txs WHERE contract = ? ORDER BY block LIMIT 1", (contract,))
        return found[0] if found else None

    def tx_count(self) -> int:
        """How many transactions the chain holds."""
        try:
            return int(self._conn.execute("SELECT count(*) FROM txs").fetchone()[0])
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc

    def logs_of_tx(self, block: int, tx_index: int) -> list[LogRow]:
        """The logs of one transaction, in order."""
        try:
            rows = self._conn.execute(
                "SELECT * FROM logs WHERE block = ? AND tx_index = ? ORDER BY log_index", (block, tx_index)
            ).fetchall()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot read the embedded chain database: {exc}") from exc
        return [
            LogRow(r[0], r[1], r[2], r[3], r[4], tuple(t for t in r[5:9] if t is not None), r[9])
            for r in rows
        ]

    def close(self) -> None:
        self.kv._discard()
        self._conn.close()
