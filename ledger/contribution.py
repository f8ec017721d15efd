"""Contributions before they go on chain: parsing, validation, content-derived keys.

A contribution is identified by its *source*: the platform, repository and pull request, merge
request, commit or issue it stands for, e.g. ``github.com/FISCO-BCOS/console/pull/812``. Its key is a
domain-separated hash of the normalised source, so the same PR claimed twice gives the same key and
the contract refuses the second claim. The project is the repository (``github.com/fisco-bcos/console``)
hashed the same way. Evidence (URLs, commit ids, a note) stays off chain; only its hash is recorded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field  # a record below has a field named ``field``
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .canonical import NotJSONError, canonicalize, loads_lax
from .crypto import keccak256
from .errors import RowError, ValidationError
from .privacy import check_fields, vault_names
from .vault import parse_subject_id

KEY_DOMAIN = b"ledger:contribution:v1\x00"
PROJECT_DOMAIN = b"ledger:project:v1\x00"
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

#: Fields of study and work (``field`` on chain is a uint8). 0 is "general".
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
}
FIELD_NAMES = {v: k for k, v in FIELDS.items()}

_SOURCE = re.compile(
    r"^(?P<project>[a-z0-9.-]+\.[a-z]{2,}/[\w.-]+/[\w.-]+?)(?:\.git)?"
    r"/(?:-/)?(?P<what>pull|pulls|merge_requests|commit|commits|issues)/(?P<ref>[\w.-]+)$"
)


def normalise_source(source: str) -> str:
    """Lower-case host/owner/repo, drop the scheme, ``www.`` and trailing slashes."""
    s = source.strip()
    s = re.sub(r"^[a-z]+://", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^www\.", "", s, flags=re.IGNORECASE).rstrip("/")
    return s.lower()


def project_of(source: str) -> str | None:
    """The repository a normalised source belongs to, or ``None`` if the form is unknown."""
    m = _SOURCE.match(normalise_source(source))
    return m.group("project") if m else None


def contribution_key(source: str) -> bytes:
    return keccak256(KEY_DOMAIN + normalise_source(source).encode())


def project_id(project: str) -> bytes:
    return keccak256(PROJECT_DOMAIN + normalise_source(project).encode())


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

    def as_item(self) -> tuple[bytes, bytes, bytes, int, int, int, int, bytes]:
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
        )


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
                                  hint="build contributions with ledger.contribution.build")
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
) -> Contribution:
    """Validate one contribution and derive its key, project id and evidence hash.

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
    )


