"""What keeps one client or one request from taking the verifier down: a rate limit per client and a
capped request body.

:class:`RateLimiter` is a token bucket per client address (``rate`` tokens a second, at most
``burst`` saved up), kept in memory; the oldest idle buckets are dropped past ``max_clients``.
:func:`read_body` reads a request body chunk by chunk and stops at the cap, so a client cannot make the
server hold more than the cap in memory (a ``Content-Length`` over the cap is refused before reading).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request

from ledger.serve.errors import RequestTooLarge

__all__ = ["RateLimiter", "read_body"]


class RateLimiter:
    """Token buckets by client: :meth:`take` answers 0 when a request may go, else the seconds to wait."""

    def __init__(self, rate: float, burst: int, *, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused (:class:`RequestTooLarge`) once it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestTooLarge(limit)
    return bytes(body)
