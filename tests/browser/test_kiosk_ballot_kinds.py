"""Points and ranked rounds played through the kiosk in the browser, then counted: the published
result is what `main.py tally` finds in the round's own Pabulib export. Every kiosk page, for
every ballot kind, passes axe at tablet, phone and 1920x1080 sizes; screenshots are saved."""

import json
import os
import subprocess
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from core.settings import PROJECT_ROOT
from tests.browser.conftest import ONE_DATABASE
from tests.builders import PASSWORD, a_pb_day, a_round, passes_for
from voting import kiosk_lock
from voting import service as voting_service

pytestmark = pytest.mark.browser

SIZES_CHECKED = ["tablet", "phone", "1920x1080"]
COSTS = (50_000, 40_000, 30_000, 20_000)
_axe = Axe()


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": database_url}, timeout=120)


def enter_pass(kiosk: Page, code: str) -> None:
    kiosk.goto("/kiosk")
    kiosk.get_by_label("Your pass code").fill(code)
    kiosk.get_by_role("button", name="Start").click()
    expect(kiosk.get_by_role("button", name="Review my choices")).to_be_visible()


def give_points(kiosk: Page, points: dict[str, int]) -> None:
    for title, n in points.items():
        kiosk.get_by_role("group", name=title).get_by_label("Points").fill(str(n))


def rank(kiosk: Page, order: list[str]) -> None:
    for place, title in enumerate(order, start=1):
        kiosk.get_by_role("group", name=title).get_by_label("Place").select_option(str(place))


def review_and_confirm(kiosk: Page) -> None:
    kiosk.get_by_role("button", name="Review my choices").click()
    expect(kiosk.get_by_role("heading", name="Check your choices")).to_be_visible()
    kiosk.get_by_role("button", name="Confirm my vote").click()
    expect(kiosk.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")).to_be_visible()
    kiosk.get_by_role("link", name="Finish").click()
    expect(kiosk.get_by_role("heading", name="Welcome. Let's vote.")).to_be_visible()


class TestPlayedThroughTheKiosk:
    @pytest.fixture
    def viewport(self) -> str:
        return "tablet"

    @pytest.mark.parametrize("kind, ballots, rule, tally", [
        ("points", [{"Project 4": 6, "Project 3": 4}, {"Project 4": 10}, {"Project 1": 5, "Project 2": 5}],
         "greedy", ["--rule", "greedy"]),
        ("ranking", [["Project 4", "Project 3", "Project 1"], ["Project 4"], ["Project 2", "Project 1"]],
         "mes", ["--rule", "mes", "--completion"]),
    ])
    def test_counted_the_same_as_tally_on_the_rounds_own_export(self, db, database_url, open_device, tmp_path,
                                                                 kind, ballots, rule, tally):
        day = a_pb_day(db, ballot=kind, costs=COSTS, points=10, rank_depth=3, rule=rule)
        kiosk = open_device()
        for code, choice in zip(passes_for(db, day.round_id, len(ballots)), ballots, strict=True):
            enter_pass(kiosk, code)
            give_points(kiosk, choice) if kind == "points" else rank(kiosk, choice)
            review_and_confirm(kiosk)

        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            published = json.loads(voting_service.publish_results(session, CLI_ACTOR, day.round_id).outcome)
        path = tmp_path / "round.pb"
        exported = cli(database_url, "export", "pabulib", "--round", str(day.round_id), "-o", str(path))
        recount = cli(database_url, "tally", str(path), *tally, "--json")

        assert exported.returncode == 0, exported.stderr
        assert recount.returncode == 0, recount.stderr
        assert published["ballots"] == len(ballots)
        assert sorted(json.loads(recount.stdout)["selected"]) == sorted(str(p) for p in published["selected"])
        verified = cli(database_url, "audit", "verify")
        assert verified.returncode == 0, verified.stderr


@pytest.fixture(params=SIZES_CHECKED)
def viewport(request) -> str:
    return request.param


@pytest.fixture
def device(open_device):
    """A fresh device at this size (1920x1080 as well as the shared tablet and phone sizes)."""
    return open_device()


def everyone_can_use(page: Page, step: str, screenshot) -> None:
    screenshot(page, f"kiosk-{step}")
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step} ({page.url}):\n{results.generate_report()}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{step} ({page.url}) scrolls sideways by {overflow}px"


