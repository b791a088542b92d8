"""The big screen at the PB day: turnout rises live as ballots are cast; the reveal shows results."""

from core.audit import CLI_ACTOR
from tests.builders import a_pb_day, passes_for, sign_in
from voting import service as voting_service


class TestBigScreen:
    def test_a_ballot_cast_through_the_api_updates_a_connected_screen(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        with client.websocket_connect(f"/screen/{day.round_id}/ws") as screen:
            response = client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                                   json={"pass": code, "scores": {str(day.proposals[0].id): 5}})
            assert response.status_code == 201
            fragment = screen.receive_text()

        assert 'id="live"' in fragment and 'hx-swap-oob="true"' in fragment
        assert '<span id="turnout-count" class="turnout-count">1</span>' in fragment

    def test_the_screen_shows_the_results_when_the_chair_reveals_them(self, client, db):
        day = a_pb_day(db)
        for code in passes_for(db, day.round_id, 3):
            client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                        json={"pass": code, "scores": {str(day.proposals[1].id): 5}})
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)

        token = sign_in(client, "chair")

        with client.websocket_connect(f"/screen/{day.round_id}/ws") as screen:
            client.post(f"/manage/rounds/{day.round_id}/publish", data={"csrf_token": token})
            fragment = screen.receive_text()

        assert 'id="reveal"' in fragment
        assert "Funded" in fragment and "Project 2" in fragment

    def test_the_screen_page_connects_to_its_websocket(self, client, db):
        day = a_pb_day(db)

        page = client.get(f"/screen/{day.round_id}")

        assert page.status_code == 200
        assert f'ws-connect="/screen/{day.round_id}/ws"' in page.text
        assert "/static/htmx-ext-ws-2.0.4.js" in page.text
