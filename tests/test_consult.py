"""Consult: residents comment on a round's priorities and rank them while the step allows it;
moderators hide a comment with a reason that its author sees; everyone sees how many took part."""

import csv
import io
import re
from dataclasses import dataclass

import pytest
from sqlmodel import select

from consult import service as consult_service
from consult.models import PriorityRanking
from core.audit import CLI_ACTOR, AuditEvent
from governance import service as governance_service
from governance.arc import PhaseClosed
from governance.models import PHASE_FLAGS, PHASE_ORDER, Partnership, Phase, Role
from governance.repository import get_round
from proposals import service as proposals_service
from residents.models import Resident
from tests.builders import a_partnership, a_staff_member, csrf_from, passes_for, sign_in, sign_in_resident
from voting import service as voting_service

PRIORITIES = ["Healthy lives", "Green spaces", "Young people", "Older residents"]


@dataclass
class Consultation:
    partnership: Partnership
    round_id: int


def a_consultation(db, *, priorities: list[str] = PRIORITIES) -> Consultation:
    """A round asking residents about its priorities, with its partnership's staff."""
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        for role in (Role.chair, Role.officer, Role.scrutiny, Role.steward):
            a_staff_member(session, partnership, role, str(role))
        other = a_partnership(session, name="Crewe Partnership", slug="crewe")
        a_staff_member(session, other, Role.officer, "crewe-officer")
        voting_round = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Community Fund 2027", budget=50_000,
            priorities="\n".join(priorities))
        proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title="Green Gym", cost=16_000)
        governance_service.advance_phase(session, CLI_ACTOR, voting_round.id)
        return Consultation(partnership, voting_round.id)


def comment(client, round_id: int, body: str, priority: str = "", follow_redirects: bool = False):
    token = csrf_from(client.get("/signin").text)
    return client.post(f"/rounds/{round_id}/comments", data={"csrf_token": token, "body": body, "priority": priority},
                       follow_redirects=follow_redirects)


def rank(client, round_id: int, *choices: str):
    token = csrf_from(client.get("/signin").text)
    places = dict(zip(("first", "second", "third"), [*choices, "", "", ""], strict=False))
    return client.post(f"/rounds/{round_id}/priorities", data={"csrf_token": token, **places},
                       follow_redirects=False)


def resident(db, email: str) -> Resident:
    with db.session() as session:
        return session.exec(select(Resident).where(Resident.email == email)).one()


class TestComments:
    def test_a_signed_in_resident_comments_and_it_shows_at_once_escaped(self, client, db):
        consultation = a_consultation(db)
        sign_in_resident(client, db, "ann@example.org")

        posted = comment(client, consultation.round_id, "<script>alert(1)</script> More benches in the park",
                         priority="Green spaces")

        assert posted.status_code == 303
        client.cookies.clear()
        page = client.get(f"/rounds/{consultation.round_id}").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; More benches in the park" in page
        assert "<script>alert(1)" not in page and "ann@example.org" not in page
        assert "A resident" in page and "Comments (1)" in page
        assert "Your comment is posted" not in page
        assert "Your comment is posted" in client.get(f"/rounds/{consultation.round_id}?done=comment").text
        assert "Evil" not in client.get(f"/rounds/{consultation.round_id}?done=Evil+words").text

    def test_an_anonymous_visitor_is_sent_to_sign_in_first(self, client, db):
        consultation = a_consultation(db)

        answer = comment(client, consultation.round_id, "Hello")

        assert answer.status_code == 303
        assert answer.headers["location"] == f"/signin?next=/rounds/{consultation.round_id}"
        page = client.get(f"/rounds/{consultation.round_id}").text
        assert f'href="/signin?next=/rounds/{consultation.round_id}"' in page and 'id="comment-form"' not in page

    def test_bad_comments_are_explained_and_kept(self, client, db):
        consultation = a_consultation(db)
        sign_in_resident(client, db)
        long_text = "Please fund the lunch club. " * 1900  # about 50 kB

        for body, priority, field, message in [
            ("   ", "", "body", "Write your comment first"),
            (long_text, "", "body", "at most 5,000 characters"),
            ("Fine words", "Free parking", "priority", "Choose one of the round"),
        ]:
            refused = comment(client, consultation.round_id, body, priority)
            assert refused.status_code == 422, message
            assert f'id="{field}-error"' in refused.text and message in refused.text
            assert body.strip()[:200] in refused.text
        assert "Comments (0)" in client.get(f"/rounds/{consultation.round_id}").text

    def test_comments_and_the_poll_are_refused_outside_their_steps_saying_when_they_open(self, db):
        consultation = a_consultation(db)
        with db.session(write=True) as session:
            ann = Resident(email="ann@example.org")
            session.add(ann)
            session.flush()
            voting_round = get_round(session, consultation.round_id)
            outcomes = {}
            for phase in PHASE_ORDER:
                voting_round.phase = phase
                session.add(voting_round)
                session.flush()
                for flag, act in (("comment", lambda: consult_service.post_comment(
                        session, ann, round_id=consultation.round_id, body="A thought")),
                                  ("rank_priorities", lambda: consult_service.rank_priorities(
                                      session, ann, round_id=consultation.round_id, choices=["Healthy lives"]))):
                    try:
                        act()
                        outcomes[phase, flag] = "allowed"
                    except PhaseClosed as refused:
                        outcomes[phase, flag] = refused.message
            session.rollback()

        for (phase, flag), outcome in outcomes.items():
            assert (outcome == "allowed") == (flag in PHASE_FLAGS[phase]), (phase, flag, outcome)
        assert outcomes[Phase.inform, "comment"] == (
            "Comments open when the round reaches 'Asking residents about priorities'.")
        assert outcomes[Phase.involve, "rank_priorities"].startswith("The priority poll is closed")

    def test_a_comment_on_a_closed_step_is_refused_saying_why(self, client, db):
        consultation = a_consultation(db)
        sign_in_resident(client, db)
        with db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, consultation.round_id)

        refused = comment(client, consultation.round_id, "Too late?")

        assert refused.status_code == 409 and "Comments are closed" in refused.text
        assert 'id="comment-not-posted">Too late?</blockquote>' in refused.text


