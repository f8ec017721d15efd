"""Names where people read: ``query`` and ``audit`` tables and the HTML report show the person, the
certificate's title, the institution and the work's link and project, with the hex as secondary detail."""

from __future__ import annotations

import json
from pathlib import Path

from cliws import Workspace


def _checked_certificate(ws: Workspace) -> tuple[str, list[str]]:
    sid = json.loads(ws.run("subject", "new", "--name", "Li Hua", "--json").output)["id"]
    keys = []
    for source in ("github.com/FISCO-BCOS/console/pull/812", "github.com/FISCO-BCOS/java-sdk/pull/301"):
        added = ws.run("contrib", "add", "--source", source, "--subject", sid, "--kind", "code", "--field",
                       "blockchain", "--date", "2026-03-01", "--evidence-url", f"https://{source}", "--json",
                       key="community")
        assert added.exit_code == 0, added.output
        keys.append(json.loads(added.output)["keys"][0])
    assert ws.run("contrib", "cosign", *keys, key="maintainer").exit_code == 0
    evidence = [a for k in keys for a in ("--evidence", k)]
    issued = ws.run("cred", "issue", "--type", "101", "--subject", sid, *evidence, "--holder", "Li Hua", key="community")
    assert issued.exit_code == 0, issued.output
    return sid, keys


def test_query_and_audit_name_the_person_the_certificate_the_institution_and_the_work(
        issuers: Workspace, tmp_path: Path) -> None:
    sid, keys = _checked_certificate(issuers)
    shown = issuers.run("query", "subject", sid)
    assert shown.exit_code == 0, shown.output
    for text in ("Li Hua", "Blockchain Dev L1", "OpenChain", "https://github.com/FISCO-BCOS/console/pull/812",
                 "github.com/fisco-bcos/java-sdk", sid[:20]):
        assert text in shown.output, text
    listed = json.loads(issuers.run("query", "contributions", "--subject", sid, "--json").output)
    # The source as the key was made from (normalised), the link as it was given.
    assert {c["source"] for c in listed} == {"github.com/fisco-bcos/console/pull/812",
                                             "github.com/fisco-bcos/java-sdk/pull/301"}
    assert {c["url"] for c in listed} == {"https://github.com/FISCO-BCOS/console/pull/812",
                                          "https://github.com/FISCO-BCOS/java-sdk/pull/301"}
    assert {c["project_name"] for c in listed} == {"github.com/fisco-bcos/console", "github.com/fisco-bcos/java-sdk"}
    credentials = json.loads(issuers.run("query", "credentials", "--type", "101", "--json").output)
    assert (credentials[0]["holder"], credentials[0]["title"], credentials[0]["issuer_name"]) == (
        "Li Hua", "Blockchain Dev L1", "OpenChain")
    page = tmp_path / "audit.html"
    audited = issuers.run("audit", "subject", sid, "--html", str(page), "--json")
    assert audited.exit_code == 0, audited.output
    entry = json.loads(audited.output)["credentials"][0]
    assert (entry["holder"], entry["title"], entry["issuer_name"]) == ("Li Hua", "Blockchain Dev L1", "OpenChain")
    assert {e["source"] for e in entry["evidence"]} == {"github.com/fisco-bcos/console/pull/812",
                                                       "github.com/fisco-bcos/java-sdk/pull/301"}
    html = page.read_text(encoding="utf-8")
    for text in ("Li Hua", "Blockchain Dev L1", "OpenChain", "https://github.com/FISCO-BCOS/console/pull/812", keys[0]):
        assert text in html, text
    table = issuers.run("audit", "subject", sid)
    assert "Li Hua" in table.output and "Blockchain Dev L1" in table.output


def test_names_are_shown_only_when_the_workspace_s_document_matches_the_chain_s_hash(issuers: Workspace) -> None:
    _sid, _keys = _checked_certificate(issuers)
    for path in (issuers.path / "metadata").glob("*.json"):
        doc = json.loads(path.read_text())
        if doc.get("name") == "OpenChain":
            doc["name"] = "Forged Institute"  # the file no longer hashes to the registry's metaHash
            path.write_text(json.dumps(doc))
    credentials = json.loads(issuers.run("query", "credentials", "--type", "101", "--json").output)
    assert credentials[0]["issuer_name"] is None
    assert "Forged Institute" not in issuers.run("query", "credentials", "--type", "101").output
