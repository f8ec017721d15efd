"""Talent standards: certificate types with machine-checkable criteria.

A type is written by people as TOML or JSON (or CLI flags) and becomes two things: the arguments of
``CredentialRegistry.defineType`` (ids, bitmasks, thresholds) and an off-chain metadata document (name,
description, a criteria narrative) whose hash goes on chain. Example file::

    id = 101
    name = "Blockchain Developer, Level 1"
    description = "Contributed code and reviews to blockchain projects"
    field = "blockchain"
    level = 1
    allowed_issuers = ["university", "community"]
    prerequisites = []

    [criteria]
    min_total = 3
    min_distinct_projects = 2
    min_cosigns = 1
    window_from = "2025-01-01"      # optional; contributions' dates must fall in the window
    [criteria.min_per_kind]
    code = 2
    review = 1

An award type (mentor, community MVP) adds an ``[award]`` table (:class:`AwardCriteria`) whose criteria
the CredentialRegistry checks from version 2.1.0 on (``examples/awards/README.md``): they travel in the
same on-chain ``Criteria`` (:attr:`TypeDefinition.chain_criteria`), and ``type define`` refuses to send
them to an older deployment, which would store a type whose award nobody checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field  # a record below has a field named ``field``
from pathlib import Path
from typing import Any

import tomllib

from ledger.canonical import check_depth
from ledger.contributions.files import read_text_file
from ledger.contributions.model import FIELD_NAMES, KINDS, parse_field, parse_kind, parse_time
from ledger.credentials.fields import ACHIEVEMENT_TYPES, EXT_TYPE
from ledger.credentials.hashing import METADATA_DOMAIN, metadata_hash  # noqa: F401  (re-exported)
from ledger.errors import ValidationError
from ledger.identity.privacy import check_fields
from ledger.types import AWARD_SELF_NOMINATION, Criteria

ISSUER_KINDS = ("none", "university", "community", "enterprise", "authority")


def parse_issuer_kind(value: str | int) -> int:
    if isinstance(value, int) or str(value).isdigit():
        n = int(value)
        if 1 <= n < len(ISSUER_KINDS):
            return n
    elif str(value).strip().lower() in ISSUER_KINDS[1:]:
        return ISSUER_KINDS.index(str(value).strip().lower())
    raise ValidationError(f"unknown issuer kind {value!r}; use one of: {', '.join(ISSUER_KINDS[1:])}")


def criteria_narrative(criteria: Criteria) -> str:
    """The criteria in words, for the Open Badges ``criteria.narrative``."""
    parts = []
    if criteria.min_total:
        parts.append(f"at least {criteria.min_total} recorded contributions")
    for kind, n in zip(KINDS, criteria.min_per_kind):
        if n:
            parts.append(f"at least {n} of kind {kind}")
    if criteria.min_distinct_projects:
        parts.append(f"in at least {criteria.min_distinct_projects} distinct projects")
    if criteria.min_co_signs:
        parts.append(f"each co-signed by at least {criteria.min_co_signs} maintainer(s) or mentor(s)")
    if criteria.window_from or criteria.window_to:
        parts.append("made within the type's time window")
    return ("Requires " + "; ".join(parts) + ".") if parts else "No machine-checked criteria."


#: Kinds of award a type can be, and the criteria each takes.
AWARD_KINDS = ("mentor", "mvp")
#: The first CredentialRegistry version that checks award criteria (mentees, nominations): contracts
#: 2.1.0. CredentialRegistry 2.0.0 (issue 15's v2) does not, so award types are refused there.
AWARD_CONTRACT_VERSION = (2, 1, 0)


def checks_awards(version: str) -> bool:
    """Whether a CredentialRegistry of ``version`` (``"2.1.0"``) checks award criteria."""
    parts = version.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return False
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts)) >= AWARD_CONTRACT_VERSION


@dataclass(frozen=True)
class AwardCriteria:
    """The criteria of an award type, checked by the CredentialRegistry at issuance (2.1.0 and later).

    * ``mentor``: among the evidence, contributions of the ``mentee_kinds`` (a bitmask over the kinds:
      review, mentoring ...) each *about* another contribution (the one reviewed or mentored), and the
      subjects of those other contributions, never the holder, number at least ``min_mentees``.
    * ``mvp``: nominations recorded on chain for the holder and this type's version, one per
      organisation (a top-level issuer and its children count once), from at least
      ``min_nominations`` organisations, made within the type's window; the issuing organisation's own
      only when ``self_nomination_counts``.
    """

    kind: str
    min_mentees: int = 0
    mentee_kinds: int = 0
    min_nominations: int = 0
    self_nomination_counts: bool = False

    def chain_fields(self) -> dict[str, int]:
        """The award's members of the on-chain ``Criteria``."""
        return {"min_mentees": self.min_mentees, "mentee_kinds": self.mentee_kinds,
                "min_nominations": self.min_nominations,
                "award_flags": AWARD_SELF_NOMINATION if self.self_nomination_counts else 0}

    @classmethod
    def from_criteria(cls, criteria: Criteria) -> AwardCriteria | None:
        """The award a type's on-chain criteria describe (``None``: not an award)."""
        if criteria.min_mentees:
            return cls("mentor", min_mentees=criteria.min_mentees, mentee_kinds=criteria.mentee_kinds)
        if criteria.min_nominations:
            return cls("mvp", min_nominations=criteria.min_nominations,
                       self_nomination_counts=bool(criteria.award_flags & AWARD_SELF_NOMINATION))
        return None

    def narrative(self) -> str:
        if self.kind == "mentor":
            kinds = [k for i, k in enumerate(KINDS) if self.mentee_kinds >> i & 1]
            return (f"Mentored or reviewed the recorded work of at least {self.min_mentees} other people "
                    f"(contributions of kind {' or '.join(kinds)}, each about another person's contribution).")
        own = ("" if not self.self_nomination_counts
               else "; the issuing organisation's own nomination counts")
        return (f"Nominated by at least {self.min_nominations} different organisations (one nomination per "
                f"organisation, recorded on chain{own}).")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "mentor":
            out["min_mentees"] = self.min_mentees
            out["mentee_kinds"] = [k for i, k in enumerate(KINDS) if self.mentee_kinds >> i & 1]
        else:
            out["min_nominations"] = self.min_nominations
            if self.self_nomination_counts:  # only when set: the metadata of other MVP types keeps its hash
                out["self_nomination_counts"] = True
        return out


