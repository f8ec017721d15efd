"""The rows of a batch file (CSV or JSON Lines): read, validated, and resolved to subjects.

Every row is checked before anything is written: a bad row is a :class:`~ledger.errors.RowError` naming
its number and column (or, with ``skip_invalid``, listed and left out). A row names its subject by id,
or by student number looked up in the vault (new subjects are made only once every row passed).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.canonical import NotJSONError, loads_lax
from ledger.contributions.files import read_text_file
from ledger.errors import RowError, RowsError, ValidationError
from ledger.identity.privacy import find_contact_data
from ledger.identity.vault import Vault, parse_subject_id, person_field_problem, shorten

_COLUMNS = frozenset({"subject", "student_number", "name"})
#: A subject id as most rows give it (any case); others go through parse_subject_id, which also strips.
_SUBJECT_HEX = re.compile(r"0x[0-9a-fA-F]{64}\Z")


@dataclass(frozen=True)
class Row:
    """One validated batch row: its subject, the holder's display name, where it was in the file (the
    line of a CSV, or of a JSON Lines file) and the name its credential's file gets (``None``: its id)."""

    subject: str
    holder_name: str | None
    number: int | None = None
    file: str | None = None


@dataclass(frozen=True)
class RowsResult:
    rows: tuple[Row, ...]
    skipped: tuple[RowError, ...] = ()


def read_rows(
    path: Path,
    vault: Vault,
    *,
    skip_invalid: bool = False,
    create_subjects: bool = False,
    held: Mapping[str, str] | None = None,
    file_column: str | None = None,
) -> RowsResult:
    """Read and validate every row of a CSV or JSON Lines file before anything is written.

    A row names its subject by ``subject`` (a subject id) or ``student_number`` (looked up in the
    vault; with ``create_subjects`` a new pseudonymous subject is made for an unknown number). ``name``
    is the holder's display name, written into the document only (never on chain). A row whose subject
    is in ``held`` (subject -> the hash of a valid certificate of the batch's type from this issuer) is
    refused: it would be a second certificate. With ``file_column``, each credential's file is named by
    that column's value (``2023001.json``) instead of the credential's id.

    Raises:
        RowsError: every bad row, found in one pass, unless ``skip_invalid`` (then bad rows are returned
            as skipped).
        ValidationError: the file cannot be read, or its header is wrong (a header problem is said as
            one, not as a problem of every row).
    """
    text = read_text_file(path)
    raw_rows = list(_raw_rows(path, text))
    # Only the numbers this file names are looked up (by their tags: nothing is decrypted).
    by_number = vault.student_numbers(
        r.get("student_number", "") for _, r in raw_rows if isinstance(r, dict) and not r.get("subject")
        and not person_field_problem("student_number", r.get("student_number", "")))
    rows: list[Row] = []
    skipped: list[RowError] = []
    seen: dict[str, int] = {}
    new_people: list[dict[str, str]] = []
    new_index: dict[str, int] = {}
    files: dict[str, int] = {}
    if file_column is not None and file_column not in _COLUMNS:
        raise ValidationError(f"cannot name files by {file_column!r}: choose one of {', '.join(sorted(_COLUMNS))}")
    for number, raw in raw_rows:
        try:
            if isinstance(raw, RowError):
                raise raw  # a line that is not a JSON object: as bad as a bad CSV row
            row = _validate_row(number, raw, by_number, create_subjects, new_people, new_index)
            if row.subject in seen:
                raise RowError(number, "subject", f"same subject as row {seen[row.subject]}")
            if held and row.subject in held:
                raise RowError(number, "subject", f"{row.subject} already holds a valid certificate of this type "
                               f"from you ({held[row.subject]}); --again issues another")
            if file_column is not None:
                row = replace(row, file=_file_name(number, raw, file_column, files))
            seen[row.subject] = number
            rows.append(row)
        except RowError as exc:
            skipped.append(exc)
    if skipped and not skip_invalid:
        again = " (--again for rows whose subject already holds one)" if held and any(
            "already holds a valid certificate" in e.reason for e in skipped) else ""
        raise RowsError(skipped, hint="fix these rows and run the command again, or pass --skip-invalid to issue "
                        "the valid rows and list the others" + again)
    if not rows:
        raise ValidationError(f"{path} holds no valid rows" + (f" ({len(skipped)} skipped)" if skipped else ""))
    if new_people:
        _create_subjects(vault, rows, new_people)
    return RowsResult(tuple(rows), tuple(skipped))


def _raw_rows(path: Path, text: str) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """Each row as column -> text; a JSON Lines line that is not an object comes as its RowError.

    A CSV that cannot be read on (an unterminated quote swallows the rest of the file) raises.
    """
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield number, _json_row(number, line)
        return
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationError(f"{path} is empty")
        names = [name.strip() for name in header]
        _check_header(path, names)
        named = all(names)  # no unnamed column to leave out
        strip = str.strip
        for values in reader:
            if not values:
                continue  # a blank line
            number = reader.line_num
            if len(values) > len(names):
                yield number, RowError(number, None, "more values than columns")
                continue
            # A short row leaves its last columns out, which reads as empty.
            if named:
                yield number, dict(zip(names, map(strip, values)))
            else:
                yield number, {name: value.strip() for name, value in zip(names, values) if name}
    except csv.Error as exc:
        raise ValidationError(
            f"{path} line {reader.line_num}: not valid CSV ({exc})",
            hint="a quoted value must end with a closing quote; the rest of the file cannot be read",
        ) from exc


