from __future__ import annotations

import pytest

from ledger.errors import PersonalDataError
from ledger.privacy import check_fields, find_personal_data


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("li.hua@example.edu.cn", "an email address"),
        ("contact: a+b@x.io please", "an email address"),
        ("13812345678", "a phone number"),
        ("+86 138 1234 5678", "a phone number"),
        ("+44 20 7946 0958", "a phone number"),
        ("11010519491231002X", "a resident identity card number"),
        ("110105491231002", "a resident identity card number"),
        ("王小明", "a person's name"),
        ("李华", "a person's name"),
    ],
)
def test_personal_data_is_found(value: str, kind: str) -> None:
    assert find_personal_data(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "github.com/FISCO-BCOS/FISCO-BCOS/pull/4242",
        "区块链",  # "blockchain": a field name, not a person
        "数据库系统",
        "0x" + "ab" * 32,
        "Blockchain Developer Level 2",
        "11010519491231002",  # 17 digits: not an id card number
        "110105194912310021",  # 18 digits, wrong check digit
        "v3.16.4",
        "",
    ],
)
def test_ordinary_values_pass(value: str) -> None:
    assert find_personal_data(value) is None


def test_vault_names_are_found_case_insensitively() -> None:
    assert find_personal_data("mentored by ALICE SMITH", ["Alice Smith"]) == "the name of a person in the vault"
    assert find_personal_data("mentored by Bob", ["Alice Smith"]) is None


def test_check_fields_names_the_nested_field() -> None:
    with pytest.raises(PersonalDataError) as info:
        check_fields({"meta": {"contacts": ["ok", "lihua@example.edu"]}})
    assert info.value.field == "meta.contacts[1]"
    assert info.value.kind == "an email address"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", ["li@x.com", "+86 138 1234 5678", "138 1234 5678", "11010519491231002X"])
def test_contact_data_in_a_display_name_is_found(value: str) -> None:
    from ledger.privacy import find_contact_data

    assert find_contact_data(f"Grad {value}") is not None


def test_names_alone_are_not_contact_data() -> None:
    from ledger.privacy import find_contact_data

    assert find_contact_data("Graduate 0042") is None and find_contact_data("王小明") is None
