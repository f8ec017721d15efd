"""The git importer on repositories the tests build: kinds, roles, trailers, skips, keys, projects."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from forge import ALICE, BOB, CAROL, DAN, Repo, build_project_repo

from ledger.contributions import contribution_key
from ledger.contributions.gitlog import import_git, project_from_remote
from ledger.contributions.rules import load_rules
from ledger.errors import ValidationError


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    repo, ids = build_project_repo(tmp_path_factory.mktemp("git") / "chain-sdk")
    return repo.path, ids


def _by_source(path: Path, **kwargs: object) -> dict[str, object]:
    result = import_git(path, load_rules(), **kwargs)  # type: ignore[arg-type]
    return {a.source: a for a in result.activities}


def test_kinds_roles_and_people_of_every_commit(project: tuple[Path, dict[str, str]]) -> None:
    path, ids = project
    got = _by_source(path)
    expect = {
        f"commit/{ids['code']}": ("code", "author", ALICE),
        f"commit/{ids['tests']}": ("test", "author", ALICE),  # two test files, one code file
        f"commit/{ids['tests']}/co-authored-by/1": ("test", "co-author", BOB),
        f"commit/{ids['tests']}/reviewed-by/1": ("review", "reviewer", DAN),
        f"commit/{ids['docs']}": ("docs", "author", BOB),
        f"commit/{ids['docs']}/co-authored-by/1": ("docs", "co-author", CAROL),
        f"commit/{ids['infra']}": ("infrastructure", "author", BOB),
        f"commit/{ids['infra']}/signed-off-by/2": ("project-management", "sign-off", DAN),
        f"commit/{ids['feature']}": ("code", "author", CAROL),
        f"commit/{ids['feature']}/tested-by/1": ("test", "tester", BOB),
    }
    assert {s: (a.kind, a.role, (a.actor.name, a.actor.email)) for s, a in got.items()} == expect  # type: ignore[attr-defined]
    carol = got[f"commit/{ids['feature']}"].actor  # type: ignore[attr-defined]
    assert carol.handle == "github:carol-w"  # read from the no-reply address
    assert got[f"commit/{ids['code']}"].actor.handle is None  # type: ignore[attr-defined]


def test_evidence_names_the_commit_never_a_person(project: tuple[Path, dict[str, str]]) -> None:
    path, ids = project
    activity = _by_source(path)[f"commit/{ids['tests']}/co-authored-by/1"]
    evidence = dict(activity.evidence)  # type: ignore[attr-defined]
    assert evidence == {"source": f"commit/{ids['tests']}/co-authored-by/1", "commit": ids["tests"],
                        "role": "co-author", "importer": "git/1",
                        "url": f"https://github.com/example-org/chain-sdk/commit/{ids['tests']}"}
    assert "@" not in repr(evidence) and "Bob" not in repr(evidence)
    review = _by_source(path)[f"commit/{ids['tests']}/reviewed-by/1"]
    assert review.evidence["about"] == f"commit/{ids['tests']}"  # type: ignore[attr-defined]  # what was reviewed


def test_skips_are_visible_with_their_reasons(project: tuple[Path, dict[str, str]]) -> None:
    path, _ids = project
    result = import_git(path, load_rules())
    assert result.skipped_by_reason() == {"merge-commit": 1, "bot": 1}
    # The author's own sign-off is the DCO line, not skipped work; a self-review is skipped.
    repo = Repo(path.parent / "self")
    repo.git("remote", "add", "origin", "git@gitee.com:org/tool.git")
    repo.commit("fix\n\nReviewed-by: Alice Liu <alice@uni.example.edu>", {"a.c": "int x;\n"}, ALICE)
    self_review = import_git(repo.path, load_rules())
    assert self_review.skipped_by_reason() == {"self-review": 1}
    assert [a.project for a in self_review.activities] == ["gitee.com/org/tool"]


def test_the_same_commit_has_the_same_key_in_every_clone(project: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, ids = project
    clone = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", str(path), str(clone)], check=True)
    # The clone's origin is a local path: the project must be given, and the keys do not depend on it.
    with pytest.raises(ValidationError, match="origin remote is not host/owner/repo") as refused:
        import_git(clone, load_rules())
    assert "--project" in (refused.value.hint or "")
    original = {a.source for a in import_git(path, load_rules()).activities}
    mirrored = {a.source for a in import_git(clone, load_rules(), project="gitee.com/mirror/chain-sdk").activities}
    assert original == mirrored
    assert contribution_key(f"commit/{ids['code']}") == contribution_key(f"COMMIT/{ids['code'].upper()}")


def test_since_and_rev_limit_the_history(project: tuple[Path, dict[str, str]]) -> None:
    path, ids = project
    first_two = _by_source(path, rev=ids["tests"])
    assert {s.split("/")[1] for s in first_two} == {ids["code"], ids["tests"]}
    start = 1_767_225_600 + 3 * 3600  # the third commit's time
    later = _by_source(path, since=start)
    assert f"commit/{ids['code']}" not in later and f"commit/{ids['docs']}" in later
    with pytest.raises(ValidationError, match="git log failed"):
        import_git(path, load_rules(), rev="no-such-branch")
    with pytest.raises(ValidationError, match="must not start"):
        import_git(path, load_rules(), rev="--output=/tmp/x")


def test_rules_change_kinds_and_can_turn_activities_off(project: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, ids = project
    rules = tmp_path / "rules.toml"
    rules.write_text('[paths]\n"src/*" = "security"\n\n[activities]\nreviewed_by = "skip"\n'
                     'signed_off_by = "mentoring"\n\n[skip]\nmerge_commits = false\nbots = []\n')
    result = import_git(path, load_rules(rules))
    got = {a.source: a.kind for a in result.activities}
    assert got[f"commit/{ids['code']}"] == "security"
    assert f"commit/{ids['tests']}/reviewed-by/1" not in got
    assert got[f"commit/{ids['infra']}/signed-off-by/2"] == "mentoring"
    assert got[f"commit/{ids['merge']}"] == "code" and f"commit/{ids['bot']}" in got
    assert result.skipped_by_reason() == {"kind-skipped": 1}


def test_not_a_clone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a git repository"):
        import_git(tmp_path, load_rules(), project="github.com/a/b")


@pytest.mark.parametrize(("url", "project"), [
    ("git@github.com:FISCO-BCOS/console.git", "github.com/fisco-bcos/console"),
    ("https://user:token@gitee.com/org/repo.git", "gitee.com/org/repo"),
    ("ssh://git@github.com:22/o/r", "github.com/o/r"),
    ("https://gitlab.com/group/sub/repo.git/", "gitlab.com/group/sub/repo"),
    ("/srv/git/repo.git", None),
    ("file:///srv/git/repo", None),
])
def test_project_from_remote_drops_credentials(url: str, project: str | None) -> None:
    assert project_from_remote(url) == project