@ONE_DATABASE
def test_every_kiosk_page_at_every_size(db, device, screenshot):
    points_day = a_pb_day(db, ballot="points", costs=COSTS, points=10)
    with db.session(write=True) as session:
        ranking_round = a_round(session, points_day.partnership, ballot="ranking", costs=COSTS, title="Parks 2026")
        voting_service.open_vote(session, CLI_ACTOR, ranking_round.id)
    [points_code] = passes_for(db, points_day.round_id)
    [ranking_code] = passes_for(db, ranking_round.id)
    kiosk = device

    kiosk.goto("/kiosk")
    everyone_can_use(kiosk, "start", screenshot)
    enter_pass(kiosk, points_code)
    give_points(kiosk, {"Project 1": 8, "Project 2": 5})
    expect(kiosk.locator("#progress")).to_contain_text("13 of 10 points given: that is 3 too many")
    kiosk.get_by_role("button", name="Review my choices").click()
    expect(kiosk.get_by_role("alert")).to_contain_text("Too many points")
    everyone_can_use(kiosk, "points-refused", screenshot)
    give_points(kiosk, {"Project 2": 2})
    expect(kiosk.locator("#progress")).to_have_text("10 of 10 points given (0 left)")
    everyone_can_use(kiosk, "points-ballot", screenshot)
    kiosk.get_by_role("button", name="Review my choices").click()
    everyone_can_use(kiosk, "points-review", screenshot)
    kiosk.get_by_role("button", name="Confirm my vote").click()
    expect(kiosk.get_by_role("heading", name="Thank you. Your vote is in the ballot box.")).to_be_visible()
    everyone_can_use(kiosk, "receipt", screenshot)

    kiosk.goto(f"/kiosk?code={ranking_code}")  # the QR code, on the resident's own phone
    rank(kiosk, ["Project 3", "Project 1"])
    expect(kiosk.locator("#progress")).to_have_text("2 of 3 places filled")
    everyone_can_use(kiosk, "ranking-ballot", screenshot)
    kiosk.get_by_role("button", name="Review my choices").click()
    expect(kiosk.get_by_role("row").nth(1)).to_contain_text("Project 3")
    everyone_can_use(kiosk, "ranking-review", screenshot)
    kiosk.get_by_role("button", name="Confirm my vote").click()
    expect(kiosk.get_by_text("This page stays until you leave it.")).to_be_visible()
    everyone_can_use(kiosk, "receipt-own-phone", screenshot)

    kiosk.goto("/kiosk")
    kiosk.get_by_label("Your pass code").fill(points_code)
    kiosk.get_by_role("button", name="Start").click()
    expect(kiosk.get_by_role("alert")).to_contain_text("If you have not voted yet, take the pass to a steward")
    everyone_can_use(kiosk, "pass-used", screenshot)
    for n in range(kiosk_lock.FREE_WRONG_CODES + 1):
        kiosk.get_by_label("Your pass code").fill(f"ZZZZ-ZZZ{'ABCDEFG'[n]}")
        kiosk.get_by_role("button", name="Start").click()
    expect(kiosk.get_by_role("alert")).to_contain_text("Too many wrong pass codes")
    everyone_can_use(kiosk, "paused", screenshot)

    kiosk.goto("/login?next=/desk/voting-points")
    kiosk.get_by_label("Username").fill("steward")
    kiosk.get_by_label("Password").fill(PASSWORD)
    kiosk.get_by_role("button", name="Sign in").click()
    expect(kiosk.get_by_role("heading", name="Paused voting points")).to_be_visible()
    everyone_can_use(kiosk, "desk-paused-points", screenshot)
    kiosk.get_by_role("button", name="Unlock").click()
    expect(kiosk.get_by_role("status").filter(has_text="is unlocked")).to_be_visible()
    expect(kiosk.get_by_text("No voting point is paused.")).to_be_visible()


@ONE_DATABASE
def test_the_chair_picks_a_ranked_ballot_in_the_round_form_at_every_size(db, device, screenshot):
    day = a_pb_day(db)
    chair = device
    chair.goto(f"/login?next=/manage/rounds/new?partnership_id={day.partnership.id}")
    chair.get_by_label("Username").fill("chair")
    chair.get_by_label("Password").fill(PASSWORD)
    chair.get_by_role("button", name="Sign in").click()
    expect(chair.get_by_role("heading", name="New round")).to_be_visible()
    everyone_can_use(chair, "round-form", screenshot)

    chair.get_by_label("Title").fill("Parks 2027")
    chair.get_by_label("Budget in pounds").fill("20,000")
    chair.get_by_label("Ranked: residents put their top choices in order").check()
    chair.get_by_label("Places each resident fills on a ranked ballot").fill("4")
    chair.get_by_role("button", name="Create round").click()

    expect(chair.locator(".facts")).to_contain_text("rank your top 4")
