"""The chair's steps and the staff forms in a browser: closing waits for a voter on the review page,
each step asks first, the count can be previewed privately, and mistakes are explained in place
and can be fixed (proposals edited or withdrawn, a round edited or archived)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from tests.browser.test_pb_day import everyone_can_use, staff_member_signs_in
from tests.builders import a_pb_day, passes_for

pytestmark = pytest.mark.browser


@pytest.fixture(params=["tablet"])
def viewport(request) -> str:
    return request.param


def voter_reaches_review(page: Page, code: str) -> None:
    page.goto(f"/kiosk?code={code}")
    page.get_by_role("group", name="Project 1").get_by_label("Score 4", exact=True).check()
    page.get_by_role("button", name="Review my choices").click()
    expect(page.get_by_role("heading", name="Check your choices")).to_be_visible()


def test_a_voter_on_the_review_page_while_the_chair_closes_is_counted(db, open_device, screenshot):
    day = a_pb_day(db)
    code, late = passes_for(db, day.round_id, 2)
    voter = open_device()
    voter_reaches_review(voter, code)

    chair = open_device()
    staff_member_signs_in(chair, "chair", then=f"/manage/rounds/{day.round_id}")
    chair.get_by_role("button", name="Close voting").click()
    expect(chair.locator("#in-progress")).to_contain_text("1 ballot is in progress")
    expect(chair.get_by_label("Minutes to finish ballots already started")).to_have_value("2")
    everyone_can_use(chair, "chair-close-confirm", screenshot)
    chair.get_by_role("button", name="Yes, close voting").click()
    expect(chair.locator("#vote-status")).to_have_text("closing")
    expect(chair.locator("#closing-notice")).to_contain_text("No new ballot can start")
    everyone_can_use(chair, "chair-closing", screenshot)

    # A pass not yet started cannot start now...
    latecomer = open_device()
    latecomer.goto("/kiosk")
    latecomer.get_by_label("Your pass code").fill(late)
    latecomer.get_by_role("button", name="Start").click()
    expect(latecomer.get_by_role("alert")).to_contain_text("no new ballot can start")

    # ...but the voter who was already reviewing confirms, and gets a receipt.
    voter.get_by_role("button", name="Confirm my vote").click()
    expect(voter.locator("#tracking-code")).to_be_visible()

    chair.get_by_role("button", name="Close now without waiting").click()
    expect(chair.locator("#vote-status")).to_have_text("closed")

    # The chair looks at the count alone before revealing it.
    chair.get_by_role("link", name="Preview the count (only you see it)").click()
    expect(chair.get_by_role("table")).to_contain_text("1 ballot counted")
    everyone_can_use(chair, "chair-preview", screenshot)
    chair.get_by_role("button", name="Reveal and publish results").click()
    everyone_can_use(chair, "chair-publish-confirm", screenshot)
    chair.get_by_role("button", name="Yes, reveal the results").click()
    expect(chair.locator("#vote-status")).to_have_text("published")

    voter.goto(f"/rounds/{day.round_id}/results")
    expect(voter.get_by_role("table")).to_contain_text("1 ballot counted")


@ONE_DATABASE


def test_open_asks_first_and_an_empty_ballot_is_explained_on_the_page(db, open_device, screenshot):
    day = a_pb_day(db, open_vote=False, costs=())
    chair = open_device()
    staff_member_signs_in(chair, "chair", then=f"/manage/rounds/{day.round_id}")

    chair.get_by_role("button", name="Open voting").click()
    expect(chair.get_by_role("heading", name="Open voting?")).to_be_visible()
    chair.get_by_role("button", name="Yes, open voting").click()
    expect(chair.get_by_role("alert")).to_contain_text("there are no proposals on the ballot")
    expect(chair.get_by_role("button", name="Sign out Chair")).to_be_visible()
    expect(chair.get_by_role("link", name="Staff sign-in")).to_have_count(0)
    everyone_can_use(chair, "chair-open-refused", screenshot)


@ONE_DATABASE


def test_staff_fix_their_mistakes_with_the_form_kept(db, open_device, screenshot):
    day = a_pb_day(db, open_vote=False)
    chair = open_device()
    staff_member_signs_in(chair, "chair", then=f"/manage/rounds/{day.round_id}")

    # A bad cost: the message sits beside the cost, and everything typed is still there.
    chair.get_by_label("Title").fill("Bench by the pond")
    chair.get_by_label("Cost in pounds").fill("about 300")
    chair.get_by_label("Summary").fill("Oak, with a plaque")
    chair.get_by_role("button", name="Add proposal").click()
    expect(chair.locator("#cost-error")).to_contain_text("must be a whole number")
    expect(chair.get_by_label("Title")).to_have_value("Bench by the pond")
    expect(chair.get_by_label("Summary")).to_have_value("Oak, with a plaque")
    expect(chair.get_by_role("link", name="Staff sign-in")).to_have_count(0)
    everyone_can_use(chair, "staff-form-error", screenshot)

    # A title already on the ballot is refused.
    chair.get_by_label("Title").fill("project 2")
    chair.get_by_label("Cost in pounds").fill("300")
    chair.get_by_role("button", name="Add proposal").click()
    expect(chair.locator("#title-error")).to_contain_text("already on this ballot")

    # Edit one proposal, withdraw another.
    chair.get_by_role("link", name="Edit or withdraw Project 1").click()
    chair.get_by_label("Title").fill("Green Gym")
    chair.get_by_label("Cost in pounds").fill("16,000")
    everyone_can_use(chair, "proposal-edit", screenshot)
    chair.get_by_role("button", name="Save proposal").click()
    expect(chair.get_by_role("cell", name="Green Gym", exact=True)).to_be_visible()
    chair.get_by_role("link", name="Edit or withdraw Project 4").click()
    chair.get_by_role("button", name="Withdraw this proposal").click()
    expect(chair.get_by_role("heading", name="Proposals on the ballot (3)")).to_be_visible()
    expect(chair.get_by_text("Withdrawn (kept on record, not on the ballot): Project 4")).to_be_visible()

    # Fix the round's details; a budget below a proposal is explained beside the budget.
    chair.get_by_role("link", name="Edit round details").click()
    chair.get_by_label("Budget in pounds").fill("5000")
    chair.get_by_role("button", name="Save round details").click()
    expect(chair.locator("#budget-error")).to_contain_text("more than a budget of 5,000")
    everyone_can_use(chair, "round-edit-error", screenshot)
    chair.get_by_label("Budget in pounds").fill("120000")
    chair.get_by_label("Title").fill("Community Fund 2027")
    chair.get_by_role("button", name="Save round details").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Community Fund 2027")
    expect(chair.locator(".facts")).to_contain_text("£120,000")

    # It was made by mistake after all: archive it. It leaves the lists, its history stays.
    chair.get_by_role("button", name="Archive this round (made by mistake)").click()
    expect(chair.get_by_role("status").filter(has_text="was archived")).to_contain_text("Community Fund 2027")
    expect(chair.get_by_role("heading", name="Archived rounds")).to_be_visible()
    everyone_can_use(chair, "manage-archived", screenshot)
    chair.goto("/")
    expect(chair.get_by_text("Community Fund 2027")).to_have_count(0)
