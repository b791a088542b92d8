"""The kiosk through its pages, without JavaScript: nothing of one voter for the next, every ballot
kind with its messages, the receipt on a resident's own phone, and wrong pass codes paused."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from core.audit import AuditEvent
from tests.builders import a_pb_day, csrf_from, passes_for, sign_in
from voting import kiosk_lock
from voting import repository as voting_repo


def start(client, code: str):
    return client.post("/kiosk", data={"code": code})


def confirm_form(review_html: str) -> dict:
    fields = re.findall(r'name="(code|choices_json|idempotency_key|device)" value="([^"]*)"', review_html)
    return {k: v.replace("&#34;", '"') for k, v in fields}


class TestNothingIsLeftForTheNextVoter:
    def test_every_kiosk_page_forbids_storing_it(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        pages = [client.get("/kiosk"), start(client, code),
                 client.post("/kiosk/review", data={f"score-{day.proposals[0].id}": "4"})]
        receipt = client.post("/kiosk/confirm", data=confirm_form(pages[-1].text))

        for page in [*pages, receipt]:
            assert page.headers["cache-control"] == "no-store", page.url

    def test_after_the_vote_the_ballot_and_review_addresses_lead_back_to_the_start(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start(client, code)
        review = client.post("/kiosk/review", data={f"score-{day.proposals[1].id}": "5"})
        assert "Check your choices" in review.text
        client.post("/kiosk/confirm", data=confirm_form(review.text))

        for address in ("/kiosk/review", "/kiosk/ballot"):
            again = client.get(address, follow_redirects=False)
            assert again.status_code == 303 and again.headers["location"] == "/kiosk", address

    def test_each_step_redirects_so_a_reload_never_posts_again(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        started = client.post("/kiosk", data={"code": code}, follow_redirects=False)
        reviewed = client.post("/kiosk/review", data={f"score-{day.proposals[1].id}": "5"}, follow_redirects=False)

        assert (started.status_code, started.headers["location"]) == (303, "/kiosk/ballot")
        assert (reviewed.status_code, reviewed.headers["location"]) == (303, "/kiosk/review")
        assert "value=\"5\" checked" in client.get("/kiosk/ballot").text  # "Change my choices" keeps them

    def test_the_start_screen_forgets_a_ballot_walked_away_from(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start(client, code)

        client.get("/kiosk")

        assert client.get("/kiosk/ballot", follow_redirects=False).headers["location"] == "/kiosk"


class TestALongBallot:
    def test_the_bar_says_how_far_the_resident_has_got(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start(client, code)

        page = client.post("/kiosk/review", data={f"score-{day.proposals[0].id}": "9"})

        assert page.status_code == 422
        assert re.search(r'id="progress"[^>]*>1 of 4 scored', page.text)


class TestPointsAndRankingAtTheKiosk:
    def test_points_are_reviewed_and_counted(self, client, db):
        day = a_pb_day(db, ballot="points", points=10)
        [code] = passes_for(db, day.round_id)
        ballot = start(client, code)
        assert "You have <strong>10 points</strong>" in ballot.text
        assert re.search(r'id="progress"[^>]*>0 of 10 points given', ballot.text)

        review = client.post("/kiosk/review", data={f"points-{day.proposals[0].id}": "6",
                                                    f"points-{day.proposals[2].id}": "4"})
        receipt = client.post("/kiosk/confirm", data=confirm_form(review.text))

        assert "You gave <strong>10</strong> of your 10 points." in review.text
        assert "Your vote is in the ballot box" in receipt.text

    def test_too_many_points_come_back_with_what_was_typed(self, client, db):
        day = a_pb_day(db, ballot="points", points=10)
        [code] = passes_for(db, day.round_id)
        start(client, code)

        page = client.post("/kiosk/review", data={f"points-{day.proposals[0].id}": "8",
                                                  f"points-{day.proposals[1].id}": "5"})

        assert page.status_code == 422
        assert "Too many points: you gave 13, and you have 10 to spread. Take 3 away." in page.text
        assert 'value="8"' in page.text and 'value="5"' in page.text

    def test_points_that_are_not_a_number_are_named(self, client, db):
        day = a_pb_day(db, ballot="points")
        [code] = passes_for(db, day.round_id)
        start(client, code)

        page = client.post("/kiosk/review", data={f"points-{day.proposals[1].id}": "lots"})

        assert page.status_code == 422
        assert "Points must be whole numbers, 0 or more: check Project 2." in page.text
        assert 'value="lots"' in page.text

    def test_a_negative_score_is_named_with_the_range_the_ballot_takes(self, client, db):
        day = a_pb_day(db)  # scores from 1 to 5
        [code] = passes_for(db, day.round_id)
        start(client, code)

        page = client.post("/kiosk/review", data={f"score-{day.proposals[1].id}": "-1"})

        assert page.status_code == 422
        assert "Scores must be whole numbers from 1 to 5: check Project 2." in page.text
        assert "0 or more" not in page.text

    def test_a_ranking_is_reviewed_in_order(self, client, db):
        day = a_pb_day(db, ballot="ranking", rank_depth=3)
        [code] = passes_for(db, day.round_id)
        start(client, code)

        review = client.post("/kiosk/review", data={f"rank-{day.proposals[3].id}": "1",
                                                    f"rank-{day.proposals[1].id}": "2"})

        rows = re.findall(r"<tr><td>(\d)</td><td>([^<]+)</td>", review.text)
        assert rows == [("1", "Project 4"), ("2", "Project 2")]

    def test_two_projects_in_one_place_are_refused_with_the_choices_kept(self, client, db):
        day = a_pb_day(db, ballot="ranking", rank_depth=3)
        [code] = passes_for(db, day.round_id)
        start(client, code)

        page = client.post("/kiosk/review", data={f"rank-{day.proposals[0].id}": "1",
                                                  f"rank-{day.proposals[2].id}": "1"})

        assert page.status_code == 422
        assert "Project 1 and Project 3 are both in place 1. Give each place to one project." in page.text
        assert page.text.count('value="1" selected') == 2


class TestTheReceipt:
    def test_it_does_not_claim_the_vote_is_counted_before_any_count(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start(client, code)
        review = client.post("/kiosk/review", data={f"score-{day.proposals[0].id}": "3"})

        receipt = client.post("/kiosk/confirm", data=confirm_form(review.text)).text

        assert "counted with everyone else's when voting closes" in receipt
        assert "Your vote is counted" not in receipt

    def test_on_a_tablet_it_goes_back_to_the_start_by_itself(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        start(client, code)
        review = client.post("/kiosk/review", data={f"score-{day.proposals[0].id}": "3"})

        receipt = client.post("/kiosk/confirm", data=confirm_form(review.text)).text

        assert 'data-receipt-seconds="60"' in receipt and 'http-equiv="refresh"' in receipt

    def test_on_a_residents_own_phone_it_stays(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        client.get(f"/kiosk?code={code}")  # the QR code on the pass
        review = client.post("/kiosk/review", data={f"score-{day.proposals[0].id}": "3"})

        receipt = client.post("/kiosk/confirm", data=confirm_form(review.text)).text

        assert "Your vote is in the ballot box" in receipt
        assert "data-receipt-seconds" not in receipt and 'http-equiv="refresh"' not in receipt
        assert "This page stays until you leave it." in receipt


class TestConfirmCastsWhatWasReviewed:
    def test_choices_changed_in_the_page_after_review_are_not_what_is_cast(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        first, second = day.proposals[0].id, day.proposals[1].id
        start(client, code)
        review = client.post("/kiosk/review", data={"code": code, f"score-{first}": "2"})
        form = confirm_form(review.text)
        form["choices_json"] = json.dumps({"scores": {str(second): 5}})  # altered on the tablet

        client.post("/kiosk/confirm", data=form)

        with db.session() as session:
            [ballot] = voting_repo.ballots_of(session, day.round_id)
        assert json.loads(ballot.choices) == {"scores": {str(first): 2}}


class TestWrongPassCodes:
    def guess(self, client, n: int):
        return start(client, f"ZZZZ-ZZ{n:02d}".replace("0", "Z").replace("1", "Y"))

    def test_a_few_mistakes_are_forgiven_then_the_voting_point_pauses(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        mistakes = [self.guess(client, n).status_code for n in range(kiosk_lock.FREE_WRONG_CODES)]
        paused = self.guess(client, 99)
        even_a_good_code = start(client, code)

        assert mistakes == [403] * kiosk_lock.FREE_WRONG_CODES
        assert paused.status_code == 429
        assert "Too many wrong pass codes were typed here. Please wait 30 seconds" in paused.text
        assert "ask a steward at the desk to unlock voting point" in paused.text
        assert even_a_good_code.status_code == 429
        assert even_a_good_code.headers["retry-after"]

    def test_one_tablet_paused_leaves_the_other_tablets_in_the_hall_voting(self, app, client, db):
        # Every tablet in a hall can reach the server from one public address.
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        for n in range(kiosk_lock.FREE_WRONG_CODES + 1):
            self.guess(client, n)

        with TestClient(app) as other_tablet:
            started = start(other_tablet, code)

        assert self.guess(client, 98).status_code == 429
        assert started.status_code == 200

    def test_the_pause_grows_with_each_wrong_code(self, client, db):
        a_pb_day(db)
        for n in range(kiosk_lock.FREE_WRONG_CODES + 1):
            self.guess(client, n)
        with db.session(write=True) as session:  # the first pause has run out
            for lock in session.exec(select(kiosk_lock.KioskLock)).all():
                lock.locked_until = None
                session.add(lock)

        again = self.guess(client, 77)

        assert again.status_code == 429
        assert "Please wait 60 seconds" in again.text

    def test_the_api_answers_429_with_retry_after(self, client, db):
        day = a_pb_day(db)
        body = {"scores": {str(day.proposals[0].id): 3}}
        answers = [client.post(f"/api/v1/rounds/{day.round_id}/ballots", json={"pass": f"ZZZZ-ZZZ{c}", **body})
                   for c in "ABCDEF"]

        assert [a.status_code for a in answers] == [403] * 5 + [429]
        paused = answers[-1]
        assert paused.headers["content-type"] == "application/problem+json"
        assert paused.headers["retry-after"] == "30"
        assert paused.json()["status"] == 429 and paused.json()["retry_after"] == 30

    def test_a_steward_unlocks_the_voting_point_from_the_desk(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        for n in range(kiosk_lock.FREE_WRONG_CODES + 1):
            paused = self.guess(client, n)
        ref = re.search(r"unlock voting point ([0-9A-F]{6})", paused.text).group(1)

        sign_in(client, "steward")
        assert 'href="/desk/voting-points"' in client.get(f"/desk?round_id={day.round_id}").text
        listing = client.get("/desk/voting-points")
        assert f"Voting point <strong>{ref}</strong>: 6 wrong codes" in listing.text
        unlocked = client.post("/desk/voting-points/unlock", data={"csrf_token": csrf_from(listing.text),
                                                                   "ref": ref})

        assert f"Voting point {ref} is unlocked." in unlocked.text
        assert start(client, code).status_code == 200
        with db.session() as session:
            actions = [e.action for e in session.exec(select(AuditEvent)).all()]
        assert "voting_point.locked" in actions and "voting_point.unlocked" in actions

    def test_a_resident_cannot_unlock_it(self, client, db):
        a_pb_day(db)

        response = client.post("/desk/voting-points/unlock", data={"ref": "ABCDEF"}, follow_redirects=False)

        assert response.status_code in (303, 403)
        assert "/login" in response.headers.get("location", "/login")

    @pytest.mark.parametrize("typed", ["", "   "])
    def test_an_empty_code_is_not_counted_as_a_guess(self, client, db, typed):
        a_pb_day(db)

        for _ in range(kiosk_lock.FREE_WRONG_CODES + 2):
            page = start(client, typed)

        assert page.status_code == 403
        assert "Enter the code printed on your voter pass." in page.text
