"""Paper ballots on the PB day: the desk hands out sheets, two stewards enter each one, only sheets
entered alike are counted, and the event's books still add up."""

import json
import re

import pytest
from sqlmodel import select

from core import audit
from core.audit import CLI_ACTOR, Actor, AuditEvent
from core.errors import Conflict, InvalidInput
from governance.models import Role
from scrutiny.bundle import build_bundle
from scrutiny.offline_verify import verify_bundle
from tests.builders import a_pb_day, a_staff_member, csrf_from, passes_for, sign_in
from tests.test_ballot_secrecy import cast
from voting import paper, reconciliation, register
from voting import repository as voting_repo
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.errors import AlreadyHasPass, InvalidBallot, UnknownPass
from voting.models import Channel, PaperEntry
from voting.verification import verify_ballot_box

STEWARD_A = Actor(role="steward", ref="staff:101")
STEWARD_B = Actor(role="steward", ref="staff:102")
STEWARD_C = Actor(role="steward", ref="staff:103")


def hand_out(db, round_id: int, count: int) -> None:
    """The desk checks `count` residents in for paper."""
    with db.session(write=True) as session:
        for n in range(count):
            register.issue_pass(session, CLI_ACTOR, round_id=round_id, name=f"Paper Voter {'ABCDEFGHIJ'[n]}x",
                                postcode="SK10 1EA", different_person=True, paper=True)


def sheets(round_id: int, count: int) -> list[str]:
    return paper.new_sheet_numbers(round_id, count)


def enter(db, actor: Actor, round_id: int, number: str, choices: BallotChoices | None = None,
          spoilt: str | None = None):
    with db.session(write=True) as session:
        return paper.enter_sheet(session, actor, round_id=round_id, name=actor.ref, sheet=number, choices=choices,
                                 spoilt_reason=spoilt)


def scores(day, *values: int) -> BallotChoices:
    return BallotChoices(scores={p.id: v for p, v in zip(day.proposals, values, strict=False)})


def sheet_of(db, round_id: int) -> dict:
    with db.session() as session:
        return reconciliation.sheet(session, round_id)


def ballots_in_box(db, round_id: int) -> int:
    with db.session() as session:
        return voting_repo.ballot_count(session, round_id)


class TestSheetNumbers:
    def test_printed_numbers_are_accepted_however_they_are_typed(self, db):
        day = a_pb_day(db)
        [number] = sheets(day.round_id, 1)

        assert paper.read_sheet_number(day.round_id, number.lower().replace("-", " ")) == number

    def test_a_typo_or_another_rounds_number_is_refused_with_a_clear_message(self, db):
        day = a_pb_day(db)
        [number] = sheets(day.round_id, 1)
        typo = number[:-1] + ("A" if number[-1] != "A" else "B")

        with pytest.raises(InvalidInput, match="is not a sheet number printed for this round"):
            paper.read_sheet_number(day.round_id, typo)
        with pytest.raises(InvalidInput, match="is not a sheet number printed for this round"):
            paper.read_sheet_number(day.round_id + 1, number)

    def test_numbers_are_not_sequential(self, db):
        day = a_pb_day(db)
        numbers = sheets(day.round_id, 50)

        assert len(set(numbers)) == 50
        assert numbers != sorted(numbers)


