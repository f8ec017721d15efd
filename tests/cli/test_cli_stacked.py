"""Stacked certificates end to end through the CLI: a micro-major issued on its course certificates,
checked on chain at issuance; a course revoked later shows in verify (its own reason code) and audit."""

from __future__ import annotations

import json
from pathlib import Path

from cliws import Workspace

STANDARDS = Path(__file__).resolve().parents[2] / "examples" / "standards"


def _ok(ws: Workspace, *args: str, key: str | None = None) -> dict:
    result = ws.run(*args, "--json", key=key)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _setup(ws: Workspace) -> str:
    k = ws.keys
    for args in (
        ("type", "define", "--file", str(STANDARDS / "course-smart-contracts.toml")),  # types first: scope is
        ("type", "define", "--file", str(STANDARDS / "course-open-source-practice.toml")),  # granted per type
        ("type", "define", "--file", str(STANDARDS / "micro-major-blockchain.toml")),
        ("issuer", "add", k["uni"].address, "--kind", "university", "--scope", "311,312,320", "--name", "Example Univ"),
        ("issuer", "add", k["community"].address, "--kind", "community", "--name", "Community"),
    ):
        result = ws.run(*args)
        assert result.exit_code == 0, result.output
    return _ok(ws, "subject", "new")["id"]


def _steps(ws: Workspace, path: str, *extra: str) -> dict[str, str]:
    result = ws.run("verify", path, "--json", *extra)
    (entry,) = json.loads(result.output)["credentials"]
    return {s["step"]: s["code"] for s in entry["steps"]}


