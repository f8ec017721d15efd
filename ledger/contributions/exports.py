"""Reading platform exports as they come, and the pieces of a record every platform importer needs.

An export is what a paginated REST API dump produces: a JSON array per page (one file, or several),
the pages concatenated into one file (``[...][...]``, as ``gh api --paginate`` writes them), JSON Lines
(one record per line, as GH Archive's hourly files and ``jq -c`` give them), or an object holding the
records in ``items`` (a search API page). A name ending in ``.gz`` is read through gzip. Records are
yielded one at a time with where they were found (``file:line`` or ``file[index]``), so a 10,000-record
export or a day of GH Archive never needs its whole parsed form in memory at once.

A bad record is not fatal: it becomes a :class:`~ledger.contributions.activity.Skip` of the importer;
a file that is not JSON at all is a :class:`~ledger.errors.ValidationError` naming the file and line.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ledger.canonical import NotJSONError, check_depth
from ledger.contributions.activity import Activity, Actor, ImportResult
from ledger.contributions.rules import ImportRules
from ledger.contributions.sources import normalise_source
from ledger.errors import ValidationError

__all__ = ["Collector", "actor_of", "iso_time", "number_of", "project_from_url", "read_records", "same_actor",
           "text_of", "uid_of"]

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")
#: Repository URLs of the web and the REST API: ``https://github.com/o/r/...``,
#: ``https://api.github.com/repos/o/r/...``, ``https://gitee.com/api/v5/repos/o/r/...``.
_WEB = re.compile(r"^https?://(?:www\.)?(?P<host>[a-z0-9.-]+\.[a-z]{2,})/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)",
                  re.IGNORECASE)
_API = re.compile(r"^https?://(?P<host>[a-z0-9.-]+)/(?:api/v\d+/)?repos/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)",
                  re.IGNORECASE)
_API_HOSTS = {"api.github.com": "github.com", "gitee.com": "gitee.com", "api.gitee.com": "gitee.com"}


def _open_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationError(f"{path} is not UTF-8 text (invalid byte at line {line})") from exc


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def read_records(path: Path) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` for every record of an export file (see the module's notes for the forms).

    The file is read as a sequence of JSON values (arrays, search pages or single records), which
    covers one array, concatenated pages and JSON Lines alike.

    Raises:
        ValidationError: the file cannot be read, is not UTF-8, or is not JSON in any of the forms.
    """
    path = Path(path)
    text = _open_text(path)
    name = path.name
    try:
        check_depth(text)  # before parsing: too deep a nesting overflows the C parser's stack
    except NotJSONError as exc:
        raise ValidationError(f"{name}: {exc}") from exc
    position = _SPACE.match(text).end()  # type: ignore[union-attr]
    page, line, counted = 0, 1, 0
    while position < len(text):
        line += text.count("\n", counted, position)  # counted as it goes: one pass over the text
        counted = position
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{name} is not JSON (nor JSON Lines): {exc.msg} at line "
                                  f"{_line_of(text, exc.pos)}",
                                  hint="an export is a JSON array, pages of arrays, or one JSON record per line"
                                  ) from exc
        except (ValueError, RecursionError) as exc:
            raise ValidationError(f"{name}: not accepted ({exc})") from exc
        if isinstance(value, Mapping) and isinstance(value.get("items"), list):
            value = value["items"]  # a search API page
        if isinstance(value, list):
            page += 1
            prefix = f"{name} page {page}" if page > 1 else name
            for i, record in enumerate(value):
                yield f"{prefix}[{i}]", record
        else:
            yield f"{name}:{line}", value
        position = _SPACE.match(text, end).end()  # type: ignore[union-attr]


def iso_time(value: Any) -> int | None:
    """Unix seconds from a platform's ISO 8601 time (``2026-03-01T10:00:00Z``, ``...+08:00``), or ``None``."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = int(moment.timestamp())
    return seconds if 0 < seconds < 2**32 else None


def text_of(value: Any) -> str:
    """``value`` if it is text, else empty (fields of untrusted records may be anything)."""
    return value if isinstance(value, str) else ""


def actor_of(platform: str, user: Any) -> Actor | None:
    """The actor of a platform user object (``{"login", "id", "type"}``), or ``None`` if it has no login."""
    if not isinstance(user, Mapping):
        return None
    login = text_of(user.get("login")).strip()
    if not login or len(login) > 100:
        return None
    raw_id = user.get("id")
    user_id = str(raw_id) if isinstance(raw_id, (int, str)) and not isinstance(raw_id, bool) and str(raw_id) else None
    bot = text_of(user.get("type")).lower() == "bot"
    return Actor(platform, login=login.lower(), user_id=user_id, bot=bot)


def project_from_url(url: Any) -> str | None:
    """``host/owner/repo`` from a record's web or API URL, or ``None``."""
    text = text_of(url)
    api = _API.match(text)
    if api and (api.group("host").lower() in _API_HOSTS):
        host = _API_HOSTS[api.group("host").lower()]
        return normalise_source(f"{host}/{api.group('owner')}/{api.group('repo')}")
    web = _WEB.match(text)
    if web and not web.group("host").lower().startswith("api."):
        return normalise_source(f"{web.group('host')}/{web.group('owner')}/{web.group('repo')}")
    return None


