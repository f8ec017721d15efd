"""The workspace lock serves waiting processes first come, first served (issue 18, item 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.chain.embedded import EmbeddedChain
from ledger.chain.turns import LockTimeout, QueueLock

_WAITER = r"""
import sys
from pathlib import Path
from ledger.chain.embedded import EmbeddedChain

path, log, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
with EmbeddedChain(path, lock_timeout=60):
    with open(log, "a") as fh:
        fh.write(name + "\n")
"""


def _wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _tickets(lock_path: Path) -> list[str]:
    queue = lock_path.with_name(lock_path.name + ".queue")
    return [n for n in os.listdir(queue) if not n.startswith(".")] if queue.is_dir() else []


def test_waiting_writers_get_the_workspace_in_the_order_they_came(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    log = tmp_path / "order.log"
    lock_path = Path(str(path) + ".lock")
    holder = EmbeddedChain(path, lock_timeout=5)
    waiters = []
    try:
        for i in range(5):
            waiters.append(subprocess.Popen([sys.executable, "-c", _WAITER, str(path), str(log), f"w{i}"]))
            # The next one starts only once this one is waiting in the queue.
            _wait_for(lambda n=i + 1: len(_tickets(lock_path)) == n, f"waiter {i} to queue")
    finally:
        holder.close()
    for w in waiters:
        assert w.wait(timeout=120) == 0
    assert log.read_text().split() == [f"w{i}" for i in range(5)]
    assert _tickets(lock_path) == []  # nothing left in the queue


def test_a_waiter_that_died_does_not_hold_up_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    lock_path = Path(str(path) + ".lock")
    holder = QueueLock(lock_path)
    holder.acquire(1)
    dead = subprocess.Popen([sys.executable, "-c", _WAITER, str(path), str(tmp_path / "log"), "dead"])
    _wait_for(lambda: len(_tickets(lock_path)) == 1, "the doomed waiter to queue")
    dead.kill()
    dead.wait(timeout=30)
    assert len(_tickets(lock_path)) == 1  # its ticket is still there, but nobody holds it
    holder.release()
    with EmbeddedChain(path, lock_timeout=10) as chain:
        assert chain.block_number() == 0
    assert _tickets(lock_path) == []


def test_a_timeout_leaves_nothing_in_the_queue(tmp_path: Path) -> None:
    lock_path = tmp_path / "x.lock"
    holder = QueueLock(lock_path)
    holder.acquire(1)
    try:
        start = time.monotonic()
        with pytest.raises(LockTimeout):
            QueueLock(lock_path).acquire(0.2)
        assert time.monotonic() - start >= 0.2
        assert _tickets(lock_path) == []
    finally:
        holder.release()
    again = QueueLock(lock_path)
    again.acquire(0)
    again.release()
