"""The proposal pages: a resident proposes through the form, officers review through theirs, the
public reads the list, the page and the open-data API. Bad input keeps what was typed; never a 500."""

import io

import pytest

from core.audit import CLI_ACTOR
from governance import interests
from governance import service as governance_service
from governance.models import Phase, Role
from proposals import repository
from tests.builders import a_partnership, a_png, a_staff_member, csrf_from, sign_in, sign_in_resident

PNG = a_png()


@pytest.fixture
def involve(db):
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        a_staff_member(session, partnership, Role.officer, "officer")
        olu = a_staff_member(session, partnership, Role.officer, "olu")
        round_id = governance_service.create_round(session, CLI_ACTOR, partnership_id=partnership.id,
                                                   title="Community Fund 2027", budget=20_000,
                                                   phase=Phase.involve).id
    return {"round_id": round_id, "partnership_id": partnership.id, "olu": olu.id}


def proposal_form(token, **overrides):
    data = {"csrf_token": token, "title": "Friday lunch club", "summary": "Hot lunches",
            "description": "Every Friday.", "item_1": "Hall hire", "amount_1": "400", "item_2": "Food",
            "amount_2": "£500", "item_3": "Training", "amount_3": "100", "item_4": "", "amount_4": "",
            "location": "Hurdsfield", "delivered_by": "Hurdsfield Kitchen CIC", "org_number": "12345678",
            "category": "Food", "action": "submit"}
    data.update(overrides)
    return data


def propose(client, round_id, photo=None, **overrides):
    token = csrf_from(client.get(f"/rounds/{round_id}/proposals/new").text)
    files = {"photo": ("photo.png", photo, "image/png")} if photo is not None else {"photo": ("", b"", "")}
    return client.post(f"/rounds/{round_id}/proposals/new", data=proposal_form(token, **overrides), files=files,
                       follow_redirects=False)


