"""Certified results: the chair certifies a published result, a second member confirms, the log is
signed there, the round is frozen, and the results page says who certified it and when."""

import json

import pytest
from sqlmodel import select

from core import audit
from core.audit import CLI_ACTOR, AuditCheckpoint, AuditEvent, verify_chain
from core.errors import Conflict, NotAllowed
from governance.models import Role
from governance.permissions import actor_for
from proposals.models import Proposal
from tests.builders import a_pb_day, a_staff_member, passes_for, sign_in
from tests.test_command_line import run_cli
from voting import certification, reconciliation
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.errors import NotCertified, RoundFrozen


def a_published_round(db, voters: int = 3, first_title: str | None = None, unused_passes: int = 0):
    day = a_pb_day(db, open_vote=first_title is None)
    if first_title is not None:
        with db.session(write=True) as session:
            proposal = session.get(Proposal, day.proposals[0].id)
            proposal.title = first_title  # written straight to the table: the form would refuse it
            session.add(proposal)
            voting_service.open_vote(session, CLI_ACTOR, day.round_id)
    for n, code in enumerate(passes_for(db, day.round_id, voters)):
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(scores={day.proposals[n % 4].id: 5}))
    if unused_passes:
        passes_for(db, day.round_id, unused_passes)
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, day.round_id)
        voting_service.publish_results(session, CLI_ACTOR, day.round_id)
    return day


def sign_off(db, day):
    with db.session(write=True) as session:
        reconciliation.sign_off(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")


def certify_and_confirm(db, day):
    sign_off(db, day)
    with db.session(write=True) as session:
        certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")
        certification.confirm(session, actor_for(day.officer, "officer"), day.round_id, name="Officer")


def actions(db, round_id: int) -> list[str]:
    with db.session() as session:
        return [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.subject == f"round:{round_id}")
                                               .order_by(AuditEvent.seq))]


