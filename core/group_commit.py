"""Group commit: many small writes from many threads, one transaction and one commit.

Under a burst of ballots each one used to take the write lock, run a handful of statements and
commit on its own, so the lock was held as often as there were ballots and every commit paid for
its own log write (SQLite's WAL frames and fsync; PostgreSQL's wait on the audit head's row lock).
Here the first caller to arrive leads: it takes the write lock once for itself and for every
caller waiting behind it, runs each one's work in its own savepoint, commits once, and hands each
caller its own answer. Callers that arrive meanwhile form the next group, led by the first of
them. A work that fails is rolled back to its savepoint alone; the others still commit.

Nothing is acknowledged before the group's commit returns: a caller gets its answer only then,
so "a ballot acknowledged is a ballot kept" holds as before.

A work may also leave something to be done once for the whole group, just before the commit
(`at_group_end`): casting leaves the ballot's count there, so the audit log's head, which every
writer must lock, is locked for one short step at the end of a group rather than from its first
ballot to its commit. On PostgreSQL that lets two workers write their groups' ballots at the same
time and queue only for that step; if it fails, the whole group fails and nobody's work is kept.
"""

import threading
import weakref
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from core.database import Database

T = TypeVar("T")

# Enough to empty a hall's burst in a few groups, few enough that one group's lock time stays
# a small part of a voter's wait.
MAX_GROUP = 32

# What a unit of work leaves in session.info for after the commit (events for the bus, notes for
# the witness file): a work rolled back to its savepoint must leave none of it behind.
_AFTER_COMMIT_LISTS = ("events", "witness_notes")
# session.info key: {key: (finish, items)}, present only while a group runs.
_AT_GROUP_END = "at_group_end"


def at_group_end(session: Session, key: Hashable, item: Any, finish: Callable[[Session, list], None]) -> None:
    """Have `finish(session, items)` run once, just before the group commits, with the item of every
    work of the group that queued one under `key` (and whose own work succeeded). Outside a group
    it runs at once with this item alone."""
    waiting = session.info.get(_AT_GROUP_END)
    if waiting is None:
        finish(session, [item])
        return
    waiting.setdefault(key, (finish, []))[1].append(item)


def _marks(session: Session) -> tuple[dict, dict]:
    lists = {name: len(session.info.get(name, ())) for name in _AFTER_COMMIT_LISTS}
    deferred = {key: len(items) for key, (_, items) in session.info[_AT_GROUP_END].items()}
    return lists, deferred


def _back_to(session: Session, marks: tuple[dict, dict]) -> None:
    lists, deferred = marks
    for name, mark in lists.items():
        if name in session.info:
            del session.info[name][mark:]
    for key, (_, items) in session.info[_AT_GROUP_END].items():
        del items[deferred.get(key, 0):]


class _Waiting(Generic[T]):
    def __init__(self, work: Callable[[Session], T]) -> None:
        self.work = work
        self.answered = threading.Event()
        self.leads = False  # set with `answered` when this caller is to lead the next group
        self.result: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """The write queue of one database in this process, for works that may share a commit."""

    def __init__(self, db: Database, max_group: int = MAX_GROUP) -> None:
        self.db = db
        self.max_group = max_group
        self._mutex = threading.Lock()
        self._queue: deque[_Waiting] = deque()
        self._leading = False
        self.groups = 0  # how many commits served how many works: for benchmarks and tests
        self.works = 0

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in a write transaction, maybe shared with other callers' works, and
        return its result once that transaction has committed (or raise what the work raised)."""
        me = _Waiting(work)
        with self._mutex:
            self._queue.append(me)
            lead = not self._leading
            self._leading = True
        if not lead:
            me.answered.wait()
            if not me.leads:
                return self._answer(me)
            me.answered.clear()
        self._lead()
        return self._answer(me)

    def _lead(self) -> None:
        with self._mutex:
            group = [self._queue.popleft() for _ in range(min(self.max_group, len(self._queue)))]
        try:
            self._run_group(group)
        finally:
            with self._mutex:
                nxt = self._queue[0] if self._queue else None
                if nxt is None:
                    self._leading = False
            for waiting in group:
                waiting.answered.set()
            if nxt is not None:  # the first caller still waiting leads the next group
                nxt.leads = True
                nxt.answered.set()

    def _run_group(self, group: list[_Waiting]) -> None:
        try:
            with self.db.session(write=True) as session:
                session.info[_AT_GROUP_END] = {}
                for waiting in group:
                    marks = _marks(session)
                    savepoint = session.begin_nested()
                    try:
                        waiting.result = waiting.work(session)
                        savepoint.commit()
                    except Exception as error:  # noqa: BLE001 - handed to its own caller below
                        savepoint.rollback()
                        _back_to(session, marks)
                        waiting.error = error
                for finish, items in session.info.pop(_AT_GROUP_END).values():
                    if items:
                        finish(session, items)
        except BaseException as error:  # the commit itself failed: nobody's work was kept
            for waiting in group:
                waiting.result, waiting.error = None, error
            if not isinstance(error, Exception):
                raise
        self.groups += 1
        self.works += len(group)

    @staticmethod
    def _answer(me: _Waiting[T]) -> T:
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value]


_queues: "weakref.WeakKeyDictionary[Database, GroupCommit]" = weakref.WeakKeyDictionary()
_queues_lock = threading.Lock()


def group_commit(db: Database) -> GroupCommit:
    """The group-commit queue of this database in this process."""
    with _queues_lock:
        queue = _queues.get(db)
        if queue is None:
            queue = _queues[db] = GroupCommit(db)
        return queue


def run_in_group(db: Database, work: Callable[[Session], Any]) -> Any:
    return group_commit(db).run(work)
