"""Account nonces for many transactions in flight, safe across the threads of one process.

A node accepts a sender's transactions in nonce order and holds back every transaction above a gap.
Sending without waiting for each receipt (pipelining) therefore needs nonces handed out locally, once
each, and a way to repair the sequence when a transaction that holds a nonce never reaches the pool:

* :meth:`NonceManager.reserve` hands out ``count`` consecutive nonces under a per-account lock; the
  first reservation for an account asks the node (``fetch``, usually ``eth_getTransactionCount`` at
  ``"pending"``) where the sequence stands.
* :meth:`NonceManager.release` gives back nonces whose transactions the node refused. Released nonces
  at the top of the sequence simply roll it back; released nonces below a live one are *gaps* that the
  next reservations fill first (smallest first), so the transactions waiting behind a gap get mined.
* :meth:`NonceManager.forget` drops what is known about an account, so that the next reservation asks
  the node again: for the cases where it is not known whether a transaction reached the pool (a lost
  connection, a restarted node).
* :meth:`NonceManager.resync` is for a node that said a nonce was already used (another process sent
  with the same key): the next reservation takes the node's count if it is ahead of ours, and never goes
  back below ours, which other threads' transactions may hold on their way to the node.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Account:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next: int | None = None  # None: ask the node
    gaps: list[int] = field(default_factory=list)  # sorted, all below ``next``
    resync: bool = False  # ask the node at the next reservation, and keep the higher count


class NonceManager:
    """Hands out nonces per account; see the module docstring for the repair rules.

    Args:
        fetch: returns the node's next nonce for an address (transactions in the pool included).
            Called with the account's lock held, only when nothing is known about the account.
    """

    def __init__(self, fetch: Callable[[str], int]) -> None:
        self._fetch = fetch
        self._accounts: dict[str, _Account] = {}
        self._guard = threading.Lock()

    def _account(self, address: str) -> _Account:
        key = address.lower()
        with self._guard:
            account = self._accounts.get(key)
            if account is None:
                account = self._accounts[key] = _Account()
            return account

    def reserve(self, address: str, count: int = 1) -> list[int]:
        """Reserve ``count`` nonces for ``address``: gaps first, then fresh ones, in increasing order.

        Raises:
            ValueError: ``count`` below 1.
            Whatever ``fetch`` raises (e.g. ``NodeUnreachable``); nothing is reserved then.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        account = self._account(address)
        with account.lock:
            if account.next is None:
                account.next = self._fetch(address)
                account.gaps.clear()
            elif account.resync:
                # Another sender used this key: the node's count may be ahead of ours. Ours may be ahead
                # of the node's too (our other threads' transactions still on their way), so keep the
                # higher; released nonces the node has seen used are no gaps any more.
                node = self._fetch(address)
                account.next = max(account.next, node)
                account.gaps = [g for g in account.gaps if g >= node]
            account.resync = False
            taken = account.gaps[:count]
            del account.gaps[:count]
            fresh = count - len(taken)
            taken.extend(range(account.next, account.next + fresh))
            account.next += fresh
            return taken

    def release(self, address: str, nonces: list[int] | tuple[int, ...]) -> None:
        """Give back nonces whose transactions the node refused (they are not in its pool)."""
        account = self._account(address)
        with account.lock:
            if account.next is None:
                return  # forgotten meanwhile: the node's count is the truth again
            for nonce in nonces:
                if nonce < account.next and nonce not in account.gaps:
                    bisect.insort(account.gaps, nonce)
            # Gaps at the top of the sequence are no gaps: roll the sequence back over them.
            while account.gaps and account.gaps[-1] == account.next - 1:
                account.gaps.pop()
                account.next -= 1

    def resync(self, address: str) -> None:
        """The node said a nonce was already used: the next reservation asks the node and continues from
        its count or ours, whichever is higher. Unlike :meth:`forget`, this never hands out a nonce that
        a transaction of another thread of this process holds but has not yet delivered."""
        account = self._account(address)
        with account.lock:
            account.resync = True

    def forget(self, address: str) -> None:
        """Drop what is known about ``address``; the next reservation asks the node (after a lost
        connection or a restarted node, whose count may be lower than ours)."""
        account = self._account(address)
        with account.lock:
            account.next = None
            account.gaps.clear()

    def gaps(self, address: str) -> list[int]:
        """Released nonces below the sequence's top that are not yet reused (for repair and tests)."""
        account = self._account(address)
        with account.lock:
            return list(account.gaps)