def parse_award(value: Any) -> AwardCriteria | None:
    """The ``[award]`` table of a type file, checked; ``None`` when there is none.

    Raises:
        ValidationError: an unknown award kind or key, or a threshold out of range.
    """
    if value is None:
        return None
    table = dict(_table(value, "award"))
    kind = table.pop("kind", None)
    if kind not in AWARD_KINDS:
        raise ValidationError(f"award.kind must be one of {', '.join(AWARD_KINDS)}, not {kind!r}")
    if kind == "mentor":
        mentees = _small_int(table.pop("min_mentees", 0), "award.min_mentees", 1, 65535)
        names = table.pop("mentee_kinds", ["review", "mentoring"])
        if not isinstance(names, list) or not names:
            raise ValidationError("award.mentee_kinds must be a list of contribution kinds")
        mask = 0
        for name in names:
            mask |= 1 << parse_kind(name)
        award = AwardCriteria("mentor", min_mentees=mentees, mentee_kinds=mask)
    else:
        own = table.pop("self_nomination_counts", False)
        if not isinstance(own, bool):
            raise ValidationError("award.self_nomination_counts must be true or false")
        award = AwardCriteria("mvp", min_nominations=_small_int(table.pop("min_nominations", 0),
                                                                "award.min_nominations", 1, 255),
                              self_nomination_counts=own)
    if table:
        raise ValidationError(f"unknown award key(s) {', '.join(sorted(table))} for a {kind} award")
    return award


@dataclass(frozen=True)
class TypeDefinition:
    """A certificate type as the committee defines it."""

    type_id: int
    name: str
    description: str
    field: int
    level: int
    allowed_kinds: tuple[int, ...]
    criteria: Criteria
    prerequisites: tuple[int, ...] = ()
    extra: Mapping[str, Any] = dataclass_field(default_factory=dict)
    award: AwardCriteria | None = None

    @property
    def chain_criteria(self) -> Criteria:
        """The criteria ``defineType`` takes: :attr:`criteria` with the award's members."""
        if self.award is None:
            return self.criteria
        return replace(self.criteria, **self.award.chain_fields())

    @property
    def allowed_kinds_mask(self) -> int:
        mask = 0
        for kind in self.allowed_kinds:
            mask |= 1 << kind
        return mask

    def metadata(self) -> dict[str, Any]:
        """The off-chain document whose hash goes on chain (Open Badges achievement data)."""
        return {
            "type": "ledger:CertificateType",
            "typeId": self.type_id,
            "name": self.name,
            "description": self.description,
            "fieldOfStudy": FIELD_NAMES.get(self.field, str(self.field)),
            "level": self.level,
            "criteria": {"narrative": criteria_narrative(self.criteria) if self.award is None else
                         " ".join(t for t in (self.award.narrative(), criteria_narrative(self.criteria))
                                  if t != "No machine-checked criteria.")},
            "allowedIssuers": [ISSUER_KINDS[k] for k in self.allowed_kinds],
            "prerequisites": list(self.prerequisites),
            **({"award": self.award.as_dict()} if self.award is not None else {}),
            **dict(self.extra),
        }

    def metadata_hash(self) -> bytes:
        return metadata_hash(self.metadata())


