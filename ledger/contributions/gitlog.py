"""Contributions from a local clone's history: commits, their authors and their trailers.

The history is read with git itself (``git log``, one process streaming every commit with the files it
touches and its trailers as git parses them), so any clone git can read works, shallow or not, and
nothing beyond git is needed. Each commit gives:

* the author's contribution, keyed by ``commit/<sha>``: the key derives from the commit id alone, so
  the same commit has the same key whichever clone, fork or mirror it is read from;
* one per distinct ``Co-authored-by`` (the commit's kind), ``Reviewed-by`` (review), ``Tested-by``
  (test) and ``Signed-off-by`` of someone other than the author (a maintainer's hand-off), keyed by
  ``commit/<sha>/<trailer>/<n>``, ``n`` the person's place among the distinct people of that trailer
  in the message (the message is part of the commit, so this too is the same in every clone).

The kind comes from the touched paths (:meth:`~ledger.contributions.rules.ImportRules.kind_of_paths`).
The project is the clone's ``origin`` remote as ``host/owner/repo`` (credentials in the URL are
dropped), or ``--project``. Names and e-mail addresses are kept on the :class:`Actor` for mapping to
subjects and for the dry run; the evidence holds the commit id, the role and a web URL, never a name
or an address.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ledger.contributions.activity import Activity, Actor, ImportResult
from ledger.contributions.rules import ImportRules
from ledger.contributions.sources import normalise_source
from ledger.errors import ValidationError

__all__ = ["IMPORTER", "VERSION", "import_git", "project_from_remote", "read_commits", "remote_project", "run_git"]

IMPORTER, VERSION = "git", "1"

_FIELDS = ("%H", "%P", "%an", "%ae", "%at", "%(trailers:unfold,only,separator=%x1d)", "%s")
_FORMAT = "%x1e" + "%x1f".join(_FIELDS) + "%x1f"
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_PERSON = re.compile(r"^\s*(?P<name>[^<]*?)\s*(?:<(?P<email>[^<>\s]+)>)?\s*$")
#: Trailers that name people: the activity their kind comes from, and the role they give.
TRAILERS = {
    "co-authored-by": ("co_authored_by", "co-author"),
    "reviewed-by": ("reviewed_by", "reviewer"),
    "tested-by": ("tested_by", "tester"),
    "signed-off-by": ("signed_off_by", "sign-off"),
}
#: GitHub and Gitee no-reply addresses carry the login: ``123+alice@users.noreply.github.com``.
_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)@(?:users\.noreply\.github\.com|"
                      r"user\.noreply\.gitee\.com)$", re.IGNORECASE)


class Commit:
    """One commit as ``git log`` gives it (internal: parsed once, turned into activities)."""

    __slots__ = ("author", "files", "parents", "sha", "subject", "time", "trailers")

    def __init__(self, sha: str, parents: list[str], author: Actor, time: int, trailers: list[tuple[str, str]],
                 subject: str, files: list[str]) -> None:
        self.sha, self.parents, self.author, self.time = sha, parents, author, time
        self.trailers, self.subject, self.files = trailers, subject, files


def git_actor(name: str, email: str) -> Actor:
    """A git identity; a no-reply address of GitHub or Gitee also gives the login (and so a handle)."""
    match = _NOREPLY.match(email.strip())
    return Actor("git", login=match.group("login").lower() if match else None, name=name.strip() or None,
                 email=email.strip() or None)


def _person(value: str) -> Actor | None:
    match = _PERSON.match(value)
    if match is None or not (match.group("name") or match.group("email")):
        return None
    return git_actor(match.group("name") or "", match.group("email") or "")


def run_git(path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``git -C path args...`` started with its output piped (the caller reads and waits)."""
    exe = shutil.which("git")
    if exe is None:
        raise ValidationError("git is not installed", hint="install git (it reads the clone's history)")
    return subprocess.Popen([exe, "-C", str(path), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _check_clone(path: Path) -> None:
    if not path.is_dir():
        raise ValidationError(f"{path} is not a directory", hint="give the path of a local clone")
    done = run_git(path, "rev-parse", "--git-dir")
    _, err = done.communicate()
    if done.returncode != 0:
        raise ValidationError(f"{path} is not a git repository ({err.decode(errors='replace').strip()})",
                              hint="give the path of a local clone (git clone URL PATH)")


def project_from_remote(url: str) -> str | None:
    """``host/owner/repo`` from a remote URL (https, ssh or scp-like), without credentials or ``.git``."""
    text = url.strip()
    scp = re.match(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?!//)(?P<path>.+)$", text)
    if "://" in text:
        rest = text.split("://", 1)[1]
        rest = rest.rsplit("@", 1)[-1] if "@" in rest.split("/", 1)[0] else rest  # user:token@host
        host, _, path = rest.partition("/")
        host = host.split(":", 1)[0]
    elif scp:
        host, path = scp.group("host"), scp.group("path")
    else:
        return None
    path = path.strip("/")
    path = path.removesuffix(".git")
    parts = [p for p in path.split("/") if p]
    if not host or "." not in host or len(parts) < 2:
        return None
    return normalise_source(f"{host}/{'/'.join(parts)}")


def remote_project(path: Path) -> str | None:
    """The project of the clone's ``origin`` remote, or ``None`` (no remote, or not a host/owner/repo)."""
    proc = run_git(path, "config", "--get", "remote.origin.url")
    out, _ = proc.communicate()
    return project_from_remote(out.decode(errors="replace")) if proc.returncode == 0 else None


def read_commits(path: Path, *, rev: str = "HEAD", since: int | None = None) -> Iterator[Commit]:
    """Every commit reachable from ``rev`` (newest first), streamed from one ``git log``.

    Raises:
        ValidationError: not a clone, an unknown revision, or git failed (its message is quoted).
    """
    _check_clone(path)
    if rev.startswith("-"):
        raise ValidationError(f"revision {rev!r} must not start with '-'")
    args = ["-c", "core.quotepath=off", "log", "-z", "--name-only", "--no-color", f"--format={_FORMAT}"]
    if since is not None:
        args.append(f"--since={since}")
    proc = run_git(path, *args, rev, "--")
    assert proc.stdout is not None
    buffer = b""
    try:
        for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
            buffer += chunk
            *records, buffer = buffer.split(b"\x1e")
            for record in records:
                if record.strip(b"\0\n"):
                    yield _commit(record)
        if buffer.strip(b"\0\n"):
            yield _commit(buffer)
    finally:
        proc.stdout.close()
        err = proc.stderr.read() if proc.stderr else b""
        code = proc.wait()
    if code != 0:
        raise ValidationError(f"git log failed in {path}: {err.decode(errors='replace').strip()}",
                              hint="check the revision (--rev) and that the clone is readable")


def _commit(record: bytes) -> Commit:
    text = record.decode("utf-8", errors="replace")
    parts = text.split("\x1f")
    if len(parts) < len(_FIELDS) + 1:
        raise ValidationError("git log gave a commit this importer cannot read (a name with control characters?)")
    sha, parents, name, email, when, trailers, subject = parts[: len(_FIELDS)]
    rest = "\x1f".join(parts[len(_FIELDS):])
    files = [f for f in rest.lstrip("\0\n").split("\0") if f.strip("\n")]
    pairs = []
    for line in trailers.split("\x1d"):
        key, sep, value = line.partition(":")
        if sep and key.strip():
            pairs.append((key.strip().lower(), value.strip()))
    return Commit(sha, parents.split(), git_actor(name, email), int(when or 0), pairs, subject, files)


def _web_url(project: str, sha: str) -> str | None:
    host = project.split("/", 1)[0]
    if host in ("github.com", "gitee.com", "gitlab.com", "gitcode.com"):
        return f"https://{project}/{'-/' if host == 'gitlab.com' else ''}commit/{sha}"
    return None


def _same_person(a: Actor, b: Actor) -> bool:
    if a.email and b.email:
        return a.email.lower() == b.email.lower()
    return bool(a.name and b.name and a.name.casefold() == b.name.casefold())


def import_git(path: Path, rules: ImportRules, *, project: str | None = None, rev: str = "HEAD",
               since: int | None = None) -> ImportResult:
    """Activities of every commit reachable from ``rev`` in the clone at ``path``.

    Raises:
        ValidationError: not a clone, git failed, or the project cannot be told (no ``origin``
            remote of the form host/owner/repo and no ``project`` given).
    """
    path = Path(path)
    _check_clone(path)
    name = normalise_source(project) if project else remote_project(path)
    if not name:
        raise ValidationError(f"cannot tell the project of the clone {path}: its origin remote is not host/owner/repo",
                              hint="give --project host/owner/repo (e.g. github.com/FISCO-BCOS/console)")
    result = ImportResult(IMPORTER, VERSION, inputs=[f"git:{name}@{rev}"])
    seen: set[str] = set()
    for commit in read_commits(path, rev=rev, since=since):
        where = f"commit {commit.sha[:12]}"
        if not _SHA.match(commit.sha) or commit.sha in seen:
            result.skip("repeated" if commit.sha in seen else "unknown-record", where)
            continue
        seen.add(commit.sha)
        if len(commit.parents) > 1 and rules.skip_merge_commits:
            result.skip("merge-commit", where)
            continue
        if since is not None and commit.time < since:
            result.skip("before-since", where, "authored before --since (committed after it)")
            continue
        kind = rules.kind_of_paths(commit.files)
        source = f"commit/{commit.sha}"
        url = _web_url(name, commit.sha)
        commit_kind = rules.activity_kind("commit", kind)
        if commit_kind is None:
            result.skip("kind-skipped", where, "activities.commit")
        else:
            _add(result, rules, Activity(source, name, commit_kind, commit.time, commit.author, "author",
                                         _evidence(source, commit.sha, "author", url), "commit"), where)
        for trailer, (activity, role) in TRAILERS.items():
            people: list[Actor] = []
            for key, value in commit.trailers:
                person = _person(value) if key == trailer else None
                if person is None or any(_same_person(person, p) for p in people):
                    continue
                people.append(person)
            for n, person in enumerate(people, 1):
                there = f"{where} {trailer} {n}"
                if _same_person(person, commit.author):
                    if trailer != "signed-off-by":  # an author's own sign-off is the usual DCO line
                        result.skip("self-review", there)
                    continue
                trailer_kind = rules.activity_kind(activity, commit_kind or kind)
                if trailer_kind is None:
                    result.skip("kind-skipped", there, f"activities.{activity}")
                    continue
                item_source = f"{source}/{trailer}/{n}"
                evidence = _evidence(item_source, commit.sha, role, url)
                if role != "co-author":  # a review, a test, a sign-off is about the author's work
                    evidence["about"] = source
                _add(result, rules, Activity(item_source, name, trailer_kind, commit.time, person, role, evidence,
                                             "commit trailer"), there)
    return result


def _evidence(source: str, sha: str, role: str, url: str | None) -> dict[str, str]:
    evidence = {"source": source, "commit": sha, "role": role, "importer": f"{IMPORTER}/{VERSION}"}
    if url:
        evidence["url"] = url
    return evidence


def _add(result: ImportResult, rules: ImportRules, activity: Activity, where: str) -> None:
    reason = rules.skip_reason(activity.actor)
    if reason:
        result.skip(reason, where, activity.actor.label())
    else:
        result.add(activity)
