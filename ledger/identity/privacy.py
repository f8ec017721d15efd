"""The guard that keeps personal data off the chain.

Everything bound for the chain (contribution fields, metadata documents whose hash is anchored, type
definitions, issuer records) passes through :func:`check_fields` first. A hash of an email address is
still personal data (anyone can hash a guessed address and compare), so values that are only hashed
before they go on chain are checked too.

What counts as personal data here: an email address, a phone number (mainland China mobile, or an
international ``+`` number), a Chinese resident identity card number (18 digits with a valid ISO 7064
MOD 11-2 check digit, or the old 15-digit form), and a person's name or number: any value held in the
workspace's subject vault, or a string that is exactly a common Chinese surname followed by one or two
Han characters. The checks are deliberately conservative: a refusal names the field so the user can fix it.

A vault value is matched as whole tokens, not as any substring: a student number ``81`` must not refuse
``github.com/org/repo/pull/812``, nor a name ``Bo`` the word ``bot``. Each Han character is a token of its
own (Chinese has no spaces), so Han names are found inside Han text. Values too short to single anyone
out (a one- or two-letter word, one Han character, a number of fewer than six digits) are not matched.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping

from ledger.errors import PersonalDataError

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}[- ]?\(?\d{1,4}\)?(?:[- ]?\d{2,4}){2,4}(?!\d)")
_ID18 = re.compile(r"(?<!\d)(\d{17}[\dXx])(?!\d)")
_ID15 = re.compile(r"(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
_HEX = re.compile(r"^0x[0-9a-fA-F]*$")

# The most common Chinese surnames (they cover most of the population).
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,3}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_resident_id(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    month, day = int(number[10:12]), int(number[12:14])
    return 1 <= month <= 12 and 1 <= day <= 31 and _ID_CHECK[total % 11] == number[17].upper()


@functools.lru_cache(maxsize=65536)
def _folded_name(name: str) -> str:
    """A vault name as it is compared (NFKC, stripped, case-folded); cached: the same names recur per field."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# Tokens: each Han character on its own (Chinese has no spaces), a run of digits, a run of other
# letters. Everything else separates them, "_" and "·" included.
_TOKEN = re.compile(rf"(?P<han>[{_HAN}])|(?P<num>\d+)|(?P<word>(?:(?![{_HAN}])[^\W\d_])+)")
_CLEAN_LIMIT = 100_000  # values remembered as clean per set of vault names
_MIN_DIGITS = 6  # a shorter number (a class number, a PR number) singles no one out
_MIN_WORD = 3  # a one-word name of one or two letters matches too much ("Bo", "Li")


def _tokens(folded: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _TOKEN.finditer(folded))


def tokens_of(text: str) -> tuple[str, ...]:
    """The tokens of ``text`` as the guard compares them (NFKC, case-folded; see the module's notes)."""
    return _tokens(_folded_name(text))


def guarded_sequence(value: str) -> tuple[str, ...] | None:
    """The token sequence the guard looks for to find ``value``, or ``None`` for a value too short to
    single anyone out (one or two letters, one Han character, a number of fewer than six digits)."""
    tokens = tokens_of(value)
    if len(tokens) == 1:
        (only,) = tokens
        if only.isdigit() and len(only) < _MIN_DIGITS:
            return None
        if not only.isdigit() and (len(only) < _MIN_WORD or _TOKEN.match(only).group("han")):  # type: ignore[union-attr]
            return None  # one or two letters, or one Han character
    return tokens or None


def windows(folded: str, lengths: Iterable[int]) -> Iterator[tuple[str, ...]]:
    """Every run of ``n`` consecutive tokens of ``folded`` for each ``n`` in ``lengths``: the places a
    vault value's token sequence can sit in a text."""
    tokens = _tokens(folded)
    for n in lengths:
        for start in range(len(tokens) - n + 1):
            yield tokens[start : start + n]


