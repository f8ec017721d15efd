"""An audit report as one self-contained HTML page an HR person can open.

No scripts, no fonts, no images, no links to anything outside the file: the page renders the same
offline, in a mail attachment or from an archive years later. The layout follows how the report is
read: the verdict and the counts first, then one row per credential with a clear valid / invalid mark
and the reason in words, then the details (steps, anchoring, issuer authorisation, evidence and its
co-signers, anomalies) further down, linked from each row.

The page is rendered from the report's JSON form (:meth:`ledger.audit.AuditReport.to_dict`), so
everything shown is in the JSON too. Every value is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

#: What the final re-check on chain did for one credential: the chain answered it; it was not needed
#: (the file failed on its own: format, integrity or Merkle proof, which no chain answer can change);
#: the chain could not be asked (not reachable, or busy), so the row stands on the index alone.
CHAIN_CHECKS = {
    "rechecked": "yes",
    "not_needed": "not needed (the file failed on its own)",
    "unreachable": "no: chain not reachable (index only)",
}


_CSS = """
:root { --ok:#116329; --bad:#b42318; --warn:#9a6700; --line:#d0d7de; --muted:#57606a; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color:#1f2328; margin:0; padding:24px 32px; max-width:1200px; }
h1 { font-size:24px; margin:0 0 4px; } h2 { font-size:19px; margin:32px 0 8px; }
h3 { font-size:16px; margin:24px 0 6px; }
.meta { color:var(--muted); font-size:13px; }
.verdict { display:flex; gap:16px; align-items:stretch; margin:20px 0; flex-wrap:wrap; }
.card { border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:140px; }
.card b { display:block; font-size:26px; }
.card.pass { border-color:var(--ok); background:#dafbe1; } .card.fail { border-color:var(--bad); background:#ffebe9; }
table { border-collapse:collapse; width:100%; margin:8px 0 16px; font-size:14px; }
th, td { border-bottom:1px solid var(--line); text-align:left; padding:6px 8px; vertical-align:top; }
th { background:#f6f8fa; }
.mark { font-weight:700; white-space:nowrap; }
.ok { color:var(--ok); } .bad { color:var(--bad); } .warn { color:var(--warn); } .skip { color:var(--muted); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break:break-all; }
.hex { display:block; color:var(--muted); } .name { font-weight:600; }
section.detail { border-top:2px solid var(--line); margin-top:24px; }
ul.anomalies li { margin:2px 0; }
footer { margin-top:40px; color:var(--muted); font-size:12px; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _code(value: Any) -> str:
    return f"<code>{_e(value)}</code>" if value not in (None, "") else "&ndash;"


def _mark(valid: bool) -> str:
    return '<span class="mark ok">&#10004; valid</span>' if valid else '<span class="mark bad">&#10008; invalid</span>'


def _step_class(status: str) -> str:
    return {"pass": "ok", "fail": "bad", "skip": "skip", "skipped": "skip", "warn": "warn"}.get(status, "")


def _rows(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _named(name: Any, hex_value: Any, extra: Any = None) -> str:
    """A name for people with its hex underneath as secondary detail (only the hex when no name is known)."""
    if not name:
        return _code(hex_value)
    more = f" <span class=\"meta\">({_e(extra)})</span>" if extra else ""
    return f'<span class="name">{_e(name)}</span>{more}' + (f'<code class="hex">{_e(hex_value)}</code>' if hex_value else "")


def _work(item: Mapping[str, Any]) -> str:
    """A contribution as a person reads it: the work's link and project, the key as detail."""
    if not item.get("source"):
        return _code(item.get("key"))
    url = item.get("url") or item.get("source")
    return (f'<span class="name">{_e(item.get("source"))}</span><span class="meta"> {_e(url)}</span>'
            f'<code class="hex">{_e(item.get("key"))}</code>')


def _anchor_id(index: int) -> str:
    return f"cred-{index + 1}"


def render_html(report: Mapping[str, Any]) -> str:
    """The report as a complete HTML document (a ``str``; write it as UTF-8)."""
    summary = report.get("summary", {})
    creds = list(report.get("credentials", []))
    passed = bool(summary.get("verdict") == "PASS")
    title = report.get("title") or f"Audit of {report.get('kind', '')} {report.get('target', '')}"
    at = report.get("at") or {}
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may load from outside the file.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Generated {_e(report.get("generated_at"))} &middot; chain {_e((report.get("chain") or {}).get("description") or (report.get("chain") or {}).get("chain_id"))}'
        f' &middot; index at block {_e((report.get("index") or {}).get("cursor"))}'
        + (f" &middot; as of {_e(at.get('spec'))} (block {_e(at.get('block'))})" if at.get("block") is not None else "")
        + "</p>",
        '<section id="summary"><h2>Summary</h2><div class="verdict">',
        f'<div class="card {"pass" if passed else "fail"}" id="verdict"><span>Verdict</span><b>{_e(summary.get("verdict"))}</b></div>',
        f'<div class="card"><span>Credentials</span><b id="count-total">{_e(summary.get("credentials", 0))}</b></div>',
        f'<div class="card"><span>Valid</span><b id="count-valid" class="ok">{_e(summary.get("valid", 0))}</b></div>',
        f'<div class="card"><span>Invalid</span><b id="count-invalid" class="bad">{_e(summary.get("invalid", 0))}</b></div>',
        f'<div class="card"><span>Anomalies</span><b id="count-anomalies" class="warn">{_e(summary.get("anomalies", 0))}</b></div>',
        "</div>",
        f'<p id="verdict-text">{_e(summary.get("text", ""))}</p>',
        "</section>",
    ]
    issuer = report.get("issuer")
    if issuer:
        parts.append(_issuer_section(issuer))
    parts.append('<section id="credentials"><h2>Credentials</h2>')
    if creds:
        parts.append(
            _rows(
                ("#", "mark", "holder", "certificate", "institution", "reason"),
                (
                    (
                        f'<a href="#{_anchor_id(i)}">{i + 1}</a>',
                        _mark(bool(c.get("valid"))),
                        _named(c.get("holder"), c.get("label") or c.get("hash")),
                        _named(c.get("title"), f"type {c.get('type_id')}" if c.get("type_id") is not None else ""),
                        _named(c.get("issuer_name"), c.get("issuer"), c.get("issuer_domain")),
                        _e(c.get("reason")),
                    )
                    for i, c in enumerate(creds)
                ),
            )
        )
    else:
        parts.append("<p>No credentials found.</p>")
    parts.append("</section>")
    contributions = report.get("contributions")
    if contributions:
        parts.append('<section id="contributions"><h2>Contributions</h2>')
        parts.append(
            _rows(
                ("work", "kind", "project", "co-signers", "status"),
                (
                    (
                        _work(c),
                        _e(c.get("kind")),
                        _named(c.get("project_name"), c.get("project")),
                        _e(len(c.get("cosigners") or ())),
                        '<span class="bad">revoked</span>' if c.get("revoked") else '<span class="ok">active</span>',
                    )
                    for c in contributions
                ),
            )
        )
        parts.append("</section>")
    if report.get("anomalies"):
        parts.append('<section id="anomalies"><h2>Anomalies</h2><ul class="anomalies">')
        parts += [
            f'<li><b class="warn">{_e(a.get("code"))}</b>: {_e(a.get("message"))}</li>' for a in report["anomalies"]
        ]
        parts.append("</ul></section>")
    parts.append('<section id="details"><h2>Details</h2>')
    parts += [_detail(i, c) for i, c in enumerate(creds)]
    parts.append("</section>")
    anchored = report.get("anchored") or {}
    parts.append(
        f'<footer>Report hash {_code(report.get("report_hash"))}'
        + (
            f'<span id="anchored"> &middot; anchored by {_code(anchored.get("auditor"))}'
            f" in transaction {_code(anchored.get('tx_hash'))} at block {_e(anchored.get('block_number'))}</span>"
            if anchored
            else ""
        )
        + ". The hash covers the JSON form of this report (RFC 8785) without the hash and anchor fields"
        + ("; `ledger audit check` on the JSON report asks the chain who anchored it." if anchored else ".")
        + "</footer>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _issuer_section(issuer: Mapping[str, Any]) -> str:
    history = _rows(
        ("status", "block", "by", "transaction"),
        (
            (_e(h.get("status")), _e(h.get("block_number")), _code(h.get("by")), _code(h.get("tx_hash")))
            for h in issuer.get("status_history", [])
        ),
    )
    return (
        '<section id="issuer"><h2>Issuer</h2>'
        + _rows(
            ("field", "value"),
            [
                ("name", _e(issuer.get("name") or "(not known to this workspace)")),
                ("domain", _e(issuer.get("domain") or "")),
                ("address", _code(issuer.get("address"))),
                ("kind", _e(issuer.get("kind"))),
                ("status", _e(issuer.get("status"))),
                ("parent", _code(issuer.get("parent"))),
                ("scope (type ids, 0 = any)", _e(", ".join(str(t) for t in issuer.get("scope", [])))),
            ],
        )
        + "<h3>Status history</h3>"
        + history
        + "<h3>Batches anchored</h3>"
        + _rows(
            ("root", "type", "count", "block", "transaction"),
            (
                (_code(b.get("root")), _e(b.get("type_id")), _e(b.get("count")), _e(b.get("block_number")),
                 _code(b.get("tx_hash")))
                for b in issuer.get("batches", [])
            ),
        )
        + "<h3>Revocations and suspensions it made</h3>"
        + _rows(
            ("what", "id", "status", "reason", "block"),
            (
                (_e(r.get("what")), _code(r.get("id")), _e(r.get("status", "revoked")), _e(r.get("reason")),
                 _e(r.get("block_number")))
                for r in issuer.get("revocations", [])
            ),
        )
        + "</section>"
    )


def _detail(i: int, c: Mapping[str, Any]) -> str:
    anchor = c.get("anchor") or {}
    auth = c.get("authorization") or {}
    out = [
        f'<section class="detail" id="{_anchor_id(i)}">',
        (f"<h3>{i + 1}. {_e(' · '.join(str(x) for x in (c.get('holder'), c.get('title'), c.get('issuer_name')) if x) or c.get('label') or c.get('hash'))}"
        f" &mdash; {_mark(bool(c.get('valid')))}</h3>"),
        f'<p class="meta">{_e(c.get("label"))}</p>',
        f"<p>{_e(c.get('reason'))}</p>",
        _rows(
            ("field", "value"),
            [
                ("credential hash", _code(c.get("hash"))),
                ("holder", _named(c.get("holder"), c.get("subject"))),
                ("certificate", _named(c.get("title"), f"type {c.get('type_id')}")),
                ("institution", _named(c.get("issuer_name"), c.get("issuer"), c.get("issuer_domain"))),
                ("batch root", _code(anchor.get("root"))),
                ("anchoring transaction", _code(anchor.get("tx_hash"))),
                ("anchoring block", _e(anchor.get("block_number"))),
                ("issuer authorised then", _e(("yes" if auth.get("authorized") else "no") if auth else "") + (f" ({_e(auth.get('reason'))})" if auth.get("reason") else "")),
                ("issuer authorised at the requested time",
                 (("yes" if auth.get("authorized_at") else "no") + f" ({_e(auth.get('reason_at'))})")
                 if "authorized_at" in auth else "&ndash;"),
                ("status now", _e(c.get("status_now"))),
                ("status at the requested time", _e(c.get("status_at")) if c.get("status_at") else "&ndash; (no --at given)"),
                ("final verdict re-checked on chain", _e(CHAIN_CHECKS.get(c.get("chain_check") or "",
                                                                      "yes" if c.get("chain_checked") else "no (index only)"))),
            ],
        ),
    ]
    steps = c.get("steps") or []
    if steps:
        out.append("<h3>Verification steps</h3>")
        out.append(
            _rows(
                ("step", "result", "code", "message"),
                (
                    (
                        _e(s.get("name")),
                        f'<span class="{_step_class(str(s.get("outcome")))}">{_e(s.get("outcome"))}</span>',
                        _e(s.get("code")),
                        _e(s.get("message")),
                    )
                    for s in steps
                ),
            )
        )
    evidence = c.get("evidence") or []
    if evidence:
        out.append("<h3>Evidence contributions</h3>")
        out.append(
            _rows(
                ("work", "kind", "project", "co-signers", "status"),
                (
                    (
                        _work(e),
                        _e(e.get("kind")),
                        _named(e.get("project_name"), e.get("project")),
                        "<br>".join(_code(s) for s in e.get("cosigners") or ()) or "&ndash;",
                        (
                            f'<span class="bad">revoked at block {_e(e["revoked"].get("block_number"))} ({_e(e["revoked"].get("reason"))})</span>'
                            if e.get("revoked")
                            else ('<span class="bad">not on chain</span>' if e.get("missing") else '<span class="ok">active</span>')
                        ),
                    )
                    for e in evidence
                ),
            )
        )
    anomalies = c.get("anomalies") or []
    if anomalies:
        out.append("<h3>Anomalies</h3><ul class=\"anomalies\">")
        out += [f'<li><b class="warn">{_e(a.get("code"))}</b>: {_e(a.get("message"))}</li>' for a in anomalies]
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)
