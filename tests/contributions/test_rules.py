"""Import rules: kinds from paths, labels and prefixes; bots; overriding the defaults; the digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.contributions.activity import Actor
from ledger.contributions.rules import DEFAULT_RULES, KIND_PRECEDENCE, load_rules, matches
from ledger.errors import ValidationError


@pytest.mark.parametrize(("path", "kind"), [
    ("src/client.py", "code"),
    ("tests/unit/test_client.py", "test"),
    ("pkg/server/handler_test.go", "test"),
    ("web/src/app.spec.ts", "test"),
    ("src/main/java/FooTest.java", "test"),
    ("docs/index.md", "docs"),
    ("sub/README.rst", "docs"),
    ("locales/zh_CN/messages.po", "translation"),
    (".github/workflows/ci.yml", "infrastructure"),
    ("Dockerfile.dev", "infrastructure"),
    ("Makefile", "infrastructure"),
    ("src/Makefile.am", "code"),
])
def test_kind_of_a_path(path: str, kind: str) -> None:
    assert load_rules().kind_of_path(path) == kind


def test_a_commit_takes_the_kind_most_of_its_files_have_ties_by_precedence() -> None:
    rules = load_rules()
    assert rules.kind_of_paths(["tests/a.py", "tests/b.py", "src/a.py"]) == "test"
    assert rules.kind_of_paths(["tests/a.py", "src/a.py"]) == "code"  # a tie: code comes first
    assert rules.kind_of_paths(["docs/a.md", "tests/a.py"]) == "test"
    assert rules.kind_of_paths([]) == "code"
    assert KIND_PRECEDENCE[:3] == ("code", "test", "docs")


def test_patterns_are_literal_but_for_star_and_question_mark() -> None:
    assert matches("dependabot[bot]", "*[bot]") and not matches("abot", "*[bot]")
    assert matches("a/b/c.md", "*.md") and matches("x1", "x?") and not matches("x12", "x?")


def test_labels_then_title_prefixes_then_the_default() -> None:
    rules = load_rules()
    assert rules.kind_of_change("code", ["Documentation"], "fix: x") == "docs"
    assert rules.kind_of_change("code", ["bug"], "ci(actions)!: pin") == "infrastructure"
    assert rules.kind_of_change("code", [], "Fix the client") == "code"


def test_bots_and_excluded_authors() -> None:
    rules = load_rules()
    assert rules.skip_reason(Actor("github", login="renovate-bot")) == "bot"
    assert rules.skip_reason(Actor("github", login="x", bot=True)) == "bot"
    assert rules.skip_reason(Actor("git", name="github-actions[bot]", email="41898282+github-actions[bot]@users."
                                                                            "noreply.github.com")) == "bot"
    assert rules.skip_reason(Actor("git", name="Robert", email="bob@example.org")) is None


def test_a_rules_file_extends_the_defaults_and_changes_the_digest(tmp_path: Path) -> None:
    default = load_rules()
    path = tmp_path / "rules.toml"
    path.write_text('[paths]\n"contracts/*" = "security"\n"*.md" = "translation"\n\n[skip]\n'
                    'authors = ["someone@example.org"]\n\n[defaults]\nfield = "blockchain"\nweight = 3\n')
    rules = load_rules(path)
    assert rules.kind_of_path("contracts/A.sol") == "security"
    # The file's patterns come before the defaults: they win where both match.
    assert rules.kind_of_path("docs/x.md") == "translation"
    assert rules.kind_of_path("docs/x.rst") == "docs"  # the defaults still apply elsewhere
    assert rules.field == 2 and rules.weight == 3
    assert rules.skip_reason(Actor("git", email="Someone@Example.org")) == "author-excluded"
    assert rules.digest() != default.digest() and default.digest() == load_rules().digest()
    assert load_rules(path, replace=True).paths == (("contracts/*", "security"), ("*.md", "translation"))


@pytest.mark.parametrize(("text", "message"), [
    ('[paths]\n"a/*" = "coding"\n', "not a contribution kind"),
    ('[activities]\nfork = "code"\n', "unknown activity"),
    ('[skip]\nunmerged = "yes"\n', "true or false"),
    ('[skip]\nbots = "x"\n', "list of text"),
    ("[nope]\n", "unknown table"),
    ('[defaults]\nweight = 0\n', "weight"),
    ("paths = 1", "must be a table"),
    ("[paths", "not valid TOML"),
])
def test_bad_rules_are_refused_with_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message):
        load_rules(path)


def test_the_default_rules_are_their_own_documentation() -> None:
    assert "[paths]" in DEFAULT_RULES and "[skip]" in DEFAULT_RULES
    assert load_rules().as_dict()["skip"]["unmerged"] is True
