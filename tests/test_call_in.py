"""Call-in: a scrutiny member calls a partnership decision in within the call-in period; the decision
is paused (the steps it authorises are refused) until the partnership reconsiders it and the chair
records the outcome: upheld, amended or withdrawn. All of it on the public record."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from core.audit import CLI_ACTOR, Actor, AuditEvent, verify_chain
from core.errors import Conflict, InvalidInput
from governance import meetings
from governance import service as governance_service
from governance.models import Decision, Role
from scrutiny import call_in
from scrutiny.call_in import DecisionPaused
from tests.builders import a_partnership, a_round, a_staff_member, sign_in
from voting import service as voting_service

TODAY = date.today()
DECISION = "Put the eligible proposals on the Community Fund ballot"
REASONS = "Two proposals were refused without the feasibility notes being shared with the partnership."
SCRUTINY = Actor(role="scrutiny", ref="staff:4")


def a_decided_round(db, *, about_round: bool = True):
    """A partnership with its chair, scrutiny member and officer, a round in collaborate, a meeting
    that decided to put the proposals on the ballot (authorising the round's next steps)."""
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        chair = a_staff_member(session, partnership, Role.chair, "chair")
        a_staff_member(session, partnership, Role.officer, "officer")
        scrutiny = a_staff_member(session, partnership, Role.scrutiny, "scrutiny")
        voting_round = a_round(session, partnership)
        meeting = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership.id,
                                            held_on=TODAY - timedelta(days=1), place="Town Hall")
        later = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership.id,
                                          held_on=TODAY, place="Library")
        decision = meetings.record_decision(session, CLI_ACTOR, meeting.id, DECISION,
                                            round_id=voting_round.id if about_round else None)
    return partnership, chair, scrutiny, voting_round, decision, later


def called_in(db, decision, scrutiny):
    with db.session(write=True) as session:
        staff = session.get(type(scrutiny), scrutiny.id)
        return call_in.call_in(session, SCRUTINY, staff, decision.id, REASONS)


def entries(db, action: str) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def backdate(db, decision_id: int, days: int) -> None:
    """As if the decision had been recorded `days` ago (the clock, not the log, is what moves)."""
    with db.session(write=True) as session:
        decision = session.get(Decision, decision_id)
        decision.created_at = decision.created_at - timedelta(days=days)
        session.add(decision)


class TestCallingADecisionIn:
    def test_a_scrutiny_member_calls_a_decision_in_and_it_is_paused(self, db):
        partnership, _, scrutiny, voting_round, decision, _ = a_decided_round(db)

        called_in(db, decision, scrutiny)

        with db.session() as session:
            record = call_in.record_of(session, decision.id)
        assert record.status == "called_in" and record.call_in.reasons == REASONS
        [entry] = entries(db, "decision.called_in")
        payload = json.loads(entry.payload)
        assert entry.subject == f"decision:{decision.id}" and entry.actor_role == "scrutiny"
        assert payload["reasons_sha256"] == hashlib.sha256(REASONS.encode()).hexdigest()
        assert payload["round"] == f"round:{voting_round.id}"
        assert payload["partnership"] == f"partnership:{partnership.id}"
        assert REASONS not in entry.payload  # free text stays out of the chain, as a query's does

    def test_after_the_window_call_in_is_refused_naming_the_deadline(self, db):
        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        backdate(db, decision.id, 11)

        with pytest.raises(Exception) as refused:
            called_in(db, decision, scrutiny)

        with db.session() as session:
            deadline = call_in.deadline_of(session.get(Decision, decision.id))
        assert "The call-in period for this decision ended on" in str(refused.value)
        assert call_in.deadline_words(deadline) in str(refused.value) and "within 10 days" in str(refused.value)
        assert entries(db, "decision.called_in") == []

    def test_on_the_last_day_of_the_window_it_can_still_be_called_in(self, db):
        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        backdate(db, decision.id, 9)

        assert called_in(db, decision, scrutiny).is_paused

    def test_the_window_is_a_setting(self, db, monkeypatch):
        from core.settings import get_settings

        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        backdate(db, decision.id, 3)
        monkeypatch.setattr(get_settings(), "call_in_days", 2)

        with pytest.raises(Exception, match="within 2 days"):
            called_in(db, decision, scrutiny)

    def test_a_decision_is_called_in_once(self, db):
        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)

        with pytest.raises(Exception, match="already called in"):
            called_in(db, decision, scrutiny)

    def test_reasons_are_required(self, db):
        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        with db.session(write=True) as session, pytest.raises(Exception, match="Give your reasons"):
            call_in.call_in(session, SCRUTINY, session.get(type(scrutiny), scrutiny.id), decision.id, "  ")


