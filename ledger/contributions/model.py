"""A contribution before it goes on chain: kind, field, time, weight, evidence, and their checks.

Evidence (URLs, commit ids, a note) stays off chain; only its hash is recorded. Everything bound for
the chain passes the personal-data guard (:mod:`ledger.identity.privacy`) first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field  # a record below has a field named ``field``
from datetime import datetime, timezone
from typing import Any

from ledger.canonical import canonicalize
from ledger.contributions.sources import contribution_key, normalise_source, project_id, project_of
from ledger.crypto.hashing import keccak256
from ledger.errors import ValidationError
from ledger.identity.privacy import check_fields
from ledger.identity.vault import parse_subject_id

EVIDENCE_DOMAIN = b"ledger:evidence:v1\x00"


#: Contribution kinds, in the order of ``ContributionKind`` in contracts/Common.sol.
KINDS = (
    "code",
    "test",
    "docs",
    "review",
    "project-management",
    "community",
    "mentoring",
    "translation",
    "design",
    "infrastructure",
    "security",
    "other",
)


#: Fields of study and work (``field`` on chain is a uint8). 0 is "general". The numbers are on chain:
#: a field is appended, never renumbered, and its name here is the one type metadata carries
#: (``fieldOfStudy``), so a name is not changed either; other spellings go in :data:`FIELD_ALIASES`.
FIELDS = {
    "general": 0,
    "ai": 1,
    "blockchain": 2,
    "databases": 3,
    "operating-systems": 4,
    "cloud-native": 5,
    "security": 6,
    "web": 7,
    "embedded": 8,
    "data-science": 9,
    "programming-languages": 10,
    "networking": 11,
    "devops": 12,
    "hpc": 13,
    "open-source-governance": 14,
    "industrial-internet": 15,
    "autonomous-driving": 16,
    "big-data": 17,
}

#: Other names of fields, as the talent-evaluation standards and users write them.
FIELD_ALIASES = {
    "artificial-intelligence": "ai",
    "cloud-computing": "cloud-native",
    "cloud": "cloud-native",
    "os": "operating-systems",
    "industrial-iot": "industrial-internet",
    "iiot": "industrial-internet",
    "self-driving": "autonomous-driving",
    "intelligent-connected-vehicles": "autonomous-driving",
}


FIELD_NAMES = {v: k for k, v in FIELDS.items()}


def parse_kind(value: str | int) -> int:
    if isinstance(value, int) or str(value).isdigit():
        n = int(value)
        if 0 <= n < len(KINDS):
            return n
    else:
        name = str(value).strip().lower().replace("_", "-").replace(" ", "-")
        if name in KINDS:
            return KINDS.index(name)
    raise ValidationError(f"unknown contribution kind {value!r}; use one of: {', '.join(KINDS)}")


def parse_field(value: str | int) -> int:
    if isinstance(value, int) or str(value).isdigit():
        n = int(value)
        if 0 <= n <= 255:
            return n
    else:
        name = str(value).strip().lower().replace("_", "-").replace(" ", "-")
        name = FIELD_ALIASES.get(name, name)
        if name in FIELDS:
            return FIELDS[name]
    raise ValidationError(f"unknown field {value!r}; use a number 0-255 or one of: {', '.join(FIELDS)}")


def parse_time(value: str | int | None, *, now: int | None = None) -> int:
    """Unix seconds from an ISO date/time or a number; ``None`` means now."""
    if value is None or value == "":
        return now if now is not None else int(datetime.now(timezone.utc).timestamp())
    if isinstance(value, int) or str(value).isdigit():
        n = int(value)
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(f"{value!r} is not a date (use YYYY-MM-DD or ISO 8601)") from exc
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        n = int(dt.timestamp())
    if not 0 < n < 2**32:
        raise ValidationError(f"time {value!r} is out of range")
    return n


def time_text(seconds: int) -> str:
    """Unix seconds as people read them: ``2026-03-01`` for a date's first second (a ``--date`` given as
    a day), else ``2026-03-01T10:15:00Z`` (UTC)."""
    moment = datetime.fromtimestamp(int(seconds), timezone.utc)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Contribution:
    """A validated contribution, ready to record. ``evidence`` stays off chain."""

    key: bytes
    subject: bytes
    project: bytes
    kind: int
    field: int
    weight: int
    occurred_at: int
    evidence_hash: bytes
    source: str
    project_name: str
    evidence: Mapping[str, Any] = dataclass_field(default_factory=dict)
    #: The key of the contribution this one is about (a review: the pull request reviewed), zero for none;
    #: it must be on chain when this one is recorded (or earlier in the same transaction).
    about: bytes = bytes(32)

    def as_item(self) -> tuple[bytes, bytes, bytes, int, int, int, int, bytes, bytes]:
        """The tuple the contract's ``record(Item[])`` takes."""
        return (
            self.key,
            self.subject,
            self.project,
            self.kind,
            self.field,
            self.weight,
            self.occurred_at,
            self.evidence_hash,
            self.about,
        )

    @property
    def about_key(self) -> bytes | None:
        """The key this contribution is about, or ``None``."""
        return None if self.about == bytes(32) else self.about


