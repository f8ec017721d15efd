"""Computing a contribution report from the index, as of a block, from stated inputs.

:func:`build_report` reads the index's contributions of a subject, or those recorded by an
organisation's issuers (a top-level issuer and every child issuer below it, as registered at the
report's block), keeps those made in the date window, and counts them by kind, field, project, period,
subject and co-signer. Every count derives from the chain's events up to the stated block; the only
inputs from the workspace are the names of projects (each checked: it must hash to its project id) and
the import provenance (which importer, version and rules recorded which keys), both stated in the
report as what they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ledger.contributions.model import FIELD_NAMES, KINDS
from ledger.contributions.sources import project_id
from ledger.errors import ValidationError
from ledger.index.projection import CONTRIBUTION_KINDS
from ledger.index.queries import IndexReader
from ledger.index.records import Contribution, address_text
from ledger.reports.document import REPORT_TYPE, ContributionReport

__all__ = ["PERIODS", "ReportInputs", "build_report", "provenance_of"]

#: How contributions are grouped in time.
PERIODS = ("month", "quarter", "year")
REPORT_VERSION = 1


@dataclass(frozen=True)
class ReportInputs:
    """What a report is computed from (stated in the report, so that anyone can compute it again).

    ``kind`` is ``subject`` or ``organisation``; ``target`` the subject id or the top-level issuer's
    address; ``block`` the block the chain's state is read at; ``since``/``until`` a window on the
    contributions' dates (unix seconds, inclusive); ``project_names`` project id -> name; ``importers``
    and ``rules`` the import provenance (see :func:`provenance_of`).
    """

    kind: str
    target: str
    block: int
    chain_id: int
    contract: str
    period: str = "month"
    since: int | None = None
    until: int | None = None
    project_names: Mapping[str, str] = field(default_factory=dict)
    importers: tuple[Mapping[str, Any], ...] = ()
    rules: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self, organisation: Iterable[str] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {
            "chain_id": self.chain_id,
            "contribution_ledger": self.contract.lower(),
            "blocks": {"from": 0, "to": self.block},
            "period": self.period,
            "occurred": {"since": self.since, "until": self.until},
            "project_names": dict(sorted(self.project_names.items())),
            "importers": [dict(i) for i in self.importers],
            "rules": dict(sorted(self.rules.items())),
        }
        if self.kind == "organisation":
            out["organisation"] = sorted(organisation)
        return out


def _kind_name(index_kind: str) -> str:
    return KINDS[CONTRIBUTION_KINDS.index(index_kind)] if index_kind in CONTRIBUTION_KINDS else index_kind


def period_of(ts: int, period: str) -> str:
    """``2026-03`` (month), ``2026-Q1`` (quarter) or ``2026`` (year) of a unix time, in UTC."""
    moment = datetime.fromtimestamp(ts, timezone.utc)
    if period == "year":
        return f"{moment.year}"
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return f"{moment.year}-{moment.month:02d}"


def organisation_of(reader: IndexReader, root: str, block: int) -> list[str]:
    """The issuers of an organisation at ``block``: the top-level issuer and all its descendants.

    Raises:
        ValidationError: ``root`` is not a registered issuer at ``block``, or is a child issuer.
    """
    top = reader.issuer(root, block)
    if top is None:
        raise ValidationError(f"{root} is not an issuer registered at block {block}",
                              hint="give the address of an organisation's top-level issuer (`ledger issuer list`)")
    if top.parent:
        raise ValidationError(f"{root} is a child issuer of {top.parent}; an organisation report is made for its "
                              "top-level issuer", hint=f"use `ledger report org {top.parent}`")
    members, queue = [], [top.address]
    while queue:
        who = queue.pop(0)
        members.append(who)
        issuer = reader.issuer(who, block)
        queue.extend(issuer.children if issuer else ())
    return members


def provenance_of(records: Iterable[Mapping[str, Any]]) -> tuple[dict[str, tuple[str, str, str]], dict[str, Any],
                                                                   dict[str, str]]:
    """From import records (``imports/*.json``): key -> (importer, version, rules digest), the rules by
    digest, and project id -> name."""
    by_key: dict[str, tuple[str, str, str]] = {}
    rules: dict[str, Any] = {}
    names: dict[str, str] = {}
    for record in records:
        if not isinstance(record, Mapping) or record.get("type") != "ledger:ImportRecord":
            continue
        origin = (str(record.get("importer")), str(record.get("importer_version")), str(record.get("rules_digest")))
        for key in record.get("keys") or ():
            by_key.setdefault(str(key).lower(), origin)
        if isinstance(record.get("rules"), Mapping):
            rules[origin[2]] = record["rules"]
        for pid, name in (record.get("projects") or {}).items():
            names[str(pid).lower()] = str(name)
    return by_key, rules, names


def _checked_names(names: Mapping[str, str]) -> dict[str, str]:
    """Project names that hash to their ids (a name that does not is refused: it would mislabel counts)."""
    out = {}
    for pid, name in names.items():
        if "0x" + project_id(name).hex() != pid.lower():
            raise ValidationError(f"project name {name!r} does not hash to project id {pid}")
        out[pid.lower()] = name
    return out


def _rows(reader: IndexReader, inputs: ReportInputs, recorders: list[str]) -> list[Contribution]:
    if inputs.kind == "subject":
        found = reader.contributions(subject=inputs.target, at=inputs.block)
    else:
        found = [c for r in recorders for c in reader.contributions(recorder=r, at=inputs.block)]
    window = [c for c in found if (inputs.since is None or c.occurred_at >= inputs.since)
              and (inputs.until is None or c.occurred_at <= inputs.until)]
    return sorted(window, key=lambda c: (c.occurred_at, c.key))


def build_report(reader: IndexReader, inputs: ReportInputs, *,
                 provenance: Mapping[str, tuple[str, str, str]] | None = None, labels: Mapping[str, Any] | None = None,
                 generated_at: str | None = None) -> ContributionReport:
    """The report of ``inputs`` from the index (which must reach ``inputs.block``).

    With ``provenance`` (key -> importer, version, rules digest; a key it lacks counts as ``manual``), the
    report's ``importers`` input is computed from the contributions it counts, and only the rules they
    name are kept; without it, ``inputs.importers`` and ``inputs.rules`` are used as stated (as
    :mod:`ledger.reports.checking` does to recompute a report). Project names are kept for the projects
    the report counts.

    Raises:
        ValidationError: an unknown kind or period, a target of the wrong form, the index not reaching the
            block, or a project name that does not hash to its id.
    """
    if inputs.kind not in ("subject", "organisation"):
        raise ValidationError(f"a report is of a subject or an organisation, not {inputs.kind!r}")
    if inputs.period not in PERIODS:
        raise ValidationError(f"period {inputs.period!r}: use one of {', '.join(PERIODS)}")
    cursor = reader.cursor()
    if cursor is None or cursor < inputs.block:
        raise ValidationError(f"the index reaches block {cursor}, the report needs block {inputs.block}",
                              hint="sync the index (`ledger index sync`) first")
    target = inputs.target.lower() if inputs.kind == "subject" else address_text(inputs.target)
    organisation = organisation_of(reader, target, inputs.block) if inputs.kind == "organisation" else []
    rows = _rows(reader, ReportInputs(**{**inputs.__dict__, "target": target}), organisation)
    projects = {c.project for c in rows}
    names = {pid: name for pid, name in _checked_names(inputs.project_names).items() if pid in projects}
    changes: dict[str, Any] = {"project_names": names}
    if provenance is not None:
        counted = Counter(provenance.get(c.key.lower(), ("manual", "", "")) for c in rows)
        changes["importers"] = tuple({"importer": i, "version": v, "rules_digest": d or None, "contributions": n}
                                     for (i, v, d), n in sorted(counted.items()))
        used = {d for (_, _, d) in counted if d}
        changes["rules"] = {d: r for d, r in inputs.rules.items() if d in used}
    inputs = ReportInputs(**{**inputs.__dict__, **changes})
    active = [c for c in rows if c.active]
    cosigners: Counter[str] = Counter(s for c in active for s in c.cosigners)
    body: dict[str, Any] = {
        "type": REPORT_TYPE,
        "version": REPORT_VERSION,
        "kind": inputs.kind,
        "target": target,
        "title": (f"Contributions of subject {target}" if inputs.kind == "subject"
                  else f"Contributions recorded by organisation {target}"),
        "inputs": inputs.as_dict(organisation),
        "totals": {
            "contributions": len(rows),
            "active": len(active),
            "revoked": len(rows) - len(active),
            "weight": sum(c.weight for c in active),
            "co_signed": sum(1 for c in active if c.cosigners),
            "co_signs": sum(len(c.cosigners) for c in active),
            "projects": len({c.project for c in active}),
            "subjects": len({c.subject for c in active}),
        },
        "by_kind": dict(sorted(Counter(_kind_name(c.kind) for c in active).items())),
        "by_field": dict(sorted(Counter(FIELD_NAMES.get(c.field, str(c.field)) for c in active).items())),
        "by_project": dict(sorted(Counter(names.get(c.project, c.project) for c in active).items())),
        "by_period": dict(sorted(Counter(period_of(c.occurred_at, inputs.period) for c in active).items())),
        "co_signers": dict(sorted(cosigners.items())),
        "contributions": [
            {"key": c.key, "subject": c.subject, "recorder": c.recorder, "kind": _kind_name(c.kind),
             "field": FIELD_NAMES.get(c.field, str(c.field)), "project": names.get(c.project, c.project),
             "weight": c.weight, "occurred_at": c.occurred_at, "block": c.block_number,
             "co_signers": list(c.cosigners), "status": "active" if c.active else "revoked"}
            for c in rows
        ],
    }
    if inputs.kind == "organisation":
        body["by_subject"] = dict(sorted(Counter(c.subject for c in active).items()))
    when = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ContributionReport(body, when, dict(labels or {}))