#: The keys of a type definition file (a misspelt key is refused, not ignored).
TYPE_KEYS = frozenset({"id", "name", "description", "field", "level", "allowed_issuers", "criteria", "prerequisites",
                       "achievement_type", "tags", "award"})
#: How many tags (skills, keywords) a type may carry, and how long each may be.
MAX_TAGS, MAX_TAG_LENGTH = 32, 64
#: Keys that ``ledger type show --json`` adds: ``type_id`` is read as ``id``; the others are what the chain
#: derives (version, narrative, metadata hash) and are ignored, so that output can be defined again.
SHOWN_KEYS = frozenset({"type_id", "version", "narrative", "meta_hash"})


def _from_shown(data: Mapping[str, Any]) -> dict[str, Any]:
    """A definition with ``type show``'s keys turned into a file's (``type_id`` -> ``id``)."""
    out = {k: v for k, v in data.items() if k not in SHOWN_KEYS}
    if "type_id" in data:
        if "id" in data and data["id"] != data["type_id"]:
            raise ValidationError(f"id {data['id']!r} and type_id {data['type_id']!r} differ; give one of them")
        out["id"] = data["type_id"]
    return out


def criteria_table(criteria: Criteria) -> dict[str, Any]:
    """The criteria as a type file writes them (``[criteria]``): zero thresholds and empty windows left out."""
    from datetime import datetime, timezone

    def day(ts: int) -> str:
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    table: dict[str, Any] = {}
    for key, value in (("min_total", criteria.min_total), ("min_distinct_projects", criteria.min_distinct_projects),
                       ("min_cosigns", criteria.min_co_signs)):
        if value:
            table[key] = value
    per_kind = {kind: n for kind, n in zip(KINDS, criteria.min_per_kind) if n}
    if per_kind:
        table["min_per_kind"] = per_kind
    for key, ts in (("window_from", criteria.window_from), ("window_to", criteria.window_to)):
        if ts:
            table[key] = day(ts)
    return table


def parse_type(data: Mapping[str, Any], known_names: Iterable[str] = ()) -> TypeDefinition:
    """Validate a type definition (from TOML, JSON or flags); errors name the field.

    Raises:
        ValidationError: a field is missing, of the wrong shape or out of range (the message names it).
        PersonalDataError: the metadata would carry personal data.
    """
    unknown = set(data) - TYPE_KEYS - SHOWN_KEYS
    if unknown:
        raise ValidationError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in sorted(map(str, unknown)))} "
            "in the type definition; "
            f"the keys are {', '.join(sorted(TYPE_KEYS))}"
        )
    data = _from_shown(data)
    if "id" not in data:
        raise ValidationError("a type definition needs an 'id' (a positive whole number)")
    type_id = _whole(data["id"], "id")
    name = _text(data.get("name"), "name").strip()
    if not name:
        raise ValidationError("a type definition needs a 'name'")
    level = _small_int(data.get("level", 1), "level", 0, 255)
    kinds = data.get("allowed_issuers") or ["university", "community", "enterprise", "authority"]
    if isinstance(kinds, str):
        kinds = [k for k in kinds.split(",") if k.strip()]
    if not isinstance(kinds, (list, tuple)):
        raise ValidationError(f"allowed_issuers must be a list of issuer kinds, not {_shape(kinds)}")
    allowed = tuple(sorted({_issuer_kind(k, f"allowed_issuers[{i}]") for i, k in enumerate(kinds)}))
    raw = dict(_table(data.get("criteria"), "criteria"))
    per_kind = [0] * len(KINDS)
    for kind_name, n in _table(raw.pop("min_per_kind", None), "criteria.min_per_kind").items():
        per_kind[parse_kind(kind_name)] = _small_int(n, f"criteria.min_per_kind.{kind_name}", 0, 255)
    window = {}
    for end in ("window_from", "window_to"):
        value = raw.pop(end, None)
        try:
            window[end] = parse_time(value) if value not in (None, "") else 0
        except ValidationError as exc:
            raise ValidationError(f"criteria.{end}: {exc}") from exc
    criteria = Criteria(
        min_total=_small_int(raw.pop("min_total", 0), "criteria.min_total", 0, 65535),
        min_distinct_projects=_small_int(
            raw.pop("min_distinct_projects", 0), "criteria.min_distinct_projects", 0, 65535
        ),
        min_co_signs=_small_int(raw.pop("min_cosigns", 0), "criteria.min_cosigns", 0, 255),
        window_from=window["window_from"],
        window_to=window["window_to"],
        min_per_kind=tuple(per_kind),
    )
    if raw:
        raise ValidationError(f"unknown criteria {', '.join(sorted(raw))}")
    prereqs = data.get("prerequisites") or ()
    if not isinstance(prereqs, (list, tuple)):
        raise ValidationError(f"prerequisites must be a list of type ids, not {_shape(prereqs)}")
    definition = TypeDefinition(
        type_id=type_id,
        name=name,
        description=_text(data.get("description"), "description"),
        field=parse_field(data.get("field", "general")),
        level=level,
        allowed_kinds=allowed,
        criteria=criteria,
        prerequisites=tuple(_whole(p, f"prerequisites[{i}]") for i, p in enumerate(prereqs)),
        extra=_achievement_extra(data),
        award=parse_award(data.get("award")),
    )
    check_type(definition, known_names)
    return definition


