"""The rules an import follows, which the user can read and change: kinds, skips, defaults.

The defaults (:data:`DEFAULT_RULES`) are a TOML document; ``--rules FILE`` gives a file in the same
form whose tables replace or extend them, and ``ledger contrib import rules`` prints the rules in
force. Every import states the digest of its rules (:meth:`ImportRules.digest`), so a report can say
which rules produced the contributions it counts.

* ``[paths]``: glob pattern -> kind, for the files a commit touches. A pattern without ``/`` matches
  a file's name in any directory; one with ``/`` matches the path from the repository's root. In
  every pattern of the rules ``*`` is any text (across directories too), ``?`` one character, and
  everything else itself (``[bot]`` is the text "[bot]", not a character class). The first matching pattern gives a file's kind; a file no pattern matches is
  ``code``. A commit's kind is the kind most of its files have; a tie goes to the kind listed first
  in :data:`KIND_PRECEDENCE` (code before test before docs ...).
* ``[activities]``: the kind of each activity a platform export or a trailer names (``"same"``: the
  kind of the commit it is attached to; ``"skip"``: not imported).
* ``[labels]``: pull request and issue labels that set the kind (``documentation = "docs"``).
* ``[prefixes]``: conventional-commit title prefixes (``docs:``, ``test(api):``) that set the kind of
  a pull request, where no label did.
* ``[skip]``: ``bots`` (glob patterns matched against logins, names and e-mail addresses, plus every
  account a platform marks as a bot), ``authors`` (people never imported), ``unmerged`` (pull requests
  that were closed without merging or are still open), ``drafts``, ``merge_commits``,
  ``review_states`` (the review states that count).
* ``[defaults]``: the ``field`` and ``weight`` of imported contributions.
"""

from __future__ import annotations

import copy
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field  # the rules have a member named ``field``
from pathlib import Path
from typing import Any

import tomllib

from ledger.canonical import canonicalize
from ledger.contributions.activity import Actor
from ledger.contributions.files import read_text_file
from ledger.contributions.model import FIELD_NAMES, KINDS, parse_field
from ledger.crypto.hashing import keccak256
from ledger.errors import ValidationError

__all__ = ["DEFAULT_RULES", "KIND_PRECEDENCE", "SKIP_REASONS", "ImportRules", "load_rules"]

RULES_DOMAIN = b"ledger:import-rules:v1\x00"

#: Why an importer leaves something out: code -> what it means (shown by the dry run).
SKIP_REASONS = {
    "bot": "made by a bot account (rules: skip.bots, or the platform marks it a bot)",
    "author-excluded": "made by an author the rules exclude (skip.authors)",
    "unmerged": "a pull request that was not merged (closed unmerged, or still open)",
    "merge-state-unknown": "a pull request whose record does not say whether it was merged",
    "draft": "a draft pull request",
    "merge-commit": "a merge commit (its work is in the commits it merges)",
    "before-since": "made before --since",
    "kind-skipped": "an activity the rules do not import (activities.* = \"skip\")",
    "review-state": "a review whose state the rules do not count (skip.review_states)",
    "self-review": "a review or sign-off of one's own work",
    "pull-request-issue": "an issue record that stands for a pull request (read from the pulls export)",
    "not-completed": "an issue closed as not planned, or a draft or pre-release release",
    "unknown-record": "a record of a shape this importer does not know",
    "no-project": "a record that does not say its repository (give --project)",
    "repeated": "an activity already counted (one per person and thread, or pages and files that overlap)",
    "invalid": "a record that fails a contribution's checks (a date in the future, personal data in its source ...)",
}

#: Ties between kinds of a commit's files go to the earlier kind here.
KIND_PRECEDENCE = ("code", "test", "docs", "infrastructure", "translation", "design", "security", "other")

#: The activities whose kinds ``[activities]`` sets.
ACTIVITIES = ("commit", "pull_request", "review", "issue", "triage", "comment", "release",
              "co_authored_by", "reviewed_by", "signed_off_by", "tested_by")

