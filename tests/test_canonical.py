"""RFC 8785 canonical JSON: the C fast path agrees with the reference, refusals name their path."""

from __future__ import annotations

import math
from typing import Any, Literal

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalizationError,
    NotJSONError,
    _scan,
    canonicalize,
    loads,
    loads_lax,
    parse,
)
from ledger.errors import ValidationError

_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)

# Text without lone surrogates (not Unicode scalar values, so not JSON-encodable as UTF-8).
_text = st.text(st.characters(exclude_categories=_SURROGATES), max_size=12)
_bmp_keys = st.text(st.characters(exclude_categories=_SURROGATES, max_codepoint=0xFFFF), max_size=8)
_scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | _text
_fast_domain = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_bmp_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_fast_domain)
def test_fast_path_agrees_with_reference_on_its_domain(value: Any) -> None:
    assert _scan(value) is True, "the strategy should stay inside the fast path's domain"
    assert canonicalize(value) == rfc8785.dumps(value)


_any_keys = st.text(st.characters(exclude_categories=_SURROGATES), max_size=8)
_floats = st.floats(allow_nan=False, allow_infinity=False)
_any_json = st.recursive(
    _scalars | _floats,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_any_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_any_json)
def test_every_value_matches_reference(value: Any) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


def test_keys_outside_bmp_sort_by_utf16_code_units() -> None:
    # U+1F600 is D83D DE00 in UTF-16, which sorts before U+FFFF; by code point it sorts after.
    value = {"\uffff": 1, "\U0001f600": 2, "a": 3}
    assert canonicalize(value) == '{"a":3,"\U0001f600":2,"\uffff":1}'.encode()


def test_floats_use_ecmascript_number_form() -> None:
    assert canonicalize([1.0, 1e21, 1e-7, 0.1, -0.0]) == b"[1,1e+21,1e-7,0.1,0]"


def test_escapes_and_utf8_as_jcs() -> None:
    assert canonicalize({"s": 'a"\\\n\x01\u00e9\u2028'}) == '{"s":"a\\"\\\\\\n\\u0001\u00e9\u2028"}'.encode()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_refused_with_path(bad: float) -> None:
    with pytest.raises(CanonicalizationError) as info:
        canonicalize({"a": [0, {"b": bad}]})
    assert info.value.path == "a[1].b"
    assert "NaN or an infinity" in info.value.reason
    assert isinstance(info.value, ValidationError) and isinstance(info.value, ValueError)


def test_unsafe_integer_refused() -> None:
    assert canonicalize(MAX_SAFE_INTEGER) == str(MAX_SAFE_INTEGER).encode()
    with pytest.raises(CanonicalizationError) as info:
        canonicalize({"n": MAX_SAFE_INTEGER + 1})
    assert info.value.path == "n"


@pytest.mark.parametrize(
    ("value", "path"),
    [({1: "x"}, ""), ({"a": b"bytes"}, "a"), ({"a": {1, 2}}, "a")],
)
def test_non_json_refused(value: object, path: str) -> None:
    with pytest.raises(CanonicalizationError) as info:
        canonicalize(value)
    assert info.value.path == path


def test_lone_surrogate_refused() -> None:
    with pytest.raises(CanonicalizationError, match="surrogate"):
        canonicalize({"a": "\ud800"})


def test_loads_refuses_duplicates_and_constants() -> None:
    assert loads('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    with pytest.raises(CanonicalizationError, match="duplicate object key 'a'"):
        loads('{"x": {"a": 1, "a": 2}}')
    for text in ('{"a": NaN}', "[Infinity]", "[-Infinity]"):
        with pytest.raises(CanonicalizationError, match="not JSON"):
            loads(text)
    with pytest.raises(CanonicalizationError, match="line 1 column"):
        loads('{"a": ')
    with pytest.raises(CanonicalizationError, match="UTF-8"):
        loads(b'"\xff\xfe"')


@pytest.mark.parametrize("read", [loads, loads_lax, parse])
def test_a_number_longer_than_python_reads_is_not_json_not_a_crash(read: Any) -> None:
    with pytest.raises(NotJSONError, match="a number longer than 4,300 digits"):
        read("[" + "9" * 5_000 + "]")
    with pytest.raises(NotJSONError, match="a number longer than"):
        read('{"a": -' + "1" * 4_301 + "}")
    if read is parse:
        with pytest.raises(CanonicalizationError, match="safe range"):  # read, then refused as a double
            read("[" + "9" * 4_300 + "]")
    else:
        assert read("[" + "9" * 4_300 + "]") == [int("9" * 4_300)]