def _achievement_extra(data: Mapping[str, Any]) -> dict[str, Any]:
    """The Open Badges members a type file may add to its metadata: ``achievementType`` and ``tags``.

    Only members that are given are added, so the metadata (and its hash) of a type written without
    them is what it always was.
    """
    extra: dict[str, Any] = {}
    kind = data.get("achievement_type")
    if kind is not None:
        if not isinstance(kind, str) or (kind not in ACHIEVEMENT_TYPES and not EXT_TYPE.match(kind)):
            raise ValidationError(
                f"achievement_type {kind!r} is not an Open Badges 3.0 achievement type",
                hint="e.g. Certificate, Certification, MicroCredential, Award, Badge, Competency (or ext:Name)",
            )
        extra["achievementType"] = kind
    tags = data.get("tags")
    if tags is not None:
        if not isinstance(tags, (list, tuple)) or len(tags) > MAX_TAGS:
            raise ValidationError(f"tags must be a list of at most {MAX_TAGS} words")
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag.strip() or len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
                raise ValidationError(f"tags[{i}] must be one printable line of 1 to {MAX_TAG_LENGTH} characters")
        extra["tags"] = [t.strip() for t in tags]
    return extra


def check_type(definition: TypeDefinition, known_names: Iterable[str] = ()) -> None:
    """Check a :class:`TypeDefinition` however it was made, before anything is stored or sent.

    Every number must fit the contract's field (so nothing fails half-way in the ABI encoder) and the
    metadata document must hold no personal data.

    Raises:
        ValidationError: a field is out of range (the message names it).
        PersonalDataError: a field of the metadata looks like personal data.
    """
    _in_range(definition.type_id, "id", 1, 2**32 - 1)
    _in_range(definition.field, "field", 0, 255)
    _in_range(definition.level, "level", 0, 255)
    for i, p in enumerate(definition.prerequisites):
        _in_range(p, f"prerequisites[{i}]", 1, 2**32 - 1)
    if definition.type_id in definition.prerequisites:
        raise ValidationError(f"type {definition.type_id} cannot be its own prerequisite")
    for kind in definition.allowed_kinds:
        _in_range(kind, "allowed_issuers", 1, len(ISSUER_KINDS) - 1)
    c = definition.criteria
    for value, name, high in ((c.min_total, "min_total", 65535), (c.min_distinct_projects, "min_distinct_projects",
                              65535), (c.min_co_signs, "min_cosigns", 255), (c.window_from, "window_from", 2**32 - 1),
                              (c.window_to, "window_to", 2**32 - 1)):
        _in_range(value, f"criteria.{name}", 0, high)
    if len(c.min_per_kind) != len(KINDS):
        raise ValidationError(f"criteria.min_per_kind must have {len(KINDS)} entries, one per kind")
    for kind_name, n in zip(KINDS, c.min_per_kind):
        _in_range(n, f"criteria.min_per_kind.{kind_name}", 0, 255)
    if c.window_from and c.window_to and c.window_from > c.window_to:
        raise ValidationError("criteria.window_from is after criteria.window_to")
    check_fields(definition.metadata(), known_names)