class TestAResidentProposesThroughTheForm:
    def test_the_round_page_lists_the_ideas_put_forward_but_not_drafts(self, client, db, involve):
        sign_in_resident(client, db)
        propose(client, involve["round_id"])
        propose(client, involve["round_id"], title="Still thinking about it", action="draft")

        page = client.get(f"/rounds/{involve['round_id']}").text

        assert "Proposals (1)" in page and "Friday lunch club" in page
        assert "Still thinking about it" not in page

    def test_the_form_asks_an_anonymous_visitor_to_sign_in(self, client, involve):
        page = client.get(f"/rounds/{involve['round_id']}/proposals/new")
        assert page.status_code == 200 and "Sign in to propose" in page.text

    def test_submitted_with_three_cost_lines_and_a_photo_then_shown_with_its_history(self, client, db, involve):
        sign_in_resident(client, db)
        response = propose(client, involve["round_id"], photo=PNG)
        assert response.status_code == 303, response.text
        page = client.get(response.headers["location"])
        assert "Friday lunch club" in page.text and "£1,000" in page.text and "Version 1" in page.text
        proposal_id = int(response.headers["location"].split("/")[-1].split("?")[0])
        photo = client.get(f"/rounds/{involve['round_id']}/proposals/{proposal_id}/photo")
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
        api = client.get(f"/api/v1/rounds/{involve['round_id']}/proposals").json()
        assert api == [{"id": proposal_id, "title": "Friday lunch club", "status": "submitted", "cost": 1000,
                        "cost_lines": [{"item": "Hall hire", "amount": 400}, {"item": "Food", "amount": 500},
                                       {"item": "Training", "amount": 100}],
                        "delivered_by": "Hurdsfield Kitchen CIC"}]

    def test_a_draft_is_neither_listed_nor_shown_to_others(self, client, app, db, involve):
        sign_in_resident(client, db)
        response = propose(client, involve["round_id"], action="draft")
        location = response.headers["location"].split("?")[0]
        assert client.get(location).status_code == 200
        assert client.get(f"/api/v1/rounds/{involve['round_id']}/proposals").json() == []
        from fastapi.testclient import TestClient

        with TestClient(app) as stranger:
            assert stranger.get(location).status_code == 404
            assert "Friday lunch club" not in stranger.get(f"/rounds/{involve['round_id']}/proposals").text

    BAD = [
        ({"title": ""}, "needs a title"),
        ({"amount_2": "-5"}, "whole number"),
        ({"amount_2": "99999999999999999999"}, "between"),
        ({"total": "1200"}, "add up to £1,000, not"),
        ({"amount_1": "19500"}, "more than the £20,000"),
        ({"description": "x" * 50_000}, "at most 10,000"),
        ({"org_number": "12-AB"}, "shape"),
        ({"item_2": "Food", "amount_2": ""}, "needs an amount"),
    ]

    def test_bad_input_is_a_clear_message_with_the_input_kept(self, client, db, involve):
        sign_in_resident(client, db)
        for overrides, words in self.BAD:
            response = propose(client, involve["round_id"], **{"title": "<script>alert(1)</script>", **overrides})
            assert response.status_code == 422, response.text
            assert words in response.text.replace("&#34;", '"').replace("&#39;", "'"), words
            assert "<script>alert(1)</script>" not in response.text
            assert "Hall hire" in response.text and "Hurdsfield Kitchen CIC" in response.text

    def test_a_file_that_is_not_an_image_is_refused_by_the_photo_field(self, client, db, involve):
        sign_in_resident(client, db)
        response = propose(client, involve["round_id"], photo=b"<?php echo 1; ?>")
        assert response.status_code == 422 and "JPEG, PNG or WebP" in response.text
        assert 'value="Friday lunch club"' in response.text

    def test_a_phones_six_megabyte_photo_is_refused_by_the_photo_field_with_the_form_kept(self, client, db, involve):
        sign_in_resident(client, db)
        response = propose(client, involve["round_id"], photo=PNG + b"\x00" * (6 * 1024 * 1024))
        assert response.status_code == 422 and "at most 4 MB" in response.text
        assert 'value="Friday lunch club"' in response.text

    def test_a_body_far_over_the_upload_limit_is_refused_not_a_500(self, client, db, involve):
        sign_in_resident(client, db)
        response = propose(client, involve["round_id"], photo=PNG + b"\x00" * (17 * 1024 * 1024))
        assert response.status_code == 413 and "at most" in response.text

    def test_outside_the_involve_step_the_page_says_when_proposals_open(self, client, db, involve):
        sign_in_resident(client, db)
        token = csrf_from(client.get(f"/rounds/{involve['round_id']}/proposals/new").text)
        with db.session(write=True) as session:
            from governance import repository as governance_repo

            governance_service.move_to_phase(session, CLI_ACTOR, governance_repo.get_round(
                session, involve["round_id"]), Phase.collaborate)
        page = client.get(f"/rounds/{involve['round_id']}/proposals/new")
        assert "Proposals can be sent while this round is at the step" in page.text.replace("&#34;", '"')
        response = client.post(f"/rounds/{involve['round_id']}/proposals/new", data=proposal_form(token),
                               files={"photo": ("", b"", "")})
        assert response.status_code == 409 and "This can be done during: Collecting ideas" in response.text


class TestTheProposerFollowsUp:
    def test_html_is_escaped_messages_go_both_ways_and_the_proposer_withdraws(self, client, app, db, involve):
        rid = involve["round_id"]
        sign_in_resident(client, db)
        location = propose(client, rid, title="<script>alert(1)</script>",
                           description="<img src=x onerror=alert(1)>").headers["location"].split("?")[0]
        page = client.get(location)
        assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<img src=x" not in page.text
        empty = client.post(f"{location}/messages", data={"csrf_token": csrf_from(page.text), "body": " "})
        assert empty.status_code == 422 and "Write a message first" in empty.text
        sent = client.post(f"{location}/messages", data={"csrf_token": csrf_from(page.text),
                                                         "body": "Is a quote needed for the food?"})
        assert sent.status_code == 200 and "Is a quote needed for the food?" in sent.text
        from fastapi.testclient import TestClient

        with TestClient(app) as stranger:
            assert "Is a quote needed" not in stranger.get(location).text
        withdrawn = client.post(f"{location}/withdraw", data={"csrf_token": csrf_from(page.text)})
        assert withdrawn.status_code == 200 and "Withdrawn" in withdrawn.text
        assert client.get(f"/api/v1/rounds/{rid}/proposals").json()[0]["status"] == "withdrawn"
        assert client.get("/api/v1/rounds/4242/proposals").status_code == 404


