"""Award types (mentor, community MVP) end to end through the CLI: defined from the example files, the
evidence recorded (reviews about other people's work; nominations from organisations), the award issued
when the contract's check passes, and refused with the contract's error in words when it does not."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cliws import Workspace

from ledger.credentials.standards import checks_awards, load_type_file, parse_award, parse_type
from ledger.errors import ValidationError

AWARDS = Path(__file__).resolve().parents[2] / "examples" / "awards"


def test_the_example_awards_parse_with_their_criteria_in_words() -> None:
    mentor = load_type_file(AWARDS / "mentor-award.toml")
    assert mentor.award is not None and mentor.award.kind == "mentor" and mentor.award.min_mentees == 5
    assert mentor.award.mentee_kinds == (1 << 3) | (1 << 6)  # review, mentoring
    assert "at least 5 other people" in mentor.metadata()["criteria"]["narrative"]
    assert mentor.metadata()["achievementType"] == "Award"
    mvp = load_type_file(AWARDS / "community-mvp-2026.toml")
    assert mvp.award is not None and mvp.award.min_nominations == 3
    assert mvp.metadata()["award"] == {"kind": "mvp", "min_nominations": 3}
    assert mvp.criteria.window_from and mvp.criteria.window_to


@pytest.mark.parametrize(("table", "message"), [
    ({"kind": "hero"}, "award.kind"),
    ({"kind": "mentor"}, "min_mentees"),
    ({"kind": "mentor", "min_mentees": 2, "mentee_kinds": ["gossip"]}, "unknown contribution kind"),
    ({"kind": "mvp", "min_nominations": 0}, "min_nominations"),
    ({"kind": "mvp", "min_nominations": 2, "min_mentees": 3}, "unknown award key"),
    ("mvp", "must be a table"),
    ({"kind": "mvp", "min_nominations": 2, "self_nomination_counts": "yes"}, "true or false"),
])
def test_bad_award_tables_are_refused(table: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_award(table)


def test_an_mvp_award_may_count_the_issuers_own_nomination() -> None:
    award = parse_award({"kind": "mvp", "min_nominations": 2, "self_nomination_counts": True})
    assert award is not None and award.chain_fields()["award_flags"] == 1
    assert award.as_dict()["self_nomination_counts"] is True and "issuing organisation's own" in award.narrative()
    definition = parse_type({"id": 9, "name": "MVP", "award": {"kind": "mvp", "min_nominations": 2}})
    assert definition.chain_criteria.min_nominations == 2 and definition.criteria.min_nominations == 0
    assert "self_nomination_counts" not in definition.metadata()["award"]  # unset: the metadata as before


def test_a_type_without_an_award_is_unchanged() -> None:
    assert parse_type({"id": 5, "name": "Plain"}).award is None
    assert "award" not in parse_type({"id": 5, "name": "Plain"}).metadata()


def test_award_types_need_a_credential_registry_of_2_1_or_later() -> None:
    assert not checks_awards("2.0.0") and not checks_awards("1.4.2") and not checks_awards("x")
    assert checks_awards("2.1.0") and checks_awards("2.10.0") and checks_awards("3.0.0")


def _ok(ws: Workspace, *args: str, key: str | None = None) -> dict:
    result = ws.run(*args, "--json", key=key)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _record(ws: Workspace, source: str, subject: str, kind: str, *extra: str) -> str:
    return str(_ok(ws, "contrib", "add", "--source", source, "--subject", subject, "--kind", kind,
                   "--project", "/".join(source.split("/")[:3]), "--date", "2026-03-01", *extra,
                   key="community")["keys"][0])


def test_a_mentor_award_end_to_end(issuers: Workspace) -> None:
    ws, k = issuers, issuers.keys
    dry = _ok(ws, "type", "define", "--file", str(AWARDS / "mentor-award.toml"), "--dry-run")
    assert dry["needs_contracts"] == "2.1.0" and dry["metadata"]["award"]["min_mentees"] == 5
    assert ws.run("type", "define", "--file", str(AWARDS / "mentor-award.toml")).exit_code == 0
    shown = _ok(ws, "type", "show", "401")
    assert shown["award"] == {"kind": "mentor", "min_mentees": 5, "mentee_kinds": ["review", "mentoring"]}
    assert "at least 5 other people" in shown["narrative"]
    assert ws.run("issuer", "scope", k["uni"].address, "--allow", "401").exit_code == 0
    mentor = _ok(ws, "subject", "new")["id"]
    mentees = [_ok(ws, "subject", "new")["id"] for _ in range(5)]
    # The mentees' pull requests in two projects, and the mentor's reviews of them, each about the pull
    # request it reviewed, co-signed by another organisation (the university) than the recorder's.
    reviews = []
    for n, mentee in enumerate(mentees):
        pr = f"github.com/example/{'alpha' if n % 2 else 'beta'}/pull/{n + 1}"
        _record(ws, pr, mentee, "code")
        reviews.append(_record(ws, f"{pr}/review-by/mentor", mentor, "review", "--about", pr))
    shown = _ok(ws, "contrib", "show", reviews[0])
    assert shown["kind"] == "review"
    assert ws.run("contrib", "cosign", *reviews, key="uni").exit_code == 0

    # Cheat 1: the mentor's review of its own pull request in place of a mentee's.
    own = "github.com/example/alpha/pull/99"
    _record(ws, own, mentor, "code")
    self_review = _record(ws, f"{own}/review-by/mentor", mentor, "review", "--about", own)
    assert ws.run("contrib", "cosign", self_review, key="uni").exit_code == 0
    refused = ws.run("cred", "issue", "--type", "401", "--subject", mentor, "--evidence", self_review,
                     *[a for r in reviews[:4] for a in ("--evidence", r)], key="uni")
    assert refused.exit_code == 1
    assert "MenteeIsHolder" in refused.output and "another person's work, never the holder's own" in refused.output
    # Cheat 2: two reviews of one mentee's work are one mentee.
    again = "github.com/example/beta/pull/1/second-review"
    second = _record(ws, again, mentor, "review", "--about", "github.com/example/beta/pull/1")
    assert ws.run("contrib", "cosign", second, key="uni").exit_code == 0
    short = ws.run("cred", "issue", "--type", "401", "--subject", mentor, "--evidence", second,
                   *[a for r in reviews[:4] for a in ("--evidence", r)], key="uni")
    assert short.exit_code == 1 and "NotEnoughMentees" in short.output
    assert "minimum distinct people" in short.output and "needed 5, found 4" in short.output

    issued = _ok(ws, "cred", "issue", "--type", "401", "--subject", mentor,
                 *[a for r in reviews for a in ("--evidence", r)], key="uni")
    document = json.loads(Path(issued["file"]).read_text())
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Award"
    result = ws.run("verify", issued["file"])
    assert result.exit_code == 0, result.output


def _mvp_file(tmp_path: Path) -> Path:
    """The example MVP award with its window around today (the chain's clock is the wall clock)."""
    text = (AWARDS / "community-mvp-2026.toml").read_text()
    today = time.time()
    start = time.strftime("%Y-%m-%d", time.gmtime(today - 30 * 86_400))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(today + 30 * 86_400))
    text = text.replace('window_from = "2026-01-01"', f'window_from = "{start}"')
    text = text.replace('window_to = "2026-12-31T23:59:59Z"', f'window_to = "{end}"')
    path = tmp_path / "mvp.toml"
    path.write_text(text)
    return path