class TestThePause:
    def test_what_the_decision_authorises_is_refused_while_it_is_called_in(self, db):
        _, _, scrutiny, voting_round, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)

        with db.session(write=True) as session, pytest.raises(DecisionPaused) as moving:
            governance_service.advance_phase(session, CLI_ACTOR, voting_round.id)
        with db.session(write=True) as session, pytest.raises(DecisionPaused) as opening:
            voting_service.open_vote(session, CLI_ACTOR, voting_round.id)

        assert "The round cannot move on yet" in str(moving.value)
        assert f'"{DECISION}" (decision {decision.id}) was called in by scrutiny' in str(opening.value)
        assert moving.value.status_code == 409
        with db.session() as session:
            assert governance_service.repository.get_round(session, voting_round.id).vote_status == "draft"

    def test_the_chairs_open_page_says_so_with_a_link_and_offers_no_button(self, db, client):
        _, _, scrutiny, voting_round, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        sign_in(client, "chair")

        page = client.get(f"/manage/rounds/{voting_round.id}/open").text

        assert "Voting cannot open yet" in page and f'href="/manage/decisions/{decision.id}"' in page
        assert "Yes, open voting" not in page

    def test_a_decision_about_no_round_pauses_nothing_else(self, db):
        _, _, scrutiny, voting_round, decision, _ = a_decided_round(db, about_round=False)
        called_in(db, decision, scrutiny)

        with db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, voting_round.id)

    @pytest.mark.parametrize("outcome", ["upheld", "amended", "withdrawn"])
    def test_recording_the_outcome_ends_the_pause(self, db, outcome):
        _, chair, scrutiny, voting_round, decision, later = a_decided_round(db)
        called_in(db, decision, scrutiny)

        with db.session(write=True) as session:
            call_in.record_outcome(session, Actor("chair", f"staff:{chair.id}"), session.get(type(chair), chair.id),
                                   decision.id, outcome, amended_text="Put the eligible proposals on the ballot "
                                   "once the feasibility notes are published", meeting_id=later.id)
        with db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, voting_round.id)

        [entry] = entries(db, "decision.reconsidered")
        payload = json.loads(entry.payload)
        assert payload["outcome"] == outcome and payload["reconsidered_at"] == f"meeting:{later.id}"
        assert ("amended_text" in payload) == (outcome == "amended")
        with db.session() as session:
            record = call_in.record_of(session, decision.id)
        assert record.status == outcome
        assert record.text_in_force == {"upheld": DECISION, "withdrawn": None,
                                        "amended": record.call_in.amended_text}[outcome]


class TestRecordingTheOutcome:
    def test_amended_needs_the_change(self, db):
        _, chair, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        with db.session(write=True) as session, pytest.raises(Exception, match="as amended"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "amended")

    def test_nonsense_outcomes_and_uncalled_decisions_are_refused(self, db):
        _, chair, scrutiny, _, decision, _ = a_decided_round(db)
        with db.session(write=True) as session, pytest.raises(Exception, match="has not been called in"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "upheld")
        called_in(db, decision, scrutiny)
        with db.session(write=True) as session, pytest.raises(Exception, match="Choose upheld, amended or withdrawn"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "shelved")

    def test_an_outcome_is_recorded_once(self, db):
        _, chair, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        with db.session(write=True) as session:
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "upheld")
        with db.session(write=True) as session, pytest.raises(Exception, match="already recorded"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "withdrawn")

    def test_the_log_still_verifies(self, db):
        _, chair, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        with db.session(write=True) as session:
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "upheld")
        with db.session() as session:
            assert verify_chain(session, use_witness=False).ok


