"""Contributions from Gitee: exports of its REST API v5 (gitee.com/api/v5/swagger).

Records are recognised by their documented shapes, whatever file they come in:

=====================  ===========================================================  ====================
record                 recognised by                                                activities
=====================  ===========================================================  ====================
pull request           ``head`` and ``base`` (``GET /repos/{o}/{r}/pulls``)          author of a merged PR;
                                                                                    each assignee who
                                                                                    accepted (a review),
                                                                                    each tester who
                                                                                    accepted (a test)
issue                  ``number``, ``title``, ``user``, no ``head``                  opener
comment                ``body``, ``user`` and a link to its issue or pull request    commenter
release                ``tag_name``                                                 release manager
=====================  ===========================================================  ====================

Gitee has no review objects: a reviewer is an assignee (``assignees[].accept``, "审查人员") and a tester
is a tester (``testers[].accept``, "测试人员") who approved the pull request; their work counts at the
merge. A pull request is merged when its ``state`` is ``merged`` (or it has ``merged_at``). Issue numbers
are Gitee's identifiers (``I4ABCD``). Keys: ``gitee.com/o/r/pulls/N``, ``.../pulls/N/review-by/<id>``,
``.../pulls/N/test-by/<id>``, ``gitee.com/o/r/issues/<ident>``, ``.../issues/<ident>/comment-by/<id>``
(``.../pulls/N/comment-by/<id>`` on a pull request), ``.../releases/tag/<tag>``. A record that does not
say its repository (a release, a comment) takes ``--project``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ledger.contributions.activity import ImportResult
from ledger.contributions.exports import (
    Collector,
    actor_of,
    import_files,
    iso_time,
    labels_of,
    number_of,
    text_of,
    uid_of,
)
from ledger.contributions.rules import ImportRules

__all__ = ["IMPORTER", "VERSION", "import_gitee"]

IMPORTER, VERSION = "gitee", "1"
PLATFORM = "gitee"
_IDENT = re.compile(r"^[A-Za-z0-9]{1,20}$")
_THREAD = re.compile(r"/(?P<what>pulls|issues)/(?P<ref>[A-Za-z0-9]+)")


def import_gitee(paths: Iterable[Path], rules: ImportRules, *, project: str | None = None,
                 since: int | None = None) -> ImportResult:
    """Activities of Gitee export files (or directories of them).

    Raises:
        ValidationError: a file cannot be read or is not JSON (a record of an unknown shape is skipped).
    """
    return import_files(paths, rules, _dispatch, importer=IMPORTER, version=VERSION, project=project, since=since)


def _dispatch(where: str, record: Mapping[str, Any], collector: Collector) -> None:
    if "head" in record and "base" in record:
        _pull_request(where, record, collector)
    elif "tag_name" in record:
        _release(where, record, collector)
    elif "number" in record and "title" in record and "user" in record:
        _issue(where, record, collector)
    elif "body" in record and "user" in record:
        _comment(where, record, collector)
    else:
        collector.result.skip("unknown-record", where, "not a pull request, issue, comment or release")


def _repo_url(record: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        repo = record.get(key)
        if isinstance(repo, Mapping):
            if text_of(repo.get("html_url")):
                return repo["html_url"]
            if text_of(repo.get("full_name")):
                return f"https://gitee.com/{repo['full_name']}"
    return None


def _pull_request(where: str, r: Mapping[str, Any], c: Collector) -> None:
    base = r.get("base") if isinstance(r.get("base"), Mapping) else {}
    project = c.project_of(r.get("html_url"), r.get("url"), _repo_url(base, "repo"))
    number = number_of(r.get("number"))
    if project is None or number is None:
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    author = actor_of(PLATFORM, r.get("user"))
    if author is not None:
        c.pr_authors[(project, number)] = author
    state = text_of(r.get("state")).lower()
    merged = state == "merged" or bool(r.get("merged_at"))
    if not merged:
        if not state and "merged_at" not in r:
            c.result.skip("merge-state-unknown", where)
            return
        if r.get("draft") is True and c.rules.skip_drafts:
            c.result.skip("draft", where)
            return
        if c.rules.skip_unmerged:
            c.result.skip("unmerged", where, state)
            return
    when = iso_time(r.get("merged_at")) or iso_time(r.get("closed_at")) or iso_time(r.get("updated_at")) \
        or iso_time(r.get("created_at"))
    source = f"{project}/pulls/{number}"
    html = text_of(r.get("html_url")) or f"https://{source}"
    default = c.rules.activity_kind("pull_request")
    kind = None if default is None else c.rules.kind_of_change(default, labels_of(r), text_of(r.get("title")))
    c.offer(where, "pull_request", kind, source, project, when, author, "author", html, "pull request")
    if not merged:
        return  # approvals of an unmerged pull request are not counted
    for field, activity, segment, role in (("assignees", "review", "review-by", "reviewer"),
                                           ("testers", "tested_by", "test-by", "tester")):
        people = r.get(field)
        for i, person in enumerate(people if isinstance(people, list) else []):
            there = f"{where} {field}[{i}]"
            if not isinstance(person, Mapping) or person.get("accept") is not True:
                continue  # assigned, but did not approve
            actor = actor_of(PLATFORM, person)
            if actor is None:
                c.result.skip("unknown-record", there, "no login")
                continue
            if author is not None and actor.login == author.login:
                c.result.skip("self-review", there)
                continue
            c.offer(there, activity, c.rules.activity_kind(activity), f"{source}/{segment}/{uid_of(actor)}",
                    project, when, actor, role, html, "pull request approval", {"about": source})


def _issue(where: str, r: Mapping[str, Any], c: Collector) -> None:
    project = c.project_of(r.get("html_url"), _repo_url(r, "repository"), r.get("url"), r.get("repository_url"))
    ident = text_of(r.get("number")).strip() or number_of(r.get("number"))
    if project is None or not ident or not _IDENT.match(ident):
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    author = actor_of(PLATFORM, r.get("user"))
    if author is not None:
        c.pr_authors.setdefault((project, ident), author)
    if text_of(r.get("state")).lower() == "rejected":
        c.result.skip("not-completed", where, "rejected")
        return
    default = c.rules.activity_kind("issue")
    kind = None if default is None else c.rules.kind_of_change(default, labels_of(r), text_of(r.get("title")))
    source = f"{project}/issues/{ident}"
    c.offer(where, "issue", kind, source, project, iso_time(r.get("created_at")), author, "opener",
            text_of(r.get("html_url")) or f"https://{source}", "issue")


def _comment(where: str, r: Mapping[str, Any], c: Collector) -> None:
    target = r.get("target") if isinstance(r.get("target"), Mapping) else {}
    thread: tuple[str, str] | None = None
    for url in (text_of(r.get("html_url")), text_of(r.get("pull_request_url")), text_of(r.get("issue_url"))):
        match = _THREAD.search(url)
        if match:
            thread = (match.group("what"), match.group("ref"))
            break
    if thread is None:
        for what, key in (("issues", "issue"), ("pulls", "pull_request")):
            ref = target.get(key)
            number = text_of(ref.get("number")) or number_of(ref.get("number")) if isinstance(ref, Mapping) else None
            if number:
                thread = (what, str(number))
                break
    project = c.project_of(r.get("html_url"), r.get("pull_request_url"), r.get("issue_url"),
                           _repo_url(r, "repository"))
    if project is None or thread is None or not _IDENT.match(thread[1]):
        c.result.skip("no-project" if project is None else "unknown-record", where, "no issue or pull request")
        return
    actor = actor_of(PLATFORM, r.get("user"))
    if actor is None:
        c.result.skip("unknown-record", where, "no commenter")
        return
    source = f"{project}/{thread[0]}/{thread[1]}/comment-by/{uid_of(actor)}"
    c.offer(where, "comment", c.rules.activity_kind("comment"), source, project, iso_time(r.get("created_at")),
            actor, "commenter", text_of(r.get("html_url")), "comment")


def _release(where: str, r: Mapping[str, Any], c: Collector) -> None:
    project = c.project_of(r.get("html_url"), r.get("url"))
    tag = text_of(r.get("tag_name")).strip()
    if project is None or not tag or len(tag) > 200 or any(ch.isspace() for ch in tag):
        c.result.skip("no-project" if project is None else "unknown-record", where)
        return
    if r.get("prerelease") is True:
        c.result.skip("not-completed", where, "pre-release")
        return
    source = f"{project}/releases/tag/{tag}"
    c.offer(where, "release", c.rules.activity_kind("release"), source, project, iso_time(r.get("created_at")),
            actor_of(PLATFORM, r.get("author")), "release manager", text_of(r.get("html_url")), "release")