def test_a_community_mvp_award_end_to_end(issuers: Workspace, tmp_path: Path) -> None:
    ws, k = issuers, issuers.keys
    assert ws.run("type", "define", "--file", str(_mvp_file(tmp_path))).exit_code == 0
    assert _ok(ws, "type", "show", "402")["award"] == {"kind": "mvp", "min_nominations": 3}
    # A fourth organisation (an enterprise); the community issues the award.
    assert ws.run("issuer", "add", k["outsider"].address, "--kind", "enterprise", "--name", "Example Corp").exit_code == 0
    assert ws.run("issuer", "scope", k["community"].address, "--allow", "402").exit_code == 0
    subject = _ok(ws, "subject", "new")["id"]
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86_400))
    work = _ok(ws, "contrib", "add", "--source", "github.com/example/alpha/pull/7", "--subject", subject,
               "--kind", "community", "--date", today, key="community")["keys"][0]

    for nominator in ("uni", "maintainer", "community"):
        nominated = _ok(ws, "award", "nominate", "402", subject, key=nominator)
        assert nominated["version"] == 1 and nominated["nominator"] == k[nominator].address
    # Cheat: one organisation nominating twice.
    twice = ws.run("award", "nominate", "402", subject, key="uni")
    assert twice.exit_code == 1 and "AlreadyNominated" in twice.output and "nominates once" in twice.output
    listed = _ok(ws, "award", "list", "402")
    assert listed["min_nominations"] == 3 and len(listed["nominations"]) == 3
    assert listed["subjects"] == [{"subject": subject, "organisations": 3}]
    assert len(_ok(ws, "award", "list", "402", "--subject", subject)["nominations"]) == 3

    # Cheat: the issuing organisation's own nomination does not count (2 of 3).
    refused = ws.run("cred", "issue", "--type", "402", "--subject", subject, "--evidence", work, key="community")
    assert refused.exit_code == 1 and "NotEnoughNominations" in refused.output
    assert "minimum nominating organisations" in refused.output and "needed 3, found 2" in refused.output
    # Cheat: another organisation withdrawing the university's nomination.
    uni_org = next(n["org"] for n in listed["nominations"] if n["nominator"] == k["uni"].address)
    stranger = ws.run("award", "withdraw", "402", subject, "--org", str(uni_org), key="maintainer")
    assert stranger.exit_code == 1 and "NotManager" in stranger.output

    _ok(ws, "award", "nominate", "402", subject, key="outsider")  # a third organisation besides the issuer's
    issued = _ok(ws, "cred", "issue", "--type", "402", "--subject", subject, "--evidence", work, key="community")
    assert ws.run("verify", issued["file"]).exit_code == 0

    # The nominator withdraws its own nomination; the list follows.
    withdrawn = _ok(ws, "award", "withdraw", "402", subject, key="uni")
    assert withdrawn["org"] == uni_org
    assert len(_ok(ws, "award", "list", "402")["nominations"]) == 3
    none = ws.run("award", "withdraw", "402", subject, key="uni")
    assert none.exit_code == 2 and "has no nomination" in none.output


def test_award_commands_refuse_a_type_that_takes_no_nominations(issuers: Workspace) -> None:
    subject = _ok(issuers, "subject", "new")["id"]
    result = issuers.run("award", "nominate", "101", subject, key="uni")
    assert result.exit_code == 2 and "not an award by nominations" in result.output
    assert issuers.run("award", "list", "999").exit_code == 2
