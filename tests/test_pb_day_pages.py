"""The PB day through its pages, without JavaScript: forms post normally and every step works."""

import re

import pytest

from tests.builders import PASSWORD, a_pb_day, csrf_from, passes_for, sign_in


def tracking_code_in(html: str) -> str:
    return re.search(r'id="tracking-code">([A-Z0-9-]+)<', html).group(1)


class TestTheKiosk:
    def test_a_resident_scores_reviews_confirms_and_gets_a_receipt(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        ballot = client.post("/kiosk", data={"code": code})
        assert ballot.status_code == 200
        assert "Give each project a score from 1" in ballot.text
        scores = {f"score-{p.id}": str(5 - n) for n, p in enumerate(day.proposals)}

        review = client.post("/kiosk/review", data={"code": code, **scores})
        assert "Check your choices" in review.text
        assert "Confirm my vote" in review.text
        form = dict(re.findall(r'name="(choices_json|idempotency_key)" value="([^"]*)"', review.text))

        receipt = client.post("/kiosk/confirm", data={"code": code, "choices_json": form["choices_json"].replace(
            "&#34;", '"'), "idempotency_key": form["idempotency_key"]})

        assert receipt.status_code == 200
        assert "Your vote is in the ballot box" in receipt.text
        assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", tracking_code_in(receipt.text))
        assert 'href="/kiosk"' in receipt.text  # Finish: the tablet resets for the next person

    def test_pressing_confirm_twice_gives_the_same_receipt(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        review = client.post("/kiosk/review", data={"code": code, f"score-{day.proposals[0].id}": "4"})
        form = {k: v.replace("&#34;", '"') for k, v in
                re.findall(r'name="(choices_json|idempotency_key)" value="([^"]*)"', review.text)}

        first = client.post("/kiosk/confirm", data={"code": code, **form})
        again = client.post("/kiosk/confirm", data={"code": code, **form})

        assert tracking_code_in(first.text) == tracking_code_in(again.text)
        assert client.get(f"/api/v1/rounds/{day.round_id}/turnout").json() == {"ballots": 1}

    def test_a_used_pass_is_turned_away_kindly(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        client.post(f"/api/v1/rounds/{day.round_id}/ballots",
                    json={"pass": code, "scores": {str(day.proposals[0].id): 3}})

        page = client.post("/kiosk", data={"code": code})

        assert page.status_code == 409
        assert "This pass has already been used" in page.text
        assert "take the pass to a steward at the desk" in page.text  # what to do next
        assert 'name="code"' in page.text  # back at the start, ready for the next person

    def test_a_mistyped_pass_says_so(self, client, db):
        a_pb_day(db)

        page = client.post("/kiosk", data={"code": "ABCD"})

        assert page.status_code == 403
        assert "We do not recognise this pass code" in page.text

    def test_an_over_budget_approval_ballot_comes_back_with_the_choices_kept(self, client, db):
        day = a_pb_day(db, ballot="approval")
        [code] = passes_for(db, day.round_id)
        picks = [str(p.id) for p in day.proposals[:3]]

        page = client.post("/kiosk/review", data={"code": code, "pick": picks})

        assert page.status_code == 422
        assert "Over budget" in page.text
        assert page.text.count("checked") == 3

    def test_the_qr_code_on_a_pass_opens_the_ballot(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        page = client.get(f"/kiosk?code={code}")

        assert "Review my choices" in page.text


class TestTheDesk:
    def test_a_steward_issues_a_pass_to_a_resident_of_the_area(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        page = client.post("/desk/passes", data={"csrf_token": token, "round_id": day.round_id,
                                                 "name": "Margaret Hughes", "postcode": "sk11 6aa"})

        assert page.status_code == 200
        code = re.search(r'id="pass-code">([A-Z0-9-]+)<', page.text).group(1)
        assert "<svg" in page.text  # the QR code
        assert client.post("/kiosk", data={"code": code}).status_code == 200

    def test_a_postcode_outside_the_area_is_refused(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        page = client.post("/desk/passes", data={"csrf_token": token, "round_id": day.round_id,
                                                 "name": "Visitor", "postcode": "M1 1AE"})

        assert page.status_code == 403
        assert "M1 1AE is outside this round&#39;s area (SK10, SK11)" in page.text

    def test_a_resident_gets_one_pass_only(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")
        resident = {"csrf_token": token, "round_id": day.round_id, "name": "Margaret Hughes", "postcode": "SK11 6AA"}
        client.post("/desk/passes", data=resident)

        again = client.post("/desk/passes", data={**resident, "name": "margaret  hughes", "postcode": "sk116aa"})

        assert again.status_code == 409
        assert "already has a pass" in again.text

    def test_nonsense_in_the_postcode_box_gets_a_message(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        page = client.post("/desk/passes", data={"csrf_token": token, "round_id": day.round_id,
                                                 "name": "Margaret Hughes", "postcode": "hello"})

        assert page.status_code == 422
        assert "does not look like a UK postcode" in page.text


class TestTheChairsSteps:
    def test_the_chair_creates_opens_closes_and_publishes_a_round(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        created = client.post("/manage/rounds", data={
            "csrf_token": token, "partnership_id": day.partnership.id,
            "title": "Macclesfield Neighbourhood Partnership — Community Fund 2026", "budget": "£100,000",
            "eligible_postcodes": "SK10/SK11", "ballot_kind": "scores", "score_max": "5"}, follow_redirects=False)
        assert created.status_code == 303
        round_id = int(created.headers["location"].rsplit("/", 1)[1])
        client.post(f"/manage/rounds/{round_id}/proposals",
                    data={"csrf_token": token, "title": "Green Gym", "cost": "16,000"})
        opened = client.post(f"/manage/rounds/{round_id}/open", data={"csrf_token": token})
        assert "Voting is open" in opened.text
        [code] = passes_for(db, round_id)
        [project] = client.get(f"/api/v1/rounds/{round_id}").json()["projects"]
        client.post(f"/api/v1/rounds/{round_id}/ballots", json={"pass": code, "scores": {str(project["id"]): 5}})

        client.post(f"/manage/rounds/{round_id}/close", data={"csrf_token": token})
        client.post(f"/manage/rounds/{round_id}/publish", data={"csrf_token": token})

        results = client.get(f"/api/v1/rounds/{round_id}/results").json()
        assert results["selected"] == [project["id"]]
        assert results["projects"][0]["score"] == 5
        assert "Funded" in client.get(f"/rounds/{round_id}/results").text

    def test_the_chair_chooses_equal_shares_for_an_approval_round(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        created = client.post("/manage/rounds", data={
            "csrf_token": token, "partnership_id": day.partnership.id, "title": "Green Streets", "budget": "20000",
            "ballot_kind": "approval", "counting_rule": "mes"}, follow_redirects=False)

        round_id = int(created.headers["location"].rsplit("/", 1)[1])
        assert client.get(f"/api/v1/rounds/{round_id}").json()["rule"] == "mes"

    def test_phragmen_on_a_scores_ballot_is_explained(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        page = client.post("/manage/rounds", data={
            "csrf_token": token, "partnership_id": day.partnership.id, "title": "Green Streets", "budget": "20000",
            "ballot_kind": "scores", "counting_rule": "phragmen"})

        assert page.status_code == 422
        assert "Phragmén counts approval ballots only" in page.text
        assert 'id="rule-phragmen" name="counting_rule" value="phragmen" checked' in page.text

    def test_a_bad_budget_is_explained_on_the_form(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")

        page = client.post("/manage/rounds", data={"csrf_token": token, "partnership_id": day.partnership.id,
                                                   "title": "Fund", "budget": "lots"})

        assert page.status_code == 422
        assert "Budget must be a whole number" in page.text
        assert 'value="Fund"' in page.text  # what was typed is kept

    def test_the_ballot_cannot_change_once_voting_has_opened(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "officer")

        page = client.post(f"/manage/rounds/{day.round_id}/proposals",
                           data={"csrf_token": token, "title": "Late idea", "cost": "500"})

        assert page.status_code == 409
        assert "once voting has opened" in page.text


class TestWhoMayDoWhat:
    """The role × route matrix for staff pages: (route, method, roles allowed)."""

    ROUTES = [
        ("/manage/rounds/{id}/open", "chair"),
        ("/manage/rounds/{id}/close", "chair"),
        ("/manage/rounds/{id}/publish", "chair"),
        ("/manage/rounds/{id}/proposals", "chair officer"),
        ("/desk/passes", "chair officer steward"),
    ]

    @pytest.mark.parametrize("route, allowed", ROUTES)
    @pytest.mark.parametrize("who", ["chair", "officer", "steward", "scrutiny", "outsider", "anonymous"])
    def test_each_staff_action_admits_only_its_roles(self, client, db, route, allowed, who):
        day = a_pb_day(db, open_vote=False)
        if who == "outsider":
            from tests.builders import a_partnership, a_staff_member

            with db.session(write=True) as session:
                other = a_partnership(session, name="Crewe", slug="crewe")
                a_staff_member(session, other, "chair", "outsider")
        token = sign_in(client, who) if who != "anonymous" else "no-token"
        data = {"csrf_token": token, "round_id": day.round_id, "name": "Ann Lee", "postcode": "SK10 1AA",
                "title": "Bench", "cost": "300"}

        response = client.post(route.format(id=day.round_id), data=data, follow_redirects=False)

        if who == "anonymous":
            assert response.status_code == 403  # no session, so no form token: refused before anything
        elif who in allowed.split():
            assert response.status_code not in (401, 403), response.text  # a 409 is the round's state talking
        else:
            assert response.status_code == 403, response.text

    def test_a_signed_out_visitor_is_sent_to_sign_in(self, client):
        response = client.get("/desk", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/desk"

    def test_a_form_without_its_token_is_refused(self, client, db):
        day = a_pb_day(db, open_vote=False)
        sign_in(client, "chair")

        response = client.post(f"/manage/rounds/{day.round_id}/open", data={})

        assert response.status_code == 403
        assert "form has expired" in response.text

    def test_a_wrong_password_is_refused_without_saying_which_part(self, client, db):
        a_pb_day(db, open_vote=False)
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

        response = client.post("/login", data={"username": "chair", "password": "nope", "csrf_token": token})

        assert response.status_code == 401
        assert "do not match an account" in response.text


class TestPublicPages:
    @pytest.mark.parametrize("path", ["/", "/rounds/{id}", "/rounds/{id}/results", "/kiosk", "/screen/{id}"])
    def test_public_pages_render(self, client, db, path):
        day = a_pb_day(db)

        response = client.get(path.format(id=day.round_id))

        assert response.status_code == 200
        assert "<main" in response.text

    def test_a_missing_page_is_a_friendly_404(self, client):
        response = client.get("/rounds/9999")

        assert response.status_code == 404
        assert "There is no round 9999." in response.text
        assert "text/html" in response.headers["content-type"]


class TestCheckingYourBallot:
    def test_a_voter_finds_their_ballot_as_cast_with_the_tracking_code(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        tracking = client.post(f"/api/v1/rounds/{day.round_id}/ballots", json={
            "pass": code, "scores": {str(day.proposals[2].id): 4}}).json()["tracking_code"]

        page = client.get(f"/rounds/{day.round_id}/check", params={"code": tracking.lower().replace("-", "")})

        assert page.status_code == 200
        assert f"Ballot {tracking} is in the ballot box" in page.text
        assert "Project 3" not in page.text  # no receipt that proves a vote to someone else
        assert "will be counted when voting closes" in page.text

    def test_an_unknown_tracking_code_says_so(self, client, db):
        day = a_pb_day(db)

        page = client.get(f"/rounds/{day.round_id}/check", params={"code": "AAAAA-BBBBB"})

        assert page.status_code == 404
        assert "No ballot with tracking code AAAAA-BBBBB" in page.text


class TestSigningIn:
    def sign_in_with(self, client, password):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        return client.post("/login", data={"username": "chair", "password": password, "csrf_token": token},
                           follow_redirects=False)

    def test_a_right_password_clears_earlier_mistakes(self, client, db):
        a_pb_day(db, open_vote=False)
        for _ in range(3):  # the mistakes allowed before the next try has to wait (see test_hardening)
            self.sign_in_with(client, "guess")
        assert self.sign_in_with(client, PASSWORD).status_code == 303
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/manage").text)})

        for _ in range(3):
            self.sign_in_with(client, "guess")

        assert self.sign_in_with(client, PASSWORD).status_code == 303
