"""The chair moves a round along the arc, skips a step (recorded as skipped, never as done), plans
its dates and PB day; residents are told what they can do now, and what is not open says when it opens."""

import json
import re
from datetime import date

import pytest
from sqlmodel import select

from core.audit import CLI_ACTOR, AuditEvent
from governance import arc
from governance import service as governance_service
from governance.models import PHASE_FLAGS, PHASE_ORDER, Phase, Role, Round
from governance.repository import get_round
from tests.builders import a_partnership, a_pb_day, a_staff_member, csrf_from, sign_in
from tests.test_plain_words import words_on as _words_on
from voting import service as voting_service


def words_on(page_html: str) -> str:
    return " ".join(_words_on(page_html).split())


def a_new_round(db) -> int:
    """A round as the chair's form makes it now: at the start of the arc, with one proposal."""
    from proposals import service as proposals_service

    with db.session(write=True) as session:
        partnership = a_partnership(session)
        a_staff_member(session, partnership, Role.chair, "chair")
        a_staff_member(session, partnership, Role.officer, "officer")
        voting_round = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Community Fund 2027", budget=50_000,
            priorities="Healthy lives\nGreen spaces")
        proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title="Green Gym", cost=16_000)
        return voting_round.id


def phase_changes(db) -> list[dict]:
    with db.session() as session:
        return [json.loads(e.payload) for e in session.exec(
            select(AuditEvent).where(AuditEvent.action == "round.phase_changed").order_by(AuditEvent.seq))]


def press(client, round_id: int, move: str):
    page = client.get(f"/manage/rounds/{round_id}/arc/{move}")
    assert page.status_code == 200, page.text
    expected = re.search(r'name="expected" value="(\w+)"', page.text).group(1)
    return client.post(f"/manage/rounds/{round_id}/arc/{move}",
                       data={"csrf_token": csrf_from(page.text), "expected": expected}, follow_redirects=False)


