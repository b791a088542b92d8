"""From an empty database: the first admin on the command line, then in the browser the admin creates
a partnership and invites a chair and a steward, they accept their links, and the chair creates a
round and records a meeting. axe finds nothing on any of these pages."""

import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

import main
from tests.browser.test_pb_day import everyone_can_use
from tests.builders import PASSWORD

pytestmark = pytest.mark.browser

PARTNERSHIP = "Tytherington and Upton Partnership"


@pytest.fixture(params=["tablet"])
def viewport(request) -> str:
    return request.param


def admin_invites(page: Page, email: str, role_label: str) -> str:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role", exact=True).first.select_option(label=role_label)
    page.get_by_role("button", name="Make an invitation link").click()
    link = page.locator("#invitation-link").inner_text()
    return "/invitations/" + link.rsplit("/invitations/", 1)[1]


def accepts_invitation(page: Page, path: str, name: str, username: str, screenshot=None) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("You are invited as")
    if screenshot is not None:
        everyone_can_use(page, "invitation", screenshot)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Username").fill(username)
    page.get_by_label(re.compile(r"^Password \(")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_role("heading", name="Your rounds")).to_be_visible()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_from_an_empty_database_to_a_round(database_url, open_device, screenshot, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main.main(["admin", "create", "--username", "admin", "--password-stdin",
                      "--database-url", database_url]) == 0
    capsys.readouterr()

    admin = open_device()
    admin.goto("/login?next=/admin")
    admin.get_by_label("Username").fill("admin")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    expect(admin.get_by_role("heading", name="Administration")).to_be_visible()
    everyone_can_use(admin, "admin-empty", screenshot)

    admin.get_by_label("Name", exact=True).fill(PARTNERSHIP)
    admin.get_by_label("Area (postcode districts").fill("SK10, Tytherington")
    admin.get_by_label("Description").fill("Ward councillors and residents of Tytherington and Upton.")
    admin.get_by_role("button", name="Create partnership").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(PARTNERSHIP)
    expect(admin.get_by_role("status").filter(has_text="Partnership created")).to_be_visible()
    chair_link = admin_invites(admin, "chair@example.org", "chair")
    everyone_can_use(admin, "admin-invitation-link", screenshot)
    steward_link = admin_invites(admin, "steward@example.org", "steward")

    chair = open_device()
    accepts_invitation(chair, chair_link, "Councillor Ruth Ames", "ruth", screenshot)
    steward = open_device()
    accepts_invitation(steward, steward_link, "Kofi Mensah", "kofi")
    expect(steward.get_by_role("link", name="Desk")).to_be_visible()

    # The link worked once.
    again = open_device()
    again.goto(chair_link)
    expect(again.get_by_role("heading", level=1)).to_contain_text("Conflict")
    expect(again.get_by_text("already been used")).to_be_visible()

    admin.reload()
    expect(admin.get_by_role("table", name="Members and roles")).to_contain_text("Councillor Ruth Ames")
    expect(admin.get_by_role("table", name="Members and roles")).to_contain_text("Kofi Mensah")
    everyone_can_use(admin, "admin-partnership", screenshot)

    chair.get_by_role("link", name=f"New round for {PARTNERSHIP}").click()
    chair.get_by_label("Title").fill("Community Fund 2027")
    chair.get_by_label("Budget in pounds").fill("40,000")
    chair.get_by_label("Postcode districts that can vote").fill("SK10")
    chair.get_by_role("button", name="Create round").click()
    expect(chair).to_have_url(re.compile(r"/manage/rounds/\d+$"))
    expect(chair.get_by_role("heading", level=1)).to_have_text("Community Fund 2027")
    everyone_can_use(chair, "chair-new-round", screenshot)

    partnership_id = re.search(r"/admin/partnerships/(\d+)", admin.url).group(1)
    chair.goto(f"/manage/partnerships/{partnership_id}/meetings")
    everyone_can_use(chair, "chair-meetings", screenshot)
    chair.get_by_label("Date").fill((date.today() - timedelta(days=8)).isoformat())
    chair.get_by_label("Place").fill("Upton Priory School")
    chair.get_by_label("Councillor Ruth Ames (chair)").check()
    chair.get_by_label("Residents attending").fill("9")
    chair.get_by_role("button", name="Add meeting").click()
    expect(chair.get_by_role("status").filter(has_text="Meeting added")).to_be_visible()
    chair.get_by_label("Record a decision").fill("Open the Community Fund 2027 to proposals")
    chair.get_by_role("button", name="Record decision").click()
    expect(chair.get_by_role("status").filter(has_text="Decision recorded")).to_be_visible()
    chair.get_by_label("Draft minutes").fill("Nine residents came. The partnership opened its fund to proposals.")
    chair.get_by_role("button", name="Save draft minutes").click()
    expect(chair.get_by_role("status").filter(has_text="Draft minutes saved")).to_be_visible()
    everyone_can_use(chair, "chair-meeting", screenshot)

    chair.goto(f"/partnerships/{partnership_id}")
    expect(chair.get_by_text("Open the Community Fund 2027 to proposals")).to_be_visible()
    expect(chair.get_by_text("No interests declared")).to_be_visible()
    everyone_can_use(chair, "partnership-page", screenshot)
