"""The GitHub and Gitee importers on export files in the platforms' documented shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from forge import (
    gh_comment,
    gh_event,
    gh_issue,
    gh_issue_event,
    gh_pull,
    gh_release,
    gh_review,
    gh_user,
    gitee_issue,
    gitee_pull,
    gitee_user,
    write_json,
    write_jsonl,
    write_pages,
)

from ledger.contributions.exports import read_records
from ledger.contributions.gitee import import_gitee
from ledger.contributions.github import import_github
from ledger.contributions.rules import load_rules
from ledger.errors import ValidationError

REPO = "Example-Org/chain-sdk"
P = "github.com/example-org/chain-sdk"
ALICE, BOB, DAN = gh_user("alice", 101), gh_user("Bob-Dev", 102), gh_user("dan", 104)
BOT = gh_user("dependabot[bot]", 49699333, "Bot")
MERGED = "2026-02-03T10:00:00Z"


@pytest.fixture()
def rest_export(tmp_path: Path) -> list[Path]:
    pulls = [
        gh_pull(REPO, 1, ALICE, merged_at=MERGED),
        gh_pull(REPO, 2, BOB, merged_at=MERGED, labels=["documentation"]),
        gh_pull(REPO, 3, BOB, merged_at=MERGED, title="test(client): more cases"),
        gh_pull(REPO, 4, ALICE, merged_at=None),  # closed, not merged
        gh_pull(REPO, 5, ALICE, merged_at=None, state="open", draft=True),
        gh_pull(REPO, 6, BOT, merged_at=MERGED, title="build(deps): bump"),
    ]
    reviews = [
        gh_review(REPO, 1, 801, DAN, "APPROVED", "2026-02-02T09:00:00Z"),
        gh_review(REPO, 1, 800, DAN, "COMMENTED", "2026-02-01T09:00:00Z"),  # earlier: the one that counts
        gh_review(REPO, 1, 802, ALICE, "COMMENTED"),  # the author on her own pull request
        gh_review(REPO, 2, 803, DAN, "DISMISSED"),
        gh_review(REPO, 2, 804, ALICE, "CHANGES_REQUESTED"),
    ]
    issues = [
        gh_issue(REPO, 10, BOB, labels=["bug"]),
        gh_issue(REPO, 11, BOB, state="closed", state_reason="not_planned"),
        gh_issue(REPO, 1, ALICE, pull_request={"url": f"https://api.github.com/repos/{REPO}/pulls/1",
                                               "merged_at": MERGED}),  # PR 1 again, through the issues API
        gh_issue(REPO, 4, ALICE, pull_request={"url": "...", "merged_at": None}),
    ]
    comments = [gh_comment(REPO, 10, 900, DAN), gh_comment(REPO, 10, 901, DAN, created_at="2026-01-25T00:00:00Z"),
                gh_comment(REPO, 10, 902, BOT)]
    events = [gh_issue_event(REPO, 700, DAN, "labeled", gh_issue(REPO, 10, BOB)),
              gh_issue_event(REPO, 701, BOB, "closed", gh_issue(REPO, 10, BOB)),  # his own issue
              gh_issue_event(REPO, 702, DAN, "subscribed", gh_issue(REPO, 10, BOB))]
    releases = [gh_release(REPO, 60, "v1.0.0", DAN), gh_release(REPO, 61, "v1.1.0-rc1", DAN, prerelease=True)]
    return [
        write_pages(tmp_path / "pulls.json", [pulls[:3], pulls[3:]]),  # as `gh api --paginate` writes pages
        write_json(tmp_path / "reviews.json", reviews),
        write_jsonl(tmp_path / "issues.jsonl", issues),
        write_json(tmp_path / "comments.json", comments),
        write_jsonl(tmp_path / "events.json.gz", events, gz=True),
        write_json(tmp_path / "releases.json", releases),
    ]


def test_github_rest_export(rest_export: list[Path]) -> None:
    result = import_github(rest_export, load_rules())
    got = {a.source: (a.kind, a.role, a.actor.handle) for a in result.activities}
    assert got == {
        f"{P}/pull/1": ("code", "author", "github:alice"),
        f"{P}/pull/2": ("docs", "author", "github:bob-dev"),  # label documentation
        f"{P}/pull/3": ("test", "author", "github:bob-dev"),  # title prefix test(...)
        f"{P}/pull/1/review-by/104": ("review", "reviewer", "github:dan"),
        f"{P}/pull/2/review-by/101": ("review", "reviewer", "github:alice"),
        f"{P}/issues/10": ("community", "opener", "github:bob-dev"),
        f"{P}/issues/10/comment-by/104": ("community", "commenter", "github:dan"),
        f"{P}/issues/10/triage-by/104": ("project-management", "triager", "github:dan"),
        f"{P}/releases/tag/v1.0.0": ("project-management", "release manager", "github:dan"),
    }
    first_review = next(a for a in result.activities if a.source == f"{P}/pull/1/review-by/104")
    assert first_review.evidence["url"].endswith("#pullrequestreview-800")  # the earliest counted review
    assert result.skipped_by_reason() == {
        "repeated": 3, "unmerged": 1, "draft": 1, "bot": 2, "self-review": 2, "review-state": 1,
        "not-completed": 2, "pull-request-issue": 1, "kind-skipped": 1,
    }
    assert {a.occurred_at for a in result.activities if a.source == f"{P}/pull/1"} == {1_770_112_800}


def test_rules_the_user_can_change(rest_export: list[Path], tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[activities]\ncomment = "skip"\n\n[skip]\nunmerged = false\nbots = ["dan"]\n'
                     'review_states = ["APPROVED"]\n')
    got = {a.source for a in import_github(rest_export, load_rules(rules)).activities}
    assert f"{P}/pull/4" in got  # unmerged, now counted
    assert not any("comment-by" in s for s in got)
    assert not any(s.endswith("/104") for s in got)  # dan is treated as a bot
    assert f"{P}/pull/2/review-by/101" not in got  # CHANGES_REQUESTED no longer counts


def test_gh_archive_events(tmp_path: Path) -> None:
    pull = gh_pull(REPO, 7, ALICE, merged_at=MERGED)
    events = [
        gh_event("PullRequestEvent", DAN, REPO, {"action": "closed", "number": 7, "pull_request": {**pull, "merged": True}}, 1),
        gh_event("PullRequestEvent", BOB, REPO, {"action": "closed", "number": 8,
                                                "pull_request": {**gh_pull(REPO, 8, BOB, merged_at=None), "merged": False}}, 2),
        gh_event("PullRequestEvent", ALICE, REPO, {"action": "opened", "number": 9, "pull_request": pull}, 3),
        gh_event("PullRequestReviewEvent", DAN, REPO, {"action": "created", "review": gh_review(REPO, 7, 810, DAN, "APPROVED"),
                                                      "pull_request": pull}, 4),
        gh_event("PullRequestReviewEvent", ALICE, REPO, {"action": "created", "review": gh_review(REPO, 7, 811, ALICE, "COMMENTED"),
                                                        "pull_request": pull}, 5),
        gh_event("IssuesEvent", BOB, REPO, {"action": "opened", "issue": gh_issue(REPO, 20, BOB)}, 6),
        gh_event("IssuesEvent", DAN, REPO, {"action": "closed", "issue": gh_issue(REPO, 20, BOB)}, 7),
        gh_event("IssueCommentEvent", DAN, REPO, {"action": "created", "issue": gh_issue(REPO, 20, BOB),
                                                 "comment": gh_comment(REPO, 20, 950, DAN)}, 8),
        gh_event("ReleaseEvent", DAN, REPO, {"action": "published", "release": gh_release(REPO, 70, "v2.0.0", DAN)}, 9),
        gh_event("WatchEvent", BOB, REPO, {"action": "started"}, 10),
        gh_event("PushEvent", BOT, REPO, {"push_id": 1, "commits": []}, 11),
    ]
    archive = write_jsonl(tmp_path / "2026-03-02-10.json.gz", events, gz=True)
    result = import_github([archive], load_rules())
    got = {a.source: (a.kind, a.actor.handle) for a in result.activities}
    assert got == {
        f"{P}/pull/7": ("code", "github:alice"),
        f"{P}/pull/7/review-by/104": ("review", "github:dan"),
        f"{P}/issues/20": ("community", "github:bob-dev"),
        f"{P}/issues/20/triage-by/104": ("project-management", "github:dan"),
        f"{P}/issues/20/comment-by/104": ("community", "github:dan"),
        f"{P}/releases/tag/v2.0.0": ("project-management", "github:dan"),
    }
    assert result.skipped_by_reason() == {"unmerged": 1, "kind-skipped": 3, "self-review": 1}


def test_gitee_export(tmp_path: Path) -> None:
    repo = "openatom/fisco-tool"
    li, wang, zhao = gitee_user("li-hua", 7001), gitee_user("wangfang", 7002), gitee_user("zhao", 7003)
    pulls = [
        gitee_pull(repo, 3, li, state="merged", merged_at="2026-02-05T18:00:00+08:00",
                   assignees=[(wang, True), (zhao, False)], testers=[(zhao, True), (li, True)]),
        gitee_pull(repo, 4, wang, state="closed", merged_at=None, assignees=[(li, True)]),
        gitee_pull(repo, 5, wang, state="open", merged_at=None),
    ]
    issues = [gitee_issue(repo, "I8ABCD", zhao), gitee_issue(repo, "I8ABCE", zhao, state="rejected")]
    comments = [{"id": 41, "body": "已复现", "user": wang, "created_at": "2026-01-11T09:00:00+08:00",
                 "html_url": f"https://gitee.com/{repo}/issues/I8ABCD#note_41", "target": {"issue": {"number": "I8ABCD"}}},
                {"id": 42, "body": "LGTM", "user": zhao, "created_at": "2026-02-04T09:00:00+08:00",
                 "pull_request_url": f"https://gitee.com/api/v5/repos/{repo}/pulls/3"}]
    releases = [{"id": 1, "tag_name": "v0.9", "name": "v0.9", "prerelease": False, "author": li,
                 "created_at": "2026-03-01T10:00:00+08:00"}]
    files = [write_json(tmp_path / "pulls.json", pulls), write_json(tmp_path / "issues.json", issues),
             write_json(tmp_path / "comments.json", comments), write_json(tmp_path / "releases.json", releases)]
    p = "gitee.com/openatom/fisco-tool"
    result = import_gitee(files, load_rules(), project=p)
    got = {a.source: (a.kind, a.role, a.actor.handle) for a in result.activities}
    assert got == {
        f"{p}/pulls/3": ("code", "author", "gitee:li-hua"),
        f"{p}/pulls/3/review-by/7002": ("review", "reviewer", "gitee:wangfang"),
        f"{p}/pulls/3/test-by/7003": ("test", "tester", "gitee:zhao"),
        f"{p}/issues/I8ABCD": ("community", "opener", "gitee:zhao"),
        f"{p}/issues/I8ABCD/comment-by/7002": ("community", "commenter", "gitee:wangfang"),
        f"{p}/pulls/3/comment-by/7003": ("community", "commenter", "gitee:zhao"),
        f"{p}/releases/tag/v0.9": ("project-management", "release manager", "gitee:li-hua"),
    }
    assert result.skipped_by_reason() == {"self-review": 1, "unmerged": 2, "not-completed": 1}
    # Without --project the release cannot tell its repository: skipped, and said so.
    assert import_gitee(files[3:], load_rules()).skipped_by_reason() == {"no-project": 1}


def test_export_forms_and_bad_files(tmp_path: Path) -> None:
    records = [{"n": 1}, {"n": 2}, {"n": 3}]
    array = write_json(tmp_path / "a.json", records)
    pages = write_pages(tmp_path / "b.json", [records[:2], records[2:]])
    lines = write_jsonl(tmp_path / "c.jsonl", records)
    search = tmp_path / "d.json"
    search.write_text(json.dumps({"total_count": 3, "incomplete_results": False, "items": records}))
    for path in (array, pages, lines, search):
        assert [r["n"] for _, r in read_records(path)] == [1, 2, 3], path.name
    assert [w for w, _ in read_records(lines)] == ["c.jsonl:1", "c.jsonl:2", "c.jsonl:3"]
    assert [w for w, _ in read_records(pages)] == ["b.json[0]", "b.json[1]", "b.json page 2[0]"]
    broken = tmp_path / "broken.json"
    broken.write_text('[{"a": 1},\n{"a": ]')
    with pytest.raises(ValidationError, match="broken.json is not JSON .* line 2"):
        list(read_records(broken))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValidationError, match="nest deeper"):
        list(read_records(deep))
    odd = write_json(tmp_path / "odd.json", [{"hello": "world"}, 7])
    assert import_github([odd], load_rules()).skipped_by_reason() == {"unknown-record": 2}
    with pytest.raises(ValidationError, match="does not exist"):
        import_github([tmp_path / "missing.json"], load_rules())
