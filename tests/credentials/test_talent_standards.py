"""Talent standards: the field list and the worked standards of examples/standards/."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.contributions import FIELD_NAMES, FIELDS, parse_field
from ledger.credentials.standards import load_type_file, parse_type
from ledger.errors import ValidationError

STANDARDS = Path(__file__).resolve().parents[2] / "examples" / "standards"

#: The seven fields of the talent-training model (issue 19), as users write them.
SEVEN_FIELDS = ("artificial-intelligence", "industrial-internet", "autonomous-driving", "big-data",
                "cloud-computing", "blockchain", "operating-systems")


def test_the_field_list_covers_the_seven_fields_and_keeps_the_old_numbers() -> None:
    for name in SEVEN_FIELDS:
        assert parse_field(name) in FIELD_NAMES
    assert parse_field("Industrial Internet") == FIELDS["industrial-internet"] == 15
    assert parse_field("autonomous_driving") == 16 and parse_field("big-data") == 17
    assert parse_field("artificial-intelligence") == FIELDS["ai"] == 1
    assert parse_field("cloud-computing") == FIELDS["cloud-native"] == 5
    # Numbers are on chain: the old ones never move.
    assert (FIELDS["blockchain"], FIELDS["operating-systems"], FIELDS["open-source-governance"]) == (2, 4, 14)
    with pytest.raises(ValidationError, match="unknown field"):
        parse_field("astrology")


def test_one_worked_standard_per_field() -> None:
    fields = {}
    for path in sorted(STANDARDS.glob("*.toml")):
        t = load_type_file(path)
        meta = t.metadata()
        assert meta["description"] and meta["criteria"]["narrative"]
        assert meta.get("achievementType"), path.name
        fields.setdefault(t.field, []).append(path.name)
    for name in SEVEN_FIELDS:
        assert parse_field(name) in fields, f"no standard for {name}"
    ids = [load_type_file(p).type_id for p in STANDARDS.glob("*.toml")]
    assert len(ids) == len(set(ids)), "two example types share an id"


def test_field_standards_have_contract_checked_criteria() -> None:
    """A field standard (not a course) is earned by contributions the contract counts."""
    for path in STANDARDS.glob("*-[12].toml"):
        t = load_type_file(path)
        assert t.criteria.min_total >= 4 and t.criteria.min_co_signs >= 1, path.name
        assert sum(t.criteria.min_per_kind) >= 3, path.name


def test_the_micro_major_stacks_its_courses() -> None:
    major = load_type_file(STANDARDS / "micro-major-blockchain.toml")
    courses = {load_type_file(STANDARDS / f).type_id for f in ("course-smart-contracts.toml",
                                                                "course-open-source-practice.toml")}
    assert set(major.prerequisites) == courses
    assert major.metadata()["achievementType"] == "MicroCredential"


def test_achievement_members_are_checked_and_only_added_when_given() -> None:
    plain = parse_type({"id": 9, "name": "Plain"})
    assert "achievementType" not in plain.metadata() and "tags" not in plain.metadata()
    tagged = parse_type({"id": 9, "name": "Plain", "achievement_type": "Award", "tags": [" mentoring "]})
    assert tagged.metadata()["achievementType"] == "Award" and tagged.metadata()["tags"] == ["mentoring"]
    assert tagged.metadata_hash() != plain.metadata_hash()
    with pytest.raises(ValidationError, match="achievement type"):
        parse_type({"id": 9, "name": "X", "achievement_type": "Trophy"})
    with pytest.raises(ValidationError, match=r"tags\[1\]"):
        parse_type({"id": 9, "name": "X", "tags": ["ok", ""]})
    with pytest.raises(ValidationError, match="tags must be a list"):
        parse_type({"id": 9, "name": "X", "tags": "one"})
