"""Open Badges 3.0 baked badges: a badge image (SVG or PNG) that carries the credential itself.

As the Open Badges 3.0 specification's section on baked badges says, for a credential secured by an
embedded proof (ours):

* **PNG**: one ``iTXt`` chunk with the keyword ``openbadgecredential``, no compression, whose text is
  the credential's JSON. A PNG holds at most one such chunk (baking again replaces it).
* **SVG**: an ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` attribute on the ``<svg>``
  element, and directly after that tag one ``<openbadges:credential>`` element holding the
  credential's JSON in a CDATA section.

:func:`badge_svg` draws the badge itself (a seal with the institution, the certificate's title, the
holder and the date), in plain SVG with no external resource. :func:`extract_png` and
:func:`extract_svg` read a baked credential back.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from html import escape

from ledger.errors import ValidationError

__all__ = ["OB_NAMESPACE", "PNG_KEYWORD", "badge_svg", "bake_png", "bake_svg", "extract_png", "extract_svg"]

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
PNG_KEYWORD = b"openbadgecredential"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_SVG_CREDENTIAL = re.compile(r"<openbadges:credential\b[^>]*>(.*?)</openbadges:credential>", re.DOTALL)


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes, int, int]]:
    """Each chunk of a PNG: (type, data, start offset, end offset), CRCs checked."""
    if not png.startswith(_PNG_SIGNATURE):
        raise ValidationError("not a PNG image (its signature is missing)")
    offset = len(_PNG_SIGNATURE)
    while offset < len(png):
        if offset + 12 > len(png):
            raise ValidationError("the PNG ends in the middle of a chunk")
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind = png[offset + 4:offset + 8]
        data = png[offset + 8:offset + 8 + length]
        end = offset + 12 + length
        if end > len(png) or len(data) != length:
            raise ValidationError("the PNG ends in the middle of a chunk")
        (crc,) = struct.unpack(">I", png[end - 4:end])
        if zlib.crc32(kind + data) != crc:
            raise ValidationError(f"the PNG's {kind.decode('latin-1')} chunk is damaged (CRC mismatch)")
        yield kind, data, offset, end
        offset = end
        if kind == b"IEND":
            return
    raise ValidationError("the PNG has no IEND chunk")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _is_credential_chunk(kind: bytes, data: bytes) -> bool:
    return kind == b"iTXt" and data.split(b"\0", 1)[0] == PNG_KEYWORD


def bake_png(png: bytes, credential: bytes) -> bytes:
    """``png`` with ``credential`` (its JSON) in an uncompressed ``iTXt`` chunk ``openbadgecredential``,
    placed before ``IEND``; an earlier such chunk is replaced."""
    text = credential.decode("utf-8")  # iTXt text is UTF-8; refuse anything else early
    payload = PNG_KEYWORD + b"\0" + b"\0\0" + b"" + b"\0" + b"" + b"\0" + text.encode("utf-8")
    out = bytearray(_PNG_SIGNATURE)
    for kind, data, start, end in _chunks(png):
        if _is_credential_chunk(kind, data):
            continue
        if kind == b"IEND":
            out += _chunk(b"iTXt", payload)
        out += png[start:end]
    return bytes(out)


def extract_png(png: bytes) -> bytes | None:
    """The credential baked into a PNG, or None."""
    for kind, data, _, _ in _chunks(png):
        if _is_credential_chunk(kind, data):
            rest = data[len(PNG_KEYWORD) + 1:]
            compressed, _method = rest[0], rest[1]
            _language, _, rest = rest[2:].partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            return zlib.decompress(text) if compressed else text
    return None


def bake_svg(svg: str, credential: bytes) -> str:
    """``svg`` with the namespace on its root and ``<openbadges:credential>`` (the JSON in CDATA) right
    after the opening tag; an earlier credential element is replaced.

    Raises:
        ValidationError: no ``<svg>`` element.
    """
    svg = _SVG_CREDENTIAL.sub("", svg)
    match = _SVG_OPEN.search(svg)
    if match is None:
        raise ValidationError("not an SVG image (no <svg> element)")
    tag = match.group(0)
    if "xmlns:openbadges=" not in tag:
        tag = tag[:-1].rstrip("/") + f' xmlns:openbadges="{OB_NAMESPACE}">'
    text = credential.decode("utf-8").replace("]]>", "]]]]><![CDATA[>")  # CDATA cannot hold its own end
    element = f"<openbadges:credential><![CDATA[{text}]]></openbadges:credential>"
    return svg[:match.start()] + tag + element + svg[match.end():]


def extract_svg(svg: str) -> bytes | None:
    """The credential baked into an SVG, or None."""
    match = _SVG_CREDENTIAL.search(svg)
    if match is None:
        return None
    body = match.group(1).strip()
    parts = re.findall(r"<!\[CDATA\[(.*?)\]\]>", body, re.DOTALL)
    return ("".join(parts) if parts else body).encode("utf-8")


def _lines(text: str, width: int, limit: int) -> list[str]:
    """``text`` in lines of about ``width`` columns (a Han character counts two), at most ``limit``."""
    lines: list[str] = []
    current = ""
    for token in re.findall(r"[\u3000-\u9fff\uf900-\ufaff]|[^\s\u3000-\u9fff]+\s*|\s+", text.strip()):
        size = sum(2 if "\u3000" <= c <= "\u9fff" else 1 for c in current + token)
        if current and size > width:
            lines.append(current.strip())
            current = token.lstrip()
        else:
            current += token
    if current.strip():
        lines.append(current.strip())
    if len(lines) > limit:
        lines = lines[:limit]
        lines[-1] = lines[-1].rstrip(".") + "…"
    return lines


def badge_svg(*, title: str, institution: str, holder: str | None, date: str, color: str = "#1f4e9c") -> str:
    """A 400 x 400 badge: a seal in ``color`` with the institution, the title, the holder and the date."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise ValidationError(f"badge colour {color!r} must be #rrggbb")
    font = ("'Noto Sans CJK SC','WenQuanYi Micro Hei','PingFang SC','Microsoft YaHei',"
            "'Segoe UI','DejaVu Sans',sans-serif")
    title_lines = _lines(title, 22, 3)
    y0 = 192 - 13 * (len(title_lines) - 1)
    title_svg = "".join(
        f'<text x="200" y="{y0 + 27 * i}" font-size="22" font-weight="700" text-anchor="middle" '
        f'fill="#1d2330">{escape(line)}</text>' for i, line in enumerate(title_lines))
    institution_line = escape(_lines(institution, 30, 1)[0] if institution else "")
    holder_svg = (f'<text x="200" y="{y0 + 27 * len(title_lines) + 14}" font-size="17" text-anchor="middle" '
                  f'fill="#3a4356">{escape(_lines(holder, 30, 1)[0])}</text>') if holder else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" '
        f'role="img" aria-label="{escape(title)}" font-family="{font}">'
        f"<title>{escape(title)}</title>"
        f'<circle cx="200" cy="200" r="192" fill="{color}"/>'
        '<circle cx="200" cy="200" r="185" fill="none" stroke="#ffffff" stroke-width="2" stroke-dasharray="2 5"/>'
        '<circle cx="200" cy="200" r="150" fill="#ffffff"/>'
        '<path id="arc" d="M 38 200 A 162 162 0 0 1 362 200" fill="none"/>'
        f'<text font-size="18" font-weight="600" fill="#ffffff" letter-spacing="1">'
        f'<textPath href="#arc" startOffset="50%" text-anchor="middle">{institution_line}</textPath></text>'
        '<path id="low" d="M 50 200 A 150 150 0 0 0 350 200" fill="none"/>'
        '<text font-size="13" fill="#ffffff" letter-spacing="2">'
        '<textPath href="#low" startOffset="50%" text-anchor="middle" dominant-baseline="hanging">'
        'OPEN BADGES 3.0 · VERIFIABLE</textPath></text>'
        f'<text x="200" y="112" font-size="34" text-anchor="middle" fill="{color}">✓</text>'
        f"{title_svg}{holder_svg}"
        f'<text x="200" y="322" font-size="15" text-anchor="middle" fill="#5b6476">{escape(date)}</text>'
        "</svg>"
    )