class TestTheDeskHandsOutPaper:
    def test_a_resident_with_a_paper_sheet_cannot_also_get_a_pass(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Jones", postcode="SK10 1EA",
                                paper=True)
        with db.session(write=True) as session, pytest.raises(AlreadyHasPass, match="already taken a paper ballot"):
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Jones", postcode="SK10 1EA")

    def test_a_resident_with_a_pass_cannot_also_take_a_paper_sheet(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Jones", postcode="SK10 1EA")
        with db.session(write=True) as session, pytest.raises(AlreadyHasPass, match="already has a pass"):
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Jones", postcode="SK10 1EA",
                                paper=True)

    def test_a_paper_check_in_is_not_a_pass_and_records_no_sheet_number(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 2)

        with db.session() as session:
            assert voting_repo.passes_issued(session, day.round_id) == 0
            assert paper.sheets_handed_out(session, day.round_id) == 2
            logged = session.exec(select(AuditEvent).where(AuditEvent.action == "paper.sheet_handed_out")).all()
        assert [json.loads(e.payload) for e in logged] == [{"channel": "paper", "likely_match_overruled": True}] * 2
        assert sheet_of(db, day.round_id)["paper"]["handed_out"] == 2

    def test_the_desk_form_checks_a_resident_in_for_paper(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        done = client.post("/desk/passes", data={"csrf_token": token, "round_id": day.round_id, "name": "Ann Jones",
                                                 "postcode": "SK10 1EA", "paper": "yes"})
        again = client.post("/desk/passes", data={"csrf_token": token, "round_id": day.round_id,
                                                  "name": "Ann Jones", "postcode": "SK10 1EA"})

        assert "give the resident one paper ballot sheet" in done.text
        assert 'id="pass-code"' not in done.text
        assert again.status_code == 409
        assert "already taken a paper ballot" in again.text


class TestDoubleEntry:
    def test_two_stewards_entering_the_same_marks_put_one_ballot_in_the_box_on_the_paper_channel(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)

        first = enter(db, STEWARD_A, day.round_id, number, scores(day, 5, 3))
        assert (first.status, ballots_in_box(db, day.round_id)) == ("entered_once", 0)
        second = enter(db, STEWARD_B, day.round_id, number, scores(day, 5, 3))

        assert second.status == "counted"
        assert ballots_in_box(db, day.round_id) == 1
        with db.session() as session:
            assert voting_repo.channel_counts(session, day.round_id) == {Channel.paper.value: 1}
            [ballot] = voting_repo.ballots_of(session, day.round_id)
            entries = session.exec(select(PaperEntry)).all()
        assert json.loads(ballot.choices) == {"scores": {str(day.proposals[0].id): 5, str(day.proposals[1].id): 3}}
        # Once counted, the marks are in the box only: no sheet number stays beside them.
        assert [e.marks for e in entries] == [None, None]

    def test_the_same_steward_entering_a_sheet_twice_is_refused(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 5))

        with pytest.raises(Conflict, match="You have already entered sheet .* A different steward must enter it"):
            enter(db, STEWARD_A, day.round_id, number, scores(day, 5))
        assert ballots_in_box(db, day.round_id) == 0

    def test_a_mismatch_is_held_out_of_the_count_until_a_third_entry_agrees(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 5, 3))

        mismatch = enter(db, STEWARD_B, day.round_id, number, scores(day, 5, 2))
        assert mismatch.status == "mismatched"
        assert ballots_in_box(db, day.round_id) == 0
        assert sheet_of(db, day.round_id)["paper"]["unsettled"] == 1

        settled = enter(db, STEWARD_C, day.round_id, number, scores(day, 5, 2))
        assert settled.status == "counted"
        with db.session() as session:
            [ballot] = voting_repo.ballots_of(session, day.round_id)
        assert json.loads(ballot.choices)["scores"][str(day.proposals[1].id)] == 2

    def test_the_chair_can_settle_a_mismatch_by_choosing_the_entry_that_matches_the_paper(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 4))
        enter(db, STEWARD_B, day.round_id, number, scores(day, 1))
        with db.session() as session:
            first = session.exec(select(PaperEntry).order_by(PaperEntry.id)).first()

        with db.session(write=True) as session:
            record = paper.decide_sheet(session, Actor(role="chair", ref="staff:1"), round_id=day.round_id,
                                        sheet=number, entry_id=first.id)

        assert record.status == "counted" and record.decided_by == "staff:1"
        assert ballots_in_box(db, day.round_id) == 1

    def test_the_chair_can_record_a_mismatched_sheet_as_spoilt_but_not_settle_a_settled_one(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 4))
        enter(db, STEWARD_B, day.round_id, number, spoilt="two circles on project 1")
        chair = Actor(role="chair", ref="staff:1")

        with db.session(write=True) as session, pytest.raises(InvalidInput, match="Say why"):
            paper.decide_sheet(session, chair, round_id=day.round_id, sheet=number, entry_id=None, spoilt_reason=" ")
        with db.session(write=True) as session:
            paper.decide_sheet(session, chair, round_id=day.round_id, sheet=number, entry_id=None,
                               spoilt_reason="Two scores circled for project 1")
        with db.session(write=True) as session, pytest.raises(Conflict, match="not waiting for a decision: it is"):
            paper.decide_sheet(session, chair, round_id=day.round_id, sheet=number, entry_id=None,
                               spoilt_reason="again")

        [view] = paper_overview(db, day.round_id)
        assert (view.status, view.decided) == ("spoilt", True)
        assert view.spoilt_reason == "Two scores circled for project 1 (decided by the chair)"
        assert ballots_in_box(db, day.round_id) == 0

    def test_a_sheet_both_stewards_call_spoilt_is_recorded_with_its_reason_and_not_counted(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, spoilt="The voter wrote their name on it")

        done = enter(db, STEWARD_B, day.round_id, number, spoilt="name written on the sheet")

        assert done.status == "spoilt"
        assert ballots_in_box(db, day.round_id) == 0
        [view] = paper_overview(db, day.round_id)
        assert view.spoilt_reason == "The voter wrote their name on it"
        assert sheet_of(db, day.round_id)["paper"]["spoilt"] == 1

    def test_invalid_marks_get_the_kiosks_own_message(self, db):
        day = a_pb_day(db, ballot="approval", costs=(60_000, 50_000, 10_000))
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)

        with pytest.raises(InvalidBallot, match="Over budget: your choices cost £110,000, more than the £100,000"):
            enter(db, STEWARD_A, day.round_id, number, BallotChoices(approvals=[p.id for p in day.proposals[:2]]))

    def test_a_counted_sheet_cannot_be_entered_again(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 2))
        enter(db, STEWARD_B, day.round_id, number, scores(day, 2))

        with pytest.raises(Conflict, match="is already counted"):
            enter(db, STEWARD_C, day.round_id, number, scores(day, 2))

    def test_no_more_sheets_can_be_entered_than_the_desk_handed_out(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        one, two = sheets(day.round_id, 2)
        enter(db, STEWARD_A, day.round_id, one, scores(day, 2))

        with pytest.raises(Conflict, match="handed out 1 paper sheet"):
            enter(db, STEWARD_A, day.round_id, two, scores(day, 2))

    def test_the_public_log_names_the_stewards_but_holds_no_marks(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 5, 4, 3))
        enter(db, STEWARD_B, day.round_id, number, scores(day, 5, 4, 3))

        with db.session() as session:
            paper_entries = session.exec(select(AuditEvent).where(AuditEvent.action.like("paper.%"))).all()
        keyed = [(e.action, e.actor_ref) for e in paper_entries if e.action == "paper.sheet_entered"]
        assert keyed == [("paper.sheet_entered", "staff:101"), ("paper.sheet_entered", "staff:102")]
        for entry in paper_entries:
            assert "scores" not in entry.payload and str(day.proposals[0].id) + '":' not in entry.payload