_UNSAFE_IN_NAME = re.compile(r"[^\w.-]+")


def _file_name(number: int, raw: dict[str, str], column: str, taken: dict[str, int]) -> str:
    """The file name a row's credential gets from ``column`` (``2023001.json``): its value with anything
    but letters, digits, ``.``, ``_`` and ``-`` replaced, unique within the batch."""
    value = raw.get(column, "").strip()
    stem = _UNSAFE_IN_NAME.sub("_", value).strip("._")[:100]
    if not stem:
        raise RowError(number, column, f"is empty: the credential's file is named by {column}")
    name = stem + ".json"
    if name.lower() in taken:
        raise RowError(number, column, f"names the same file ({name}) as row {taken[name.lower()]}")
    taken[name.lower()] = number
    return name


def _check_header(path: Path, names: list[str]) -> None:
    """Refuse a CSV header with an unknown or repeated column, or with no column naming the subject.

    Raises:
        ValidationError: naming the header (line 1) and every problem found in it.
    """
    problems = []
    unknown = [n for n in names if n and n not in _COLUMNS]
    if unknown:
        problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        problems.append(f"column{'s' if len(repeated) > 1 else ''} {', '.join(map(repr, repeated))} given twice")
    if not {"subject", "student_number"} & set(names):
        problems.append("no 'subject' or 'student_number' column to name each row's subject")
    if problems:
        raise ValidationError(
            f"{path}, header (line 1): " + "; ".join(problems),
            hint=f"the columns are {', '.join(sorted(_COLUMNS))} (subject or student_number, and an optional name)",
        )


def _json_row(number: int, line: str) -> dict[str, str] | RowError:
    try:
        value = loads_lax(line)
    except NotJSONError as exc:
        return RowError(number, None, str(exc))
    if not isinstance(value, dict):
        return RowError(number, None, "each line must be a JSON object")
    try:
        return {str(k): _row_value(number, str(k), v) for k, v in value.items()}
    except RowError as exc:
        return exc


def _row_value(number: int, column: str, value: Any) -> str:
    """A JSON Lines value as the text a CSV cell would hold; objects, lists and booleans are refused."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError(number, column, f"must be text or a whole number, not {type(value).__name__}")
    return str(value)


def _validate_row(
    number: int,
    raw: dict[str, str],
    by_number: dict[str, list[str]],
    create: bool,
    new_people: list[dict[str, str]],
    new_index: dict[str, int],
) -> Row:
    if not _COLUMNS.issuperset(raw):
        unknown = set(raw) - _COLUMNS
        raise RowError(number, min(unknown), f"unknown column; expected some of {', '.join(sorted(_COLUMNS))}")
    name = raw.get("name") or None
    if name is not None:
        if len(name) > 200 or not name.isprintable():
            raise RowError(number, "name", "a display name is one line of at most 200 characters")
        kind = find_contact_data(name)
        if kind:
            raise RowError(number, "name", f"looks like {kind}; the holder name is a display name only")
    subject = raw.get("subject")
    if subject:
        if not _SUBJECT_HEX.match(subject):
            try:
                parse_subject_id(subject)
            except ValidationError as exc:
                raise RowError(number, "subject", str(exc)) from exc
        return Row(subject.lower(), name, number)
    student = raw.get("student_number", "")
    if not student:
        raise RowError(number, "subject", "give a subject id or a student_number")
    problem = person_field_problem("student_number", student)
    if problem:
        raise RowError(number, "student_number", problem)
    if student in by_number:
        ids = by_number[student]
        if len(ids) > 1:
            raise RowError(number, "student_number", f"{student!r} is ambiguous: the vault gives it to subjects "
                           f"{', '.join(ids)}; name the subject by its id in a 'subject' column")
        return Row(ids[0], name, number)
    if not create:
        raise RowError(number, "student_number", f"{shorten(student)!r} is not in the vault (use --new-subjects to add)")
    if student in new_index:  # one new subject per number: a second row with it is a repeated subject
        return Row(f"new:{new_index[student]}", name, number)
    new_index[student] = len(new_people)
    new_people.append({"student_number": student, "name": name or ""})
    return Row(f"new:{len(new_people) - 1}", name, number)


def _create_subjects(vault: Vault, rows: list[Row], people: list[dict[str, str]]) -> None:
    ids = [s.id for s in vault.new_subjects(people)]
    for i, row in enumerate(rows):
        if row.subject.startswith("new:"):
            rows[i] = replace(row, subject=ids[int(row.subject[4:])])


