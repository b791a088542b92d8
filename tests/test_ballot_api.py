"""A resident votes through the JSON API: what is accepted, what is refused, and why."""

import pytest

from tests.builders import a_pb_day, passes_for


def cast(client, round_id, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/rounds/{round_id}/ballots", json=body, headers=headers)


class TestScoresBallot:
    def test_a_resident_scores_projects_and_gets_a_tracking_code(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        first, second = day.proposals[0].id, day.proposals[1].id

        response = cast(client, day.round_id, {"pass": code, "scores": {str(first): 5, str(second): 2}})

        assert response.status_code == 201
        assert len(response.json()["tracking_code"]) == 11  # XXXXX-XXXXX
        assert client.get(f"/api/v1/rounds/{day.round_id}/turnout").json() == {"ballots": 1}

    def test_a_score_outside_the_range_is_refused_naming_the_project(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 9}})

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "from 1 to 5" in response.json()["detail"]
        assert "Project 1 (9)" in response.json()["detail"]

    def test_the_pass_is_not_spent_by_a_refused_ballot(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 0}})

        response = cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 4}})

        assert response.status_code == 201


class TestApprovalBallot:
    def test_picks_within_the_budget_are_accepted(self, client, db):
        day = a_pb_day(db, ballot="approval")
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "approvals": [day.proposals[0].id, day.proposals[1].id]})

        assert response.status_code == 201

    def test_picks_over_the_budget_are_refused_with_the_amounts(self, client, db):
        day = a_pb_day(db, ballot="approval")
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "approvals": [p.id for p in day.proposals[:3]]})

        assert response.status_code == 422
        assert response.json()["detail"] == (
            "Over budget: your choices cost £110,000, more than the £100,000 available.")

    def test_too_many_picks_are_refused(self, client, db):
        day = a_pb_day(db, ballot="approval", max_picks=1)
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "approvals": [day.proposals[2].id, day.proposals[3].id]})

        assert response.status_code == 422
        assert "Too many picks: 2 chosen, at most 1 allowed." in response.json()["detail"]

    def test_a_project_from_elsewhere_is_refused(self, client, db):
        day = a_pb_day(db, ballot="approval")
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "approvals": [9999]})

        assert response.status_code == 422
        assert "9999" in response.json()["detail"]


class TestPasses:
    def test_an_unknown_pass_is_refused_with_403(self, client, db):
        day = a_pb_day(db)

        response = cast(client, day.round_id, {"pass": "ZZZZ-ZZZZ", "scores": {str(day.proposals[0].id): 3}})

        assert response.status_code == 403
        assert "do not recognise" in response.json()["detail"]

    def test_a_used_pass_is_refused_with_409(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        body = {"pass": code, "scores": {str(day.proposals[0].id): 3}}
        assert cast(client, day.round_id, body).status_code == 201

        response = cast(client, day.round_id, body)

        assert response.status_code == 409
        assert response.json()["detail"] == "This pass has already been used."

    def test_a_pass_is_accepted_however_it_is_typed(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": f" {code.lower().replace('-', ' ')} ",
                                               "scores": {str(day.proposals[0].id): 3}})

        assert response.status_code == 201

    def test_voting_before_the_chair_opens_it_is_refused_with_409(self, client, db):
        day = a_pb_day(db, open_vote=False)
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 3}})

        assert response.status_code == 409
        assert response.json()["detail"] == "Voting is not open for this round."


class TestIdempotencyKey:
    def test_a_retry_with_the_same_key_and_body_gets_the_first_answer(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        body = {"pass": code, "scores": {str(day.proposals[0].id): 4}}

        first = cast(client, day.round_id, body, key="tablet-7-ballot-1")
        retry = cast(client, day.round_id, body, key="tablet-7-ballot-1")

        assert first.status_code == retry.status_code == 201
        assert retry.json() == first.json()
        assert client.get(f"/api/v1/rounds/{day.round_id}/turnout").json() == {"ballots": 1}

    def test_the_same_key_with_another_body_is_refused(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 4}}, key="k-1")

        response = cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 1}}, key="k-1")

        assert response.status_code == 422
        assert "different ballot" in response.json()["detail"]


class TestMalformedRequests:
    @pytest.mark.parametrize("raw, expected", [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"scores": {"1": 3}}', '"pass" is missing'),
        (b'{"pass": "ABCD-EFGH"}', "exactly one of"),
        (b'{"pass": "ABCD-EFGH", "approvals": ["x"]}', "whole numbers"),
        (b'{"pass": "ABCD-EFGH", "scores": {"one": 3}}', "not a project id"),
        (b'{"pass": "ABCD-EFGH", "scores": {"1": "high"}}', "whole number"),
    ])
    def test_a_malformed_body_gets_a_clear_422(self, client, db, raw, expected):
        day = a_pb_day(db)

        response = client.post(f"/api/v1/rounds/{day.round_id}/ballots", content=raw,
                               headers={"content-type": "application/json"})

        assert response.status_code == 422
        assert expected in response.json()["detail"]

    def test_an_unknown_round_is_a_404_problem(self, client):
        response = client.post("/api/v1/rounds/424242/ballots", json={"pass": "ABCD-EFGH", "scores": {"1": 3}})

        assert response.status_code == 404
        assert response.json()["title"] == "Not found"


class TestReadingRounds:
    def test_rounds_list_and_detail_follow_the_published_contract(self, client, db):
        day = a_pb_day(db)

        listed = client.get("/api/v1/rounds").json()
        detail = client.get(f"/api/v1/rounds/{day.round_id}").json()

        assert {"id", "title", "phase", "budget", "currency", "ballot_kind"} <= set(listed[0])
        assert listed[0]["phase"] == "empower"
        assert [p["cost"] for p in detail["projects"]] == [60_000, 30_000, 20_000, 10_000]
        assert set(detail["projects"][0]) >= {"id", "title", "cost"}

    def test_results_are_a_409_until_published(self, client, db):
        day = a_pb_day(db)

        response = client.get(f"/api/v1/rounds/{day.round_id}/results")

        assert response.status_code == 409

    def test_health(self, client):
        assert client.get("/healthz").json() == {"status": "ok"}