class TestTheChairCertifiesAndASecondMemberConfirms:
    def test_both_steps_are_recorded_and_the_log_is_signed_at_the_confirmation(self, db):
        day = a_published_round(db)

        certify_and_confirm(db, day)

        with db.session() as session:
            record = certification.certification_of(session, day.round_id)
            assert record.is_confirmed and certification.is_certified(session, day.round_id)
            assert (record.certified_by, record.confirmed_by) == (f"staff:{day.chair.id}", f"staff:{day.officer.id}")
            checkpoint = session.get(AuditCheckpoint, record.checkpoint_seq)
            assert checkpoint.reason == f"results certified round:{day.round_id}"
            confirmed = session.exec(select(AuditEvent).where(AuditEvent.seq == record.checkpoint_seq)).one()
            assert confirmed.action == "results.certification_confirmed"
            assert verify_chain(session).ok
        assert actions(db, day.round_id)[-2:] == ["results.certified", "results.certification_confirmed"]

    def test_the_chair_cannot_confirm_their_own_certification(self, db):
        day = a_published_round(db)
        sign_off(db, day)
        with db.session(write=True) as session:
            certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

        with db.session(write=True) as session, pytest.raises(NotAllowed, match="second member"):
            certification.confirm(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

    def test_results_not_yet_published_cannot_be_certified(self, db):
        day = a_pb_day(db)

        with db.session(write=True) as session, pytest.raises(Conflict, match="once they are published"):
            certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

    def test_a_confirmation_needs_a_certification_first_and_happens_once(self, db):
        day = a_published_round(db)
        with db.session(write=True) as session, pytest.raises(Conflict, match="not certified these results yet"):
            certification.confirm(session, actor_for(day.officer, "officer"), day.round_id, name="Officer")
        certify_and_confirm(db, day)

        with db.session(write=True) as session, pytest.raises(Conflict, match="already certified"):
            certification.confirm(session, actor_for(day.officer, "officer"), day.round_id, name="Officer")
        with db.session(write=True) as session, pytest.raises(Conflict, match="already certified"):
            certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

    def test_a_certified_round_is_frozen(self, db):
        day = a_published_round(db)
        with db.session() as session:
            certification.refuse_if_frozen(session, day.round_id)  # published, not certified: not frozen
        sign_off(db, day)
        with db.session(write=True) as session:
            certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

        with db.session() as session, pytest.raises(RoundFrozen):
            certification.refuse_if_frozen(session, day.round_id)


class TestTheEventsReconciliationSheet:
    def test_it_adds_up_and_the_chair_signs_it_off_before_certifying(self, db, client):
        day = a_published_round(db, voters=3, unused_passes=2)  # two printed passes never used
        with db.session(write=True) as session, pytest.raises(Conflict, match="reconciliation sheet"):
            certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

        sign_off(db, day)

        with db.session() as session:
            figures = reconciliation.figures_of(reconciliation.signed_sheet(session, day.round_id))
        assert (figures["passes_issued"], figures["passes_used"], figures["passes_unused"]) == (
            {"desk": 0, "batch": 5}, 3, 2)
        assert figures["ballots_by_channel"] == {"kiosk": 0, "phone": 0, "online": 3, "paper": 0}
        assert figures["ballots_in_box"] == 3 and figures["adds_up"]
        page = client.get(f"/rounds/{day.round_id}/reconciliation").text
        assert "signed off by Chair" in page and "It adds up" in page
        assert actions(db, day.round_id)[-1] == "reconciliation.signed"

    def test_not_while_voting_is_open(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session, pytest.raises(Conflict, match="once voting has closed"):
            reconciliation.sign_off(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

    def test_not_twice(self, db):
        day = a_published_round(db)
        sign_off(db, day)
        with db.session(write=True) as session, pytest.raises(Conflict, match="already signed off"):
            reconciliation.sign_off(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")

    def test_a_sheet_that_does_not_add_up_is_refused_saying_why(self, db):
        from voting.models import ChannelCount

        day = a_published_round(db, voters=3)
        with db.session(write=True) as session:
            counter = session.get(ChannelCount, (day.round_id, "online"))
            counter.ballots = 2  # as if a counter had been lost
            session.add(counter)

        with db.session(write=True) as session, pytest.raises(Conflict, match="channels add up to 2 ballots"):
            reconciliation.sign_off(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")


class TestCertifyingOnTheWeb:
    def test_the_chair_certifies_the_officer_confirms_and_the_results_page_says_so(self, db, client):
        day = a_published_round(db)
        token = sign_in(client, "chair")
        page = client.get(f"/manage/rounds/{day.round_id}/certify")
        assert "Sign off the reconciliation sheet" in page.text and "Yes, certify" not in page.text
        signed = client.post(f"/manage/rounds/{day.round_id}/reconciliation", data={"csrf_token": token})
        assert "You signed off the reconciliation sheet" in signed.text
        assert "Yes, certify the results" in signed.text

        done = client.post(f"/manage/rounds/{day.round_id}/certify", data={"csrf_token": token},
                           follow_redirects=False)
        assert done.status_code == 303
        waiting = client.get(done.headers["location"]).text
        assert "someone else must confirm" in waiting
        assert "waiting for a second member" in client.get(f"/rounds/{day.round_id}/results").text

        client.post("/logout", data={"csrf_token": token})
        token = sign_in(client, "officer")
        confirmed = client.post(f"/manage/rounds/{day.round_id}/certify/confirm", data={"csrf_token": token})
        assert "certified and confirmed" in confirmed.text

        results = client.get(f"/rounds/{day.round_id}/results").text
        assert "Certified on" in results and "by Chair (chair), confirmed on" in results and "by Officer" in results
        assert audit.public_key_b64() in results
        assert f'href="/rounds/{day.round_id}/360giving.json"' in results

    def test_the_chair_confirming_their_own_certification_is_told_why_not(self, db, client):
        day = a_published_round(db)
        sign_off(db, day)
        token = sign_in(client, "chair")
        client.post(f"/manage/rounds/{day.round_id}/certify", data={"csrf_token": token})

        refused = client.post(f"/manage/rounds/{day.round_id}/certify/confirm", data={"csrf_token": token})

        assert refused.status_code == 403
        assert "the one who certified cannot confirm" in refused.text

    def test_a_steward_may_not_certify(self, db, client):
        day = a_published_round(db)
        token = sign_in(client, "steward")

        refused = client.post(f"/manage/rounds/{day.round_id}/certify", data={"csrf_token": token})

        assert refused.status_code == 403
        with db.session() as session:
            assert certification.certification_of(session, day.round_id) is None

    def test_certifying_before_publication_shows_the_reason_not_an_error_page(self, db, client):
        day = a_pb_day(db)
        token = sign_in(client, "chair")

        refused = client.post(f"/manage/rounds/{day.round_id}/certify", data={"csrf_token": token})

        assert refused.status_code == 409
        assert "once they are published" in refused.text


class TestCertifyingFromTheCommandLine:
    # The services are tested on both databases above; the command line is the same code.
    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_the_operator_certifies_and_a_named_member_confirms(self, db, database_url):
        day = a_published_round(db)
        with db.session(write=True) as session:
            member = a_staff_member(session, None, None, "member")
            from governance import service as governance_service
            governance_service.add_member(session, CLI_ACTOR, partnership_id=day.partnership.id,
                                          staff_id=member.id, role=Role.member)

        reconciled = run_cli(database_url, "round", "reconcile", str(day.round_id), "--sign")
        assert reconciled.returncode == 0, reconciled.stderr
        assert '"passes_used": 3' in reconciled.stdout
        certified = run_cli(database_url, "round", "certify", str(day.round_id))
        alone = run_cli(database_url, "round", "certify", str(day.round_id), "--confirm")
        steward = run_cli(database_url, "round", "certify", str(day.round_id), "--confirm", "--as", "steward")
        confirmed = run_cli(database_url, "round", "certify", str(day.round_id), "--confirm", "--as", "member")

        assert certified.returncode == 0, certified.stderr
        assert "a second member must confirm" in certified.stdout
        assert alone.returncode == 2 and "--as USERNAME" in alone.stderr
        assert steward.returncode == 2 and "Only a" in steward.stderr
        assert confirmed.returncode == 0, confirmed.stderr
        with db.session() as session:
            record = certification.certification_of(session, day.round_id)
            assert (record.certified_by, record.confirmed_by, record.confirmed_role) == (
                "cli", f"staff:{member.id}", "member")
            entries = session.exec(select(AuditEvent).where(AuditEvent.action.startswith("results.certif"))).all()
            assert [(e.actor_role, json.loads(e.payload).get("via")) for e in entries] == [("operator", "cli"),
                                                                                       ("member", "cli")]


class TestExportsWaitForCertification:
    def test_an_uncertified_round_is_refused_with_a_clear_message(self, db, client, database_url, tmp_path):
        day = a_published_round(db)

        for path in ("results.csv", "ballots.csv", "360giving.json"):
            refused = client.get(f"/rounds/{day.round_id}/{path}", headers={"Accept": "application/json"})
            assert refused.status_code == 409
            assert "not certified" in refused.json()["detail"]
        cli = run_cli(database_url, "export", "360giving", "--round", str(day.round_id), "-o", str(tmp_path / "g"))
        assert cli.returncode == 2
        assert "only for a certified round" in cli.stderr and "published but not yet certified" in cli.stderr
        assert not (tmp_path / "g").exists()
        with db.session() as session, pytest.raises(NotCertified):
            certification.require_certified(session, day.round_id, "A CSV export")
