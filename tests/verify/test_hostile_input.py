"""Hostile credential files: a clear format error for each, and the other files of a run still verified.

Reproductions of the security review (findings 1 and 2): JSON nested 100,000 deep (a segfault of
``json.loads`` once py-evm has raised the recursion limit), an ``achievementType`` that is not a
string (a TypeError traceback), an oversized file, and a field-by-field mutation of a real credential.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.canonical import MAX_DEPTH, NotJSONError, check_depth, loads, parse
from ledger.credentials.document import Credential
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.parse import MAX_CREDENTIAL_BYTES, parse_credential, read_credential_file
from ledger.errors import LedgerError, VerificationError
from ledger.verify.report import STEPS
from ledger.verify.snapshot import StaticChainView
from ledger.verify.verifier import verify_credential, verify_many
from tests.credentials.credential_fixtures import NOW

ACHIEVEMENT_TYPE = "credentialSubject.achievement.achievementType"


@pytest.fixture
def high_recursion_limit() -> Iterator[None]:
    """The recursion limit py-evm sets on import, under which json.loads overflows the C stack."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# -- nesting -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("high_recursion_limit")
@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 80_000 + "]" * 80_000, nested(80_000)],
                         ids=["unclosed", "closed arrays", "objects"])
def test_deep_nesting_is_refused_before_parsing(text: str) -> None:
    for parser in (parse, loads, parse_credential):
        with pytest.raises(NotJSONError, match=f"nest deeper than {MAX_DEPTH} levels"):
            parser(text)


def test_the_depth_limit_is_exact() -> None:
    assert loads(nested(MAX_DEPTH)) is not None
    assert parse(nested(MAX_DEPTH).encode()).value is not None
    with pytest.raises(NotJSONError, match="64 levels"):
        loads(nested(MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"s": "[" * 1000 + "{" * 1000, "t": ['\\"[[[', "]]]"]})
    check_depth(text)
    assert parse(text).value["s"].startswith("[[[")


def test_many_shallow_arrays_are_not_deep() -> None:
    text = json.dumps([[i] for i in range(500)])
    assert len(loads(text)) == 500


def test_an_unterminated_string_of_escaped_quotes_is_scanned_once() -> None:
    # Every start position of a string that never ends must not be tried again (quadratic time).
    text = '"' + '\\"' * 500_000 + "[" * 65
    check_depth(text)  # all inside the unterminated string
    with pytest.raises(NotJSONError):
        loads(text)


# -- achievementType and other string fields -----------------------------------------------------------


@pytest.mark.parametrize("value", [None, 5, 1.5, True, [], ["Certificate"], {"a": 1}])
def test_a_non_string_achievement_type_names_the_field(batch: list[Credential], value: Any) -> None:
    doc = batch[0].document()
    doc["credentialSubject"]["achievement"]["achievementType"] = value
    with pytest.raises(CredentialFormatError) as caught:
        parse_credential(json.dumps(doc))
    assert caught.value.path == ACHIEVEMENT_TYPE
    assert "must be a string" in caught.value.reason


# -- a run of several files ----------------------------------------------------------------------------


def _bad_type(batch: list[Credential]) -> bytes:
    doc = batch[0].document()
    doc["credentialSubject"]["achievement"]["achievementType"] = None
    return json.dumps(doc).encode()