def about_key(about: str) -> tuple[bytes, str | None]:
    """The contribution key ``about`` names (a 0x key of 32 bytes, or a source) and the normalised source
    (``None`` when a key was given).

    Raises:
        ValidationError: neither a key nor a source.
    """
    text = about.strip()
    if text.lower().startswith("0x"):
        try:
            raw = bytes.fromhex(text[2:])
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ValidationError(f"about {about!r}: a contribution key is 0x and 64 hex digits (or give its source)")
        return raw, None
    if not text:
        raise ValidationError("about: give the source or the key of the contribution this one is about")
    norm = normalise_source(text)
    return contribution_key(norm), norm


def about_phases(items: Sequence[Contribution]) -> list[list[Contribution]]:
    """``items`` in phases to record one after the other: the first holds every item about nothing in
    ``items``, each next one the items about an item of an earlier phase (the contract requires the
    contribution an item is about to be recorded first). Order within a phase is kept.
    """
    pending = list(items)
    keys = {c.key for c in pending}
    placed: set[bytes] = set()
    phases: list[list[Contribution]] = []
    while pending:
        phase = [c for c in pending if c.about_key is None or c.about_key not in keys or c.about_key in placed]
        if not phase:  # a cycle of items about each other: the contract refuses the first one, say so here
            raise ValidationError(f"contributions {', '.join(c.source for c in pending[:3])} are about each other")
        placed.update(c.key for c in phase)
        chosen = {id(c) for c in phase}
        pending = [c for c in pending if id(c) not in chosen]
        phases.append(phase)
    return phases


def check_contribution(c: Contribution, known_names: Iterable[str] = ()) -> None:
    """Check a :class:`Contribution` however it was made (``build`` or by hand), before it is recorded.

    Nothing that goes on chain, hashed or not, may hold personal data; the key, project id and evidence
    hash must derive from the source, project name and evidence (else the guard would have checked
    other text than what is hashed); every number must fit its field in the contract.

    Raises:
        PersonalDataError: a field looks like personal data.
        ValidationError: a field is of the wrong type, out of range, or does not match what it derives from.
    """
    if not isinstance(c.source, str) or not isinstance(c.project_name, str):
        raise ValidationError("a contribution's source and project_name must be text")
    if not isinstance(c.evidence, Mapping):
        raise ValidationError(f"contribution {c.source!r}: evidence must be a mapping of names and values")
    check_fields({"source": c.source, "project": c.project_name, "evidence": dict(c.evidence)}, known_names)
    derived = (("key", c.key, contribution_key(c.source), "its source"),
               ("project", c.project, project_id(c.project_name), "its project_name"),
               ("evidence_hash", c.evidence_hash, evidence_hash(c.evidence), "its evidence"))
    for name, value, expected, source in derived:
        if value != expected:
            raise ValidationError(f"contribution {c.source!r}: its {name} is not derived from {source}",
                                  hint="build contributions with ledger.contributions.model.build")
    if not isinstance(c.subject, bytes) or len(c.subject) != 32:
        raise ValidationError(f"contribution {c.source!r}: subject must be 32 bytes")
    ranges = (("kind", c.kind, 0, len(KINDS) - 1), ("field", c.field, 0, 255), ("weight", c.weight, 1, 65535),
              ("occurred_at", c.occurred_at, 1, 2**32 - 1))
    for name, number, low, high in ranges:
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            raise ValidationError(f"contribution {c.source!r}: {name} must be a whole number from {low} to {high}")
    check_not_future(c.occurred_at)


