"""Every page, not just the PB day's: axe finds nothing, and nothing scrolls sideways on a phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from tests.builders import PASSWORD, a_pb_day, passes_for

pytestmark = [pytest.mark.browser, ONE_DATABASE]

_axe = Axe()


def accessible(page: Page, path: str) -> None:
    page.goto(path)
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {path}:\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"


def test_public_and_staff_pages(db, open_device):
    day = a_pb_day(db)
    [code] = passes_for(db, day.round_id)
    page = open_device()
    page.goto(f"/kiosk?code={code}")
    page.get_by_role("group", name="Project 1").get_by_label("Score 3", exact=True).check()
    page.get_by_role("button", name="Review my choices").click()
    page.get_by_role("button", name="Confirm my vote").click()
    tracking_code = page.locator("#tracking-code").inner_text()

    for path in ("/", f"/rounds/{day.round_id}", f"/rounds/{day.round_id}/check",
                 f"/rounds/{day.round_id}/check?code={tracking_code}", "/rounds/424242", "/login"):
        accessible(page, path)

    page.goto("/login")
    page.get_by_label("Username").fill("chair")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your rounds")).to_be_visible()
    for path in ("/manage", f"/manage/rounds/{day.round_id}", f"/manage/rounds/new?partnership_id={day.partnership.id}",
                 f"/desk?round_id={day.round_id}"):
        accessible(page, path)