class TestPagesAndApi:
    def test_scrutiny_calls_in_on_the_staff_page_and_the_chair_records_the_outcome(self, db, client):
        _, _, _, voting_round, decision, later = a_decided_round(db)
        token = sign_in(client, "scrutiny")

        page = client.get(f"/manage/decisions/{decision.id}")
        sent = client.post(f"/manage/decisions/{decision.id}/call-in", data={"csrf_token": token, "reasons": REASONS},
                           follow_redirects=False)

        assert page.status_code == 200 and "Call the decision in" in page.text
        assert sent.status_code == 303
        public = client.get(f"/decisions/{decision.id}").text
        assert "Called in: paused until the partnership reconsiders it" in public and REASONS in public
        assert "Decision called in by scrutiny" in public  # its history

        client.post("/logout", data={"csrf_token": token})
        token = sign_in(client, "chair")
        chair_page = client.get(f"/manage/decisions/{decision.id}").text
        assert "Record the outcome" in chair_page and "Call the decision in" not in chair_page
        recorded = client.post(f"/manage/decisions/{decision.id}/outcome", data={
            "csrf_token": token, "outcome": "amended", "amended_text": "Put the proposals on the ballot in April",
            "meeting_id": str(later.id), "note": "Agreed after the feasibility notes were shared."},
            follow_redirects=False)

        assert recorded.status_code == 303
        public = client.get(f"/decisions/{decision.id}").text
        assert "Amended after call-in" in public and "Put the proposals on the ballot in April" in public
        assert "Called-in decision reconsidered" in public

    def test_a_refusal_comes_back_to_the_form_with_what_was_typed(self, db, client):
        _, _, _, _, decision, _ = a_decided_round(db)
        backdate(db, decision.id, 30)
        token = sign_in(client, "scrutiny")

        refused = client.post(f"/manage/decisions/{decision.id}/call-in",
                              data={"csrf_token": token, "reasons": REASONS})

        assert refused.status_code == 409
        assert "The call-in period for this decision ended on" in refused.text

    def test_the_chair_told_why_a_step_waits(self, db, client):
        _, _, scrutiny, voting_round, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)

        with db.session(write=True) as session, pytest.raises(DecisionPaused) as refused:
            governance_service.skip_phase(session, CLI_ACTOR, voting_round.id)
        assert f"/manage/decisions/{decision.id}" in str(refused.value)

    def test_the_api_gives_status_deadline_reasons_and_outcome(self, db, client):
        partnership, _, scrutiny, voting_round, decision, _ = a_decided_round(db)

        before = client.get(f"/api/v1/decisions/{decision.id}").json()
        called_in(db, decision, scrutiny)
        after = client.get(f"/api/v1/decisions/{decision.id}").json()

        assert before["status"] == "in_force" and before["call_in_open"] is True and before["call_in"] is None
        assert before["text"] == DECISION and before["round"] == voting_round.id
        assert before["partnership"] == {"id": partnership.id, "name": partnership.name}
        assert after["status"] == "called_in" and after["call_in"]["reasons"] == REASONS
        assert after["call_in"]["outcome"] is None and after["call_in_open"] is False

    def test_unknown_decisions_are_a_clear_404(self, db, client):
        assert client.get("/api/v1/decisions/999").status_code == 404
        assert client.get("/api/v1/decisions/999").headers["content-type"].startswith("application/problem+json")
        assert client.get("/decisions/99999999999").status_code in (404, 422)
        assert client.get("/decisions/0").status_code == 404

    def test_the_meeting_and_partnership_pages_link_to_the_decision_with_its_status(self, db, client):
        partnership, _, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)

        for page in (client.get(f"/meetings/{decision.meeting_id}").text,
                     client.get(f"/partnerships/{partnership.id}").text):
            assert f'href="/decisions/{decision.id}"' in page and "called in: paused until reconsidered" in page

    def test_the_public_page_in_welsh(self, db, client):
        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)

        page = client.get(f"/decisions/{decision.id}?lang=cy")

        assert page.headers["content-language"] == "cy"
        assert "Penderfyniad" in page.text and "Called in: paused" not in page.text

    def test_an_officer_or_member_may_not_call_in_or_record_outcomes(self, db, client):
        _, _, _, _, decision, _ = a_decided_round(db)
        token = sign_in(client, "officer")

        assert client.get(f"/manage/decisions/{decision.id}").status_code == 403
        assert client.post(f"/manage/decisions/{decision.id}/call-in",
                           data={"csrf_token": token, "reasons": REASONS}).status_code == 403
        assert entries(db, "decision.called_in") == []

    def test_a_scrutiny_member_may_not_record_the_outcome(self, db, client):
        _, _, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        token = sign_in(client, "scrutiny")

        refused = client.post(f"/manage/decisions/{decision.id}/outcome",
                              data={"csrf_token": token, "outcome": "withdrawn"})

        assert refused.status_code == 403 and entries(db, "decision.reconsidered") == []

    def test_the_chair_says_which_round_a_decision_authorises_on_the_meeting_page(self, db, client):
        _, _, _, voting_round, decision, _ = a_decided_round(db)
        token = sign_in(client, "chair")

        client.post(f"/manage/meetings/{decision.meeting_id}/decisions",
                    data={"csrf_token": token, "decision": "Open the vote on 14 March",
                          "round_id": str(voting_round.id)})

        with db.session() as session:
            newest = session.exec(select(Decision).order_by(Decision.id.desc())).first()
        assert newest.text == "Open the vote on 14 March" and newest.round_id == voting_round.id


