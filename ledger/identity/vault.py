"""The subject vault: pseudonymous subject ids and the people behind them, kept off chain, encrypted.

A subject id is 32 random bytes from the operating system's CSPRNG: it carries nothing about the
person, so it can go on chain. Who the person is (name, email, student number) stays in the vault,
sealed (``ledger.identity.sealing``): each person's fields under a key of their own, that key under
the vault key, the vault key under a password like the signing keys. Files, beside each other in the
workspace (each mode 0600):

``vault.sqlite``
    the subjects (id, created, erased), each person's sealed fields, and keyed tags: lookup tags (a
    student number, an email address, each word of a field) and the privacy guard's tags (the token
    sequence of each field), each table indexed, so that nothing loads the whole vault;
``vault-keys.sqlite``
    one sealed key per person. Erasing a person deletes their key first (crypto-shredding): from then
    on no copy of their fields anywhere (a backup of ``vault.sqlite``, a free page) opens. Keep this
    file's backups apart from the others and short-lived;
``vault.key``
    the vault key (keystore v3, scrypt);
``vault.json``
    the vault of earlier versions (plain JSON): migrated on first use, then removed once every subject
    has been read back from the new vault and found equal (until then it stays, as the backup).

Commits are durable (WAL, ``synchronous=FULL``): a subject whose id was printed survives a power cut.
Two processes may use the vault at once (SQLite's locks; a new subject's student number is checked
inside the write that saves it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import KeystoreError, ValidationError, WorkspaceError
from ledger.files import fsync_directory
from ledger.identity.keyring import check_new_password
from ledger.identity.privacy import NameIndex, guarded_sequence, tokens_of, windows
from ledger.identity.sealing import (
    VaultKey,
    load_vault_key,
    new_person_key,
    open_fields,
    save_vault_key,
    seal_fields,
)

_SUBJECT_ID = re.compile(r"^0x[0-9a-f]{64}\Z")

#: A password, or where to get one when the vault key is first needed (the CLI prompts).
PasswordSource = Callable[[], str] | str | None


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
    """One vault entry: the pseudonymous id and what the issuer knows of the person (nothing, once
    erased: ``erased`` is then the time of the erasure)."""

    id: str
    person: dict[str, str]
    created: int
    erased: int | None = None


@dataclass(frozen=True)
class Erasure:
    """What erasing a person did: the fields that were held (names only, never values) and the tags
    removed; the subject id stays, marked erased (it is on chain, where nothing can be removed)."""

    subject: str
    erased_at: int
    fields: tuple[str, ...]
    lookups_removed: int
    guard_tags_removed: int
    already: bool = False


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


_MAIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subjects (
    n       INTEGER PRIMARY KEY,
    id      BLOB NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    erased  INTEGER
);
CREATE TABLE IF NOT EXISTS people (
    n       INTEGER PRIMARY KEY,
    sealed  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS lookups (
    tag     BLOB NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (tag, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lookups_by_subject ON lookups(n);
CREATE TABLE IF NOT EXISTS guard (
    tag     BLOB NOT NULL,
    n       INTEGER NOT NULL,
    length  INTEGER NOT NULL,
    PRIMARY KEY (tag, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS guard_by_subject ON guard(n);
CREATE TABLE IF NOT EXISTS guard_lengths (length INTEGER PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS erasing (id BLOB PRIMARY KEY);
"""
_KEYS_SCHEMA = "CREATE TABLE IF NOT EXISTS person_keys (id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;"

#: Largest number of values in one ``IN (...)`` of a query (SQLite's default limit is 999 or more).
_CHUNK = 500