def test_a_micro_major_on_its_courses(workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    subject = _setup(ws)
    course_a = _ok(ws, "cred", "issue", "--type", "311", "--subject", subject, key="uni")
    # Without the second course the contract refuses, and says which type is missing.
    refused = ws.run("cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                     key="uni")
    assert refused.exit_code == 1 and "MissingPrerequisite" in refused.output and "312" in refused.output
    course_b = _ok(ws, "cred", "issue", "--type", "312", "--subject", subject, key="uni")
    # Another subject's course does not count for this one.
    other = _ok(ws, "subject", "new")["id"]
    theirs = _ok(ws, "cred", "issue", "--type", "312", "--subject", other, key="uni")
    mismatch = ws.run("cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                      "--prerequisite", theirs["file"], key="uni")
    assert mismatch.exit_code == 1 and "PrerequisiteSubjectMismatch" in mismatch.output
    major = _ok(ws, "cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                "--prerequisite", course_b["file"], key="uni")
    document = json.loads(Path(major["file"]).read_text())
    assert document["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    steps = _steps(ws, major["file"])
    assert steps["criteria"] == "CRITERIA_CHECKED" and steps["status"] == "ACTIVE"
    assert _steps(ws, course_a["file"])["criteria"] == "CRITERIA_CHECKED"  # a course: checked against nothing
    before = major["block"]

    # A course is revoked later: the micro-major's verification says so with its own reason code ...
    assert ws.run("cred", "revoke", course_b["file"], "--reason", "misconduct", key="uni").exit_code == 0
    result = ws.run("verify", major["file"])
    assert result.exit_code == 1 and "COMPONENT_REVOKED" in result.output
    steps = _steps(ws, major["file"])
    assert steps["criteria"] == "COMPONENT_REVOKED" and steps["status"] == "ACTIVE"  # itself still in force
    # ... as of a block before the revocation, it was in force.
    assert _steps(ws, major["file"], "--at", str(before))["criteria"] == "CRITERIA_CHECKED"
    # An offline bundle made now carries the component's status too.
    bundle = tmp_path / "snapshot.json"
    assert ws.run("verify", major["file"], "--save-snapshot", str(bundle)).exit_code == 1
    assert _steps(ws, major["file"], "--snapshot", str(bundle))["criteria"] == "COMPONENT_REVOKED"

    # ... and the audit flags it, for the subject and for the file.
    audit = ws.run("audit", "subject", subject, "--json")
    assert audit.exit_code == 1
    report = json.loads(audit.output)
    by_type = {c["type_id"]: c for c in report["credentials"]}
    stacked = by_type[320]
    assert not stacked["valid"] and "COMPONENT_REVOKED" in stacked["reason"]
    assert [a["code"] for a in stacked["anomalies"]] == ["COMPONENT_REVOKED_AFTER_ISSUANCE"]
    assert "misconduct" in stacked["anomalies"][0]["message"]
    files = json.loads(ws.run("audit", "files", major["file"], "--json").output)
    assert [a["code"] for a in files["credentials"][0]["anomalies"]] == ["COMPONENT_REVOKED_AFTER_ISSUANCE"]


def test_a_component_must_be_a_valid_certificate_from_an_authorised_issuer(workspace: Workspace) -> None:
    ws = workspace
    subject = _setup(ws)
    course_a = _ok(ws, "cred", "issue", "--type", "311", "--subject", subject, key="uni")
    course_b = _ok(ws, "cred", "issue", "--type", "312", "--subject", subject, key="uni")
    # A suspended course cannot be stacked on.
    assert ws.run("cred", "suspend", course_b["file"], "--reason", "other", key="uni").exit_code == 0
    refused = ws.run("cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                     "--prerequisite", course_b["file"], key="uni")
    assert refused.exit_code == 1 and "PrerequisiteNotValid" in refused.output
    assert ws.run("cred", "reinstate", course_b["file"], key="uni").exit_code == 0
    # The types allow universities only: the committee cannot even grant a community issuer a course (scope
    # is checked against the type's kinds), and the community issues neither a course nor the micro-major.
    grant = ws.run("issuer", "scope", ws.keys["community"].address, "--allow", "311")
    assert grant.exit_code == 1 and "IssuerKindNotAllowed" in grant.output
    assert ws.run("cred", "issue", "--type", "312", "--subject", subject, key="community").exit_code == 1
    out = ws.run("cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                 "--prerequisite", course_b["file"], key="community")
    assert out.exit_code == 1
    major = _ok(ws, "cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                "--prerequisite", course_b["file"], key="uni")
    assert _steps(ws, major["file"])["criteria"] == "CRITERIA_CHECKED"
    # A suspended component shows with its own code.
    assert ws.run("cred", "suspend", course_a["file"], "--reason", "other", key="uni").exit_code == 0
    assert _steps(ws, major["file"])["criteria"] == "COMPONENT_SUSPENDED"


def test_a_component_issued_by_a_key_later_marked_compromised(workspace: Workspace, tmp_path: Path) -> None:
    """Issue 19 item 6 with contracts v2's trust rules: a course issued by a key that turns out to have been
    stolen by then no longer holds up the micro-major stacked on it."""
    ws = workspace
    subject = _setup(ws)
    college = ws.keys["maintainer"]
    added = ws.run("issuer", "add", college.address, "--kind", "university", "--scope", "311", "--name", "A College")
    assert added.exit_code == 0, added.output
    course_a = _ok(ws, "cred", "issue", "--type", "311", "--subject", subject, key="maintainer")
    course_b = _ok(ws, "cred", "issue", "--type", "312", "--subject", subject, key="uni")
    major = _ok(ws, "cred", "issue", "--type", "320", "--subject", subject, "--prerequisite", course_a["file"],
                "--prerequisite", course_b["file"], key="uni")
    assert _steps(ws, major["file"])["criteria"] == "CRITERIA_CHECKED"

    # The college's key is found to have been stolen since the block it issued course A in.
    marked = ws.run("issuer", "compromised", college.address, "--since", str(course_a["block"]))
    assert marked.exit_code == 0, marked.output
    assert _steps(ws, course_a["file"])["issuer_authorized"] == "ISSUER_COMPROMISED"
    steps = _steps(ws, major["file"])
    # The micro-major's own issuer is sound; what it rests on is not.
    assert steps["issuer_authorized"] != "ISSUER_COMPROMISED" and steps["status"] == "ACTIVE"
    assert steps["criteria"] == "COMPONENT_ISSUER_COMPROMISED"
    result = ws.run("verify", major["file"])
    assert result.exit_code == 1 and "compromised since block" in result.output
    snapshot = tmp_path / "snapshot.json"
    assert ws.run("verify", major["file"], "--save-snapshot", str(snapshot)).exit_code == 1
    assert _steps(ws, major["file"], "--snapshot", str(snapshot))["criteria"] == "COMPONENT_ISSUER_COMPROMISED"
    # The other course, from the sound issuer, still holds.
    assert _steps(ws, course_b["file"])["issuer_authorized"] != "ISSUER_COMPROMISED"

    audit = ws.run("audit", "subject", subject, "--json")
    assert audit.exit_code == 1
    stacked = {c["type_id"]: c for c in json.loads(audit.output)["credentials"]}[320]
    assert not stacked["valid"] and "COMPONENT_ISSUER_COMPROMISED" in stacked["reason"]
    assert [a["code"] for a in stacked["anomalies"]] == ["COMPONENT_ISSUER_COMPROMISED"]
    assert college.address.lower() in stacked["anomalies"][0]["message"].lower()
