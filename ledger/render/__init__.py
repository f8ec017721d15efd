"""What a credential looks like to people outside the chain: share links and QR codes, printable
certificates (HTML and PDF from a template per certificate type), and Open Badges 3.0 baked badges
(PNG and SVG carrying the credential).

Modules: :mod:`~ledger.render.share` (links to the web verifier, QR codes).

May import: ``ledger.credentials`` and the foundations; segno for QR codes.
"""

from __future__ import annotations

from ledger.render.share import QRCodes, decode_link, share_link, write_qr

__all__ = ["QRCodes", "decode_link", "share_link", "write_qr"]
