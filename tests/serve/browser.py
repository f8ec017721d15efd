"""Real headless Chromium driven by Selenium: Debian's /usr/bin/chromium and its chromedriver.

The same flags as :mod:`tests.audit.chromium` (no network services, no sync, no first-run), a fresh
``--user-data-dir`` per browser, and the browser's languages set as a person's browser would be. A
missing browser or driver is an error naming the install command, never a skipped test.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from ledger.render.browser import HEADLESS_FLAGS

FLAGS = HEADLESS_FLAGS


def _which(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    raise RuntimeError(f"{names[0]} is not installed: run `apt-get install -y chromium chromium-driver` "
                       "(make setup-test does)")


@contextmanager
def chromium(language: str = "en-US", size: tuple[int, int] = (1280, 1500)) -> Iterator[WebDriver]:
    """A headless Chromium whose preferred language is ``language``; quit (and its profile removed) on exit."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for downloads
    browser = _which("chromium", "chromium-browser", "/usr/bin/chromium")
    driver_binary = _which("chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={size[0]},{size[1]}")
        options.add_argument(f"--lang={language}")
        options.add_experimental_option("prefs", {"intl.accept_languages": f"{language},{language.split('-')[0]}"})
        driver = webdriver.Chrome(service=Service(executable_path=driver_binary), options=options)
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


def wait_for(driver: WebDriver, css: str, timeout: float = 60.0) -> list:
    """The elements matching ``css`` once there is at least one (a condition with a deadline)."""
    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    return driver.find_elements(By.CSS_SELECTOR, css)


def choose_files(driver: WebDriver, *paths: Path) -> None:
    """Choose files in the page's file input, as a person does with the file dialog."""
    driver.find_element(By.ID, "file").send_keys("\n".join(str(p.resolve()) for p in paths))


def drop_file(driver: WebDriver, path: Path) -> None:
    """Drop a file on the drop zone: a DataTransfer holding the file, dispatched as drag events."""
    driver.execute_script(
        """
        const [name, text] = arguments;
        const data = new DataTransfer();
        data.items.add(new File([text], name, {type: "application/json"}));
        const zone = document.getElementById("drop");
        for (const type of ["dragenter", "dragover", "drop"]) {
          zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
        }
        """,
        path.name,
        path.read_text(encoding="utf-8"),
    )


def screenshot(driver: WebDriver, out: Path) -> Path:
    """A PNG of the whole page (its full height, through the DevTools protocol)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    width = int(metrics["cssContentSize"]["width"])
    height = int(metrics["cssContentSize"]["height"])
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
    })
    out.write_bytes(base64.b64decode(shot["data"]))
    return out


def print_media(driver: WebDriver, on: bool = True) -> None:
    """Render the page as it prints (CSS ``@media print``)."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if on else ""})
