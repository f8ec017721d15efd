"""Incremental, idempotent, resumable sync of contract events into the index.

The chain is read by block range (``ChainBackend.get_logs``), a chunk at a time. Each chunk is written
in ONE SQLite transaction together with the cursor (the last block fully indexed): after a crash the
index holds whole chunks and a cursor that accounts for exactly them, and the next sync starts after
the cursor. Replaying blocks already indexed (``from_block=`` below the cursor) changes nothing: an
event is keyed by its (block, log index) and projected into the typed tables only when it is new.

Works with any backend. FISCO BCOS finalises each block by PBFT (no reorganisations); on a
development chain that can reorganise (anvil with ``--slots-in-an-epoch`` tricks), re-index from a
safe block or rebuild the file.

A log with the topic of one of our events that does not decode (:class:`~ledger.contracts.abi.UndecodableEvent`:
our contracts never emit one, so the node is broken or hostile, or the config names another contract)
is skipped, not fatal: the sync goes on, the result lists it (:attr:`SyncResult.skipped`) and the index
keeps the last :data:`MAX_SKIPPED_KEPT` of them (:meth:`Syncer.skipped_logs`). Re-reading the range
from a sound node (``from_block=``) indexes the real events.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.contracts.abi import UndecodableEvent
from ledger.errors import ValidationError
from ledger.index.projection import IndexedEvent, Rows, address, apply, normalise_args
from ledger.index.store import IndexMismatch, IndexStoreError

if TYPE_CHECKING:
    from ledger.chain.base import ChainBackend, Log

#: Turns raw logs into decoded events (objects with name, args, address, block_number, tx_hash,
#: log_index), e.g. ``ledger.contracts.deployment.decode_events``.
Decoder = Callable[[Sequence["Log"]], Iterable[Any]]
#: Called after each committed chunk with (blocks done, blocks total, events so far).
Progress = Callable[[int, int, int], None]

DEFAULT_STEP = 5_000
#: How many skipped logs the index remembers (the most recent).
MAX_SKIPPED_KEPT = 100


@dataclass(frozen=True)
class SkippedLog:
    """A log that has the topic of one of our events but could not be decoded, so was not indexed."""

    block_number: int
    log_index: int
    address: str
    event: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"block_number": self.block_number, "log_index": self.log_index, "address": self.address,
                "event": self.event, "reason": self.reason}


@dataclass(frozen=True)
class SyncResult:
    """What one sync did."""

    from_block: int
    to_block: int
    chunks: int
    events: int  # events read from the chain in the range
    new_events: int  # of which not yet in the index
    seconds: float
    skipped: tuple[SkippedLog, ...] = ()  # logs with our topics that did not decode (not indexed)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


def _default_decoder(crypto: str) -> Decoder:
    from ledger.index.decode import decode_events

    return lambda logs: decode_events(logs, crypto=crypto)


class Syncer:
    """Copies the events of a set of contracts from one chain into one index.

    Args:
        conn: an index connection (:func:`ledger.index.store.open_index`).
        chain: any backend.
        addresses: the contracts whose events are indexed.
        decode: log decoder (default: :func:`ledger.index.decode.decode_events`, the fast one).
        start_block: first block that can hold an event (the deployment block).
        chain_id: the chain's id; the index refuses to mix chains or deployments.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        chain: ChainBackend,
        addresses: Sequence[str],
        *,
        decode: Decoder | None = None,
        start_block: int = 0,
        chain_id: int | None = None,
    ) -> None:
        self.conn = conn
        self.chain = chain
        self.addresses = [address(a) for a in addresses]
        self.decode: Decoder = decode or _default_decoder(chain.crypto)
        self.start_block = start_block
        self.chain_id = chain_id

    # -- state -----------------------------------------------------------------------------------

    def cursor(self) -> int | None:
        """The last block fully indexed, or ``None`` before the first sync."""
        return get_cursor(self.conn)

    def skipped_logs(self) -> list[SkippedLog]:
        """The most recent logs a sync skipped because they did not decode (oldest first)."""
        return _stored_skipped(self.conn)

    def _bind(self) -> None:
        """Record (first sync) or check (later syncs) which chain and contracts this index mirrors."""
        wanted = {
            "addresses": json.dumps(sorted(a.lower() for a in self.addresses)),
            "chain_id": str(self.chain_id if self.chain_id is not None else self.chain.identity().chain_id),
        }
        stored = dict(self.conn.execute("SELECT key, value FROM sync_state WHERE key IN ('addresses','chain_id')"))
        if not stored:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("INSERT INTO sync_state VALUES (?, ?)", list(wanted.items()))
            self.conn.execute("COMMIT")
            return
        for key, value in wanted.items():
            if stored.get(key) != value:
                where = self.conn.execute("PRAGMA database_list").fetchone()[2] or "(in memory)"
                raise IndexMismatch(where, f"it was built for {key} {stored.get(key)}, not {value}")

    # -- sync --------------------------------------------------------------------------------------

    def sync(
        self,
        to_block: int | None = None,
        *,
        from_block: int | None = None,
        step: int = DEFAULT_STEP,
        progress: Progress | None = None,
        on_chunk: Callable[[int, int], None] | None = None,
    ) -> SyncResult:
        """Index blocks up to ``to_block`` (default: the chain head).

        Args:
            to_block: last block to index.
            from_block: first block to (re)read; default: the block after the cursor. Blocks at or
                below the cursor are replayed harmlessly.
            step: blocks per chunk (and per transaction).
            progress: progress callback, after each committed chunk.
            on_chunk: called inside each chunk's transaction after its rows are written and before
                the cursor commits (a hook for crash tests: raising there rolls the chunk back).

        Raises:
            IndexMismatch: the index mirrors another chain or deployment.
            IndexStoreError: the index file failed.
            ChainError: the backend failed (the index keeps every chunk committed before).
        """
        if step < 1:
            raise ValueError("step must be at least 1")
        started = time.perf_counter()
        try:
            self._bind()
            head = self.chain.block_number() if to_block is None else to_block
            cursor = self.cursor()
            next_block = self.start_block if cursor is None else cursor + 1
            if from_block is not None and from_block > next_block:
                # Starting later would leave blocks unread behind a cursor that claims them.
                raise ValidationError(f"cannot start at block {from_block}: the index is complete up to "
                                      f"block {next_block - 1} only; start at {next_block} or earlier")
            first = max(from_block if from_block is not None else next_block, self.start_block)
            total = max(0, head - first + 1)
            seen = new = chunks = 0
            skipped: list[SkippedLog] = []
            a = first
            while a <= head:
                b = min(head, a + step - 1)
                n_seen, n_new = self._chunk(a, b, on_chunk, skipped)
                seen += n_seen
                new += n_new
                chunks += 1
                if progress is not None:
                    progress(b - first + 1, total, seen)
                a = b + 1
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError("index", str(exc)) from exc
        return SyncResult(first, head, chunks, seen, new, time.perf_counter() - started, tuple(skipped))

    def _decoded(self, logs: Sequence[Log], skipped: list[SkippedLog]) -> list[IndexedEvent]:
        """The chunk's events; when a log does not decode, the logs are decoded one by one and the bad
        ones skipped (and noted in ``skipped``), so one bad log costs nothing to the others."""
        if not logs:
            return []
        try:
            return [_indexed(e) for e in self.decode(logs)]
        except UndecodableEvent:
            pass
        events: list[IndexedEvent] = []
        for log in logs:
            try:
                events.extend(_indexed(e) for e in self.decode([log]))
            except UndecodableEvent as exc:
                skipped.append(SkippedLog(exc.block_number, exc.log_index, exc.address, exc.event, exc.detail))
        return events

    def _chunk(
        self, a: int, b: int, on_chunk: Callable[[int, int], None] | None, skipped: list[SkippedLog]
    ) -> tuple[int, int]:
        logs = self.chain.get_logs(a, b, self.addresses)
        noted = len(skipped)
        events = self._decoded(logs, skipped)
        known = _known_blocks(self.conn, a, b)
        stamps = self.chain.block_timestamps(sorted({e.block_number for e in events} - known))
        conn = self.conn
        cursor = get_cursor(conn)
        new = 0
        rows = Rows()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR IGNORE INTO blocks VALUES (?, ?)", stamps.items())
            records = [
                (ev.block_number, ev.log_index, ev.tx_hash, ev.contract, ev.name, json.dumps(ev.args)) for ev in events
            ]
            if cursor is None or a > cursor:
                # Above the cursor every event is new: insert and project them in bulk.
                conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", records)
                for ev in events:
                    apply(rows, ev)
                new = len(events)
            else:
                # A replayed range: only events the index lacks are projected.
                for ev, record in zip(events, records):
                    if conn.execute("INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?)", record).rowcount == 1:
                        new += 1
                        apply(rows, ev)
            rows.flush(conn)
            _update_skipped(conn, a, b, skipped[noted:])
            if on_chunk is not None:
                on_chunk(a, b)
            if cursor is None or b > cursor:
                conn.execute("INSERT OR REPLACE INTO sync_state VALUES ('cursor', ?)", (str(b),))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return len(events), new