class TestAnAttacker:
    def test_a_scrutiny_member_of_another_partnership_cannot_call_it_in(self, db, client):
        _, _, _, _, decision, _ = a_decided_round(db)
        with db.session(write=True) as session:
            elsewhere = a_partnership(session, name="Congleton Partnership", slug="congleton")
            a_staff_member(session, elsewhere, Role.scrutiny, "outsider")
        token = sign_in(client, "outsider")

        refused = client.post(f"/manage/decisions/{decision.id}/call-in",
                              data={"csrf_token": token, "reasons": REASONS})

        assert refused.status_code == 403 and entries(db, "decision.called_in") == []
        assert client.get(f"/manage/decisions/{decision.id}").status_code == 403

    def test_reasons_are_shown_as_text_never_as_markup(self, db, client):
        _, _, _, _, decision, _ = a_decided_round(db)
        token = sign_in(client, "scrutiny")
        script = '<script>alert("x")</script> and <img src=x onerror=alert(1)>'

        client.post(f"/manage/decisions/{decision.id}/call-in", data={"csrf_token": token, "reasons": script})

        public = client.get(f"/decisions/{decision.id}").text
        assert "<script>alert" not in public and "<img src=x" not in public
        assert "&lt;script&gt;" in public

    def test_reasons_too_long_are_refused_beside_the_field_with_every_word_kept(self, db, client):
        _, _, _, _, decision, _ = a_decided_round(db)
        token = sign_in(client, "scrutiny")
        long_reasons = "The consultation was too short. " * 300  # 9,600 characters pasted from a letter

        refused = client.post(f"/manage/decisions/{decision.id}/call-in",
                              data={"csrf_token": token, "reasons": long_reasons})

        assert refused.status_code == 422 and 'id="reasons-error"' in refused.text
        assert "under 4,000 characters" in refused.text and long_reasons.strip() in refused.text
        assert entries(db, "decision.called_in") == []

    def test_without_a_form_token_nothing_happens(self, db, client):
        _, _, _, _, decision, _ = a_decided_round(db)
        sign_in(client, "scrutiny")

        refused = client.post(f"/manage/decisions/{decision.id}/call-in", data={"reasons": REASONS})

        assert refused.status_code in (400, 403) and entries(db, "decision.called_in") == []

    def test_a_meeting_of_another_partnership_is_refused_as_the_place_of_reconsideration(self, db):
        _, chair, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        with db.session(write=True) as session:
            elsewhere = a_partnership(session, name="Congleton Partnership", slug="congleton")
            theirs = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=elsewhere.id,
                                               held_on=TODAY, place="Congleton Library")

        with db.session(write=True) as session, pytest.raises(Exception, match="Choose a meeting of this partnership"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "upheld",
                                   meeting_id=theirs.id)


    def test_a_meeting_held_before_the_call_in_is_neither_offered_nor_accepted(self, db, client):
        _, chair, scrutiny, _, decision, later = a_decided_round(db)
        called_in(db, decision, scrutiny)
        sign_in(client, "chair")
        offered = client.get(f"/manage/decisions/{decision.id}").text

        # The meeting that made the decision, the day before it was called in, cannot have reconsidered it.
        assert f'value="{later.id}"' in offered and f'value="{decision.meeting_id}"' not in offered
        with db.session(write=True) as session, pytest.raises(InvalidInput, match="on or after the day"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "upheld",
                                   meeting_id=decision.meeting_id)

    def test_a_meeting_not_yet_held_is_neither_offered_nor_accepted(self, db, client):
        partnership, chair, scrutiny, _, decision, _ = a_decided_round(db)
        called_in(db, decision, scrutiny)
        with db.session(write=True) as session:
            next_month = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership.id,
                                                   held_on=TODAY + timedelta(days=30), place="Library")
        sign_in(client, "chair")

        assert f'value="{next_month.id}"' not in client.get(f"/manage/decisions/{decision.id}").text
        with db.session(write=True) as session, pytest.raises(InvalidInput, match="already held"):
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(chair), chair.id), decision.id, "upheld",
                                   meeting_id=next_month.id)
        # Nor can a meeting that has not happened yet make a decision.
        with db.session(write=True) as session, pytest.raises(Conflict, match="has not been held yet"):
            meetings.record_decision(session, CLI_ACTOR, next_month.id, "Adopt the priorities")

