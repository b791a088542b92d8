"""One tablet, many residents: nothing one voter did may be found by the next, not by pressing Back,
not in the page, not in the tablet's storage. And a refresh mid-ballot loses nothing."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from tests.builders import a_pb_day, passes_for

pytestmark = [pytest.mark.browser, ONE_DATABASE]

SEVENTEEN = tuple(4_000 + 500 * n for n in range(17))


@pytest.fixture
def viewport() -> str:
    return "tablet"


def storage(page: Page) -> str:
    """Everything the tablet keeps, but htmx's note of the page it is on (a bare path, no query)."""
    return page.evaluate("""JSON.stringify([localStorage, sessionStorage].map(s => Object.entries(s)
        .filter(([k, v]) => !(k === 'htmx-current-path-for-history' && /^[a-z/]+$/.test(v)))))""")


def enter_pass(kiosk: Page, code: str) -> None:
    kiosk.get_by_label("Your pass code").fill(code)
    kiosk.get_by_role("button", name="Start").click()
    expect(kiosk.get_by_role("button", name="Review my choices")).to_be_visible()


def score(kiosk: Page, scores: dict[str, int]) -> None:
    for title, value in scores.items():
        group = kiosk.get_by_role("group", name=re.compile(rf"^{title} "))  # Project 1, not Project 17
        group.get_by_label(f"Score {value}", exact=True).check()


class TestTwoVotersOnOneTablet:
    def test_the_second_voter_finds_nothing_of_the_first_however_often_they_press_back(self, db, open_device):
        day = a_pb_day(db)
        first, second = passes_for(db, day.round_id, 2)
        kiosk = open_device()
        kiosk.goto("/kiosk")

        # The first voter scores, reviews, confirms and presses Finish.
        enter_pass(kiosk, first)
        score(kiosk, {"Project 2": 4, "Project 3": 5})
        kiosk.get_by_role("button", name="Review my choices").click()
        expect(kiosk.get_by_role("heading", name="Check your choices")).to_be_visible()
        kiosk.get_by_role("button", name="Confirm my vote").click()
        expect(kiosk.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")).to_be_visible()
        tracking_code = kiosk.locator("#tracking-code").inner_text().strip()
        kiosk.get_by_role("link", name="Finish").click()
        expect(kiosk.get_by_role("heading", name="Welcome. Let's vote.")).to_be_visible()

        # The second voter presses Back again and again, and looks everywhere.
        seen = []
        for _ in range(5):
            kiosk.go_back()
            kiosk.wait_for_load_state()
            if kiosk.url == "about:blank":  # the tablet's first page: history goes no further
                break
            html = kiosk.content()
            seen.append(kiosk.url)
            assert "Check your choices" not in html and "Thank you" not in html, kiosk.url
            assert tracking_code not in html, kiosk.url
            assert first not in html and first.replace("-", "") not in html, kiosk.url
            assert kiosk.locator("input:checked, option[selected]:not([value=''])").count() == 0, kiosk.url
            assert storage(kiosk) == "[[],[]]", kiosk.url
        assert seen and not any(re.search(r"/kiosk/(review|ballot)$", url) for url in seen), seen

        # Their own ballot starts empty.
        kiosk.goto("/kiosk")
        enter_pass(kiosk, second)
        expect(kiosk.locator("#progress")).to_have_text("0 of 4 scored")
        expect(kiosk.locator("input:checked")).to_have_count(0)


class TestARefreshMidBallot:
    def test_a_long_ballot_keeps_its_choices_and_shows_how_far_the_voter_has_got(self, db, open_device, screenshot):
        day = a_pb_day(db, costs=SEVENTEEN)
        [code] = passes_for(db, day.round_id)
        kiosk = open_device()
        kiosk.goto("/kiosk")
        enter_pass(kiosk, code)
        scores = {f"Project {n}": 1 + n % 5 for n in (1, 3, 5, 8, 12, 15, 17)}
        score(kiosk, {title: value for title, value in scores.items() if title != "Project 1"})
        score(kiosk, {"Project 1": scores["Project 1"]})  # back at the top of the page
        expect(kiosk.locator("#progress")).to_have_text("7 of 17 scored")

        kiosk.reload()

        expect(kiosk.locator("#progress")).to_have_text("7 of 17 scored")
        for title, value in scores.items():
            group = kiosk.get_by_role("group", name=re.compile(rf"^{title} "))
            expect(group.get_by_label(f"Score {value}", exact=True)).to_be_checked()
        kiosk.evaluate("window.scrollTo(0, 0)")
        expect(kiosk.get_by_role("button", name="Review my choices")).to_be_in_viewport()
        expect(kiosk.locator("#progress")).to_be_in_viewport()
        screenshot(kiosk, "long-ballot-restored")

        kiosk.get_by_role("button", name="Review my choices").click()
        kiosk.get_by_role("button", name="Confirm my vote").click()
        expect(kiosk.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")).to_be_visible()
        assert storage(kiosk) == "[[],[]]"

    def test_a_ballot_walked_away_from_is_not_kept(self, db, open_device):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        kiosk = open_device()
        kiosk.goto("/kiosk")
        enter_pass(kiosk, code)
        score(kiosk, {"Project 4": 2})
        assert "commonpurse.draft." in storage(kiosk)

        kiosk.goto("/kiosk")  # a steward abandons it, or the walk-away timer does

        assert storage(kiosk) == "[[],[]]"


class TestOnAResidentsOwnPhone:
    def test_the_receipt_stays_until_they_leave_it(self, db, open_device):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        phone = open_device()
        phone.clock.install()
        phone.goto(f"/kiosk?code={code}")  # the QR code on the pass
        score(phone, {"Project 1": 5})
        phone.get_by_role("button", name="Review my choices").click()
        phone.get_by_role("button", name="Confirm my vote").click()
        expect(phone.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")).to_be_visible()
        expect(phone.get_by_text("counted with everyone else's when voting closes")).to_be_visible()

        phone.clock.run_for("05:00")

        expect(phone.locator("#tracking-code")).to_be_visible()
        assert phone.url.endswith("/kiosk/review")  # still the page the receipt came to
