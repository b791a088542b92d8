"""A round's life as a state machine: Hypothesis opens, votes, reuses passes, sends bad ballots,
closes and publishes in every order it likes; the round must always do what a model of the rules
says, and the audit log must verify at the end of every run."""

import shutil
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core import audit
from core.audit import CLI_ACTOR
from core.database import Database
from core.errors import Conflict
from tests.builders import a_pb_day
from tests.conftest import _reset_postgres
from voting import register, service
from voting import repository as voting_repo
from voting.ballots import BallotChoices
from voting.errors import InvalidBallot, PassAlreadyUsed, VoteNotOpen
from voting.verification import verify_ballot_box

STEPS = {"open": (service.open_vote, "draft", "open"), "close": (service.close_vote, "open", "closed"),
         "publish": (service.publish_results, "closed", "published")}


class RoundLife(RuleBasedStateMachine):
    fresh_database = None  # set by the test: () -> Database

    passes = Bundle("passes")

    @initialize()
    def a_round_with_four_proposals(self):
        self.db = type(self).fresh_database()
        day = a_pb_day(self.db, open_vote=False)
        self.round_id, self.projects = day.round_id, [p.id for p in day.proposals]
        self.status, self.used, self.accepted = "draft", set(), 0

    @rule(target=passes)
    def steward_issues_a_pass(self):
        if self.status not in ("draft", "open"):
            with pytest.raises(VoteNotOpen), self.db.session(write=True) as session:
                register.issue_passes(session, CLI_ACTOR, round_id=self.round_id, count=1)
            return "NO-PASS"
        with self.db.session(write=True) as session:
            return register.issue_passes(session, CLI_ACTOR, round_id=self.round_id, count=1)[0].code

    @rule(code=passes, score=st.integers(min_value=-1, max_value=7), which=st.integers(min_value=0, max_value=3))
    def resident_votes(self, code, score, which):
        choices = BallotChoices(scores={self.projects[which]: score})
        expected = (VoteNotOpen if self.status != "open" else
                    service.UnknownPass if code == "NO-PASS" else
                    PassAlreadyUsed if code in self.used else
                    InvalidBallot if not 1 <= score <= 5 else None)
        if expected is not None:
            with pytest.raises(expected), self.db.session(write=True) as session:
                service.cast_ballot(session, round_id=self.round_id, pass_code=code, choices=choices)
            return
        with self.db.session(write=True) as session:
            service.cast_ballot(session, round_id=self.round_id, pass_code=code, choices=choices)
        self.used.add(code)
        self.accepted += 1

    @rule(step=st.sampled_from(sorted(STEPS)))
    def chair_takes_a_step(self, step):
        command, needs, becomes = STEPS[step]
        if self.status != needs:
            with pytest.raises(Conflict), self.db.session(write=True) as session:
                command(session, CLI_ACTOR, self.round_id)
            return
        with self.db.session(write=True) as session:
            command(session, CLI_ACTOR, self.round_id)
        self.status = becomes

    @invariant()
    def every_accepted_ballot_is_in_the_box(self):
        if hasattr(self, "db"):
            with self.db.session() as session:
                assert voting_repo.ballot_count(session, self.round_id) == self.accepted

    def teardown(self):
        if hasattr(self, "db"):
            with self.db.session() as session:
                report = audit.verify_chain(session)
                assert report.ok, report.problem
                assert verify_ballot_box(session) is None
            self.db.dispose()


def test_a_rounds_life_follows_the_rules(database_url, tmp_path, sqlite_template):
    def fresh_database() -> Database:
        if database_url.startswith("sqlite"):
            path = tmp_path / f"{uuid.uuid4().hex}.db"
            shutil.copy(sqlite_template, path)
            return Database(f"sqlite:///{path}")
        _reset_postgres(database_url)
        return Database(database_url)

    RoundLife.fresh_database = staticmethod(fresh_database)
    run_state_machine_as_test(RoundLife, settings=settings(
        max_examples=15, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
