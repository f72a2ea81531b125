"""The web dashboard in a real browser against a real server (issue 10).

Playwright for Python drives Debian's chromium (`apt-get install -y chromium`,
`pip install playwright`; no `playwright install`: nothing is downloaded).
Screenshots land in test-artifacts/dashboard/; with DOCWARDEN_UPDATE_SCREENSHOT=1
the laptop one also replaces docs/dashboard.png, the README's picture.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, launch

pytest.importorskip("playwright.sync_api", reason="playwright is not installed: "
                    "pip install playwright (the browser is Debian's chromium)")
from playwright.sync_api import Browser, ViewportSize, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
DOCS_SHOT = ROOT / "docs" / "dashboard.png"
OCR_IMAGE = ROOT / "tests" / "data" / "ocr" / "text_rec.jpg"
KEY = "dashboard-test-key"
LAPTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 375, "height": 812}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
UI_TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium is absent: apt-get install -y chromium"),
    pytest.mark.timeout(120),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("dashboard"), engines="ocr", workers=1,
                     api_key=KEY, job_timeout_s=60)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Tab:
    """One page plus what went wrong in it: script errors and refused resources."""

    def __init__(self, browser: Browser, server: Server, viewport: ViewportSize) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(UI_TIMEOUT_MS)
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)
        self.page.goto(server.url + "/")

    def _console(self, message: Any) -> None:
        # 401/415 answers are expected here; CSP refusals and script errors are not.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")

    def enter_key(self) -> None:
        self.page.get_by_label("API key").fill(KEY)
        self.page.get_by_role("button", name="Use key").click()

    def upload(self, path: Path, engine: str) -> None:
        self.page.get_by_label("File (image or PDF)").set_input_files(str(path))
        self.page.get_by_label("Engine", exact=True).select_option(engine)
        self.page.get_by_role("button", name="Run").click()

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


@pytest.fixture
def laptop(browser: Browser, server: Server) -> Iterator[Tab]:
    tab = Tab(browser, server, LAPTOP)
    yield tab
    tab.close()


def test_key_prompt_cards_recycle_upload_and_error(laptop: Tab, tmp_path: Path) -> None:
    page = laptop.page
    expect(page.locator("#workers .worker")).to_have_count(2)  # ocr and chaos
    ocr_card = page.locator('.worker[data-engine="ocr"]')
    expect(ocr_card.locator(".state")).to_have_text(re.compile("idle|busy"))
    expect(ocr_card).to_contain_text(re.compile(r"pid\s*\d+\s*jobs done\s*\d+"))
    expect(ocr_card.get_by_role("meter")).to_have_attribute(
        "aria-valuetext", re.compile(r"^\d+ MB \(soft 2048 MB, hard 3072 MB\)$"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("needs an API key")  # /metrics answered 401

    laptop.enter_key()
    expect(alert).to_be_hidden()
    expect(page.locator("#rejections")).to_contain_text("No rejection yet")
    expect(page.locator("#recycles")).to_contain_text("No recycle yet")

    page.get_by_role("button", name="Recycle workers").click()
    expect(page.locator("#drain-result")).to_contain_text(re.compile(r"Recycling [12] worker"))
    expect(page.locator("#recycles tbody tr", has_text="manual")).to_contain_text(
        re.compile(r"manual\s*[12]"))

    laptop.upload(OCR_IMAGE, "ocr")
    expect(page.locator("#result .ocr-text")).to_contain_text("韩国小馆", timeout=60_000)
    expect(page.locator("#result")).to_contain_text("HTTP 200")
    # The cards show the last poll: until the next one, the drained worker may
    # still be listed beside its replacement (a strict locator would then fail).
    expect(page.locator('.worker[data-engine="ocr"]')).to_have_count(1)
    expect(page.locator('.worker[data-engine="ocr"] .state')).to_have_text(
        re.compile("idle|busy"))
    page.wait_for_timeout(2500)  # one more poll: the chart has two points and a rate
    shot = laptop.shot("laptop-ocr.png")
    if os.environ.get("DOCWARDEN_UPDATE_SCREENSHOT") == "1":
        DOCS_SHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS_SHOT), full_page=True)
    assert shot.stat().st_size > 10_000

    text_file = tmp_path / "notes.txt"
    text_file.write_text("just some text, not an image\n")
    laptop.upload(text_file, "ocr")
    error = page.locator("#result .error-json")
    expect(error).to_contain_text('"code": "unsupported_media_type"')
    expect(page.locator("#result .error-box h4")).to_have_text("Error 415 · unsupported_media_type")
    expect(page.locator("#rejections tbody tr", has_text="unsupported_media_type")).to_contain_text(
        "ocr")
    laptop.shot("laptop-error.png")


def test_markdown_renderer_escapes_html(laptop: Tab) -> None:
    source = ("# Title <script>x()</script>\n\nSome **bold** and `<b>code</b>`.\n\n"
              "- one\n- <img src=x onerror=alert(1)>\n\n| a | b \\| c |\n|---|---|\n| 1 | 2 |\n\n"
              "```\n<tag> & more\n```\n")
    html = laptop.page.evaluate(
        "async (src) => (await import('/static/markdown.js')).renderMarkdown(src)", source)
    assert "<h1>Title &lt;script&gt;x()&lt;/script&gt;</h1>" in html
    assert "<strong>bold</strong>" in html and "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html
    assert "<li>&lt;img src=x onerror=alert(1)&gt;</li>" in html
    assert "<th>b | c</th>" in html and "<td>2</td>" in html
    assert "<pre><code>&lt;tag&gt; &amp; more</code></pre>" in html
    assert "<script" not in html and "<img" not in html


def test_phone_width_has_no_sideways_scroll(browser: Browser, server: Server) -> None:
    tab = Tab(browser, server, PHONE)
    try:
        tab.enter_key()
        expect(tab.page.locator("#workers .worker").first).to_be_visible()
        expect(tab.page.locator("#engines tbody")).to_contain_text("ocr")
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide on a 375 px phone"
        tab.page.get_by_label("API key").focus()
        tab.page.keyboard.press("Tab")
        focused = tab.page.evaluate("document.activeElement.textContent")
        assert focused == "Use key"
        tab.shot("phone.png")
    finally:
        tab.close()
