"""What an outside usability review found, on the demo: a printed paper ballot takes one A4 page a sheet,
with its number top right, in type an older resident can read and boxes a pen can mark; the checkboxes
and radios staff tick are big enough to hit and sit beside their labels, and the chair's settle error
is beside the decision it is about; on a phone the spend ledger and the header fit and dates stay on
one line. Screenshots: var/screenshots/a4-print-*.png (one sheet as printed), tablet-touch-*.png and
phone-narrow-*.png."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlmodel import select

from core.audit import CLI_ACTOR
from delivery import repository as delivery_repo
from delivery.demo import recipient_link_for_demo
from governance import service as governance_service
from governance.models import BallotKind, Partnership, Phase, Role, Round, StaffAccount
from governance.permissions import actor_for
from governance.service import BallotSettings
from proposals import repository as proposals_repo
from proposals import service as proposals_service
from tests.browser.conftest import ONE_DATABASE, SCREENSHOTS
from voting import paper, register
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.demo import PROPOSALS, seed_demo

pytestmark = [pytest.mark.browser, ONE_DATABASE]

_axe = Axe()

# A4 at the CSS pixel's 96 a inch, less the sheet's 12 mm margins: what a printed sheet has to fit in.
PRINTABLE_WIDTH, PRINTABLE_HEIGHT = 703, 1032
NINE_POINT = 12  # px
BOX = "el => { const r = el.getBoundingClientRect(); return {w: r.width, h: r.height, top: r.top, right: r.right}; }"


@pytest.fixture(params=["tablet"])
def viewport(request) -> str:
    return request.param


def everyone_can_use(page: Page, step: str, screenshot) -> None:
    screenshot(page, step)
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step} ({page.url}):\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{step} ({page.url}) scrolls sideways by {overflow}px"


def demo_staff_signs_in(page: Page, username: str, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"demo-{username}-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF: its /Type /Page objects (not the /Pages tree above them)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def demo_this_years_round_opens(db) -> int:
    """The demo's 2026 round (a scores ballot of 17 projects) opens voting; its id."""
    with db.session(write=True) as session:
        seed_demo(session, ballots=30)
    with db.session(write=True) as session:
        this_year = session.exec(select(Round).where(Round.title.contains("Community Fund 2026"))).one()
        voting_service.open_vote(session, CLI_ACTOR, this_year.id)
        return this_year.id


def an_open_approval_round(db, projects: list[tuple[str, int]]) -> int:
    """An approval ballot in the demo partnership, with a budget and both limits on ticks (the most words)."""
    with db.session(write=True) as session:
        partnership = session.exec(select(Partnership)).first()
        approval = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Macclesfield Community Fund 2026: tick",
            budget=100_000, eligible_postcodes="SK10, SK11", phase=Phase.collaborate,
            settings=BallotSettings(ballot_kind=BallotKind.approval, min_picks=2, max_picks=5))
        for title, cost in projects:
            proposals_service.add_proposal(session, CLI_ACTOR, round_id=approval.id, title=title, cost=cost)
        voting_service.open_vote(session, CLI_ACTOR, approval.id)
        return approval.id


