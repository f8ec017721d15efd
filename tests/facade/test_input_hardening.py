"""Malformed input files, SDK paths around the personal-data guard, keys and the workspace directory.

Each test asserts the clear error (class and the field, row or part it names) and that nothing was
written: no metadata document, no transaction, no vault subject, no changed directory mode.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger import types
from ledger.config import Settings, load_settings
from ledger.contributions.files import read_file
from ledger.contributions.model import build
from ledger.credentials.standards import TypeDefinition, load_type_file
from ledger.crypto.keys import PrivateKey
from ledger.crypto.keystore import decrypt_keystore, encrypt_keystore, key_hex_text, load_keystore
from ledger.errors import KeystoreError, PersonalDataError, RowError, ValidationError, WorkspaceError
from ledger.identity.keyring import Keyring
from ledger.identity.privacy import find_contact_data, find_personal_data
from ledger.identity.vault import Vault
from ledger.index.schema import MIGRATIONS, applied


def _vault(directory: Path) -> Vault:
    return Vault(directory / "vault.sqlite", password="vault-password", light_kdf=True)
from ledger.issuance.rows import read_rows
from ledger.ledger import Ledger

PASSWORD = "test-password"
SUBJECT = "0x" + "ab" * 32
BASE_TYPE: dict[str, Any] = {"id": 7, "name": "T", "level": 1, "field": "blockchain",
                             "allowed_issuers": ["university"], "criteria": {"min_total": 1}}


def _files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*")) if directory.exists() else []


# -- type files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("prerequisites", ["x"], "prerequisites[0]"),
        ("prerequisites", 5, "prerequisites must be a list"),
        ("prerequisites", [2**40], "prerequisites[0] must be between 1 and 4294967295"),
        ("prerequisites", [-1], "prerequisites[0] must be between 1 and 4294967295"),
        ("prerequisites", [0], "prerequisites[0] must be between 1 and 4294967295"),
        ("prerequisites", [7], "its own prerequisite"),
        ("criteria", "abc", "criteria must be a table"),
        ("criteria", 5, "criteria must be a table"),
        ("criteria", {"min_per_kind": "x"}, "criteria.min_per_kind must be a table"),
        ("criteria", {"min_total": 1.5}, "criteria.min_total must be a whole number"),
        ("criteria", {"window_from": [1]}, "criteria.window_from"),
        ("allowed_issuers", 5, "allowed_issuers must be a list"),
        ("allowed_issuers", [{"a": 1}], "allowed_issuers[0]"),
        ("name", {"a": 1}, "name must be text"),
        ("description", ["a"], "description must be text"),
        ("level", 1.5, "level must be a whole number"),
        ("level", True, "level must be a whole number"),
        ("id", None, "id must be a whole number"),
        ("id", 2**32, "id must be between 1 and 4294967295"),
    ],
)
def test_a_type_file_of_the_wrong_shape_names_the_field(tmp_path: Path, key: str, value: Any, named: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({**BASE_TYPE, key: value}))
    with pytest.raises(ValidationError) as caught:
        load_type_file(path)
    assert named in str(caught.value)


def test_a_type_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(b'id = 7\nname = "\xff\xfe"\n')
    with pytest.raises(ValidationError) as caught:
        load_type_file(path)
    assert "is not UTF-8 text" in str(caught.value) and "line 2" in str(caught.value)
    assert "xff" not in str(caught.value)


def test_a_whole_float_in_a_json_type_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({**BASE_TYPE, "level": 2.0, "prerequisites": [3]}))
    definition = load_type_file(path)
    assert definition.level == 2 and definition.prerequisites == (3,)


# -- contribution files ------------------------------------------------------------------------

OK_ROW = {"source": "github.com/a/b/pull/1", "subject": SUBJECT, "kind": "code"}


@pytest.mark.parametrize(
    ("key", "value", "column"),
    [
        ("evidence", "abc", "evidence"),
        ("evidence", 5, "evidence"),
        ("evidence", [1, 2], "evidence"),
        ("project", 5, "project"),
        ("source", {"a": 1}, "source"),
        ("note", {"a": 1}, "note"),
        ("weight", 1.9, "weight"),
        ("weight", True, "weight"),
        ("weight", "1.9", "weight"),
        ("kind", [1], "kind"),
    ],
)
def test_a_contribution_of_the_wrong_shape_names_row_and_column(
    tmp_path: Path, key: str, value: Any, column: str
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(OK_ROW) + "\n" + json.dumps({**OK_ROW, "source": "github.com/a/b/pull/2", key: value}))
    with pytest.raises(RowError) as caught:
        read_file(path)
    assert (caught.value.row, caught.value.column) == (2, column)


def test_a_whole_weight_is_read_as_given(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps([{**OK_ROW, "weight": 3.0}, {**OK_ROW, "source": "github.com/a/b/pull/2", "weight": "4"}]))
    assert [c.weight for c in read_file(path)] == [3, 4]


def test_the_contributions_csv_refuses_extra_values(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"source,subject,kind\ngithub.com/a/b/pull/1,{SUBJECT},code\ngithub.com/a/b/pull/2,{SUBJECT},code,EXTRA\n")
    with pytest.raises(RowError) as caught:
        read_file(path)
    assert caught.value.row == 3 and "more values (4) than columns (3)" in str(caught.value)


def test_a_contributions_csv_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"source,subject,kind\n\xff\xfe,x,code\n")
    with pytest.raises(ValidationError) as caught:
        read_file(path)
    assert "is not UTF-8 text" in str(caught.value) and "xff" not in str(caught.value)


# -- batch files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [{"a": 1}, ["Li"], True, 1.5])
def test_a_batch_row_of_the_wrong_shape_names_row_and_column(tmp_path: Path, value: Any) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"student_number": "S1", "name": "One"}) + "\n"
                    + json.dumps({"student_number": "S2", "name": value}) + "\n")
    vault = _vault(tmp_path)
    with pytest.raises(RowError) as caught:
        read_rows(path, vault, create_subjects=True)
    assert (caught.value.row, caught.value.column) == (2, "name")
    assert not (tmp_path / "vault.sqlite").exists()


def test_a_batch_file_that_is_not_utf8_is_refused_before_the_vault_changes(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes(b"student_number,name\nS1,\xe9l\xe8ve\n")
    with pytest.raises(ValidationError) as caught:
        read_rows(path, _vault(tmp_path), create_subjects=True)
    assert "is not UTF-8 text" in str(caught.value) and "line 2" in str(caught.value)
    assert not (tmp_path / "vault.sqlite").exists()


DEEP = "[" * 100 + "]" * 100


@pytest.mark.parametrize(
    ("name", "text", "read"),
    [
        ("c.json", DEEP, read_file),
        ("c.jsonl", json.dumps(OK_ROW) + "\n" + DEEP, read_file),
        ("t.json", DEEP, load_type_file),
        ("t.toml", f"id = 7\nname = 'T'\nx = {DEEP}\n", load_type_file),
        ("g.jsonl", DEEP, lambda p: read_rows(p, _vault(p.parent), create_subjects=True)),
    ],
)
def test_input_nested_too_deeply_is_refused_before_parsing(tmp_path: Path, name: str, text: str, read: Any) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValidationError, match="nest deeper than 64 levels"):
        read(path)
    assert not (tmp_path / "vault.sqlite").exists()


LONG = "9" * 5_000  # Python reads no integer of more than 4,300 digits: a ValueError of its own


@pytest.mark.parametrize(
    ("name", "text", "read"),
    [
        ("c.json", f"[{LONG}]", read_file),
        ("c.jsonl", json.dumps(OK_ROW) + "\n" + f'{{"weight": {LONG}}}', read_file),
        ("t.json", f'{{"id": {LONG}}}', load_type_file),
        ("t.toml", f"id = {LONG}\n", load_type_file),
    ],
)
def test_a_number_too_long_to_read_is_a_clear_error(tmp_path: Path, name: str, text: str, read: Any) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValidationError):
        read(path)


def test_a_batch_row_with_a_number_too_long_to_read_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"student_number": "S1", "name": "One"}) + f'\n{{"subject": {LONG}}}\n')
    rows = read_rows(path, _vault(tmp_path), create_subjects=True, skip_invalid=True)
    assert len(rows.rows) == 1
    assert [(e.row, "a number longer than" in e.reason) for e in rows.skipped] == [(2, True)]


def test_batch_rows_read_subjects_in_any_case_and_skip_unnamed_columns(tmp_path: Path) -> None:
    """The rows' fast paths (a subject id as most rows give it, a header with every column named) read
    what the general ones do: ids lower-cased, padding and an upper-case 0X accepted, bad ids refused with
    their row and column, an unnamed column left out, a short row read as empty cells."""
    upper, mixed = "0x" + "AB" * 32, "0x" + "Cd" * 32
    named = tmp_path / "named.csv"
    named.write_text(f"subject,name\n{upper},Ann\n{mixed}\n 0X{'ef' * 32} ,Bo\n0x{'12' * 31},Cy\n0x{'zz' * 32},Di\n")
    rows = read_rows(named, Vault(tmp_path / "vault.json"), skip_invalid=True)
    assert [(r.subject, r.holder_name) for r in rows.rows] == [
        ("0x" + "ab" * 32, "Ann"), ("0x" + "cd" * 32, None), ("0x" + "ef" * 32, "Bo")]
    assert [(e.row, e.column) for e in rows.skipped] == [(5, "subject"), (6, "subject")]
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text(f"subject,,name\n{upper},ignored,Ann\n")
    assert read_rows(unnamed, Vault(tmp_path / "vault.json")).rows[0].holder_name == "Ann"
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text(json.dumps({"subject": mixed, "name": "Ed"}) + "\n" + json.dumps({"subject": f" {upper}"}) + "\n")
    assert [r.subject for r in read_rows(jsonl, Vault(tmp_path / "vault.json")).rows] == [
        "0x" + "cd" * 32, " 0x" + "ab" * 32]  # as before: validated stripped, kept as given (build_batch strips)


def test_a_keystore_with_a_number_too_long_to_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text(f'{{"version": {LONG}}}')
    with pytest.raises(KeystoreError, match="not valid JSON"):
        load_keystore(path, PASSWORD)


# -- the guard -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("zhang.wei＠example.com", "an email address"),  # fullwidth at sign
        ("zhang.wei﹫example.com", "an email address"),  # small at sign
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "an email address"),
        ("call １３８１２３４５６７８", "a phone number"),  # fullwidth digits
    ],
)
def test_the_guard_reads_lookalike_forms_as_what_they_read_as(value: str, kind: str) -> None:
    assert find_personal_data(value) == kind
    assert find_contact_data(value) == kind


def test_the_guard_matches_a_vault_name_written_in_fullwidth() -> None:
    assert find_personal_data("mentor: Ｌｉ Ｈｕａ", ["Li Hua"]) == "a name or number of a person in the vault"


# -- keys ----------------------------------------------------------------------------------------


def test_a_key_file_that_is_not_text_is_refused_without_quoting_it() -> None:
    with pytest.raises(KeystoreError) as caught:
        key_hex_text(b"\x9c\x01\x02")
    text = str(caught.value)
    assert "not text" in text and "9c" not in text.lower() and caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("change", "part"),
    [
        (lambda d: d.pop("version"), "'version'"),
        (lambda d: d.update(version="3"), "'version'"),
        (lambda d: d.pop("crypto"), "'crypto'"),
        (lambda d: d["crypto"].pop("mac"), "'mac'"),
        (lambda d: d["crypto"].update(kdfparams="n=1"), "'kdfparams'"),
        (lambda d: d["crypto"]["kdfparams"].pop("salt"), "malformed"),
        (lambda d: d["crypto"].update(ciphertext="zz" + d["crypto"]["ciphertext"]), "malformed"),
        (lambda d: d["crypto"].update(kdf="md5"), "kdf must be 'scrypt' or 'pbkdf2'"),
        (lambda d: d["crypto"].update(cipher="aes-256-gcm"), "'aes-128-ctr'"),
        (lambda d: d["crypto"]["kdfparams"].update(dklen=10**9), "dklen must be 32"),
        (lambda d: d["crypto"]["kdfparams"].update(dklen="32"), "dklen must be a positive integer"),
        (lambda d: d["crypto"]["kdfparams"].update(n=1000), "scrypt parameters are out of bounds"),
        (lambda d: d["crypto"]["kdfparams"].update(n=2**30), "scrypt parameters are out of bounds"),
        (lambda d: d["crypto"]["kdfparams"].update(p=10**6), "scrypt parameters are out of bounds"),
        (lambda d: d["crypto"].update(kdf="pbkdf2", kdfparams={"c": 10, "dklen": 32, "prf": "xyz-sha256",
                                                               "salt": "00" * 16}), "prf must be 'hmac-sha256'"),
        (lambda d: d["crypto"].update(kdf="pbkdf2", kdfparams={"c": 10**9, "dklen": 32, "prf": "hmac-sha256",
                                                               "salt": "00" * 16}), "rounds"),
    ],
)
def test_a_malformed_keystore_is_a_keystore_error_naming_the_part(change: Any, part: str) -> None:
    key = PrivateKey.generate()
    data = encrypt_keystore(key, PASSWORD, light=True)
    secret_text = data["crypto"]["ciphertext"]
    change(data)
    with pytest.raises(KeystoreError) as caught:
        decrypt_keystore(data, PASSWORD)
    assert part in str(caught.value) and secret_text not in str(caught.value)
    assert "wrong password" not in str(caught.value)


def test_a_wrong_password_is_still_said_so() -> None:
    data = encrypt_keystore(PrivateKey.generate(), PASSWORD, light=True)
    with pytest.raises(KeystoreError, match="wrong password"):
        decrypt_keystore(data, "not the password")


def test_a_keystore_file_that_is_not_utf8_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_bytes(b'{"version": 3, "crypto": "\x9c\x01"}')
    with pytest.raises(KeystoreError) as caught:
        load_keystore(path, PASSWORD)
    assert "not valid JSON" in str(caught.value) and "9c" not in str(caught.value).lower()
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_keystore_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text('{"version": 3, "crypto": ' + "[" * 100 + "]" * 100 + "}")
    with pytest.raises(KeystoreError, match="not valid JSON"):
        load_keystore(path, PASSWORD)


def test_the_key_list_skips_files_that_are_not_keystores(tmp_path: Path) -> None:
    ring = Keyring(tmp_path, light_kdf=True)
    info = ring.create("good", PASSWORD)
    (tmp_path / "bytes.json").write_bytes(b"\x9c\x01\x02")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "badaddr.json").write_text(json.dumps({"address": "zz"}))
    (tmp_path / "short.json").write_text(json.dumps({"address": "abcd"}))
    assert [i.name for i in ring.list()] == [info.name]


# -- the workspace directory ---------------------------------------------------------------------


def test_init_refuses_a_directory_holding_other_files_and_leaves_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    (shared / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError) as caught:
        Ledger.init(Settings(workspace=shared), password=PASSWORD, light_kdf=True)
    assert "notes.txt" in str(caught.value) and "not a ledger workspace" in str(caught.value)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert [p.name for p in shared.iterdir()] == ["notes.txt"]


def test_init_takes_an_existing_empty_directory_without_changing_its_mode(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    empty.chmod(0o750)
    Ledger.init(Settings(workspace=empty), password=PASSWORD, light_kdf=True)
    assert stat.S_IMODE(empty.stat().st_mode) == 0o750
    assert (empty / "config.toml").exists()
    assert stat.S_IMODE((empty / "keys").stat().st_mode) == 0o700


def test_init_creates_a_new_workspace_private(tmp_path: Path) -> None:
    Ledger.init(Settings(workspace=tmp_path / "new" / "ws"), password=PASSWORD, light_kdf=True)
    assert stat.S_IMODE((tmp_path / "new" / "ws").stat().st_mode) == 0o700


def test_a_failed_init_leaves_the_directory_as_it_found_it(tmp_path: Path) -> None:
    from ledger.config import NetworkSettings
    from ledger.errors import NodeUnreachable

    unreachable = NetworkSettings("rpc", ("http://127.0.0.1:1",))
    new = tmp_path / "new" / "ws"
    with pytest.raises(NodeUnreachable):
        Ledger.init(Settings(workspace=new, network=unreachable), password=PASSWORD, light_kdf=True)
    assert not new.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NodeUnreachable):
        Ledger.init(Settings(workspace=empty, network=unreachable), password=PASSWORD, light_kdf=True)
    assert list(empty.iterdir()) == []
    Ledger.init(Settings(workspace=empty), password=PASSWORD, light_kdf=True)  # and it can be used after
    assert (empty / "config.toml").exists()


def test_a_second_init_at_once_is_refused_and_touches_nothing(tmp_path: Path) -> None:
    from ledger.ledger import _InitLock

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "keys").mkdir()
    held = _InitLock(ws)  # as if another init were running here
    try:
        with pytest.raises(WorkspaceError, match="another `ledger init` is running"):
            Ledger.init(Settings(workspace=ws), password=PASSWORD, light_kdf=True)
        assert sorted(p.name for p in ws.iterdir()) == [".init.lock", "keys"]
    finally:
        held.release()
    Ledger.init(Settings(workspace=ws), password=PASSWORD, light_kdf=True)
    assert (ws / "config.toml").exists() and not (ws / ".init.lock").exists()


def test_an_init_that_fails_while_deploying_to_a_node_keeps_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contracts may be on the node with that key as their only committee member."""
    import ledger.ledger
    from ledger.chain.embedded import EmbeddedChain
    from ledger.config import NetworkSettings
    from ledger.errors import ChainError

    monkeypatch.setattr(ledger.ledger, "open_chain", lambda *args, **kwargs: EmbeddedChain(None))

    def deploy_then_fail(*args: object, **kwargs: object) -> None:
        raise ChainError("the node stopped answering")

    monkeypatch.setattr(ledger.ledger, "deploy", deploy_then_fail)
    ws = tmp_path / "ws"
    with pytest.raises(WorkspaceError, match="init stopped while deploying: the node stopped answering") as caught:
        Ledger.init(Settings(workspace=ws, network=NetworkSettings("rpc", ("http://node.example:8545",))),
                    password=PASSWORD, light_kdf=True)
    assert (ws / "keys" / "admin.json").exists() and "admin.json" in (caught.value.hint or "")
    assert not (ws / "config.toml").exists() and not (ws / ".init.lock").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"join": "0x1234"}, "is not an address"), ({"secret_hex": "zz"}, "64 hex digits")],
    ids=["a join address", "an imported key"],
)
def test_init_checks_its_arguments_before_it_makes_anything(tmp_path: Path, changes: dict[str, Any],
                                                            message: str) -> None:
    from ledger.config import NetworkSettings
    from ledger.errors import LedgerError

    ws = tmp_path / "ws"
    with pytest.raises(LedgerError, match=message):
        Ledger.init(Settings(workspace=ws, network=NetworkSettings("rpc", ("http://127.0.0.1:1",))),
                    password=PASSWORD, light_kdf=True, **changes)
    assert not ws.exists()


