"""Share links and QR codes: a credential carried to the web verifier in a URL's fragment.

A link is ``<verifier>/#c=<payload>``, the payload being the credential's compact JSON, deflated (raw
DEFLATE, RFC 1951) and base64url-encoded without padding. Browsers never send the fragment to the
server, so the credential does not appear in the verifier's (or a proxy's) access logs; the page
decompresses it (``DecompressionStream("deflate-raw")``) and posts it to the API in a request body.
``#j=<base64url JSON>`` (uncompressed) is read too.

A QR code of the link is written as PNG and SVG (segno). A batch credential's link is about 2 KB:
a QR code of version 30 or so, for screens and printed A4 pages rather than business cards.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import segno

from ledger.errors import ValidationError

__all__ = ["QRCodes", "decode_link", "share_link", "write_qr"]

#: segno's largest QR code (version 40, error correction L) holds 2,953 bytes.
QR_MAX_BYTES = 2953


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValidationError("the link's payload is not base64url") from exc


def share_link(verifier: str, document: bytes) -> str:
    """The link that opens ``document`` (a credential's JSON) in the verifier at ``verifier``.

    Raises:
        ValidationError: ``verifier`` is not an http(s) URL, or already has a fragment.
    """
    if not verifier.startswith(("http://", "https://")) or "#" in verifier:
        raise ValidationError(f"the verifier's address {verifier!r} must be an http:// or https:// URL without '#'")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = compressor.compress(document) + compressor.flush()
    base = verifier if urlsplit(verifier).path not in ("", None) else verifier + "/"
    return f"{base}#c={_b64url(payload)}"


def decode_link(link: str, *, limit: int = 4 * 1024 * 1024) -> bytes:
    """The credential a share link carries (what the page does, in Python).

    Raises:
        ValidationError: the link carries no credential, or a damaged one.
    """
    fragment = urlsplit(link).fragment
    params = parse_qs(fragment, keep_blank_values=True)
    if "c" in params:
        decompressor = zlib.decompressobj(-15)
        try:
            data = decompressor.decompress(_unb64url(params["c"][0]), limit + 1)
        except zlib.error as exc:
            raise ValidationError(f"the link's payload does not inflate: {exc}") from exc
        if len(data) > limit or decompressor.unconsumed_tail:
            raise ValidationError(f"the link's credential is over {limit:,} bytes")
        return data
    if "j" in params:
        return _unb64url(params["j"][0])
    raise ValidationError("the link carries no credential (no #c= or #j= fragment)")


@dataclass(frozen=True)
class QRCodes:
    """The QR code files written for a link, and the code's version (size: 17 + 4 x version modules)."""

    png: Path
    svg: Path
    version: int


def write_qr(link: str, stem: Path, *, scale: int = 4) -> QRCodes:
    """``stem.png`` and ``stem.svg``: a QR code of ``link`` (error correction L, the densest).

    Raises:
        ValidationError: the link is too long for any QR code.
    """
    if len(link.encode("utf-8")) > QR_MAX_BYTES:
        raise ValidationError(f"the link is {len(link):,} characters, more than a QR code holds ({QR_MAX_BYTES:,})",
                              hint="share the link itself, or the credential file")
    code = segno.make(link, error="l", micro=False, boost_error=False)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    code.save(str(png), scale=scale, border=4)
    code.save(str(svg), scale=scale, border=4, title="Credential share link")
    return QRCodes(png, svg, int(code.version))
