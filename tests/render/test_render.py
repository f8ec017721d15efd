"""Printable certificates and baked badges: ``ledger cred render`` to HTML, to PDF (read back with
pdftoppm and pdftotext), and to Open Badges 3.0 baked SVG and PNG badges whose credential reads back
and still verifies; share links' QR codes."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from world import COURSE, PASSWORD, UNIVERSITY, issue_course, make_workspace

from ledger.cli import main
from ledger.credentials.parse import parse_credential
from ledger.errors import ValidationError
from ledger.render import bake_png, bake_svg, decode_link, extract_png, extract_svg
from ledger.render.badge import PNG_KEYWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workspace with a batch of course certificates; the workspace and one holder's file."""
    root = tmp_path_factory.mktemp("render")
    csv = root / "course.csv"
    csv.write_text("student_number,name\n2024000001,李华\n2024000002,Alice Zhang\n", encoding="utf-8")
    ws = root / "ws"
    keys = make_workspace(ws)
    files = issue_course(ws, keys["uni"], csv, domain="university.example")
    first = next(p for p in files if "李华" in p.read_text(encoding="utf-8"))
    return ws, first


def ledger(ws: Path, *args: str) -> tuple[int, str]:
    env = {"LEDGER_WORKSPACE": str(ws), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "200"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_a_certificate_renders_to_html_and_pdf_with_names_dates_and_a_qr_code(issued: tuple[Path, Path],
                                                                              tmp_path: Path) -> None:
    ws, file = issued
    (ws / "templates").mkdir(exist_ok=True)
    (ws / "templates" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60"><circle cx="30" cy="30" r="28" '
        'fill="#b22234"/><text x="30" y="38" font-size="22" text-anchor="middle" fill="#fff">EU</text></svg>')
    html, pdf = tmp_path / "c.html", tmp_path / "c.pdf"
    code, out = ledger(ws, "cred", "render", str(file), "--html", str(html), "--pdf", str(pdf),
                       "--verifier", "https://verify.university.example", "--json")
    assert code == 0, out
    link = json.loads(out)["link"]
    assert parse_credential(decode_link(link)).hash == parse_credential(file.read_bytes()).hash
    page = html.read_text(encoding="utf-8")
    for text in ("李华", COURSE, UNIVERSITY, "university.example", 'src="data:image/svg+xml;base64,', "<svg"):
        assert text in page
    assert pdf.read_bytes().startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                           timeout=60).stdout
    for text in ("李华", COURSE, UNIVERSITY, "Scan to verify"):
        assert text in words, words
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE) and re.search(r"^Page size:\s+841.92 x 594.96 pts \(A4\)", info, re.MULTILINE)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(ARTIFACTS / "certificate")],
                   check=True, timeout=60)
    picture = (ARTIFACTS / "certificate.png").read_bytes()
    width, height = struct.unpack(">II", picture[16:24])
    assert width > height > 400  # A4 landscape at 60 dpi: 702 x 496


def test_a_template_per_certificate_type_is_used_and_its_fields_checked(issued: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    ws, file = issued
    templates = ws / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "certificate-201.html").write_text(
        "<html><body><h1>${institution}</h1><p id=h>${holder}</p><p>${title}</p>${qr}</body></html>")
    out = tmp_path / "typed.html"
    assert ledger(ws, "cred", "render", str(file), "--html", str(out))[0] == 0
    assert "<p id=h>李华</p>" in out.read_text(encoding="utf-8")
    (templates / "certificate-201.html").write_text("<p>${salary}</p>")
    code, text = ledger(ws, "cred", "render", str(file), "--html", str(out))
    assert code == 2 and "${salary}" in text and "not a certificate field" in text
    (templates / "certificate-201.html").unlink()


def test_values_are_escaped_in_the_certificate(issued: tuple[Path, Path], tmp_path: Path) -> None:
    ws, file = issued
    doc = json.loads(file.read_text(encoding="utf-8"))
    doc["credentialSubject"]["identifier"][0]["identityHash"] = "<script>alert(1)</script>"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "forged.html"
    assert ledger(ws, "cred", "render", str(forged), "--html", str(out))[0] == 0
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_baked_badges_carry_the_credential_as_open_badges_3_says(issued: tuple[Path, Path], tmp_path: Path) -> None:
    ws, file = issued
    svg, png = tmp_path / "badge.svg", tmp_path / "badge.png"
    code, out = ledger(ws, "cred", "render", str(file), "--badge-svg", str(svg), "--badge-png", str(png))
    assert code == 0, out
    original = parse_credential(file.read_bytes())
    text = svg.read_text(encoding="utf-8")
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text
    assert text.count("<openbadges:credential>") == 1 and "<![CDATA[" in text
    assert parse_credential(extract_svg(text)).hash == original.hash
    data = png.read_bytes()
    chunks = _png_chunks(data)
    baked = [c for kind, c in chunks if kind == b"iTXt" and c.startswith(PNG_KEYWORD + b"\0")]
    assert len(baked) == 1 and baked[0][len(PNG_KEYWORD) + 1] == 0  # one chunk, compression flag 0
    assert parse_credential(extract_png(data)).hash == original.hash
    assert struct.unpack(">II", data[16:24]) == (400, 400)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / "badge.png")
    shutil.copy(svg, ARTIFACTS / "badge.svg")


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + body) == crc  # every chunk still well-formed
        out.append((kind, body))
        offset += 12 + length
    return out


def test_baking_again_replaces_the_credential_and_damage_is_refused() -> None:
    tiny = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\x00\x00")) + _chunk(b"IEND", b""))
    once = bake_png(tiny, b'{"a": "first"}')
    twice = bake_png(once, '{"a": "二"}'.encode())
    assert extract_png(twice) == '{"a": "二"}'.encode() and twice.count(PNG_KEYWORD) == 1
    assert extract_png(tiny) is None
    where = twice.index("二".encode())
    with pytest.raises(ValidationError, match="CRC"):
        extract_png(twice[:where] + b"X" + twice[where + 1:])
    with pytest.raises(ValidationError, match="not a PNG"):
        bake_png(b"GIF89a", b"{}")
    svg = bake_svg('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', b'{"n": "a]]>b"}')
    assert extract_svg(svg) == b'{"n": "a]]>b"}'
    assert extract_svg(bake_svg(svg, b'{"n": 2}')) == b'{"n": 2}'


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