def get_cursor(conn: sqlite3.Connection) -> int | None:
    """The last block fully indexed in this index, or ``None``."""
    row = conn.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
    return None if row is None else int(row[0])


def _stored_skipped(conn: sqlite3.Connection) -> list[SkippedLog]:
    row = conn.execute("SELECT value FROM sync_state WHERE key = 'skipped_logs'").fetchone()
    return [] if row is None else [SkippedLog(**entry) for entry in json.loads(row[0])]


def _update_skipped(conn: sqlite3.Connection, a: int, b: int, new: Sequence[SkippedLog]) -> None:
    """Remember the logs skipped in blocks ``a..b`` (``new``) in place of those remembered for that range
    before (a range read again from a sound node clears its entries); the most recent ones are kept."""
    stored = _stored_skipped(conn)
    if not stored and not new:
        return
    kept = {(s.block_number, s.log_index): s for s in stored if not a <= s.block_number <= b}
    kept.update({(s.block_number, s.log_index): s for s in new})
    latest = [kept[k] for k in sorted(kept)][-MAX_SKIPPED_KEPT:]
    conn.execute("INSERT OR REPLACE INTO sync_state VALUES ('skipped_logs', ?)",
                 (json.dumps([s.to_dict() for s in latest]),))


def _known_blocks(conn: sqlite3.Connection, a: int, b: int) -> set[int]:
    return {r[0] for r in conn.execute("SELECT number FROM blocks WHERE number BETWEEN ? AND ?", (a, b))}


def _indexed(event: Any) -> IndexedEvent:
    tx = event.tx_hash
    return IndexedEvent(
        name=event.name,
        contract=address(event.address),
        block_number=int(event.block_number),
        log_index=int(event.log_index),
        tx_hash=("0x" + bytes(tx).hex()) if isinstance(tx, (bytes, bytearray)) else str(tx),
        args=normalise_args(event.args),
    )