class TestAPausedDecisionHoldsBackGrants:
    def test_a_called_in_decision_to_fund_the_projects_holds_back_their_grants(self, db):
        from delivery import service as delivery_service
        from governance.permissions import actor_for
        from tests.test_certification import a_published_round, certify_and_confirm
        from tests.test_delivery import funded, grant_form

        day = a_published_round(db)
        certify_and_confirm(db, day)
        with db.session(write=True) as session:
            meeting = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=day.partnership.id,
                                                held_on=TODAY, place="Town Hall")
            decision = meetings.record_decision(session, CLI_ACTOR, meeting.id, "Award the grants of the funded "
                                                "projects", round_id=day.round_id)
        called_in(db, decision, day.scrutiny)

        with db.session(write=True) as session, pytest.raises(DecisionPaused, match="cannot be awarded yet"):
            delivery_service.award_grant(session, actor_for(day.officer, "officer"), round_id=day.round_id,
                                         proposal_id=funded(db, day)[0], form=grant_form())
        with db.session(write=True) as session:
            call_in.record_outcome(session, CLI_ACTOR, session.get(type(day.chair), day.chair.id), decision.id,
                                   "upheld")
        with db.session(write=True) as session:
            delivery_service.award_grant(session, actor_for(day.officer, "officer"), round_id=day.round_id,
                                         proposal_id=funded(db, day)[0], form=grant_form())
