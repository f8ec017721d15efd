"""The Tars and RLP codecs: known encodings, round trips (hypothesis), and hostile input."""

from __future__ import annotations

import time
from typing import Any

import pytest
import rlp as pyrlp  # the PyPI codec, as an independent reference
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain.fisco import rlp, tars
from ledger.chain.fisco.errors import MalformedTransaction
from ledger.errors import ValidationError

# -- Tars: known bytes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "0c"),
        (1, "0001"),
        (-128, "0080"),
        (127, "007f"),
        (128, "010080"),
        (-32769, "02ffff7fff"),
        (1 << 31, "030000000080000000"),
        ("", "0600"),
        ("chain0", "0606636861696e30"),
        (b"\x01\x02", "0d000002" + "0102"),
        (b"", "0d00" + "0c"),
        ([1, "a"], "09" + "0002" + "0001" + "060161"),
        ({1: 0, 2: "x"}, "0a" + "1c" + "260178" + "0b"),
    ],
)
def test_tars_known_encodings(value: tars.Value, encoded: str) -> None:
    writer = tars.Writer()
    writer.put(0, value)
    assert writer.getvalue().hex() == encoded
    reader = tars.Reader(writer.getvalue())
    tag, type_ = reader.head()
    assert tag == 0
    assert reader.value(type_) == value
    assert reader.at_end


def test_tars_long_string_and_high_tag() -> None:
    writer = tars.Writer()
    writer.put_string(20, "x" * 256)
    raw = writer.getvalue()
    assert raw[:2] == bytes([0xF0 | tars.STRING4, 20]) and raw[2:6] == (256).to_bytes(4, "big")
    assert tars.decode_struct(raw) == {20: "x" * 256}
    writer = tars.Writer()
    writer.put_string(1, "y" * 255)
    assert writer.getvalue()[:2] == bytes([0x10 | tars.STRING1, 255])


_scalars = (
    st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)
    | st.text(max_size=300)
    | st.binary(max_size=300)
    | st.floats(allow_nan=False)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(min_value=0, max_value=255), inner, max_size=4)
        | st.lists(st.tuples(inner, inner), max_size=3).map(tars.TarsMap)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.integers(min_value=0, max_value=255), _values, max_size=8))
def test_tars_round_trip(fields: dict[int, Any]) -> None:
    assert tars.decode_struct(tars.encode_struct(fields)) == fields


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_tars_garbage_is_rejected_cleanly(data: bytes) -> None:
    try:
        tars.decode_struct(data)
    except MalformedTransaction:
        pass


def test_tars_rejects_truncation_at_every_point(vectors: dict[str, Any]) -> None:
    raw = bytes.fromhex(vectors["fisco_3x_tars"]["official_doc_vector_sm"]["decoded"]["tars_tx_hex"][2:])
    assert tars.decode_struct(raw)
    for cut in range(len(raw)):
        try:
            decoded = tars.decode_struct(raw[:cut])
        except MalformedTransaction as exc:
            assert isinstance(exc, ValidationError) and "Tars" in str(exc)
        else:  # a cut exactly between two top-level fields is a shorter valid struct
            assert decoded != tars.decode_struct(raw)


def test_tars_hostile_lengths_and_nesting_fail_fast() -> None:
    started = time.monotonic()
    with pytest.raises(MalformedTransaction, match="exceeds"):
        tars.decode_struct(bytes([0x0D, 0x00, 0x02]) + (2**30).to_bytes(4, "big"))  # 1 GiB vector<byte>
    with pytest.raises(MalformedTransaction, match="truncated"):
        tars.decode_struct(bytes([0x07]) + (2**31).to_bytes(4, "big"))  # 2 GiB string
    with pytest.raises(MalformedTransaction, match="nesting"):
        tars.decode_struct(bytes([0x0A]) * 100 + bytes([0x0B]) * 100)
    with pytest.raises(MalformedTransaction, match="negative"):
        tars.decode_struct(bytes([0x09, 0x00, 0xFF]))
    with pytest.raises(MalformedTransaction, match="UTF-8"):
        tars.decode_struct(bytes([0x06, 0x01, 0xFF]))
    with pytest.raises(MalformedTransaction, match="twice"):
        tars.decode_struct(bytes([0x0C, 0x0C]))
    with pytest.raises(MalformedTransaction, match="unknown Tars type"):
        tars.decode_struct(bytes([0x0E]))
    assert time.monotonic() - started < 1.0


def test_tars_writer_refuses_unencodable() -> None:
    for bad in (True, None, 1 << 64, object()):
        with pytest.raises(MalformedTransaction):
            tars.encode_struct({1: bad})  # type: ignore[dict-item]


# -- RLP ---------------------------------------------------------------------------------------

_rlp_items = st.recursive(st.binary(max_size=80), lambda inner: st.lists(inner, max_size=5), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_rlp_items)
def test_rlp_round_trip_and_agrees_with_pypi_rlp(item: rlp.Item) -> None:
    encoded = rlp.encode(item)
    assert rlp.decode(encoded) == item
    assert encoded == pyrlp.encode(item)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_rlp_integers(value: int) -> None:
    raw = rlp.int_to_bytes(value)
    assert rlp.bytes_to_int(raw) == value
    assert rlp.encode(raw) == pyrlp.encode(value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "truncated"),
        ("8100", "single byte below 0x80"),
        ("b800", "not canonical"),
        ("b90001" + "00", "leading zero"),
        ("83aabb", "runs past the end"),
        ("c3aabb", "runs past the end"),
        ("8001", "trailing"),
        ("bf" + "ff" * 8, "runs past the end"),
    ],
)
def test_rlp_rejects_malformed(data: str, reason: str) -> None:
    with pytest.raises(MalformedTransaction, match=reason):
        rlp.decode(bytes.fromhex(data))


def test_rlp_nesting_and_integers_are_bounded() -> None:
    nested: rlp.Item = []
    for _ in range(60):
        nested = [nested]
    with pytest.raises(MalformedTransaction, match="nesting"):
        rlp.decode(rlp.encode(nested))
    with pytest.raises(MalformedTransaction, match="leading zero"):
        rlp.bytes_to_int(b"\x00\x01")
    with pytest.raises(MalformedTransaction):
        rlp.int_to_bytes(-1)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_rlp_garbage_is_rejected_cleanly(data: bytes) -> None:
    try:
        rlp.decode(data)
    except MalformedTransaction:
        pass
