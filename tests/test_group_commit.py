"""A hall presses Confirm at once: ballots that arrive together share one transaction and one
commit, and each voter still gets exactly their own answer."""

import contextlib
import json
import threading

import pytest
import sqlalchemy as sa
from sqlmodel import select

from core import audit
from core.audit import CLI_ACTOR, AuditEvent, verify_chain
from core.bus import DomainEvent
from core.database import Database
from core.errors import Conflict
from core.group_commit import GroupCommit, at_group_end, group_commit
from tests.builders import a_pb_day, passes_for
from voting import casting
from voting import repository as voting_repo
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.errors import PassAlreadyUsed


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[DomainEvent] = []

    def publish(self, event: DomainEvent) -> None:
        self.published.append(event)

    def subscribe(self, subscriber) -> None:
        pass


def _all_at_once(count: int, target) -> list:
    """`count` threads released together, each calling target(n); their answers or errors."""
    answers: list = [None] * count
    start = threading.Barrier(count)

    def run(n: int) -> None:
        start.wait()
        try:
            answers[n] = target(n)
        except Exception as error:  # noqa: BLE001 - the test looks at what each caller got
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


class TestAHallVotingAtOnce:
    def test_every_ballot_acknowledged_is_in_the_box_and_the_log_holds_together(self, db):
        day = a_pb_day(db, ballot="approval")
        codes = passes_for(db, day.round_id, 40)
        queue = group_commit(db)
        groups_before, works_before = queue.groups, queue.works

        receipts = _all_at_once(40, lambda n: casting.cast_with_replay(
            db, round_id=day.round_id, code=codes[n], choices=BallotChoices(approvals=[day.proposals[0].id]),
            idempotency_key=None))

        assert all(not isinstance(r, Exception) for r in receipts), receipts
        assert len({r.tracking_code for r in receipts}) == 40
        with db.session() as session:
            assert voting_repo.ballot_count(session, day.round_id) == 40
            assert verify_chain(session).ok
        assert queue.works - works_before == 40
        # Forty voters at once did not take forty commits (how many depends on the scheduler).
        assert queue.groups - groups_before < 40

    def test_a_used_pass_in_the_middle_of_a_group_is_refused_alone(self, db):
        day = a_pb_day(db, ballot="approval")
        codes = passes_for(db, day.round_id, 12)
        choices = BallotChoices(approvals=[day.proposals[0].id])
        # Two voters with the same pass, among ten others, all at once.
        sent = codes[:11] + [codes[5]]

        answers = _all_at_once(12, lambda n: casting.cast_with_replay(
            db, round_id=day.round_id, code=sent[n], choices=choices, idempotency_key=None))

        refused = [a for a in answers if isinstance(a, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], PassAlreadyUsed)
        with db.session() as session:
            assert voting_repo.ballot_count(session, day.round_id) == 11
            assert verify_chain(session).ok


class TestAWorkThatFails:
    """The group's other works commit; the failed one leaves nothing behind: no rows, no log
    entry, no event for the screens, and the log's next entry chains from the last kept one."""

    def test_a_work_that_fails_after_appending_to_the_log_is_rolled_back_alone(self, database_url):
        bus = RecordingBus()
        db = Database(database_url, bus=bus)
        queue = GroupCommit(db)
        gate = threading.Event()

        def holds_the_lock(session):
            gate.wait(timeout=10)  # the others queue behind this one and form the next group
            return audit.append(session, CLI_ACTOR, "test.appended", "test:0", {"n": 0}).seq

        def appends(n):
            def work(session):
                entry = audit.append(session, CLI_ACTOR, "test.appended", f"test:{n}", {"n": n})
                if n == 3:
                    raise Conflict("refused after appending")
                return entry.seq
            return work

        answers: list = [None] * 6

        def run(n):
            try:
                answers[n] = queue.run(appends(n))
            except Conflict as error:
                answers[n] = error

        _queued_behind_one(queue, holds_the_lock, [lambda n=n: run(n) for n in range(1, 6)], gate)

        assert isinstance(answers[3], Conflict)
        kept = [answers[n] for n in (1, 2, 4, 5)]
        assert kept == sorted(kept) and len(set(kept)) == 4
        assert queue.groups == 2 and queue.works == 6
        with db.session() as session:
            subjects = [e.subject for e in session.exec(select(AuditEvent).where(
                AuditEvent.action == "test.appended").order_by(AuditEvent.seq))]
            assert subjects == ["test:0", "test:1", "test:2", "test:4", "test:5"]
            assert verify_chain(session).ok
        assert [e.subject for e in bus.published if e.action == "test.appended"] == subjects
        db.dispose()

    def test_a_commit_that_fails_answers_every_caller_with_the_failure(self, db, monkeypatch):
        queue = GroupCommit(db)

        def appends(session):
            audit.append(session, CLI_ACTOR, "test.appended", "test:1", {})
            session.info["fail_commit"] = True

        from sqlalchemy import event
        from sqlmodel import Session

        def refuse(session):
            if session.info.pop("fail_commit", False):
                raise RuntimeError("disk full")

        event.listen(Session, "before_commit", refuse)
        try:
            with pytest.raises(RuntimeError, match="disk full"):
                queue.run(appends)
        finally:
            event.remove(Session, "before_commit", refuse)
        with db.session() as session:
            assert session.exec(select(AuditEvent).where(AuditEvent.action == "test.appended")).first() is None
        # The queue is free again for the next caller.
        assert queue.run(lambda session: "next") == "next"