class Vault:
    """The workspace's vault (see the module's notes). Opened lazily: a vault that was never written
    has no files, and reading it asks for no password.

    Args:
        path: ``vault.sqlite``; the other files are beside it.
        password: the vault key's password, or a function that asks for it (called at most once, when
            the key is first needed; a new vault key is encrypted with it).
        light_kdf: cheaper scrypt for a new vault key (tests and the throwaway demo only).
    """

    def __init__(self, path: Path, *, password: PasswordSource = None, light_kdf: bool = False) -> None:
        self.path = Path(path)
        self.keys_path = self.path.with_name("vault-keys.sqlite")
        self.key_path = self.path.with_name("vault.key")
        self.legacy_path = self.path.with_name("vault.json")
        self._password = password
        self._light = light_kdf
        self._main: sqlite3.Connection | None = None
        self._keys: sqlite3.Connection | None = None
        self._key: VaultKey | None = None
        self._lengths: list[int] | None = None

    # -- opening -----------------------------------------------------------------------------------

    def unlock(self, *, create: bool = False) -> VaultKey:
        """The vault key, decrypted (once per object); with ``create``, made when there is none yet.

        Raises:
            WrongPassword: the password does not open it.
            KeystoreError: no password was given, or no vault key exists and ``create`` is false.
        """
        if self._key is not None:
            return self._key
        if self.key_path.exists():
            self._key = load_vault_key(self.key_path, self._ask_password())
            return self._key
        if not create:
            raise KeystoreError(f"the vault has no key ({self.key_path} is missing)",
                                hint="restore vault.key from a backup; without it the vault cannot be read")
        password = self._ask_password()
        check_new_password(password)
        key, secret = VaultKey.generate()
        try:
            save_vault_key(self.key_path, secret, password, light=self._light)
        except FileExistsError:  # another process made it meanwhile: use that one
            self._key = load_vault_key(self.key_path, password)
            return self._key
        self._key = key
        return key

    def create_key(self) -> None:
        """Make the vault key now (``ledger init`` does, with the first key's password)."""
        self.unlock(create=True)

    def _ask_password(self) -> str:
        source = self._password
        if source is None:
            raise KeystoreError("the vault is locked and no password was given",
                                hint="set LEDGER_PASSWORD or LEDGER_PASSWORD_FILE (the vault key's password)")
        value = source() if callable(source) else source
        self._password = value  # asked once
        return value

    def _db(self, *, create: bool) -> sqlite3.Connection | None:
        """The main database (made if ``create``); ``None`` when there is no vault yet. An old
        ``vault.json`` is migrated first, an interrupted erasure finished."""
        if self._main is None:
            if self.legacy_path.exists():
                self._migrate()
            elif not self.path.exists() and not create:
                return None
            else:
                self._open()
        return self._main

    def _open(self) -> None:
        for path in (self.path, self.keys_path):
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # 0600 before SQLite writes anything
        try:
            self._main = _connect(self.path, _MAIN_SCHEMA)
            self._keys = _connect(self.keys_path, _KEYS_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise WorkspaceError(f"the subject vault {self.path} is unreadable: {exc}") from exc
        pending = [_text(r[0]) for r in self._main.execute("SELECT id FROM erasing")]
        for subject in pending:  # stopped after the key went, before the rest: finish it
            self.erase(subject)

    def close(self) -> None:
        for conn in (self._main, self._keys):
            if conn is not None:
                conn.close()
        self._main = self._keys = None

    # -- adding people -------------------------------------------------------------------------------

    def new_subject(self, person: dict[str, str] | None = None) -> Subject:
        """Create a subject id for ``person`` (may be empty) and save it."""
        return self.new_subjects([person or {}])[0]

    def new_subjects(self, people: list[dict[str, str]]) -> list[Subject]:
        """Create one subject id per person and save them in one write.

        A student number identifies one person: a number already in the vault (or given twice) is
        refused, so that a batch row naming it can only mean one subject.

        Raises:
            ValidationError: a field is too long or not one line, or a student number is taken (the
                message names the subject that has it); nothing is saved.
        """
        for person in people:
            for field_name, value in person.items():
                problem = person_field_problem(field_name, value)
                if problem:
                    raise ValidationError(f"{field_name.replace('_', ' ')} {problem}")
        numbers: set[str] = set()
        for person in people:
            number = (person.get("student_number") or "").strip()
            if number in numbers:
                raise ValidationError(f"student number {shorten(number)!r} is given twice")
            if number:
                numbers.add(number)
        key = self.unlock(create=True)
        main = self._db(create=True)
        assert main is not None and self._keys is not None
        now = int(time.time())
        made = [Subject("0x" + secrets.token_hex(32), {k: v for k, v in p.items() if v}, now) for p in people]
        with _write(main):
            taken = self._student_numbers(main, key, numbers)
            for number, ids in taken.items():
                raise ValidationError(
                    f"student number {shorten(number)!r} is already in the vault, as subject {ids[0]}",
                    hint=f"use that subject id (`ledger subject find {number}`)",
                )
            self._insert(main, key, made)
        return made

    def _insert(self, main: sqlite3.Connection, key: VaultKey, subjects: list[Subject]) -> None:
        """Write ``subjects`` inside the caller's write on ``main``: their keys first, in a commit of
        their own (a key without a person is harmless; a person without a key would be lost)."""
        assert self._keys is not None
        person_keys = {s.id: new_person_key() for s in subjects if s.person}
        with _write(self._keys):
            self._keys.executemany("INSERT INTO person_keys VALUES (?, ?)",
                                   [(_blob(sid), key.seal_person_key(sid, k)) for sid, k in person_keys.items()])
        first = int(main.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM subjects").fetchone()[0])
        numbers = {s.id: first + i for i, s in enumerate(subjects)}
        main.executemany("INSERT INTO subjects VALUES (?, ?, ?, NULL)",
                         [(numbers[s.id], _blob(s.id), s.created) for s in subjects])
        main.executemany("INSERT INTO people VALUES (?, ?)",
                         [(numbers[s.id], seal_fields(person_keys[s.id], s.id, s.person)) for s in subjects if s.person])
        lookups: set[tuple[bytes, int]] = set()
        guard: dict[tuple[bytes, int], int] = {}
        for s in subjects:
            n = numbers[s.id]
            for kind, value in _lookup_values(s.person):
                lookups.add((key.lookup_tag(kind, value), n))
            for value in s.person.values():
                sequence = guarded_sequence(value) if len(value) >= 2 else None
                if sequence:
                    guard[(key.guard_tag(sequence), n)] = len(sequence)
        main.executemany("INSERT OR IGNORE INTO lookups VALUES (?, ?)", sorted(lookups))
        main.executemany("INSERT OR IGNORE INTO guard VALUES (?, ?, ?)", [(t, n, k) for (t, n), k in sorted(guard.items())])
        counts: dict[int, int] = {}
        for length in guard.values():
            counts[length] = counts.get(length, 0) + 1
        main.executemany("INSERT INTO guard_lengths VALUES (?, ?) ON CONFLICT(length) DO UPDATE SET count = count + ?",
                         [(length, c, c) for length, c in counts.items()])
        self._lengths = None

    # -- finding people --------------------------------------------------------------------------------

    def get(self, subject_id: str) -> Subject | None:
        """The subject with this id (its person decrypted), or ``None``."""
        main = self._db(create=False)
        if main is None:
            return None
        try:
            sid = "0x" + parse_subject_id(subject_id).hex()
        except ValidationError:
            return None
        row = main.execute("SELECT n, created, erased FROM subjects WHERE id = ?", (_blob(sid),)).fetchone()
        if row is None:
            return None
        return self._subject(main, int(row[0]), sid, int(row[1]), row[2])

    def _subject(self, main: sqlite3.Connection, n: int, sid: str, created: int, erased: int | None) -> Subject:
        sealed = main.execute("SELECT sealed FROM people WHERE n = ?", (n,)).fetchone()
        if sealed is None:
            return Subject(sid, {}, created, erased)
        assert self._keys is not None
        key_row = self._keys.execute("SELECT sealed FROM person_keys WHERE id = ?", (_blob(sid),)).fetchone()
        if key_row is None:
            return Subject(sid, {}, created, erased)  # shredded: the fields can no longer be read
        person_key = self.unlock().open_person_key(sid, key_row[0])
        return Subject(sid, open_fields(person_key, sid, sealed[0]), created, erased)

    def find(self, text: str) -> list[Subject]:
        """Subjects found by ``text``: an id (or its start, ``0x`` and at least 8 hex digits), a student
        number or an email address (whole, any case), or else words of a name (all of them, whole words;
        at most 1,000 subjects).

        Raises:
            ValidationError: ``text`` is empty (it would match every subject).
        """
        needle = text.strip()
        if not needle:
            raise ValidationError("give some text to look for (an id, a name, an email or a number)")
        main = self._db(create=False)
        if main is None:
            return []
        found: dict[int, None] = {}
        lowered = needle.lower()
        if re.fullmatch(r"0x[0-9a-f]{8,64}", lowered):
            prefix = bytes.fromhex(lowered[2:] + ("0" if len(lowered) % 2 else ""))
            upper = bytes.fromhex(lowered[2:] + ("f" if len(lowered) % 2 else "")) + b"\xff" * 32
            for (n,) in main.execute("SELECT n FROM subjects WHERE id >= ? AND id <= ? ORDER BY id LIMIT 100",
                                     (prefix, upper)):
                found[n] = None
        key = self.unlock()
        for tag in (key.lookup_tag("student_number", needle), key.lookup_tag("email", needle.casefold())):
            for (n,) in main.execute("SELECT n FROM lookups WHERE tag = ?", (tag,)):
                found[n] = None
        words = sorted(set(tokens_of(needle)))
        if words and not found:  # a whole number, email or id found is the answer; else the words of a name
            for n in self._with_every_word(main, [key.lookup_tag("word", w) for w in words]):
                found[n] = None
        rows = [main.execute("SELECT n, id, created, erased FROM subjects WHERE n = ?", (n,)).fetchone() for n in found]
        return [self._subject(main, int(r[0]), _text(r[1]), int(r[2]), r[3]) for r in rows
                if r is not None and r[3] is None and _text(r[1]).startswith(lowered if lowered.startswith("0x") else "0x")]

    @staticmethod
    def _with_every_word(main: sqlite3.Connection, tags: list[bytes], cap: int = 1_000) -> list[int]:
        """Subjects having every one of the word ``tags``, at most ``cap``: the rarest word is read, the
        others only asked about its subjects (a common word, "s" of every student number, is never read
        whole)."""
        sizes = {tag: main.execute("SELECT COUNT(*) FROM (SELECT 1 FROM lookups WHERE tag = ? LIMIT ?)",
                                   (tag, cap + 1)).fetchone()[0] for tag in tags}
        rarest = min(tags, key=lambda t: sizes[t])
        if sizes[rarest] == 0:
            return []
        others = [t for t in tags if t != rarest]
        out = []
        for (n,) in main.execute("SELECT n FROM lookups WHERE tag = ? LIMIT ?", (rarest, cap)):
            if all(main.execute("SELECT 1 FROM lookups WHERE tag = ? AND n = ?", (t, n)).fetchone() for t in others):
                out.append(n)
        return sorted(out)

    def student_numbers(self, numbers: Iterable[str]) -> dict[str, list[str]]:
        """For each of ``numbers`` held in the vault, the ids of the subjects with it (several only in
        vaults from before numbers were unique); numbers not in the vault are left out."""
        wanted = {n.strip() for n in numbers if n and n.strip()}
        main = self._db(create=False)
        if main is None or not wanted:
            return {}
        return self._student_numbers(main, self.unlock(), wanted)

    @staticmethod
    def _student_numbers(main: sqlite3.Connection, key: VaultKey, numbers: set[str]) -> dict[str, list[str]]:
        by_tag = {key.lookup_tag("student_number", n): n for n in numbers}
        tags = list(by_tag)
        out: dict[str, list[str]] = {}
        for start in range(0, len(tags), _CHUNK):
            chunk = tags[start : start + _CHUNK]
            query = (f"SELECT l.tag, s.id FROM lookups l JOIN subjects s ON s.n = l.n "
                     f"WHERE l.tag IN ({','.join('?' * len(chunk))}) AND s.erased IS NULL ORDER BY s.created, s.id")
            for tag, sid in main.execute(query, chunk):
                out.setdefault(by_tag[tag], []).append(_text(sid))
        return out

    def by_student_number(self) -> dict[str, list[str]]:
        """Student number -> ids of the subjects with it, for the whole vault (decrypts everyone: slow
        on a large vault; :meth:`student_numbers` asks for the numbers one needs)."""
        out: dict[str, list[str]] = {}
        for subject in self:
            number = subject.person.get("student_number", "").strip()
            if number:
                out.setdefault(number, []).append(subject.id)
        return out

    def known_names(self) -> NameIndex:
        """The privacy guard's view of the vault: finds a person's name or number in text by the tags of
        its token sequences, decrypting no one (and asking for no password while the vault is empty)."""
        return _GuardIndex(self)

    def _guard_lengths(self) -> list[int]:
        if self._lengths is None:
            main = self._db(create=False)
            self._lengths = [] if main is None else [
                r[0] for r in main.execute("SELECT length FROM guard_lengths WHERE count > 0 ORDER BY length")]
        return self._lengths

    def _guard_hit(self, folded: str) -> bool:
        lengths = self._guard_lengths()
        if not lengths:
            return False
        main = self._db(create=False)
        assert main is not None
        key = self.unlock()
        tags = list({key.guard_tag(w) for w in windows(folded, lengths)})
        for start in range(0, len(tags), _CHUNK):
            chunk = tags[start : start + _CHUNK]
            query = f"SELECT 1 FROM guard WHERE tag IN ({','.join('?' * len(chunk))}) LIMIT 1"
            if main.execute(query, chunk).fetchone() is not None:
                return True
        return False

    # -- erasing a person --------------------------------------------------------------------------------

    def erase(self, subject_id: str) -> Erasure:
        """Erase the person behind ``subject_id`` (a PIPL/GDPR erasure request): their key goes first
        (from then on no copy of their fields opens), then their fields and every tag; the id stays,
        marked erased, because it is on chain, where nothing can be removed.

        Raises:
            ValidationError: no such subject in the vault.
        """
        sid = "0x" + parse_subject_id(subject_id).hex()
        main = self._db(create=False)
        if main is None:
            raise ValidationError(f"subject {sid} is not in the vault")
        assert self._keys is not None
        row = main.execute("SELECT n, erased FROM subjects WHERE id = ?", (_blob(sid),)).fetchone()
        if row is None:
            raise ValidationError(f"subject {sid} is not in the vault")
        n = int(row[0])
        pending = main.execute("SELECT 1 FROM erasing WHERE id = ?", (_blob(sid),)).fetchone() is not None
        if row[1] is not None and not pending:
            return Erasure(sid, int(row[1]), (), 0, 0, already=True)
        fields: tuple[str, ...] = ()
        if self._keys.execute("SELECT 1 FROM person_keys WHERE id = ?", (_blob(sid),)).fetchone() is not None:
            fields = tuple(sorted(self._subject(main, n, sid, 0, None).person))
        with _write(main):
            main.execute("INSERT OR IGNORE INTO erasing VALUES (?)", (_blob(sid),))
        with _write(self._keys):
            self._keys.execute("DELETE FROM person_keys WHERE id = ?", (_blob(sid),))
        now = int(time.time())
        with _write(main):
            lookups = main.execute("DELETE FROM lookups WHERE n = ?", (n,)).rowcount
            lengths = [r[0] for r in main.execute("SELECT length FROM guard WHERE n = ?", (n,))]
            guard = main.execute("DELETE FROM guard WHERE n = ?", (n,)).rowcount
            for length in lengths:
                main.execute("UPDATE guard_lengths SET count = count - 1 WHERE length = ?", (length,))
            main.execute("DELETE FROM people WHERE n = ?", (n,))
            main.execute("UPDATE subjects SET erased = COALESCE(erased, ?) WHERE n = ?", (now, n))
            main.execute("DELETE FROM erasing WHERE id = ?", (_blob(sid),))
        for conn in (self._keys, main):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no old page of theirs left in a WAL file
        self._lengths = None
        return Erasure(sid, now, fields, lookups, guard)

    # -- the whole vault -----------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Subject]:
        """Every subject not erased, decrypted (slow on a large vault: for exports and tests)."""
        main = self._db(create=False)
        if main is None:
            return iter(())
        rows = main.execute("SELECT n, id, created, erased FROM subjects WHERE erased IS NULL ORDER BY created, id").fetchall()
        return (self._subject(main, int(r[0]), _text(r[1]), int(r[2]), r[3]) for r in rows)

    def __len__(self) -> int:
        """How many subjects the vault holds (erased ones not counted)."""
        main = self._db(create=False)
        if main is None:
            return 0
        return int(main.execute("SELECT COUNT(*) FROM subjects WHERE erased IS NULL").fetchone()[0])

    # -- the old vault.json ------------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Move ``vault.json`` into the encrypted vault, read every subject back, and remove the JSON only
        when all are equal. A migration stopped anywhere starts again (or finishes) on the next open.

        Raises:
            WorkspaceError: the JSON is unreadable, a vault already holds other subjects, or what was read
                back differs (the JSON is kept).
        """
        try:
            raw: dict[str, Any] = json.loads(self.legacy_path.read_text(encoding="utf-8"))
            entries = [Subject(sid.lower(), {k: str(v) for k, v in dict(e.get("person", {})).items() if v},
                               int(e.get("created", 0)))
                       for sid, e in raw.get("subjects", {}).items()]
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise WorkspaceError(f"the subject vault {self.legacy_path} is unreadable: {exc}") from exc
        for s in entries:
            parse_subject_id(s.id)
        key = self.unlock(create=True)
        self._open()
        main, keys = self._main, self._keys
        assert main is not None and keys is not None
        with _write(main):
            state = main.execute("SELECT value FROM meta WHERE key = 'json_migration'").fetchone()
            if state is None:
                if main.execute("SELECT 1 FROM subjects LIMIT 1").fetchone() is not None:
                    raise WorkspaceError(
                        f"{self.legacy_path} and {self.path} both hold subjects",
                        hint=f"move {self.legacy_path.name} away if the vault already has its people, or restore the "
                        "workspace from a backup",
                    )
                self._insert(main, key, entries)
                main.execute("INSERT INTO meta VALUES ('json_migration', ?)",
                             (json.dumps({"subjects": len(entries), "started": int(time.time())}),))
        differing = [s.id for s in entries if self.get(s.id) != Subject(s.id, s.person, s.created)]
        if differing:
            raise WorkspaceError(
                f"the vault migrated from {self.legacy_path} reads back {len(differing)} subject(s) differently "
                f"(first {differing[0]}); {self.legacy_path.name} is kept",
                hint="report this; the workspace keeps working from the JSON copy only after the migration is redone",
            )
        with _write(main):
            main.execute("UPDATE meta SET value = ? WHERE key = 'json_migration'",
                         (json.dumps({"subjects": len(entries), "verified": int(time.time())}),))
        self.legacy_path.unlink()
        fsync_directory(self.legacy_path.parent)


class _GuardIndex(NameIndex):
    """:meth:`Vault.known_names`: the privacy guard's questions answered by the vault's guard tags."""

    def __init__(self, vault: Vault) -> None:
        super().__init__()
        self._vault = vault

    def find(self, folded: str) -> bool:
        return self._vault._guard_hit(folded)


def _blob(subject: str) -> bytes:
    """A subject id as stored: 32 bytes."""
    return bytes.fromhex(subject[2:])


def _text(stored: bytes) -> str:
    return "0x" + bytes(stored).hex()


def _lookup_values(person: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The (kind, value) pairs a person is found by: their student number and email whole, every word."""
    number = person.get("student_number", "").strip()
    if number:
        yield "student_number", number
    email = person.get("email", "").strip()
    if email:
        yield "email", email.casefold()
    for value in person.values():
        for word in set(tokens_of(value)):
            yield "word", word


def _connect(path: Path, schema: str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a saved person survives a power cut
    conn.execute("PRAGMA secure_delete=ON")  # an erased person's pages are overwritten, not just freed
    conn.executescript(schema)
    return conn


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