def load_type_file(path: Path, known_names: Iterable[str] = ()) -> TypeDefinition:
    """A type definition from a ``.toml`` or ``.json`` file (UTF-8)."""
    text = read_text_file(path)
    check_depth(text)  # before parsing: too deep a nesting overflows the stack
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except ValueError as exc:  # TOMLDecodeError, JSONDecodeError, or a number too long to read
        raise ValidationError(f"{path} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc
    except RecursionError as exc:
        raise ValidationError(f"{path} is nested too deeply") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"{path} must hold one type definition (an object)")
    return parse_type(data, known_names)


def _shape(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "text", bool: "true/false"}.get(type(value), type(value).__name__)


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text, not {_shape(value)}")
    return value


def _table(value: Any, name: str) -> Mapping[str, Any]:
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a table of names and numbers, not {_shape(value)}")
    return value


def _whole(value: Any, name: str) -> int:
    """A whole number from an int, an integral float (JSON ``3.0``) or digits; never truncated."""
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a whole number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise ValidationError(f"{name} must be a whole number, not {value!r}")


def _in_range(value: Any, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}, not {value}")


def _issuer_kind(value: Any, name: str) -> int:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValidationError(f"{name} must be an issuer kind, not {_shape(value)}")
    return parse_issuer_kind(str(value).strip())


def _small_int(value: Any, name: str, low: int, high: int) -> int:
    n = _whole(value, name)
    _in_range(n, name, low, high)
    return n


#: Words for the contract's refusals of a checked issuance: error name -> criterion.
CRITERIA_WORDS = {
    "NotEnoughContributions": "minimum number of contributions",
    "NotEnoughOfKind": "minimum contributions of one kind",
    "NotEnoughDistinctProjects": "minimum distinct projects",
    "NotEnoughCoSigns": "minimum co-signing organisations per contribution (co-signs by keys compromised "
                        "when they signed do not count)",
    "ContributionRecorderCompromised": "evidence recorded by a key in good standing (its recorder's key was "
                                       "compromised when it recorded it)",
    "ContributionOutsideWindow": "time window",
    "ContributionSubjectMismatch": "evidence belongs to the subject",
    "ContributionNotFound": "evidence exists",
    "ContributionNotValid": "evidence not revoked",
    "DuplicateContribution": "each contribution counted once",
    "MissingPrerequisite": "prerequisite certificate",
    "PrerequisiteNotFound": "prerequisite certificate exists",
    "PrerequisiteNotValid": "prerequisite certificate valid",
    "PrerequisiteSubjectMismatch": "prerequisite belongs to the subject",
    "PrerequisiteIssuerNotInGoodStanding": "prerequisite from an issuer in good standing (not suspended now, "
                                           "its key not compromised when it issued it)",
    "NotEnoughMentees": "minimum distinct people whose recorded work the holder's reviews or mentoring are about "
                        "(live contributions, recorded by keys in good standing)",
    "MenteeIsHolder": "a review or mentoring counts for another person's work, never the holder's own",
    "NotEnoughNominations": "minimum nominating organisations (one per organisation, for the type's current "
                            "version; the issuing organisation's own only if the type says so; none from a key "
                            "compromised when it nominated, nor from an issuer or organisation suspended or "
                            "retired now)",
}


def explain_refusal(error: Any) -> str:
    """One sentence saying which criterion failed and by how much, from a decoded contract error."""
    name = getattr(error, "error_name", type(error).__name__)
    args = getattr(error, "args_dict", {})
    words = CRITERIA_WORDS.get(name)
    if words is None:
        return str(error)
    needed, found = args.get("needed"), args.get("found")
    detail = ""
    if needed is not None and found is not None:
        detail = f": needed {needed}, found {found} (short by {int(needed) - int(found)})"
    if name == "NotEnoughOfKind":
        detail = f" ({KINDS[int(args['kind'])]})" + detail
    if "key" in args and args.get("key") is not None:
        key = args["key"]
        detail += f"; contribution 0x{key.hex() if isinstance(key, bytes) else key}"
    if name == "MenteeIsHolder" and args.get("about") is not None:
        about = args["about"]
        detail += f" is about the holder's own contribution 0x{about.hex() if isinstance(about, bytes) else about}"
    return f"criterion not met - {words}{detail}"