class TestWhatAGroupLeavesToItsEnd:
    """Casting leaves a ballot's count to the end of its group: the log's head, which every writer
    locks, is held for that one step, not from the group's first ballot to its commit."""

    def test_the_step_runs_once_with_the_items_of_the_works_that_were_kept(self, db):
        queue = GroupCommit(db)
        gate = threading.Event()
        finished: list[list] = []

        def finish(session, items):
            finished.append(items)

        def holds_the_queue(session):
            gate.wait(timeout=10)
            at_group_end(session, "count", "first alone", finish)

        def queues(n):
            def work(session):
                at_group_end(session, "count", n, finish)
                if n == 2:
                    raise Conflict("refused after queuing")
            return work

        _queued_behind_one(queue, holds_the_queue,
                           [lambda n=n: _quietly(queue.run, queues(n)) for n in range(1, 5)], gate)

        assert finished == [["first alone"], [1, 3, 4]]

    def test_outside_a_group_the_step_runs_at_once(self, db):
        finished = []
        with db.session(write=True) as session:
            at_group_end(session, "count", "alone", lambda session, items: finished.append(items))
            assert finished == [["alone"]]

    def test_a_group_that_carries_the_box_past_the_batch_mark_batches_as_often_as_due(self, db):
        day = a_pb_day(db, ballot="approval")
        codes = passes_for(db, day.round_id, 66)
        choices = BallotChoices(approvals=[day.proposals[0].id])
        for code in codes[:35]:  # one at a time: 35 pending, no batch yet
            casting.cast_with_replay(db, round_id=day.round_id, code=code, choices=choices, idempotency_key=None)
        queue = group_commit(db)
        gate = threading.Event()

        def waits_then_casts(session):
            gate.wait(timeout=10)
            return voting_service.cast_ballot(session, round_id=day.round_id, pass_code=codes[35], choices=choices)

        _queued_behind_one(queue, waits_then_casts, [
            lambda code=code: casting.cast_with_replay(db, round_id=day.round_id, code=code, choices=choices,
                                                       idempotency_key=None)
            for code in codes[36:]], gate)

        with db.session() as session:
            entries = session.exec(select(AuditEvent).where(AuditEvent.subject == f"round:{day.round_id}",
                                                            AuditEvent.action.in_(["ballot.cast", "ballots.batched"]))
                                   .order_by(AuditEvent.seq)).all()
            casts = [json.loads(e.payload)["ballots"] for e in entries if e.action == "ballot.cast"]
            assert casts == list(range(1, 67))
            # 35, 1, then 30 in one group: 66 pending, then 46, then 26: two batches of 20, after the group's casts.
            assert [e.action for e in entries][-3:] == ["ballot.cast", "ballots.batched", "ballots.batched"]
            assert voting_repo.box_state(session, day.round_id).pending == 26
            assert verify_chain(session).ok

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_while_a_group_writes_its_ballots_another_worker_can_take_the_log(self, db, database_url):
        day = a_pb_day(db, ballot="approval")
        [code] = passes_for(db, day.round_id, 1)
        queue = GroupCommit(db)
        cast, gate = threading.Event(), threading.Event()

        def casts_then_waits(session):
            receipt = voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                                 choices=BallotChoices(approvals=[day.proposals[0].id]))
            cast.set()
            gate.wait(timeout=10)
            return receipt

        group = threading.Thread(target=queue.run, args=(casts_then_waits,))
        group.start()
        assert cast.wait(timeout=10)
        other_worker = Database(database_url)
        try:
            with other_worker.session(write=True) as session:
                session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # waiting on the head would fail here
                audit.append(session, CLI_ACTOR, "test.appended", "test:other worker", {})
        finally:
            gate.set()
            group.join(timeout=10)
            other_worker.dispose()

        with db.session() as session:
            actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))][-2:]
            assert actions == ["test.appended", "ballot.cast"]
            assert voting_repo.ballot_count(session, day.round_id) == 1
            assert verify_chain(session).ok


def _queued_behind_one(queue: GroupCommit, holder, callers: list, gate: threading.Event) -> None:
    """`holder` leads a group and waits on `gate`; each of `callers` queues behind it, in order, so
    together they form the next group; then the gate opens and everyone finishes."""
    first = threading.Thread(target=queue.run, args=(holder,))
    first.start()
    _wait_until(lambda: queue._leading)
    threads = [threading.Thread(target=caller) for caller in callers]
    for n, thread in enumerate(threads, start=1):
        thread.start()
        _wait_until(lambda n=n: len(queue._queue) == n)
    gate.set()
    for thread in [first, *threads]:
        thread.join(timeout=20)


def _quietly(run, work) -> None:
    with contextlib.suppress(Conflict):
        run(work)


def _wait_until(condition) -> None:
    import time

    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)
