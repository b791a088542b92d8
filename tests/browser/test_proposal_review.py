"""A group proposes, an officer asks for changes, the proposer revises, the officer marks it eligible,
and another officer who declared an interest is refused and told why. At tablet and phone sizes,
axe finding nothing on any page visited; screenshots in var/screenshots/."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from governance import interests
from governance import service as governance_service
from governance.models import Phase, Role
from proposals import repository
from residents import service as residents_service
from tests.builders import PASSWORD, a_partnership, a_staff_member

pytestmark = pytest.mark.browser

_axe = Axe()


def no_axe_violations(page: Page) -> None:
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {page.url}:\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def staff_sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your rounds")).to_be_visible()


# The service-level tests cover both databases; the browser story runs once per size.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_group_proposal_from_submission_to_eligible(db, open_device, screenshot):
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        a_staff_member(session, partnership, Role.officer, "officer")
        olu = a_staff_member(session, partnership, Role.officer, "olu")
        round_id = governance_service.create_round(session, CLI_ACTOR, partnership_id=partnership.id,
                                                   title="Community Fund 2027", budget=20_000,
                                                   phase=Phase.involve).id
        _, token = residents_service.request_link(session, email="kitchen@example.org", client="test",
                                                  link_minutes=30, next_path=f"/rounds/{round_id}/proposals/new")

    # The group's organiser signs in by the link and proposes with three cost lines.
    group = open_device()
    group.goto(f"/signin/{token}")
    group.get_by_role("button", name="Sign in").click()
    expect(group.get_by_role("heading", name="Propose a project")).to_be_visible()
    group.get_by_label("Title").fill("Friday lunch club")
    group.get_by_label("Summary").fill("A hot lunch and company for older residents.")
    for n, (item, amount) in enumerate((("Hall hire", "400"), ("Food", "500"), ("Volunteer training", "100")), 1):
        group.get_by_label(f"Cost line {n}: what for").fill(item)
        group.get_by_label(f"Cost line {n}: amount in pounds").fill(amount)
    group.get_by_label("Who would deliver it").fill("Hurdsfield Community Kitchen CIC")
    no_axe_violations(group)
    screenshot(group, "proposal-1-form")
    group.get_by_role("button", name="Submit for review").click()
    expect(group.get_by_role("status").filter(has_text="Submitted")).to_be_visible()
    expect(group.get_by_role("row", name="Total £1,000")).to_be_visible()
    no_axe_violations(group)
    proposal_url = group.url.split("?")[0]
    proposal_id = int(proposal_url.rsplit("/", 1)[1])

    # An officer asks for changes.
    officer = open_device()
    staff_sign_in(officer, "officer")
    officer.goto(f"/manage/rounds/{round_id}/proposals")
    no_axe_violations(officer)
    officer.get_by_role("link", name="Friday lunch club").click()
    officer.get_by_label("Needs changes").check()
    officer.get_by_label("Reason the proposer reads").fill("Please add a quote for the hall hire.")
    no_axe_violations(officer)
    officer.get_by_role("button", name="Record the review").click()
    expect(officer.get_by_role("status").filter(has_text="Review recorded")).to_be_visible()
    screenshot(officer, "proposal-2-changes-asked")

    # The proposer reads why, revises and sends it back.
    group.goto(proposal_url)
    expect(group.get_by_text("Please add a quote for the hall hire.")).to_be_visible()
    group.get_by_role("link", name="Make the changes").click()
    group.get_by_label("Cost line 1: what for").fill("Hall hire (quote from the centre)")
    group.get_by_label("Cost line 1: amount in pounds").fill("450")
    no_axe_violations(group)
    group.get_by_role("button", name="Send the changes for review").click()
    expect(group.get_by_role("row", name="Total £1,050")).to_be_visible()
    expect(group.get_by_text("Version 3", exact=True)).to_be_visible()
    screenshot(group, "proposal-3-revised")

    # The officer marks it eligible.
    officer.reload()
    officer.get_by_label("Eligible: it goes on the ballot").check()
    officer.get_by_role("button", name="Record the review").click()
    expect(officer.get_by_role("status").filter(has_text="Review recorded")).to_be_visible()
    expect(officer.get_by_text("Eligible: it will be on the ballot").first).to_be_visible()
    no_axe_violations(officer)
    screenshot(officer, "proposal-4-eligible")

    # Another officer, who declared an interest, sees why they cannot act, and is refused if they try.
    with db.session(write=True) as session:
        interests.declare_interest(session, CLI_ACTOR, partnership_id=partnership.id, staff_id=olu.id,
                                   organisation="Hurdsfield Community Kitchen CIC",
                                   description="I am a director of the kitchen")
    other = open_device()
    staff_sign_in(other, "olu")
    other.goto(f"/manage/rounds/{round_id}/proposals/{proposal_id}")
    expect(other.locator("#interest-notice")).to_contain_text("You declared an interest in the organisation "
                                                              "Hurdsfield Community Kitchen CIC")
    expect(other.get_by_role("button", name="Record the review")).to_have_count(0)
    no_axe_violations(other)
    screenshot(other, "proposal-5-interest-refused")
    refused = other.request.post(f"/manage/rounds/{round_id}/proposals/{proposal_id}/review",
                                 form={"csrf_token": other.locator("input[name=csrf_token]").first.get_attribute(
                                     "value"), "decision": "ineligible", "reason": "No"})
    assert refused.status == 403 and "cannot decide on this proposal" in refused.text()
    with db.session() as session:
        assert repository.get_proposal(session, round_id, proposal_id).status == "eligible"

    # The public page shows the history and the declared interest.
    group.goto(proposal_url)
    expect(group.get_by_text("I am a director of the kitchen")).to_be_visible()
    no_axe_violations(group)
    group.goto(f"/rounds/{round_id}/proposals")
    expect(group.get_by_role("heading", name="Register of interests")).to_be_visible()
    no_axe_violations(group)
    officer.goto(f"/manage/rounds/{round_id}/proposals/paper/new")
    no_axe_violations(officer)