class TestModeration:
    def _a_comment(self, client, db) -> tuple[Consultation, int]:
        consultation = a_consultation(db)
        sign_in_resident(client, db, "ann@example.org")
        posted = comment(client, consultation.round_id, "Rude words about the vicar")
        client.cookies.clear()
        return consultation, int(posted.headers["location"].rsplit("#comment-", 1)[1])

    def _hide(self, client, round_id: int, comment_id: int, reason: str):
        page = client.get(f"/manage/rounds/{round_id}/comments/{comment_id}/hide")
        return client.post(f"/manage/rounds/{round_id}/comments/{comment_id}/hide",
                           data={"csrf_token": csrf_from(page.text), "reason": reason}, follow_redirects=False)

    def test_a_hidden_comment_is_seen_by_its_author_with_the_reason_and_by_scrutiny_not_by_others(self, client, db):
        consultation, comment_id = self._a_comment(client, db)
        round_page = f"/rounds/{consultation.round_id}"
        sign_in(client, "officer")

        assert self._hide(client, consultation.round_id, comment_id, "Personal remarks about a named person"
                          ).status_code == 303

        client.cookies.clear()
        assert "Rude words" not in client.get(round_page).text
        sign_in_resident(client, db, "bob@example.org")
        assert "Rude words" not in client.get(round_page).text
        client.cookies.clear()
        sign_in_resident(client, db, "ann@example.org")
        author_view = client.get(round_page).text
        assert "Rude words" in author_view and "Personal remarks about a named person" in author_view
        assert "Personal remarks about a named person" in client.get("/me").text
        client.cookies.clear()
        sign_in(client, "scrutiny")
        scrutiny_view = client.get(round_page).text
        assert "Rude words" in scrutiny_view and "Hidden by a moderator" in scrutiny_view
        assert "Hide this comment" not in scrutiny_view
        with db.session() as session:
            entry = session.exec(select(AuditEvent).where(AuditEvent.action == "moderation.comment_hidden")).one()
        assert entry.subject == f"comment:{comment_id}" and "Personal" not in entry.payload
        assert entry.actor_role == "officer"

    def test_a_reason_is_needed_and_kept_when_refused(self, client, db):
        consultation, comment_id = self._a_comment(client, db)
        sign_in(client, "chair")

        refused = self._hide(client, consultation.round_id, comment_id, "   ")
        assert refused.status_code == 422 and 'id="reason-error"' in refused.text
        too_long = self._hide(client, consultation.round_id, comment_id, "x" * 600)
        assert too_long.status_code == 422 and "at most 500" in too_long.text and 'value="' + "x" * 600 in too_long.text
        assert self._hide(client, consultation.round_id, comment_id, "Off topic").status_code == 303
        again = self._hide(client, consultation.round_id, comment_id, "Off topic")
        assert again.status_code == 409 and "already hidden" in again.text

    def test_the_moderator_shows_it_again(self, client, db):
        consultation, comment_id = self._a_comment(client, db)
        token = sign_in(client, "chair")
        self._hide(client, consultation.round_id, comment_id, "Off topic")

        shown = client.post(f"/manage/rounds/{consultation.round_id}/comments/{comment_id}/restore",
                            data={"csrf_token": token}, follow_redirects=False)

        assert shown.status_code == 303
        client.cookies.clear()
        assert "Rude words" in client.get(f"/rounds/{consultation.round_id}").text

    def test_only_the_partnerships_officers_and_chair_moderate(self, client, db):
        consultation, comment_id = self._a_comment(client, db)
        path = f"/manage/rounds/{consultation.round_id}/comments/{comment_id}/hide"
        assert client.get(path, follow_redirects=False).headers["location"].startswith("/login")
        for username in ("steward", "scrutiny", "crewe-officer"):
            client.cookies.clear()
            token = sign_in(client, username)
            assert client.get(path).status_code == 403, username
            assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 403, username
        client.cookies.clear()
        sign_in_resident(client, db, "ann@example.org")
        token = csrf_from(client.get("/me").text)
        assert client.post(path, data={"csrf_token": token, "reason": "mine"},
                           follow_redirects=False).headers["location"].startswith("/login")
        client.cookies.clear()
        assert "Rude words" in client.get(f"/rounds/{consultation.round_id}").text