class TestOfficersReviewThroughTheirPages:
    def test_changes_asked_the_proposer_revises_and_an_officer_with_an_interest_is_shown_why(self, client, app, db,
                                                                                            involve):
        rid = involve["round_id"]
        sign_in_resident(client, db)
        location = propose(client, rid).headers["location"].split("?")[0]
        proposal_id = int(location.split("/")[-1])
        from fastapi.testclient import TestClient

        with TestClient(app) as officer:
            token = sign_in(officer, "officer")
            asked = officer.post(f"/manage/rounds/{rid}/proposals/{proposal_id}/review", data={
                "csrf_token": token, "decision": "needs_changes", "reason": ""})
            assert asked.status_code == 422 and "Say why" in asked.text
            asked = officer.post(f"/manage/rounds/{rid}/proposals/{proposal_id}/review", data={
                "csrf_token": token, "decision": "needs_changes", "reason": "Add a quote for the hall."})
            assert asked.status_code == 200 and "Review recorded" in asked.text
        page = client.get(location)
        assert "Add a quote for the hall." in page.text
        edit = client.get(f"{location}/edit")
        revised = client.post(f"{location}/edit", data=proposal_form(csrf_from(edit.text), amount_1="450"),
                              files={"photo": ("", b"", "")}, follow_redirects=False)
        assert revised.status_code == 303
        with db.session() as session:
            assert repository.get_proposal(session, rid, proposal_id).status == "submitted"
            interests.declare_interest(session, CLI_ACTOR, partnership_id=involve["partnership_id"],
                                       staff_id=involve["olu"], proposal_id=proposal_id,
                                       description="My sister runs the kitchen")
            session.commit()
        with TestClient(app) as olu:
            token = sign_in(olu, "olu")
            page = olu.get(f"/manage/rounds/{rid}/proposals/{proposal_id}")
            assert "My sister runs the kitchen" in page.text and "Record the review" not in page.text
            refused = olu.post(f"/manage/rounds/{rid}/proposals/{proposal_id}/review", data={
                "csrf_token": token, "decision": "eligible"})
            assert refused.status_code == 403 and "cannot decide on this proposal" in refused.text
        register = client.get(f"/rounds/{rid}/proposals")
        assert "My sister runs the kitchen" in register.text

    def test_a_paper_form_is_entered_on_a_residents_behalf(self, client, db, involve):
        rid = involve["round_id"]
        token = sign_in(client, "officer")
        response = client.post(f"/manage/rounds/{rid}/proposals/paper/new", data={
            **proposal_form(token), "proposer_name": "Mrs Brown"}, files={"x": ("", io.BytesIO(b""), "")},
            follow_redirects=False)
        assert response.status_code == 303, response.text
        review = client.get(response.headers["location"])
        assert "Mrs Brown" in review.text and "from a paper form" in review.text
        proposal_id = int(response.headers["location"].split("?")[0].split("/")[-1])
        client.cookies.clear()
        public = client.get(f"/rounds/{rid}/proposals/{proposal_id}")
        # The resident wrote their name on paper for the officers, not for the public.
        assert "Mrs Brown" not in public.text and "A resident" in public.text and "from a paper form" in public.text

    def test_the_public_sees_the_name_a_resident_chose_and_loses_it_when_she_clears_it(self, client, db, involve):
        rid = involve["round_id"]
        sign_in_resident(client, db, "ada@example.org")
        client.post("/me", data={"csrf_token": csrf_from(client.get("/me").text),
                                 "display_name": "Ada from Hurdsfield"})
        created = propose(client, rid)
        assert created.status_code == 303, created.text
        page = created.headers["location"].split("?")[0]
        assert "Ada from Hurdsfield" in client.get(page).text
        client.post("/me", data={"csrf_token": csrf_from(client.get("/me").text), "display_name": ""})
        client.cookies.clear()
        shown = client.get(page).text
        assert "Ada from Hurdsfield" not in shown and "A resident" in shown

    def test_someone_outside_the_partnership_cannot_review(self, client, db, involve):
        with db.session(write=True) as session:
            a_staff_member(session, None, None, "stranger")
        sign_in(client, "stranger")
        assert client.get(f"/manage/rounds/{involve['round_id']}/proposals").status_code == 403