def first_project(*candidates: Any) -> str | None:
    """The first of several URLs (or ``host/owner/repo`` texts) that names a project."""
    for candidate in candidates:
        found = project_from_url(candidate)
        if found:
            return found
    return None


def labels_of(record: Mapping[str, Any]) -> list[str]:
    """Label names of a pull request or issue (objects with ``name``, or plain strings)."""
    out = []
    labels = record.get("labels")
    for label in labels if isinstance(labels, list) else []:
        name = label.get("name") if isinstance(label, Mapping) else label
        if isinstance(name, str) and name.strip():
            out.append(name)
    return out


def files_of(paths: Iterable[Path]) -> list[Path]:
    """The export files of ``paths``, checked to exist (a directory gives its ``*.json*`` files, sorted)."""
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and ".json" in p.name)
            if not found:
                raise ValidationError(f"{path} holds no .json, .jsonl or .json.gz files")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise ValidationError(f"{path} does not exist")
    return out


def uid_of(actor: Actor) -> str:
    """How a per-person key names the person: the numeric id where the export has it, else the login."""
    return actor.user_id or f"login-{actor.login}"


def number_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    return None


class Collector:
    """Activities of one platform import, one per source (the earliest wins), and each thread's author
    (to tell self-reviews)."""

    def __init__(self, importer: str, version: str, rules: ImportRules, since: int | None,
                 project: str | None) -> None:
        self.rules, self.since = rules, since
        self.project = normalise_source(project) if project else None
        self.result = ImportResult(importer, version)
        self.by_source: dict[str, Activity] = {}
        self.where: dict[str, str] = {}
        self.pr_authors: dict[tuple[str, str], Actor] = {}

    def project_of(self, *urls: Any) -> str | None:
        return first_project(*urls) or self.project

    def offer(self, where: str, activity_name: str, kind: str | None, source: str, project: str,
              when: int | None, actor: Actor | None, role: str, url: str, what: str,
              extra: Mapping[str, Any] | None = None) -> None:
        """Keep an activity, unless the rules or the record say to skip it (the reason is recorded)."""
        if actor is None or when is None:
            self.result.skip("unknown-record", where, "no user or no time")
            return
        if kind is None:
            self.result.skip("kind-skipped", where, f"activities.{activity_name}")
            return
        reason = self.rules.skip_reason(actor)
        if reason:
            self.result.skip(reason, where, actor.label())
            return
        if self.since is not None and when < self.since:
            self.result.skip("before-since", where)
            return
        evidence: dict[str, Any] = {"source": source, "role": role, "importer": f"{self.result.importer}/"
                                    f"{self.result.version}"}
        if url.startswith("https://"):
            evidence["url"] = url
        evidence.update(extra or {})
        activity = Activity(source, project, kind, when, actor, role, evidence, what)
        held = self.by_source.get(source)
        if held is not None:
            self.result.skip("repeated", where, f"same as {self.where[source]}")
            if held.occurred_at <= when:
                return
        self.by_source[source] = activity
        self.where[source] = where

    def finish(self) -> ImportResult:
        """Drop reviews and triage of one's own pull request or issue, then hand over the result."""
        for source, activity in list(self.by_source.items()):
            thread = self.thread_of(source)
            author = self.pr_authors.get(thread) if thread else None
            if author is not None and activity.role in ("reviewer", "triager") and same_actor(author, activity.actor):
                self.result.skip("self-review", self.where[source])
                del self.by_source[source]
        self.result.activities.extend(self.by_source.values())
        return self.result

    @staticmethod
    def thread_of(source: str) -> tuple[str, str] | None:
        parts = source.split("/")
        if len(parts) >= 5 and parts[3] in ("pull", "pulls", "issues") and len(parts) > 5:
            return "/".join(parts[:3]), parts[4]
        return None


def same_actor(a: Actor, b: Actor) -> bool:
    if a.user_id and b.user_id:
        return a.user_id == b.user_id
    return bool(a.login and a.login == b.login)


def import_files(paths: Iterable[Path], rules: ImportRules, dispatch: Callable[[str, Mapping[str, Any], Collector], None],
                 *, importer: str, version: str, project: str | None, since: int | None) -> ImportResult:
    """Every record of export files (or directories of them) fed to ``dispatch(where, record,
    collector)``, which maps it to activities or skips it; a record that is not a JSON object is skipped.

    Raises:
        ValidationError: a file cannot be read or is not JSON.
    """
    files = files_of(paths)
    collector = Collector(importer, version, rules, since, project)
    collector.result.inputs.extend(str(f) for f in files)
    for path in files:
        for where, record in read_records(path):
            if isinstance(record, Mapping):
                dispatch(where, record, collector)
            else:
                collector.result.skip("unknown-record", where, "not a JSON object")
    return collector.finish()