class TestStewardsAtTheSameMoment:
    def test_six_second_entries_of_one_sheet_at_once_count_it_once(self, db):
        import threading
        from concurrent.futures import ThreadPoolExecutor

        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 3, 3))
        stewards = [Actor(role="steward", ref=f"staff:{200 + n}") for n in range(6)]
        start_line = threading.Barrier(len(stewards))

        def second_entry(actor):
            start_line.wait()
            try:
                return enter(db, actor, day.round_id, number, scores(day, 3, 3)).status
            except Conflict as refused:
                return refused.message

        with ThreadPoolExecutor(max_workers=len(stewards)) as pool:
            outcomes = list(pool.map(second_entry, stewards))

        assert outcomes.count("counted") == 1
        assert all("is already counted" in o for o in outcomes if o != "counted")
        assert ballots_in_box(db, day.round_id) == 1
        with db.session() as session:
            assert verify_ballot_box(session) is None


def paper_overview(db, round_id):
    with db.session() as session:
        return paper.overview(session, round_id)


class TestClosingWaitsForPaper:
    def test_closing_is_refused_listing_sheets_entered_once_or_mismatched(self, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 2)
        once, differ = sheets(day.round_id, 2)
        enter(db, STEWARD_A, day.round_id, once, scores(day, 1))
        enter(db, STEWARD_A, day.round_id, differ, scores(day, 1))
        enter(db, STEWARD_B, day.round_id, differ, scores(day, 2))

        with db.session(write=True) as session, pytest.raises(Conflict) as refused:
            voting_service.start_closing(session, CLI_ACTOR, day.round_id, 0)
        assert once in refused.value.message and "entered once" in refused.value.message
        assert differ in refused.value.message and "different marks" in refused.value.message

        enter(db, STEWARD_B, day.round_id, once, scores(day, 1))
        enter(db, STEWARD_C, day.round_id, differ, scores(day, 2))
        with db.session(write=True) as session:
            voting_service.start_closing(session, CLI_ACTOR, day.round_id, 0)

    def test_the_chairs_close_page_shows_the_refusal(self, client, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 1))
        token = sign_in(client, "chair")

        page = client.post(f"/manage/rounds/{day.round_id}/close", data={"csrf_token": token, "grace_minutes": "0"})

        assert page.status_code == 409
        assert f"sheet {number} (entered once" in page.text


    def test_the_close_page_lists_unsettled_sheets_before_the_chair_presses(self, client, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 2)
        once, counted = sheets(day.round_id, 2)
        enter(db, STEWARD_A, day.round_id, once, scores(day, 1))
        enter(db, STEWARD_A, day.round_id, counted, scores(day, 2))
        enter(db, STEWARD_B, day.round_id, counted, scores(day, 2))
        sign_in(client, "chair")

        page = client.get(f"/manage/rounds/{day.round_id}/close").text

        assert f"Sheet {once}: entered once" in page and f"Sheet {counted}:" not in page
        assert f'href="/manage/rounds/{day.round_id}/paper"' in page
        assert "Yes, close voting" not in page  # no button that could only be refused
        # The paper ballot is counted as paper, not as a ballot cast from a pass.
        assert "1 ballot has been cast: 0 on tablets and phones" in page and "and 1 on paper" in page

    def test_the_close_page_warns_of_sheets_handed_out_and_never_entered(self, client, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 3)
        [number, _, _] = sheets(day.round_id, 3)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 2))
        enter(db, STEWARD_B, day.round_id, number, scores(day, 2))
        sign_in(client, "chair")

        page = client.get(f"/manage/rounds/{day.round_id}/close").text

        # Not a refusal (sheets taken home are never coming back), but said before the chair closes.
        assert "2 paper sheets handed out at the desk have not been entered" in page
        assert "Yes, close voting" in page

    def test_no_sheets_are_printed_for_a_round_whose_voting_has_closed(self, client, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            voting_service.start_closing(session, CLI_ACTOR, day.round_id, 0)
        sign_in(client, "steward")

        page = client.get(f"/manage/rounds/{day.round_id}/paper-ballots?count=2")

        assert page.status_code == 409 and "no more paper ballots can be printed" in page.text
        assert "Sheet number</span>" not in page.text

class TestTheBooksAddUp:
    def test_passes_and_paper_together_add_up_to_the_box_and_the_round_verifies(self, db, tmp_path):
        day = a_pb_day(db)
        for code in passes_for(db, day.round_id, 3):
            cast(db, day.round_id, code, scores(day, 3, 3))
        hand_out(db, day.round_id, 4)
        counted_one, counted_two, spoilt, _not_returned = sheets(day.round_id, 4)
        for number in (counted_one, counted_two):
            enter(db, STEWARD_A, day.round_id, number, scores(day, 1, 5))
            enter(db, STEWARD_B, day.round_id, number, scores(day, 1, 5))
        enter(db, STEWARD_A, day.round_id, spoilt, spoilt="two scores for one project")
        enter(db, STEWARD_B, day.round_id, spoilt, spoilt="two scores for one project")
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)

        figures = sheet_of(db, day.round_id)
        assert figures["adds_up"], figures["problems"]
        assert figures["passes_used"] == 3
        assert figures["ballots_by_channel"]["paper"] == 2
        assert figures["ballots_in_box"] == 5
        assert figures["paper"] == {"handed_out": 4, "entered": 3, "counted": 2, "spoilt": 1, "unsettled": 0,
                                    "not_returned": 1}
        with db.session() as session:
            assert verify_ballot_box(session) is None
            assert voting_repo.result_of(session, day.round_id).ballots_counted == 5
            data = build_bundle(session, day.round_id)
        path = tmp_path / "bundle.zip"
        path.write_bytes(data)
        verify_bundle(str(path), audit.public_key_b64())

    def test_the_chair_signs_off_a_sheet_with_paper_rows(self, client, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 4))
        enter(db, STEWARD_B, day.round_id, number, scores(day, 4))
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)
        token = sign_in(client, "chair")

        client.post(f"/manage/rounds/{day.round_id}/reconciliation", data={"csrf_token": token})
        page = client.get(f"/rounds/{day.round_id}/reconciliation")
        results = client.get(f"/rounds/{day.round_id}/results")

        assert "signed off by" in page.text
        assert re.search(r"Ballots on paper, entered alike by two stewards or settled by the chair</th><td>1<",
                         page.text)
        assert re.search(r"Sheets handed out at the desk</th><td>1<", page.text)
        assert "It adds up" in page.text
        assert "On a paper ballot, entered alike by two stewards or settled by the chair" in results.text


