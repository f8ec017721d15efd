"""A headless Chromium for printing: HTML to PDF, and SVG to PNG.

Printing through the browser keeps the PDF exactly what the HTML shows (fonts with Chinese, layout,
the QR code), with no second layout engine to maintain. The browser is looked up as ``chromium``,
``chromium-browser``, ``google-chrome`` or ``chrome`` (or given); it runs headless with a fresh profile,
no network services, within a time limit. Without one, :class:`BrowserMissing` says how to get it
(the HTML output needs none).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ledger.errors import LedgerError

__all__ = ["HEADLESS_FLAGS", "BrowserMissing", "find_browser", "html_to_pdf", "svg_to_png"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: How every headless Chromium of the project runs (printing here, the browser tests): no network
#: services, no sync, no first-run, no shared-memory limits.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


class BrowserMissing(LedgerError):
    """No headless browser to print with."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__("printing to PDF or PNG needs Chromium, which is not installed",
                         hint="install it (Debian: apt-get install chromium), or pass --browser PATH; "
                         "--html needs no browser")


def find_browser(given: str | None = None) -> str:
    """The browser to print with: ``given``, else the first of the usual names on PATH."""
    for name in ((given,) if given else _NAMES):
        found = shutil.which(name) if name else None
        if found:
            return found
    raise BrowserMissing()


def _run(browser: str, args: list[str], url: str, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="ledger-print-") as profile:
        try:
            subprocess.run([browser, *HEADLESS_FLAGS, f"--user-data-dir={profile}", *args, url], check=True,
                           capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise LedgerError(f"the browser did not finish printing within {timeout:g} s") from exc
        except (subprocess.CalledProcessError, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            raise LedgerError(f"the browser failed to print: {exc} {detail[-400:].decode(errors='replace')}") from exc


def html_to_pdf(html: Path, pdf: Path, *, browser: str | None = None, timeout: float = 120.0) -> Path:
    """Print ``html`` (a file) to ``pdf`` as the browser prints it (its CSS ``@page`` decides the paper)."""
    target = pdf.resolve()
    target.unlink(missing_ok=True)
    _run(find_browser(browser), [f"--print-to-pdf={target}", "--no-pdf-header-footer"], html.resolve().as_uri(),
         timeout)
    if not target.exists() or target.stat().st_size == 0:
        raise LedgerError(f"the browser wrote no PDF to {target}")
    return target


def svg_to_png(svg: Path, png: Path, *, size: tuple[int, int], browser: str | None = None,
               timeout: float = 120.0) -> Path:
    """A PNG of ``svg`` at ``size`` pixels, on a transparent background."""
    target = png.resolve()
    target.unlink(missing_ok=True)
    _run(find_browser(browser), [f"--screenshot={target}", f"--window-size={size[0]},{size[1]}",
                                 "--default-background-color=00000000"], svg.resolve().as_uri(), timeout)
    if not target.exists():
        raise LedgerError(f"the browser wrote no PNG to {target}")
    return target
