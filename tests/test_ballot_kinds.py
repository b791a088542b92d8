"""Every ballot kind: points (spread N points) and ranking (order your top k) beside approval and
scores, through the API, counted with the existing rules and exported to Pabulib; chosen in the
round form and on the command line."""

import json
import re

import pytest
from sqlmodel import select

from core.audit import CLI_ACTOR, AuditEvent
from tests.builders import a_partnership, a_pb_day, passes_for, sign_in
from tests.test_command_line import run_cli
from voting import service

COSTS = (50_000, 40_000, 30_000, 20_000)


def cast(client, round_id: int, body: dict):
    return client.post(f"/api/v1/rounds/{round_id}/ballots", json=body)


class TestPointsBallotsThroughTheApi:
    def test_points_within_the_allowance_are_accepted(self, client, db):
        day = a_pb_day(db, ballot="points", points=10)
        [code] = passes_for(db, day.round_id)
        first, second = day.proposals[0].id, day.proposals[1].id

        response = cast(client, day.round_id, {"pass": code, "points": {str(first): 7, str(second): 3}})

        assert response.status_code == 201, response.text
        assert client.get(f"/api/v1/rounds/{day.round_id}/turnout").json() == {"ballots": 1}

    @pytest.mark.parametrize("points, message", [
        ({0: 8, 1: 5}, "Too many points: you gave 13, and you have 10 to spread. Take 3 away."),
        ({0: -1}, "Points must be whole numbers, 0 or more"),
        ({0: 0}, "Give at least one point: you have 10 to spread."),
    ])
    def test_a_wrong_share_of_points_is_refused_saying_why(self, client, db, points, message):
        day = a_pb_day(db, ballot="points", points=10)
        [code] = passes_for(db, day.round_id)
        body = {"pass": code, "points": {str(day.proposals[n].id): v for n, v in points.items()}}

        response = cast(client, day.round_id, body)

        assert response.status_code == 422
        assert message in response.json()["detail"]

    def test_a_scores_body_on_a_points_round_says_what_to_send(self, client, db):
        day = a_pb_day(db, ballot="points")
        [code] = passes_for(db, day.round_id)

        response = cast(client, day.round_id, {"pass": code, "scores": {str(day.proposals[0].id): 3}})

        assert response.status_code == 422
        assert '"points", an object of project id to points' in response.json()["detail"]


class TestRankingBallotsThroughTheApi:
    def test_a_top_three_is_accepted(self, client, db):
        day = a_pb_day(db, ballot="ranking", rank_depth=3)
        [code] = passes_for(db, day.round_id)
        ids = [p.id for p in day.proposals]

        response = cast(client, day.round_id, {"pass": code, "ranking": [ids[2], ids[0], ids[3]]})

        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("ranking, message", [
        ([0, 1, 2, 3], "Too many places: you ranked 4 projects, and at most 3 can be ranked."),
        ([0, 0], "A project was ranked more than once"),
        ([], "Rank at least one project."),
        ([424242], "These are not projects on this ballot: 424242."),
    ])
    def test_a_wrong_ranking_is_refused_saying_why(self, client, db, ranking, message):
        day = a_pb_day(db, ballot="ranking", rank_depth=3)
        [code] = passes_for(db, day.round_id)
        ids = [day.proposals[n].id if n < 100 else n for n in ranking]

        response = cast(client, day.round_id, {"pass": code, "ranking": ids})

        assert response.status_code == 422
        assert message in response.json()["detail"]

    @pytest.mark.parametrize("body, message", [
        ({"ranking": "1,2"}, '"ranking" must be a list of project ids'),
        ({"ranking": [1.5]}, '"ranking" must be a list of project ids'),
        ({"points": [1, 2]}, '"points" must be an object'),
        ({"points": {"1": "lots"}}, "The points for project 1 must be a whole number."),
        ({"points": {"1": 2}, "ranking": [1]}, "Send exactly one of"),
    ])
    def test_a_malformed_body_is_a_plain_422(self, client, db, body, message):
        day = a_pb_day(db, ballot="ranking")

        response = cast(client, day.round_id, {"pass": "ABCD-EFGH", **body})

        assert response.status_code == 422
        assert message in response.json()["detail"]

    def test_the_round_says_how_many_places_and_points(self, client, db):
        day = a_pb_day(db, ballot="ranking", rank_depth=2)

        detail = client.get(f"/api/v1/rounds/{day.round_id}").json()

        assert detail["ballot_kind"] == "ranking" and detail["rank_depth"] == 2


