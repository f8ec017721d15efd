"""The benchmark report: rows of ours beside a peer, goals, and the JSON and markdown writers.

A :class:`Row` is one measured job on one backend: our figure, the peer's figure for the same job
(when there is a peer), their ratio, and the goal the issues set. A row that could not be measured
says so (``ours`` or ``peer`` is ``None`` with a note); a number is never made up.

The README's performance section is generated from the markdown: :func:`update_readme` replaces
the text between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` and nothing else.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import statistics
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import BenchmarkError

START_MARKER = "<!-- bench:start -->"
END_MARKER = "<!-- bench:end -->"

#: Goal kinds: on the ratio ours/peer, or on our figure alone.
RATIO_AT_MOST = "ratio<="
RATIO_AT_LEAST = "ratio>="
AT_MOST = "<="
AT_LEAST = ">="
_GOAL_KINDS = (RATIO_AT_MOST, RATIO_AT_LEAST, AT_MOST, AT_LEAST)


@dataclass(frozen=True)
class Goal:
    """A target from the issues: ``kind`` is one of the module's goal kinds, ``value`` the bound."""

    kind: str
    value: float

    def __post_init__(self) -> None:
        if self.kind not in _GOAL_KINDS:
            raise BenchmarkError(f"unknown goal kind {self.kind!r}")

    @property
    def on_ratio(self) -> bool:
        return self.kind.startswith("ratio")

    def text(self, unit: str) -> str:
        """The goal as a reader sees it, e.g. ``<= 1.0x`` or ``>= 20,000 docs/s``."""
        sign = "<=" if self.kind.endswith("<=") else ">="
        if self.on_ratio:
            return f"{sign} {self.value:g}x"
        return f"{sign} {format_number(self.value)} {unit}"


def format_number(value: float) -> str:
    """Readable figures: thousands separators, at most 3 significant decimals below 10."""
    if math.isnan(value):
        return "nan"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class Row:
    """One job measured on one backend, ours beside the peer.

    Args:
        section: ``"gas"``, ``"throughput"``, ``"chain"``, ``"startup"`` ... (groups the table).
        job: what was done, e.g. ``"anchor one batch root"``.
        backend: ``"embedded"``, ``"anvil"``, or ``"offline"`` for work that touches no chain.
        unit: unit of ``ours`` and ``peer``, e.g. ``"gas"``, ``"docs/s"``, ``"s"``.
        ours: our median, or ``None`` when not measured (say why in ``note``).
        peer: the peer's median for the same job, or ``None`` when there is no peer or it failed.
        peer_name: which peer function, e.g. ``"DocumentStore issue"``.
        goal: the target, if the issues set one.
        runs: how many runs the medians are taken over.
        note: what bounds a missed goal, why a figure is missing, what a figure includes.
    """

    section: str
    job: str
    backend: str
    unit: str
    ours: float | None
    peer: float | None = None
    peer_name: str | None = None
    goal: Goal | None = None
    runs: int = 1
    note: str = ""
    samples: tuple[float, ...] = ()

    @property
    def ratio(self) -> float | None:
        """ours / peer, when both exist."""
        if self.ours is None or self.peer is None or self.peer == 0:
            return None
        return self.ours / self.peer

    @property
    def status(self) -> str:
        """``"met"``, ``"missed"``, ``"not measured"`` or ``""`` (no goal)."""
        if self.goal is None:
            return "" if self.ours is not None else "not measured"
        value = self.ratio if self.goal.on_ratio else self.ours
        if value is None:
            return "not measured"
        ok = value <= self.goal.value if self.goal.kind.endswith("<=") else value >= self.goal.value
        return "met" if ok else "missed"

    @property
    def miss(self) -> str:
        """By how much a missed goal was missed, e.g. ``"12% over"``; empty otherwise."""
        if self.status != "missed" or self.goal is None:
            return ""
        value = self.ratio if self.goal.on_ratio else self.ours
        assert value is not None
        gap = abs(value - self.goal.value) / self.goal.value * 100
        return f"{gap:.0f}% {'over' if self.goal.kind.endswith('<=') else 'under'}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["goal"] = None if self.goal is None else {"kind": self.goal.kind, "value": self.goal.value}
        data["samples"] = list(self.samples)
        data.update(ratio=self.ratio, status=self.status, miss=self.miss)
        return data


def median(samples: Sequence[float]) -> float:
    """Median of at least one sample."""
    if not samples:
        raise BenchmarkError("no samples to take a median of")
    return float(statistics.median(samples))


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"os": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0]}


