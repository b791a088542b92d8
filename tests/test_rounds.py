"""A round's life on the engagement arc, and the storage promises it rests on."""

import json

import pytest
import sqlalchemy as sa

from core.audit import CLI_ACTOR
from core.errors import Conflict, InvalidInput
from governance import service as governance_service
from governance.models import PHASE_FLAGS, BallotKind, CountingRule, Phase
from governance.service import BallotSettings
from tests.builders import a_pb_day
from voting import register
from voting import service as voting_service
from voting.ballots import BallotChoices


class TestBallotSettings:
    def test_the_chair_can_change_the_ballot_before_voting_opens(self, db):
        day = a_pb_day(db, open_vote=False)

        with db.session(write=True) as session:
            changed = governance_service.change_ballot_settings(
                session, CLI_ACTOR, day.round_id, BallotSettings(ballot_kind=BallotKind.approval, max_picks=3))

        assert changed.ballot_kind == "approval" and changed.max_picks == 3

    def test_the_ballot_cannot_change_once_voting_has_opened(self, db):
        day = a_pb_day(db)

        with pytest.raises(Conflict, match="cannot change once voting has opened"), db.session(write=True) as session:
            governance_service.change_ballot_settings(session, CLI_ACTOR, day.round_id,
                                                      BallotSettings(score_max=10, score_min=0))

    @pytest.mark.parametrize("settings, message", [
        (BallotSettings(score_min=5, score_max=5), "lower to a higher"),
        (BallotSettings(score_min=0, score_max=11), "between 0 and 10"),
        (BallotSettings(ballot_kind=BallotKind.approval, max_picks=0), "at least one"),
    ])
    def test_impossible_settings_are_refused(self, db, settings, message):
        day = a_pb_day(db, open_vote=False)

        with pytest.raises(InvalidInput, match=message), db.session(write=True) as session:
            governance_service.change_ballot_settings(session, CLI_ACTOR, day.round_id, settings)


class TestTheArc:
    def test_opening_the_vote_moves_the_round_to_empower_and_results_to_deliver(self, db):
        day = a_pb_day(db, open_vote=False)
        assert day.round.phase == Phase.collaborate

        with db.session(write=True) as session:
            opened = voting_service.open_vote(session, CLI_ACTOR, day.round_id)
            assert (opened.phase, opened.highest_phase) == ("empower", "empower")
            assert "vote" in opened.flags
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            published = voting_service.publish_results(session, CLI_ACTOR, day.round_id)

        with db.session() as session:
            from governance.repository import get_round

            final = get_round(session, published.round_id)
        assert (final.phase, final.highest_phase, final.vote_status) == ("deliver", "deliver", "published")

    def test_every_phase_says_what_residents_may_do(self):
        assert set(PHASE_FLAGS) == set(Phase)
        assert "submit_proposals" in PHASE_FLAGS[Phase.involve]
        assert "vote" in PHASE_FLAGS[Phase.empower] and "vote" not in PHASE_FLAGS[Phase.consult]

    def test_a_round_with_no_proposals_cannot_open(self, db):
        day = a_pb_day(db, open_vote=False, costs=())

        with pytest.raises(Conflict, match="no proposals"), db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, day.round_id)


class TestStorage:
    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_sqlite_runs_in_wal_mode_and_syncs_every_commit(self, db):
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL

    def test_a_failed_command_leaves_no_trace(self, db):
        day = a_pb_day(db)
        with db.session() as session:
            before = session.exec(sa.text("SELECT COUNT(*) FROM audit_event")).scalar_one()

        with pytest.raises(Conflict), db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, day.round_id)  # already open

        with db.session() as session:
            assert session.exec(sa.text("SELECT COUNT(*) FROM audit_event")).scalar_one() == before


class RecordingBus:
    def __init__(self):
        self.events = []

    def publish(self, event):
        self.events.append(event)

    def subscribe(self, subscriber):
        pass


class TestEventsAfterCommit:
    def test_events_are_published_after_the_commit_and_never_for_a_rollback(self, database_url):
        from core.database import Database

        bus = RecordingBus()
        db = Database(database_url, bus)
        day = a_pb_day(db, open_vote=False)
        published_while_building = len(bus.events)

        with pytest.raises(RuntimeError), db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, day.round_id)
            assert len(bus.events) == published_while_building  # not before the commit
            raise RuntimeError("the request failed after the command")
        assert len(bus.events) == published_while_building  # rolled back: nothing to tell

        with db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, day.round_id)
        assert [e.action for e in bus.events[published_while_building:]] == ["round.phase_changed", "vote.opened"]
        db.dispose()


class TestTheRoundsCountingRule:
    """Three residents back two £50 projects; two back a third. Greedy gives the three everything;
    equal shares gives each group its share of the £100."""

    def vote_and_publish(self, db, rule):
        from tests.builders import passes_for
        from voting import repository as voting_repo

        day = a_pb_day(db, ballot="approval", budget=100, costs=(50, 50, 50), rule=rule)
        first, second, third = (p.id for p in day.proposals)
        ballots = [[first, second]] * 3 + [[third]] * 2
        for code, picks in zip(passes_for(db, day.round_id, len(ballots)), ballots, strict=True):
            with db.session(write=True) as session:
                voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                           choices=BallotChoices(approvals=picks))
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)
            voting_service.publish_results(session, CLI_ACTOR, day.round_id)
        with db.session() as session:
            outcome = json.loads(voting_repo.result_of(session, day.round_id).outcome)
        return outcome, (first, second, third)

    def test_greedy_funds_the_most_voted(self, db):
        outcome, (first, second, _) = self.vote_and_publish(db, "greedy")

        assert outcome["selected"] == [first, second]

    def test_equal_shares_funds_each_groups_share(self, db):
        outcome, (first, _, third) = self.vote_and_publish(db, "mes")

        assert outcome["rule"] == "mes"
        assert outcome["selected"] == [first, third]

    def test_phragmen_is_for_approval_ballots_only(self, db):
        day = a_pb_day(db, open_vote=False)

        with pytest.raises(InvalidInput, match="Phragmén counts approval ballots only"), \
                db.session(write=True) as session:
            governance_service.change_ballot_settings(
                session, CLI_ACTOR, day.round_id, BallotSettings(counting_rule=CountingRule.phragmen))


class TestTheRegister:
    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_the_register_and_the_ballot_box_keep_no_rowid_order_on_sqlite(self, db):
        with db.engine.connect() as conn:
            tables = dict(conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'voting_%'").all())

        for name in ("voting_pass", "voting_pass_use", "voting_ballot", "voting_idempotency"):
            assert tables[name].rstrip().endswith("WITHOUT ROWID"), name

    def test_two_stewards_cannot_give_one_resident_two_passes(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Lee", postcode="SK10 1AA")

        with pytest.raises(Conflict, match="already has a pass"), db.session(write=True) as session:
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="ann lee", postcode="sk101aa")

    def test_the_database_itself_refuses_a_second_pass_for_one_resident(self, db):
        from sqlalchemy.exc import IntegrityError

        from voting.models import VoterPass

        day = a_pb_day(db)
        twin = {"round_id": day.round_id, "holder_ref": "same-resident", "issued_on": "2026-11-26"}

        with pytest.raises(IntegrityError), db.session(write=True) as session:
            session.add(VoterPass(id="first", code_hash="h1", **twin))
            session.add(VoterPass(id="second", code_hash="h2", **twin))
            session.flush()
