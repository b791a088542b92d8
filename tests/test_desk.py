"""The steward's desk on a busy afternoon: reloads, lost passes, the same resident typed eight ways."""

import re

import pytest
from sqlmodel import select

from core.audit import AuditEvent
from tests.builders import a_pb_day, a_round, csrf_from, sign_in
from voting import repository as voting_repo

PASS_CODE = re.compile(r'id="pass-code">([A-Z0-9-]+)<')


def issue(client, token, round_id, name="Zoë Brontë", postcode="SK10 1EA", **extra):
    return client.post("/desk/passes", data={"csrf_token": token, "round_id": round_id, "name": name,
                                             "postcode": postcode, **extra}, follow_redirects=False)


def actions(db, action: str) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def issued_count(db, round_id: int) -> int:
    with db.session() as session:
        return voting_repo.passes_issued(session, round_id)


class TestReloadingTheDeskKeepsThePass:
    def test_issuing_redirects_to_a_ticket_that_shows_the_code_again_on_reload(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        posted = issue(client, token, day.round_id)
        assert posted.status_code == 303
        ticket_url = posted.headers["location"]
        first = client.get(ticket_url)
        reloaded = client.get(ticket_url)

        code = PASS_CODE.search(first.text).group(1)
        assert PASS_CODE.search(reloaded.text).group(1) == code
        assert code.replace("-", "") not in ticket_url.replace("-", "")  # the address holds a token, not the code
        assert first.headers["cache-control"] == "no-store"
        assert issued_count(db, day.round_id) == 1

    def test_next_resident_clears_the_pass_from_the_screen(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        ticket_url = issue(client, token, day.round_id).headers["location"]

        desk = client.post(f"{ticket_url}/next", data={"csrf_token": token, "round_id": day.round_id})

        assert 'id="pass-code"' not in desk.text
        assert "Check a resident" in desk.text
        again = client.get(ticket_url)
        assert 'id="pass-code"' not in again.text
        assert "no longer shown on the desk" in again.text

    def test_another_steward_cannot_open_someone_elses_ticket(self, client, db, app):
        from fastapi.testclient import TestClient

        day = a_pb_day(db)
        token = sign_in(client, "steward")
        ticket_url = issue(client, token, day.round_id).headers["location"]

        with TestClient(app) as other:
            sign_in(other, "officer")
            page = other.get(ticket_url)

        assert 'id="pass-code"' not in page.text


class TestReprintAndVoid:
    def test_a_lost_pass_is_reprinted_and_the_old_code_stops_working(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        old = PASS_CODE.search(client.get(issue(client, token, day.round_id).headers["location"]).text).group(1)

        refused = issue(client, token, day.round_id)
        assert refused.status_code == 409
        assert "Reprint their pass" in refused.text
        reprinted = client.post("/desk/resident/reprint", data={"csrf_token": token, "round_id": day.round_id,
                                                                "name": "Zoë Brontë", "postcode": "SK10 1EA"})

        new = PASS_CODE.search(reprinted.text).group(1)
        assert new != old
        assert "cancelled at the desk" in client.post("/kiosk", data={"code": old}).text
        assert "Review my choices" in client.post("/kiosk", data={"code": new}).text
        assert issued_count(db, day.round_id) == 1
        assert len(actions(db, "pass.reprinted")) == 1

    def test_a_pass_on_screen_can_be_cancelled_while_unused(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        ticket_url = issue(client, token, day.round_id).headers["location"]
        code = PASS_CODE.search(client.get(ticket_url).text).group(1)

        page = client.post(f"{ticket_url}/void", data={"csrf_token": token})

        assert "The pass was cancelled" in page.text
        assert "cancelled at the desk" in client.post("/kiosk", data={"code": code}).text
        assert len(actions(db, "pass.voided")) == 1
        # Cancelled, so the resident can be given a fresh pass.
        assert issue(client, token, day.round_id).status_code == 303

    def test_a_pass_used_while_still_on_screen_is_not_cancelled(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        ticket_url = issue(client, token, day.round_id).headers["location"]
        code = PASS_CODE.search(client.get(ticket_url).text).group(1)
        client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                    json={"pass": code, "scores": {str(day.proposals[0].id): 5}})

        page = client.post(f"{ticket_url}/void", data={"csrf_token": token})

        assert page.status_code == 409
        assert "has been used to vote" in page.text
        assert "Check a resident" in page.text  # back at the desk, not a dead end

    def test_a_used_pass_cannot_be_reprinted(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        code = PASS_CODE.search(client.get(issue(client, token, day.round_id).headers["location"]).text).group(1)
        client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                    json={"pass": code, "scores": {str(day.proposals[0].id): 5}})

        refused = issue(client, token, day.round_id)
        reprint = client.post("/desk/resident/reprint", data={"csrf_token": token, "round_id": day.round_id,
                                                              "name": "Zoë Brontë", "postcode": "SK10 1EA"})

        assert "already voted" in refused.text
        assert "Reprint their pass" not in refused.text
        assert reprint.status_code == 409
        assert 'value="Zoë Brontë"' in reprint.text  # what was typed is kept


class TestTheSameResidentTypedDifferently:
    """The eight variants that each got a second pass before."""

    @pytest.mark.parametrize("name, postcode", [
        ("Zoë Brontë.", "SK10 1EA"),            # a full stop
        ("Zoë-Brontë", "SK10 1EA"),             # a hyphen
        ("Zoe Bronte", "SK10 1EA"),             # no accents
        ("Z. Brontë", "SK10 1EA"),              # an initial
        ("Zое Brontё", "SK10 1EA"),             # Cyrillic о, е and ё
        ("ΖΟΕ ΒRΟΝΤΕ", "SK10 1EA"),             # Greek capitals
        ("Zoë Brontë", "ＳＫ１０ １ＥＡ"),       # a full-width postcode
        ("Brontë, Zoë", "sk10-1ea"),            # surname first, postcode with a hyphen
    ])
    def test_a_second_pass_is_not_issued_without_the_stewards_decision(self, client, db, name, postcode):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        issue(client, token, day.round_id)

        again = issue(client, token, day.round_id, name=name, postcode=postcode)

        assert again.status_code == 409
        assert "already has a pass" in again.text or "similar name" in again.text
        assert issued_count(db, day.round_id) == 1

    def test_the_steward_sees_a_likely_match_without_anyone_elses_name(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        issue(client, token, day.round_id)

        likely = issue(client, token, day.round_id, name="Margaret Brontë")

        assert "similar name" in likely.text
        assert "Zoë" not in likely.text  # the desk never shows who already has a pass
        assert "It is a different person: issue a pass" in likely.text

    def test_the_steward_decides_it_is_a_different_person(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        issue(client, token, day.round_id)

        decided = issue(client, token, day.round_id, name="Margaret Brontë", different_person="yes")

        assert decided.status_code == 303
        assert issued_count(db, day.round_id) == 2
        assert '"likely_match_overruled":true' in actions(db, "pass.issued")[-1].payload

    def test_a_neighbour_with_another_name_gets_a_pass_straight_away(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        issue(client, token, day.round_id)

        assert issue(client, token, day.round_id, name="Margaret Holt").status_code == 303

    def test_the_register_keeps_no_name(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        issue(client, token, day.round_id)

        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT * FROM voting_pass").all()
        assert not any("bront" in str(value).lower() or "SK10" in str(value) for row in rows for value in row)


class TestTheDeskOffersTheRightRound:
    def test_the_desk_opens_on_the_open_round_not_a_newer_draft(self, client, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            a_round(session, day.partnership, title="Draft made later", postcodes="")
        sign_in(client, "steward")

        desk = client.get("/desk")

        selected = re.search(r'<option value="(\d+)" selected>', desk.text).group(1)
        assert int(selected) == day.round_id
        assert "Draft made later (voting not open yet)" in desk.text

    def test_a_draft_round_is_refused_with_a_warning(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "steward")

        desk = client.get(f"/desk?round_id={day.round_id}")
        refused = issue(client, token, day.round_id)

        assert "has not opened yet" in desk.text
        assert "Check and issue pass" not in desk.text
        assert refused.status_code == 409
        assert issued_count(db, day.round_id) == 0


class TestBadInputAtTheDesk:
    @pytest.mark.parametrize("name, postcode, field, message", [
        ("", "SK10 1EA", "name", "Enter the resident"),
        ("..", "SK10 1EA", "name", "Enter the resident"),
        ("Zoë Brontë", "hello", "postcode", "does not look like a UK postcode"),
        ("Zoë Brontë", "M1 1AE", "postcode", "outside this round"),
        ("Zoë Brontë" * 200, "\x00" * 10, "postcode", "does not look like a UK postcode"),
    ])
    def test_the_message_sits_beside_the_field_and_the_input_is_kept(self, client, db, name, postcode, field,
                                                                       message):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        page = issue(client, token, day.round_id, name=name, postcode=postcode)

        assert page.status_code in (403, 422)
        assert re.search(rf'id="{field}-error">[^<]*{message}', page.text.replace("&#39;", "'"))
        assert csrf_from(page.text)
