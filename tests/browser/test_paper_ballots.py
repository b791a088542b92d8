"""Paper ballots in a browser (issue 9, acceptance 2): the desk hands out sheets, two stewards on two
devices enter them, a sheet whose entries differ is held out of the count until the chair settles
it, and the event's reconciliation sheet adds up."""

import re

import pytest
from playwright.sync_api import Page, expect

from governance.models import Role
from tests.browser.conftest import ONE_DATABASE
from tests.browser.test_pb_day import everyone_can_use, staff_member_signs_in
from tests.builders import a_pb_day, a_staff_member

pytestmark = [pytest.mark.browser, ONE_DATABASE]


@pytest.fixture(params=["tablet"])
def viewport(request) -> str:
    return request.param


def checks_in_for_paper(desk: Page, name: str) -> None:
    desk.get_by_label("Resident's name").fill(name)
    desk.get_by_label("Postcode").fill("SK10 1EA")
    desk.get_by_role("button", name="Check and give a paper ballot instead").click()
    expect(desk.locator(".notice-ok")).to_contain_text("give the resident one paper ballot sheet")


def enters(page: Page, sheet: str, scores: dict[str, str]) -> None:
    page.get_by_label("Sheet number (top right of the paper)").fill(sheet)
    for title, score in scores.items():
        page.get_by_label(title, exact=True).fill(score)
    page.get_by_role("button", name="Enter this sheet").click()


def test_two_stewards_enter_paper_a_mismatch_waits_for_the_chair_and_the_books_add_up(db, open_device, screenshot):
    day = a_pb_day(db)
    with db.session(write=True) as session:
        a_staff_member(session, day.partnership, Role.steward, "steward2")

    # At the desk: two residents would rather vote on paper.
    desk = open_device()
    staff_member_signs_in(desk, "steward", then=f"/desk?round_id={day.round_id}")
    checks_in_for_paper(desk, "Ann Jones")
    checks_in_for_paper(desk, "Bob Evans")
    expect(desk.get_by_text("Paper sheets handed out: 2")).to_be_visible()
    # The same resident cannot then get a pass as well.
    desk.get_by_label("Resident's name").fill("Ann Jones")
    desk.get_by_label("Postcode").fill("SK10 1EA")
    desk.get_by_role("button", name="Check and issue pass").click()
    expect(desk.get_by_role("alert")).to_contain_text("already taken a paper ballot")

    # The sheets were printed before the day: the ballot's projects, in order, a number each.
    desk.get_by_role("link", name="Print paper ballots").click()
    desk.get_by_label("How many sheets").fill("2")
    desk.get_by_role("button", name="Make sheets").click()
    numbers = [n.strip() for n in desk.locator(".paper-number strong").all_inner_texts()]
    assert len(set(numbers)) == 2
    everyone_can_use(desk, "paper-sheets", screenshot)
    desk.emulate_media(media="print")
    screenshot(desk, "paper-sheets-print")
    expect(desk.locator(".site-header")).to_be_hidden()
    expect(desk.get_by_role("button", name="Make sheets")).to_be_hidden()
    expect(desk.locator(".paper-sheet").first).to_be_visible()
    desk.emulate_media(media="screen")
    first_sheet, second_sheet = numbers

    # The first steward enters both sheets.
    desk.goto(f"/desk?round_id={day.round_id}")
    desk.get_by_role("link", name="Enter paper ballots").click()
    enters(desk, first_sheet, {"Project 1": "5", "Project 2": "3"})
    expect(desk.locator(".notice-ok")).to_contain_text("entered once")
    enters(desk, second_sheet, {"Project 3": "4"})
    # Entering the same sheet again is refused: it needs someone else.
    enters(desk, first_sheet, {"Project 1": "5", "Project 2": "3"})
    expect(desk.get_by_role("alert")).to_contain_text("You have already entered sheet")
    everyone_can_use(desk, "paper-entry-refused", screenshot)

    # The second steward, on another device, enters them too: the second sheet is read differently.
    other = open_device()
    staff_member_signs_in(other, "steward2", then=f"/manage/rounds/{day.round_id}/paper")
    enters(other, first_sheet, {"Project 1": "5", "Project 2": "3"})
    expect(other.locator(".notice-ok")).to_contain_text("it is counted")
    enters(other, second_sheet, {"Project 3": "2"})
    expect(other.locator(".notice-ok")).to_contain_text("held out of the count")
    expect(other.locator("#paper-mismatched")).to_contain_text(second_sheet)
    expect(other.locator("#paper-counted")).to_have_text("1")
    everyone_can_use(other, "paper-entry-mismatch", screenshot)

    # Held out of the count: one ballot in the box, and the vote cannot close.
    chair = open_device()
    staff_member_signs_in(chair, "chair", then=f"/manage/rounds/{day.round_id}/close")
    # The close page says so before the chair presses anything, and offers no button to press.
    expect(chair.locator("#unsettled")).to_contain_text(f"Sheet {second_sheet}: entered twice with different marks")
    expect(chair.get_by_role("button", name="Yes, close voting")).to_have_count(0)
    everyone_can_use(chair, "paper-close-waits", screenshot)
    chair.goto(f"/rounds/{day.round_id}/reconciliation")
    expect(chair.get_by_role("row", name="Not settled (entered once, or entries differ) 1")).to_be_visible()
    expect(chair.get_by_text("held out of the count")).to_be_visible()

    # The chair looks at the paper and settles it: the first steward read it right.
    chair.goto(f"/manage/rounds/{day.round_id}/paper")
    chair.get_by_label(re.compile(r"^Steward's entry: Project 3: 4$")).check()
    everyone_can_use(chair, "paper-entry-chair-decides", screenshot)
    chair.get_by_role("button", name=f"Settle sheet {second_sheet}").click()
    expect(chair.locator(".notice-ok")).to_contain_text(f"Sheet {second_sheet} is counted")
    expect(chair.locator("#paper-counted")).to_have_text("2")
    expect(chair.locator("#paper-settled")).to_contain_text("(the chair's decision)")

    # Now the vote closes, the results show paper, and the books add up.
    chair.goto(f"/manage/rounds/{day.round_id}/close")
    chair.get_by_role("button", name="Yes, close voting").click()
    chair.goto(f"/manage/rounds/{day.round_id}/publish")
    chair.get_by_role("button", name="Yes, reveal the results").click()
    chair.goto(f"/manage/rounds/{day.round_id}/certify")
    chair.get_by_role("button", name="Sign off the reconciliation sheet").click()
    chair.goto(f"/rounds/{day.round_id}/reconciliation")
    expect(chair.get_by_text("It adds up")).to_be_visible()
    expect(chair.get_by_role("row", name="Counted (two entries alike, or the chair's decision) 2")).to_be_visible()
    expect(chair.get_by_role(
        "row", name="Ballots on paper, entered alike by two stewards or settled by the chair 2")).to_be_visible()
    everyone_can_use(chair, "paper-reconciliation", screenshot)
    chair.goto(f"/rounds/{day.round_id}/results")
    expect(chair.get_by_text("On a paper ballot, entered alike by two stewards or settled by the chair")
           ).to_be_visible()