class NameIndex(ABC):
    """What the guard asks of the vault's people: does this text hold one of them, as whole tokens?

    :class:`VaultNames` answers from values held in memory; the vault answers from keyed tags of the
    same token sequences without decrypting anyone (``ledger.identity.vault``).
    """

    def __init__(self) -> None:
        #: Values already checked and found clean against these names: an import checks the same
        #: project, role and importer names on every contribution.
        self.clean: set[str] = set()

    @abstractmethod
    def find(self, folded: str) -> bool:
        """Whether ``folded`` (NFKC-normalised, case-folded) holds a vault value as whole tokens."""


class VaultNames(NameIndex):
    """The vault's values, indexed for matching as whole tokens; build once, check many fields.

    A value matches where its tokens appear in a row in the text: ``al chen`` in "mentored by Al Chen",
    ``张伟`` in "张伟的项目", ``ivan`` in "ivan_dev", ``2022000001`` in "by=2022000001", but not ``81`` in
    "pull/812". Values too short to single anyone out are left out (see the module's notes).
    Iterating yields the values themselves, so it serves wherever a list of names is expected.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self._values = tuple(values)
        self._sequences: set[tuple[str, ...]] = set()
        for value in self._values:
            tokens = guarded_sequence(value)
            if tokens:
                self._sequences.add(tokens)
        self._lengths = sorted({len(t) for t in self._sequences})
        super().__init__()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def find(self, folded: str) -> bool:
        if not self._sequences:
            return False
        return any(window in self._sequences for window in windows(folded, self._lengths))


def vault_names(known_names: Iterable[str] | NameIndex) -> NameIndex:
    """``known_names`` as a :class:`NameIndex` (itself if it already is one)."""
    return known_names if isinstance(known_names, NameIndex) else VaultNames(known_names)


def find_contact_data(value: str) -> str | None:
    """Like :func:`find_personal_data`, but only email, phone and identity numbers (not names).

    Cheap for the common case: a value with no ``@`` (in any width) and fewer than seven digits holds
    none of them.
    """
    if "@" not in value and "\uff20" not in value and "\ufe6b" not in value and sum(map(str.isdigit, value)) < 7:
        return None
    kind = find_personal_data(value)
    return kind if kind in ("an email address", "a phone number", "a resident identity card number") else None


def find_personal_data(value: str, known_names: Iterable[str] = ()) -> str | None:
    """The kind of personal data ``value`` appears to hold, or ``None``.

    The value is NFKC-normalised first, so look-alike forms (fullwidth ``＠``, fullwidth digits) match
    as what they read as.
    """
    if not value:
        return None
    value = unicodedata.normalize("NFKC", value)
    if _HEX.match(value):
        return None
    if _EMAIL.search(value):
        return "an email address"
    for match in _ID18.finditer(value):
        if _valid_resident_id(match.group(1)):
            return "a resident identity card number"
    if _ID15.search(value):
        return "a resident identity card number"
    if _CN_MOBILE.search(value) or _INTL_PHONE.search(value):
        return "a phone number"
    if vault_names(known_names).find(value.casefold()):
        return "a name or number of a person in the vault"
    stripped = value.strip()
    if _HAN_NAME.match(stripped) and stripped[0] in _SURNAMES:
        return "a person's name"
    return None


def check_fields(fields: Mapping[str, object], known_names: Iterable[str] = (), prefix: str = "") -> None:
    """Raise :class:`PersonalDataError` naming the first field that holds personal data.

    Nested mappings and lists are walked; the field name in the error is a dotted path.
    """
    names = vault_names(known_names)
    for key, value in fields.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            check_fields(value, names, prefix=path + ".")
        elif isinstance(value, (list, tuple)):
            check_fields({f"{key}[{i}]": v for i, v in enumerate(value)}, names, prefix=prefix)
        elif isinstance(value, str):
            if value in names.clean:
                continue
            kind = find_personal_data(value, names)
            if kind:
                raise PersonalDataError(path, kind)
            if len(names.clean) < _CLEAN_LIMIT:
                names.clean.add(value)
