"""Printable certificates: HTML from a template per certificate type, printed to PDF by the browser.

A template is an HTML file with ``${name}`` placeholders (Python's :class:`string.Template`); every
value is HTML-escaped except ``logo`` and ``qr``, which are markup made here:

    lang, title, description, holder, institution, domain_line, date, valid_until_line,
    type_line, credential_id, credential_hash, link, logo (an <img>), qr (an inline SVG)

:func:`template_for` picks ``certificate-<type id>.html``, else ``certificate.html``, from a
directory of the issuer's own (a workspace's ``templates/``), else the one shipped here. The QR code
is the credential's share link: scanned, it opens the verifier with the certificate in it, so the
person holding the paper can be compared with the holder the chain vouches for.
"""

from __future__ import annotations

import base64
import mimetypes
import string
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

import segno

from ledger.credentials.document import Credential
from ledger.errors import ValidationError

__all__ = ["DEFAULT_TEMPLATE", "CertificateView", "logo_markup", "render_certificate", "template_for"]

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "certificate.html"
_LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_MAX_LOGO = 2 * 1024 * 1024


@dataclass(frozen=True)
class CertificateView:
    """What the certificate shows about its issuer beyond the document: a verified domain, if any."""

    domain: str | None = None
    domain_verified: bool = False


def template_for(type_id: int, directory: Path | None) -> Path:
    """The template of certificate type ``type_id``: the issuer's own if ``directory`` has one."""
    if directory is not None:
        for name in (f"certificate-{type_id}.html", "certificate.html"):
            if (directory / name).is_file():
                return directory / name
    return DEFAULT_TEMPLATE


def logo_markup(path: Path | None) -> str:
    """An ``<img>`` of the logo file (PNG, SVG or JPEG, embedded as a data URL), or nothing.

    Raises:
        ValidationError: not one of those types, or over 2 MiB.
    """
    if path is None:
        return ""
    kind = _LOGO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if kind not in _LOGO_TYPES.values():
        raise ValidationError(f"logo {path}: use a PNG, SVG or JPEG file")
    data = path.read_bytes()
    if len(data) > _MAX_LOGO:
        raise ValidationError(f"logo {path} is over 2 MiB")
    return f'<img class="logo" alt="" src="data:{kind};base64,{base64.b64encode(data).decode("ascii")}">'


def _date(stamp: str | None) -> str:
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return f"{moment.year}-{moment.month:02d}-{moment.day:02d}"


def render_certificate(credential: Credential, link: str, *, template: Path = DEFAULT_TEMPLATE,
                       logo: str = "", view: CertificateView | None = None) -> str:
    """The certificate's HTML.

    Raises:
        ValidationError: the template names a placeholder that is not one of the above.
    """
    view = view or CertificateView()
    achievement = credential.achievement
    holder = credential.holder_name or credential.subject_id
    text = {
        "lang": "zh-CN" if any("\u4e00" <= c <= "\u9fff" for c in holder + achievement.name) else "en",
        "title": achievement.name,
        "description": achievement.description if achievement.description != achievement.name else "",
        "holder": holder,
        "institution": credential.issuer.name,
        "domain_line": (f"{view.domain} ✓" if view.domain_verified else view.domain) if view.domain else "",
        "date": _date(credential.template.valid_from),
        "valid_until_line": (f"Valid until · 有效期至: {_date(credential.template.valid_until)}"
                             if credential.template.valid_until else ""),
        "type_line": f"{achievement.field_of_study} · type {achievement.type_id} v{achievement.type_version}",
        "credential_id": credential.id,
        "credential_hash": "0x" + credential.hash.hex(),
        "link": link,
    }
    values = {k: escape(v) for k, v in text.items()}
    qr = segno.make(link, error="l", micro=False).svg_inline(scale=2, dark="#1d2330", omitsize=True)
    values.update(logo=logo, qr=qr)
    try:
        return string.Template(template.read_text(encoding="utf-8")).substitute(values)
    except KeyError as exc:
        raise ValidationError(f"template {template} names ${{{exc.args[0]}}}, which is not a certificate field",
                              hint=f"fields: {', '.join(sorted(values))}") from None
    except ValueError as exc:
        raise ValidationError(f"template {template} is malformed: {exc} (write a literal $ as $$)") from None
