"""The pages this work touched, in a browser at a tablet, a phone and a 1920x1080 screen: the
results with their charts, the round and home pages in plain words, the big screen and the API's
/docs. On each, axe finds nothing, nothing scrolls sideways, the Content-Security-Policy blocks
nothing, and a screenshot is saved under var/screenshots/ as pages-{size}-{page}.png."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from tests.browser.conftest import ONE_DATABASE, SCREENSHOTS
from tests.builders import a_pb_day, passes_for
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.models import Channel

pytestmark = pytest.mark.browser

SIZES_CHECKED = ["tablet", "phone", "1920x1080"]


def a_counted_round_with_a_tie(db) -> int:
    """Approval, greedy: projects 1 and 2 tie and only one fits; some ballots from phones."""
    day = a_pb_day(db, ballot="approval", costs=(60_000, 60_000, 15_000, 10_000, 8_000),
                   title="Macclesfield Neighbourhood Partnership — Community Fund 2026")
    ids = [p.id for p in day.proposals]
    wants = [[ids[0], ids[2], ids[3]], [ids[1], ids[2]], [ids[0], ids[4]], [ids[1], ids[2], ids[3]]]
    for n, code in enumerate(passes_for(db, day.round_id, len(wants))):
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(approvals=wants[n]),
                                       channel=Channel.phone if n == 0 else Channel.kiosk)
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, day.round_id)
        voting_service.publish_results(session, CLI_ACTOR, day.round_id)
    return day.round_id


def everyone_can_use(page: Page, size: str, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"pages-{size}-{name}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, f"axe on {name} at {size}:\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} at {size} scrolls sideways by {overflow}px"


@ONE_DATABASE
@pytest.mark.parametrize("size", SIZES_CHECKED)
class TestThePagesTouched:
    def test_results_home_round_screen_and_docs(self, db, open_sized, size):
        round_id = a_counted_round_with_a_tie(db)
        page = open_sized(size)

        page.goto(f"/rounds/{round_id}/results")

        expect(page.get_by_role("heading", level=1)).to_have_text("Results: Community Fund 2026")
        expect(page.locator("svg.budget-chart")).to_be_visible()
        expect(page.get_by_role("heading", name="Support for each project")).to_be_visible()
        expect(page.locator("#channel-chart-heading + .bar-chart")).to_contain_text("On their own phone")
        expect(page.locator(".ties")).to_contain_text("By the tie rule, Project 1 was considered first.")
        everyone_can_use(page, size, "results")

        page.goto("/")
        expect(page.get_by_role("link", name="Community Fund 2026", exact=True)).to_be_visible()
        everyone_can_use(page, size, "home")

        page.goto(f"/rounds/{round_id}")
        expect(page.locator(".stage-now")).to_have_text("Now: Projects under way")
        everyone_can_use(page, size, "round")

        page.goto(f"/screen/{round_id}?step=20000")
        expect(page.locator("#reveal .slide.is-current")).to_be_visible()
        # A slow pace holds the first slide; axe looks at it as the reveal leaves it, not mid-fade.
        page.evaluate("document.querySelectorAll('#reveal .reveal-item').forEach(i => i.classList.add('is-shown'))")
        page.wait_for_timeout(600)
        everyone_can_use(page, size, "screen")

        page.goto("/docs")
        expect(page.locator("#swagger-ui")).to_contain_text(re.compile(r"/api/v1/rounds"))
        everyone_can_use(page, size, "docs")
