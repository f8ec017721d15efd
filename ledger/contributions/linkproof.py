"""Finding a handle-link challenge where only the handle's owner can have put it.

* **In an export** (:func:`find_in_exports`): a record of the handle's platform (its web or API URL is
  on that platform's host) *made by the handle* (``user``, ``owner``, ``author`` or, for a GH Archive
  event, ``actor``) whose text holds the challenge: an issue, a pull request or its description, a
  comment, a review, a release note, a gist (its description or a file's content), or a commit message
  of a push event. The platform vouches for who made the record; the verifier fetched the export.
* **In a clone** (:func:`find_in_clone`): the clone's ``origin`` is a repository the handle's account
  owns on the handle's platform (``github.com/alice/...``: only alice, or those she lets, can push
  there), and a commit reachable from ``HEAD`` has the challenge in its message. The verifier cloned it.

The proof found is a small record (kind, where, the record's URL or the commit) kept with the link.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ledger.contributions.exports import actor_of, files_of, read_records, text_of
from ledger.contributions.gitlog import remote_project, run_git
from ledger.errors import ValidationError

__all__ = ["find_in_clone", "find_in_exports"]

#: Hosts whose records a platform's export holds (web and API).
HOSTS = {"github": ("github.com", "api.github.com", "gist.github.com"), "gitee": ("gitee.com",)}
#: Hosts of repositories a clone may come from.
CLONE_HOSTS = {"github": "github.com", "gitee": "gitee.com"}


def _on_platform(record: Mapping[str, Any], platform: str) -> bool:
    urls = [text_of(record.get(k)) for k in ("html_url", "url", "issue_url", "pull_request_url", "repository_url")]
    repo = record.get("repo")
    if isinstance(repo, Mapping):
        urls.append(text_of(repo.get("url")))
    for url in urls:
        host = url.split("://", 1)[-1].split("/", 1)[0].lower() if "://" in url else ""
        if host in HOSTS[platform]:
            return True
    return False


def _texts(record: Mapping[str, Any]) -> Iterator[str]:
    """The free text of a record, and of the records a GH Archive event carries."""
    for key in ("body", "title", "description", "message", "name"):
        yield text_of(record.get(key))
    files = record.get("files")
    if isinstance(files, Mapping):  # a gist
        for item in files.values():
            if isinstance(item, Mapping):
                yield text_of(item.get("content"))
    payload = record.get("payload")
    if isinstance(payload, Mapping):
        for key in ("comment", "issue", "pull_request", "review", "release"):
            inner = payload.get(key)
            if isinstance(inner, Mapping):
                yield text_of(inner.get("body"))
                yield text_of(inner.get("title"))
        commits = payload.get("commits")
        for commit in commits if isinstance(commits, list) else []:
            if isinstance(commit, Mapping):
                yield text_of(commit.get("message"))


def _maker(record: Mapping[str, Any], platform: str) -> str | None:
    for key in ("actor", "user", "owner", "author"):  # an event's actor is who acted
        actor = actor_of(platform, record.get(key))
        if actor is not None:
            return actor.login
    return None


def find_in_exports(paths: Iterable[Path], handle: str, challenge: str) -> dict[str, Any] | None:
    """Where the handle posted ``challenge`` in the export files, or ``None``.

    Raises:
        ValidationError: a file cannot be read or is not JSON.
    """
    platform, _, login = handle.partition(":")
    for path in files_of(paths):
        for where, record in read_records(path):
            if not isinstance(record, Mapping) or _maker(record, platform) != login:
                continue
            if not _on_platform(record, platform):
                continue
            if any(challenge in text for text in _texts(record)):
                url = text_of(record.get("html_url")) or text_of(record.get("url"))
                return {"kind": "export", "where": where, "url": url, "platform": platform}
    return None


def find_in_clone(path: Path, handle: str, challenge: str) -> dict[str, Any] | None:
    """The commit of the handle's own repository (the clone's origin) whose message holds ``challenge``.

    Raises:
        ValidationError: not a clone, or its origin is not a repository of the handle's account on the
            handle's platform (the clone cannot prove anything then).
    """
    platform, _, login = handle.partition(":")
    project = remote_project(Path(path))
    host = CLONE_HOSTS[platform]
    if project is None or project.split("/")[0] != host or project.split("/")[1] != login:
        raise ValidationError(
            f"the clone's origin ({project or 'none'}) is not a repository of {handle} on {host}",
            hint=f"clone a repository of {host}/{login} that holds the challenge in a commit message, and give "
                 "that clone",
        )
    proc = run_git(Path(path), "log", "--format=%H", "-F", f"--grep={challenge}", "HEAD", "--")
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise ValidationError(f"git log failed in {path}: {err.decode(errors='replace').strip()}")
    shas = out.decode().split()
    if not shas:
        return None
    return {"kind": "clone", "where": f"{project} commit {shas[-1]}", "url": f"https://{project}/commit/{shas[-1]}",
            "platform": platform}