def read_text_file(path: Path) -> str:
    """The text of an input file, which must be UTF-8 (a byte order mark is allowed).

    Raises:
        ValidationError: the file cannot be read or is not UTF-8 (the message says where, not what).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"{path} is not UTF-8 text (invalid byte at offset {exc.start}, line {line})",
            hint="save the file as UTF-8" + (" (most spreadsheet programs offer 'CSV UTF-8')"
                                             if path.suffix.lower() == ".csv" else ""),
        ) from exc


def _whole_weight(weight: Any) -> int:
    """A weight as a whole number; ``1.9`` is refused, not truncated."""
    if isinstance(weight, int) and not isinstance(weight, bool):
        return weight
    if isinstance(weight, float) and weight.is_integer():
        return int(weight)
    if isinstance(weight, str) and weight.strip().lstrip("+-").isdigit():
        return int(weight.strip())
    raise ValidationError(f"weight {weight!r} is not a whole number")


_COLUMNS = ("source", "subject", "kind", "field", "weight", "occurred_at", "project", "evidence_url", "note")


def read_file(path: Path, known_names: Iterable[str] = ()) -> list[Contribution]:
    """Contributions from a CSV or JSON (list of objects) or JSON Lines file.

    Every row is validated; the first bad one raises :class:`RowError` with its row number and column.
    Two rows with the same source are refused (the chain would refuse the whole batch).
    """
    known_names = vault_names(known_names)  # indexed once for every row
    rows = _rows(path, read_text_file(path))
    out: list[Contribution] = []
    seen: dict[bytes, int] = {}
    for number, row in rows:
        unknown = set(row) - set(_COLUMNS) - {"evidence"}
        if unknown:
            raise RowError(number, min(unknown), f"unknown column; expected {', '.join(_COLUMNS)}")
        for column, value in row.items():
            _check_cell(number, column, value)
        try:
            evidence = dict(row.get("evidence") or {})
            if row.get("evidence_url"):
                evidence["url"] = row["evidence_url"]
            if row.get("note"):
                evidence["note"] = row["note"]
            c = build(
                source=str(row.get("source") or ""),
                subject=str(row.get("subject") or ""),
                kind=row.get("kind") or "",
                field=row.get("field") or "general",
                weight=row.get("weight") or 1,
                occurred_at=row.get("occurred_at") or None,
                project=row.get("project") or None,
                evidence=evidence,
                known_names=known_names,
            )
        except ValidationError as exc:
            bad_column = _guess_column(exc, row)
            reason = str(exc)
            field_name = getattr(exc, "field", None)
            if bad_column and field_name and bad_column != str(field_name):
                reason = reason.replace(f"field {str(field_name)!r}", f"column {bad_column!r}")
            raise RowError(number, bad_column, reason) from exc
        if c.key in seen:
            raise RowError(number, "source", f"same source as row {seen[c.key]}")
        seen[c.key] = number
        out.append(c)
    if not out:
        raise ValidationError(f"{path} holds no contributions")
    return out


def _check_cell(number: int, column: str, value: Any) -> None:
    """The shape of one value of a JSON row: evidence is an object, everything else text or a number."""
    if column == "evidence":
        if value is not None and not isinstance(value, dict):
            raise RowError(number, column, f"must be an object of names and values, not {type(value).__name__}")
    elif value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
        raise RowError(number, column, f"must be text or a number, not {type(value).__name__}")


def _rows(path: Path, text: str) -> Iterable[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() == ".csv":
        return _csv_rows(text)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        out = []
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                out.append((i, _json_object(line, i)))
        return out
    try:
        data = loads_lax(text)
    except NotJSONError as exc:
        raise ValidationError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValidationError(f"{path} must hold a JSON list of contributions")
    return [(i, _require_object(r, i)) for i, r in enumerate(data, 1)]


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text), strict=True)  # strict: an unterminated quote is an error
    out = []
    try:
        header = [name.strip() for name in next(reader, [])]
        for values in reader:
            if not values:
                continue  # a blank line
            number = reader.line_num
            if len(values) > len(header):
                raise RowError(number, None, f"more values ({len(values)}) than columns ({len(header)})")
            out.append((number, {name: value.strip() for name, value in zip(header, values) if name}))
    except csv.Error as exc:
        raise RowError(reader.line_num, None, f"not valid CSV ({exc}); does a quoted value lack its closing "
                       "quote?") from exc
    return out


def _json_object(line: str, number: int) -> dict[str, Any]:
    try:
        value = loads_lax(line)
    except NotJSONError as exc:
        raise RowError(number, None, str(exc)) from None
    return _require_object(value, number)


def _require_object(value: Any, number: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RowError(number, None, "each entry must be a JSON object")
    return value


#: Evidence fields that come from a column of their own: the column is named as it is in the file.
_EVIDENCE_COLUMNS = {"evidence.url": "evidence_url", "evidence.note": "note"}


def _guess_column(exc: ValidationError, row: Mapping[str, Any]) -> str | None:
    field_name = getattr(exc, "field", None)
    if field_name:
        column = _EVIDENCE_COLUMNS.get(str(field_name))
        if column is not None and row.get(column):
            return column
        return str(field_name).split(".")[0].split("[")[0]
    text = str(exc)
    for col in ("subject", "kind", "field", "weight", "source", "project"):
        if col in text:
            return col
    if "date" in text or "time" in text:
        return "occurred_at"
    return None
