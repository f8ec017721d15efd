"""A contribution report as one self-contained HTML page (no scripts, fonts, images or outside links).

Rendered from the report's JSON form, so everything shown is in the JSON too; every value is escaped.
The page shows the totals, the counts by kind, field, project and period as bars, the co-signers (with
their names where the workspace knows them), the inputs the report was computed from, and the list of
contributions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from html import escape
from typing import Any

__all__ = ["render_html"]

_CSS = """
:root { --line:#d0d7de; --muted:#57606a; --bar:#0969da; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color:#1f2328;
       margin:0; padding:24px 32px; max-width:1200px; }
h1 { font-size:24px; margin:0 0 4px; } h2 { font-size:19px; margin:28px 0 8px; }
.meta { color:var(--muted); font-size:13px; }
.cards { display:flex; gap:16px; margin:20px 0; flex-wrap:wrap; }
.card { border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:140px; }
.card b { display:block; font-size:26px; }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap:16px 32px; }
table { border-collapse:collapse; width:100%; margin:8px 0 16px; font-size:14px; }
th, td { border-bottom:1px solid var(--line); text-align:left; padding:5px 8px; vertical-align:top; }
th { background:#f6f8fa; }
td.n { text-align:right; white-space:nowrap; width:4em; }
.bar { background:var(--bar); height:10px; border-radius:3px; min-width:2px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break:break-all; }
footer { margin-top:40px; color:var(--muted); font-size:12px; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _code(value: Any) -> str:
    return f"<code>{_e(value)}</code>" if value not in (None, "") else "&ndash;"


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _counts(title: str, counts: Mapping[str, int], name: str = "", labels: Mapping[str, str] | None = None) -> str:
    if not counts:
        return f"<div><h2>{_e(title)}</h2><p class=\"meta\">none</p></div>"
    top = max(counts.values()) or 1
    rows = []
    for key, n in counts.items():
        label = (labels or {}).get(key)
        shown = f"{_e(label)}<br>{_code(key)}" if label else (_code(key) if key.startswith("0x") else _e(key))
        rows.append((f"<td>{shown}</td>", f'<td class="n">{n}</td>',
                     f'<td style="width:40%"><div class="bar" style="width:{100 * n / top:.1f}%"></div></td>'))
    return f"<div><h2>{_e(title)}</h2>{_table((name, 'count', ''), rows)}</div>"


def _day(ts: Any) -> str:
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%d") if isinstance(ts, int) else "&ndash;"


def render_html(report: Mapping[str, Any]) -> str:
    """The report as a complete HTML document (a ``str``; write it as UTF-8)."""
    totals = report.get("totals", {})
    inputs = report.get("inputs", {})
    labels = report.get("labels", {}) or {}
    issuer_names = labels.get("issuers", {}) if isinstance(labels, Mapping) else {}
    title = report.get("title", "Contribution report")
    blocks = inputs.get("blocks", {})
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Computed from chain {_e(inputs.get("chain_id"))}, blocks {_e(blocks.get("from"))} to '
        f'{_e(blocks.get("to"))}, generated {_e(report.get("generated_at"))}. Report hash {_code(report.get("report_hash"))}'
        + (f", anchored in block {_e(report['anchored'].get('block_number'))} by {_code(report['anchored'].get('auditor'))}"
           if isinstance(report.get("anchored"), Mapping) else "") + ".</p>",
        '<div class="cards">',
    ]
    for name, key in (("contributions", "active"), ("co-signed", "co_signed"), ("projects", "projects"),
                      ("subjects", "subjects"), ("revoked", "revoked")):
        parts.append(f'<div class="card"><b>{_e(totals.get(key, 0))}</b>{_e(name)}</div>')
    parts.append("</div><div class=\"grid\">")
    parts.append(_counts("By kind", report.get("by_kind", {}), "kind"))
    parts.append(_counts("By field", report.get("by_field", {}), "field"))
    parts.append(_counts("By project", report.get("by_project", {}), "project"))
    parts.append(_counts("By period", report.get("by_period", {}), str(inputs.get("period", "period"))))
    parts.append(_counts("Co-signers", report.get("co_signers", {}), "co-signer", issuer_names))
    if "by_subject" in report:
        parts.append(_counts("By subject", report.get("by_subject", {}), "subject"))
    parts.append("</div><h2>Inputs</h2>")
    importers = [(f"<td>{_e(i.get('importer'))} {_e(i.get('version'))}</td>", f"<td>{_code(i.get('rules_digest'))}</td>",
                  f'<td class="n">{_e(i.get("contributions"))}</td>') for i in inputs.get("importers", [])]
    parts.append(_table(("importer", "rules", "contributions"), importers))
    occurred = inputs.get("occurred", {})
    parts.append(f'<p class="meta">Contract {_code(inputs.get("contribution_ledger"))}; dates from '
                 f'{_day(occurred.get("since"))} to {_day(occurred.get("until"))}; '
                 f'{len(inputs.get("organisation", [])) or "no"} issuer(s) of the organisation.</p>')
    rows = [(f"<td>{_day(c.get('occurred_at'))}</td>", f"<td>{_e(c.get('kind'))}</td>", f"<td>{_e(c.get('project'))}</td>",
             f"<td>{_code(c.get('subject'))}</td>", f'<td class="n">{len(c.get("co_signers", []))}</td>',
             f"<td>{_e(c.get('status'))}</td>", f"<td>{_code(c.get('key'))}</td>")
            for c in report.get("contributions", [])]
    parts.append(f"<h2>Contributions ({len(rows)})</h2>")
    parts.append(_table(("date", "kind", "project", "subject", "co-signs", "status", "key"), rows))
    parts.append("<footer>Recompute and check this report with <code>ledger report check REPORT.json</code>: the "
                 "counts come from the chain's events up to the stated block.</footer></body></html>")
    return "\n".join(parts)
