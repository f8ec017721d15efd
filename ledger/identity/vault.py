"""The subject vault: pseudonymous subject ids and the people behind them, kept off chain.

A subject id is 32 random bytes from the operating system's CSPRNG: it carries nothing about the
person, so it can go on chain. The mapping to the person (name, email, student number ...) stays in
``vault.json`` in the workspace, mode 0600, and never leaves it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import ValidationError, WorkspaceError
from ledger.files import write_private_file
from ledger.identity.privacy import VaultNames

_SUBJECT_ID = re.compile(r"^0x[0-9a-f]{64}\Z")


def parse_subject_id(text: str) -> bytes:
    """A subject id as 32 bytes; accepts ``0x`` + 64 hex digits (any case)."""
    value = text.strip().lower()
    if not _SUBJECT_ID.match(value):
        raise ValidationError(
            f"{text!r} is not a subject id (0x followed by 64 hex digits)",
            hint="make one with `ledger subject new`",
        )
    return bytes.fromhex(value[2:])


@dataclass(frozen=True)
class Subject:
    """One vault entry: the pseudonymous id and what the issuer knows of the person."""

    id: str
    person: dict[str, str]
    created: int


#: Longest value of each kind of person field the vault keeps (a name, an email address, a number).
PERSON_FIELD_LIMITS = {"name": 200, "email": 254, "student_number": 64}


def shorten(value: str, limit: int = 40) -> str:
    """``value`` cut to ``limit`` characters for a message (an input may be megabytes long)."""
    return value if len(value) <= limit else value[:limit] + "..."


def person_field_problem(name: str, value: str) -> str | None:
    """What is wrong with a person field (too long, or not one printable line), or ``None``; the
    answer never repeats a long value."""
    limit = PERSON_FIELD_LIMITS.get(name, 200)
    if len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit} are kept"
    if not value.isprintable():
        return "must be one line of printable characters"
    return None


class Vault:
    """The workspace's vault file. Load, change, save; writes are atomic with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Subject] = {}
        if path.exists():
            try:
                raw: dict[str, Any] = json.loads(path.read_text())
            except (OSError, ValueError) as exc:  # ValueError: not UTF-8, not JSON
                raise WorkspaceError(f"the subject vault {path} is unreadable: {exc}") from exc
            for sid, entry in raw.get("subjects", {}).items():
                self._entries[sid] = Subject(sid, dict(entry.get("person", {})), int(entry.get("created", 0)))

    def new_subject(self, person: dict[str, str] | None = None) -> Subject:
        """Create a subject id for ``person`` (may be empty) and save the vault."""
        return self.new_subjects([person or {}])[0]

    def new_subjects(self, people: list[dict[str, str]]) -> list[Subject]:
        """Create one subject id per person and save the vault once.

        A student number identifies one person: a number already in the vault (or given twice) is
        refused, so that a batch row naming it can only mean one subject.

        Raises:
            ValidationError: a student number is taken (the message names the subject that has it);
                nothing is saved.
        """
        taken = {n: ids[0] for n, ids in self.by_student_number().items()}
        for person in people:
            for field_name, value in person.items():
                problem = person_field_problem(field_name, value)
                if problem:
                    raise ValidationError(f"{field_name.replace('_', ' ')} {problem}")
        for person in people:
            number = (person.get("student_number") or "").strip()
            if not number:
                continue
            if taken.get(number):
                raise ValidationError(
                    f"student number {shorten(number)!r} is already in the vault, as subject {taken[number]}",
                    hint=f"use that subject id (`ledger subject find {number}`)",
                )
            if number in taken:
                raise ValidationError(f"student number {shorten(number)!r} is given twice")
            taken[number] = ""
        now = int(time.time())
        made = []
        for person in people:
            subject = Subject("0x" + secrets.token_hex(32), {k: v for k, v in person.items() if v}, now)
            self._entries[subject.id] = subject
            made.append(subject)
        self.save()
        return made

    def get(self, subject_id: str) -> Subject | None:
        return self._entries.get(subject_id.lower())

    def find(self, text: str) -> list[Subject]:
        """Subjects whose id or any person field contains ``text`` (case-insensitive).

        Raises:
            ValidationError: ``text`` is empty (it would match every subject).
        """
        needle = text.strip().casefold()
        if not needle:
            raise ValidationError("give some text to look for (an id, a name, an email or a number)")
        return [
            s
            for s in self._entries.values()
            if needle in s.id or any(needle in v.casefold() for v in s.person.values())
        ]

    def by_student_number(self) -> dict[str, list[str]]:
        """Student number -> ids of the subjects with it (several only in vaults from before numbers were unique)."""
        out: dict[str, list[str]] = {}
        for subject in self._entries.values():
            number = subject.person.get("student_number", "").strip()
            if number:
                out.setdefault(number, []).append(subject.id)
        return out

    def known_names(self) -> VaultNames:
        """Every personal value in the vault, indexed for the personal-data guard."""
        return VaultNames(v for s in self._entries.values() for v in s.person.values() if len(v) >= 2)

    def __iter__(self) -> Iterator[Subject]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def save(self) -> None:
        doc = {
            "about": "pseudonymous subject ids and the people behind them; never share, never on chain",
            "subjects": {s.id: {"person": s.person, "created": s.created} for s in self._entries.values()},
        }
        write_private_file(self.path, json.dumps(doc, indent=1, ensure_ascii=False).encode())
