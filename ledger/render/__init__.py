"""What a credential looks like to people outside the chain: share links and QR codes, printable
certificates (HTML and PDF from a template per certificate type), and Open Badges 3.0 baked badges
(PNG and SVG carrying the credential).

Modules: :mod:`~ledger.render.share` (links to the web verifier, QR codes),
:mod:`~ledger.render.certificate` (certificates from templates), :mod:`~ledger.render.badge` (the badge
image, baking and reading a credential in PNG and SVG), :mod:`~ledger.render.browser` (headless
Chromium to print PDF and PNG).

May import: ``ledger.credentials`` and the foundations; segno for QR codes.
"""

from __future__ import annotations

from ledger.render.badge import badge_svg, bake_png, bake_svg, extract_png, extract_svg
from ledger.render.certificate import CertificateView, render_certificate, template_for
from ledger.render.share import QRCodes, decode_link, share_link, write_qr

__all__ = [
    "CertificateView",
    "QRCodes",
    "badge_svg",
    "bake_png",
    "bake_svg",
    "decode_link",
    "extract_png",
    "extract_svg",
    "render_certificate",
    "share_link",
    "template_for",
    "write_qr",
]
