"""Closing the vote while residents are still at the tablets: started ballots get a grace period."""

import re
from datetime import timedelta

from sqlmodel import select

from core.audit import CLI_ACTOR, AuditEvent
from governance import repository as governance_repo
from governance.models import utcnow
from tests.builders import a_pb_day, passes_for, sign_in
from tests.test_command_line import run_cli
from voting import service
from voting.models import VoterPass


def start_ballot(client, code: str) -> None:
    assert "Review my choices" in client.post("/kiosk", data={"code": code}).text


def vote(client, day, code: str):
    return client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                       json={"pass": code, "scores": {str(day.proposals[0].id): 4}})


def chair_closes(client, token: str, day, grace_minutes: str = ""):
    return client.post(f"/manage/rounds/{day.round_id}/close",
                       data={"csrf_token": token, "grace_minutes": grace_minutes})


def round_of(db, day):
    with db.session() as session:
        return governance_repo.get_round(session, day.round_id)


def grace_ends(db, day) -> None:
    """Jump to the end of the grace period without waiting for it."""
    with db.session(write=True) as session:
        voting_round = governance_repo.get_round(session, day.round_id)
        voting_round.closing_deadline = utcnow() - timedelta(seconds=1)
        session.add(voting_round)


class TestTheChairSeesBallotsInProgress:
    def test_the_close_page_counts_passes_opened_and_not_yet_cast(self, client, db):
        day = a_pb_day(db)
        started, cast, untouched = passes_for(db, day.round_id, 3)
        start_ballot(client, started)
        start_ballot(client, cast)
        vote(client, day, cast)
        sign_in(client, "chair")

        page = client.get(f"/manage/rounds/{day.round_id}/close")

        assert "1 ballot is in progress" in page.text
        assert "Yes, close voting" in page.text

    def test_the_kiosk_records_only_the_minute_a_pass_was_opened(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)

        with db.session() as session:
            opened = session.exec(select(VoterPass.opened_at)).one()
        assert opened.second == 0 and opened.microsecond == 0


