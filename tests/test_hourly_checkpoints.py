"""While a vote is open the log is signed at least hourly, even when no ballot arrives: a background
task in every worker looks each minute, and one checkpoint is taken per open round and hour however
many workers look. The clock is passed in, so no test waits an hour."""

import asyncio
import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core import audit
from core.audit import AuditCheckpoint, AuditEvent, AuditHourlyMark
from core.database import Database
from scrutiny.bundle import build_bundle
from scrutiny.offline_verify import verify_bundle
from tests.builders import a_pb_day, passes_for
from tests.test_ballot_secrecy import cast, close_and_publish
from voting import hourly
from voting.ballots import BallotChoices


def now() -> datetime:
    # Read when a test runs, not when the module is imported: a long parallel run starts many
    # minutes after collection, and the vote opens at the test's own moment.
    return datetime.now(UTC)


def hourly_entries(db) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "vote.checkpointed")
                                 .order_by(AuditEvent.seq)))


def checkpoints(db) -> list[AuditCheckpoint]:
    with db.session() as session:
        return list(session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))


class TestAnOpenVoteIsSignedHourly:
    def test_an_hour_after_opening_with_no_ballot_a_checkpoint_is_signed(self, db):
        day = a_pb_day(db)

        signed = hourly.sign_due_rounds(db, now() + timedelta(hours=1, minutes=1))

        assert signed == [day.round_id]
        [entry] = hourly_entries(db)
        assert entry.subject == f"round:{day.round_id}" and entry.actor_role == "system"
        newest = checkpoints(db)[-1]
        assert newest.seq == entry.seq and newest.reason == f"hourly while round:{day.round_id} is open"

    def test_not_within_the_hour_the_vote_opened(self, db):
        a_pb_day(db)

        assert hourly.sign_due_rounds(db, now() + timedelta(minutes=50)) == []
        assert hourly_entries(db) == []

    def test_once_per_hour_then_again_the_next_hour(self, db):
        day = a_pb_day(db)
        first = now() + timedelta(hours=1, minutes=1)

        hourly.sign_due_rounds(db, first)
        again = hourly.sign_due_rounds(db, first + timedelta(minutes=1))
        next_hour = hourly.sign_due_rounds(db, first + timedelta(hours=1, minutes=1))

        assert again == [] and next_hour == [day.round_id]
        assert len(hourly_entries(db)) == 2
        with db.session() as session:
            hours = [m.hour for m in session.exec(select(AuditHourlyMark).order_by(AuditHourlyMark.hour))]
        assert hours == [audit.hour_of(first), audit.hour_of(first + timedelta(hours=1, minutes=1))]

    def test_a_closed_or_never_opened_round_is_not_signed(self, db):
        a_pb_day(db, open_vote=False)

        assert hourly.sign_due_rounds(db, now() + timedelta(hours=5)) == []

    def test_a_ballots_own_lazy_checkpoint_counts_for_the_hour(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            audit.append(session, audit.VOTER, "ballot.cast", f"round:{day.round_id}", {"ballots": 1})
            audit.checkpoint(session, f"hourly while round:{day.round_id} is open")

        assert hourly.sign_due_rounds(db, now() + timedelta(minutes=59)) == []


class TestSeveralWorkers:
    def test_workers_looking_at_the_same_moment_take_one_checkpoint(self, db, database_url):
        day = a_pb_day(db)
        workers = [Database(database_url) for _ in range(3)]
        moment = now() + timedelta(hours=1, minutes=1)
        results, start = [], threading.Barrier(len(workers))

        def look(worker):
            start.wait()
            results.append(hourly.sign_due_rounds(worker, moment))

        threads = [threading.Thread(target=look, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for w in workers:
            w.dispose()

        assert sorted(results, key=len) == [[], [], [day.round_id]]
        assert len(hourly_entries(db)) == 1

    def test_the_background_task_signs_with_the_clock_it_is_given(self, db):
        day = a_pb_day(db)
        moment = now() + timedelta(hours=2)

        async def run_briefly():
            task = asyncio.create_task(hourly.keep_signing(db, 0.01, clock=lambda: moment))
            for _ in range(200):  # until the task has looked a few times (no fixed sleep)
                await asyncio.sleep(0.01)
                if hourly_entries(db):
                    break
            await asyncio.sleep(0.05)  # a few more looks: still one checkpoint this hour
            task.cancel()

        # A thread of its own: a browser test earlier in this worker may leave a loop running here.
        runner = threading.Thread(target=asyncio.run, args=(run_briefly(),))
        runner.start()
        runner.join()

        [entry] = hourly_entries(db)
        assert entry.subject == f"round:{day.round_id}"


class TestVerified:
    def test_audit_verify_and_the_offline_bundle_check_the_hourly_checkpoints(self, db, tmp_path):
        day = a_pb_day(db)
        hourly.sign_due_rounds(db, now() + timedelta(hours=1, minutes=1))
        for n, code in enumerate(passes_for(db, day.round_id, 3)):
            cast(db, day.round_id, code, BallotChoices(scores={day.proposals[n].id: 3}))
        hourly.sign_due_rounds(db, now() + timedelta(hours=2, minutes=1))
        close_and_publish(db, day.round_id)

        with db.session() as session:
            report = audit.verify_chain(session)
            bundle = build_bundle(session, day.round_id)
        path = tmp_path / "bundle.zip"
        path.write_bytes(bundle)
        offline = verify_bundle(str(path), audit.public_key_b64())

        assert report.ok, report.problem
        assert offline.round_id == day.round_id
        hourly_seqs = {e.seq for e in hourly_entries(db)}
        assert len(hourly_seqs) == 2 and hourly_seqs <= {c.seq for c in checkpoints(db)}
