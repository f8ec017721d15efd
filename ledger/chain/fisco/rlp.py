"""Recursive Length Prefix (RLP), the encoding of FISCO BCOS 2.x transactions.

An item is a byte string or a list of items. Integers are written as big-endian byte strings
without leading zeros (0 is the empty string). Decoding is strict: only the canonical encoding
is accepted, every length is checked against the input and nesting is bounded, so truncated
or hostile input raises :class:`MalformedTransaction` quickly.
"""

from __future__ import annotations

from ledger.chain.fisco.errors import MalformedTransaction

Item = bytes | list["Item"]

MAX_DEPTH = 32


def _fail(reason: str, offset: int | None = None) -> MalformedTransaction:
    return MalformedTransaction("RLP", reason, offset)


def int_to_bytes(value: int) -> bytes:
    """Minimal big-endian bytes of a non-negative integer (0 -> empty)."""
    if value < 0:
        raise _fail(f"RLP integers are non-negative, got {value}")
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def bytes_to_int(data: bytes, what: str = "integer") -> int:
    """Inverse of :func:`int_to_bytes`; a leading zero byte is not canonical."""
    if data[:1] == b"\x00":
        raise _fail(f"{what} has a leading zero byte")
    return int.from_bytes(data, "big")


def _length_prefix(length: int, offset: int) -> bytes:
    if length <= 55:
        return bytes([offset + length])
    size = int_to_bytes(length)
    if len(size) > 8:
        raise _fail("item longer than 2**64 bytes")
    return bytes([offset + 55 + len(size)]) + size


def encode(item: Item) -> bytes:
    """RLP-encode a byte string or a (nested) list of them."""
    if isinstance(item, (bytes, bytearray)):
        data = bytes(item)
        if len(data) == 1 and data[0] < 0x80:
            return data
        return _length_prefix(len(data), 0x80) + data
    if isinstance(item, list):
        body = b"".join(encode(child) for child in item)
        return _length_prefix(len(body), 0xC0) + body
    raise _fail(f"cannot encode {type(item).__name__}; use bytes or a list")


def decode(data: bytes) -> Item:
    """Decode exactly one item that spans all of ``data``."""
    data = bytes(data)
    item, end = _decode_at(data, 0, 0, len(data))
    if end != len(data):
        raise _fail(f"{len(data) - end} trailing bytes after the item", end)
    return item


def _decode_at(data: bytes, pos: int, depth: int, limit: int) -> tuple[Item, int]:
    if depth > MAX_DEPTH:
        raise _fail(f"nesting deeper than {MAX_DEPTH}", pos)
    if pos >= limit:
        raise _fail("input ends where an item should start (truncated)", pos)
    first = data[pos]
    if first < 0x80:
        return data[pos : pos + 1], pos + 1
    is_list = first >= 0xC0
    base = 0xC0 if is_list else 0x80
    short = first - base
    if short <= 55:
        length, start = short, pos + 1
    else:
        size = short - 55
        start = pos + 1 + size
        if start > limit:
            raise _fail("length of length runs past the end (truncated)", pos)
        raw_len = data[pos + 1 : start]
        if raw_len[0] == 0:
            raise _fail("length with a leading zero byte is not canonical", pos)
        length = int.from_bytes(raw_len, "big")
        if length <= 55:
            raise _fail("long form used for a short item is not canonical", pos)
    end = start + length
    if end > limit:
        raise _fail(f"item of {length} bytes runs past the end ({limit - start} left, truncated)", pos)
    if not is_list:
        if length == 1 and data[start] < 0x80:
            raise _fail("single byte below 0x80 must encode as itself", pos)
        return data[start:end], end
    items: list[Item] = []
    cursor = start
    while cursor < end:
        child, cursor = _decode_at(data, cursor, depth + 1, end)
        items.append(child)
    return items, end
