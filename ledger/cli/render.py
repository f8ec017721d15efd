"""Output: JSON for machines, rich tables for people. rich is imported only when a table is drawn."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Bytes as 0x hex, dataclasses and enums as plain values, recursively."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value  # nearly every leaf: checked first (a report of 100,000 credentials has millions)
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if kind is list:
        return [to_jsonable(v) for v in value]
    import dataclasses
    import enum
    from pathlib import Path

    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, enum.Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")


def console(stderr: bool = False) -> Any:
    """A rich console; into a pipe or a file it does not wrap, so ids and hashes stay whole for grep.

    Emoji codes are off: subject ids are ``urn:ledger:subject:...``, and rich would print ``:ledger:``
    as a ledger emoji.
    """
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    piped = not (hasattr(stream, "isatty") and stream.isatty())
    return Console(
        stderr=stderr, highlight=False, emoji=False, soft_wrap=piped, width=PIPE_WIDTH if piped else None
    )


#: Line width when the output is not a terminal: wide enough that nothing wraps.
PIPE_WIDTH = 1000


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.table import Table

    t = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*[_cell(v) for v in row])
    console().print(t)


def fields(title: str | None, pairs: Iterable[tuple[str, Any]]) -> None:
    """A two-column key/value table."""
    table(title, ("field", "value"), [(k, v) for k, v in pairs])


def message(text: str) -> None:
    console().print(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Text that comes from data, made safe to print: rich markup escaped, and control characters
    (terminal escape sequences, bidirectional overrides) shown as ``\\xNN`` / ``\\uNNNN`` rather than
    obeyed by the terminal."""
    from rich.markup import escape as rich_escape

    return rich_escape(_CONTROL.sub(_visible, text))


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def note(text: str) -> None:
    """Progress chatter for people: to stderr, so --json output stays clean on stdout."""
    console(stderr=True).print(text)


def _cell(value: Any) -> str:
    v = to_jsonable(value)
    if isinstance(v, (dict, list)):
        return escape(json.dumps(v, ensure_ascii=False))
    return escape("" if v is None else str(v))


def progress(stderr: bool = True) -> Any:
    """A rich progress bar for long work (hashing, writing, anchoring)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=stderr),
        transient=False,
    )


def render_settlements(settlements: Iterable[dict[str, Any]]) -> None:
    """Say what settling interrupted bursts did (``ledger.chain.bursts``): which requests were mined
    before, sent again as signed, sent anew, or refused."""
    for s in settlements:
        parts = [f"{len(s['mined_before'])} had been mined", f"{len(s['sent_again_as_signed'])} sent again as signed",
                 f"{len(s['sent_anew'])} sent anew"]
        if s["refused"]:
            parts.append(f"{len(s['refused'])} refused by the node")
        message(f"[yellow]settled the interrupted burst {escape(s['burst'])} of {s['requests']} transaction(s):[/] "
                + ", ".join(parts))
        for index, reason in s["refused"].items():
            message(f"  request {index}: {escape(reason)}")


def institution_words(issuer: Mapping[str, Any] | None) -> str:
    """An issuer as a person reads it: ``Example University (example.edu, verified)``; the address only
    when no name is known."""
    if not issuer:
        return ""
    name = issuer.get("name") or issuer.get("registered_name") or issuer.get("address") or ""
    domain = issuer.get("domain")
    if domain:
        name += f" ({domain}, {'verified' if issuer.get('domain_verified') else 'not verified'})"
    return str(name)


def credential_words(report: Mapping[str, Any]) -> str:
    """What a verified credential is, in words: holder, certificate title, institution (or the file
    name when the document could not be read)."""
    summary = report.get("credential")
    if not summary:
        return str(report.get("file") or "")
    parts = [summary.get("holder") or "(no holder name)", summary.get("title") or "",
             institution_words(summary.get("issuer"))]
    return " · ".join(p for p in parts if p)
