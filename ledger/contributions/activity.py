"""What an importer reads from where the work happens, before anyone is mapped to a subject.

An importer (git history, a platform's export) turns its input into :class:`Activity` records: one
piece of work by one person in one role (the author of a merged pull request, a reviewer, a
co-author named by a commit trailer ...), with the source its key derives from, the project, the
kind, the time and off-chain evidence. The person is an :class:`Actor` as the source knows them: a
platform login (with the platform's stable numeric id) or a git name and e-mail address. Mapping an
actor to a pseudonymous subject is the import plan's job (:mod:`ledger.operations.importing`),
through linked handles or an author map; an actor's e-mail address and name never leave the
workspace.

What an importer leaves out is a :class:`Skip` with a stable reason code, so the user sees why
(bot activity, an unmerged pull request, a merge commit ...), and :class:`ImportResult` holds both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Activity", "Actor", "ImportResult", "Skip", "handle_of"]

#: Platforms whose logins can be linked to subjects (``github:alice``).
PLATFORMS = ("github", "gitee")


def handle_of(platform: str, login: str) -> str:
    """The handle ``platform:login`` as links and author maps write it (logins are case-insensitive)."""
    return f"{platform}:{login.strip().lower()}"


@dataclass(frozen=True)
class Actor:
    """A person (or bot) as a source knows them.

    ``platform`` is ``github``, ``gitee`` or ``git``. A platform actor has a ``login`` and, where the
    export carries it, the platform's numeric ``user_id`` (stable across renames: keys of per-person
    activities use it). A git actor has a ``name`` and an ``email``; a GitHub or Gitee no-reply address
    also gives the login. ``email`` and ``name`` are for the local dry run and the author map only.
    """

    platform: str
    login: str | None = None
    user_id: str | None = None
    name: str | None = None
    email: str | None = None
    bot: bool = False

    @property
    def handle(self) -> str | None:
        """``github:alice`` for a platform login (also one read from a git no-reply address)."""
        if self.login is None:
            return None
        platform = self.platform if self.platform in PLATFORMS else _noreply_platform(self.email)
        return handle_of(platform, self.login) if platform else None

    @property
    def identity(self) -> str:
        """What identifies this actor within one import (the handle, else the e-mail, else the name)."""
        return self.handle or (self.email or "").strip().lower() or (self.name or "").strip()

    def label(self) -> str:
        """How the dry run names the actor to the operator (local output only)."""
        if self.handle:
            return self.handle
        if self.email and self.name:
            return f"{self.name} <{self.email}>"
        return self.email or self.name or "(unknown)"


def _noreply_platform(email: str | None) -> str | None:
    text = (email or "").lower()
    if text.endswith("@users.noreply.github.com"):
        return "github"
    if text.endswith("@user.noreply.gitee.com"):
        return "gitee"
    return None


@dataclass(frozen=True)
class Activity:
    """One piece of work by one actor in one role, ready to be mapped to a subject and recorded.

    ``source`` is normalised and the contribution key derives from it alone, so the same work gives
    the same key from whichever clone or export it is read. ``evidence`` stays off chain (its hash is
    recorded); it never holds an e-mail address or a person's name. A review, a test, a triage or a
    sign-off names in ``evidence["about"]`` the source of the work it was about (what a mentor award
    counts: the import records it on chain as the contribution's ``about`` where that work is known).
    """

    source: str
    project: str
    kind: str
    occurred_at: int
    actor: Actor
    role: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    what: str = ""


@dataclass(frozen=True)
class Skip:
    """Something an importer read and left out, and why (``reason`` is a stable code, see
    :data:`ledger.contributions.rules.SKIP_REASONS`)."""

    reason: str
    where: str
    detail: str = ""


@dataclass
class ImportResult:
    """Activities and skips of one importer run, with what it read (importer name and version)."""

    importer: str
    version: str
    inputs: list[str] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def add(self, activity: Activity) -> None:
        self.activities.append(activity)

    def skip(self, reason: str, where: str, detail: str = "") -> None:
        self.skipped.append(Skip(reason, where, detail))

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped).most_common())

    def merge(self, others: Iterable[ImportResult]) -> ImportResult:
        """This result with the activities and skips of ``others`` appended (several files of one platform)."""
        for other in others:
            self.inputs.extend(other.inputs)
            self.activities.extend(other.activities)
            self.skipped.extend(other.skipped)
        return self