@pytest.mark.usefixtures("high_recursion_limit")
def test_verify_many_reports_each_bad_file_and_verifies_the_others(
    batch: list[Credential], chain: StaticChainView
) -> None:
    sources = [
        ("good-1.json", batch[1].to_json()),
        ("deep.json", b"[" * 100_000),
        ("bad-type.json", _bad_type(batch)),
        ("not-json.json", b"\xff\xfe not json"),
        ("huge.json", b" " * (MAX_CREDENTIAL_BYTES + 1)),
        ("good-2.json", batch[2].to_json()),
    ]
    reports = verify_many(sources, chain, now=NOW)
    assert [r.source for r in reports] == [name for name, _ in sources]
    assert reports[0].valid and reports[-1].valid
    for report in reports[1:-1]:
        assert not report.valid
        assert report.steps[0].name == "format" and report.steps[0].code == "FORMAT_INVALID"
        assert [s.code for s in report.steps[1:]] == ["PRECONDITION_FAILED"] * (len(STEPS) - 1)
    assert "nest deeper than 64 levels" in reports[1].steps[0].message
    assert reports[1].steps[0].message.startswith("deep.json is not a JSON document")
    assert reports[2].steps[0].details["path"] == ACHIEVEMENT_TYPE
    assert "not UTF-8" in reports[3].steps[0].message
    assert f"over the limit of {MAX_CREDENTIAL_BYTES:,} bytes (4 MiB)" in reports[4].steps[0].message


def test_verify_credential_still_raises_for_text_that_is_not_json() -> None:
    with pytest.raises(VerificationError, match="nest deeper than 64 levels"):
        verify_credential("[" * 1000, label="deep.json")


# -- size ----------------------------------------------------------------------------------------------


