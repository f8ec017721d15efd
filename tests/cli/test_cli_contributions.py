from __future__ import annotations

import json
from pathlib import Path

from cliws import Workspace


def _subject(ws: Workspace, name: str) -> str:
    return json.loads(ws.run("subject", "new", "--name", name, "--json").output)["id"]


def test_record_cosign_revoke_show(issuers: Workspace, tmp_path: Path) -> None:
    sid = _subject(issuers, "Li Hua")
    r = issuers.run("contrib", "add", "--source", "https://github.com/FISCO-BCOS/console/pull/812",
                    "--subject", sid, "--kind", "code", "--field", "blockchain", "--date", "2026-03-01",
                    "--evidence-url", "https://github.com/FISCO-BCOS/console/pull/812", "--json", key="community")
    assert r.exit_code == 0, r.output
    key = json.loads(r.output)["keys"][0]
    # the same PR claimed again is refused by the contract, naming the key
    again = issuers.run("contrib", "add", "--source", "github.com/fisco-bcos/console/pull/812/",
                        "--subject", sid, key="community")
    assert again.exit_code == 1 and "ContributionExists" in again.output and key[2:] in again.output
    own = issuers.run("contrib", "cosign", key, key="community")
    assert own.exit_code == 1 and "RecorderCannotCoSign" in own.output
    ok = issuers.run("contrib", "cosign", key, "--json", key="maintainer")
    assert ok.exit_code == 0 and json.loads(ok.output)[0]["co_signs"] == 1
    shown = json.loads(issuers.run("contrib", "show", key, "--json").output)
    assert shown["subject"] == sid and shown["kind"] == "code" and shown["field"] == "blockchain"
    assert shown["co_signers"] == [issuers.keys["maintainer"].address]
    outsider = issuers.run("contrib", "revoke", key, "--reason", "misconduct", key="outsider")
    assert outsider.exit_code == 1 and "UnknownIssuer" in outsider.output
    other = issuers.run("contrib", "revoke", key, "--reason", "misconduct", key="uni")  # another organisation
    assert other.exit_code == 1 and "NotManager" in other.output
    rv = issuers.run("contrib", "revoke", key, "--reason", "issued-in-error", key="community")
    assert rv.exit_code == 0, rv.output
    assert json.loads(issuers.run("contrib", "show", key, "--json").output)["status"] == "revoked"


def test_a_squatted_key_is_revoked_and_released_by_the_committee(issuers: Workspace) -> None:
    sid = _subject(issuers, "Li Hua")
    source = ("--source", "github.com/FISCO-BCOS/console/pull/900", "--subject", sid, "--kind", "code")
    squat = issuers.run("contrib", "add", *source, "--json", key="maintainer")
    key = json.loads(squat.output)["keys"][0]
    early = issuers.run("contrib", "release", key)  # a live record cannot be released
    assert early.exit_code == 1 and "ContributionNotRevoked" in early.output and "only a revoked" in early.output
    assert issuers.run("contrib", "revoke", key, "--reason", "misconduct").exit_code == 0  # the committee
    assert issuers.run("contrib", "add", *source, key="community").exit_code == 1  # still taken
    released = json.loads(issuers.run("contrib", "release", key, "--json").output)
    assert released["executed"] is True and released["proposal_id"] >= 0
    assert issuers.run("contrib", "show", key).exit_code == 2  # no live record
    rightful = issuers.run("contrib", "add", *source, "--json", key="community")
    assert rightful.exit_code == 0, rightful.output
    shown = json.loads(issuers.run("contrib", "show", key, "--json").output)
    assert shown["generation"] == 1 and shown["recorder"] == issuers.keys["community"].address
    helped = issuers.run("contrib", "release", "--help")
    assert "Example:" in helped.output


def test_record_many_from_a_file_in_one_transaction(issuers: Workspace, tmp_path: Path) -> None:
    sid = _subject(issuers, "Wang Fang")
    csv = tmp_path / "c.csv"
    lines = ["source,subject,kind,field,occurred_at"]
    lines += [f"github.com/org/repo{i % 3}/pull/{i},{sid},{['code', 'review', 'docs'][i % 3]},ai,2026-01-0{1 + i % 9}"
              for i in range(30)]
    csv.write_text("\n".join(lines) + "\n")
    r = issuers.run("contrib", "add", "--file", str(csv), "--json", key="community")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["recorded"] == 30 and len(out["transactions"]) == 1


def test_bad_contribution_input_names_row_and_column(issuers: Workspace, tmp_path: Path) -> None:
    sid = _subject(issuers, "Zhang Wei")
    csv = tmp_path / "bad.csv"
    csv.write_text(f"source,subject,kind\ngithub.com/a/b/pull/1,{sid},code\ngithub.com/a/b/pull/2,{sid},poetry\n")
    r = issuers.run("contrib", "add", "--file", str(csv), key="community")
    assert r.exit_code == 2 and "row 3" in r.output and "'kind'" in r.output
    pii = tmp_path / "pii.csv"
    pii.write_text(f"source,subject,kind,note\ngithub.com/a/b/pull/1,{sid},code,by lihua@example.edu\n")
    r = issuers.run("contrib", "add", "--file", str(pii), key="community")
    assert r.exit_code == 2 and "personal data" in r.output and "row 2" in r.output
    name = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/9", "--subject", sid,
                       "--evidence-url", "https://x.org/Zhang Wei", key="community")
    assert name.exit_code == 2 and "vault" in name.output
    r = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/1", "--subject", "lihua@example.edu",
                    key="community")
    assert r.exit_code == 2 and "subject id" in r.output
    # an enterprise may not record contributions
    ent = issuers.keys["outsider"]
    assert issuers.run("issuer", "add", ent.address, "--kind", "enterprise", "--name", "ACME").exit_code == 0
    r = issuers.run("contrib", "add", "--source", "github.com/a/b/pull/1", "--subject", sid, key="outsider")
    assert r.exit_code == 1 and "RecorderKindNotAllowed" in r.output