#: How far ahead of this machine's clock a contribution's date may be (clocks and time zones differ).
CLOCK_SKEW = 86_400


def check_not_future(occurred_at: int, *, now: int | None = None) -> None:
    """Refuse a contribution dated in the future (beyond :data:`CLOCK_SKEW`): work not yet done.

    Raises:
        ValidationError: the date is more than a day ahead of ``now`` (default: this machine's clock).
    """
    current = now if now is not None else int(datetime.now(timezone.utc).timestamp())
    if occurred_at > current + CLOCK_SKEW:
        when = datetime.fromtimestamp(occurred_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        raise ValidationError(
            f"occurred_at {when} is in the future; a contribution is recorded once it is made",
            hint="give the date the work was done (--date YYYY-MM-DD), today or earlier",
        )


def evidence_hash(evidence: Mapping[str, Any]) -> bytes:
    return keccak256(EVIDENCE_DOMAIN + canonicalize(dict(evidence)))


def _whole_weight(weight: Any) -> int:
    """A weight as a whole number; ``1.9`` is refused, not truncated."""
    if isinstance(weight, int) and not isinstance(weight, bool):
        return weight
    if isinstance(weight, float) and weight.is_integer():
        return int(weight)
    if isinstance(weight, str) and weight.strip().lstrip("+-").isdigit():
        return int(weight.strip())
    raise ValidationError(f"weight {weight!r} is not a whole number")


def build(
    *,
    source: str,
    subject: str,
    kind: str | int,
    field: str | int = "general",
    weight: int | str = 1,
    occurred_at: str | int | None = None,
    project: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    known_names: Iterable[str] = (),
    about: str | None = None,
) -> Contribution:
    """Validate one contribution and derive its key, project id and evidence hash.

    ``about`` names the contribution this one is about (its source or 0x key): recorded on chain, so a
    mentor award can count the people whose work was reviewed; a source also goes into the evidence
    (``evidence["about"]``, as the importers write it).

    Raises :class:`ValidationError` (or :class:`PersonalDataError`) naming the bad field.
    """
    if not isinstance(source, str) or not source.strip():
        raise ValidationError("a contribution needs a source (platform/owner/repo/pull/N or commit/SHA)")
    if project is not None and not isinstance(project, str):
        raise ValidationError(f"project must be text (host/owner/repo), not {type(project).__name__}")
    if evidence is not None and not isinstance(evidence, Mapping):
        raise ValidationError(f"evidence must be an object of names and values, not {type(evidence).__name__}")
    norm = normalise_source(source)
    proj = normalise_source(project) if project else project_of(norm)
    if not proj:
        raise ValidationError(
            f"cannot tell the project of source {source!r}",
            hint="give --project (e.g. github.com/owner/repo), or a source like host/owner/repo/pull/N",
        )
    ev = dict(evidence or {})
    ev.setdefault("source", norm)
    about_bytes = bytes(32)
    if about:
        about_bytes, about_source = about_key(about)
        if about_source is not None:
            ev.setdefault("about", about_source)
        if about_bytes == contribution_key(norm):
            raise ValidationError(f"contribution {source!r} cannot be about itself")
    check_fields({"source": norm, "project": proj, "evidence": ev}, known_names)
    w = _whole_weight(weight)
    if not 1 <= w <= 65535:
        raise ValidationError(f"weight {w} must be between 1 and 65535")
    when = parse_time(occurred_at)
    check_not_future(when)
    return Contribution(
        key=contribution_key(norm),
        subject=parse_subject_id(subject),
        project=project_id(proj),
        kind=parse_kind(kind),
        field=parse_field(field),
        weight=w,
        occurred_at=when,
        evidence_hash=evidence_hash(ev),
        source=norm,
        project_name=proj,
        evidence=ev,
        about=about_bytes,
    )
