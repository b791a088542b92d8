"""Browser fixtures: Debian's chromium driven by Playwright (sync API), one context per person.

Never `playwright install`: the tests use /usr/bin/chromium. Without it they skip, unless
REQUIRE_BROWSER=1 makes its absence a failure. Like every database-touching test, the story
runs on SQLite and on PostgreSQL.
"""

import os
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"

# The two sizes every resident-facing story is played at.
VIEWPORTS = {
    "tablet": {"width": 1024, "height": 768},
    "phone": {"width": 390, "height": 844},
}
# Every size a page is checked at: the story sizes, a laptop's projector and a 1080p screen.
SIZES = {
    **VIEWPORTS,
    "1280x720": {"width": 1280, "height": 720},
    "1920x1080": {"width": 1920, "height": 1080},
}

# Pages look the same whatever database serves them; a test of layout or accessibility runs on SQLite
# only, while the stories where the database matters (casting, closing, the PB day) run on both.
ONE_DATABASE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _no_browser(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _no_browser(f"chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def open_sized(browser, live_server):
    """`open_sized(size)` is a fresh device (its own cookies) of one of SIZES, pointed at the server."""
    contexts, blocked = [], []

    def open_sized(size: str):
        context = browser.new_context(viewport=SIZES[size], base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        # The Content-Security-Policy forbids inline script and style; anything it blocks is a bug.
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    yield open_sized
    for context in contexts:
        context.close()
    assert blocked == [], f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def open_device(open_sized, viewport):
    """`open_device()` is a fresh device (its own cookies) at this test's viewport, pointed at the server."""
    return lambda: open_sized(viewport)


@pytest.fixture
def screenshot(viewport):
    """`screenshot(page, step)` saves var/screenshots/{viewport}-{step}.png, the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> Path:
        path = SCREENSHOTS / f"{viewport}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