class TestTheChairMovesTheRound:
    def test_a_new_round_starts_by_sharing_the_budget_and_the_chair_moves_it_on(self, client, db):
        round_id = a_new_round(db)
        sign_in(client, "chair")
        assert "Now: Sharing the budget" in words_on(client.get(f"/rounds/{round_id}").text)

        asked = client.get(f"/manage/rounds/{round_id}/arc/next")
        assert "Move the round on?" in asked.text and "Consult" in asked.text
        moved = press(client, round_id, "next")

        assert moved.status_code == 303
        with db.session() as session:
            assert get_round(session, round_id).phase == Phase.consult
        assert phase_changes(db) == [{"from": "inform", "to": "consult"}]
        page = words_on(client.get(f"/rounds/{round_id}").text)
        assert "Sharing the budget (done)" in page and "Now: Asking residents about priorities" in page

    def test_a_skipped_step_is_recorded_as_skipped_never_as_done(self, client, db):
        round_id = a_new_round(db)
        sign_in(client, "chair")
        press(client, round_id, "next")

        skipped = press(client, round_id, "skip")

        assert skipped.status_code == 303
        with db.session() as session:
            voting_round = get_round(session, round_id)
            assert (voting_round.phase, voting_round.skipped) == (Phase.collaborate, {Phase.involve})
        assert phase_changes(db)[-1] == {"from": "consult", "to": "collaborate", "skipped": ["involve"]}
        page = words_on(client.get(f"/rounds/{round_id}").text)
        assert "Collecting ideas (skipped)" in page and "Collecting ideas (done)" not in page
        assert "Asking residents about priorities (done)" in page
        staff_page = words_on(client.get(f"/manage/rounds/{round_id}").text)
        assert "Involve (skipped)" in staff_page

    def test_pressing_twice_moves_the_round_once(self, client, db):
        round_id = a_new_round(db)
        sign_in(client, "chair")
        page = client.get(f"/manage/rounds/{round_id}/arc/next")
        form = {"csrf_token": csrf_from(page.text), "expected": "consult"}

        assert client.post(f"/manage/rounds/{round_id}/arc/next", data=form, follow_redirects=False).status_code == 303
        again = client.post(f"/manage/rounds/{round_id}/arc/next", data=form)

        assert again.status_code == 409 and "already moved on" in again.text
        assert len(phase_changes(db)) == 1

    def test_after_collaborate_the_round_moves_on_only_by_opening_voting(self, client, db):
        round_id = a_new_round(db)
        sign_in(client, "chair")
        for _ in range(3):
            press(client, round_id, "next")

        page = client.get(f"/manage/rounds/{round_id}/arc/next")
        refused = client.post(f"/manage/rounds/{round_id}/arc/next", data={"csrf_token": csrf_from(page.text)})
        assert refused.status_code == 409 and "open voting" in refused.text
        assert client.post(f"/manage/rounds/{round_id}/arc/skip",
                           data={"csrf_token": csrf_from(page.text)}).status_code == 409

    def test_a_chair_who_asks_to_skip_collaborate_is_told_why_not_and_where_to_go(self, client, db):
        round_id = a_new_round(db)
        sign_in(client, "chair")
        for _ in range(2):
            press(client, round_id, "next")  # to involve

        page = client.get(f"/manage/rounds/{round_id}/arc/skip")

        said = words_on(page.text)
        assert "Collaborate is the only step left before voting" in said
        assert f'href="/manage/rounds/{round_id}/arc/next"' in page.text
        assert 'name="expected"' not in page.text  # nothing to press here

    def test_opening_voting_early_records_the_steps_between_as_skipped(self, db):
        round_id = a_new_round(db)
        with db.session(write=True) as session:
            governance_service.advance_phase(session, CLI_ACTOR, round_id)
            voting_service.open_vote(session, CLI_ACTOR, round_id)
            with pytest.raises(Exception, match="Voting has opened"):
                governance_service.advance_phase(session, CLI_ACTOR, round_id)

        with db.session() as session:
            voting_round = get_round(session, round_id)
        assert voting_round.skipped == {Phase.involve, Phase.collaborate}
        assert [s["state"] for s in arc.steps(voting_round)] == [
            "done", "done", "skipped", "skipped", "current", "todo"]
        assert phase_changes(db)[-1] == {"from": "consult", "to": "empower", "skipped": ["involve", "collaborate"]}

    def test_a_round_made_part_way_along_shows_the_steps_before_as_skipped(self, db):
        day = a_pb_day(db, open_vote=False)
        assert [s["state"] for s in arc.steps(day.round)] == ["skipped"] * 3 + ["current", "todo", "todo"]

    def test_only_the_rounds_chair_moves_it(self, client, db):
        round_id = a_new_round(db)
        assert client.get(f"/manage/rounds/{round_id}/arc/next", follow_redirects=False).status_code == 303
        token = sign_in(client, "officer")

        assert client.get(f"/manage/rounds/{round_id}/arc/next").status_code == 403
        assert client.post(f"/manage/rounds/{round_id}/arc/skip", data={"csrf_token": token}).status_code == 403
        assert client.post(f"/manage/rounds/{round_id}/timeline", data={"csrf_token": token}).status_code == 403
        assert client.get(f"/manage/rounds/{round_id}/arc/sideways").status_code == 403  # who may ask, before what
        assert phase_changes(db) == []


class TestPhaseFlags:
    """Each flag is allowed in its steps and refused elsewhere with a message saying when it opens."""

    @pytest.mark.parametrize("phase", PHASE_ORDER)
    def test_each_flag_in_each_step(self, phase):
        voting_round = Round(partnership_id=1, title="t", budget=1, phase=phase,
                             phase_dates=json.dumps({"consult": "2027-03-03", "involve": "2027-04-01"}))
        for flag in set().union(*PHASE_FLAGS.values()):
            if flag in PHASE_FLAGS[phase]:
                governance_service.require_phase_allows(voting_round, flag)
                continue
            with pytest.raises(arc.PhaseClosed) as refused:
                governance_service.require_phase_allows(voting_round, flag)
            assert refused.value.status_code == 409
            later = [p for p in PHASE_ORDER[PHASE_ORDER.index(phase) + 1:] if flag in PHASE_FLAGS[p]]
            assert ("when the round reaches" in refused.value.message) == bool(later), (phase, flag)

    def test_the_message_says_when_comments_open(self):
        voting_round = Round(partnership_id=1, title="t", budget=1, phase=Phase.inform,
                             phase_dates=json.dumps({"consult": f"{date.today().year}-03-03"}))
        with pytest.raises(arc.PhaseClosed, match=re.escape(
                "Comments open when the round reaches 'Asking residents about priorities' (planned 3 March).")):
            governance_service.require_phase_allows(voting_round, "comment")
        voting_round.phase = Phase.empower
        with pytest.raises(arc.PhaseClosed, match="Comments are closed: this round has moved on to 'Voting"):
            governance_service.require_phase_allows(voting_round, "comment")


