"""Scrutiny in a real browser: the story of the issue's fourth acceptance line.

The demo is seeded (last year's round counted and published). Alan, the partnership's scrutiny
member, signs in, opens the audit trail, filters it to last year's round and opens the entry where
the results were published (certification does not exist yet; publication is the step it will
follow). He raises a query. The chair signs in, finds it waiting and answers; Alan sees the answer
on the entry. Every page passes axe, nothing scrolls sideways, and each step is screenshotted as
var/screenshots/{viewport}-scrutiny-*.png.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import ONE_DATABASE
from voting.demo import seed_demo

pytestmark = [pytest.mark.browser, ONE_DATABASE]

LAST_YEAR = "Community Fund 2025"
QUESTION = "The results were published minutes after the vote closed. Who checked the count before publishing?"
ANSWER = "The count is done by the published rule; two officers compared it with a recount from the ballot file."

_axe = Axe()


def everyone_can_use(page: Page, step: str, screenshot) -> None:
    screenshot(page, f"scrutiny-{step}")
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step} ({page.url}):\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{step} ({page.url}) scrolls sideways by {overflow}px"


def signs_in(page: Page, username: str, password: str, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def test_a_scrutiny_member_queries_the_results_and_the_chair_answers(db, open_device, screenshot):
    with db.session(write=True) as session:
        seed_demo(session, ballots=30)

    # A resident first: the public trail, the round's history, and the statements.
    resident = open_device()
    resident.goto("/audit")
    expect(resident.get_by_role("heading", name="Audit trail", level=1)).to_be_visible()
    expect(resident.get_by_text("Staff account created")).to_have_count(0)
    everyone_can_use(resident, "public-trail", screenshot)
    resident.get_by_role("link", name="Privacy").click()
    expect(resident.get_by_role("heading", name="Privacy notice")).to_be_visible()
    everyone_can_use(resident, "privacy", screenshot)
    resident.get_by_role("link", name="Accessibility").click()
    everyone_can_use(resident, "accessibility", screenshot)

    # Alan, the scrutiny member.
    alan = open_device()
    signs_in(alan, "scrutiny", "demo-scrutiny-pass", "/audit")
    expect(alan.get_by_text("the staff trail (accounts, roles, sign-ins) is shown too")).to_be_visible()
    alan.get_by_label("Round", exact=True).select_option(label=LAST_YEAR)
    alan.get_by_role("button", name="Show entries").click()
    expect(alan.get_by_role("heading", name=f"Check {LAST_YEAR} yourself")).to_be_visible()
    expect(alan.get_by_role("link", name="Download this round's audit bundle")).to_be_visible()
    everyone_can_use(alan, "filtered-to-round", screenshot)

    alan.get_by_role("link", name="Results published", exact=True).click()
    expect(alan.get_by_role("heading", name="Results published", level=1)).to_be_visible()
    expect(alan.get_by_text("A signed checkpoint vouches for the log up to this entry")).to_be_visible()
    entry_address = alan.url
    everyone_can_use(alan, "results-entry", screenshot)

    alan.get_by_label("Raise a query for the chair").fill(QUESTION)
    alan.get_by_role("button", name="Raise the query").click()
    query = alan.locator("#query-1")
    expect(query).to_contain_text(QUESTION)
    expect(query).to_contain_text("Waiting for the chair")
    everyone_can_use(alan, "query-raised", screenshot)
    alan.get_by_role("link", name="Audit trail").first.click()
    alan.get_by_role("link", name="Questions scrutiny members asked, and the chair's answers").click()
    expect(alan.get_by_role("heading", name="Raise a query about a round or a proposal")).to_be_visible()
    everyone_can_use(alan, "queries-for-scrutiny", screenshot)

    # The chair answers.
    chair = open_device()
    signs_in(chair, "chair", "demo-chair-pass", "/audit/queries")
    chair.get_by_role("link", name="Waiting for an answer").click()
    expect(chair.locator("#query-1")).to_contain_text(QUESTION)
    everyone_can_use(chair, "chair-sees-query", screenshot)
    chair.get_by_label("Your answer to query 1").fill(ANSWER)
    chair.get_by_role("button", name="Answer query 1").click()
    expect(chair.locator("#query-1")).to_contain_text("Answered")
    expect(chair.locator("#query-1")).to_contain_text(ANSWER)
    everyone_can_use(chair, "chair-answered", screenshot)

    # Alan, and anyone else, sees the answer on the entry; both steps are in the trail.
    alan.goto(entry_address)
    expect(alan.locator("#query-1")).to_contain_text(ANSWER)
    resident.goto("/audit?action=query.answered")
    expect(resident.get_by_role("link", name="Scrutiny query answered")).to_be_visible()
    resident.get_by_role("link", name="Scrutiny query answered").click()
    expect(resident.get_by_text("Chair: Councillor Sam Okafor")).to_be_visible()
    everyone_can_use(resident, "answer-in-trail", screenshot)

    # The round page's history, loaded by htmx, links into the trail.
    resident.goto("/")
    resident.get_by_role("link", name=LAST_YEAR).first.click()
    history = resident.locator("#history-heading + div")
    expect(history.get_by_role("link", name="Results published")).to_be_visible()
    everyone_can_use(resident, "round-history", screenshot)
