"""RFC 8785 (JSON Canonicalization Scheme, JCS) encoding and strict I-JSON parsing.

A credential's hash is taken over its canonical JSON, so two parties that hold the same document
must produce the same bytes. :func:`canonicalize` gives the RFC 8785 form:

* **Fast path.** ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` runs in C
  and produces exactly the JCS bytes when the value has no floats (JCS formats numbers as
  ECMAScript does, Python's ``repr`` differs, e.g. ``1e+21`` vs ``1e21``) and no object key outside
  the Basic Multilingual Plane (JCS sorts keys by UTF-16 code units, Python by code points; the two
  orders agree on the BMP). String escaping is identical in both (``\\" \\\\ \\b \\f \\n \\r \\t`` and
  lower-case ``\\u00xx`` for other control characters, everything else as UTF-8).
* **Fallback.** Anything else goes through the pure-Python ``rfc8785`` package (slow, exact).

Both paths reject what JCS cannot represent, with the JSON path of the offending value: NaN and
infinities, integers outside the IEEE 754 safe range (+/-(2**53 - 1)), non-string keys, lone
surrogates and non-JSON types.

:func:`loads` is the matching parser: it refuses duplicate keys (RFC 8785 requires I-JSON, and two
parsers that keep different duplicates would see different documents) and the non-standard
``NaN``/``Infinity`` literals.

Both parsers refuse text nested deeper than :data:`MAX_DEPTH` before handing it to ``json.loads``:
importing py-evm raises the interpreter's recursion limit far enough for the C parser to overflow
the C stack (a segmentation fault) on some 80,000 nested brackets, so depth is checked, not caught.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import rfc8785

from ledger.errors import ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "CanonicalizationError",
    "NotJSONError",
    "ParsedJSON",
    "canonicalize",
    "check_depth",
    "join_members",
    "loads",
    "parse",
]

#: Largest integer an IEEE 754 double holds exactly; JCS numbers are doubles.
MAX_SAFE_INTEGER = 2**53 - 1

#: Deepest nesting of arrays and objects the parsers accept (a credential needs 5).
MAX_DEPTH = 64
_MAX_DIGITS = sys.get_int_max_str_digits() or 4300  # 0 would mean no limit

# A JSON string (skipped whole, so brackets inside it do not count; an unterminated one runs to the
# end, so that no start position is tried twice and the scan stays linear) or one bracket.
# A string literal (to its closing quote, or to the end of an unterminated one).
_STRING = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False
)
# The C encoder json.dumps itself uses, made once: JSONEncoder.encode would build it anew on every call,
# which costs as much as encoding a small value (a credential is canonicalized several times when parsed).
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_make_encoder is not None:
    _c_encode = _c_make_encoder(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )

    def _fast_dumps(value: Any) -> str:
        return "".join(_c_encode(value, 0))

else:  # pragma: no cover - an interpreter without the C accelerator

    def _fast_dumps(value: Any) -> str:
        return _ENCODER.encode(value)


class CanonicalizationError(ValidationError):
    """A value cannot be put in RFC 8785 canonical form, or a text is not strict I-JSON.

    Attributes:
        path: where the bad value is, e.g. ``credentialSubject.achievement.typeId`` or ``evidence[2]``
            (empty for the top level or when the position is unknown).
        reason: what is wrong with it.
    """

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


class NotJSONError(CanonicalizationError):
    """The text is not JSON at all (as opposed to JSON that is not strict I-JSON)."""


class _Refused(Exception):
    """Internal: carries a refusal up the recursion, collecting the path on the way."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.parts: list[str | int] = []