# -- SDK paths past the guard --------------------------------------------------------------------


@pytest.fixture()
def lg(tmp_path: Path) -> Iterator[Ledger]:
    path = tmp_path / "ws"
    Ledger.init(Settings(workspace=path), password=PASSWORD, light_kdf=True)
    with Ledger.open(load_settings(path, env={}), password=PASSWORD) as ledger:
        ledger.vault.new_subject({"name": "Wang Fang", "student_number": "2023001"})
        yield ledger


def _definition(**changes: Any) -> TypeDefinition:
    base = TypeDefinition(type_id=302, name="Course", description="", field=0, level=1,
                          allowed_kinds=(int(types.IssuerKind.UNIVERSITY),), criteria=types.Criteria())
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("changes", "error", "named"),
    [
        ({"description": "ask zhang.wei@example.com"}, PersonalDataError, "'description'"),
        ({"name": "Mentored by Wang Fang"}, PersonalDataError, "'name'"),
        ({"extra": {"contact": "+86 138 1234 5678"}}, PersonalDataError, "'contact'"),
        ({"prerequisites": (2**40,)}, ValidationError, "prerequisites[0]"),
        ({"prerequisites": (-1,)}, ValidationError, "prerequisites[0]"),
        ({"level": 256}, ValidationError, "level"),
        ({"criteria": types.Criteria(min_total=70000)}, ValidationError, "criteria.min_total"),
    ],
)
def test_sdk_define_type_checks_the_definition_before_anything_is_written(
    lg: Ledger, changes: dict[str, Any], error: type[Exception], named: str
) -> None:
    before = _files(lg.settings.metadata_dir)
    with pytest.raises(error) as caught:
        lg.define_type(_definition(**changes))
    assert named in str(caught.value)
    assert _files(lg.settings.metadata_dir) == before
    assert lg.contracts.credentials.credential_type(302).version == 0
    lg.define_type(_definition())  # the same definition without the fault goes through
    assert lg.contracts.credentials.credential_type(302).version == 1