class TestThePages:
    def test_two_stewards_enter_a_sheet_through_the_form(self, client, db, app):
        from fastapi.testclient import TestClient

        day = a_pb_day(db)
        with db.session(write=True) as session:
            a_staff_member(session, day.partnership, Role.steward, "steward2")
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        form = {"sheet": number, f"score-{day.proposals[0].id}": "4", f"score-{day.proposals[2].id}": "2"}

        token = sign_in(client, "steward")
        first = client.post(f"/manage/rounds/{day.round_id}/paper", data={"csrf_token": token, **form})
        twice = client.post(f"/manage/rounds/{day.round_id}/paper", data={"csrf_token": token, **form})
        with TestClient(app) as other:
            other_token = sign_in(other, "steward2")
            second = other.post(f"/manage/rounds/{day.round_id}/paper", data={"csrf_token": other_token, **form})

        assert "entered once: a different steward must enter it again" in first.text
        assert twice.status_code == 409 and "You have already entered sheet" in twice.text
        assert 'value="4"' in twice.text  # what was typed is kept
        assert "matches the first entry: it is counted" in second.text
        assert ballots_in_box(db, day.round_id) == 1

    def test_over_budget_marks_are_shown_with_the_kiosks_message(self, client, db):
        day = a_pb_day(db, ballot="approval", costs=(60_000, 50_000, 10_000))
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        token = sign_in(client, "steward")

        page = client.post(f"/manage/rounds/{day.round_id}/paper",
                           data={"csrf_token": token, "sheet": number, "pick": [str(p.id) for p in day.proposals[:2]]})

        assert page.status_code == 422
        assert "Over budget" in page.text

    def test_a_bad_sheet_number_is_explained_not_a_500(self, client, db):
        day = a_pb_day(db)
        token = sign_in(client, "steward")

        page = client.post(f"/manage/rounds/{day.round_id}/paper", data={"csrf_token": token, "sheet": "<b>x</b>"})

        assert page.status_code == 422
        assert "is not a sheet number printed for this round" in page.text
        assert "<b>x</b>" not in page.text

    def test_the_print_page_lists_the_ballots_projects_in_order_with_unique_numbers(self, client, db):
        day = a_pb_day(db, ballot="ranking")
        sign_in(client, "officer")

        page = client.get(f"/manage/rounds/{day.round_id}/paper-ballots?count=3")
        bad = client.get(f"/manage/rounds/{day.round_id}/paper-ballots?count=lots")

        numbers = re.findall(r"Sheet number</span> <strong>([A-Z0-9-]+)</strong>", page.text)
        assert len(set(numbers)) == 3
        titles = re.findall(r'<th scope="row">(Project \d)</th>', page.text)
        assert titles[:4] == [p.title for p in day.proposals]
        assert "Write 1 in the box of the project you want most" in page.text
        assert bad.status_code == 422 and "whole number from 1 to 500" in bad.text

    @pytest.mark.parametrize("kind, words", [("approval", "Put a tick in the box"), ("scores", "circling one number"),
                                             ("points", "You have 10 points to share out")])
    def test_each_ballot_kind_has_plain_instructions(self, client, db, kind, words):
        day = a_pb_day(db, ballot=kind)
        sign_in(client, "steward")

        assert words in client.get(f"/manage/rounds/{day.round_id}/paper-ballots?count=1").text

    def test_sheets_can_carry_welsh_beside_english(self, client, db):
        day = a_pb_day(db, ballot="approval")
        sign_in(client, "steward")

        page = client.get(f"/manage/rounds/{day.round_id}/paper-ballots?count=1&welsh=yes").text

        assert "Put a tick in the box of each project you want" in page
        assert '<div lang="cy">' in page and "Rhowch dic ym mlwch pob prosiect" in page
        assert "Peidiwch ag ysgrifennu eich enw" in page

    def test_only_those_who_enter_paper_see_the_link_on_the_desk(self, client, db):
        day = a_pb_day(db)
        sign_in(client, "officer")
        officer_desk = client.get(f"/desk?round_id={day.round_id}").text
        client.post("/logout", data={"csrf_token": csrf_from(officer_desk)})
        sign_in(client, "steward")
        steward_desk = client.get(f"/desk?round_id={day.round_id}").text

        assert "Enter paper ballots" not in officer_desk
        assert "Print paper ballots" in officer_desk
        assert "Enter paper ballots" in steward_desk
        assert client.get(f"/manage/rounds/{day.round_id}/paper").status_code == 200

    def test_the_chair_settles_a_mismatch_from_the_page_and_a_steward_cannot(self, client, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 1)
        [number] = sheets(day.round_id, 1)
        enter(db, STEWARD_A, day.round_id, number, scores(day, 4))
        enter(db, STEWARD_B, day.round_id, number, scores(day, 1))
        with db.session() as session:
            second = session.exec(select(PaperEntry).order_by(PaperEntry.id.desc())).first()
        token = sign_in(client, "steward")
        steward_page = client.get(f"/manage/rounds/{day.round_id}/paper").text
        refused = client.post(f"/manage/rounds/{day.round_id}/paper/decide",
                              data={"csrf_token": token, "sheet": number, "entry": str(second.id)})
        client.post("/logout", data={"csrf_token": token})
        token = sign_in(client, "chair")
        chair_page = client.get(f"/manage/rounds/{day.round_id}/paper").text

        settled = client.post(f"/manage/rounds/{day.round_id}/paper/decide",
                              data={"csrf_token": token, "sheet": number, "entry": str(second.id)})

        assert refused.status_code == 403
        assert "Project 1: 4" not in steward_page  # stewards do not see earlier marks: a third entry stays blind
        assert "Project 1: 4" in chair_page and "Project 1: 1" in chair_page
        assert f"Sheet {number} is counted" in settled.text
        with db.session() as session:
            [ballot] = voting_repo.ballots_of(session, day.round_id)
        assert json.loads(ballot.choices) == {"scores": {str(day.proposals[0].id): 1}}

    def test_a_refused_decision_is_explained_beside_its_sheet_with_the_choice_kept(self, client, db):
        day = a_pb_day(db)
        hand_out(db, day.round_id, 2)
        first, second = sheets(day.round_id, 2)
        for number in (first, second):
            enter(db, STEWARD_A, day.round_id, number, scores(day, 4))
            enter(db, STEWARD_B, day.round_id, number, scores(day, 1))
        token = sign_in(client, "chair")

        refused = client.post(f"/manage/rounds/{day.round_id}/paper/decide",
                              data={"csrf_token": token, "sheet": second, "entry": "spoilt", "reason": ""})

        assert refused.status_code == 422
        forms = refused.text.split('action="/manage/rounds/')
        [other_form] = [f for f in forms if f'name="sheet" value="{first}"' in f]
        [this_form] = [f for f in forms if f'name="sheet" value="{second}"' in f]
        assert 'class="field-error"' in this_form and 'value="spoilt" checked' in this_form
        assert 'class="field-error"' not in other_form and "checked" not in other_form

    def test_an_officer_cannot_enter_paper(self, client, db):
        day = a_pb_day(db)
        sign_in(client, "officer")

        assert client.get(f"/manage/rounds/{day.round_id}/paper").status_code == 403


class TestAPaperCheckInIsNoPass:
    def test_its_code_would_not_open_a_ballot(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            issued = register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Jones",
                                         postcode="SK10 1EA", paper=True)
        with db.session() as session, pytest.raises(UnknownPass):
            register.check_pass(session, issued.code)