def _format_path(parts: list[str | int]) -> str:
    out = ""
    for part in reversed(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _scan(value: Any) -> bool:
    """Check that ``value`` is canonicalizable; True when the fast path gives the JCS bytes.

    Subclasses (str-valued enums, OrderedDict ...) are legal JSON values but ``json.dumps`` may
    render them differently, so they send the value to the exact fallback.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if isinstance(value, dict):
        fast = kind is dict
        for key, item in value.items():
            if type(key) is not str:
                if not isinstance(key, str):
                    raise _Refused(f"object key {key!r} is not a string")
                fast = False
            try:
                if not _scan(item):
                    fast = False
            except _Refused as refused:
                refused.parts.append(key)
                raise
            if fast and not key.isascii() and max(key) > "\uffff":
                fast = False
        return fast
    if isinstance(value, (list, tuple)):
        fast = kind is list or kind is tuple
        for index, item in enumerate(value):
            try:
                if not _scan(item):
                    fast = False
            except _Refused as refused:
                refused.parts.append(index)
                raise
        return fast
    if isinstance(value, (str, bool)):
        return False
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return kind is int
        raise _Refused(f"integer {value} is outside the JSON safe range +/-(2**53 - 1)")
    if isinstance(value, float):
        if math.isfinite(value):
            return False
        raise _Refused(f"{value} (NaN or an infinity) has no JSON representation")
    raise _Refused(f"a {type(value).__name__} is not a JSON value")


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical JSON encoding of ``value``, as UTF-8 bytes.

    Args:
        value: a JSON value made of dicts with string keys, lists/tuples, str, int, float, bool, None.

    Raises:
        CanonicalizationError: the value (at ``error.path``) has no canonical form: NaN or an
            infinity, an integer beyond +/-(2**53 - 1), a non-string key, a lone surrogate, a non-JSON type.
    """
    try:
        fast = _scan(value)
    except _Refused as refused:
        raise CanonicalizationError(refused.reason, _format_path(refused.parts)) from None
    except RecursionError as exc:
        raise CanonicalizationError("the value nests too deeply to be canonicalized") from exc
    if fast:
        try:
            return _fast_dumps(value).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CanonicalizationError("a string contains a lone surrogate (not valid Unicode)") from exc
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalizationError(str(exc)) from exc


def _pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise CanonicalizationError(f"duplicate object key {key!r}")
            seen.add(key)
    return result


def _refuse_constant(name: str) -> Any:
    raise CanonicalizationError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def _json_loads(text: str, **hooks: Any) -> Any:
    """``json.loads`` with its failures translated: every one is a :class:`NotJSONError`."""
    return _json_decode(json.JSONDecoder(**hooks) if hooks else _PLAIN, text)


def _json_decode(decoder: json.JSONDecoder, text: str) -> Any:
    """``json.loads(text)`` with ``decoder`` (made once, not per call), its failures translated as in
    :func:`_json_loads`."""
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses a str that starts with a BOM
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return decoder.decode(text)
    except CanonicalizationError:
        raise  # a hook's refusal, already ours
    except json.JSONDecodeError as exc:
        raise NotJSONError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError:  # Python reads no integer of more than 4,300 digits
        raise NotJSONError(f"not accepted: a number longer than {_MAX_DIGITS:,} digits") from None
    except RecursionError as exc:
        raise NotJSONError(f"not accepted: arrays and objects nest deeper than {MAX_DEPTH} levels") from exc


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise CanonicalizationError(f"integer {text} is outside the JSON safe range +/-(2**53 - 1)")
    return value


class _FloatSeen(Exception):
    """Internal: the text has a number with a fraction or exponent (see :func:`parse`)."""


def _float_seen(number: str) -> float:
    raise _FloatSeen(number)


_PLAIN = json.JSONDecoder()
_STRICT = json.JSONDecoder(object_pairs_hook=_pairs_to_dict, parse_constant=_refuse_constant)
# parse() without floats (every credential we write): a float stops it, and the text is parsed again
# with the float noted, so a text with floats gets exactly the answer (or error) it got before.
_STRICT_NO_FLOAT = json.JSONDecoder(
    object_pairs_hook=_pairs_to_dict, parse_constant=_refuse_constant, parse_float=_float_seen, parse_int=_safe_int
)


def loads(text: str | bytes) -> Any:
    """Parse strict JSON (I-JSON): no duplicate keys, no ``NaN``/``Infinity``.

    Raises:
        NotJSONError: the text is not JSON (or not UTF-8), or nests deeper than :data:`MAX_DEPTH`.
        CanonicalizationError: the text is JSON but not strict I-JSON.
    """
    text = _decode_utf8(text)
    check_depth(text)
    return _json_decode(_STRICT, text)


def loads_lax(text: str | bytes) -> Any:
    """Parse JSON that is not a document we hash (a node's answer, an input row, a keystore): nesting
    checked as in :func:`loads`, else plain and fast.

    Duplicate keys and the like are then the sender's business; the depth is ours, since a deep enough
    text would overflow the C stack of the JSON parser, and so is an integer too long for Python to read.

    Raises:
        NotJSONError: not JSON, not UTF-8, or nested deeper than :data:`MAX_DEPTH`.
    """
    text = _decode_utf8(text)
    check_depth(text)
    return _json_loads(text)


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON text whose arrays and objects nest deeper than ``limit``.

    Text with at most ``limit`` brackets cannot be too deep, which a C-speed count shows for nearly
    every document. Otherwise the text outside strings (brackets in strings do not count) is reduced to
    its brackets and the running depth is summed; every step runs in C, so a node's answer of megabytes
    is checked in a few milliseconds.

    Raises:
        NotJSONError: the text nests deeper than ``limit``.
    """
    if text.count("[") + text.count("{") <= limit:
        return
    # Without a backslash before a quote, every quote opens or closes a string: splitting on quotes
    # puts the text outside strings at the even places (C speed). Otherwise cut the strings out.
    outside = _STRING.sub("", text) if '\\"' in text else "".join(text.split('"')[0::2])
    brackets = _NOT_BRACKETS.sub("", outside)
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > limit:
        raise NotJSONError(f"not accepted: arrays and objects nest deeper than {limit} levels")


def _decode_utf8(text: str | bytes | bytearray) -> str:
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotJSONError("not JSON: the bytes are not UTF-8") from exc
    return text


@dataclass(frozen=True, slots=True)
class ParsedJSON:
    """A strictly parsed JSON value that remembers whether the C fast path is exact for it.

    ``fast`` is true when the text had no number with a fraction or exponent and no character
    outside the BMP (so no key can sort differently in UTF-16): then every member of ``value``
    canonicalizes with ``json.dumps`` alone, with no walk over the value.
    """

    value: Any
    fast: bool

    def canonicalize(self, value: Any) -> bytes:
        """The canonical bytes of ``value``, which must be ``self.value`` or a part of it
        (members may be dropped, none added)."""
        if not self.fast:
            return canonicalize(value)
        try:
            return _fast_dumps(value).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CanonicalizationError("a string contains a lone surrogate (not valid Unicode)") from exc


    def members(self, value: dict[str, Any]) -> dict[str, str] | None:
        """Each member of ``value`` (an object in ``self.value``) as canonical text ``"key":value``, or
        None when the fast path is not exact for this text.

        A canonical object is its members sorted by key, so objects that share members (a document
        with and without some of them) are put together from one rendering (:func:`join_members`).
        The texts may hold a lone surrogate: encoding them to UTF-8 is the caller's (as in
        :meth:`canonicalize`).
        """
        if not self.fast:
            return None
        return {key: f"{_fast_dumps(key)}:{_fast_dumps(item)}" for key, item in value.items()}


def join_members(members: dict[str, str], skip: tuple[str, ...] = ()) -> str:
    """The canonical text of an object from its :meth:`ParsedJSON.members`, leaving out ``skip``
    (keys sorted by code point, which is UTF-16 order for the BMP-only texts the fast path takes)."""
    return "{" + ",".join([members[key] for key in sorted(members) if key not in skip]) + "}"


def parse(text: str | bytes) -> ParsedJSON:
    """Like :func:`loads`, and also refuses integers beyond +/-(2**53 - 1); see :class:`ParsedJSON`.

    Raises:
        NotJSONError: the text is not JSON (or not UTF-8), or nests deeper than :data:`MAX_DEPTH`.
        CanonicalizationError: the text is JSON but not strict I-JSON.
    """
    text = _decode_utf8(text)
    check_depth(text)
    try:
        value = _json_decode(_STRICT_NO_FLOAT, text)
    except _FloatSeen:
        pass
    else:
        fast = (text.isascii() or max(text) <= "\uffff") and not _has_surrogate_escape(text)
        return ParsedJSON(value, fast)
    floats: list[str] = []

    def note_float(number: str) -> float:
        floats.append(number)
        return float(number)

    value = _json_loads(
        text,
        object_pairs_hook=_pairs_to_dict,
        parse_constant=_refuse_constant,
        parse_float=note_float,
        parse_int=_safe_int,
    )
    fast = not floats and (text.isascii() or max(text) <= "\uffff") and not _has_surrogate_escape(text)
    return ParsedJSON(value, fast)


def _has_surrogate_escape(text: str) -> bool:
    """True when the text writes a UTF-16 surrogate as an escape (how JSON spells a non-BMP character)."""
    if "\\" not in text or "\\u" not in text:
        return False
    lowered = text.lower()
    return any(f"\\u{lead}" in lowered for lead in ("d8", "d9", "da", "db", "dc", "dd", "de", "df"))