def test_sdk_record_checks_contributions_built_by_hand(lg: Ledger) -> None:
    good = build(source="github.com/a/b/pull/1", subject=SUBJECT, kind="code")
    other = build(source="github.com/a/b/pull/2", subject=SUBJECT, kind="code")
    leaky = dataclasses.replace(other, evidence={**other.evidence, "note": "mail zhang.wei@example.com"})
    forged = dataclasses.replace(other, key=b"\x01" * 32)
    named = dataclasses.replace(other, project_name="github.com/wang fang/b")
    block = lg.chain.block_number()
    cases: list[tuple[Any, type[Exception], str]] = [
        (leaky, PersonalDataError, "'evidence.note'"),
        (forged, ValidationError, "its key is not derived"),
        (named, PersonalDataError, "'project'"),
        (dataclasses.replace(other, project_name="github.com/x/y"), ValidationError, "its project is not derived"),
        (dataclasses.replace(other, evidence="text"), ValidationError, "evidence must be a mapping"),
        (dataclasses.replace(other, weight=0), ValidationError, "weight must be a whole number from 1"),
        (dataclasses.replace(other, kind=99), ValidationError, "kind must be"),
        (dataclasses.replace(other, occurred_at=2**40), ValidationError, "occurred_at must be"),
        (dataclasses.replace(other, subject=b"short"), ValidationError, "subject must be 32 bytes"),
    ]
    for item, error, text in cases:
        with pytest.raises(error) as caught:
            lg.record([good, item])
        assert text in str(caught.value)
    assert _files(lg.settings.metadata_dir) == []
    assert lg.chain.block_number() == block