class TestThePriorityPoll:
    def test_residents_rank_and_the_counts_show_on_the_round_page(self, client, db):
        consultation = a_consultation(db)
        sign_in_resident(client, db, "ann@example.org")
        assert rank(client, consultation.round_id, "Green spaces", "Healthy lives").status_code == 303
        assert rank(client, consultation.round_id, "Young people", "Green spaces", "Healthy lives").status_code == 303
        client.cookies.clear()
        sign_in_resident(client, db, "bob@example.org")
        rank(client, consultation.round_id, "Green spaces")

        page = client.get(f"/rounds/{consultation.round_id}").text

        rows = {p: [int(n) for n in cells] for p, *cells in _table_rows(page)}
        assert rows == {"Healthy lives": [1, 0, 0], "Green spaces": [2, 1, 0], "Young people": [1, 1, 0],
                        "Older residents": [0, 0, 0]}
        assert '<option value="Green spaces" selected>' in page  # Bob's answer, ready to change

    def test_bad_answers_are_explained(self, client, db):
        consultation = a_consultation(db)
        sign_in_resident(client, db)

        for choices, message in [((), "Pick at least one priority"),
                                 (("Green spaces", "Green spaces"), "Pick each priority once"),
                                 (("Free parking",), "Choose one of the round"),
                                 (("", "Green spaces"), "Choose your first priority before your second"),
                                 (("Green spaces", "", "Young people"),
                                  "Choose your second priority before your third")]:
            refused = rank(client, consultation.round_id, *choices)
            assert refused.status_code == 422 and message in refused.text, message
        assert 'id="priority-poll"' in refused.text
        with db.session() as session:
            assert session.exec(select(PriorityRanking)).first() is None  # nothing half-kept

    def test_a_round_without_priorities_has_no_poll(self, client, db):
        consultation = a_consultation(db, priorities=[])
        sign_in_resident(client, db)

        assert 'id="priority-poll"' not in client.get(f"/rounds/{consultation.round_id}").text
        refused = rank(client, consultation.round_id, "Anything")
        assert refused.status_code == 409 and "no priorities" in refused.text


