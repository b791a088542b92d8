"""Every page the desk and the chair's steps touch, at a tablet, a phone and 1920×1080: axe finds
nothing, nothing scrolls sideways, and a screenshot is saved under var/screenshots/."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from tests.browser.test_pb_day import everyone_can_use, staff_member_signs_in
from tests.builders import a_pb_day, a_round, passes_for

pytestmark = [pytest.mark.browser, ONE_DATABASE]


# A desktop or projector screen, besides the tablet and phone every browser story uses.
@pytest.fixture(params=["tablet", "phone", "1920x1080"])
def viewport(request) -> str:
    return request.param


def visit(page: Page, path: str, step: str, screenshot) -> None:
    page.goto(path)
    everyone_can_use(page, step, screenshot)


def steward_checks(page: Page, name: str, postcode: str) -> None:
    page.get_by_label("Resident's name").fill(name)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Check and issue pass").click()


def test_the_desk_pages(db, open_device, screenshot):
    day = a_pb_day(db)
    with db.session(write=True) as session:
        draft = a_round(session, day.partnership, title="Next year's fund")
    desk = open_device()
    staff_member_signs_in(desk, "steward", then="/desk")
    everyone_can_use(desk, "a11y-desk", screenshot)

    steward_checks(desk, "Zoë Brontë", "nonsense")
    expect(desk.locator("#postcode-error")).to_be_visible()
    everyone_can_use(desk, "a11y-desk-field-error", screenshot)
    steward_checks(desk, "Zoë Brontë", "SK10 1EA")
    expect(desk.locator("#pass-code")).to_be_visible()
    everyone_can_use(desk, "a11y-desk-pass", screenshot)
    desk.get_by_role("button", name="Next resident").click()
    steward_checks(desk, "Zoe Bronte", "SK10 1EA")
    everyone_can_use(desk, "a11y-desk-already", screenshot)
    steward_checks(desk, "Z. Brontë", "SK10 1EA")
    everyone_can_use(desk, "a11y-desk-likely", screenshot)
    visit(desk, f"/desk?round_id={draft.id}", "a11y-desk-draft", screenshot)


def test_the_chairs_pages(db, open_device, screenshot):
    day = a_pb_day(db)
    draft = a_draft_round(db, day)
    started, cast = passes_for(db, day.round_id, 2)
    chair = open_device()
    chair.goto(f"/kiosk?code={started}")  # a ballot in progress
    chair.goto(f"/kiosk?code={cast}")
    chair.get_by_role("group", name="Project 1").get_by_label("Score 4", exact=True).check()
    chair.get_by_role("button", name="Review my choices").click()
    chair.get_by_role("button", name="Confirm my vote").click()
    staff_member_signs_in(chair, "chair")
    everyone_can_use(chair, "a11y-manage", screenshot)

    round_id = day.round_id
    visit(chair, f"/manage/rounds/{draft}", "a11y-manage-round-draft", screenshot)
    visit(chair, f"/manage/rounds/{draft}/open", "a11y-confirm-open", screenshot)
    visit(chair, f"/manage/rounds/{draft}/edit", "a11y-round-edit", screenshot)
    chair.get_by_label("Budget in pounds").fill("lots")
    chair.get_by_role("button", name="Save round details").click()
    expect(chair.locator("#budget-error")).to_be_visible()
    everyone_can_use(chair, "a11y-round-edit-error", screenshot)
    visit(chair, f"/manage/rounds/{draft}/proposals/{first_proposal(db, draft)}/edit", "a11y-proposal-edit",
          screenshot)
    visit(chair, f"/manage/rounds/{round_id}/close", "a11y-confirm-close", screenshot)
    chair.get_by_role("button", name="Yes, close voting").click()
    expect(chair.locator("#closing-notice")).to_be_visible()
    everyone_can_use(chair, "a11y-manage-closing", screenshot)
    chair.get_by_role("button", name="Close now without waiting").click()
    visit(chair, f"/manage/rounds/{round_id}/preview", "a11y-preview", screenshot)
    visit(chair, f"/manage/rounds/{round_id}/publish", "a11y-confirm-publish", screenshot)
    visit(chair, "/manage/rounds/424242", "a11y-error-signed-in", screenshot)
    expect(chair.get_by_role("link", name="Staff sign-in")).to_have_count(0)


def a_draft_round(db, day) -> int:
    with db.session(write=True) as session:
        return a_round(session, day.partnership, title="Next year's fund").id


def first_proposal(db, round_id: int) -> int:
    from proposals import repository as proposals_repo

    with db.session() as session:
        return proposals_repo.on_ballot(session, round_id)[0].id
