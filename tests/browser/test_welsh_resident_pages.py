"""The residents' newer pages in Welsh: sign-in, the round page with its consultation, proposing a
project (with a refused form), the proposals list, "Your page" and the partnership's page; each says
lang="cy" and axe finds nothing. One story on one database at tablet size: the strings and the
services' messages are tested on both databases in tests/test_welsh.py."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.audit import CLI_ACTOR
from governance import service as governance_service
from governance.models import Phase, Role
from residents import service as residents_service
from tests.builders import a_partnership, a_staff_member

pytestmark = pytest.mark.browser

_axe = Axe()


def welsh_and_accessible(page: Page, screenshot, step: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    results = _axe.run(page)
    assert results.violations_count == 0, f"axe on {step}:\n{results.generate_report()}"
    screenshot(page, f"welsh-resident-{step}")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("viewport", ["tablet"], indirect=True)
def test_a_resident_proposes_in_welsh(db, open_device, screenshot):
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        a_staff_member(session, partnership, Role.officer, "officer")
        round_id = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Community Fund 2027", budget=20_000,
            priorities="Green spaces\nYoung people", phase=Phase.involve).id
        partnership_id = partnership.id
        _, token = residents_service.request_link(session, email="ann@example.org", client="test", link_minutes=30,
                                                  next_path=f"/rounds/{round_id}")
    page = open_device()

    page.goto("/signin?lang=cy")
    expect(page.get_by_role("button", name="Anfonwch ddolen mewngofnodi ataf")).to_be_visible()
    welsh_and_accessible(page, screenshot, "1-signin")
    page.goto(f"/signin/{token}")
    page.get_by_role("button", name="Mewngofnodi").click()

    expect(page.get_by_role("heading", name="Beth allwch chi ei wneud nawr")).to_be_visible()
    welsh_and_accessible(page, screenshot, "2-round")

    page.goto(f"/rounds/{round_id}/proposals/new")
    page.get_by_label("Teitl").fill("Clwb cinio")
    page.get_by_label("Llinell gostau 1: swm mewn punnoedd").fill("400")
    page.get_by_role("button", name="Cyflwyno i'w adolygu").click()
    expect(page.locator("#item_1-error")).to_have_text("Mae angen i linell gostau 1 ddweud beth yw diben yr arian.")
    welsh_and_accessible(page, screenshot, "3-proposal-refused")
    page.get_by_label("Llinell gostau 1: at beth").fill("Llogi neuadd")
    page.get_by_role("button", name="Cyflwyno i'w adolygu").click()
    expect(page.get_by_role("heading", name="Hanes y cynnig hwn")).to_be_visible()
    welsh_and_accessible(page, screenshot, "4-proposal")

    for step, path in (("5-proposals", f"/rounds/{round_id}/proposals"), ("6-me", "/me"),
                       ("7-partnership", f"/partnerships/{partnership_id}")):
        page.goto(path)
        welsh_and_accessible(page, screenshot, step)
