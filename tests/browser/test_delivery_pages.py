"""Acceptance 3: the council dashboard, a grant's books and a funded project's public page, in a
browser at a tablet and a phone: axe finds nothing, nothing scrolls sideways, and each page is
screenshotted as var/screenshots/{viewport}-delivery-*.png. The demo is seeded: last year's round
certified and delivered."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from voting.demo import seed_demo

pytestmark = pytest.mark.browser

_axe = Axe()


def everyone_can_use(page: Page, step: str, screenshot) -> None:
    screenshot(page, f"delivery-{step}")
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step} ({page.url}):\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{step} ({page.url}) scrolls sideways by {overflow}px"


# The services and pages are tested on both databases in tests/test_delivery.py.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_dashboard_a_project_and_a_grants_books(db, open_device, screenshot):
    with db.session(write=True) as session:
        seed_demo(session, ballots=30)

    resident = open_device()
    resident.goto("/dashboard")
    expect(resident.get_by_role("heading", name="Council dashboard", level=1)).to_be_visible()
    expect(resident.get_by_role("img", name=re.compile("allocated, .* committed, .* spent"))).to_be_visible()
    expect(resident.get_by_role("heading", name="Estimated cost-benefit (estimates)")).to_be_visible()
    everyone_can_use(resident, "dashboard", screenshot)

    resident.get_by_label("Partnership").select_option(label="Macclesfield Neighbourhood Partnership")
    resident.get_by_role("button", name="Show").click()
    expect(resident).to_have_url(re.compile(r"partnership=\d+"))
    csv_link = resident.get_by_role("link", name="Download this table (CSV)").first
    expect(csv_link).to_have_attribute("href", re.compile(r"^/dashboard/money\.csv\?partnership=\d+"))

    resident.goto("/rounds/1/results")
    expect(resident.locator("#certified")).to_contain_text("Certified on")
    expect(resident.get_by_role("link", name="Awards in the 360Giving standard (JSON)")).to_be_visible()
    everyone_can_use(resident, "certified-results", screenshot)

    resident.goto("/dashboard")
    resident.get_by_role("region", name="Funded projects").get_by_role("link").first.click()
    expect(resident.get_by_role("heading", name="What was promised")).to_be_visible()
    expect(resident.get_by_role("heading", name="Money spent so far")).to_be_visible()
    project_address = resident.url
    everyone_can_use(resident, "project", screenshot)

    officer = open_device()
    officer.goto("/login?next=/manage")
    officer.get_by_label("Username").fill("officer")
    officer.get_by_label("Password").fill("demo-officer-pass")
    officer.get_by_role("button", name="Sign in").click()
    expect(officer).to_have_url(re.compile("/manage$"))
    officer.goto("/manage/rounds/1/certify")
    expect(officer.get_by_text(re.compile("^Certified on .* confirmed on"))).to_be_visible()
    everyone_can_use(officer, "certify", screenshot)
    officer.goto("/manage/rounds/1/grants")
    expect(officer.get_by_role("heading", name="Grants for the funded projects")).to_be_visible()
    everyone_can_use(officer, "grants", screenshot)
    grant_id = project_address.rsplit("/", 1)[-1]
    officer.goto(f"/manage/grants/{grant_id}")
    expect(officer.get_by_role("heading", name=re.compile("^Grant: "), level=1)).to_be_visible()
    # A date in the future is refused beside its field, with what was typed kept.
    officer.get_by_label("Date (year-month-day)").fill("2999-01-01")
    officer.get_by_label("Amount in pounds").fill("120")
    officer.get_by_label("What it was spent on").fill("Leaflets")
    officer.get_by_role("button", name="Record spending").click()
    expect(officer.locator("#spent_on-error")).to_have_text("The date cannot be in the future.")
    expect(officer.get_by_label("What it was spent on")).to_have_value("Leaflets")
    everyone_can_use(officer, "grant-books", screenshot)
