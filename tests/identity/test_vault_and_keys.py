from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ledger.crypto.keys import PrivateKey
from ledger.errors import KeystoreError, ValidationError
from ledger.identity.keyring import Keyring
from ledger.identity.vault import Vault, parse_subject_id

VAULT_PASSWORD = "vault-password"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_vault_keeps_people_off_the_id_and_survives_reload(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault.sqlite", password=VAULT_PASSWORD, light_kdf=True)
    s = vault.new_subject({"name": "Li Hua", "email": "lihua@example.edu", "student_number": "2023001"})
    assert len(parse_subject_id(s.id)) == 32
    assert "lihua" not in s.id
    for name in ("vault.sqlite", "vault-keys.sqlite", "vault.key"):
        assert _mode(tmp_path / name) == 0o600
    vault.close()
    again = Vault(tmp_path / "vault.sqlite", password=VAULT_PASSWORD)
    assert again.get(s.id) is not None and again.get(s.id).person["student_number"] == "2023001"
    assert [x.id for x in again.find("2023001")] == [s.id]
    assert again.known_names().find("li hua")
    other = again.new_subject({"name": "Li Hua"})
    assert other.id != s.id


@pytest.mark.parametrize("text", ["0x1234", "lihua@example.edu", "0x" + "g" * 64, "ab" * 32])
def test_bad_subject_ids_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_subject_id(text)


def test_keyring_encrypts_and_never_stores_the_secret(tmp_path: Path) -> None:
    ring = Keyring(tmp_path / "keys", light_kdf=True)
    key = PrivateKey.generate()
    info = ring.add("uni", key, "correct horse")
    raw = info.path.read_text()
    assert key.secret_bytes().hex() not in raw
    assert _mode(info.path) == 0o600
    assert json.loads(raw)["crypto"]["kdf"] == "scrypt"
    assert ring.load("uni", "correct horse") == key
    assert [(i.name, i.address) for i in ring.list()] == [("uni", key.address)]
    with pytest.raises(KeystoreError):
        ring.load("uni", "wrong")
    with pytest.raises(KeystoreError):
        ring.load("nobody", "x")
    with pytest.raises(ValidationError):
        ring.add("uni", PrivateKey.generate(), "pw")
    with pytest.raises(ValidationError):
        ring.add("../escape", PrivateKey.generate(), "pw")
    assert key.secret_bytes().hex() not in repr(key)


def test_a_private_file_is_synced_with_its_directory_and_an_io_error_is_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from ledger import files
    synced: list[bool] = []  # one entry per fsync: was it a directory?
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    files.write_private_file(tmp_path / "a.json", b"{}")
    assert synced == [False, True]  # the file, then the directory that names it
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600
    synced.clear()
    files.write_private_file(tmp_path / "b.json", b"{}", durable=False)
    assert synced == [] and (tmp_path / "b.json").read_bytes() == b"{}"

    def directory_fsync_fails(code: int) -> None:
        def fsync(fd: int) -> None:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                raise OSError(code, os.strerror(code))
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    directory_fsync_fails(errno.EINVAL)  # a file system without directory fsync: the file is still written
    files.write_private_file(tmp_path / "c.json", b"[]")
    assert (tmp_path / "c.json").read_bytes() == b"[]"
    directory_fsync_fails(errno.EIO)
    with pytest.raises(OSError) as failed:
        files.write_private_file(tmp_path / "d.json", b"[]")
    assert failed.value.errno == errno.EIO


def test_a_large_durable_file_starts_its_writeback_as_it_goes_and_is_still_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import sys

    from ledger import files
    if not sys.platform.startswith("linux"):
        assert files._writeback_starter() is None
        return
    start = files._writeback_starter()
    assert start is not None
    with open(tmp_path / "probe", "wb") as probe:
        probe.write(b"x")
        assert start(probe.fileno()) == 0  # the real sync_file_range call works here
    events: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        events.append("fsync file" if stat.S_ISREG(os.fstat(fd).st_mode) else "fsync directory")
        real_fsync(fd)

    def recording_start(fd: int) -> object:
        events.append("writeback")
        return start(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(files, "_writeback_starter", lambda: recording_start)
    monkeypatch.setattr(files, "WRITEBACK_EVERY", 10)
    pieces = [b"0123456789abc", b"xy", b"z" * 9, b"end"]  # 13 bytes, then 2 + 9 cross the mark of 10 again
    files.write_private_file(tmp_path / "big.jsonl", iter(pieces))
    assert events == ["writeback", "writeback", "fsync file", "fsync directory"]  # the fsync still closes it
    assert (tmp_path / "big.jsonl").read_bytes() == b"".join(pieces)
    events.clear()
    files.write_private_file(tmp_path / "quick.jsonl", [b"x" * 20, b"y" * 20], durable=False)
    assert events == []  # not durable: no writeback asked for, no fsync
    assert (tmp_path / "quick.jsonl").read_bytes() == b"x" * 20 + b"y" * 20


def test_new_directories_are_private_and_each_made_durable_in_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from ledger import files
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else "?")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    target = tmp_path / "journal" / "20261125T101500-ab12cd" / "plan.json"
    files.write_private_file(target, b"{}")
    if os.path.exists("/proc/self/fd"):
        journal, batch = tmp_path / "journal", target.parent
        # each new directory's name is synced in its parent; then the file, then its directory
        assert synced[0] == str(tmp_path) and synced[1] == str(journal)
        assert synced[2].startswith(str(batch / ".plan.json.")) and synced[3] == str(batch)
    for directory in (tmp_path / "journal", target.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_backend_that_funds_but_cannot_tell_a_balance_is_still_funded() -> None:
    from ledger.chain.base import FUNDING
    from ledger.errors import CapabilityError
    from ledger.ledger import DEV_FUNDING_WEI, _fund_if_needed

    class Funder:
        features = frozenset({FUNDING})
        name = "funder"

        def __init__(self) -> None:
            self.funded: list[tuple[str, int]] = []

        def balance(self, address: str) -> int:
            raise CapabilityError(self.name, "reading balances")

        def fund(self, address: str, amount_wei: int) -> None:
            self.funded.append((address, amount_wei))

    chain = Funder()
    _fund_if_needed(chain, "0x" + "11" * 20)  # type: ignore[arg-type]
    assert chain.funded == [("0x" + "11" * 20, DEV_FUNDING_WEI)]


def test_an_exclusive_private_write_never_replaces_a_file(tmp_path: Path) -> None:
    from ledger import files
    path = tmp_path / "k.json"
    path.write_bytes(b"first")
    with pytest.raises(FileExistsError):
        files.write_private_file(path, b"second", exclusive=True)
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.json"]  # no temporary file left
    files.write_private_file(tmp_path / "new.json", b"x", exclusive=True)
    assert (tmp_path / "new.json").read_bytes() == b"x"
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o600


def test_a_key_name_taken_while_a_key_is_made_keeps_the_first_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ``key new --name X`` at once: the second must fail, not replace the first one's key."""
    from ledger.identity import keyring
    ring = Keyring(tmp_path, light_kdf=True)
    first = PrivateKey.generate()
    real_check = keyring.check_new_password

    def racing_check(password: str) -> None:  # runs after add() found the name free
        real_check(password)
        keyring.save_keystore(tmp_path / "mentor.json", first, "pw-of-the-first", light=True)

    monkeypatch.setattr(keyring, "check_new_password", racing_check)
    with pytest.raises(ValidationError, match="exists already"):
        ring.add("mentor", PrivateKey.generate(), "test-password")
    monkeypatch.setattr(keyring, "check_new_password", real_check)
    assert ring.load("mentor", "pw-of-the-first").address == first.address
