"""A Tars codec: the subset of Tencent's Tars binary format FISCO BCOS 3.x transactions use.

Every field is a head (``tag << 4 | type``; tags of 15 and above take a second byte) followed
by its value. Integers take the smallest type that holds them (0 is the bodiless ZERO type);
strings carry a 1-byte (<= 255) or 4-byte length; ``vector<byte>`` is a SIMPLE_LIST. All
multi-byte numbers are big-endian.

Python values map onto Tars types as follows, both ways:

===================================  ==============================
Python                               Tars
===================================  ==============================
``int``                              INT8 / INT16 / INT32 / INT64 / ZERO
``float``                            DOUBLE (FLOAT is read as well)
``str`` (UTF-8)                      STRING1 / STRING4
``bytes``                            SIMPLE_LIST (``vector<byte>``)
``list``                             LIST
``TarsMap`` (tuple of pairs)         MAP
``dict[int, value]``                 STRUCT (tag -> value)
===================================  ==============================

Decoding is bounded: every length is checked against the bytes that remain and nesting is
limited, so truncated or hostile input raises :class:`MalformedTransaction` quickly.
"""

from __future__ import annotations

import struct
from typing import Any

from ledger.chain.fisco.errors import MalformedTransaction

INT8, INT16, INT32, INT64, FLOAT, DOUBLE = 0, 1, 2, 3, 4, 5
STRING1, STRING4, MAP, LIST, STRUCT_BEGIN, STRUCT_END, ZERO, SIMPLE_LIST = 6, 7, 8, 9, 10, 11, 12, 13

MAX_DEPTH = 32
_INT_RANGES = ((INT8, 1, 1 << 7), (INT16, 2, 1 << 15), (INT32, 4, 1 << 31), (INT64, 8, 1 << 63))


class TarsMap(tuple[Any, ...]):
    """A Tars MAP: an ordered tuple of ``(key, value)`` pairs (keys may be unhashable)."""


Value = int | float | str | bytes | list[Any] | TarsMap | dict[Any, Any]


def _fail(reason: str, offset: int | None = None) -> MalformedTransaction:
    return MalformedTransaction("Tars", reason, offset)


class Writer:
    """Appends Tars fields to a buffer. Field writers take the tag first."""

    def __init__(self) -> None:
        self._out = bytearray()

    def getvalue(self) -> bytes:
        return bytes(self._out)

    def head(self, tag: int, type_: int) -> None:
        if not 0 <= tag <= 255:
            raise _fail(f"tag {tag} is outside 0..255")
        if tag < 15:
            self._out.append(tag << 4 | type_)
        else:
            self._out += bytes((0xF0 | type_, tag))

    def put_int(self, tag: int, value: int) -> None:
        if value == 0:
            self.head(tag, ZERO)
            return
        for type_, size, bound in _INT_RANGES:
            if -bound <= value < bound:
                self.head(tag, type_)
                self._out += value.to_bytes(size, "big", signed=True)
                return
        raise _fail(f"integer {value} does not fit in 64 bits (tag {tag})")

    def put_double(self, tag: int, value: float) -> None:
        self.head(tag, DOUBLE)
        self._out += struct.pack(">d", value)

    def put_string(self, tag: int, value: str | bytes) -> None:
        raw = value.encode() if isinstance(value, str) else bytes(value)
        if len(raw) <= 255:
            self.head(tag, STRING1)
            self._out.append(len(raw))
        elif len(raw) < 1 << 32:
            self.head(tag, STRING4)
            self._out += len(raw).to_bytes(4, "big")
        else:
            raise _fail(f"string of {len(raw)} bytes is too long (tag {tag})")
        self._out += raw

    def put_bytes(self, tag: int, value: bytes) -> None:
        self.head(tag, SIMPLE_LIST)
        self.head(0, INT8)
        self.put_int(0, len(value))
        self._out += value

    def put_list(self, tag: int, items: list[Value]) -> None:
        self.head(tag, LIST)
        self.put_int(0, len(items))
        for item in items:
            self.put(0, item)

    def put_map(self, tag: int, pairs: TarsMap) -> None:
        self.head(tag, MAP)
        self.put_int(0, len(pairs))
        for key, item in pairs:
            self.put(0, key)
            self.put(1, item)

    def put_struct(self, tag: int, fields: dict[int, Value]) -> None:
        self.head(tag, STRUCT_BEGIN)
        self.put_fields(fields)
        self.head(0, STRUCT_END)

    def put_fields(self, fields: dict[int, Value]) -> None:
        """Write the fields of a struct body in tag order."""
        for tag in sorted(fields):
            self.put(tag, fields[tag])

    def put(self, tag: int, value: Value) -> None:
        """Write any supported Python value with the Tars type from the module table."""
        if isinstance(value, bool):
            raise _fail(f"booleans have no Tars type (tag {tag})")
        if isinstance(value, int):
            self.put_int(tag, value)
        elif isinstance(value, float):
            self.put_double(tag, value)
        elif isinstance(value, str):
            self.put_string(tag, value)
        elif isinstance(value, (bytes, bytearray)):
            self.put_bytes(tag, bytes(value))
        elif isinstance(value, TarsMap):
            self.put_map(tag, value)
        elif isinstance(value, list):
            self.put_list(tag, value)
        elif isinstance(value, dict):
            self.put_struct(tag, value)
        else:
            raise _fail(f"no Tars type for {type(value).__name__} (tag {tag})")


