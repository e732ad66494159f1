"""Fixtures for the browser tests: one chromium per session, zh-CN pages per test.

Playwright's sync API runs an event loop in this thread, and Django refuses database work
from a thread with a running loop unless told otherwise; the live server and the fixtures
talk to the database from plain threads, so the guard is lifted for these tests.
Every test leaves a full-page screenshot in test-artifacts/screenshots/<test-name>.png
(extra tabs: <test-name>-<label>.png).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_DIR / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "fengqiao-demo"  # noqa: S105 - the public demo password (README)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


@pytest.fixture
def new_page(browser, request, live_server):
    """Open another tab in its own zh-CN context: new_page("leader", viewport={...}).

    Each tab gets `base_url` and a `console` list (console messages, page errors and HTTP
    errors), and is screenshotted (full page) when the test ends; an uncaught JavaScript
    error in any tab fails the test.
    """
    opened = []

    def open_page(label: str = "", *, viewport: dict | None = None):
        context = browser.new_context(locale="zh-CN", viewport=viewport or DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        tab.console = []
        tab.on("console", lambda m: tab.console.append(f"{m.type}: {m.text}"))
        tab.on("pageerror", lambda e: tab.console.append(f"pageerror: {e}"))
        tab.on(
            "response",
            lambda r: r.status >= 400 and tab.console.append(f"http {r.status}: {r.url}"),
        )
        tab.base_url = live_server.url
        opened.append((label, tab))
        return tab

    yield open_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    script_errors = []
    for label, tab in opened:
        name = request.node.name + (f"-{label}" if label else "")
        try:
            tab.screenshot(path=str(SCREENSHOTS / f"{_file_name(name)}.png"), full_page=True)
        finally:
            if tab.console:
                print(f"\nbrowser console for {name}:\n  " + "\n  ".join(tab.console))
            script_errors += [m for m in tab.console if m.startswith("pageerror")]
            tab.context.close()
    if script_errors:
        pytest.fail("uncaught JavaScript errors:\n" + "\n".join(script_errors))


@pytest.fixture
def page(new_page):
    """A fresh desktop-sized zh-CN tab; its screenshot is <test-name>.png."""
    return new_page()


def screenshot(page, name: str) -> Path:
    """An extra full-page screenshot of an intermediate state."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_file_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def url(page, path: str) -> str:
    return page.base_url + path


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form at /accounts/login/ and wait for the page that follows."""
    page.goto(url(page, "/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form[action$='/accounts/login/'] button[type=submit]")


def open_step(page, action: str) -> None:
    """Open a case, dispute or petition page's "next step" menu on one step's form."""
    menu = page.locator("details#next-step")
    if menu.get_attribute("open") is None:
        menu.locator(":scope > summary").click()
    step = menu.locator(f"details.step[data-action='{action}']")
    if step.get_attribute("open") is None:
        step.locator(":scope > summary").click()
