"""Load an HTML file in headless Chromium (Debian's /usr/bin/chromium): rendered DOM and a screenshot.

Each run uses a fresh --user-data-dir and no network services, and is bounded by a deadline. A missing
browser is an error naming the install command, so the browser test is never skipped silently.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ledger.render.browser import HEADLESS_FLAGS

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

FLAGS = HEADLESS_FLAGS


def binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("chromium is not installed: run `apt-get install -y chromium` (the test command does)")


def _run(page: Path, extra: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [binary(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )


def dump_dom(page: Path, *, timeout: float = 60.0) -> str:
    """The DOM after rendering, serialised (what the browser built, not the file's bytes)."""
    return _run(page, ["--dump-dom"], timeout).stdout


def screenshot(page: Path, out: Path, *, size: tuple[int, int] = (1280, 1600), timeout: float = 60.0) -> Path:
    """A PNG of the rendered page."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    _run(page, [f"--screenshot={out.resolve()}", f"--window-size={size[0]},{size[1]}"], timeout)
    return out