DEFAULT_RULES = """\
# Rules of `ledger contrib import` (print them with `ledger contrib import rules`).

[paths]                       # first match wins; a file no pattern matches is code
"test/*" = "test"
"tests/*" = "test"
"*/test/*" = "test"
"*/tests/*" = "test"
"__tests__/*" = "test"
"*/__tests__/*" = "test"
"spec/*" = "test"
"test_*.py" = "test"
"*_test.py" = "test"
"*_test.go" = "test"
"*.test.*" = "test"
"*.spec.*" = "test"
"*Test.java" = "test"
"docs/*" = "docs"
"doc/*" = "docs"
"*/docs/*" = "docs"
"*.md" = "docs"
"*.rst" = "docs"
"*.adoc" = "docs"
"README*" = "docs"
"CHANGELOG*" = "docs"
"CONTRIBUTING*" = "docs"
"mkdocs.yml" = "docs"
"locale/*" = "translation"
"locales/*" = "translation"
"i18n/*" = "translation"
"*/i18n/*" = "translation"
"*.po" = "translation"
".github/*" = "infrastructure"
".gitlab-ci.yml" = "infrastructure"
".ci/*" = "infrastructure"
"ci/*" = "infrastructure"
"docker/*" = "infrastructure"
"Dockerfile*" = "infrastructure"
"docker-compose*.yml" = "infrastructure"
"Makefile" = "infrastructure"
"*.mk" = "infrastructure"
"Jenkinsfile" = "infrastructure"
".travis.yml" = "infrastructure"
"*.tf" = "infrastructure"
"helm/*" = "infrastructure"
"k8s/*" = "infrastructure"
"pyproject.toml" = "infrastructure"
"setup.cfg" = "infrastructure"
"requirements*.txt" = "infrastructure"
"package.json" = "infrastructure"
"package-lock.json" = "infrastructure"
"go.mod" = "infrastructure"
"go.sum" = "infrastructure"
"Cargo.toml" = "infrastructure"
"Cargo.lock" = "infrastructure"
"pom.xml" = "infrastructure"
"build.gradle*" = "infrastructure"
"CMakeLists.txt" = "infrastructure"

[activities]
commit = "same"               # the kind of its files ([paths])
pull_request = "code"         # a merged pull request, unless a label or title prefix says otherwise
review = "review"             # one per reviewer and pull request
issue = "community"           # an issue opened (a bug report, a proposal)
triage = "project-management" # labelling, assigning, closing someone else's issue
comment = "community"         # one per commenter and thread
release = "project-management"
co_authored_by = "same"       # a commit's co-author: the commit's kind
reviewed_by = "review"
signed_off_by = "project-management"  # a sign-off by someone other than the author (a maintainer)
tested_by = "test"

[labels]
documentation = "docs"
docs = "docs"
test = "test"
tests = "test"
testing = "test"
ci = "infrastructure"
infrastructure = "infrastructure"
dependencies = "infrastructure"
security = "security"
translation = "translation"
i18n = "translation"
design = "design"

[prefixes]
docs = "docs"
test = "test"
tests = "test"
ci = "infrastructure"
build = "infrastructure"
i18n = "translation"
security = "security"

[skip]
bots = ["*[bot]", "*[bot]@*", "dependabot*", "renovate*", "github-actions*", "gitee-bot*", "*-bot", "*-robot"]
authors = []
unmerged = true
drafts = true
merge_commits = true
review_states = ["APPROVED", "CHANGES_REQUESTED", "COMMENTED"]

[defaults]
field = "general"
weight = 1
"""

