"""How the CLI reports a failure: a sentence and a hint for people, one JSON object with --json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cliws import Workspace

from ledger.contracts import errors as contract_errors
from ledger.contracts.hints import _TEXTS, explain


def _subject(ws: Workspace) -> str:
    return str(json.loads(ws.run("subject", "new", "--name", "Li Hua", "--json").output)["id"])


def _record(ws: Workspace, sid: str, *extra: str) -> Any:
    return ws.run("contrib", "add", "--source", "github.com/FISCO-BCOS/console/pull/812", "--subject", sid,
                  "--kind", "code", "--date", "2026-03-01", *extra, key="community")


def test_a_contract_refusal_is_explained_with_its_error_and_a_hint(issuers: Workspace) -> None:
    sid = _subject(issuers)
    first = _record(issuers, sid, "--json")
    assert first.exit_code == 0, first.output
    key = json.loads(first.output)["keys"][0]
    again = _record(issuers, sid)
    assert again.exit_code == 1
    lines = again.output.splitlines()
    assert lines[0] == f"error: contribution {key} is recorded already (the same source cannot be claimed twice)"
    assert lines[1] == f"(ContributionExists(key={key}))"  # the contract's own words, whole on one line
    assert lines[2].startswith(f"hint: see `ledger contrib show {key}`")


def test_with_json_a_failure_is_one_json_object(issuers: Workspace) -> None:
    sid = _subject(issuers)
    assert _record(issuers, sid).exit_code == 0
    again = _record(issuers, sid, "--json")
    assert again.exit_code == 1
    error = json.loads(again.output)["error"]
    assert error["type"] == "ContributionExists" and error["exit_code"] == 1
    assert error["message"].startswith("contribution 0x") and error["hint"].startswith("see `ledger contrib show")
    assert error["contract_error"].startswith("ContributionExists(key=0x")
    bad = issuers.run("contrib", "add", "--source", "github.com/x/y/pull/1", "--subject", "0x12", "--json",
                      key="community")
    assert bad.exit_code == 2
    usage = json.loads(bad.output)["error"]
    assert usage["exit_code"] == 2 and "subject" in usage["message"] and "contract_error" not in usage


@pytest.mark.parametrize("name", sorted(_TEXTS))
def test_every_explanation_names_only_the_errors_own_fields(name: str) -> None:
    cls = contract_errors.BY_NAME[name]
    samples = {"address": "0x" + "ab" * 20, "bytes32": b"\x01" * 32, "bytes": b"\x02"}
    addresses = {"issuer", "ancestor", "member", "caller", "signer", "recorder", "child", "parent", "nominator"}
    hashes = {"key", "root", "credentialHash", "reportHash", "about", "subject"}
    args = [samples["address"] if f in addresses else samples["bytes32"] if f in hashes else 2 for f in cls.fields]
    sentence, hint = explain(cls(*args))
    for text in (sentence, hint or ""):
        assert "{" not in text and "}" not in text
        assert "?" not in text  # a field the text names but the error lacks would show as "?"
