"""The tablet in a church hall: the Wi-Fi drops as a resident confirms, and someone walks away
half-way through their ballot. Neither may cost a vote or leak one."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from tests.builders import a_pb_day, passes_for
from voting import repository as voting_repo

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport() -> str:
    return "tablet"


def resident_reaches_review(kiosk: Page, code: str, project: str) -> None:
    kiosk.goto("/kiosk")
    kiosk.get_by_label("Your pass code").fill(code)
    kiosk.get_by_role("button", name="Start").click()
    kiosk.get_by_role("group", name=project).get_by_label("Score 4", exact=True).check()
    kiosk.get_by_role("button", name="Review my choices").click()
    expect(kiosk.get_by_role("heading", name="Check your choices")).to_be_visible()


def turnout(db, round_id: int) -> int:
    with db.session() as session:
        return voting_repo.ballot_count(session, round_id)


class TestWifiDropsAtConfirm:
    def test_the_ballot_is_kept_and_sent_when_the_connection_returns(self, db, open_device):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        kiosk = open_device()
        resident_reaches_review(kiosk, code, "Project 2")

        kiosk.context.set_offline(True)
        kiosk.get_by_role("button", name="Confirm my vote").click()
        expect(kiosk.get_by_role("status")).to_contain_text("kept safe on this tablet")
        assert turnout(db, day.round_id) == 0
        kiosk.context.set_offline(False)

        receipt = kiosk.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")
        expect(receipt).to_be_visible(timeout=20_000)
        assert turnout(db, day.round_id) == 1
        assert kiosk.evaluate("localStorage.getItem('commonpurse.pendingBallot')") is None

    @ONE_DATABASE

    def test_a_ballot_stranded_by_a_reload_is_sent_from_the_start_screen(self, db, open_device):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        kiosk = open_device()
        resident_reaches_review(kiosk, code, "Project 1")
        kiosk.context.set_offline(True)
        kiosk.get_by_role("button", name="Confirm my vote").click()
        expect(kiosk.get_by_role("status")).to_contain_text("kept safe on this tablet")

        kiosk.context.set_offline(False)
        kiosk.goto("/kiosk")  # a steward reloads the tablet before the retry got through

        expect(kiosk.get_by_role("status")).to_contain_text("A vote kept on this tablet has now been sent.")
        assert turnout(db, day.round_id) == 1


class TestSomeoneWalksAway:
    @ONE_DATABASE
    def test_a_half_finished_ballot_is_cleared_after_a_warning(self, db, open_device):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        kiosk = open_device()
        kiosk.clock.install()
        kiosk.goto("/kiosk")
        kiosk.get_by_label("Your pass code").fill(code)
        kiosk.get_by_role("button", name="Start").click()
        expect(kiosk.get_by_role("group", name="Project 1")).to_be_visible()

        kiosk.clock.run_for("02:31")
        expect(kiosk.get_by_role("alert")).to_contain_text("Are you still voting?")
        kiosk.get_by_role("button", name="I need more time").click()
        expect(kiosk.get_by_role("alert")).to_be_hidden()

        kiosk.clock.run_for("03:01")
        expect(kiosk.get_by_role("heading", name="Welcome. Let's vote.")).to_be_visible()
        assert turnout(db, day.round_id) == 0