_TABLES = ("paths", "activities", "labels", "prefixes", "skip", "defaults")
_PREFIX = re.compile(r"^\s*([A-Za-z][\w-]*)(?:\([^)]*\))?!?:")


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """A rules pattern as a regular expression: ``*`` any text, ``?`` one character, the rest literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z",
                      re.DOTALL)


def matches(text: str, pattern: str) -> bool:
    """Whether ``text`` matches the rules pattern ``pattern`` (case-sensitive)."""
    return _glob(pattern).match(text) is not None


def _kind(value: Any, where: str, *, allow: tuple[str, ...] = ()) -> str:
    if isinstance(value, str):
        name = value.strip().lower().replace("_", "-").replace(" ", "-")
        if name in KINDS or name in allow:
            return name
    extra = f" or {' / '.join(repr(a) for a in allow)}" if allow else ""
    raise ValidationError(f"rules: {where} = {value!r} is not a contribution kind; use one of {', '.join(KINDS)}"
                          f"{extra}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(f"rules: {where} must be a list of text patterns")
    return tuple(v.strip() for v in value)


@dataclass(frozen=True)
class ImportRules:
    """The rules in force, checked; :meth:`as_dict` is their TOML tables, :meth:`digest` their hash."""

    paths: tuple[tuple[str, str], ...]
    activities: Mapping[str, str]
    labels: Mapping[str, str]
    prefixes: Mapping[str, str]
    bots: tuple[str, ...]
    authors: tuple[str, ...]
    skip_unmerged: bool
    skip_drafts: bool
    skip_merge_commits: bool
    review_states: frozenset[str]
    field: int
    weight: int
    #: skip_reason's answers by actor (an export names the same people again and again).
    _skips: dict[Actor, str | None] = dataclass_field(default_factory=dict, compare=False, repr=False)

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def from_tables(cls, tables: Mapping[str, Any]) -> ImportRules:
        """Rules from TOML tables (the defaults' form); every value is checked, unknown keys refused."""
        unknown = set(tables) - set(_TABLES)
        if unknown:
            raise ValidationError(f"rules: unknown table(s) {', '.join(sorted(unknown))}; the tables are "
                                  f"{', '.join(_TABLES)}")
        for name in _TABLES:
            if not isinstance(tables.get(name, {}), Mapping):
                raise ValidationError(f"rules: [{name}] must be a table")
        paths = tuple((str(p), _kind(k, f"paths.{p!r}")) for p, k in tables.get("paths", {}).items())
        activities = {}
        for name, value in tables.get("activities", {}).items():
            if name not in ACTIVITIES:
                raise ValidationError(f"rules: unknown activity {name!r}; the activities are {', '.join(ACTIVITIES)}")
            activities[name] = _kind(value, f"activities.{name}", allow=("same", "skip"))
        labels = {str(n).lower(): _kind(k, f"labels.{n!r}") for n, k in tables.get("labels", {}).items()}
        prefixes = {str(n).lower(): _kind(k, f"prefixes.{n!r}") for n, k in tables.get("prefixes", {}).items()}
        skip = dict(tables.get("skip", {}))
        flags = {}
        for name in ("unmerged", "drafts", "merge_commits"):
            value = skip.pop(name, True)
            if not isinstance(value, bool):
                raise ValidationError(f"rules: skip.{name} must be true or false")
            flags[name] = value
        bots = _strings(skip.pop("bots", []), "skip.bots")
        authors = _strings(skip.pop("authors", []), "skip.authors")
        states = frozenset(s.upper() for s in _strings(skip.pop("review_states", ["APPROVED"]), "skip.review_states"))
        if skip:
            raise ValidationError(f"rules: unknown key(s) in [skip]: {', '.join(sorted(skip))}")
        defaults = dict(tables.get("defaults", {}))
        field_value = parse_field(defaults.pop("field", "general"))
        weight = defaults.pop("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 65535:
            raise ValidationError("rules: defaults.weight must be a whole number from 1 to 65535")
        if defaults:
            raise ValidationError(f"rules: unknown key(s) in [defaults]: {', '.join(sorted(defaults))}")
        return cls(paths, activities, labels, prefixes, bots, authors, flags["unmerged"], flags["drafts"],
                   flags["merge_commits"], states, field_value, weight)

    def as_dict(self) -> dict[str, Any]:
        """The rules as TOML tables (what :meth:`digest` hashes and ``rules --json`` prints)."""
        return {
            "paths": dict(self.paths),
            "activities": dict(self.activities),
            "labels": dict(self.labels),
            "prefixes": dict(self.prefixes),
            "skip": {"bots": list(self.bots), "authors": list(self.authors), "unmerged": self.skip_unmerged,
                     "drafts": self.skip_drafts, "merge_commits": self.skip_merge_commits,
                     "review_states": sorted(self.review_states)},
            "defaults": {"field": FIELD_NAMES.get(self.field, str(self.field)), "weight": self.weight},
        }

    def digest(self) -> str:
        """``0x`` + keccak256 of the canonical JSON of :meth:`as_dict`: which rules an import followed."""
        return "0x" + keccak256(RULES_DOMAIN + canonicalize(self.as_dict())).hex()

    # -- applying ------------------------------------------------------------------------------------

    def kind_of_path(self, path: str) -> str:
        """The kind of one touched file (the first matching ``[paths]`` pattern, else ``code``)."""
        name = path.rsplit("/", 1)[-1]
        for pattern, kind in self.paths:
            if matches(path if "/" in pattern else name, pattern):
                return kind
        return "code"

    def kind_of_paths(self, paths: Iterable[str]) -> str:
        """A commit's kind: the kind most of its files have (ties by :data:`KIND_PRECEDENCE`); ``code``
        for a commit that touches no file."""
        counts = Counter(self.kind_of_path(p) for p in paths)
        if not counts:
            return "code"
        order = {k: i for i, k in enumerate(KIND_PRECEDENCE)}
        return min(counts, key=lambda k: (-counts[k], order.get(k, len(order)), k))

    def activity_kind(self, activity: str, same: str | None = None) -> str | None:
        """The kind of an activity, ``None`` when the rules skip it (``same``: the attached work's kind)."""
        kind = self.activities.get(activity, "same" if activity in ("commit", "co_authored_by") else "other")
        if kind == "skip":
            return None
        if kind == "same":
            return same or "code"
        return kind

    def kind_of_change(self, default: str, labels: Iterable[str] = (), title: str = "") -> str:
        """The kind of a pull request (or issue): a label's kind, else the title prefix's, else ``default``."""
        for label in labels:
            kind = self.labels.get(label.strip().lower())
            if kind:
                return kind
        match = _PREFIX.match(title or "")
        if match:
            kind = self.prefixes.get(match.group(1).lower())
            if kind:
                return kind
        return default

    def skip_reason(self, actor: Actor) -> str | None:
        """``bot`` or ``author-excluded`` when the rules leave this actor's work out, else ``None``."""
        if actor not in self._skips:
            self._skips[actor] = self._skip_reason(actor)
        return self._skips[actor]

    def _skip_reason(self, actor: Actor) -> str | None:
        names = [n.lower() for n in (actor.login, actor.name, actor.email, actor.handle) if n]
        if actor.bot or any(matches(n, p.lower()) for n in names for p in self.bots):
            return "bot"
        excluded = {a.lower() for a in self.authors}
        if excluded and any(n in excluded for n in names):
            return "author-excluded"
        return None


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override``'s tables over ``base``: a key given replaces the default's; ``[paths]`` patterns
    given come first (first match wins), then the default ones they do not repeat."""
    out = copy.deepcopy(base)
    for table, values in override.items():
        if not isinstance(values, Mapping) or table not in out:
            out[table] = values  # from_tables names the problem
        elif table == "paths":
            out[table] = {**values, **{k: v for k, v in out[table].items() if k not in values}}
        else:
            out[table].update(values)
    return out


def load_rules(path: Path | None = None, *, replace: bool = False) -> ImportRules:
    """The default rules, with ``path``'s tables over them (all of them instead, with ``replace``).

    Raises:
        ValidationError: the file is not TOML, or a table or value is not what the rules take.
    """
    tables: dict[str, Any] = tomllib.loads(DEFAULT_RULES)
    if path is not None:
        try:
            given = tomllib.loads(read_text_file(path))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"{path} is not valid TOML: {exc}") from exc
        tables = dict(given) if replace else _merge(tables, given)
    return ImportRules.from_tables(tables)