def _table_rows(page: str) -> list[list[str]]:
    table = page.split('class="priority-counts"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)][1:]


class TestEngagementCounts:
    def test_distinct_people_per_step_as_json_csv_and_on_the_page(self, client, db):
        consultation = a_consultation(db)
        sign_in_resident(client, db, "ann@example.org")
        comment(client, consultation.round_id, "First thought")
        comment(client, consultation.round_id, "Second thought")
        rank(client, consultation.round_id, "Healthy lives")
        client.cookies.clear()
        sign_in_resident(client, db, "bob@example.org")
        comment(client, consultation.round_id, "Bob's thought")
        client.cookies.clear()
        with db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, consultation.round_id)
        proposal_id = client.get(f"/api/v1/rounds/{consultation.round_id}").json()["projects"][0]["id"]
        for code in passes_for(db, consultation.round_id, 3):
            client.post(f"/api/v1/rounds/{consultation.round_id}/ballots",
                        json={"pass": code, "scores": {str(proposal_id): 4}})

        counts = client.get(f"/api/v1/rounds/{consultation.round_id}/engagement")
        table = client.get(f"/rounds/{consultation.round_id}/engagement.csv")
        page = client.get(f"/rounds/{consultation.round_id}").text

        assert counts.status_code == 200
        assert counts.json() == {"commented": 2, "ranked": 1, "proposed": 0, "voted": 3, "attended": 0}
        assert table.headers["content-type"].startswith("text/csv")
        rid = str(consultation.round_id)
        assert list(csv.reader(io.StringIO(table.text))) == [
            ["round_id", "step", "measure", "people"], [rid, "consult", "commented", "2"],
            [rid, "consult", "ranked", "1"], [rid, "involve", "proposed", "0"], [rid, "empower", "voted", "3"],
            [rid, "meetings", "attended", "0"]]
        assert "example.org" not in counts.text + table.text
        assert "<strong>2</strong> people commented on the priorities" in page
        assert "<strong>3</strong> people voted" in page

    def test_each_proposer_counts_once_and_drafts_not_at_all(self, client, db):
        from proposals.models import Proposal

        if not hasattr(Proposal, "proposer_id"):
            pytest.skip("residents' proposals (proposer_id, proposer_name) are not on this branch yet")
        consultation = a_consultation(db)
        ann, bob = sign_in_resident(client, db, "ann@example.org"), sign_in_resident(client, db, "bob@example.org")
        with db.session(write=True) as session:
            for title, proposer, name, status in [
                    ("Benches", ann, "Ann", "submitted"), ("Shade", ann, "Ann", "eligible"),
                    ("Lunch club", bob, "Bob", "draft"), ("Paper idea", None, "Mrs Jones", "submitted"),
                    ("Another paper idea", None, "mrs  JONES", "ineligible")]:
                session.add(Proposal(round_id=consultation.round_id, title=title, cost=100, proposer_id=proposer,
                                     proposer_name=name, status=status))

        counts = client.get(f"/api/v1/rounds/{consultation.round_id}/engagement").json()

        assert counts["proposed"] == 2  # Ann (twice) and Mrs Jones on paper (twice); Bob's draft is not proposed

    def test_residents_at_the_partnerships_meetings_while_the_round_ran_are_added_up(self, client, db):
        import governance.models as governance_models

        meeting = getattr(governance_models, "Meeting", None)
        if meeting is None:
            pytest.skip("partnership meetings (governance.models.Meeting) are not on this branch yet")
        from datetime import date, timedelta

        consultation = a_consultation(db)
        today = date.today()
        with db.session(write=True) as session:
            other = session.exec(select(Partnership).where(Partnership.slug == "crewe")).one()
            for partnership_id, held_on, residents in [
                    (consultation.partnership.id, today, 12), (consultation.partnership.id, today + timedelta(7), 5),
                    (consultation.partnership.id, today - timedelta(400), 40), (other.id, today, 30)]:
                session.add(meeting(partnership_id=partnership_id, held_on=held_on, place="Town hall",
                                    residents_attending=residents))

        counts = client.get(f"/api/v1/rounds/{consultation.round_id}/engagement").json()

        assert counts["attended"] == 17  # this partnership's meetings since the round began

    def test_an_unknown_round_is_a_problem_not_a_crash(self, client):
        for round_id in ("999", "99999999999999", "abc"):
            answer = client.get(f"/api/v1/rounds/{round_id}/engagement")
            assert answer.status_code in (404, 422) and answer.headers["content-type"] == "application/problem+json"
        assert client.get("/rounds/999/engagement.csv").status_code == 404

    def test_the_api_is_described_in_openapi(self, client):
        schema = client.get("/openapi.json").json()
        assert "/api/v1/rounds/{round_id}/engagement" in schema["paths"]

