"""Staff forms: a mistake is explained beside the field with what was typed kept, and can be fixed."""

import re

from sqlmodel import select

from core.audit import AuditEvent
from tests.builders import a_pb_day, sign_in


def actions(db, action: str) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return found.group(1).replace("&#39;", "'").replace("&#34;", '"') if found else ""


def add_proposal(client, token, round_id, **fields):
    return client.post(f"/manage/rounds/{round_id}/proposals", data={"csrf_token": token, **fields})


class TestMistakesOnStaffFormsAreExplainedInPlace:
    def test_a_cost_far_too_large_says_the_largest_allowed_not_that_it_is_no_number(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        page = add_proposal(client, token, day.round_id, title="Bench by the pond", cost="1" + "0" * 30)

        assert page.status_code == 422
        assert "must be between 0 and" in field_error(page.text, "cost")

    def test_a_bad_cost_keeps_what_was_typed_and_says_why_beside_the_cost(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        page = add_proposal(client, token, day.round_id, title="Bench by the pond", cost="about 300",
                            summary="Oak, with a plaque")

        assert page.status_code == 422
        assert "must be a whole number" in field_error(page.text, "cost")
        assert 'value="Bench by the pond"' in page.text and 'value="about 300"' in page.text
        assert "Oak, with a plaque" in page.text
        assert 'aria-invalid="true" aria-describedby="cost-error"' in page.text

    def test_a_proposal_over_budget_is_explained_beside_the_cost(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        page = add_proposal(client, token, day.round_id, title="New library", cost="2,000,000")

        assert "more than the whole budget" in field_error(page.text, "cost")
        assert 'value="New library"' in page.text

    def test_a_bad_budget_on_the_round_form_sits_beside_the_budget(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        page = client.post("/manage/rounds", data={"csrf_token": token, "partnership_id": day.partnership.id,
                                                   "title": "Fund", "budget": "lots", "eligible_postcodes": "SK10"})

        assert "Budget must be a whole number" in field_error(page.text, "budget")
        assert 'value="SK10"' in page.text

    def test_a_title_as_long_as_a_book_is_refused_beside_the_title(self, client, db):
        """Found from outside: a 200,000-character round title was stored and weighed down the home page."""
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        page = client.post("/manage/rounds", data={"csrf_token": token, "partnership_id": day.partnership.id,
                                                   "title": "Fund " * 40_000, "budget": "1000",
                                                   "eligible_postcodes": "SK10"})

        assert page.status_code == 422
        assert "200 characters or fewer" in field_error(page.text, "title")
        assert not actions(db, "round.created")[1:]  # only the demo's own round

    def test_signed_in_staff_never_see_staff_sign_in_even_on_an_error_page(self, client, db):
        a_pb_day(db)
        sign_in(client, "chair")

        page = client.get("/manage/rounds/424242")

        assert page.status_code == 404
        assert "Staff sign-in" not in page.text
        assert "Sign out Chair" in page.text


class TestDuplicateTitles:
    def test_a_second_proposal_with_the_same_title_is_refused(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        page = add_proposal(client, token, day.round_id, title="  project 1. ", cost="500")

        assert page.status_code == 422
        assert '"Project 1" is already on this ballot' in field_error(page.text, "title")


class TestFixingProposalsBeforeVoting:
    def test_an_officer_corrects_a_proposal(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")
        proposal = day.proposals[0]
        assert 'value="Project 1"' in client.get(f"/manage/rounds/{day.round_id}/proposals/{proposal.id}/edit").text

        saved = client.post(f"/manage/rounds/{day.round_id}/proposals/{proposal.id}/edit",
                            data={"csrf_token": token, "title": "Green Gym", "cost": "16,000"})

        assert "Proposal saved" in saved.text
        [project, *_] = client.get(f"/api/v1/rounds/{day.round_id}").json()["projects"]
        assert (project["title"], project["cost"]) == ("Green Gym", 16_000)
        [edited] = actions(db, "proposal.edited")
        assert '"cost":16000' in edited.payload

    def test_an_edit_that_clashes_with_another_title_keeps_the_form(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        page = client.post(f"/manage/rounds/{day.round_id}/proposals/{day.proposals[0].id}/edit",
                           data={"csrf_token": token, "title": "PROJECT 2", "cost": "100"})

        assert page.status_code == 422
        assert "already on this ballot" in field_error(page.text, "title")
        assert 'value="PROJECT 2"' in page.text

    def test_a_withdrawn_proposal_leaves_the_ballot_but_stays_on_record(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        page = client.post(f"/manage/rounds/{day.round_id}/proposals/{day.proposals[0].id}/withdraw",
                           data={"csrf_token": token})

        assert "Proposal withdrawn" in page.text
        assert "Withdrawn (kept on record, not on the ballot): Project 1" in page.text
        assert len(client.get(f"/api/v1/rounds/{day.round_id}").json()["projects"]) == len(day.proposals) - 1
        assert len(actions(db, "proposal.withdrawn")) == 1

    def test_nothing_changes_once_voting_has_opened(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "officer")

        edit = client.post(f"/manage/rounds/{day.round_id}/proposals/{day.proposals[0].id}/edit",
                           data={"csrf_token": token, "title": "Changed", "cost": "100"})
        withdraw = client.post(f"/manage/rounds/{day.round_id}/proposals/{day.proposals[0].id}/withdraw",
                               data={"csrf_token": token})

        assert edit.status_code == withdraw.status_code == 409
        assert "once voting has opened" in edit.text


class TestFixingARoundBeforeVoting:
    def test_the_chair_edits_the_round_details(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")
        form = client.get(f"/manage/rounds/{day.round_id}/edit").text
        assert 'value="Community Fund 2026"' in form

        saved = client.post(f"/manage/rounds/{day.round_id}/edit", data={
            "csrf_token": token, "title": "Community Fund 2027", "budget": "120,000", "eligible_postcodes": "SK10",
            "ballot_kind": "approval", "score_max": "5", "counting_rule": "mes"})

        assert "Round details saved" in saved.text
        detail = client.get(f"/api/v1/rounds/{day.round_id}").json()
        assert (detail["title"], detail["budget"], detail["ballot_kind"], detail["rule"]) == (
            "Community Fund 2027", 120_000, "approval", "mes")
        assert '"budget":120000' in actions(db, "round.details_changed")[0].payload

    def test_a_budget_below_a_proposal_is_explained_beside_the_budget(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        page = client.post(f"/manage/rounds/{day.round_id}/edit", data={
            "csrf_token": token, "title": "Community Fund 2026", "budget": "1000", "ballot_kind": "scores",
            "score_max": "5", "counting_rule": "greedy"})

        assert page.status_code == 422
        assert "more than a budget of 1,000" in field_error(page.text, "budget")
        assert 'value="1000"' in page.text

    def test_a_round_made_by_mistake_is_archived_not_deleted(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        page = client.post(f"/manage/rounds/{day.round_id}/archive", data={"csrf_token": token})

        assert "Community Fund 2026 was archived" in page.text
        assert "Archived rounds" in page.text
        assert day.round_id not in [r["id"] for r in client.get("/api/v1/rounds").json()]
        assert client.get(f"/rounds/{day.round_id}").status_code == 200  # history stays reachable
        assert len(actions(db, "round.archived")) == 1
        assert "Restore this round" in client.get(f"/manage/rounds/{day.round_id}").text

    def test_a_round_that_was_voted_on_cannot_be_archived(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "chair")

        page = client.post(f"/manage/rounds/{day.round_id}/archive", data={"csrf_token": token})

        assert page.status_code == 409
        assert "Only a round whose voting never opened can be archived" in page.text

    def test_only_the_chair_edits_or_archives(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "officer")

        assert client.post(f"/manage/rounds/{day.round_id}/archive", data={"csrf_token": token}).status_code == 403
        assert client.get(f"/manage/rounds/{day.round_id}/edit").status_code == 403


NASTY = ["", "   ", "\x00", "9" * 60, "-1", "1e9", "NaN", "<script>x</script>", "ＳＫ１０", "£-5", "0", "Ω" * 500]


class TestBadInputNeverBreaksAStaffForm:
    """Whatever is typed, each of these forms answers with a message (never a 500) and keeps it."""

    def test_the_forms_take_anything(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")
        round_id, proposal_id = day.round_id, day.proposals[0].id
        forms = [
            (f"/manage/rounds/{round_id}/proposals", ("title", "cost", "summary")),
            (f"/manage/rounds/{round_id}/proposals/{proposal_id}/edit", ("title", "cost")),
            (f"/manage/rounds/{round_id}/edit", ("title", "budget", "eligible_postcodes", "score_max", "max_picks",
                                                 "ballot_kind", "counting_rule")),
            ("/manage/rounds", ("title", "budget", "summary", "priorities", "fund_source")),
        ]
        for path, fields in forms:
            for value in NASTY:
                for field in fields:
                    data = {"csrf_token": token, "partnership_id": day.partnership.id, "title": "Bench", "cost": "300",
                            "budget": "100000", "ballot_kind": "scores", "score_max": "5", "counting_rule": "greedy",
                            field: value}
                    response = client.post(path, data=data)
                    assert response.status_code < 500, (path, field, value)
                    if response.status_code >= 400 and value.strip() and field in ("title", "cost", "budget"):
                        assert "<script>x" not in response.text  # kept, but escaped

    def test_the_desk_and_the_close_take_anything(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "chair")
        for value in NASTY:
            for field in ("name", "postcode"):
                data = {"csrf_token": token, "round_id": day.round_id, "name": "Ann Lee", "postcode": "SK10 1AA",
                        field: value}
                assert client.post("/desk/passes", data=data).status_code < 500, (field, value)
        for value in NASTY:
            page = client.post(f"/manage/rounds/{day.round_id}/close",
                               data={"csrf_token": token, "grace_minutes": value or "x"})
            assert page.status_code in (303, 200, 409, 422), value
            if page.status_code == 200 and "Voting is closed" in page.text:
                break
        assert client.get("/desk/passes/not-a-real-ticket").status_code == 200
        assert client.post("/desk/passes/not-a-real-ticket/void", data={"csrf_token": token}).status_code == 404


class TestAnAddressMissingWhatAPageNeeds:
    def test_a_chair_who_opens_the_new_round_form_without_a_partnership_is_told_in_plain_words(self, client, db):
        a_pb_day(db, open_vote=False)
        sign_in(client, "chair")

        page = client.get("/manage/rounds/new")
        typed = client.get("/manage/rounds/new?partnership_id=abc")

        assert page.status_code == 422 and "The partnership is missing." in page.text
        assert "Field required" not in page.text and "partnership_id" not in page.text
        assert typed.status_code == 422 and "The partnership should be a whole number." in typed.text

    def test_an_integrator_still_gets_the_field_and_the_parsers_words(self, client, db):
        answer = client.get("/api/v1/rounds/abc")

        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "round_id" in answer.json()["detail"]
