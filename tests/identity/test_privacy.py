from __future__ import annotations

import pytest

from ledger.errors import PersonalDataError
from ledger.identity.privacy import check_fields, find_personal_data


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
    assert find_personal_data("mentored by ALICE SMITH", ["Alice Smith"]) == "a name or number of a person in the vault"
    assert find_personal_data("mentored by Bob", ["Alice Smith"]) is None


def test_check_fields_names_the_nested_field() -> None:
    with pytest.raises(PersonalDataError) as info:
        check_fields({"meta": {"contacts": ["ok", "lihua@example.edu"]}})
    assert info.value.field == "meta.contacts[1]"
    assert info.value.kind == "an email address"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", ["li@x.com", "+86 138 1234 5678", "138 1234 5678", "11010519491231002X"])
def test_contact_data_in_a_display_name_is_found(value: str) -> None:
    from ledger.identity.privacy import find_contact_data

    assert find_contact_data(f"Grad {value}") is not None


def test_names_alone_are_not_contact_data() -> None:
    from ledger.identity.privacy import find_contact_data

    assert find_contact_data("Graduate 0042") is None and find_contact_data("王小明") is None


VAULT = ["Al Chen", "Bo", "81", "2022000001", "S2022001", "张伟", "Jean-Luc Picard"]


@pytest.mark.parametrize(
    "value",
    [
        "github.com/alibaba/nacos/pull/812",  # "81" is a digit run of its own only in "81"
        "github.com/org/bot-framework",  # "Bo" is not the word "bot" (and too short to match at all)
        "alchemy of chen-style",  # "Al Chen" needs both words, in order
        "issue 20220000012",  # a longer number is another number
    ],
)
def test_vault_values_match_as_whole_words_only(value: str) -> None:
    assert find_personal_data(value, VAULT) is None


@pytest.mark.parametrize(
    "value",
    [
        "mentored by al chen",
        "student 2022000001 fixed it",
        "github.com/org/repo/pull/1?by=2022000001",
        "owner S2022001",
        "张伟的项目",  # Han names are matched inside runs of Han characters
        "reviewed by jean luc picard",
        "ｓ２０２２００１",  # fullwidth: NFKC first
    ],
)
def test_vault_values_are_found_as_words_numbers_or_han_names(value: str) -> None:
    assert find_personal_data(value, VAULT) == "a name or number of a person in the vault"


@pytest.mark.parametrize(
    ("vault", "value"),
    [
        (["张伟David"], "作者张伟David"),  # Han and Latin without a space
        (["张伟 David"], "作者张伟 David"),
        (["买买提·艾力"], "贡献者买买提·艾力提交"),  # a middle dot between the parts of a name
        (["Ivan"], "ivan_dev"),  # "_" separates words
        (["zhangwei"], "github.com/zhangwei2024"),  # letters then digits
        (["𠮷野"], "by 𠮷野家"),  # Han beyond the basic block (Extension B)
    ],
)
def test_names_written_with_other_scripts_and_separators_are_found(vault: list[str], value: str) -> None:
    assert find_personal_data(value, vault) == "a name or number of a person in the vault"

def test_one_index_serves_many_fields() -> None:
    from ledger.identity.privacy import VaultNames, vault_names

    index = VaultNames(VAULT)
    assert vault_names(index) is index and list(index) == VAULT and len(index) == len(VAULT)
    assert find_personal_data("by Al Chen", index) and not find_personal_data("by Al", index)
