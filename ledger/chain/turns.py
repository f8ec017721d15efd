"""A file lock that serves its waiters first come, first served.

The embedded chain's database is written by one process at a time. A plain ``flock`` (or the
``filelock`` package, which polls one) hands the lock to whichever waiter happens to ask first after
it is released, so with four writers one could wait through every other's turn, again and again
(issue 18 measured a p90 wait of 16 s). Here every waiter takes a ticket first: an empty file in
``<lock>.queue/`` named by its arrival time, held with an exclusive ``flock`` for as long as it waits.
Only the waiter whose ticket comes first goes on to take the lock itself, so the lock passes in the
order the waiters came.

Nothing is left behind by a process that dies: the kernel drops its ``flock``\\s, and a ticket whose
file lock can be taken belongs to nobody alive and is removed by whoever finds it. The lock itself is
a ``flock`` on ``<lock>`` (the same file and kind of lock as ``filelock``, so an older version of the
ledger running beside this one still excludes and is excluded). Where ``fcntl`` is missing (Windows)
the ``filelock`` package is used, without the ordering.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

#: Longest pause between two looks at the queue while waiting (a waiter whose turn came finds out
#: within this long).
MAX_PAUSE = 0.02


class LockTimeout(Exception):
    """The lock was not obtained within the timeout (the caller turns it into its own error)."""


class QueueLock:
    """An exclusive lock on ``path`` whose waiters are served in the order they arrived.

    Args:
        path: the lock file (created if missing; it is never removed).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.queue = self.path.with_name(self.path.name + ".queue")
        self._fd: int | None = None
        self._fallback: Any = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self._fallback is not None

    def acquire(self, timeout: float) -> None:
        """Wait for the lock, at most ``timeout`` seconds, behind everyone who asked before.

        Raises:
            LockTimeout: the lock was not obtained in time (nothing is left in the queue).
            OSError: the lock file or the queue cannot be made.
        """
        if self.held:
            raise RuntimeError(f"{self.path} is already held by this object")
        if fcntl is None:
            self._acquire_fallback(timeout)
            return
        deadline = time.monotonic() + max(timeout, 0.0)
        self.queue.mkdir(mode=0o700, parents=True, exist_ok=True)
        ticket, ticket_fd = self._take_ticket()
        try:
            lock_fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                self._wait_for_turn(ticket, lock_fd, deadline)
            except BaseException:
                os.close(lock_fd)
                raise
        finally:
            # Holding the lock (or giving up), this waiter is no longer in the queue: the next one may
            # now wait on the lock itself.
            _remove(ticket)
            os.close(ticket_fd)
        self._fd = lock_fd

    def release(self) -> None:
        """Give the lock up (the next waiter in the queue takes it). Safe to call twice."""
        if self._fallback is not None:
            self._fallback.release()
            self._fallback = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __del__(self) -> None:
        # A holder dropped without release (a chain object left to the garbage collector) must not keep
        # the workspace locked until its process ends.
        with contextlib.suppress(OSError):
            self.release()

    # -- the queue ---------------------------------------------------------------------------------

    def _take_ticket(self) -> tuple[Path, int]:
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
        ticket = self.queue / name
        # Made under a hidden name and locked before it gets its own: a ticket in the queue is never
        # seen unlocked while its waiter lives.
        hidden = self.queue / f".{name}"
        fd = os.open(hidden, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held while this process waits: the sign that it is alive
            os.rename(hidden, ticket)
        except BaseException:
            os.close(fd)
            _remove(hidden)
            raise
        return ticket, fd

    def _wait_for_turn(self, ticket: Path, lock_fd: int, deadline: float) -> None:
        pause = 0.001
        while True:
            if not self._anyone_ahead(ticket):
                try:
                    fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    pass  # the holder (or an older ledger without the queue) still has it
            if time.monotonic() >= deadline:
                raise LockTimeout(str(self.path))
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, MAX_PAUSE)

    def _anyone_ahead(self, ticket: Path) -> bool:
        """Whether a live waiter took a ticket before ``ticket``; tickets of dead waiters are removed."""
        try:
            names = sorted(os.listdir(self.queue))
        except FileNotFoundError:
            return False
        for name in names:
            if name.startswith("."):
                _remove_if_stale(self.queue / name)  # a ticket being made (see _take_ticket)
                continue
            if name >= ticket.name:
                return False
            if _alive(self.queue / name):
                return True
        return False

    # -- without flock -----------------------------------------------------------------------------

    def _acquire_fallback(self, timeout: float) -> None:
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path))
        try:
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise LockTimeout(str(self.path)) from exc
        self._fallback = lock


def _alive(ticket: Path) -> bool:
    """Whether the waiter that took ``ticket`` still waits (it holds the ticket's flock); a ticket
    nobody holds is removed."""
    try:
        fd = os.open(ticket, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        _remove(ticket)  # its waiter died (or is just leaving): nobody holds it
        return False
    finally:
        os.close(fd)


#: A hidden ticket older than this was left by a process that died while making it.
STALE_HIDDEN_TICKET = 60.0


def _remove_if_stale(path: Path) -> None:
    try:
        if time.time() - path.stat().st_mtime > STALE_HIDDEN_TICKET:
            path.unlink()
    except FileNotFoundError:
        pass


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
