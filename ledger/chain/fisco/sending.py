"""Policies the 2.x and 3.x backends share: the block-limit retry, key checks, call results and
log collection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ledger.chain.answers import parse_hex
from ledger.chain.base import Log, Reverted
from ledger.chain.fisco import status as status_codes
from ledger.chain.fisco.receipts import parse_logs, status_of
from ledger.chain.fisco.revert import revert_reason
from ledger.crypto.keys import PrivateKey
from ledger.errors import ChainError, ConfigError, TransactionRejected

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


#: Statuses that mean the node already has a transaction sent again (in its pool or its ledger).
_ALREADY_THERE = ("NonceCheckFail", "AlreadyKnown", "AlreadyInTxPool", "TxAlreadyInChain", "AlreadyInChain",
                  "AlreadyInTxPoolAndAccept")


def rebroadcast_with(send: Callable[[], object], block_limit_code: int) -> bool:
    """``ChainBackend.rebroadcast`` for FISCO: run ``send`` (the raw transaction, as signed); True if the
    node took it or has it already, False once its block limit has passed (it can never be mined).

    Raises:
        TransactionRejected, InsufficientFunds: refused for another reason.
    """
    try:
        send()
    except TransactionRejected as exc:
        if exc.code == block_limit_code:
            return False
        if any(exc.reason.startswith(name) for name in _ALREADY_THERE):
            return True
        raise
    return True


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


def require_key_mode(key: PrivateKey, crypto: str) -> None:
    """Refuse a key whose scheme (ECDSA or SM2) is not the chain's."""
    if key.crypto != crypto:
        raise ConfigError(
            f"the key {key.address} is an {key.crypto} key but the chain is {crypto}",
            hint="create or import a key for this chain's crypto mode",
        )


def collect_logs(
    from_block: int,
    to_block: int,
    addresses: Sequence[str],
    topics: Sequence[bytes | None] | None,
    *,
    transactions: Callable[[int], Iterable[Any]],
    receipt: Callable[[str], Mapping[str, Any] | None],
    entries_field: str,
) -> list[Log]:
    """Logs of a block range, read receipt by receipt (FISCO's native RPC has no log filter).

    ``transactions(n)`` lists block n's transactions (hashes, or objects with ``hash``); ``receipt``
    fetches one receipt; ``entries_field`` names its log list (``logs`` on 2.x, ``logEntries`` on 3.x).
    Log indexes count across the block, as Ethereum's do.
    """
    wanted = {a.lower() for a in addresses}
    out: list[Log] = []
    for number in range(from_block, to_block + 1):
        index = 0
        listed = transactions(number)
        if not isinstance(listed, list):
            raise ChainError(f"the node sent block {number}'s transactions as {type(listed).__name__}, not a list")
        for tx in listed:
            text = tx if isinstance(tx, str) else tx.get("hash", "") if isinstance(tx, Mapping) else None
            if not isinstance(text, str):
                raise ChainError(f"the node listed a transaction of block {number} as {type(tx).__name__}")
            raw = receipt(text)
            if raw is not None and not isinstance(raw, Mapping):
                raise ChainError(f"the node sent the receipt of {text[:70]} as {type(raw).__name__}, not an object")
            entries = raw.get(entries_field) if isinstance(raw, Mapping) else None
            logs = parse_logs(entries, block_number=number, tx_hash=parse_hex(text, "hash"), first_index=index)
            index += len(logs)
            out.extend(
                log for log in logs if (not wanted or log.address.lower() in wanted) and match_topics(log, topics)
            )
    return out


def call_output(result: Any, line: int) -> bytes:
    """The output of a native ``call`` answer, or the error its status means.

    ``line`` is 2 or 3 (the two status tables). A revert raises :class:`Reverted` with its data;
    statuses that are node-side failures raise their named ledger error.
    """
    if not isinstance(result, Mapping):
        raise ChainError(f"call returned {result!r:.80}")
    status = status_of(result, line)
    output = parse_hex(result.get("output"), "output")
    if status.kind == status_codes.OK:
        return output
    if status.raises:
        raise status_codes.to_error(status, detail=revert_reason(output) or "")
    raise Reverted(output)
