"""Call-in in a real browser. The demo is seeded. A resident reads a decision of the Macclesfield
partnership from its public page. Alan, the scrutiny member, calls it in with his reasons; the public
page says it is paused. The chair records that the partnership amended it; the public page, in
English and in Welsh, shows the outcome and the history. Every page passes axe, nothing scrolls
sideways; screenshots are var/screenshots/{viewport}-scrutiny-call-in-*.png."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ONE_DATABASE
from tests.browser.test_scrutiny import everyone_can_use, signs_in
from voting.demo import seed_demo

pytestmark = [pytest.mark.browser, ONE_DATABASE]

DECISION = "Approve the PB day date"
REASONS = "The hall chosen has no step-free entrance; residents who use wheelchairs could not vote there."
AMENDED = "Hold the PB day on a Saturday in March at the Town Hall, which has step-free access"


def test_scrutiny_calls_a_decision_in_and_the_chair_records_the_outcome(db, open_device, screenshot):
    with db.session(write=True) as session:
        seed_demo(session, ballots=0)

    resident = open_device()
    resident.goto("/partnerships/1")
    resident.get_by_role("link", name=DECISION).click()
    expect(resident.locator("#decision-status")).to_have_text("In force")
    decision_address = resident.url
    decision_id = decision_address.rstrip("/").rsplit("/", 1)[1]
    everyone_can_use(resident, "call-in-in-force", screenshot)

    alan = open_device()
    signs_in(alan, "scrutiny", "demo-scrutiny-pass", f"/manage/decisions/{decision_id}")
    alan.get_by_role("button", name="Call the decision in").click()  # empty: told what is missing
    expect(alan.get_by_text("Give your reasons for calling the decision in").first).to_be_visible()
    everyone_can_use(alan, "call-in-refused", screenshot)
    alan.get_by_label("Reasons").fill(REASONS)
    alan.get_by_role("button", name="Call the decision in").click()
    expect(alan.locator("#decision-status")).to_have_text("Called in: paused until the partnership reconsiders it")
    everyone_can_use(alan, "call-in-called-in", screenshot)

    resident.goto(decision_address)
    expect(resident.get_by_text(REASONS)).to_be_visible()
    expect(resident.get_by_role("link", name="Decision called in by scrutiny")).to_be_visible()
    everyone_can_use(resident, "call-in-paused", screenshot)

    chair = open_device()
    signs_in(chair, "chair", "demo-chair-pass", f"/manage/decisions/{decision_id}")
    chair.get_by_label("Amended the decision").check()
    chair.get_by_label("The decision as amended").fill(AMENDED)
    chair.get_by_label("Note").fill("Reconsidered after the access survey.")
    everyone_can_use(chair, "call-in-chair-form", screenshot)
    chair.get_by_role("button", name="Record the outcome").click()
    expect(chair.locator("#decision-status")).to_have_text("Amended after call-in")

    resident.goto(decision_address)
    expect(resident.get_by_text(AMENDED)).to_be_visible()
    expect(resident.get_by_role("link", name="Called-in decision reconsidered")).to_be_visible()
    everyone_can_use(resident, "call-in-amended", screenshot)
    resident.goto(decision_address + "?lang=cy")
    expect(resident.locator("#decision-status")).to_have_text("Diwygiwyd ar ôl ei alw i mewn")
    everyone_can_use(resident, "call-in-welsh", screenshot)
