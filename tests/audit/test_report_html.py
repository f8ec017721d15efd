"""The HTML report: self-contained, escaped, and rendered by a real browser as the summary says."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ledger.audit.html import render_html

from .chromium import ARTIFACTS, dump_dom, screenshot


def _report(valid: int, invalid: int) -> dict:
    creds = [
        {
            "label": f"cert-{i}.json",
            "hash": "0x" + f"{i:064x}",
            "subject": "0x" + "ab" * 32,
            "type_id": 7,
            "issuer": "0x" + "11" * 20,
            "valid": i < valid,
            "reason": "all checks passed" if i < valid else "REVOKED at block 42 (Misconduct)",
            "anchor": {"root": "0x" + "cd" * 32, "tx_hash": "0x" + "ef" * 32, "block_number": 12},
            "authorization": {"authorized": True, "reason": "active and in scope"},
            "status_now": "active" if i < valid else "revoked",
            "status_at": "active",
            "steps": [{"name": "integrity", "outcome": "pass", "code": "OK", "message": "hash matches"}],
            "evidence": [],
            "anomalies": [],
        }
        for i in range(valid + invalid)
    ]
    return {
        "title": "Audit of subject <script>alert(1)</script>",
        "kind": "subject",
        "generated_at": "2026-11-25T15:00:00Z",
        "summary": {
            "verdict": "FAIL" if invalid else "PASS",
            "credentials": valid + invalid,
            "valid": valid,
            "invalid": invalid,
            "anomalies": 1,
            "text": "summary text",
        },
        "credentials": creds,
        "anomalies": [{"code": "EVIDENCE_REVOKED_AFTER_ISSUANCE", "message": "key 0x01 revoked at block 50"}],
        "report_hash": "0x" + "99" * 32,
    }


class _ById(HTMLParser):
    """Collects the text inside elements that carry an id."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.text: dict[str, str] = {}
        self.tags: list[str] = []
        self.attrs_seen: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs_seen.extend(attrs)
        if tag in ("meta", "br", "link", "img", "input"):
            return
        ident = dict(attrs).get("id")
        self.stack.append(ident)
        if ident:
            self.text.setdefault(ident, "")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in ("meta", "br"):
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for ident in self.stack:
            if ident:
                self.text[ident] += data


def _parse(html: str) -> _ById:
    p = _ById()
    p.feed(html)
    return p


def test_html_is_self_contained_and_escaped() -> None:
    html = render_html(_report(2, 1))
    parsed = _parse(html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "script" not in parsed.tags and "img" not in parsed.tags and "link" not in parsed.tags
    # No reference to anything outside the file (only in-page anchors).
    for name, value in parsed.attrs_seen:
        if name in ("href", "src"):
            assert value is not None and value.startswith("#"), (name, value)
    assert not re.search(r"url\(", html)


def test_chromium_renders_the_summary(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(_report(3, 2)), encoding="utf-8")
    rendered = _parse(dump_dom(page))
    assert "FAIL" in rendered.text["verdict"]
    assert rendered.text["count-total"].strip() == "5"
    assert rendered.text["count-valid"].strip() == "3"
    assert rendered.text["count-invalid"].strip() == "2"
    assert rendered.text["credentials"].count("invalid") == 2
    shot = screenshot(page, ARTIFACTS / "audit-report-sample.png")
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