@dataclass(frozen=True)
class Report:
    """A whole run: where, with what, and every row."""

    rows: tuple[Row, ...]
    versions: Mapping[str, str] = field(default_factory=dict)
    machine: Mapping[str, Any] = field(default_factory=machine)
    quick: bool = False
    started: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    )
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "seconds": self.seconds,
            "quick": self.quick,
            "machine": dict(self.machine),
            "versions": dict(self.versions),
            "rows": [row.to_dict() for row in self.rows],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Read a report written by :meth:`to_json` (to regenerate the markdown without re-running)."""
        rows = []
        for raw in data["rows"]:
            goal = Goal(raw["goal"]["kind"], raw["goal"]["value"]) if raw.get("goal") else None
            rows.append(
                Row(
                    section=raw["section"],
                    job=raw["job"],
                    backend=raw["backend"],
                    unit=raw["unit"],
                    ours=raw["ours"],
                    peer=raw.get("peer"),
                    peer_name=raw.get("peer_name"),
                    goal=goal,
                    runs=raw.get("runs", 1),
                    note=raw.get("note", ""),
                    samples=tuple(raw.get("samples", ())),
                )
            )
        return cls(
            rows=tuple(rows),
            versions=data.get("versions", {}),
            machine=data.get("machine", {}),
            quick=bool(data.get("quick")),
            started=data.get("started", ""),
            seconds=data.get("seconds", 0.0),
        )

    def to_markdown(self) -> str:
        """A table per section plus the machine and versions, ready for the README."""
        lines = [
            (
                f"Measured {self.started} in one run of `python -m benchmarks"
                f"{' --quick' if self.quick else ''}` ({self.seconds:.0f} s), on {self.machine.get('cpu', '?')}"
                f" ({self.machine.get('cores', '?')} cores), {self.machine.get('os', '?')}, "
                f"Python {self.machine.get('python', '?')}."
            )
        ]
        if self.versions:
            lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(self.versions.items())) + ".")
        lines.append(
            "Figures are medians over the runs shown; ratio = ours / peer (for gas and time lower is "
            "better, for speeds higher is better)."
        )
        sections: dict[str, list[Row]] = {}
        for row in self.rows:
            sections.setdefault(row.section, []).append(row)
        for section, rows in sections.items():
            lines += ["", f"#### {section}", ""]
            lines.append("| job | backend | ours | peer | ratio | goal | result | runs | note |")
            lines.append("|---|---|---:|---|---:|---|---|---:|---|")
            for row in rows:
                lines.append(_markdown_row(row))
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_row(row: Row) -> str:
    ours = "not measured" if row.ours is None else f"{format_number(row.ours)} {row.unit}"
    if row.peer_name is None:
        peer = "-"
    elif row.peer is None:
        peer = f"{row.peer_name}: not measured"
    else:
        peer = f"{row.peer_name}: {format_number(row.peer)} {row.unit}"
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
    goal = "-" if row.goal is None else row.goal.text(row.unit)
    status = {"met": "met", "missed": f"**missed** ({row.miss})", "not measured": "not measured"}.get(
        row.status, "-"
    )
    cells = [row.job, row.backend, ours, peer, ratio, goal, status, str(row.runs), row.note]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def update_readme(readme: Path, markdown: str) -> None:
    """Replace the text between the bench markers in ``readme`` with ``markdown``; nothing else changes.

    Raises:
        BenchmarkError: the file or either marker is missing, or the markers are out of order.
    """
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise BenchmarkError(f"cannot read {readme}: {exc}") from exc
    start = text.find(START_MARKER)
    end = text.find(END_MARKER)
    if start < 0 or end < 0 or end < start or text.count(START_MARKER) != 1 or text.count(END_MARKER) != 1:
        raise BenchmarkError(
            f"{readme} must contain {START_MARKER} then {END_MARKER}, once each",
            hint="add the two markers where the performance tables belong",
        )
    head = text[: start + len(START_MARKER)]
    tail = text[end:]
    tmp = readme.with_name(readme.name + ".tmp")
    tmp.write_text(f"{head}\n{markdown.rstrip()}\n{tail}", encoding="utf-8")
    os.replace(tmp, readme)


def write(report: Report, *, json_path: Path | None = None, markdown_path: Path | None = None) -> None:
    """Write the report's JSON and markdown where asked (parents created)."""
    for path, text in ((json_path, report.to_json()), (markdown_path, report.to_markdown())):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def rows_named(rows: Iterable[Row], job: str) -> list[Row]:
    """Every row for ``job`` (one per backend)."""
    return [row for row in rows if row.job == job]
