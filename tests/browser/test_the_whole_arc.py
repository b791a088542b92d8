"""One round across the whole arc, in order, in a real browser (issue 7, acceptance line 1).

The chair publishes a new round (inform) and moves it on (consult); a resident signs in by the link a
real SMTP server received, comments and ranks the priorities; the chair moves on (involve); a group
proposes with three cost lines; the chair moves on (collaborate); an officer asks for changes, the
proposer revises, the officer marks it eligible, and another officer who declared an interest is
refused; the chair opens the vote (empower) and a resident votes for it at the kiosk with a pass
from the desk. Tablet and phone; axe finds nothing on any page visited; screenshots saved."""

import re

import pytest
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from governance import interests
from governance.models import Role
from governance.repository import list_partnerships
from tests.browser import test_resident_consult
from tests.browser.conftest import ONE_DATABASE
from tests.browser.test_pb_day import (
    PARTNERSHIP,
    chair_opens_voting,
    chair_signs_in,
    everyone_can_use,
    partnership_with_chair_and_steward,
    resident_confirms,
    resident_enters_pass,
    resident_reviews,
    resident_scores,
    steward_issues_pass,
    steward_signs_in,
)
from tests.browser.test_proposal_review import staff_sign_in
from tests.builders import a_staff_member

pytestmark = pytest.mark.browser

# The app sends mail to a real SMTP server (aiosmtpd) whose mailbox the test reads.
app, mailbox = test_resident_consult.app, test_resident_consult.mailbox

TITLE = "Hurdsfield Fund 2027"
PROPOSAL = "Friday lunch club"
KITCHEN = "Hurdsfield Community Kitchen CIC"


