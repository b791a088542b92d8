"""A resident votes at the kiosk in Welsh, switching language mid-ballot without losing a choice, and
reads the receipt in both languages; every Welsh page says lang="cy" and axe finds nothing on it.
One story on one database at tablet size: the language logic is tested on both databases in
tests/test_welsh.py. Screenshots: var/screenshots/tablet-welsh-*.png."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.builders import a_pb_day, passes_for

pytestmark = pytest.mark.browser

_axe = Axe()


def welsh_and_accessible(page: Page, screenshot, step: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step}:\n{results.generate_report()}"
    screenshot(page, f"welsh-{step}")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("viewport", ["tablet"], indirect=True)
class TestTheKioskInWelsh:
    def test_a_resident_votes_in_welsh(self, db, open_device, screenshot):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        first, second = day.proposals[0].title, day.proposals[1].title
        kiosk = open_device()

        kiosk.goto("/kiosk?lang=cy")
        expect(kiosk.get_by_role("heading", name="Croeso. Gadewch i ni bleidleisio.")).to_be_visible()
        welsh_and_accessible(kiosk, screenshot, "1-kiosk")
        kiosk.get_by_label("Cod eich pas").fill(code)
        kiosk.get_by_role("button", name="Dechrau").click()

        expect(kiosk.get_by_role("button", name="Adolygu fy newisiadau")).to_be_visible()
        kiosk.get_by_role("group", name=first).get_by_label("Sgôr 4").check()
        expect(kiosk.locator("#progress")).to_have_text("1 o 4 wedi cael sgôr")
        welsh_and_accessible(kiosk, screenshot, "2-ballot")

        # The switch is a plain link: the pass stays in the session, the choice on the tablet.
        kiosk.get_by_role("link", name="English").click()
        expect(kiosk.locator("html")).to_have_attribute("lang", "en-GB")
        expect(kiosk.get_by_role("group", name=first).get_by_label("Score 4")).to_be_checked()
        expect(kiosk.locator("#progress")).to_have_text("1 of 4 scored")
        kiosk.get_by_role("link", name="Cymraeg").click()
        expect(kiosk.get_by_role("group", name=first).get_by_label("Sgôr 4")).to_be_checked()
        kiosk.get_by_role("group", name=second).get_by_label("Sgôr 2").check()

        kiosk.get_by_role("button", name="Adolygu fy newisiadau").click()
        expect(kiosk.get_by_role("heading", name="Gwirio eich dewisiadau")).to_be_visible()
        welsh_and_accessible(kiosk, screenshot, "3-review")
        kiosk.get_by_role("button", name="Cadarnhau fy mhleidlais").click()

        expect(kiosk.get_by_role("heading", name="Diolch. Mae eich pleidlais yn y blwch pleidleisio.")).to_be_visible()
        tracking = kiosk.locator("#tracking-code").inner_text()
        assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", tracking)
        welsh_and_accessible(kiosk, screenshot, "4-receipt")
        kiosk.get_by_role("button", name="English").click()
        expect(kiosk.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")).to_be_visible()
        expect(kiosk.locator("#tracking-code")).to_have_text(tracking)

        # The rest of a resident's pages, in Welsh, for anyone who reads on.
        for step, address, heading in (
            ("5-home", "/?lang=cy", "Cyllidebau cymdogaeth y gallwch chi eu llunio"),
            ("6-round", f"/rounds/{day.round_id}?lang=cy", None),
            ("7-check", f"/rounds/{day.round_id}/check?code={tracking}&lang=cy",
             f"Mae pleidlais {tracking} yn y blwch pleidleisio"),
            ("8-results", f"/rounds/{day.round_id}/results?lang=cy", None),
            ("9-screen", f"/screen/{day.round_id}?lang=cy", None),
        ):
            kiosk.goto(address)
            if heading:
                expect(kiosk.get_by_role("heading", name=heading)).to_be_visible()
            welsh_and_accessible(kiosk, screenshot, step)
        expect(kiosk.locator("#live")).to_contain_text("bleidlais wedi'i bwrw")
