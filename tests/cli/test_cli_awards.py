"""Award types (mentor, community MVP): parsed and described now, defined once contracts v2 checks them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliws import Workspace

from ledger.credentials.standards import load_type_file, parse_award, parse_type
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
])
def test_bad_award_tables_are_refused(table: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_award(table)


def test_a_type_without_an_award_is_unchanged() -> None:
    assert parse_type({"id": 5, "name": "Plain"}).award is None
    assert "award" not in parse_type({"id": 5, "name": "Plain"}).metadata()


def test_defining_an_award_needs_contracts_that_check_awards(issuers: Workspace) -> None:
    # Contracts v2 (CredentialRegistry 2.0.0) does not check award criteria: an award type is refused.
    refused = issuers.run("type", "define", "--file", str(AWARDS / "mentor-award.toml"))
    assert refused.exit_code == 2 and "checks award criteria" in refused.output and "2.0.0" in refused.output
    assert issuers.run("type", "show", "401").exit_code != 0  # nothing was sent
    dry = issuers.run("type", "define", "--file", str(AWARDS / "community-mvp-2026.toml"), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    shown = json.loads(dry.output)
    assert shown["needs_contracts_v2"] and shown["metadata"]["award"]["min_nominations"] == 3