def chair_publishes_round(page: Page) -> int:
    page.get_by_role("link", name=f"New round for {PARTNERSHIP}").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Budget in pounds").fill("20,000")
    page.get_by_label("Postcode districts that can vote").fill("SK10, SK11")
    page.get_by_label("Priorities").fill("Healthy lives\nGreen spaces\nYoung people")
    page.get_by_role("button", name="Create round").click()
    expect(page).to_have_url(re.compile(r"/manage/rounds/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def chair_moves_on(page: Page, round_id: int, to: str, screenshot) -> None:
    page.goto(f"/manage/rounds/{round_id}")
    page.get_by_role("button", name=f"Move on to {to.capitalize()}").click()
    everyone_can_use(page, f"arc-chair-confirm-{to}", screenshot)
    page.get_by_role("button", name=f"Yes, move to {to.capitalize()}").click()
    expect(page.get_by_role("status").filter(has_text="The round is now at")).to_be_visible()
    everyone_can_use(page, f"arc-chair-at-{to}", screenshot)


def resident_signs_in_by_email(page: Page, mailbox, email: str) -> None:
    """From wherever she is, by the link the SMTP server received; back where she was after."""
    page.get_by_role("link", name="Sign in with your email address").first.click()
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(mailbox.link_to(email))
    page.get_by_role("button", name="Sign in").click()


@ONE_DATABASE
def test_a_round_from_publication_to_a_vote_for_a_residents_proposal(db, open_device, screenshot,
                                                                     mailbox):
    partnership_with_chair_and_steward(db)
    with db.session(write=True) as session:
        partnership = list_partnerships(session)[0]
        a_staff_member(session, partnership, Role.officer, "officer")
        olu = a_staff_member(session, partnership, Role.officer, "olu")
        interests.declare_interest(session, CLI_ACTOR, partnership_id=partnership.id, staff_id=olu.id,
                                   organisation=KITCHEN, description="I am a director of the kitchen")

    # Inform: the chair publishes the round, then opens it for comment.
    chair = open_device()
    chair_signs_in(chair)
    round_id = chair_publishes_round(chair)
    everyone_can_use(chair, "arc-chair-round-inform", screenshot)
    chair_moves_on(chair, round_id, "consult", screenshot)

    # Consult: Ann signs in by email, ranks the priorities and comments.
    ann = open_device()
    ann.goto(f"/rounds/{round_id}")
    expect(ann.locator("#guide-now")).to_contain_text("comment on the priorities and rank them")
    everyone_can_use(ann, "arc-resident-round-consult", screenshot)
    resident_signs_in_by_email(ann, mailbox, "ann.lee@example.org")
    expect(ann).to_have_url(re.compile(rf"/rounds/{round_id}$"))
    ann.get_by_label("Most important").select_option("Healthy lives")
    ann.get_by_label("Second").select_option("Young people")
    ann.get_by_role("button", name="Save my priorities").click()
    expect(ann.get_by_role("status").filter(has_text="your priorities are counted")).to_be_visible()
    ann.get_by_label("About").select_option("Healthy lives")
    ann.get_by_label("Your comment").fill("Older people on the estate eat alone too often.")
    ann.get_by_role("button", name="Post comment").click()
    expect(ann.locator("#engagement")).to_contain_text("1 person commented on the priorities")
    everyone_can_use(ann, "arc-resident-commented", screenshot)

    # Involve: the kitchen's organiser proposes with three cost lines.
    chair_moves_on(chair, round_id, "involve", screenshot)
    group = open_device()
    group.goto(f"/rounds/{round_id}")
    resident_signs_in_by_email(group, mailbox, "kitchen@example.org")
    group.get_by_role("link", name="Propose a project").click()
    expect(group.get_by_role("heading", name="Propose a project")).to_be_visible()
    group.get_by_label("Title").fill(PROPOSAL)
    group.get_by_label("Summary").fill("A hot lunch and company for older residents.")
    for n, (item, amount) in enumerate((("Hall hire", "400"), ("Food", "500"), ("Volunteer training", "100")), 1):
        group.get_by_label(f"Cost line {n}: what for").fill(item)
        group.get_by_label(f"Cost line {n}: amount in pounds").fill(amount)
    group.get_by_label("Who would deliver it").fill(KITCHEN)
    everyone_can_use(group, "arc-group-proposal-form", screenshot)
    group.get_by_role("button", name="Submit for review").click()
    expect(group.get_by_role("row", name="Total £1,000")).to_be_visible()
    everyone_can_use(group, "arc-group-submitted", screenshot)
    proposal_url = group.url.split("?")[0]
    proposal_id = int(proposal_url.rsplit("/", 1)[1])

    # Collaborate: changes asked, made, eligible; an officer with an interest is refused.
    chair_moves_on(chair, round_id, "collaborate", screenshot)
    officer = open_device()
    staff_sign_in(officer, "officer")
    officer.goto(f"/manage/rounds/{round_id}/proposals/{proposal_id}")
    officer.get_by_label("Needs changes").check()
    officer.get_by_label("Reason the proposer reads").fill("Please add a quote for the hall hire.")
    officer.get_by_role("button", name="Record the review").click()
    expect(officer.get_by_role("status").filter(has_text="Review recorded")).to_be_visible()
    everyone_can_use(officer, "arc-officer-changes-asked", screenshot)

    group.goto(proposal_url)
    expect(group.get_by_text("Please add a quote for the hall hire.")).to_be_visible()
    group.get_by_role("link", name="Make the changes").click()
    group.get_by_label("Cost line 1: what for").fill("Hall hire (quote from the centre)")
    group.get_by_label("Cost line 1: amount in pounds").fill("450")
    everyone_can_use(group, "arc-group-revising", screenshot)
    group.get_by_role("button", name="Send the changes for review").click()
    expect(group.get_by_role("row", name="Total £1,050")).to_be_visible()
    everyone_can_use(group, "arc-group-revised", screenshot)

    officer.reload()
    officer.get_by_label("Eligible: it goes on the ballot").check()
    officer.get_by_role("button", name="Record the review").click()
    expect(officer.get_by_text("Eligible: it will be on the ballot").first).to_be_visible()
    everyone_can_use(officer, "arc-officer-eligible", screenshot)

    other = open_device()
    staff_sign_in(other, "olu")
    other.goto(f"/manage/rounds/{round_id}/proposals/{proposal_id}")
    expect(other.locator("#interest-notice")).to_contain_text(f"You declared an interest in the organisation {KITCHEN}")
    everyone_can_use(other, "arc-officer-interest", screenshot)
    refused = other.request.post(f"/manage/rounds/{round_id}/proposals/{proposal_id}/review", form={
        "csrf_token": other.locator("input[name=csrf_token]").first.get_attribute("value"),
        "decision": "ineligible", "reason": "No"})
    assert refused.status == 403 and "cannot decide on this proposal" in refused.text()

    # Empower: the chair opens the vote; a resident with a pass from the desk votes for the proposal.
    chair.goto(f"/manage/rounds/{round_id}")
    expect(chair.get_by_role("heading", name="Proposals on the ballot (1)")).to_be_visible()
    chair_opens_voting(chair)
    everyone_can_use(chair, "arc-chair-voting-open", screenshot)
    steward = open_device()
    steward_signs_in(steward, round_id)
    code = steward_issues_pass(steward, "Margaret Holt", "SK10 1EA")
    everyone_can_use(steward, "arc-desk-pass", screenshot)
    kiosk = open_device()
    kiosk.goto("/kiosk")
    resident_enters_pass(kiosk, code)
    expect(kiosk.get_by_role("group")).to_have_count(1)
    expect(kiosk.get_by_role("group", name=PROPOSAL)).to_be_visible()
    everyone_can_use(kiosk, "arc-kiosk-ballot", screenshot)
    resident_scores(kiosk, {PROPOSAL: 5})
    resident_reviews(kiosk, {PROPOSAL: 5}, unscored=[])
    resident_confirms(kiosk)
    everyone_can_use(kiosk, "arc-kiosk-receipt", screenshot)
