"""The steward's desk in a browser: a reload keeps the pass, the next resident never sees it, a lost
pass is reprinted, the same resident typed another way is caught, the desk picks the open round, and
"Print pass" prints only the pass."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from tests.browser.test_pb_day import everyone_can_use, staff_member_signs_in
from tests.builders import a_pb_day, a_round

pytestmark = [pytest.mark.browser, ONE_DATABASE]


@pytest.fixture(params=["tablet"])
def viewport(request) -> str:
    # The story once, at the desk's own size; every page's look is checked at three sizes elsewhere.
    return request.param


def steward_checks(page: Page, name: str, postcode: str) -> None:
    page.get_by_label("Resident's name").fill(name)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Check and issue pass").click()


def pass_on_screen(page: Page) -> str:
    expect(page.get_by_role("heading", name="Voter pass")).to_be_visible()
    return page.locator("#pass-code").inner_text().strip()


def test_the_desk_keeps_a_pass_through_a_reload_and_clears_it_for_the_next_resident(db, open_device, screenshot):
    day = a_pb_day(db)
    with db.session(write=True) as session:
        a_round(session, day.partnership, title="Next year's fund (draft)", postcodes="")
    desk = open_device()
    staff_member_signs_in(desk, "steward", then="/desk")

    # The open round is chosen, not the newer draft listed first.
    expect(desk.get_by_label("Round")).to_have_value(str(day.round_id))
    steward_checks(desk, "Zoë Brontë", "SK10 1EA")
    code = pass_on_screen(desk)

    desk.reload()
    assert pass_on_screen(desk) == code
    expect(desk.get_by_text("Passes issued: 1")).to_be_visible()
    everyone_can_use(desk, "desk-ticket", screenshot)

    # "Print pass" prints the pass: the code, its QR, the round and how to vote; nothing else.
    desk.emulate_media(media="print")
    screenshot(desk, "desk-print")
    for shown in (desk.locator("#pass-code"), desk.locator(".qr svg"), desk.get_by_text("How to vote"),
                  desk.locator(".pass-round")):
        expect(shown).to_be_visible()
    for hidden in (desk.locator(".site-header"), desk.get_by_role("heading", name="Event desk"),
                   desk.get_by_label("Round"), desk.get_by_role("button", name="Next resident")):
        expect(hidden).to_be_hidden()
    desk.emulate_media(media="screen")

    desk.get_by_role("button", name="Next resident").click()
    expect(desk.locator("#pass-code")).to_have_count(0)
    expect(desk.get_by_label("Resident's name")).to_have_value("")
    desk.go_back()
    expect(desk.locator("#pass-code")).to_have_count(0)


def test_the_same_resident_typed_another_way_is_caught_and_a_lost_pass_reprinted(db, open_device, screenshot):
    day = a_pb_day(db)
    desk = open_device()
    staff_member_signs_in(desk, "steward", then=f"/desk?round_id={day.round_id}")
    steward_checks(desk, "Zoë Brontë", "SK10 1EA")
    lost = pass_on_screen(desk)
    desk.get_by_role("button", name="Next resident").click()

    # She comes back: she lost it. Typed with look-alike letters and a full-width postcode.
    steward_checks(desk, "ZОЕ BRONTË.", "ＳＫ１０ １ＥＡ")
    expect(desk.get_by_role("alert")).to_contain_text("already has a pass")
    expect(desk.get_by_label("Resident's name")).to_have_value("ZОЕ BRONTË.")
    everyone_can_use(desk, "desk-already-has-pass", screenshot)
    desk.get_by_role("button", name="Reprint their pass").click()
    reprinted = pass_on_screen(desk)
    assert reprinted != lost
    expect(desk.get_by_text("Passes issued: 1")).to_be_visible()
    desk.get_by_role("button", name="Next resident").click()

    # An initial and the same postcode: likely the same person. The steward asks, and decides.
    steward_checks(desk, "Z. Brontë", "SK10 1EA")
    expect(desk.get_by_role("alert")).to_contain_text("similar name")
    everyone_can_use(desk, "desk-likely-match", screenshot)
    desk.get_by_role("button", name="It is a different person: issue a pass").click()
    pass_on_screen(desk)
    expect(desk.get_by_text("Passes issued: 2")).to_be_visible()

    # The lost code no longer opens a ballot.
    kiosk = open_device()
    kiosk.goto("/kiosk")
    kiosk.get_by_label("Your pass code").fill(lost)
    kiosk.get_by_role("button", name="Start").click()
    expect(kiosk.get_by_role("alert")).to_contain_text("cancelled at the desk")


def test_a_draft_round_is_clearly_not_ready_at_the_desk(db, open_device, screenshot):
    day = a_pb_day(db, open_vote=False)
    desk = open_device()
    staff_member_signs_in(desk, "steward", then="/desk")

    expect(desk.get_by_label("Round")).to_have_value(str(day.round_id))
    expect(desk.locator("#round-warning")).to_contain_text("has not opened yet")
    expect(desk.get_by_role("button", name="Check and issue pass")).to_have_count(0)
    expect(desk.get_by_role("link", name="Staff sign-in")).to_have_count(0)
    everyone_can_use(desk, "desk-draft", screenshot)
    assert re.search(r"voting not open yet", desk.get_by_label("Round").inner_text())
