"""Builders of the tests' inputs: git repositories made with git itself, and platform export files in
the shapes the platforms document (GitHub REST API and event types, Gitee API v5), written by the tests."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# ----------------------------------------------------------------------------------------- git

ALICE = ("Alice Liu", "alice@uni.example.edu")
BOB = ("Bob Chen", "bob@corp.example.com")
CAROL = ("Carol Wang", "12345+carol-w@users.noreply.github.com")  # a GitHub no-reply address
DAN = ("Dan Maintainer", "dan@community.example.org")
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


class Repo:
    """A git repository built commit by commit, with fixed dates so that every run makes the same ids."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Fixture Committer")
        self.git("config", "user.email", "committer@example.org")
        self.git("config", "commit.gpgsign", "false")
        self.clock = 1_767_225_600  # 2026-01-01T00:00:00Z

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, text=True, check=True,
                              env={**os.environ, **(env or {})})
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str], author: tuple[str, str] = ALICE) -> str:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            self.git("add", name)
        self.clock += 3600
        when = f"{self.clock} +0000"
        env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_AUTHOR_DATE": when,
               "GIT_COMMITTER_DATE": when}
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, message: str) -> str:
        self.clock += 3600
        when = f"{self.clock} +0000"
        self.git("merge", "-q", "--no-ff", branch, "-m", message,
                 env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
        return self.git("rev-parse", "HEAD")


def trailer(name: str, person: tuple[str, str]) -> str:
    return f"{name}: {person[0]} <{person[1]}>"


def build_project_repo(path: Path, remote: str = "https://ci-user:s3cret-token@github.com/Example-Org/chain-sdk.git"
                       ) -> tuple[Repo, dict[str, str]]:
    """The repository of the tests: code, tests and docs by several people, trailers of every kind,
    a merge, a bot. Returns the repository and its commit ids by name."""
    repo = Repo(path)
    repo.git("remote", "add", "origin", remote)
    ids = {}
    ids["code"] = repo.commit("feat: add the client", {"src/client.py": "x = 1\n"}, ALICE)
    ids["tests"] = repo.commit(
        "test: cover the client\n\nMore tests.\n\n" + trailer("Co-authored-by", BOB) + "\n"
        + trailer("Reviewed-by", DAN) + "\n" + trailer("Signed-off-by", ALICE),
        {"tests/test_client.py": "def test(): pass\n", "tests/conftest.py": "\n", "src/client.py": "x = 2\n"}, ALICE)
    ids["docs"] = repo.commit("docs: the guide\n\n" + trailer("Co-authored-by", CAROL) + "\n"
                              + trailer("Co-authored-by", CAROL),  # twice: counted once
                              {"docs/guide.md": "# Guide\n", "README.md": "hello\n"}, BOB)
    ids["infra"] = repo.commit("ci: the workflow\n\n" + trailer("Signed-off-by", BOB) + "\n"
                               + trailer("Signed-off-by", DAN), {".github/workflows/ci.yml": "on: push\n"}, BOB)
    repo.git("checkout", "-q", "-b", "feature")
    ids["feature"] = repo.commit("fix: a bug\n\n" + trailer("Tested-by", BOB), {"src/fix.py": "y = 1\n"}, CAROL)
    repo.git("checkout", "-q", "main")
    ids["merge"] = repo.merge("feature", "Merge branch 'feature'")
    ids["bot"] = repo.commit("build(deps): bump a library", {"requirements.txt": "lib==2\n"}, BOT)
    return repo, ids


# ----------------------------------------------------------------------------------------- exports

GITHUB = "https://github.com"
API = "https://api.github.com"


def gh_user(login: str, uid: int, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user`` object as GitHub's REST API documents it."""
    return {"login": login, "id": uid, "node_id": f"MDQ6VXNlcj{uid}", "avatar_url": f"https://avatars.example/{uid}",
            "url": f"{API}/users/{login}", "html_url": f"{GITHUB}/{login}", "type": kind, "site_admin": False}


def gh_repo(full_name: str) -> dict[str, Any]:
    owner = full_name.split("/")[0]
    return {"id": 1296269, "name": full_name.split("/")[1], "full_name": full_name, "private": False,
            "owner": gh_user(owner, 9919, "Organization"), "html_url": f"{GITHUB}/{full_name}",
            "url": f"{API}/repos/{full_name}"}


def gh_pull(repo: str, number: int, user: dict[str, Any], *, merged_at: str | None, state: str = "closed",
            title: str = "Improve the client", labels: Iterable[str] = (), draft: bool = False,
            created_at: str = "2026-02-01T08:00:00Z") -> dict[str, Any]:
    """A pull request of ``GET /repos/{owner}/{repo}/pulls`` (the pull-request-simple shape)."""
    return {
        "url": f"{API}/repos/{repo}/pulls/{number}", "id": 1000 + number, "node_id": f"PR_{number}",
        "html_url": f"{GITHUB}/{repo}/pull/{number}", "diff_url": f"{GITHUB}/{repo}/pull/{number}.diff",
        "issue_url": f"{API}/repos/{repo}/issues/{number}", "number": number, "state": state, "locked": False,
        "title": title, "user": user, "body": "Please review.",
        "labels": [{"id": i, "name": name, "color": "ededed", "default": False} for i, name in enumerate(labels)],
        "created_at": created_at, "updated_at": merged_at or created_at,
        "closed_at": merged_at if state == "closed" else None, "merged_at": merged_at,
        "merge_commit_sha": f"{number:040x}" if merged_at else None, "draft": draft,
        "head": {"label": f"{user['login']}:topic", "ref": "topic", "sha": f"{number + 7:040x}", "user": user,
                 "repo": gh_repo(f"{user['login']}/{repo.split('/')[1]}")},
        "base": {"label": f"{repo.split('/')[0]}:main", "ref": "main", "sha": f"{number + 9:040x}",
                 "user": gh_user(repo.split("/")[0], 9919, "Organization"), "repo": gh_repo(repo)},
        "author_association": "CONTRIBUTOR",
    }


def gh_review(repo: str, number: int, review_id: int, user: dict[str, Any], state: str,
              submitted_at: str = "2026-02-02T09:00:00Z") -> dict[str, Any]:
    """A review of ``GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews``."""
    return {"id": review_id, "node_id": f"PRR_{review_id}", "user": user, "body": "Looks good.", "state": state,
            "html_url": f"{GITHUB}/{repo}/pull/{number}#pullrequestreview-{review_id}",
            "pull_request_url": f"{API}/repos/{repo}/pulls/{number}",
            "_links": {"html": {"href": f"{GITHUB}/{repo}/pull/{number}#pullrequestreview-{review_id}"}},
            "submitted_at": submitted_at, "commit_id": f"{review_id:040x}", "author_association": "MEMBER"}


def gh_issue(repo: str, number: int, user: dict[str, Any], *, title: str = "A bug", state: str = "open",
             state_reason: str | None = None, labels: Iterable[str] = (), pull_request: dict[str, Any] | None = None,
             created_at: str = "2026-01-20T10:00:00Z") -> dict[str, Any]:
    """An issue of ``GET /repos/{owner}/{repo}/issues``."""
    issue = {"id": 5000 + number, "node_id": f"I_{number}", "url": f"{API}/repos/{repo}/issues/{number}",
             "repository_url": f"{API}/repos/{repo}", "html_url": f"{GITHUB}/{repo}/issues/{number}",
             "number": number, "state": state, "state_reason": state_reason, "title": title, "body": "Steps...",
             "user": user, "labels": [{"id": i, "name": n} for i, n in enumerate(labels)], "assignees": [],
             "comments": 0, "created_at": created_at, "updated_at": created_at, "closed_at": None,
             "author_association": "NONE"}
    if pull_request is not None:
        issue["pull_request"] = pull_request
    return issue


def gh_comment(repo: str, number: int, comment_id: int, user: dict[str, Any], body: str = "Thanks!",
               created_at: str = "2026-01-21T10:00:00Z") -> dict[str, Any]:
    """A comment of ``GET /repos/{owner}/{repo}/issues/comments``."""
    return {"id": comment_id, "node_id": f"IC_{comment_id}", "url": f"{API}/repos/{repo}/issues/comments/{comment_id}",
            "html_url": f"{GITHUB}/{repo}/issues/{number}#issuecomment-{comment_id}", "body": body, "user": user,
            "created_at": created_at, "updated_at": created_at, "issue_url": f"{API}/repos/{repo}/issues/{number}",
            "author_association": "CONTRIBUTOR"}


def gh_issue_event(repo: str, event_id: int, actor: dict[str, Any], event: str, issue: dict[str, Any],
                   created_at: str = "2026-01-22T10:00:00Z") -> dict[str, Any]:
    """An event of ``GET /repos/{owner}/{repo}/issues/events``."""
    return {"id": event_id, "node_id": f"LE_{event_id}", "url": f"{API}/repos/{repo}/issues/events/{event_id}",
            "actor": actor, "event": event, "commit_id": None, "created_at": created_at, "issue": issue,
            "label": {"name": "bug", "color": "d73a4a"} if event == "labeled" else None}


def gh_release(repo: str, release_id: int, tag: str, author: dict[str, Any], *, draft: bool = False,
               prerelease: bool = False, published_at: str = "2026-03-01T12:00:00Z") -> dict[str, Any]:
    """A release of ``GET /repos/{owner}/{repo}/releases``."""
    return {"url": f"{API}/repos/{repo}/releases/{release_id}", "html_url": f"{GITHUB}/{repo}/releases/tag/{tag}",
            "id": release_id, "tag_name": tag, "target_commitish": "main", "name": tag, "body": "Notes",
            "draft": draft, "prerelease": prerelease, "created_at": published_at, "published_at": published_at,
            "author": author, "assets": []}


def gh_event(kind: str, actor: dict[str, Any], repo: str, payload: dict[str, Any], event_id: int,
             created_at: str = "2026-03-02T10:00:00Z") -> dict[str, Any]:
    """A GH Archive record (the GitHub Events API's event object)."""
    return {"id": str(event_id), "type": kind,
            "actor": {"id": actor["id"], "login": actor["login"], "display_login": actor["login"],
                      "url": actor["url"], "avatar_url": actor["avatar_url"]},
            "repo": {"id": 1296269, "name": repo, "url": f"{API}/repos/{repo}"}, "payload": payload, "public": True,
            "created_at": created_at}


def gist(owner: dict[str, Any], content: str, gist_id: str = "aa5a315d61ae9438b18d") -> dict[str, Any]:
    """A gist of ``GET /gists/{gist_id}``."""
    return {"url": f"{API}/gists/{gist_id}", "id": gist_id, "html_url": f"https://gist.github.com/{gist_id}",
            "files": {"link.txt": {"filename": "link.txt", "type": "text/plain", "language": "Text",
                                   "raw_url": f"https://gist.githubusercontent.com/raw/{gist_id}",
                                   "size": len(content), "content": content}},
            "public": True, "created_at": "2026-03-03T00:00:00Z", "description": "ledger link", "owner": owner}


def gitee_user(login: str, uid: int) -> dict[str, Any]:
    """A user object of Gitee API v5."""
    return {"id": uid, "login": login, "name": login.title(), "avatar_url": f"https://gitee.com/assets/{uid}.png",
            "url": f"https://gitee.com/api/v5/users/{login}", "html_url": f"https://gitee.com/{login}",
            "type": "User"}


def gitee_pull(repo: str, number: int, user: dict[str, Any], *, state: str, merged_at: str | None,
               assignees: Iterable[tuple[dict[str, Any], bool]] = (),
               testers: Iterable[tuple[dict[str, Any], bool]] = (), title: str = "修复客户端") -> dict[str, Any]:
    """A pull request of ``GET /v5/repos/{owner}/{repo}/pulls`` (assignees and testers with ``accept``)."""
    base_repo = {"id": 77, "full_name": repo, "human_name": repo, "path": repo.split("/")[1],
                 "html_url": f"https://gitee.com/{repo}.git"}
    return {"id": 9000 + number, "url": f"https://gitee.com/api/v5/repos/{repo}/pulls/{number}",
            "html_url": f"https://gitee.com/{repo}/pulls/{number}", "number": number, "state": state,
            "title": title, "body": "说明", "user": user, "labels": [], "created_at": "2026-02-01T16:00:00+08:00",
            "updated_at": merged_at or "2026-02-01T16:00:00+08:00", "closed_at": merged_at, "merged_at": merged_at,
            "mergeable": True, "assignees": [{**u, "accept": ok} for u, ok in assignees],
            "testers": [{**u, "accept": ok} for u, ok in testers],
            "head": {"label": "topic", "ref": "topic", "sha": f"{number:040x}", "user": user, "repo": base_repo},
            "base": {"label": "master", "ref": "master", "sha": f"{number + 1:040x}", "user": user, "repo": base_repo}}


def gitee_issue(repo: str, ident: str, user: dict[str, Any], *, state: str = "open",
                created_at: str = "2026-01-10T09:00:00+08:00") -> dict[str, Any]:
    """An issue of ``GET /v5/repos/{owner}/{repo}/issues`` (its number is Gitee's identifier)."""
    return {"id": 3000, "url": f"https://gitee.com/api/v5/repos/{repo}/issues/{ident}",
            "html_url": f"https://gitee.com/{repo}/issues/{ident}", "number": ident, "state": state,
            "title": "客户端崩溃", "body": "复现步骤", "user": user, "labels": [], "issue_type": "缺陷",
            "repository": {"id": 77, "full_name": repo, "html_url": f"https://gitee.com/{repo}"},
            "created_at": created_at, "updated_at": created_at}


def write_json(path: Path, records: list[Any]) -> Path:
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False))
    return path


def write_pages(path: Path, pages: list[list[Any]]) -> Path:
    """Pages concatenated, as ``gh api --paginate`` writes them."""
    path.write_text("".join(json.dumps(page) for page in pages))
    return path


def write_jsonl(path: Path, records: list[Any], *, gz: bool = False) -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(text) if gz else text)
    return path
