"""Policies the 2.x and 3.x backends share: the block-limit retry and log topic filtering."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ...errors import TransactionRejected
from ..base import Log

T = TypeVar("T")


def with_block_limit_retry(send: Callable[[int], T], block_number: Callable[[], int], code: int) -> T:
    """Run ``send(current_block)``; if the node answers block-limit failure ``code``, read the
    block number again and retry once (the first read may have been stale, or the node behind).
    """
    try:
        return send(block_number())
    except TransactionRejected as exc:
        if exc.code != code:
            raise
    return send(block_number())


def match_topics(log: Log, topics: Sequence[bytes | None] | None) -> bool:
    """Whether ``log`` matches an ``eth_getLogs``-style topic filter (``None`` matches anything)."""
    if not topics:
        return True
    for position, topic in enumerate(topics):
        if topic is None:
            continue
        if position >= len(log.topics) or log.topics[position] != topic:
            return False
    return True