class TestCountedAndExported:
    """The published count and `main.py tally` on the round's own Pabulib export agree."""

    def publish(self, db, ballot: str, ballots: list, **options):
        day = a_pb_day(db, ballot=ballot, costs=COSTS, **options)
        ids = [p.id for p in day.proposals]
        codes = passes_for(db, day.round_id, len(ballots))
        for code, choice in zip(codes, ballots, strict=True):
            if ballot == "points":
                body = {"pass": code, "points": {str(ids[n]): v for n, v in choice.items()}}
            else:
                body = {"pass": code, "ranking": [ids[n] for n in choice]}
            with db.session(write=True) as session:
                _, choices = service.parse_ballot_body(body)
                service.cast_ballot(session, round_id=day.round_id, pass_code=code, choices=choices)
        with db.session(write=True) as session:
            service.close_vote(session, CLI_ACTOR, day.round_id)
            result = service.publish_results(session, CLI_ACTOR, day.round_id)
        return day, [str(p) for p in json.loads(result.outcome)["selected"]]

    @pytest.mark.parametrize("ballot, ballots, options, tally", [
        ("points", [{3: 6, 2: 4}, {3: 10}, {0: 5, 1: 5}, {2: 7, 0: 3}], {"points": 10}, ["--rule", "greedy"]),
        ("points", [{3: 6, 2: 4}, {3: 10}, {0: 5, 1: 5}, {2: 7, 0: 3}], {"points": 10, "rule": "mes"},
         ["--rule", "mes", "--completion"]),
        ("ranking", [[3, 2, 0], [3], [1, 0], [2, 3]], {"rank_depth": 3}, ["--rule", "greedy"]),
        ("ranking", [[3, 2, 0], [3], [1, 0], [2, 3]], {"rank_depth": 3, "rule": "mes"},
         ["--rule", "mes", "--completion"]),
    ])
    def test_the_export_recounts_to_the_published_winners(self, db, database_url, tmp_path, ballot, ballots,
                                                           options, tally):
        day, published = self.publish(db, ballot, ballots, **options)
        path = tmp_path / "round.pb"

        exported = run_cli(database_url, "export", "pabulib", "--round", str(day.round_id), "-o", str(path))
        recount = run_cli(database_url, "tally", str(path), *tally, "--json")

        assert exported.returncode == 0, exported.stderr
        assert recount.returncode == 0, recount.stderr
        assert sorted(json.loads(recount.stdout)["selected"]) == sorted(published)
        text = path.read_text()
        assert ("vote_type;cumulative" in text and "max_sum_points;10" in text) if ballot == "points" else (
            "vote_type;ordinal" in text and "max_length;3" in text)

    def test_pabutools_reads_a_ranking_export(self, db, client, tmp_path):
        from pabutools.election import parse_pabulib

        day, _ = self.publish(db, "ranking", [[3, 2, 0], [3], [1, 0]], rank_depth=3)
        path = tmp_path / "ranking.pb"
        path.write_text(client.get(f"/rounds/{day.round_id}/results.pb").text)

        instance, profile = parse_pabulib(str(path))

        ids = [str(p.id) for p in day.proposals]
        # In the order of the ballots' random keys, not the order they were cast.
        assert sorted([p.name for p in ballot] for ballot in profile) == sorted(
            [[ids[3], ids[2], ids[0]], [ids[3]], [ids[1], ids[0]]])


