"""The contribution report: its JSON form, the part its hash covers, and reading a report file.

The hash (:attr:`ContributionReport.report_hash`) is keccak256 over :data:`REPORT_DOMAIN` and the
RFC 8785 canonical JSON of the report's body: everything but the members in :data:`UNHASHED` (the
hash itself, the anchoring, when it was generated, and display labels such as issuer names, which
come from the workspace and not from the chain). Two reports computed from the same chain with the
same inputs therefore have the same hash, wherever and whenever they are made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.canonical import canonicalize, loads
from ledger.crypto.hashing import keccak256
from ledger.errors import ValidationError
from ledger.reports.html import render_html

__all__ = ["REPORT_DOMAIN", "UNHASHED", "ContributionReport", "load_report", "report_hash"]

REPORT_DOMAIN = b"fisco-talent-ledger/contribution-report/v1\x00"
#: Members of the JSON form the hash does not cover.
UNHASHED = ("report_hash", "anchored", "generated_at", "labels")
REPORT_TYPE = "ledger:ContributionReport"


def report_hash(body: Mapping[str, Any]) -> bytes:
    """The hash of a report's body (its JSON form without :data:`UNHASHED` members)."""
    return keccak256(REPORT_DOMAIN + canonicalize({k: v for k, v in body.items() if k not in UNHASHED}))


@dataclass(frozen=True)
class ContributionReport:
    """A computed report: ``body`` is hashed, ``labels`` are for display, ``anchored`` once on chain."""

    body: Mapping[str, Any]
    generated_at: str
    labels: Mapping[str, Any] = field(default_factory=dict)
    anchored: Mapping[str, Any] | None = None

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def target(self) -> str:
        return str(self.body["target"])

    @property
    def report_hash(self) -> bytes:
        return report_hash(self.body)

    def with_anchor(self, anchored: Mapping[str, Any]) -> ContributionReport:
        return dataclasses.replace(self, anchored=dict(anchored))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the body, then the hash, the labels, when, and the anchoring if any."""
        out = dict(self.body)
        out["report_hash"] = "0x" + self.report_hash.hex()
        out["generated_at"] = self.generated_at
        out["labels"] = dict(self.labels)
        if self.anchored:
            out["anchored"] = dict(self.anchored)
        return out

    def to_html(self) -> str:
        return render_html(self.to_dict())


def load_report(text: str | bytes) -> dict[str, Any]:
    """A report file parsed strictly (no duplicate keys, no NaN) and its shape checked.

    Raises:
        ValidationError: not JSON, or not a contribution report (written by ``ledger report ... --report``).
    """
    data = loads(text)
    if not isinstance(data, dict) or data.get("type") != REPORT_TYPE or not isinstance(data.get("inputs"), dict):
        raise ValidationError("not a contribution report: expected the JSON written by `ledger report subject|org "
                              "--report FILE`")
    return data
