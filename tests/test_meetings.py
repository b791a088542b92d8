"""A partnership's meetings, minutes and decisions, and its public page and API: what is public is
the approved record; drafts stay with the partnership."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.audit import CLI_ACTOR
from governance import meetings
from governance.models import Role
from tests.builders import a_partnership, a_round, a_staff_member, sign_in

TODAY = date.today()


def a_partnership_with_members(db):
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        chair = a_staff_member(session, partnership, Role.chair, "chair")
        officer = a_staff_member(session, partnership, Role.officer, "officer")
        a_staff_member(session, partnership, Role.member, "member")
        voting_round = a_round(session, partnership)
    return partnership, chair, officer, voting_round


def two_meetings(db, partnership, chair):
    with db.session(write=True) as session:
        first = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership.id,
                                          held_on=TODAY - timedelta(days=40), place="Town Hall",
                                          agenda="Priorities\nPB day date", residents_attending=14, present=[chair.id])
        second = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership.id,
                                           held_on=TODAY - timedelta(days=10), place="Library")
    return first, second


class TestMinutes:
    def test_drafted_then_approved_at_the_next_meeting(self, db):
        partnership, chair, _, _ = a_partnership_with_members(db)
        first, second = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            minutes = meetings.draft_minutes(session, CLI_ACTOR, first.id, "Agreed the priorities.")
            meetings.change_minutes(session, CLI_ACTOR, minutes.id, "Agreed the priorities for 2026.")
            meetings.approve_minutes(session, CLI_ACTOR, minutes.id, second.id)

        with db.session() as session:
            public = meetings.record_of(session, meetings.get_meeting(session, first.id), public=True)
        assert [m.text for m in public.minutes] == ["Agreed the priorities for 2026."]
        assert public.minutes_approved and public.minutes[0].approved_at_meeting_id == second.id

    def test_approved_minutes_never_change_a_correction_is_linked(self, db):
        partnership, chair, _, _ = a_partnership_with_members(db)
        first, second = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            minutes = meetings.draft_minutes(session, CLI_ACTOR, first.id, "Agreed the priorities.")
            meetings.approve_minutes(session, CLI_ACTOR, minutes.id, second.id)
        with db.session(write=True) as session:
            try:
                meetings.change_minutes(session, CLI_ACTOR, minutes.id, "Rewritten history.")
                raise AssertionError("approved minutes were changed")
            except meetings.Conflict as refused:
                assert "cannot change" in refused.message and "correction" in refused.message
        with db.session(write=True) as session:
            correction = meetings.correct_minutes(session, CLI_ACTOR, minutes.id, "The date was the 14th, not 15th.")

        assert correction.corrects_id == minutes.id and correction.status == "draft"
        with db.session() as session:
            assert meetings.get_minutes(session, minutes.id).text == "Agreed the priorities."

    def test_not_approved_at_the_same_or_an_earlier_meeting(self, db):
        partnership, chair, _, _ = a_partnership_with_members(db)
        first, second = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            minutes = meetings.draft_minutes(session, CLI_ACTOR, second.id, "Notes.")
        with db.session(write=True) as session:
            try:
                meetings.approve_minutes(session, CLI_ACTOR, minutes.id, first.id)
                raise AssertionError("approved at an earlier meeting")
            except meetings.InvalidInput as refused:
                assert "later meeting" in refused.message


class TestThePages:
    def test_the_chair_adds_a_meeting_minutes_and_a_decision(self, db, client):
        partnership, chair, officer, _ = a_partnership_with_members(db)
        token = sign_in(client, "chair")

        added = client.post(f"/manage/partnerships/{partnership.id}/meetings", data={
            "csrf_token": token, "held_on": (TODAY - timedelta(days=3)).isoformat(), "place": "Christ Church Hall",
            "agenda": "Adopt priorities", "residents_attending": "23", "present": [str(chair.id), str(officer.id)]})
        assert added.status_code == 200 and "Meeting added" in added.text
        meeting_id = int(re.search(r"/manage/meetings/(\d+)", str(added.url)).group(1))
        drafted = client.post(f"/manage/meetings/{meeting_id}/minutes",
                              data={"csrf_token": token, "text": "The partnership adopted its priorities."})
        decided = client.post(f"/manage/meetings/{meeting_id}/decisions",
                              data={"csrf_token": token, "decision": "Adopt the priorities for 2026"})

        assert "Draft minutes saved" in drafted.text and "Decision recorded" in decided.text
        public = client.get(f"/meetings/{meeting_id}").text
        assert "Adopt the priorities for 2026" in public and "23 residents" in public
        assert "The partnership adopted its priorities." not in public  # a draft is not public
        with db.session() as session:
            logged = session.exec(sa.text("SELECT payload FROM audit_event WHERE action = 'decision.recorded'")).all()
        assert len(logged) == 1 and "Adopt the priorities for 2026" in logged[0][0]

    def test_a_meeting_in_the_distant_past_or_future_is_refused_and_the_form_kept(self, db, client):
        partnership, *_ = a_partnership_with_members(db)
        token = sign_in(client, "chair")

        for held_on in ("1926-05-01", (TODAY + timedelta(days=365 * 3)).isoformat(), "14/03/2026"):
            refused = client.post(f"/manage/partnerships/{partnership.id}/meetings", data={
                "csrf_token": token, "held_on": held_on, "place": "Town Hall"})

            assert refused.status_code == 422, held_on
            assert 'value="Town Hall"' in refused.text and 'id="held_on-error"' in refused.text

    def test_editing_approved_minutes_on_the_page_says_add_a_correction(self, db, client):
        partnership, chair, _, _ = a_partnership_with_members(db)
        first, second = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            minutes = meetings.draft_minutes(session, CLI_ACTOR, first.id, "Agreed.")
            meetings.approve_minutes(session, CLI_ACTOR, minutes.id, second.id)
        token = sign_in(client, "chair")

        refused = client.post(f"/manage/minutes/{minutes.id}/edit", data={"csrf_token": token, "text": "Changed"})

        assert refused.status_code == 409 and "Add a correction instead" in refused.text

    def test_a_member_may_not_keep_meetings(self, db, client):
        partnership, *_ = a_partnership_with_members(db)
        sign_in(client, "member")

        assert client.get(f"/manage/partnerships/{partnership.id}/meetings").status_code == 403


class TestThePartnershipPageAndApi:
    def test_members_rounds_meetings_and_only_approved_records(self, db, client):
        partnership, chair, _, voting_round = a_partnership_with_members(db)
        first, second = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            approved = meetings.draft_minutes(session, CLI_ACTOR, first.id, "First minutes.")
            meetings.approve_minutes(session, CLI_ACTOR, approved.id, second.id)
            meetings.draft_minutes(session, CLI_ACTOR, second.id, "Second minutes, a draft.")
            meetings.record_decision(session, CLI_ACTOR, first.id, "Approve the PB day date")

        body = client.get(f"/api/v1/partnerships/{partnership.id}").json()
        page = client.get(f"/partnerships/{partnership.id}").text

        assert body == {
            "id": partnership.id, "name": "Macclesfield Neighbourhood Partnership", "area": "SK10, SK11",
            "members": [{"name": "Chair", "role": "chair"}, {"name": "Member", "role": "member"},
                        {"name": "Officer", "role": "officer"}],
            "interests": [],
            "meetings": [{"date": second.held_on.isoformat(), "place": "Library", "minutes_approved": False,
                          "decisions": []},
                         {"date": first.held_on.isoformat(), "place": "Town Hall", "minutes_approved": True,
                          "decisions": [{"text": "Approve the PB day date"}]}],
            "rounds": [voting_round.id]}
        assert "No interests declared" in page and "Approve the PB day date" in page
        assert "Second minutes, a draft." not in client.get(f"/meetings/{second.id}").text
        assert "First minutes." in client.get(f"/meetings/{first.id}").text

    def test_an_unknown_partnership_is_a_404(self, db, client):
        assert client.get("/api/v1/partnerships/999").status_code == 404
        assert client.get("/partnerships/99999999999").status_code in (404, 422)


# The demo is seeded on both databases by test_privacy; once is enough to look at its partnership.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
class TestTheDemo:
    def test_macclesfield_has_members_and_two_meetings_with_minutes_and_decisions(self, db, client):
        from voting.demo import seed_demo

        with db.session(write=True) as session:
            seed_demo(session, ballots=20)

        body = client.get("/api/v1/partnerships/1").json()
        assert body["name"] == "Macclesfield Neighbourhood Partnership"
        assert sum(1 for m in body["members"] if m["role"] == "member") == 4
        assert [m["minutes_approved"] for m in body["meetings"]] == [False, True]
        assert sum(len(m["decisions"]) for m in body["meetings"]) == 3
        first = client.get("/partnerships/1").text
        assert "Adopt the priorities for 2026" in first


class TestAttendance:
    def test_members_present_and_residents_counted(self, db):
        partnership, chair, officer, _ = a_partnership_with_members(db)
        first, _ = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            meetings.record_attendance(session, CLI_ACTOR, first.id, present=[chair.id, officer.id],
                                       residents_attending=30)
        with db.session() as session:
            record = meetings.record_of(session, meetings.get_meeting(session, first.id), public=True)
        assert [s.username for s in record.present] == ["chair", "officer"]
        assert record.meeting.residents_attending == 30

    def test_only_members_can_be_present_and_counts_are_sensible(self, db):
        partnership, chair, _, _ = a_partnership_with_members(db)
        first, _ = two_meetings(db, partnership, chair)
        with db.session(write=True) as session:
            stranger = a_staff_member(session, None, None, "stranger")
        for present, residents, field in (([stranger.id], 0, "present"), ([chair.id], -1, "residents_attending")):
            with db.session(write=True) as session, pytest.raises(meetings.InvalidInput) as refused:
                meetings.record_attendance(session, CLI_ACTOR, first.id, present=present,
                                           residents_attending=residents)
            assert refused.value.field == field