class TestTheChairPicksTheBallotKind:
    def create(self, client, partnership_id: int, **fields):
        token = sign_in(client, "chair")
        return client.post("/manage/rounds", data={
            "csrf_token": token, "partnership_id": partnership_id, "title": "Community Fund 2026",
            "budget": "100,000", "eligible_postcodes": "SK10", **fields}, follow_redirects=False)

    @pytest.mark.parametrize("fields, expected", [
        ({"ballot_kind": "points", "points_total": "20"}, {"ballot_kind": "points", "points_total": 20}),
        ({"ballot_kind": "ranking", "rank_depth": "5"}, {"ballot_kind": "ranking", "rank_depth": 5}),
        ({"ballot_kind": "approval", "min_picks": "2", "max_picks": "4"},
         {"ballot_kind": "approval", "min_picks": 2, "max_picks": 4}),
    ])
    def test_each_kind_is_created_with_its_settings(self, client, db, fields, expected):
        day = a_pb_day(db)

        response = self.create(client, day.partnership.id, **fields)

        assert response.status_code == 303, response.text
        round_id = int(response.headers["location"].rsplit("/", 1)[1])
        detail = client.get(f"/api/v1/rounds/{round_id}").json()
        assert {k: detail[k] for k in expected} == expected

    def test_a_bad_number_of_points_comes_back_with_the_form_kept(self, client, db):
        day = a_pb_day(db)

        response = self.create(client, day.partnership.id, ballot_kind="points", points_total="0")

        assert response.status_code == 422
        assert "The points each resident spreads must be a whole number from 1 to 1,000." in response.text
        assert 'id="kind-points" name="ballot_kind" value="points" checked' in response.text

    def test_the_form_offers_every_kind(self, client, db):
        day = a_pb_day(db)
        sign_in(client, "chair")

        page = client.get(f"/manage/rounds/new?partnership_id={day.partnership.id}").text

        for kind in ("scores", "approval", "points", "ranking"):
            assert f'value="{kind}"' in page
        assert 'name="min_picks"' in page and 'name="points_total"' in page and 'name="rank_depth"' in page


class TestScriptingARound:
    def test_a_round_and_its_proposals_in_a_few_lines(self, db, database_url):
        with db.session(write=True) as session:
            partnership_id = a_partnership(session).id

        created = run_cli(database_url, "round", "create", "--partnership", str(partnership_id), "--title",
                          "Green Spaces 2027", "--budget", "50000", "--kind", "points", "--points", "12",
                          "--postcodes", "SK10,SK11", "--rule", "mes")
        assert created.returncode == 0, created.stderr
        round_id = int(created.stdout.strip())
        added = [run_cli(database_url, "proposal", "add", "--round", str(round_id), "--title", title, "--cost",
                         str(cost), "--summary", "A summary") for title, cost in (("Orchard", 8000), ("Pond", 30000))]

        assert all(a.returncode == 0 for a in added), [a.stderr for a in added]
        assert all(re.fullmatch(r"\d+\n", a.stdout) for a in added)
        with db.session() as session:
            from governance import repository as governance_repo
            from proposals import repository as proposals_repo

            voting_round = governance_repo.get_round(session, round_id)
            assert (voting_round.ballot_kind, voting_round.points_total, voting_round.counting_rule) == (
                "points", 12, "mes")
            assert voting_round.postcode_prefixes == ["SK10", "SK11"]
            assert [p.title for p in proposals_repo.on_ballot(session, round_id)] == ["Orchard", "Pond"]
            actions = [e.action for e in session.exec(select(AuditEvent).where(
                AuditEvent.actor_ref == "cli")).all()]
        assert "round.created" in actions and actions.count("proposal.submitted") == 2

    @pytest.mark.parametrize("args, message", [
        (["--kind", "ranking", "--rank-depth", "0"], "places each resident ranks"),
        (["--kind", "scores", "--rule", "phragmen"], "Phragmén counts approval ballots only"),
    ])
    def test_a_wrong_setting_is_refused_with_the_reason(self, db, database_url, args, message):
        with db.session(write=True) as session:
            partnership_id = a_partnership(session).id

        result = run_cli(database_url, "round", "create", "--partnership", str(partnership_id), "--title", "T",
                         "--budget", "1000", *args)

        assert result.returncode == 2
        assert message in result.stderr
