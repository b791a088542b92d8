"""A recipient organisation, with no account, opens the link its officer sent: it adds a payment with its
receipt (after a mistake it is told beside the field), sends a photo; the officer sees who entered
what and lets the photo onto the public page, where the payment shows too. axe finds nothing on any
page, nothing scrolls sideways, and each step is screenshotted as var/screenshots/{viewport}-recipient-*.png."""

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from delivery.demo import recipient_link_for_demo
from tests.browser.conftest import ONE_DATABASE
from tests.builders import A_PDF, a_png
from voting.demo import seed_demo

pytestmark = [pytest.mark.browser, ONE_DATABASE]

_axe = Axe()
RECEIPT = A_PDF


def everyone_can_use(page: Page, step: str, screenshot) -> None:
    screenshot(page, f"recipient-{step}")
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step} ({page.url}):\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{step} ({page.url}) scrolls sideways by {overflow}px"


def test_a_recipient_reports_spend_and_a_photo_through_the_link(db, open_device, screenshot):
    with db.session(write=True) as session:
        seed_demo(session, ballots=30)
    with db.session(write=True) as session:
        title, token = recipient_link_for_demo(session)

    recipient = open_device()
    recipient.goto(f"/recipient/{token}")
    expect(recipient.get_by_role("heading", name=f"Report on your grant: {title}", level=1)).to_be_visible()
    everyone_can_use(recipient, "page", screenshot)

    # A payment dated tomorrow is refused beside its field, and what was typed stays.
    recipient.get_by_label("Date of the payment (year-month-day)").fill((date.today() + timedelta(days=1)).isoformat())
    recipient.get_by_label("Amount in pounds").fill("120")
    recipient.get_by_label("What it was spent on").fill("Leaflets for the open evening")
    recipient.get_by_role("button", name="Add to the ledger").click()
    expect(recipient.locator("#spent_on-error")).to_have_text("The date cannot be in the future.")
    expect(recipient.get_by_label("What it was spent on")).to_have_value("Leaflets for the open evening")
    everyone_can_use(recipient, "refused", screenshot)

    recipient.get_by_label("Date of the payment (year-month-day)").fill((date.today() - timedelta(days=2)).isoformat())
    recipient.get_by_label("Receipt or invoice: a PDF or a photo (PNG or JPEG), at most 4 MB").set_input_files(
        files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": RECEIPT}])
    recipient.get_by_role("button", name="Add to the ledger").click()
    expect(recipient.get_by_role("status").filter(has_text="added to the ledger")).to_be_visible()
    ledger = recipient.get_by_role("region", name="Spend ledger")
    mine = ledger.get_by_role("row", name=re.compile("Leaflets for the open evening .*Your organisation"))
    expect(mine).to_be_visible()
    rows = ledger.get_by_role("row").count()
    recipient.reload()  # after a redirect: nothing is sent again
    expect(ledger.get_by_role("row")).to_have_count(rows)
    everyone_can_use(recipient, "added", screenshot)

    recipient.get_by_label("Photo: JPEG, PNG or WebP, at most 4 MB").set_input_files(
        files=[{"name": "hub.png", "mimeType": "image/png", "buffer": a_png()}])
    recipient.get_by_label("What the photo shows, for people who cannot see it").fill(
        "Young people painting the hub's new sign")
    recipient.get_by_role("button", name="Send the photo").click()
    expect(recipient.get_by_role("status").filter(has_text="checks it before")).to_be_visible()

    recipient.goto(f"/recipient/{token}?lang=cy")
    expect(recipient.get_by_role("heading", name=f"Adroddiad ar eich grant: {title}", level=1)).to_be_visible()
    everyone_can_use(recipient, "welsh", screenshot)

    officer = open_device()
    officer.goto("/login?next=/manage")
    officer.get_by_label("Username").fill("officer")
    officer.get_by_label("Password").fill("demo-officer-pass")
    officer.get_by_role("button", name="Sign in").click()
    expect(officer).to_have_url(re.compile("/manage$"))
    public_page = recipient.get_by_role("link", name="Tudalen gyhoeddus y prosiect").get_attribute("href")
    grant_id = public_page.rsplit("/", 1)[1]
    officer.goto(f"/manage/grants/{grant_id}")
    expect(officer.get_by_role("row", name=re.compile("Leaflets for the open evening .*Recipient organisation"))
           ).to_be_visible()
    photo_button = officer.get_by_role("button", name=re.compile("^Show photo .* on the public page$"))
    expect(photo_button).to_have_count(1)
    everyone_can_use(officer, "officer-books", screenshot)
    photo_button.click()
    expect(officer.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    resident = open_device()
    resident.goto(f"/projects/{grant_id}")
    expect(resident.get_by_role("img", name="Young people painting the hub's new sign")).to_be_visible()
    resident.locator(".photos img").scroll_into_view_if_needed()  # loaded lazily, when it comes into view
    resident.wait_for_function("() => document.querySelector('.photos img').naturalWidth === 48")
    expect(resident.get_by_role("row", name=re.compile("Leaflets for the open evening"))).to_be_visible()
    everyone_can_use(resident, "project", screenshot)

    # Once the officer revokes the link, it says so plainly.
    officer.get_by_role("button", name=re.compile(r"^Revoke link \d+$")).first.click()
    recipient.goto(f"/recipient/{token}")  # still in Welsh, as this device chose
    expect(recipient.get_by_role("heading", level=1)).to_have_text("Nid yw'r ddolen yn gweithio mwyach")
    expect(recipient.get_by_text("Tynnwyd y ddolen hon yn ôl gan y cyngor.")).to_be_visible()
    everyone_can_use(recipient, "revoked", screenshot)