class TestClosingWithAGracePeriod:
    def test_a_started_ballot_is_still_counted_after_the_chair_closes(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)
        token = sign_in(client, "chair")

        closing = chair_closes(client, token, day)
        assert "Voting is closing" in closing.text
        receipt = vote(client, day, code)

        assert receipt.status_code == 201
        assert round_of(db, day).is_closing

    def test_the_big_screen_says_voting_is_closing(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)
        chair_closes(client, sign_in(client, "chair"), day)

        screen = client.get(f"/screen/{day.round_id}")

        assert "Voting is closing: ballots already started can still be finished" in screen.text
        assert "Voting is open" not in screen.text

    def test_after_the_close_a_bad_ballot_is_told_the_vote_is_closed_first(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        chair_closes(client, sign_in(client, "chair"), day)  # nothing in progress: closes at once

        late = client.post(f"/api/v1/rounds/{day.round_id}/ballots", json={"pass": code, "scores": {"999999": 4}})

        assert late.status_code == 409
        assert late.json()["detail"].startswith("Voting is not open")

    def test_no_new_ballot_can_start_during_the_grace_period(self, client, db):
        day = a_pb_day(db)
        started, fresh = passes_for(db, day.round_id, 2)
        start_ballot(client, started)
        chair_closes(client, sign_in(client, "chair"), day)

        at_kiosk = client.post("/kiosk", data={"code": fresh})
        by_api = vote(client, day, fresh)

        assert "no new ballot can start" in at_kiosk.text
        assert by_api.status_code == 409
        assert by_api.json()["detail"].startswith("Voting is not open for this round")

    def test_the_close_completes_on_the_first_request_after_the_grace_period(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)
        chair_closes(client, sign_in(client, "chair"), day)

        grace_ends(db, day)
        client.get("/")

        voting_round = round_of(db, day)
        assert voting_round.vote_status == "closed" and voting_round.closing_deadline is None
        assert vote(client, day, code).status_code == 409
        with db.session() as session:
            closed = session.exec(select(AuditEvent).where(AuditEvent.action == "vote.closed")).one()
            assert session.exec(select(VoterPass.opened_at)).all() == [None]  # opening times are forgotten
        assert closed.actor_role == "system"

    def test_with_nothing_in_progress_the_vote_closes_at_once(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "chair")

        closed = chair_closes(client, token, day)

        assert "Voting is closed" in closed.text
        assert round_of(db, day).vote_status == "closed"

    def test_the_grace_period_is_the_chairs_choice_and_defaults_to_two_minutes(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)
        token = sign_in(client, "chair")
        assert 'name="grace_minutes" inputmode="decimal" value="2"' in client.get(
            f"/manage/rounds/{day.round_id}/close").text

        chair_closes(client, token, day, grace_minutes="5")

        left = round_of(db, day).closing_deadline - utcnow()
        assert timedelta(minutes=4) < left <= timedelta(minutes=5)

    def test_a_nonsense_grace_period_is_explained_beside_the_field(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "chair")

        page = chair_closes(client, token, day, grace_minutes="soon")

        assert page.status_code == 422
        assert re.search(r'id="grace_minutes-error">Enter the time to finish in minutes', page.text)
        assert 'value="soon"' in page.text
        assert round_of(db, day).vote_status == "open"

    def test_the_chair_can_end_the_grace_period_early(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)
        token = sign_in(client, "chair")
        chair_closes(client, token, day)

        page = client.post(f"/manage/rounds/{day.round_id}/close/now", data={"csrf_token": token})

        assert "Voting is closed" in page.text
        assert round_of(db, day).vote_status == "closed"

    def test_ending_a_grace_period_that_never_started_does_not_claim_the_vote_closed(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "chair")

        page = client.post(f"/manage/rounds/{day.round_id}/close/now", data={"csrf_token": token})

        assert page.status_code == 409 and "Voting is open and not closing" in page.text
        assert "Voting is closed" not in page.text and round_of(db, day).vote_status == "open"

    def test_the_command_line_closes_at_once_with_now(self, client, db, database_url):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start_ballot(client, code)

        waiting = run_cli(database_url, "round", "close", str(day.round_id))
        assert "closing" in waiting.stdout
        now = run_cli(database_url, "round", "close", str(day.round_id), "--now")

        assert now.returncode == 0, now.stderr
        assert round_of(db, day).vote_status == "closed"


class TestOpenAndPublishAskFirst:
    def test_open_asks_and_explains_an_empty_ballot_on_its_page(self, client, db):
        day = a_pb_day(db, open_vote=False, costs=())
        token = sign_in(client, "chair")

        asked = client.get(f"/manage/rounds/{day.round_id}/open")
        refused = client.post(f"/manage/rounds/{day.round_id}/open", data={"csrf_token": token})

        assert "Yes, open voting" in asked.text
        assert "no proposals on the ballot" in asked.text
        assert refused.status_code == 409
        assert "Open voting?" in refused.text and "Sign out" in refused.text

    def test_the_chair_previews_the_count_privately_before_revealing(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        vote(client, day, code)
        with db.session(write=True) as session:
            service.close_vote(session, CLI_ACTOR, day.round_id)
        sign_in(client, "chair")

        preview = client.get(f"/manage/rounds/{day.round_id}/preview")

        assert "Only you can see this" in preview.text
        assert "1 ballot counted" in preview.text
        assert preview.headers["cache-control"] == "no-store"
        assert round_of(db, day).vote_status == "closed"
        assert client.get(f"/api/v1/rounds/{day.round_id}/results").status_code == 409
        assert "Yes, reveal the results" in client.get(f"/manage/rounds/{day.round_id}/publish").text

    def test_only_the_chair_may_preview(self, client, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            service.close_vote(session, CLI_ACTOR, day.round_id)
        sign_in(client, "steward")

        assert client.get(f"/manage/rounds/{day.round_id}/preview").status_code == 403