class TestPlanningTheDates:
    def test_the_chair_plans_the_steps_and_the_pb_day_and_residents_see_them(self, client, db):
        round_id = a_new_round(db)
        token = sign_in(client, "chair")

        saved = client.post(f"/manage/rounds/{round_id}/timeline", data={
            "csrf_token": token, "date_consult": "2027-03-03", "date_involve": "1/4/2027",
            "date_collaborate": "", "date_empower": "2027-05-15", "pb_day_date": "2027-05-15",
            "pb_day_place": "St Michael's Church Hall, Macclesfield", "pb_day_opens": "10:00",
            "pb_day_closes": "15.30"}, follow_redirects=False)

        assert saved.status_code == 303
        page = words_on(client.get(f"/rounds/{round_id}").text)
        assert "Asking residents about priorities (from 3 March 2027)" in page
        assert "Next: asking residents about priorities (planned 3 March 2027)." in page
        assert "15 May 2027, St Michael's Church Hall, Macclesfield, 10:00 to 15:30" in page
        with db.session() as session:
            entry = session.exec(select(AuditEvent).where(AuditEvent.action == "round.timeline_changed")).one()
        assert json.loads(entry.payload)["planned"] == {"consult": "2027-03-03", "involve": "2027-04-01",
                                                        "empower": "2027-05-15"}
        form = client.get(f"/manage/rounds/{round_id}/timeline").text
        assert 'value="2027-04-01"' in form and 'value="15:30"' in form

    def test_bad_dates_are_explained_by_their_field_and_kept(self, client, db):
        round_id = a_new_round(db)
        token = sign_in(client, "chair")
        cases = [
            ({"date_consult": "next Tuesday"}, "date_consult", "write a date like 2027-03-03"),
            ({"date_consult": "2027-02-30"}, "date_consult", "write a date like"),
            ({"date_involve": "9999-01-01"}, "date_involve", "between 2000 and 2100"),
            ({"date_consult": "2027-05-01", "date_involve": "2027-04-01"}, "date_involve", "cannot start before"),
            ({"pb_day_date": "2027-05-15", "pb_day_opens": "15:00", "pb_day_closes": "10:00"}, "pb_day_closes",
             "close after it opens"),
            ({"pb_day_date": "2027-05-15", "pb_day_opens": "25:00", "pb_day_closes": "26:00"}, "pb_day_opens",
             "like 10:00"),
            ({"pb_day_place": "Town hall"}, "pb_day_date", "date too"),
            ({"pb_day_date": "2027-05-15", "pb_day_place": "x" * 300}, "pb_day_place", "at most 200"),
            ({"pb_day_date": "2027-05-15", "pb_day_place": "<script>alert(1)</script>", "date_deliver": "٢٠٢٧-01-01"},
             "date_deliver", "write a date like"),
        ]
        for fields, field, message in cases:
            page = client.post(f"/manage/rounds/{round_id}/timeline", data={"csrf_token": token, **fields})

            assert page.status_code == 422, fields
            assert f'id="{field}-error"' in page.text and message in page.text, fields
            assert "<script>alert" not in page.text
            assert all(f'value="{value}"' in page.text for value in fields.values() if "<" not in value), fields
        with db.session() as session:
            assert get_round(session, round_id).phase_dates == ""


class TestTheRoundPageSaysWhatToDo:
    def test_each_step_says_what_a_resident_can_do_now_and_what_comes_next(self, client, db):
        round_id = a_new_round(db)
        seen = {}
        with db.session(write=True) as session:
            for _ in range(3):
                voting_round = get_round(session, round_id)
                seen[voting_round.phase] = arc.resident_guide(voting_round)
                governance_service.advance_phase(session, CLI_ACTOR, round_id)
            seen["collaborate"] = arc.resident_guide(get_round(session, round_id))
            voting_service.open_vote(session, CLI_ACTOR, round_id)
        page = words_on(client.get(f"/rounds/{round_id}").text)

        assert "not open yet" in seen["inform"]["now"]
        assert seen["inform"]["next"] == "Next: asking residents about priorities."
        assert "comment on the priorities and rank them" in seen["consult"]["now"]
        assert "Put forward your idea" in seen["involve"]["now"]
        assert seen["collaborate"]["next"] == "Next: voting."
        assert "What you can do now" in page and "Vote now" in page