class Reader:
    """Reads Tars fields from a buffer; every read is bounds-checked."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self.pos = 0

    @property
    def at_end(self) -> bool:
        return self.pos >= len(self._data)

    def _take(self, count: int) -> bytes:
        if count < 0 or self.pos + count > len(self._data):
            raise _fail(f"needs {count} more bytes, {len(self._data) - self.pos} left (truncated)", self.pos)
        chunk = self._data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def head(self) -> tuple[int, int]:
        first = self._take(1)[0]
        tag, type_ = first >> 4, first & 0x0F
        if tag == 15:
            tag = self._take(1)[0]
        return tag, type_

    def _length(self, what: str) -> int:
        _, type_ = self.head()
        value = self._int_body(type_)
        if value < 0:
            raise _fail(f"negative {what} length {value}", self.pos)
        if value > len(self._data) - self.pos:
            raise _fail(
                f"{what} length {value} exceeds the {len(self._data) - self.pos} bytes left", self.pos
            )
        return value

    def _int_body(self, type_: int) -> int:
        if type_ == ZERO:
            return 0
        for int_type, size, _ in _INT_RANGES:
            if type_ == int_type:
                return int.from_bytes(self._take(size), "big", signed=True)
        raise _fail(f"expected an integer, found Tars type {type_}", self.pos)

    def value(self, type_: int, depth: int = 0) -> Value:
        """Read the body of a field whose head announced ``type_``."""
        if depth > MAX_DEPTH:
            raise _fail(f"nesting deeper than {MAX_DEPTH}", self.pos)
        if type_ in (ZERO, INT8, INT16, INT32, INT64):
            return self._int_body(type_)
        if type_ == FLOAT:
            return float(struct.unpack(">f", self._take(4))[0])
        if type_ == DOUBLE:
            return float(struct.unpack(">d", self._take(8))[0])
        if type_ in (STRING1, STRING4):
            size = self._take(1)[0] if type_ == STRING1 else int.from_bytes(self._take(4), "big")
            start = self.pos
            raw = self._take(size)
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _fail("a string field is not valid UTF-8", start) from exc
        if type_ == SIMPLE_LIST:
            _, inner = self.head()
            if inner != INT8:
                raise _fail(f"SIMPLE_LIST element type {inner}, expected INT8", self.pos)
            return self._take(self._length("SIMPLE_LIST"))
        if type_ == LIST:
            count = self._length("LIST")
            items: list[Value] = []
            for _ in range(count):
                _, item_type = self.head()
                items.append(self.value(item_type, depth + 1))
            return items
        if type_ == MAP:
            count = self._length("MAP")
            pairs = []
            for _ in range(count):
                _, key_type = self.head()
                key = self.value(key_type, depth + 1)
                _, item_type = self.head()
                pairs.append((key, self.value(item_type, depth + 1)))
            return TarsMap(pairs)
        if type_ == STRUCT_BEGIN:
            return self.fields(depth + 1, until_end=True)
        raise _fail(f"unknown Tars type {type_}", self.pos - 1)

    def fields(self, depth: int = 0, *, until_end: bool = False) -> dict[int, Value]:
        """Read struct fields until STRUCT_END (``until_end``) or the end of the buffer."""
        out: dict[int, Value] = {}
        while True:
            if self.at_end:
                if until_end:
                    raise _fail("struct without STRUCT_END (truncated)", self.pos)
                return out
            start = self.pos
            tag, type_ = self.head()
            if type_ == STRUCT_END:
                if not until_end:
                    raise _fail("STRUCT_END outside a struct", start)
                return out
            if tag in out:
                raise _fail(f"tag {tag} appears twice in one struct", start)
            out[tag] = self.value(type_, depth)


def encode_struct(fields: dict[int, Value]) -> bytes:
    """Encode a top-level struct body (no STRUCT_BEGIN/END wrapper, as Tars writes messages)."""
    writer = Writer()
    writer.put_fields(fields)
    return writer.getvalue()


def decode_struct(data: bytes) -> dict[int, Value]:
    """Decode a top-level struct body; the whole input must be consumed."""
    return Reader(data).fields()
