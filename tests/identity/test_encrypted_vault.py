"""Issue 18, item 9: the vault in SQLite, encrypted per person, migrated from vault.json, erasable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ledger.errors import ValidationError, WorkspaceError, WrongPassword
from ledger.identity import sealing
from ledger.identity.privacy import check_fields, find_personal_data
from ledger.identity.vault import Subject, Vault

PASSWORD = "vault-password"
PEOPLE = [
    {"name": "Li Hua", "email": "lihua@example.edu", "student_number": "2023001"},
    {"name": "王小明", "student_number": "2023002"},
    {"name": "Ivan Petrov", "email": "Ivan.Petrov@Example.org"},
]


def _vault(directory: Path, password: str = PASSWORD) -> Vault:
    return Vault(directory / "vault.sqlite", password=password, light_kdf=True)


def _files(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.glob("vault*")) if p.is_file())


def test_people_are_encrypted_at_rest_and_found_by_their_tags(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    made = vault.new_subjects([dict(p) for p in PEOPLE])
    stored = _files(tmp_path)
    for person in PEOPLE:
        for value in person.values():
            assert value.encode() not in stored and value.lower().encode() not in stored
    vault.close()

    again = _vault(tmp_path)
    li, wang, ivan = made
    assert again.get(li.id) == Subject(li.id, PEOPLE[0], li.created)
    assert [s.id for s in again.find("2023002")] == [wang.id]  # a student number, whole
    assert [s.id for s in again.find("IVAN.PETROV@example.org")] == [ivan.id]  # an email, any case
    assert [s.id for s in again.find("hua li")] == [li.id]  # the words of a name, any order
    assert [s.id for s in again.find("lihua")] == [li.id]  # a word of the email
    assert [s.id for s in again.find(li.id[:12])] == [li.id]  # the start of an id
    assert again.find("hu") == [] and again.find("2023") == []  # no partial words, no partial numbers
    assert again.student_numbers(["2023001", "2023002", "9999"]) == {"2023001": [li.id], "2023002": [wang.id]}
    assert len(again) == 3


def test_the_guard_finds_vault_people_without_decrypting_anyone(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vault = _vault(tmp_path)
    vault.new_subjects([dict(p) for p in PEOPLE])
    vault.close()
    guard = _vault(tmp_path).known_names()

    def refuse(*args: object) -> None:
        raise AssertionError("the guard decrypted a person")

    monkeypatch.setattr("ledger.identity.vault.open_fields", refuse)
    assert find_personal_data("mentored by Li Hua on the console", guard) == "a name or number of a person in the vault"
    assert find_personal_data("王小明的项目", guard) == "a name or number of a person in the vault"
    assert find_personal_data("reviewer=2023001", guard) == "a name or number of a person in the vault"
    assert find_personal_data("github.com/FISCO-BCOS/console/pull/812", guard) is None
    assert find_personal_data("ivan_petrov fixed it", guard) == "a name or number of a person in the vault"
    with pytest.raises(ValidationError):
        check_fields({"evidence": {"note": "thanks Ivan Petrov"}}, guard)


def test_an_empty_vault_asks_for_no_password(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault.sqlite")  # no password at all
    assert len(vault) == 0 and vault.get("0x" + "ab" * 32) is None
    assert find_personal_data("Li Hua's pull request", vault.known_names()) is None
    assert not (tmp_path / "vault.sqlite").exists()


def test_a_wrong_password_is_wrong_input(tmp_path: Path) -> None:
    _vault(tmp_path).new_subject({"name": "Li Hua"})
    with pytest.raises(WrongPassword) as caught:
        _vault(tmp_path, password="not-the-password").find("li")
    assert caught.value.exit_code == 2 and "vault key" in str(caught.value)


def _legacy(directory: Path, count: int) -> dict[str, dict]:
    subjects = {f"0x{i:064x}": {"person": {"name": f"Person {i}", "student_number": f"S{i:06d}"}, "created": 1000 + i}
                for i in range(1, count + 1)}
    subjects["0x" + "ee" * 32] = {"person": {}, "created": 5}  # a subject made with no person fields
    (directory / "vault.json").write_text(json.dumps({"about": "old", "subjects": subjects}))
    return subjects


def test_a_vault_json_is_migrated_read_back_and_only_then_removed(tmp_path: Path) -> None:
    subjects = _legacy(tmp_path, 50)
    vault = _vault(tmp_path)
    assert len(vault) == 51
    assert not (tmp_path / "vault.json").exists()
    for sid, entry in subjects.items():
        assert vault.get(sid) == Subject(sid, entry["person"], entry["created"])
    assert [s.id for s in vault.find("S000007")] == [f"0x{7:064x}"]
    meta = sqlite3.connect(tmp_path / "vault.sqlite").execute("SELECT value FROM meta WHERE key='json_migration'")
    assert json.loads(meta.fetchone()[0])["subjects"] == 51


def test_a_migration_that_does_not_read_back_keeps_the_json(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _legacy(tmp_path, 5)
    real = sealing.open_fields
    monkeypatch.setattr("ledger.identity.vault.open_fields",
                        lambda k, s, b: {**real(k, s, b), "name": "garbled"})
    with pytest.raises(WorkspaceError, match="reads back"):
        len(_vault(tmp_path))
    assert (tmp_path / "vault.json").exists()  # the backup stays until a migration is verified
    monkeypatch.setattr("ledger.identity.vault.open_fields", real)
    vault = _vault(tmp_path)  # the next open verifies what was written, and finishes
    assert len(vault) == 6 and not (tmp_path / "vault.json").exists()


def test_erasing_a_person_shreds_their_key_and_leaves_the_pseudonymous_id(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    li, wang, _ = vault.new_subjects([dict(p) for p in PEOPLE])
    backup = tmp_path / "backup"
    backup.mkdir()
    with sqlite3.connect(backup / "vault.sqlite") as copy:  # a backup made before the request
        sqlite3.connect(tmp_path / "vault.sqlite").backup(copy)
    (backup / "vault.key").write_bytes((tmp_path / "vault.key").read_bytes())
    erasure = vault.erase(li.id)
    assert erasure.fields == ("email", "name", "student_number") and erasure.lookups_removed > 0
    assert erasure.guard_tags_removed == 3
    assert vault.get(li.id) == Subject(li.id, {}, li.created, erasure.erased_at)  # the id stays, erased
    assert vault.find("2023001") == [] and vault.find("li hua") == []
    assert vault.student_numbers(["2023001"]) == {}
    assert find_personal_data("thanks Li Hua", vault.known_names()) is None
    assert vault.get(wang.id).person == PEOPLE[1]  # nobody else is touched
    assert len(vault) == 2
    assert vault.erase(li.id).already
    vault.close()

    # Crypto-shredding: the backup still holds Li Hua's sealed fields, but their key is gone for good.
    sealed = sqlite3.connect(backup / "vault.sqlite").execute(
        "SELECT p.sealed FROM people p JOIN subjects s ON s.n = p.n WHERE s.id = ?", (bytes.fromhex(li.id[2:]),)
    ).fetchone()
    assert sealed is not None
    with sqlite3.connect(backup / "vault-keys.sqlite") as copy:  # the keys as they are now
        sqlite3.connect(tmp_path / "vault-keys.sqlite").backup(copy)
    restored = Vault(backup / "vault.sqlite", password=PASSWORD)
    assert restored.get(li.id).person == {}  # it does not open any more
    assert restored.get(wang.id).person == PEOPLE[1]
    keys = sqlite3.connect(tmp_path / "vault-keys.sqlite")
    assert keys.execute("SELECT COUNT(*) FROM person_keys WHERE id = ?", (bytes.fromhex(li.id[2:]),)).fetchone()[0] == 0


def test_an_erasure_stopped_after_the_key_went_is_finished_on_the_next_open(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    li = vault.new_subject(dict(PEOPLE[0]))
    # What an erasure has done when it stops right after the key's deletion was committed:
    main = vault._db(create=False)
    assert main is not None and vault._keys is not None
    main.execute("INSERT INTO erasing VALUES (?)", (bytes.fromhex(li.id[2:]),))
    vault._keys.execute("DELETE FROM person_keys WHERE id = ?", (bytes.fromhex(li.id[2:]),))
    vault.close()
    again = _vault(tmp_path)
    assert len(again) == 0
    assert again.get(li.id).erased is not None and again.find("2023001") == []
    assert find_personal_data("thanks Li Hua", again.known_names()) is None
