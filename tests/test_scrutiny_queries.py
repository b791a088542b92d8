"""Questions on the record: a scrutiny member raises a query on an entry, a round or a proposal;
the chair of that partnership answers; both are audit events and both are public."""

import hashlib
import json

import pytest
from sqlmodel import select

from core.audit import CLI_ACTOR, AuditEvent
from tests.builders import a_partnership, a_pb_day, a_staff_member, sign_in
from voting import service as voting_service

QUESTION = "Why was the vote closed an hour before the advertised time?"
ANSWER = "The hall had to be cleared for a funeral; everyone queueing had voted by then."


def entries(db, action: str) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def a_closed_vote(db):
    day = a_pb_day(db)
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, day.round_id)
    return day, entries(db, "vote.closed")[0].seq


def raise_query(client, token: str, about: str, question: str = QUESTION, follow: bool = False):
    return client.post("/audit/queries", data={"csrf_token": token, "about": about, "question": question},
                       follow_redirects=follow)


def answer(client, token: str, query_id: int, text: str = ANSWER):
    return client.post(f"/audit/queries/{query_id}/answer", data={"csrf_token": token, "answer": text},
                       follow_redirects=False)


class TestRaisingAQuery:
    def test_a_scrutiny_member_questions_an_entry_and_it_is_on_the_record(self, client, db):
        day, closed = a_closed_vote(db)
        token = sign_in(client, "scrutiny")

        response = raise_query(client, token, f"audit:{closed}")

        assert response.status_code == 303
        assert response.headers["location"] == f"/audit/{closed}#query-1"
        entry_page = client.get(f"/audit/{closed}").text
        assert QUESTION in entry_page and "Waiting for the chair" in entry_page
        assert "raised by Scrutiny" in entry_page
        assert QUESTION in client.get("/audit/queries?status=open").text
        [raised] = entries(db, "query.raised")
        payload = json.loads(raised.payload)
        assert raised.subject == "query:1" and raised.actor_role == "scrutiny"
        assert payload == {"about": f"audit:{closed}", "partnership": f"partnership:{day.partnership.id}",
                           "round": f"round:{day.round_id}",
                           "question_sha256": hashlib.sha256(QUESTION.encode()).hexdigest()}

    def test_the_question_text_is_kept_out_of_the_log_itself(self, client, db):
        _, closed = a_closed_vote(db)
        raise_query(client, sign_in(client, "scrutiny"), f"audit:{closed}")

        assert all(QUESTION not in e.payload for e in entries(db, "query.raised"))

    def test_a_query_about_a_round_or_a_proposal(self, client, db):
        day, _ = a_closed_vote(db)
        token = sign_in(client, "scrutiny")

        on_round = raise_query(client, token, f"round:{day.round_id}", "How were the costs of Project 1 checked?")
        on_proposal = raise_query(client, token, f"proposal:{day.proposals[2].id}", "Who delivers Project 3?")

        assert on_round.status_code == on_proposal.status_code == 303
        listing = client.get("/audit/queries").text
        assert "How were the costs of Project 1 checked?" in listing and "Who delivers Project 3?" in listing
        round_trail = client.get(f"/audit?round={day.round_id}&action=query.raised").text
        assert "(2 found" in round_trail

    def test_a_scrutiny_member_finds_the_form_on_a_rounds_trail_and_a_proposals_history(self, client, db):
        day, _ = a_closed_vote(db)
        proposal = f"proposal:{day.proposals[0].id}"

        assert 'name="about"' not in client.get(f"/audit?round={day.round_id}").text  # not for the public
        sign_in(client, "scrutiny")
        on_round = client.get(f"/audit?round={day.round_id}").text
        on_proposal = client.get(f"/audit?subject={proposal}").text

        assert f'name="about" value="round:{day.round_id}"' in on_round
        assert f'name="about" value="{proposal}"' in on_proposal
        assert 'name="about"' not in client.get("/audit?subject=staff:1").text

    def test_an_empty_question_is_refused_and_what_was_typed_is_kept(self, client, db):
        _, closed = a_closed_vote(db)
        token = sign_in(client, "scrutiny")

        page = raise_query(client, token, f"audit:{closed}", "Why?")

        assert page.status_code == 422
        assert "Write your question" in page.text
        assert ">Why?</textarea>" in page.text
        assert entries(db, "query.raised") == []

    def test_an_entry_that_is_nobodys_partnership_business_is_explained(self, client, db):
        a_pb_day(db)
        token = sign_in(client, "scrutiny")
        staff_created = entries(db, "staff.created")[0].seq

        page = raise_query(client, token, f"audit:{staff_created}")

        assert page.status_code == 422
        assert "no chair can answer a query on it" in page.text

    def test_an_entry_that_does_not_exist(self, client, db):
        a_pb_day(db)

        response = raise_query(client, sign_in(client, "scrutiny"), "audit:424242")

        assert response.status_code == 404


    def test_a_strange_number_in_what_it_is_about_is_refused_not_a_server_error(self, client, db):
        a_pb_day(db)
        token = sign_in(client, "scrutiny")

        for about in ("round:\u00b2", "audit:\u00b2", "proposal:\u0663", "audit:" + "9" * 5000, "round:" + "9" * 30):
            response = raise_query(client, token, about)

            assert 400 <= response.status_code < 500, about
            assert "Something went wrong" not in response.text, about


