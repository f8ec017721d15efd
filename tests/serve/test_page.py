"""The verifier page end to end in real headless Chromium (Selenium, Debian's chromium and chromedriver):
files chosen or dropped as a person does, a share link opened, the verdict read off the rendered page.

Screenshots go to ``test-artifacts/`` (the README's is taken from the valid-and-tampered one).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from browser import choose_files, chromium, drop_file, print_media, screenshot, wait_for
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from world import ACCESS_LOG, COURSE, UNIVERSITY, World, run

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url)
    wait_for(driver, "#drop")


def _cards(driver: WebDriver, count: int = 1) -> list:
    WebDriverWait(driver, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.card")) >= count)
    return driver.find_elements(By.CSS_SELECTOR, "article.card")


def _steps(card) -> dict[str, tuple[str, str]]:
    return {row.get_attribute("data-step"): (row.get_attribute("data-outcome"), row.get_attribute("data-code"))
            for row in card.find_elements(By.CSS_SELECTOR, "tr[data-step]")}


def _issued(path: Path) -> str:
    import json

    stamp = json.loads(path.read_text(encoding="utf-8"))["validFrom"]
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return f"{moment.day} {moment.strftime('%B %Y')}"  # en-GB long date, as the page writes it


def test_a_valid_certificate_reads_as_valid_with_names_dates_status_and_every_step(served: World) -> None:
    with chromium() as driver:
        _open(driver, served.url + "/")
        choose_files(driver, served.file("valid"))
        card = _cards(driver)[0]
        assert card.get_attribute("data-verdict") == "valid"
        verdict = card.find_element(By.CSS_SELECTOR, ".verdict").text
        assert verdict.startswith("✓") and "Valid" in verdict and "not revoked" in verdict
        assert card.find_element(By.CSS_SELECTOR, ".holder").text == "李华"
        assert card.find_element(By.CSS_SELECTOR, ".cert-title").text == COURSE
        issuer = card.find_element(By.CSS_SELECTOR, ".issuer")
        assert UNIVERSITY in issuer.text and served.domain in issuer.text and "verified domain" in issuer.text
        assert issuer.find_element(By.CSS_SELECTOR, "[data-domain-verified]").get_attribute(
            "data-domain-verified") == "true"
        assert card.find_element(By.CSS_SELECTOR, ".valid-from").text == _issued(served.file("valid"))
        assert card.find_element(By.CSS_SELECTOR, ".valid-until").text == "no expiry date"
        assert card.find_element(By.CSS_SELECTOR, ".status").text == "Active"
        assert _steps(card) == {
            "format": ("pass", "FORMAT_OK"),
            "integrity": ("pass", "HASH_OK"),
            "inclusion": ("pass", "PROOF_OK"),
            "anchoring": ("pass", "ANCHORED"),
            "issuer_authorized": ("pass", "AUTHORIZED"),
            "issuer_domain": ("pass", "DOMAIN_VERIFIED"),
            "status": ("pass", "ACTIVE"),
            "criteria": ("skipped", "NOT_APPLICABLE"),
            "expiry": ("pass", "IN_VALIDITY_PERIOD"),
        }
        rows = card.find_element(By.CSS_SELECTOR, "table.steps").text
        assert "Not altered since issuance" in rows and "Institution's web domain" in rows
        screenshot(driver, ARTIFACTS / "verifier-valid.png")


def test_a_tampered_certificate_is_invalid_and_says_why(served: World) -> None:
    with chromium() as driver:
        _open(driver, served.url + "/")
        drop_file(driver, served.file("tampered"))  # dropped on the drop zone, not chosen
        card = _cards(driver)[0]
        assert card.get_attribute("data-verdict") == "invalid"
        verdict = card.find_element(By.CSS_SELECTOR, ".verdict").text
        assert "Invalid" in verdict and "changed after it was issued" in verdict and "HASH_MISMATCH" in verdict
        assert card.find_element(By.CSS_SELECTOR, ".holder").text == "Mallory Forger"  # what the forged file claims
        steps = _steps(card)
        assert steps["integrity"] == ("fail", "HASH_MISMATCH")
        assert steps["anchoring"] == ("skipped", "PRECONDITION_FAILED")


def test_a_revoked_certificate_is_invalid_and_says_revoked_with_the_reason(served: World) -> None:
    with chromium() as driver:
        _open(driver, served.url + "/")
        choose_files(driver, served.file("revoked"))
        card = _cards(driver)[0]
        assert card.get_attribute("data-verdict") == "invalid"
        assert "REVOKED" in card.find_element(By.CSS_SELECTOR, ".verdict").text
        status = card.find_element(By.CSS_SELECTOR, ".status").text
        assert status.startswith("Revoked (reason: misconduct, since block ")
        assert _steps(card)["status"] == ("fail", "REVOKED")
        assert card.find_element(By.CSS_SELECTOR, ".holder").text == "Bob Li"


def test_a_certificate_of_another_deployment_is_refused(served: World) -> None:
    with chromium() as driver:
        _open(driver, served.url + "/")
        choose_files(driver, served.file("foreign"))
        card = _cards(driver)[0]
        assert card.get_attribute("data-verdict") == "invalid"
        assert "another deployment" in card.find_element(By.CSS_SELECTOR, ".verdict").text
        assert _steps(card)["anchoring"] == ("fail", "CONTRACT_MISMATCH")


def test_a_selectively_disclosed_certificate_verifies_and_says_what_was_withheld(served: World) -> None:
    with chromium() as driver:
        _open(driver, served.url + "/")
        choose_files(driver, served.file("withheld"))
        card = _cards(driver)[0]
        assert card.get_attribute("data-verdict") == "valid"
        assert card.find_element(By.CSS_SELECTOR, ".holder").text == "(withheld by the holder)"
        withheld = card.find_element(By.CSS_SELECTOR, ".withheld")
        assert withheld.get_attribute("data-withheld") == "credentialSubject.identifier"
        assert withheld.text == "holder's name"
        assert "withheld by the holder" in card.find_element(By.CSS_SELECTOR, "tr[data-step=integrity]").text
        assert "Alice Zhang" not in card.text


def test_a_share_link_opens_the_certificate_and_never_reaches_the_server_log(served: World, tmp_path: Path) -> None:
    shared = run(served.ws, "cred", "share", str(served.file("english")), "--verifier", served.url,
                 "--out", str(tmp_path))
    link, payload = shared["link"], shared["link"].split("#c=", 1)[1]
    assert link.startswith(served.url + "/#c=") and len(payload) > 500
    assert Path(shared["qr_png"]).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "<svg" in Path(shared["qr_svg"]).read_text()
    ACCESS_LOG.lines.clear()
    with chromium() as driver:
        driver.get(link)
        card = _cards(driver)[0]
        assert card.get_attribute("data-verdict") == "valid"
        assert card.find_element(By.CSS_SELECTOR, ".holder").text == "Alice Zhang"
        assert "Opened from a share link." in driver.find_element(By.ID, "status").text
    assert any("POST /api/v1/verify" in line for line in ACCESS_LOG.lines), ACCESS_LOG.lines
    assert ACCESS_LOG.lines and not any(payload[:24] in line or "#c=" in line for line in ACCESS_LOG.lines)


def test_a_damaged_share_link_says_so(served: World) -> None:
    with chromium() as driver:
        driver.get(served.url + "/#c=AAAA")
        WebDriverWait(driver, 60).until(lambda d: "damaged" in d.find_element(By.ID, "status").text)
        assert not driver.find_elements(By.CSS_SELECTOR, "article.card")


def test_the_page_speaks_the_browser_s_language_and_switches(served: World) -> None:
    with chromium("zh-CN") as driver:
        _open(driver, served.url + "/")
        assert driver.find_element(By.TAG_NAME, "h1").text == "证书验证"
        assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
        choose_files(driver, served.file("valid"))
        card = _cards(driver)[0]
        assert "有效" in card.find_element(By.CSS_SELECTOR, ".verdict").text
        assert "持有人" in card.text and "域名已验证" in card.text and "签发后未被篡改" in card.text
        driver.find_element(By.ID, "lang").click()  # to English: the result is drawn again
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Credential verifier")
        card = _cards(driver)[0]
        assert "Valid" in card.find_element(By.CSS_SELECTOR, ".verdict").text and "Holder" in card.text
        screenshot(driver, ARTIFACTS / "verifier-switched-to-english.png")
        driver.refresh()  # the choice is remembered
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Credential verifier")
    with chromium("en-US") as driver:
        _open(driver, served.url + "/")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Credential verifier"


def test_the_print_view_shows_the_result_without_the_controls(served: World) -> None:
    with chromium() as driver:
        _open(driver, served.url + "/")
        choose_files(driver, served.file("valid"))
        _cards(driver)
        assert driver.find_element(By.ID, "print").is_displayed()
        print_media(driver)
        hidden = driver.execute_script(
            "return ['input', 'actions'].map(id => getComputedStyle(document.getElementById(id)).display)")
        assert hidden == ["none", "none"]
        assert not driver.find_element(By.ID, "lang").is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, "article.card").is_displayed()
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        assert len(pdf["data"]) > 10_000
        print_media(driver, False)


@pytest.mark.parametrize("language", ["en-US"])
def test_a_valid_and_a_tampered_certificate_side_by_side(served: World, language: str) -> None:
    """The README's screenshot: two files chosen at once, one valid and one tampered."""
    with chromium(language, size=(1100, 1400)) as driver:
        _open(driver, served.url + "/")
        choose_files(driver, served.file("valid"), served.file("tampered"))
        cards = _cards(driver, 2)
        assert [c.get_attribute("data-verdict") for c in cards] == ["valid", "invalid"]
        assert "2 certificates: 1 valid." in driver.find_element(By.ID, "results").text
        out = screenshot(driver, ARTIFACTS / "verifier-valid-and-tampered.png")
        assert out.stat().st_size > 50_000
