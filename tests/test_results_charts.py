"""Results people want to look at: charts that need no JavaScript, turnout by channel (kiosk, own
phone, online) without the ballot box knowing which ballot came which way, and the tie-break rule
stated where a tie decided a place."""

import re

from sqlalchemy import text
from sqlmodel import select

from core.audit import CLI_ACTOR, AuditEvent
from tests.builders import a_pb_day, passes_for
from voting import service as voting_service
from voting.models import Ballot


def publish(db, round_id: int) -> None:
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, round_id)
        voting_service.publish_results(session, CLI_ACTOR, round_id)


def vote_by_api(client, round_id: int, code: str, scores: dict) -> None:
    response = client.post(f"/api/v1/rounds/{round_id}/ballots", json={"pass": code, "scores": scores})
    assert response.status_code == 201, response.text


def vote_at_the_kiosk(client, code: str, scores: dict, *, from_qr: bool = False) -> None:
    """A tablet types the pass in; a phone opens the address in the pass's QR code."""
    client.cookies.clear()
    ballot = client.get(f"/kiosk?code={code}") if from_qr else client.post("/kiosk", data={"code": code})
    assert ballot.status_code == 200
    review = client.post("/kiosk/review", data={"code": code, **{f"score-{p}": str(s) for p, s in scores.items()}})
    form = {k: v.replace("&#34;", '"') for k, v in
            re.findall(r'name="(choices_json|idempotency_key)" value="([^"]*)"', review.text)}
    receipt = client.post("/kiosk/confirm", data={"code": code, **form})
    assert "tracking-code" in receipt.text


def svg_rects(html: str, css_class: str) -> list[float]:
    return [float(w) for w in re.findall(rf'<rect class="{css_class}[^"]*" x="[^"]*" y="0" width="([^"]+)"', html)]


class TestChartsWithoutJavaScript:
    def test_the_budget_bar_has_a_segment_per_funded_project_as_wide_as_its_share(self, client, db):
        day = a_pb_day(db, costs=(60_000, 30_000, 20_000))  # 1 and 2 fit; 3 no longer does
        first, second = day.proposals[0].id, day.proposals[1].id
        for code in passes_for(db, day.round_id, 3):
            vote_by_api(client, day.round_id, code, {str(first): 5, str(second): 4})
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results")

        assert page.status_code == 200
        assert "<script" not in page.text.split("<main", 1)[1]  # the charts are drawn by the server
        assert svg_rects(page.text, "segment") == [600.0, 300.0]
        assert "Project 1: £60,000 (60%)" in page.text
        assert "Not allocated: £10,000" in page.text

    def test_each_project_has_a_support_bar_the_best_supported_full_length(self, client, db):
        day = a_pb_day(db)
        scores = {str(p.id): s for p, s in zip(day.proposals, (5, 4, 2, 1), strict=True)}
        for code in passes_for(db, day.round_id, 2):
            vote_by_api(client, day.round_id, code, scores)
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results")

        support_chart = page.text.split('id="support-chart-heading"', 1)[1].split("</section>", 1)[0]
        assert sorted(svg_rects(support_chart, "bar-fill"), reverse=True) == [1000, 800, 400, 200]
        assert "10 points · funded" in page.text


class TestTurnoutByChannel:
    def test_kiosk_phone_and_online_ballots_are_counted_apart(self, client, db):
        day = a_pb_day(db)
        codes = passes_for(db, day.round_id, 4)
        scores = {day.proposals[0].id: 5}
        vote_at_the_kiosk(client, codes[0], scores)
        vote_at_the_kiosk(client, codes[1], scores)
        vote_at_the_kiosk(client, codes[2], scores, from_qr=True)
        vote_by_api(client, day.round_id, codes[3], {str(day.proposals[0].id): 5})
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results").text

        assert re.search(r"At a tablet at the event</span>\s*<span class=\"bar-value\">2 ballots \(50%\)", page)
        assert re.search(r"On their own phone</span>\s*<span class=\"bar-value\">1 ballot \(25%\)", page)
        assert re.search(r"Online, through the open API</span>\s*<span class=\"bar-value\">1 ballot \(25%\)", page)

    def test_a_retried_confirm_is_counted_once(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        review = client.post("/kiosk/review", data={"code": code, f"score-{day.proposals[0].id}": "4"})
        form = {k: v.replace("&#34;", '"') for k, v in
                re.findall(r'name="(choices_json|idempotency_key)" value="([^"]*)"', review.text)}
        client.post("/kiosk/confirm", data={"code": code, **form})
        client.post("/kiosk/confirm", data={"code": code, **form})
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results").text

        assert re.search(r"At a tablet at the event</span>\s*<span class=\"bar-value\">1 ballot \(100%\)", page)

    def test_a_round_counted_before_channels_were_kept_shows_no_channels(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        vote_by_api(client, day.round_id, code, {str(day.proposals[0].id): 5})
        with db.session(write=True) as session:
            session.execute(text("DELETE FROM voting_channel_count"))  # as on a database from before
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results").text

        assert "How people voted" not in page

    def test_neither_the_ballot_nor_the_audit_log_records_the_channel(self, client, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        vote_at_the_kiosk(client, code, {day.proposals[0].id: 3}, from_qr=True)

        with db.session() as session:
            [ballot] = session.exec(select(Ballot)).all()
            entries = session.exec(select(AuditEvent).where(AuditEvent.action == "ballot.cast")).all()

        assert "channel" not in Ballot.model_fields
        assert "phone" not in ballot.choices
        assert entries and all("phone" not in entry.payload and "channel" not in entry.payload for entry in entries)


class TestTheTieBreakIsStated:
    def test_a_tie_that_decided_which_project_was_funded_is_explained(self, client, db):
        day = a_pb_day(db, ballot="approval", costs=(60_000, 60_000, 10_000))
        # Half the hall wants one big project, half the other; both cannot fit.
        first, second = day.proposals[0].id, day.proposals[1].id
        for n, code in enumerate(passes_for(db, day.round_id, 4)):
            vote_by_api_approval(client, day.round_id, code, [first if n % 2 else second])
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results").text

        assert "Where a tie decided a place" in page
        first = min(day.proposals[:2], key=lambda p: str(p.id))
        assert f"By the tie rule, {first.title} was considered first." in page
        assert page.count("(decided by a tie)") == 2

    def test_a_project_taken_after_the_tie_was_settled_is_not_said_to_be_decided_by_it(self, client, db):
        day = a_pb_day(db, ballot="approval", costs=(60_000, 60_000, 10_000))
        first, second, small = (p.id for p in day.proposals)
        # All three level on two votes: 1 is taken, 2 no longer fits, 3 fits whatever the order.
        for approvals in ([first, small], [second, small], [first], [second]):
            [code] = passes_for(db, day.round_id)
            vote_by_api_approval(client, day.round_id, code, approvals)
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results").text

        assert page.count("(decided by a tie)") == 2
        assert "Project 3 (reference" not in page

    def test_without_a_tie_only_the_rule_itself_is_stated(self, client, db):
        day = a_pb_day(db)
        for code in passes_for(db, day.round_id, 2):
            vote_by_api(client, day.round_id, code, {str(day.proposals[0].id): 5, str(day.proposals[1].id): 3})
        publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/results").text

        assert "If two projects are level, a rule fixed before the vote settles it" in page
        assert "Where a tie decided a place" not in page


def vote_by_api_approval(client, round_id: int, code: str, approvals: list[int]) -> None:
    response = client.post(f"/api/v1/rounds/{round_id}/ballots", json={"pass": code, "approvals": approvals})
    assert response.status_code == 201, response.text