class TestTheChairAnswers:
    def test_the_chair_answers_and_the_answer_is_public_and_recorded(self, client, db):
        day, closed = a_closed_vote(db)
        raise_query(client, sign_in(client, "scrutiny"), f"audit:{closed}")
        client.cookies.clear()

        response = answer(client, sign_in(client, "chair"), 1)

        assert response.status_code == 303
        client.cookies.clear()
        public = client.get(f"/audit/{closed}").text
        assert ANSWER in public and "Answered" in public and "The chair, Chair, answered" in public
        assert ANSWER in client.get("/audit/queries?status=answered").text
        assert "No queries are waiting for an answer" in client.get("/audit/queries?status=open").text
        [answered] = entries(db, "query.answered")
        assert answered.actor_role == "chair" and answered.actor_ref == f"staff:{day.chair.id}"
        assert json.loads(answered.payload)["answer_sha256"] == hashlib.sha256(ANSWER.encode()).hexdigest()

    def test_only_an_open_query_shows_the_chair_a_form(self, client, db):
        _, closed = a_closed_vote(db)
        raise_query(client, sign_in(client, "scrutiny"), f"audit:{closed}")
        client.cookies.clear()
        token = sign_in(client, "chair")

        before = client.get("/audit/queries").text
        answer(client, token, 1)
        after = client.get("/audit/queries").text

        assert 'action="/audit/queries/1/answer"' in before
        assert 'action="/audit/queries/1/answer"' not in after

    def test_a_query_is_answered_once(self, client, db):
        _, closed = a_closed_vote(db)
        raise_query(client, sign_in(client, "scrutiny"), f"audit:{closed}")
        client.cookies.clear()
        token = sign_in(client, "chair")
        answer(client, token, 1)

        again = answer(client, token, 1, "A different story.")

        assert again.status_code == 409
        assert "already been answered" in again.text
        assert len(entries(db, "query.answered")) == 1

    def test_an_empty_answer_is_refused_and_kept(self, client, db):
        _, closed = a_closed_vote(db)
        raise_query(client, sign_in(client, "scrutiny"), f"audit:{closed}")
        client.cookies.clear()

        page = answer(client, sign_in(client, "chair"), 1, "No.")

        assert page.status_code == 422
        assert "Write your answer" in page.text and ">No.</textarea>" in page.text

    def test_a_query_that_does_not_exist(self, client, db):
        a_pb_day(db)

        assert answer(client, sign_in(client, "chair"), 999).status_code == 404


class TestWhoMayDoWhat:
    """Raising: a scrutiny member of the partnership concerned; answering: its chair; admins both."""

    @pytest.mark.parametrize("who, allowed", [("scrutiny", True), ("admin", True), ("chair", False),
                                              ("officer", False), ("steward", False), ("outsider", False),
                                              ("anonymous", False)])
    def test_raising(self, client, db, who, allowed):
        _, closed = a_closed_vote(db)
        someone_else(db, who)
        token = sign_in(client, who) if who != "anonymous" else "no-token"

        response = raise_query(client, token, f"audit:{closed}")

        assert response.status_code == (303 if allowed else 403), response.text

    @pytest.mark.parametrize("who, allowed", [("chair", True), ("admin", True), ("scrutiny", False),
                                              ("officer", False), ("steward", False), ("outsider", False),
                                              ("anonymous", False)])
    def test_answering(self, client, db, who, allowed):
        _, closed = a_closed_vote(db)
        raise_query(client, sign_in(client, "scrutiny"), f"audit:{closed}")
        client.cookies.clear()
        someone_else(db, who)
        token = sign_in(client, who) if who != "anonymous" else "no-token"

        response = answer(client, token, 1)

        assert response.status_code == (303 if allowed else 403), response.text


def someone_else(db, who: str) -> None:
    """An admin, or a chair and scrutiny member of another partnership (the outsider)."""
    with db.session(write=True) as session:
        if who == "admin":
            a_staff_member(session, None, None, "admin", is_admin=True)
        elif who == "outsider":
            crewe = a_partnership(session, name="Crewe", slug="crewe")
            outsider = a_staff_member(session, crewe, "chair", "outsider")
            from governance import service as governance_service

            governance_service.add_member(session, CLI_ACTOR, partnership_id=crewe.id, staff_id=outsider.id,
                                          role="scrutiny")