class TestAPrintedPaperBallotTakesOneA4PageASheet:
    def test_two_sheets_print_on_two_pages_numbered_top_right_in_readable_type(self, db, open_sized):
        scores = demo_this_years_round_opens(db)
        approval = an_open_approval_round(db, [(title, cost) for title, cost, *_ in PROPOSALS])
        many = an_open_approval_round(db, [(f"{title} ({n})", cost)
                                           for n in (1, 2) for title, cost, *_ in PROPOSALS[:14]])
        chair = open_sized("tablet")
        demo_staff_signs_in(chair, "chair", then="/manage")

        pages, problems = {}, []
        for name, round_id in (("scores-17", scores), ("approval-17", approval), ("approval-28", many)):
            for language, query in (("english", ""), ("welsh", "&welsh=yes")):
                case = f"{name}-{language}"
                chair.set_viewport_size({"width": 1024, "height": 768})
                chair.emulate_media(media="null")  # as emulated "screen", a PDF would print the screen's layout
                chair.goto(f"/manage/rounds/{round_id}/paper-ballots?count=2{query}")
                expect(chair.locator(".paper-sheet")).to_have_count(2)
                pages[case] = (pdf_pages(chair.pdf(format="A4")), pdf_pages(chair.pdf(format="Letter")))

                # As printed: the sheet within the page, its number top right, nothing smaller than 9pt,
                # circles and boxes a pen can mark.
                chair.set_viewport_size({"width": PRINTABLE_WIDTH, "height": PRINTABLE_HEIGHT})
                chair.emulate_media(media="print")
                sheet = chair.locator(".paper-sheet").first
                box, number = sheet.evaluate(BOX), sheet.locator(".paper-number").evaluate(BOX)
                if box["h"] > PRINTABLE_HEIGHT:
                    problems.append(f"{case}: a sheet is {box['h']:.0f}px tall, more than A4's {PRINTABLE_HEIGHT}px")
                if not (box["right"] - number["right"] < 4 and number["top"] - box["top"] < 24):
                    problems.append(f"{case}: the sheet number is not top right ({number} in {box})")
                smallest = sheet.evaluate("""s => Math.min(...[...s.querySelectorAll('*')]
                    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                    .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
                if smallest < NINE_POINT:
                    problems.append(f"{case}: type as small as {smallest}px (under 9pt)")
                for mark in sheet.locator(".paper-score, .paper-box").all()[:3]:
                    size = mark.evaluate(BOX)
                    if min(size["w"], size["h"]) < 26:
                        problems.append(f"{case}: a mark to make is only {size['w']:.0f}x{size['h']:.0f}px")
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                sheet.screenshot(path=SCREENSHOTS / f"a4-print-{case}.png")
        assert (pages, problems) == ({case: (2, 2) for case in pages}, []), (
            f"pages for 2 sheets (A4, Letter): {pages}; " + "; ".join(problems))


class TestTheDashboardOnPaper:
    """A council officer prints the dashboard for a meeting: the charts' keys print in the bars' own
    greys (a key is a background, which browsers drop from print unless told), the download links and
    the site's controls are left off, and the whole story fits a few A4 pages."""

    def test_the_keys_match_the_bars_and_the_controls_are_left_off(self, db, open_sized):
        with db.session(write=True) as session:
            seed_demo(session, ballots=30)
        officer = open_sized("tablet")
        officer.goto("/dashboard")
        expect(officer.get_by_role("heading", name="Council dashboard", level=1)).to_be_visible()
        officer.emulate_media(media="print")

        keys = officer.evaluate("""() => [...document.querySelectorAll('[class^="legend-"]')].map(swatch => {
            const kind = swatch.className.replace('legend-', '');
            const bar = document.querySelector('.chart .' + kind);
            const style = getComputedStyle(swatch);
            return {kind, swatch: style.backgroundColor, bar: bar && getComputedStyle(bar).fill,
                    printed: style.printColorAdjust || style.webkitPrintColorAdjust};
        })""")
        assert len(keys) == 7
        for key in keys:
            assert key["printed"] == "exact", key
            assert key["bar"] is None or key["swatch"] == key["bar"], f"the key for {key['kind']} is not its bar's grey"
        expect(officer.get_by_role("link", name="Download this table (CSV)").first).to_be_hidden()
        expect(officer.get_by_role("button", name="Show")).to_be_hidden()

        # Paper cannot scroll sideways: every table, the 14 columns of Engagement included, fits A4's width.
        officer.set_viewport_size({"width": PRINTABLE_WIDTH, "height": PRINTABLE_HEIGHT})
        too_wide = officer.evaluate("""() => [...document.querySelectorAll('.table-wrap table')]
            .filter(table => table.getBoundingClientRect().width > document.documentElement.clientWidth + 1)
            .map(table => table.querySelector('caption, th')?.textContent)""")
        assert too_wide == [], f"tables cut off in print: {too_wide}"
        pages = pdf_pages(officer.pdf(format="A4"))
        assert 1 <= pages <= 5, f"the dashboard prints on {pages} A4 pages"
        officer.screenshot(path=str(SCREENSHOTS / "a4-print-dashboard.png"), full_page=True)


def a_sheet_entered_twice(session, round_id: int, first: dict, second: dict) -> str:
    """A resident's paper sheet, entered by the demo's steward and then its chair: its number."""
    handed_out = paper.sheets_handed_out(session, round_id)
    register.issue_pass(session, CLI_ACTOR, round_id=round_id, name=f"Paper Voter {handed_out + 1}",
                        postcode="SK11 6BJ", different_person=True, paper=True)
    number, = paper.new_sheet_numbers(round_id, 1)
    for username, role, marks in (("steward", Role.steward, first), ("chair", Role.chair, second)):
        staff = session.exec(select(StaffAccount).where(StaffAccount.username == username)).one()
        paper.enter_sheet(session, actor_for(staff, role), round_id=round_id, name=staff.display_name, sheet=number,
                          choices=BallotChoices(scores=marks))
    return number


def a_target(page: Page, selector: str) -> dict:
    """An input's size; the height a finger can hit (the input or its label); how far the input's middle is
    from the middle of its label's first line."""
    return page.locator(selector).evaluate("""field => {
        const box = field.getBoundingClientRect(), label = field.labels[0], words = label.getBoundingClientRect();
        const range = document.createRange(); range.selectNodeContents(label);
        const line = range.getClientRects()[0];
        return {w: box.width, h: box.height, hit: Math.max(box.height, words.height),
                misaligned: Math.abs((box.top + box.height / 2) - (line.top + line.height / 2))}; }""")


class TestCheckboxesAndRadiosAreBigEnoughToHit:
    def test_the_chair_settles_a_sheet_and_the_officer_allows_spend_beyond_a_grant(self, db, open_sized, screenshot):
        round_id = demo_this_years_round_opens(db)
        with db.session(write=True) as session:
            project = proposals_repo.on_ballot(session, round_id)[0]
            differing = a_sheet_entered_twice(session, round_id, {project.id: 4}, {project.id: 2})
            grant_id = delivery_repo.all_grants(session)[0].id

        chair = open_sized("tablet")
        demo_staff_signs_in(chair, "chair", then=f"/manage/rounds/{round_id}/paper")
        decision = chair.get_by_role("group", name=f"Decision on sheet {differing}")
        targets = {"spoilt sheet (steward)": a_target(chair, "#spoilt")}
        for n, radio in enumerate(decision.get_by_role("radio").all()):
            targets[f"settle radio {n + 1}"] = a_target(chair, f"#{radio.get_attribute('id')}")
        officer = open_sized("tablet")
        demo_staff_signs_in(officer, "officer", then="/manage")
        officer.goto(f"/manage/grants/{grant_id}")
        targets["allow beyond the grant"] = a_target(officer, "#s-override")
        small = {name: t for name, t in targets.items() if t["w"] < 24 or t["h"] < 24 or t["hit"] < 44}
        assert small == {}, f"too small to hit (input at least 24x24, with its label 44 tall): {small}"
        crooked = {name: t for name, t in targets.items() if t["misaligned"] > 4}
        assert crooked == {}, f"not level with their labels: {crooked}"
        everyone_can_use(officer, "touch-grant", screenshot)

        # Spoilt, without saying why: the chair is told beside this decision, not only at the top of the page,
        # and the steward's own "why it is spoilt" box is not marked wrong.
        decision.get_by_role("radio", name="Spoilt").check()
        chair.get_by_role("button", name=f"Settle sheet {differing}").click()
        expect(chair.get_by_role("alert")).to_contain_text("Say why the sheet is spoilt")
        expect(decision.get_by_text("Say why the sheet is spoilt")).to_be_visible()
        expect(decision.get_by_label("Reason (if spoilt)")).to_have_attribute("aria-invalid", "true")
        expect(chair.get_by_label("Why it is spoilt (only for a spoilt sheet)")).not_to_have_attribute(
            "aria-invalid", "true")
        everyone_can_use(chair, "touch-settle-error", screenshot)


LEDGER_DATES = "[role=region][aria-label='Spend ledger'] tbody td:first-child"


class TestOnAPhone:
    @pytest.mark.parametrize("viewport", ["phone"])
    def test_ledgers_and_sheet_numbers_fit_and_the_header_links_are_big_enough(self, db, open_device, screenshot):
        round_id = demo_this_years_round_opens(db)
        with db.session(write=True) as session:
            project = proposals_repo.on_ballot(session, round_id)[0]
            a_sheet_entered_twice(session, round_id, {project.id: 3}, {project.id: 3})
            a_sheet_entered_twice(session, round_id, {project.id: 4}, {project.id: 2})
            _, token = recipient_link_for_demo(session)
            grant_id = next(g.id for g in delivery_repo.all_grants(session) if g.title == "Action Station")

        resident, chair = open_device(), open_device()
        demo_staff_signs_in(chair, "chair", then=f"/manage/rounds/{round_id}/paper")
        for page, step, address, one_line in (
                (resident, "project", f"/projects/{grant_id}", LEDGER_DATES),
                (resident, "recipient", f"/recipient/{token}", LEDGER_DATES),
                (chair, "paper-entry", f"/manage/rounds/{round_id}/paper", ".sheet-number")):
            page.goto(address)
            cells = page.locator(one_line)
            expect(cells.first).to_be_visible()
            lines = cells.evaluate_all("""cells => cells.map(c => {
                const r = document.createRange(); r.selectNodeContents(c);
                return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })""")
            assert lines and set(lines) == {1}, f"{step}: dates or sheet numbers broken over lines: {lines}"
            for link in page.locator(".site-header nav a, .site-header nav button, .site-header .language-switch a"
                                     ).all():
                size = link.evaluate(BOX)
                assert size["h"] >= 44, f"{step}: the header's {link.inner_text()!r} is {size['h']:.0f}px tall"
            everyone_can_use(page, f"narrow-{step}", screenshot)
