"""A fast event decoder for the index, driven by the same committed ABIs as ``ledger.contracts.deployment``.

Syncing is dominated by decoding when every value goes through eth_abi. Most of our events are made
of one-word static values (addresses, integers, enums, bytes32, bools), which are plain slices of the
log's topics and data. This decoder compiles, once per event type, a plan of word decoders from the
ABI, and hands the few events with dynamic members (arrays, bytes, structs) to
:meth:`ledger.contracts.deployment.AbiEvent.decode`. The result has the same shape as
``ledger.contracts.deployment.decode_events`` (a test checks both agree on every event type); enums are plain
integers here.

A log with the topic of one of our events whose topics or data do not fit the event raises
:class:`~ledger.contracts.abi.UndecodableEvent` (never an eth_abi, ``ValueError`` or ``IndexError`` traceback);
:class:`~ledger.index.sync.Syncer` skips such a log and records a warning.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eth_abi.exceptions import DecodingError

from ledger.chain.base import Log
from ledger.contracts.abi import CONTRACT_NAMES, AbiEvent, Event, UndecodableEvent, abi_type, contract_abi
from ledger.crypto.hashing import to_checksum_address

WordDecoder = Callable[[bytes], Any]


@functools.lru_cache(maxsize=4096)
def _checksummed(raw: bytes) -> str:
    # Few distinct addresses recur in millions of events; checksumming each once is enough.
    return to_checksum_address(raw)


def _word_decoder(entry: dict[str, Any]) -> WordDecoder | None:
    """How to decode one 32-byte word of this ABI type, or None if it is not a one-word static type."""
    kind = abi_type(entry)
    if kind.endswith("]") or kind.startswith("("):
        return None  # arrays and structs: eth_abi
    if kind == "address":
        return lambda w: _checksummed(w[12:])
    if kind == "bool":
        return lambda w: w[31] != 0
    if kind.startswith("uint"):
        return lambda w: int.from_bytes(w, "big")
    if kind.startswith("int"):
        return lambda w: int.from_bytes(w, "big", signed=True)
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
        return (lambda w: w) if size == 32 else (lambda w: w[:size])
    return None


class _Plan:
    """The compiled decoding of one event type."""

    def __init__(self, event: AbiEvent) -> None:
        self.event = event
        self.names = [i["name"] for i in event.inputs]
        indexed = [i for i in event.inputs if i["indexed"]]
        plain = [i for i in event.inputs if not i["indexed"]]
        self.topic_decoders: list[tuple[str, WordDecoder]] = []
        for entry in indexed:
            decoder = _word_decoder(entry)
            # A dynamic indexed value is only its hash: kept as the raw topic, like eth_abi users do.
            self.topic_decoders.append((entry["name"], decoder or (lambda w: w)))
        self.data_decoders: list[tuple[str, WordDecoder, bool]] = []  # (name, decoder, is a T[] array)
        self.fast = True
        for entry in plain:
            kind = abi_type(entry)
            element = dict(entry, type=kind[:-2]) if kind.endswith("[]") and "[" not in kind[:-2] else None
            decoder = _word_decoder(element if element is not None else entry)
            if decoder is None:
                self.fast = False  # structs, fixed arrays, bytes, strings: eth_abi
                break
            self.data_decoders.append((entry["name"], decoder, element is not None))

    def decode(self, log: Log) -> dict[str, Any]:
        """The log's arguments by name.

        Raises:
            UndecodableEvent: the log does not fit the event.
        """
        try:
            return self._decode(log)
        except (DecodingError, ValueError, TypeError, IndexError) as exc:
            raise UndecodableEvent(self.event.name, log.address, log.block_number, log.log_index,
                                   f"{type(exc).__name__}: {str(exc)[:120]}") from exc

    def _decode(self, log: Log) -> dict[str, Any]:
        if not self.fast or len(log.data) < 32 * len(self.data_decoders) or len(log.topics) != 1 + len(
            self.topic_decoders
        ):
            return self.event.decode(log)  # the general decoder (and its errors for malformed logs)
        values: dict[str, Any] = {}
        for (name, decode), topic in zip(self.topic_decoders, log.topics[1:]):
            if len(topic) != 32:
                raise ValueError(f"topic {name} has {len(topic)} bytes, not 32")
            values[name] = decode(topic)
        data = log.data
        for position, (name, decode, array) in enumerate(self.data_decoders):
            word = data[32 * position : 32 * position + 32]
            if array:
                # A dynamic array of one-word elements: the head holds its offset, then length, items.
                start = int.from_bytes(word, "big")
                length = int.from_bytes(data[start : start + 32], "big")
                if start + 32 * (length + 1) > len(data):
                    raise ValueError(f"{self.event.name}.{name}: array runs past the log data")
                values[name] = tuple(decode(data[start + 32 * (k + 1) : start + 32 * (k + 2)]) for k in range(length))
            else:
                values[name] = decode(word)
        return {name: values[name] for name in self.names}


@functools.cache
def _plans(crypto: str) -> dict[bytes, _Plan]:
    plans: dict[bytes, _Plan] = {}
    for name in CONTRACT_NAMES:
        for topic, event in contract_abi(name, crypto).events.items():
            plans[topic] = _Plan(event)
    return plans


def decode_events(logs: Iterable[Log], *, crypto: str = "ecdsa") -> list[Event]:
    """Decode the logs of our three contracts (others are skipped), in order; topics are those of the
    chain's crypto mode ``crypto`` (SM3 on SM chains).

    Raises:
        UndecodableEvent: a log has the topic of one of our events but does not decode as it.
    """
    plans = _plans(crypto)
    out: list[Event] = []
    append = out.append
    for log in logs:
        plan = plans.get(log.topics[0]) if log.topics else None
        if plan is not None:
            append(Event(plan.event.name, plan.decode(log), log.address, log.block_number, log.tx_hash,
                         log.log_index))
    return out


def event_names() -> Sequence[str]:
    """Every event name of our contracts."""
    return sorted({p.event.name for p in _plans().values()})
