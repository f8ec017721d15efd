"""Contributions from GitHub: REST API exports and GH Archive event files.

Records are recognised by their documented shapes (docs.github.com, REST API and "GitHub event types"),
whatever file they come in, so a directory of mixed pages imports in one go:

=====================  ==========================================================  ===================
record                 recognised by                                               activity
=====================  ==========================================================  ===================
pull request           ``head`` and ``base`` (``GET /repos/{o}/{r}/pulls``)         author of a merged PR
review                 ``pull_request_url`` and ``submitted_at`` (``.../reviews``)  reviewer
review comment         ``pull_request_review_id`` and ``diff_hunk``                 reviewer
issue                  ``number``, ``title``, no ``head`` (``.../issues``)          opener
issue comment          ``issue_url`` and ``body`` (``.../issues/comments``)         commenter
issue event            ``event``, ``actor``, ``issue`` (``.../issues/events``)      triage
release                ``tag_name`` (``.../releases``)                              release manager
GH Archive event       ``type`` ending in ``Event``, ``actor``, ``repo``, ``payload``  as the payload's record
=====================  ==========================================================  ===================

Keys: a merged pull request ``github.com/o/r/pull/N`` (its author); per person and thread, keyed by the
platform's numeric user id (stable across renames): ``.../pull/N/review-by/<id>`` (one per reviewer, the
earliest counted review), ``.../issues/N/comment-by/<id>``, ``.../issues/N/triage-by/<id>``; an issue
``.../issues/N``; a release ``.../releases/tag/<tag>``. Kinds come from ``[activities]``, ``[labels]``
and ``[prefixes]`` of the rules; unmerged pull requests, bots, self-reviews, issues closed as not
planned, drafts and pre-releases are skipped with their reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ledger.contributions.activity import ImportResult
from ledger.contributions.exports import (
    Collector,
    actor_of,
    first_project,
    import_files,
    iso_time,
    labels_of,
    number_of,
    project_from_url,
    same_actor,
    text_of,
    uid_of,
)
from ledger.contributions.rules import ImportRules

__all__ = ["IMPORTER", "VERSION", "import_github", "import_records"]

IMPORTER, VERSION = "github", "1"
PLATFORM = "github"
#: Issue events that are triage: someone looking after another person's issue.
TRIAGE_EVENTS = frozenset({"labeled", "assigned", "closed", "reopened", "milestoned", "marked_as_duplicate",
                           "transferred", "locked", "pinned"})
#: Issue actions of GH Archive's IssuesEvent that are triage (``opened`` is the issue itself).
TRIAGE_ACTIONS = frozenset({"closed", "reopened", "labeled", "assigned", "milestoned", "pinned", "locked"})


def import_github(paths: Iterable[Path], rules: ImportRules, *, project: str | None = None,
                  since: int | None = None) -> ImportResult:
    """Activities of GitHub export files (or directories of them).

    Raises:
        ValidationError: a file cannot be read or is not JSON (a record of an unknown shape is skipped).
    """
    return import_files(paths, rules, _dispatch, importer=IMPORTER, version=VERSION, project=project, since=since)


def import_records(records: Iterable[tuple[str, Any]], collector: Collector) -> None:
    """Feed ``(where, record)`` pairs of GitHub exports to ``collector``."""
    for where, record in records:
        if not isinstance(record, Mapping):
            collector.result.skip("unknown-record", where, "not a JSON object")
            continue
        _dispatch(where, record, collector)


def _dispatch(where: str, r: Mapping[str, Any], c: Collector) -> None:
    if isinstance(r.get("type"), str) and r["type"].endswith("Event") and "payload" in r and "repo" in r:
        _archive_event(where, r, c)
    elif "head" in r and "base" in r:
        _pull_request(where, r, c)
    elif "pull_request_review_id" in r and "diff_hunk" in r:
        _review(where, r, c, state="COMMENTED", when_key="created_at")
    elif "pull_request_url" in r and "submitted_at" in r:
        _review(where, r, c, state=text_of(r.get("state")).upper(), when_key="submitted_at")
    elif "event" in r and "actor" in r and isinstance(r.get("issue"), Mapping):
        _issue_event(where, r, c, text_of(r.get("event")), r.get("actor"), r["issue"], r.get("created_at"))
    elif "issue_url" in r and "body" in r:
        _comment(where, r, c)
    elif "tag_name" in r:
        _release(where, r, c)
    elif "number" in r and "title" in r and "user" in r:
        _issue(where, r, c)
    else:
        c.result.skip("unknown-record", where, "not a pull request, review, issue, comment, event or release")


def _pull_request(where: str, r: Mapping[str, Any], c: Collector) -> None:
    base = r.get("base") if isinstance(r.get("base"), Mapping) else {}
    repo = base.get("repo") if isinstance(base.get("repo"), Mapping) else {}
    project = c.project_of(r.get("html_url"), r.get("url"), repo.get("html_url"),
                           f"https://github.com/{text_of(repo.get('full_name'))}")
    number = number_of(r.get("number"))
    author = actor_of(PLATFORM, r.get("user"))
    if project is None or number is None:
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    if author is not None:
        c.pr_authors[(project, number)] = author
    merged_at = r.get("merged_at")
    merged = r.get("merged")
    if merged_at is None and merged is not True:
        if "merged_at" not in r and "merged" not in r:
            c.result.skip("merge-state-unknown", where)
            return
        if r.get("draft") is True and c.rules.skip_drafts:
            c.result.skip("draft", where)
            return
        if c.rules.skip_unmerged:
            c.result.skip("unmerged", where, text_of(r.get("state")))
            return
    when = iso_time(merged_at) or iso_time(r.get("closed_at")) or iso_time(r.get("created_at"))
    default = c.rules.activity_kind("pull_request")
    kind = None if default is None else c.rules.kind_of_change(default, labels_of(r), text_of(r.get("title")))
    source = f"{project}/pull/{number}"
    extra = {"merge_commit": r["merge_commit_sha"]} if isinstance(r.get("merge_commit_sha"), str) else {}
    c.offer(where, "pull_request", kind, source, project, when, author, "author",
            text_of(r.get("html_url")) or f"https://{source}", "pull request", extra)


def _pr_ref(r: Mapping[str, Any], c: Collector, pull: Mapping[str, Any] | None = None) -> tuple[str | None, str | None]:
    """(project, number) of the pull request a review or review comment belongs to."""
    url = text_of(r.get("pull_request_url")) or text_of((pull or {}).get("url"))
    html = text_of(r.get("html_url")) or text_of((pull or {}).get("html_url"))
    project = c.project_of(html, url)
    number = number_of((pull or {}).get("number"))
    if number is None:
        for candidate in (url, html):
            tail = candidate.split("#", 1)[0].rstrip("/").split("/")
            if len(tail) >= 2 and tail[-2] in ("pull", "pulls") and tail[-1].isdigit():
                number = tail[-1]
                break
    return project, number


def _review(where: str, r: Mapping[str, Any], c: Collector, *, state: str, when_key: str,
            pull: Mapping[str, Any] | None = None, actor_record: Any = None) -> None:
    project, number = _pr_ref(r, c, pull)
    if project is None or number is None:
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    if state not in c.rules.review_states:
        c.result.skip("review-state", where, state or "no state")
        return
    reviewer = actor_of(PLATFORM, r.get("user") or actor_record)
    if pull is not None:
        author = actor_of(PLATFORM, pull.get("user"))
        if author is not None:
            c.pr_authors.setdefault((project, number), author)
    if reviewer is None:
        c.result.skip("unknown-record", where, "no reviewer")
        return
    source = f"{project}/pull/{number}/review-by/{uid_of(reviewer)}"
    c.offer(where, "review", c.rules.activity_kind("review"), source, project, iso_time(r.get(when_key)),
            reviewer, "reviewer", text_of(r.get("html_url")), "review", {"about": f"{project}/pull/{number}"})


def _issue(where: str, r: Mapping[str, Any], c: Collector) -> None:
    pull = r.get("pull_request")
    if isinstance(pull, Mapping):
        if pull.get("merged_at"):  # a pull request read through the issues API, merged: take it as one
            _pull_request(where, {**r, "merged_at": pull["merged_at"], "html_url": pull.get("html_url") or
                                  r.get("html_url"), "head": {}, "base": {}}, c)
        else:
            c.result.skip("pull-request-issue", where)
        return
    project = c.project_of(r.get("html_url"), r.get("repository_url"), r.get("url"))
    number = number_of(r.get("number"))
    if project is None or number is None:
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    author = actor_of(PLATFORM, r.get("user"))
    if author is not None:
        c.pr_authors.setdefault((project, number), author)
    if text_of(r.get("state_reason")) == "not_planned":
        c.result.skip("not-completed", where, "closed as not planned")
        return
    default = c.rules.activity_kind("issue")
    kind = None if default is None else c.rules.kind_of_change(default, labels_of(r), text_of(r.get("title")))
    source = f"{project}/issues/{number}"
    c.offer(where, "issue", kind, source, project, iso_time(r.get("created_at")), author, "opener",
            text_of(r.get("html_url")) or f"https://{source}", "issue")


def _issue_event(where: str, r: Mapping[str, Any], c: Collector, event: str, actor_record: Any,
                 issue: Mapping[str, Any], created: Any) -> None:
    if event not in TRIAGE_EVENTS:
        c.result.skip("kind-skipped", where, f"issue event {event or '?'} is not triage")
        return
    project = c.project_of(issue.get("html_url"), issue.get("repository_url"), r.get("url"), issue.get("url"))
    number = number_of(issue.get("number"))
    if project is None or number is None:
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    author = actor_of(PLATFORM, issue.get("user"))
    actor = actor_of(PLATFORM, actor_record)
    if author is not None:
        c.pr_authors.setdefault((project, number), author)
    if actor is not None and author is not None and same_actor(actor, author):
        c.result.skip("self-review", where, "triage of one's own issue")
        return
    source = f"{project}/issues/{number}/triage-by/{uid_of(actor) if actor else '?'}"
    c.offer(where, "triage", c.rules.activity_kind("triage"), source, project, iso_time(created), actor,
            "triager", text_of(issue.get("html_url")), "issue triage", {"about": f"{project}/issues/{number}"})


def _comment(where: str, r: Mapping[str, Any], c: Collector, issue: Mapping[str, Any] | None = None) -> None:
    url = text_of(r.get("issue_url")) or text_of((issue or {}).get("url"))
    project = c.project_of(r.get("html_url"), url)
    number = number_of((issue or {}).get("number")) or number_of(url.rstrip("/").rsplit("/", 1)[-1])
    if project is None or number is None:
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    actor = actor_of(PLATFORM, r.get("user"))
    if actor is None:
        c.result.skip("unknown-record", where, "no commenter")
        return
    source = f"{project}/issues/{number}/comment-by/{uid_of(actor)}"
    c.offer(where, "comment", c.rules.activity_kind("comment"), source, project, iso_time(r.get("created_at")),
            actor, "commenter", text_of(r.get("html_url")), "comment")


def _release(where: str, r: Mapping[str, Any], c: Collector, repo_url: Any = None) -> None:
    project = c.project_of(r.get("html_url"), r.get("url"), repo_url)
    tag = text_of(r.get("tag_name")).strip()
    if project is None or not tag or len(tag) > 200 or any(ch.isspace() for ch in tag):
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    if r.get("draft") is True or r.get("prerelease") is True:
        c.result.skip("not-completed", where, "draft" if r.get("draft") is True else "pre-release")
        return
    source = f"{project}/releases/tag/{tag}"
    c.offer(where, "release", c.rules.activity_kind("release"), source, project,
            iso_time(r.get("published_at")) or iso_time(r.get("created_at")), actor_of(PLATFORM, r.get("author")),
            "release manager", text_of(r.get("html_url")), "release")


def _archive_event(where: str, r: Mapping[str, Any], c: Collector) -> None:
    """A GH Archive (GitHub Events API) record: the activity is in its ``payload``."""
    kind, payload = r.get("type"), r.get("payload")
    repo = r.get("repo") if isinstance(r.get("repo"), Mapping) else {}
    repo_url = f"https://github.com/{text_of(repo.get('name'))}" if text_of(repo.get("name")) else None
    if not isinstance(payload, Mapping):
        c.result.skip("unknown-record", where, "no payload")
        return
    created = r.get("created_at")
    if kind == "PullRequestEvent":
        pull = payload.get("pull_request")
        if payload.get("action") != "closed" or not isinstance(pull, Mapping):
            c.result.skip("kind-skipped", where, f"pull request {payload.get('action')}: only merges count")
            return
        _pull_request(where, {**pull, "html_url": pull.get("html_url") or
                              (f"{repo_url}/pull/{payload.get('number')}" if repo_url else None)}, c)
    elif kind == "PullRequestReviewEvent":
        review, pull = payload.get("review"), payload.get("pull_request")
        if not isinstance(review, Mapping) or not isinstance(pull, Mapping):
            c.result.skip("unknown-record", where)
            return
        _review(where, review, c, state=text_of(review.get("state")).upper(), when_key="submitted_at",
                pull=pull, actor_record=r.get("actor"))
    elif kind == "PullRequestReviewCommentEvent":
        comment, pull = payload.get("comment"), payload.get("pull_request")
        if not isinstance(comment, Mapping) or not isinstance(pull, Mapping):
            c.result.skip("unknown-record", where)
            return
        _review(where, comment, c, state="COMMENTED", when_key="created_at", pull=pull, actor_record=r.get("actor"))
    elif kind == "IssuesEvent":
        issue = payload.get("issue")
        if not isinstance(issue, Mapping):
            c.result.skip("unknown-record", where)
            return
        action = text_of(payload.get("action"))
        if action == "opened":
            _issue(where, {**issue, "html_url": issue.get("html_url") or repo_url}, c)
        elif action in TRIAGE_ACTIONS:
            event = "closed" if action == "closed" else action
            _issue_event(where, {"url": repo_url}, c, event, r.get("actor"), issue, created)
        else:
            c.result.skip("kind-skipped", where, f"issue {action}")
    elif kind == "IssueCommentEvent":
        comment, issue = payload.get("comment"), payload.get("issue")
        if not isinstance(comment, Mapping) or payload.get("action") not in (None, "created"):
            c.result.skip("kind-skipped", where, "only new comments count")
            return
        _comment(where, comment, c, issue if isinstance(issue, Mapping) else None)
    elif kind == "ReleaseEvent":
        release = payload.get("release")
        if not isinstance(release, Mapping) or payload.get("action") not in ("published", "released", None):
            c.result.skip("kind-skipped", where, f"release {payload.get('action')}")
            return
        _release(where, {**release, "author": release.get("author") or r.get("actor")}, c, repo_url)
    else:
        c.result.skip("kind-skipped", where, f"{kind} is not imported")


def project_of_record(record: Mapping[str, Any]) -> str | None:
    """The project a GitHub record belongs to, if it says (used by handle-link proofs)."""
    repo = record.get("repo")
    if isinstance(repo, Mapping) and text_of(repo.get("name")):
        return project_from_url(f"https://github.com/{repo['name']}")
    return first_project(record.get("html_url"), record.get("url"), record.get("repository_url"))
