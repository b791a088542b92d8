"""The big screen on a projector: whatever the hall's projector (4:3 or 16:9, 1024x768 to
1920x1080), nothing scrolls and nothing is cut off, before the reveal and all through it; and over
the reveal's sequence every funded project is shown, one by one, a slide at a time.

The reveal arrives over the websocket, as on the day: the screen is up while voting runs, the
chair closes and publishes, and the screen pages through the results by itself.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from proposals import service as proposals_service
from tests.browser.conftest import ONE_DATABASE, SCREENSHOTS
from tests.builders import a_pb_day, passes_for
from voting import service as voting_service
from voting.ballots import BallotChoices

pytestmark = [pytest.mark.browser, ONE_DATABASE]

# 4:3 at 1024x768 (the tablet size), and 16:9 at 1280x720 and 1920x1080.
PROJECTORS = ["tablet", "1280x720", "1920x1080"]

# Eleven small projects the hall loves (funded), four big ones it does not (not funded): three
# slides of funded projects, some with names long enough to wrap.
LOVED = [
    ("Baby Yoga", 1_500), ("Healthy Lunch Club", 1_000),
    ("Macclesfield Community Allotment Starter Plots and Tool Library for New Growers", 12_500),
    ("Dementia Cafe", 4_200), ("Men's Shed", 6_500), ("Community Fridge", 3_900),
    ("Chair-based Exercise Classes in Sheltered Housing across the Town", 3_100),
    ("Couch to 5k", 2_800), ("Family Swim Sessions", 7_200), ("Mental Health First Aid", 8_900),
    ("Youth Football Nights", 6_000),
]
NOT_LOVED = [("Action Station", 50_000), ("Green Gym", 45_000), ("Leisure Centre Sauna Refit", 46_000),
             ("A New Minibus", 48_000)]
VOTERS = 6

# Every element that is drawn must sit inside the viewport, and the page must not scroll: the
# reveal area clips what does not fit, so a clipped list is caught here rather than hidden.
OVERFLOWS = """() => {
  const width = window.innerWidth, height = window.innerHeight, problems = [];
  const page = document.scrollingElement;
  if (page.scrollHeight > height) problems.push(`the page scrolls: ${page.scrollHeight} > ${height}`);
  if (page.scrollWidth > width) problems.push(`the page scrolls sideways: ${page.scrollWidth} > ${width}`);
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || element.closest(".skip-link, .visually-hidden")) continue;
    if (box.bottom > height + 0.5 || box.right > width + 0.5) {
      problems.push(`${element.tagName.toLowerCase()}.${element.className.baseVal ?? element.className} ` +
                    `"${(element.textContent || "").trim().slice(0, 40)}" ends at ${box.right}x${box.bottom}`);
    }
  }
  const reveal = document.getElementById("reveal");
  if (reveal && reveal.scrollHeight > reveal.clientHeight + 1) {
    problems.push(`the results are cut off: ${reveal.scrollHeight} > ${reveal.clientHeight}`);
  }
  return problems;
}"""

SHOWN_NOW = """() => Array.from(document.querySelectorAll("#reveal .slide.is-current .reveal-item.is-shown"))
  .filter(item => parseFloat(getComputedStyle(item).opacity) > 0.9)
  .map(item => item.querySelector(".item-title").textContent.trim())"""


# The slide on screen once all its projects have appeared (-1 while they are still appearing).
COMPLETE_SLIDE = """() => Array.from(document.querySelectorAll("#reveal .slide")).findIndex(
  slide => slide.classList.contains("is-current") && !slide.querySelector(".reveal-item:not(.is-shown)"))"""


def a_round_the_hall_voted_on(db):
    day = a_pb_day(db, open_vote=False, costs=())
    with db.session(write=True) as session:
        for title, cost in LOVED + NOT_LOVED:
            proposals_service.add_proposal(session, CLI_ACTOR, round_id=day.round_id, title=title, cost=cost)
        voting_service.open_vote(session, CLI_ACTOR, day.round_id)
        from proposals import repository as proposals_repo

        projects = proposals_repo.on_ballot(session, day.round_id)
    loved = {title for title, _ in LOVED}
    scores = {p.id: 5 if p.title in loved else 1 for p in projects}
    for code in passes_for(db, day.round_id, VOTERS - 1):
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(scores=scores))
    return day, scores


def fits(page: Page, when: str) -> None:
    problems = page.evaluate(OVERFLOWS)
    assert problems == [], f"{when} at {page.viewport_size}: " + "; ".join(problems)


@pytest.mark.parametrize("size", PROJECTORS)
class TestTheBigScreenFitsAProjector:
    def test_turnout_then_every_funded_project_without_scrolling(self, app, db, open_sized, size):
        day, scores = a_round_the_hall_voted_on(db)
        screen = open_sized(size)
        # Marked in the DOM, so the wait polls a locator: a string predicate would be an eval the CSP refuses.
        screen.add_init_script("document.addEventListener('htmx:wsOpen', "
                               "() => { document.documentElement.dataset.live = 'yes'; })")
        # A pace slow enough that a loaded machine polling every 60 ms still sees every slide (at 300 ms one
        # was missed once under load).
        screen.goto(f"/screen/{day.round_id}?step=450")
        expect(screen.locator("html[data-live='yes']")).to_have_count(1)

        # The last voter casts while the screen is up: the turnout rises live, and still fits.
        [code] = passes_for(db, day.round_id)
        with app.state.db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(scores=scores))
        expect(screen.locator("#turnout-count")).to_have_text(str(VOTERS))
        expect(screen.locator("#live")).to_contain_text("£100,000 to share")
        fits(screen, "turnout")
        screen.screenshot(path=str(SCREENSHOTS / f"projector-{size}-turnout.png"))

        # The chair closes and reveals; the screen pages through the results by itself.
        with app.state.db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)
        reveal = screen.locator("#reveal")
        expect(reveal.locator(".slide-funded").first).to_be_visible()

        seen: set[str] = set()
        pictured: set[int] = set()
        saw_totals = saw_not_funded = False
        while screen.evaluate("Number(document.getElementById('reveal').dataset.cycles || 0)") < 1:
            fits(screen, f"the reveal, having shown {sorted(seen)}")
            seen.update(screen.evaluate(SHOWN_NOW))
            saw_totals = saw_totals or reveal.locator(".slide-totals.is-current").count() == 1
            saw_not_funded = saw_not_funded or reveal.locator(".slide-not-funded.is-current").count() == 1
            slide = screen.evaluate(COMPLETE_SLIDE)
            if slide >= 0 and slide not in pictured:
                pictured.add(slide)
                screen.screenshot(path=str(SCREENSHOTS / f"projector-{size}-reveal-slide-{slide}.png"))
            screen.wait_for_timeout(60)

        assert seen == {title for title, _ in LOVED}
        assert saw_totals and saw_not_funded
        expect(screen.locator("#live")).to_contain_text(f"given to {len(LOVED)} projects")


class TestTheRevealWithoutJavaScript:
    def test_each_slide_fits_and_the_page_moves_itself_on(self, db, browser, live_server):
        day, scores = a_round_the_hall_voted_on(db)
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)
        context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server.url,
                                      java_script_enabled=False)
        try:
            page = context.new_page()
            seen: set[str] = set()
            for slide in range(5):  # three slides of funded projects, the totals, those not funded
                page.goto(f"/screen/{day.round_id}?slide={slide}&step=20000")
                fits(page, f"slide {slide} without JavaScript")
                titles = page.locator(".slide.is-current .reveal-item .item-title").all_inner_texts()
                seen.update(title.strip() for title in titles)
            assert seen == {title for title, _ in LOVED}
            # From the last slide the page goes back to the first by itself.
            assert f"url=/screen/{day.round_id}?slide=0&amp;step=20000" in page.locator("noscript").first.inner_html()
        finally:
            context.close()


class TestTheScreenIsAccessibleOnAProjector:
    def test_every_slide_at_1920x1080(self, db, browser, live_server):
        day, _ = a_round_the_hall_voted_on(db)
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)
        # A slow pace holds each slide still; the test shows its projects as the reveal leaves them.
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=live_server.url)
        try:
            page = context.new_page()
            for slide, name in enumerate(["funded-1", "funded-2", "funded-3", "totals", "not-funded"]):
                page.goto(f"/screen/{day.round_id}?slide={slide}&step=20000")
                page.evaluate("document.querySelectorAll('#reveal .reveal-item').forEach("
                              "item => item.classList.add('is-shown'))")
                page.wait_for_timeout(600)  # the fade-in
                results = Axe().run(page)
                assert results.violations_count == 0, f"axe on slide {name}:\n{results.generate_report()}"
                page.screenshot(path=str(SCREENSHOTS / f"projector-16x9-1920x1080-{name}.png"))
        finally:
            context.close()
