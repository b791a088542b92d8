"""A resident signs in by the link a real SMTP server received, ranks the round's priorities and
comments; the chair's new arc pages and the moderator's page pass axe too. Tablet and phone."""

import pytest
from aiosmtpd.controller import Controller
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from core.settings import Settings
from governance import service as governance_service
from governance.models import Role
from proposals import service as proposals_service
from tests.builders import PASSWORD, a_partnership, a_staff_member
from tests.conftest import free_port
from tests.test_residents import Mailbox

pytestmark = pytest.mark.browser

_axe = Axe()


def accessible(page: Page, what: str) -> None:
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {what}:\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def app(database_url, mailbox):
    from main import create_app

    application = create_app(Settings(database_url=database_url, smtp_host="127.0.0.1", smtp_port=mailbox.port),
                             run_migrations=False)
    yield application
    application.state.db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_resident_signs_in_by_email_link_ranks_and_comments(db, open_device, screenshot, mailbox):
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        a_staff_member(session, partnership, Role.chair, "chair")
        voting_round = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Community Fund 2027", budget=50_000,
            priorities="Healthy lives\nGreen spaces\nYoung people")
        proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title="Green Gym", cost=16_000)
        governance_service.advance_phase(session, CLI_ACTOR, voting_round.id)
        round_id = voting_round.id

    resident = open_device()
    resident.goto(f"/rounds/{round_id}")
    expect(resident.locator("#guide-now")).to_contain_text("comment on the priorities and rank them")
    accessible(resident, "the round page, signed out")
    resident.get_by_role("link", name="Sign in with your email address").first.click()
    accessible(resident, "the sign-in form")
    resident.get_by_label("Your email address").fill("Ann.Lee@example.org")
    resident.get_by_role("button", name="Send me a sign-in link").click()
    expect(resident.get_by_role("heading", name="Check your email")).to_be_visible()
    accessible(resident, "check your email")

    resident.goto(mailbox.link_to("ann.lee@example.org"))
    accessible(resident, "the sign-in button page")
    resident.get_by_role("button", name="Sign in").click()
    expect(resident).to_have_url(f"{resident.url.split('/rounds')[0]}/rounds/{round_id}")

    resident.get_by_label("Most important").select_option("Green spaces")
    resident.get_by_label("Second").select_option("Healthy lives")
    resident.get_by_role("button", name="Save my priorities").click()
    expect(resident.get_by_role("status").filter(has_text="your priorities are counted")).to_be_visible()
    resident.get_by_label("About").select_option("Green spaces")
    resident.get_by_label("Your comment").fill("The park by the river needs benches <b>and</b> shade.")
    resident.get_by_role("button", name="Post comment").click()
    expect(resident.locator(".comment-body")).to_have_text("The park by the river needs benches <b>and</b> shade.")
    expect(resident.locator("#engagement")).to_contain_text("1 person commented on the priorities")
    accessible(resident, "the round page after commenting")
    screenshot(resident, "resident-round-after-commenting")

    resident.get_by_role("button", name="Save my priorities").click()  # same answer again: still one
    resident.goto("/me")
    expect(resident.get_by_text("Green spaces, then Healthy lives")).to_be_visible()
    accessible(resident, "the resident's page")
    screenshot(resident, "resident-me")

    resident.goto(mailbox.link_to("ann.lee@example.org"))
    expect(resident.get_by_text("This link has already been used")).to_be_visible()
    accessible(resident, "a used link")

    chair = open_device()
    chair.goto("/login")
    chair.get_by_label("Username").fill("chair")
    chair.get_by_label("Password").fill(PASSWORD)
    chair.get_by_role("button", name="Sign in").click()
    for path in (f"/manage/rounds/{round_id}", f"/manage/rounds/{round_id}/arc/next",
                 f"/manage/rounds/{round_id}/arc/skip", f"/manage/rounds/{round_id}/timeline",
                 f"/rounds/{round_id}"):
        chair.goto(path)
        accessible(chair, path)
    chair.get_by_role("link", name="Hide this comment").click()
    accessible(chair, "the hide page")
    chair.get_by_label("Reason").fill("Testing moderation")
    chair.get_by_role("button", name="Hide the comment").click()
    expect(chair.get_by_text("Hidden by a moderator: Testing moderation")).to_be_visible()
    accessible(chair, "the round page with a hidden comment")
    screenshot(chair, "moderator-hidden-comment")
