"""Batch bundles (``--layout jsonl``): reading them, picking credentials out, exporting them to files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.credentials.bundle import bundle_lines, default_directory, export, is_bundle, read_bundle, select
from ledger.credentials.document import Credential
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.files import write_credentials
from ledger.errors import ValidationError
from ledger.issuance import pipeline as issuance
from ledger.verify.snapshot import StaticChainView
from ledger.verify.verifier import verify_credential
from tests.credentials.credential_fixtures import NOW


@pytest.fixture
def bundle(tmp_path: Path, batch: list[Credential]) -> Path:
    path = tmp_path / "20261125T101500-ab12cd.jsonl"
    issuance.write_bundle(path, (c.to_json() for c in batch))
    return path


def test_a_bundle_reads_back_as_its_credentials_in_order(bundle: Path, batch: list[Credential]) -> None:
    entries = list(read_bundle(bundle))
    assert [e.line for e in entries] == list(range(1, 8))
    assert [e.id for e in entries] == [c.id for c in batch]
    assert [e.subject for e in entries] == [c.subject_id for c in batch]
    assert [e.document for e in entries] == [c.to_json() for c in batch]
    assert is_bundle(bundle) and is_bundle(Path("B.JSONL")) and not is_bundle(Path("cert.json"))


def test_credentials_are_picked_by_id_or_subject_and_a_missing_one_fails_the_whole_request(
    bundle: Path, batch: list[Credential]
) -> None:
    uuid = batch[2].id.rsplit(":", 1)[1]
    assert [e.id for e in select(read_bundle(bundle), ids=[uuid.upper()])] == [batch[2].id]
    assert [e.id for e in select(read_bundle(bundle), ids=[batch[4].id])] == [batch[4].id]
    subject_hex = batch[5].subject_id.rsplit("/", 1)[1]
    picked = select(read_bundle(bundle), ids=[batch[0].id], subjects=[subject_hex])
    assert [e.id for e in picked] == [batch[0].id, batch[5].id]  # in bundle order
    assert len(select(read_bundle(bundle))) == 7  # nothing named: all

    absent = "urn:uuid:00000000-0000-4000-8000-000000000000"
    with pytest.raises(ValidationError, match=f"not in the bundle: {absent}"):
        select(read_bundle(bundle), ids=[batch[0].id, absent])
    with pytest.raises(ValidationError, match="is not a credential id"):
        select(read_bundle(bundle), ids=["cert-7"])
    with pytest.raises(CredentialFormatError, match="not a subject id"):
        select(read_bundle(bundle), subjects=["Li Hua"])


def test_an_export_is_byte_for_byte_what_the_files_layout_writes_and_verifies(
    tmp_path: Path, bundle: Path, batch: list[Credential], chain: StaticChainView
) -> None:
    files_layout = write_credentials(tmp_path / "files", batch)
    report = export(bundle, tmp_path / "exported")
    assert sorted(p.name for p in report.paths) == sorted(p.name for p in files_layout.paths)
    for path in report.paths:
        assert path.read_bytes() == (tmp_path / "files" / path.name).read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert verify_credential(path.read_bytes(), chain, now=NOW).valid
    assert report.durability in ("syncfs", "fsync")


def test_an_export_that_cannot_be_complete_writes_nothing(tmp_path: Path, bundle: Path, batch: list[Credential]) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="not in the bundle"):
        export(bundle, out, ids=[batch[1].id, "urn:uuid:00000000-0000-4000-8000-000000000000"])
    assert not out.exists()

    seen: list[tuple[int, int]] = []
    first = export(bundle, out, ids=[batch[1].id], progress=lambda done, total: seen.append((done, total)))
    assert [p.name for p in first.paths] == [batch[1].id.rsplit(":", 1)[1] + ".json"] and seen == [(1, 1)]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ValidationError, match="already has 1 of these credentials' files") as clash:
        export(bundle, out)  # all seven: one of them is there already
    assert "--out" in (clash.value.hint or "")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"id": "urn:uuid:1"' + b"x" * 2000 + b"}", "over the limit of 1,024 bytes"),
        (b"[" * 70 + b"]" * 70, "not a JSON credential"),  # deeper than 64
        (b"\xff\xfe not utf-8", "not a JSON credential"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"credentialSubject": {"id": "urn:ledger:subject:0x00"}}', "line 3: id: must be a urn:uuid"),
        (b'{"id": "urn:uuid:0f8e6a52-1c2d-4e3f-8a9b-0c1d2e3f4a5b"}', "credentialSubject.id: is missing"),
    ],
)
def test_a_damaged_line_is_named_and_reading_stops_there(tmp_path: Path, line: bytes, message: str) -> None:
    path = tmp_path / "damaged.jsonl"
    good = b'{"id": "urn:uuid:0f8e6a52-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "credentialSubject": {"id": "s"}}'
    path.write_bytes(good + b"\n\n" + line + b"\n" + good + b"\n")  # a blank line is skipped, not counted wrong
    entries = read_bundle(path, limit=1024)
    assert next(entries).line == 1
    with pytest.raises(CredentialFormatError, match=message) as damaged:
        next(entries)
    assert str(damaged.value).startswith("line 3")
    with pytest.raises(CredentialFormatError):
        export(path, tmp_path / "out")  # the default limit: the same line is refused
    assert not (tmp_path / "out").exists()


def test_a_number_too_long_to_read_is_a_damaged_line_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"id": ' + b"9" * 5_000 + b"}\n")  # Python reads no integer of over 4,300 digits
    with pytest.raises(CredentialFormatError, match="line 1: .*a number longer than"):
        export(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_repeated_credential_id_is_refused_before_anything_is_written(
    tmp_path: Path, bundle: Path, batch: list[Credential]
) -> None:
    lines = bundle.read_bytes().splitlines()
    doctored = tmp_path / "doctored.jsonl"
    doctored.write_bytes(b"\n".join([lines[0], lines[1], lines[0]]) + b"\n")
    with pytest.raises(CredentialFormatError, match="line 3: id: the same credential id as line 1"):
        export(doctored, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_export_that_fails_while_writing_removes_what_it_wrote(
    tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    real_write, calls = os.write, []

    def disk_fills_up(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_fills_up)
    with pytest.raises(ValidationError, match="No space left on device; nothing was exported") as failed:
        export(bundle, tmp_path / "out" / "deeper")
    monkeypatch.setattr(os, "write", real_write)
    assert "--out" in (failed.value.hint or "")
    assert not (tmp_path / "out").exists()  # the directories it made are gone too
    assert len(export(bundle, tmp_path / "out" / "deeper").paths) == 7  # nothing left to clash with


def test_what_is_not_a_bundle_or_not_a_directory_is_refused(tmp_path: Path, bundle: Path, batch: list[Credential]) -> None:
    single = tmp_path / "cert.json"
    single.write_bytes(batch[0].to_json())
    with pytest.raises(ValidationError, match="is not a batch bundle"):
        export(single, tmp_path / "out")
    occupied = tmp_path / "occupied"
    occupied.write_text("a file")
    with pytest.raises(ValidationError, match="is a file, not a directory"):
        export(bundle, occupied)
    assert default_directory(bundle) == bundle.with_name("20261125T101500-ab12cd")
    assert default_directory(tmp_path / ".jsonl") == tmp_path / ".jsonl.files"


def test_line_endings_are_read_alike_by_export_and_verify(tmp_path: Path, batch: list[Credential]) -> None:
    a, b, c = (x.to_json() for x in batch[:3])
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(a + b"\r\n" + b + b"\n\n" + c)  # CRLF, a blank line, no final newline
    assert [(e.line, e.document) for e in read_bundle(path)] == [(1, a), (2, b), (4, c)]
    assert list(bundle_lines(path)) == [(1, a), (2, b), (4, c)]
    lone_cr = tmp_path / "cr.jsonl"
    lone_cr.write_bytes(a + b"\r" + b + b"\n")  # a lone CR does not end a line for either
    with pytest.raises(CredentialFormatError, match="line 1"):
        list(read_bundle(lone_cr))
    assert [n for n, _ in bundle_lines(lone_cr)] == [1]


def test_an_id_with_a_trailing_newline_is_not_a_credential_id(tmp_path: Path) -> None:
    path = tmp_path / "nl.jsonl"
    path.write_bytes(b'{"id": "urn:uuid:0f8e6a52-1c2d-4e3f-8a9b-0c1d2e3f4a5b\\n", "credentialSubject": {"id": "s"}}\n')
    with pytest.raises(CredentialFormatError, match="line 1: id: must be a urn:uuid"):
        list(read_bundle(path))


def test_a_line_over_the_limit_is_skipped_unread_and_the_next_lines_still_come(
    tmp_path: Path, batch: list[Credential]
) -> None:
    from ledger.credentials.fields import CredentialFormatError as FormatError

    a, b = (x.to_json() for x in batch[:2])
    path = tmp_path / "long.jsonl"
    path.write_bytes(a + b"\n" + b"x" * 5_000_000 + b"\n" + b + b"\n")
    lines = list(bundle_lines(path, limit=max(len(a), len(b)) + 10))
    assert [n for n, _ in lines] == [1, 2, 3]
    assert lines[0][1] == a and lines[2][1] == b
    assert isinstance(lines[1][1], FormatError) and "over the limit" in str(lines[1][1])


def test_a_bundle_that_never_ends_a_line_is_given_up_not_read_forever(tmp_path: Path) -> None:
    import os

    endless = tmp_path / "zero.jsonl"
    os.symlink("/dev/zero", endless)
    lines = list(bundle_lines(endless, limit=1024))
    assert [n for n, _ in lines] == [1, 2] and "over the limit" in str(lines[0][1])
    assert "line 2 onward" in str(lines[1][1]) and "no end within 64 MiB" in str(lines[1][1])
