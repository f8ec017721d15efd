"""Contribution input files: CSV or JSON Lines, every row checked before anything is recorded.

A bad row is a :class:`~ledger.errors.RowError` naming its row number and, where it can be told, its
column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ledger.canonical import NotJSONError, loads_lax
from ledger.contributions.model import Contribution, build
from ledger.errors import RowError, RowsError, ValidationError
from ledger.identity.privacy import vault_names


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


_COLUMNS = ("source", "subject", "kind", "field", "weight", "occurred_at", "project", "evidence_url", "note",
            "about")


def read_file(path: Path, known_names: Iterable[str] = ()) -> list[Contribution]:
    """Contributions from a CSV or JSON (list of objects) or JSON Lines file.

    Every row is validated; the bad ones raise :class:`RowsError`, every one with its row number and
    column, found in one pass.
    Two rows with the same source are refused (the chain would refuse the whole batch).
    """
    known_names = vault_names(known_names)  # indexed once for every row
    rows = _rows(path, read_text_file(path))
    out: list[Contribution] = []
    seen: dict[bytes, int] = {}
    errors: list[RowError] = []
    for number, row in rows:
        try:
            out.append(_row(number, row, known_names, seen))
        except RowError as exc:
            errors.append(exc)
    if errors:
        raise RowsError(errors, hint="fix these rows and run the command again (nothing was recorded)")
    if not out:
        raise ValidationError(f"{path} holds no contributions")
    return out


def _row(number: int, row: dict[str, Any], known_names: Any, seen: dict[bytes, int]) -> Contribution:
    """One row as a contribution, or the :class:`RowError` that says what is wrong with it."""
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
            about=str(row.get("about") or "") or None,
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
    return c


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