def test_an_oversized_document_names_the_limit() -> None:
    for source in (b"{" + b" " * MAX_CREDENTIAL_BYTES + b"}", "{" + "\u00e9" * (MAX_CREDENTIAL_BYTES // 2) + "}"):
        with pytest.raises(CredentialFormatError, match=r"over the limit of 4,194,304 bytes \(4 MiB\)"):
            parse_credential(source)


def test_reading_a_credential_file_stops_at_the_limit(tmp_path: Path, batch: list[Credential]) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(batch[0].to_json())
    assert parse_credential(read_credential_file(good)).hash == batch[0].hash
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 3000)
    with pytest.raises(CredentialFormatError, match=f"the file {big} is 3,000 bytes, over the limit of 1,000 bytes"):
        read_credential_file(big, limit=1000)
    with pytest.raises(VerificationError, match="cannot read"):
        read_credential_file(tmp_path / "missing.json")


# -- every field, every wrong type ---------------------------------------------------------------------

WRONG = [None, True, 0, -1, 2**60, 1.5, "", "x", [], [None], {}, {"a": 1}]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _mutants(doc: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    for path in _paths(doc):
        for value in WRONG:
            mutant = copy.deepcopy(doc)
            target = mutant
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            yield f"{'.'.join(map(str, path))}={value!r}", json.dumps(mutant).encode()


def test_no_field_mutation_escapes_as_anything_but_a_report(batch: list[Credential], chain: StaticChainView) -> None:
    mutants = list(_mutants(batch[3].document()))
    assert len(mutants) > 300  # the walk covers the whole document
    reports = verify_many([*mutants, ("good.json", batch[4].to_json())], chain, now=NOW)
    assert len(reports) == len(mutants) + 1 and reports[-1].valid
    formats = {r.steps[0].code for r in reports[:-1]}
    assert formats <= {"FORMAT_OK", "FORMAT_INVALID"} and "FORMAT_INVALID" in formats
    for label, text in mutants:
        try:
            parse_credential(text)
        except LedgerError:
            pass  # a clear error (CredentialFormatError and family); anything else fails the test


# -- through the CLI: verify, audit files, cred show -----------------------------------------------------

PASSWORD = "test-password"


class CliWorkspace:
    """An embedded-chain workspace with one university that issued three credentials of type 201."""

    def __init__(self, root: Path) -> None:
        from ledger.config import Settings
        from ledger.crypto.keys import PrivateKey
        from ledger.identity.keyring import Keyring
        from ledger.ledger import Ledger

        self.path = root / "ws"
        Ledger.init(Settings(workspace=self.path), password=PASSWORD, light_kdf=True)
        uni = PrivateKey.generate()
        Keyring(self.path / "keys", light_kdf=True).add("uni", uni, PASSWORD)
        self.env = {"LEDGER_WORKSPACE": str(self.path), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "200"}
        self.ok("type", "define", "--id", "201", "--name", "OSS course", "--allowed-issuers", "university")
        self.ok("issuer", "add", uni.address, "--kind", "university", "--scope", "201", "--name", "Example Univ")
        csv = root / "grads.csv"
        csv.write_text("student_number,name\n" + "".join(f"S{i},Grad {i}\n" for i in range(3)))
        issued = self.ok("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--valid-until",
                         "2099-01-01", "--json", "--key", "uni")
        self.files = sorted(Path(json.loads(issued.output)["output"]).glob("*.json"))

    def run(self, *args: str) -> Any:
        from click.testing import CliRunner

        from ledger.cli import main

        # catch_exceptions=False: a traceback fails the test instead of becoming an exit code.
        return CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)

    def ok(self, *args: str) -> Any:
        result = self.run(*args)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> CliWorkspace:
    return CliWorkspace(tmp_path_factory.mktemp("hostile-cli"))


@pytest.fixture
def hostile_files(cli: CliWorkspace, tmp_path: Path) -> dict[str, Path]:
    deep = tmp_path / "deep_list.json"
    deep.write_text("[" * 100_000)
    doc = json.loads(cli.files[0].read_text())
    doc["credentialSubject"]["achievement"]["achievementType"] = None
    bad_type = tmp_path / "bad_achievement_type.json"
    bad_type.write_text(json.dumps(doc))
    return {"deep": deep, "bad_type": bad_type}


@pytest.mark.usefixtures("high_recursion_limit")
def test_cli_verify_reports_hostile_files_and_verifies_the_others(
    cli: CliWorkspace, hostile_files: dict[str, Path]
) -> None:
    files = [cli.files[1], hostile_files["deep"], hostile_files["bad_type"], cli.files[2]]
    result = cli.run("verify", *map(str, files), "--json")
    assert result.exit_code == 1, result.output
    reports = json.loads(result.output)["credentials"]
    assert [r["valid"] for r in reports] == [True, False, False, True]
    deep, bad = reports[1]["steps"][0], reports[2]["steps"][0]
    assert deep["code"] == bad["code"] == "FORMAT_INVALID"
    assert "nest deeper than 64 levels" in deep["message"]
    assert ACHIEVEMENT_TYPE in bad["message"] and "must be a string" in bad["message"]


@pytest.mark.usefixtures("high_recursion_limit")
def test_cli_audit_files_reports_hostile_files_and_audits_the_others(
    cli: CliWorkspace, hostile_files: dict[str, Path]
) -> None:
    files = [cli.files[1], hostile_files["deep"], hostile_files["bad_type"], cli.files[2]]
    result = cli.run("audit", "files", *map(str, files), "--json")
    assert result.exit_code == 1, result.output
    audited = json.loads(result.output)["credentials"]
    assert [Path(c["label"]).name for c in audited] == [f.name for f in files]
    assert [c["valid"] for c in audited] == [True, False, False, True]
    assert audited[1]["reason"].startswith("FORMAT_INVALID") and "nest deeper than 64 levels" in audited[1]["reason"]
    assert audited[2]["reason"].startswith(f"FORMAT_INVALID: {ACHIEVEMENT_TYPE}: must be a string")


@pytest.mark.usefixtures("high_recursion_limit")
def test_cli_cred_show_gives_a_clear_error(cli: CliWorkspace, hostile_files: dict[str, Path]) -> None:
    deep = cli.run("cred", "show", str(hostile_files["deep"]))
    assert deep.exit_code != 0 and "nest deeper than 64 levels" in deep.output
    bad = cli.run("cred", "show", str(hostile_files["bad_type"]))
    assert bad.exit_code != 0 and f"{ACHIEVEMENT_TYPE}: must be a string" in bad.output