def test_checked_issuance_refuses_contact_data_as_the_holder_name(lg: Ledger) -> None:
    subject = lg.vault.new_subject({}).id
    block = lg.chain.block_number()
    for holder in ("zhang.wei@example.com", "zhang.wei＠example.com", "138 1234 5678"):
        with pytest.raises(PersonalDataError) as caught:
            lg.issue_checked(101, subject, [], holder_name=holder)
        assert caught.value.field == "holder_name"
    with pytest.raises(ValidationError, match="one line"):
        lg.issue_checked(101, subject, [], holder_name="Li\nHua")
    assert not (lg.settings.credentials_dir / "checked").exists()
    assert lg.chain.block_number() == block


def test_person_fields_are_bounded_and_never_echoed_whole(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    with pytest.raises(ValidationError, match="name is 300 characters long; at most 200") as caught:
        vault.new_subject({"name": "x" * 300})
    assert "x" * 50 not in str(caught.value)
    with pytest.raises(ValidationError, match="one line"):
        vault.new_subject({"name": "Li\x1b[2JHua"})
    assert not (tmp_path / "vault.sqlite").exists()
    with pytest.raises(ValidationError, match="give some text"):
        vault.find("  ")

    path = tmp_path / "g.csv"
    path.write_text("student_number,name\nS1,One\n" + "9" * 100_000 + ",Two\n")
    with pytest.raises(RowError) as row:
        read_rows(path, vault, create_subjects=True)
    assert (row.value.row, row.value.column) == (3, "student_number") and "100,000 characters" in str(row.value)
    assert len(str(row.value)) < 200 and not (tmp_path / "vault.sqlite").exists()
    path.write_text("student_number,name\n" + "8" * 60 + ",Two\n")
    with pytest.raises(RowError) as unknown:
        read_rows(path, vault)  # not in the vault: the message shows the start of the number only
    assert "8" * 40 + "..." in str(unknown.value) and "8" * 41 not in str(unknown.value)


def test_init_creates_the_index_migrated(tmp_path: Path) -> None:
    """The index is part of the workspace: a first batch finds its tables made (no schema work)."""
    settings = Settings(workspace=tmp_path / "ws")
    Ledger.init(settings, password=PASSWORD, light_kdf=True)
    conn = sqlite3.connect(settings.index_path)
    try:
        assert set(applied(conn)) == {m.name for m in MIGRATIONS}
    finally:
        conn.close()
    assert stat.S_IMODE(settings.workspace.stat().st_mode) == 0o700
