"""Scrutiny: every decision and ballot leaves a trace that anyone can verify, and tampering shows."""

import json

import pytest
import sqlalchemy as sa

from core import audit
from core.audit import CLI_ACTOR, verify_chain
from tests.builders import a_pb_day, passes_for
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.verification import verify_ballot_box


def vote(db, round_id, code, scores):
    with db.session(write=True) as session:
        return voting_service.cast_ballot(session, round_id=round_id, pass_code=code,
                                          choices=BallotChoices(scores=scores))


def a_finished_pb_day(db, voters=5):
    day = a_pb_day(db)
    for n, code in enumerate(passes_for(db, day.round_id, voters)):
        vote(db, day.round_id, code, {day.proposals[0].id: 5, day.proposals[1].id: 1 + n % 5})
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, day.round_id)
        voting_service.publish_results(session, CLI_ACTOR, day.round_id)
    return day


def tamper(db, sql, **params):
    """What someone with direct database access could do: switch off the guard and edit rows."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        conn.execute(sa.text(sql), params)


def check(db):
    with db.session() as session:
        report = verify_chain(session, trusted_key=audit.public_key_hex(audit.signing_key()))
        return report, (report.problem if not report.ok else verify_ballot_box(session))


class TestAnIntactLog:
    def test_a_whole_pb_day_verifies(self, db):
        a_finished_pb_day(db)

        report, problem = check(db)

        assert problem is None
        assert report.ok and report.checkpoints == 3  # opened, closed, published
        assert report.entries > 10

    def test_each_entry_links_to_the_one_before(self, db):
        a_finished_pb_day(db, voters=2)
        with db.session() as session:
            entries = session.exec(sa.select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).scalars().all()

        assert entries[0].prev_hash == audit.GENESIS_HASH
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))

    def test_ballot_entries_carry_no_pass_and_no_personal_data(self, db):
        day = a_finished_pb_day(db, voters=1)
        with db.session() as session:
            cast = session.exec(
                sa.select(audit.AuditEvent).where(audit.AuditEvent.action == "ballot.cast")).scalar_one()

        assert json.loads(cast.payload) == {"ballots": 1}  # a count: the ballot enters the log in a batch
        assert cast.actor_ref == "anonymous"
        assert cast.subject == f"round:{day.round_id}"


class TestTamperingIsCaught:
    def test_the_database_refuses_to_update_the_log(self, db):
        a_pb_day(db)

        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_event SET actor_ref = 'someone' WHERE seq = 1"))

    def test_an_altered_entry_is_named(self, db):
        a_finished_pb_day(db)
        tamper(db, "UPDATE audit_event SET payload = :p WHERE seq = 3", p='{"name":"Someone else"}')

        report, problem = check(db)

        assert not report.ok
        assert problem.startswith("entry 3 (")
        assert "was altered" in problem

    def test_a_removed_entry_is_caught(self, db):
        a_finished_pb_day(db)
        tamper(db, "DELETE FROM audit_event WHERE seq = 5")

        _, problem = check(db)

        assert "entry 5 is missing" in problem

    def test_a_removed_last_entry_is_caught_by_the_head(self, db):
        a_finished_pb_day(db)
        tamper(db, "DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)")

        _, problem = check(db)

        assert "entries were removed" in problem

    def test_a_rewritten_chain_fails_its_signed_checkpoint(self, db):
        """Rewriting an entry and re-hashing everything after it still breaks the signatures."""
        a_finished_pb_day(db)
        with db.session() as session:
            rows = [audit.entry_as_dict(e) for e in session.exec(
                sa.select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).scalars()]
        rows[1]["payload"] = '{"forged":true}'
        prev = rows[0]["hash"]
        for row in rows[1:]:
            row["prev_hash"] = prev
            row["hash"] = prev = audit.entry_hash(prev, **{k: row[k] for k in (
                "seq", "at", "actor_role", "actor_ref", "action", "subject", "payload")})
        with db.session() as session:
            checkpoints = [c.model_dump() for c in session.exec(sa.select(audit.AuditCheckpoint)).scalars()]

        report = audit.verify_entries(rows, checkpoints)

        assert not report.ok
        assert "checkpoint" in report.problem

    def test_an_altered_ballot_is_named(self, db):
        day = a_finished_pb_day(db)
        with db.session() as session:
            ballot = voting_service.voting_repo.ballots_of(session, day.round_id)[0]
        tamper(db, "UPDATE voting_ballot SET choices = :c WHERE id = :i",
               c=json.dumps({"scores": {str(day.proposals[2].id): 5}}), i=ballot.id)

        report, problem = check(db)

        assert report.ok  # the log itself is intact ...
        assert f"ballot {ballot.id}" in problem  # ... but the ballot no longer matches it

    def test_a_stuffed_ballot_is_caught(self, db):
        day = a_finished_pb_day(db)
        tamper(db, "INSERT INTO voting_ballot (id, round_id, nonce, choices, batch) "
                   "VALUES ('x1', :r, 'n', '{}', 1)", r=day.round_id)

        _, problem = check(db)

        assert "ballot x1" in problem

    def test_a_removed_ballot_is_caught(self, db):
        day = a_finished_pb_day(db)
        tamper(db, "DELETE FROM voting_ballot WHERE id IN (SELECT id FROM voting_ballot WHERE round_id = :r "
                   "ORDER BY id LIMIT 1)", r=day.round_id)

        _, problem = check(db)

        assert "missing from the ballot box" in problem
