"""Writers on SQLite wait in a queue, first come first served, instead of racing SQLite's retry sleeps."""

import threading
import time

from core.database import FairLock


class TestFairLock:
    def test_waiting_writers_are_served_in_the_order_they_came(self):
        lock = FairLock()
        served: list[int] = []
        threads = []
        with lock:
            for n in range(8):
                thread = threading.Thread(target=lambda n=n: _take(lock, served, n))
                thread.start()
                threads.append(thread)
                _wait_until(lambda n=n: len(lock._waiting) == n + 1)
        for thread in threads:
            thread.join(timeout=5)
        assert served == list(range(8))

    def test_a_free_lock_is_taken_at_once_and_can_be_taken_again(self):
        lock = FairLock()
        with lock:
            pass
        with lock:
            assert lock._held
        assert not lock._held


def _take(lock: FairLock, served: list[int], n: int) -> None:
    with lock:
        served.append(n)


def _wait_until(condition) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "a writer never reached the queue"
        time.sleep(0.001)


class TestTheWalIsCheckpointedOffTheVotersTime:
    def test_commits_leave_it_to_the_background_checkpointer(self, tmp_path):
        import asyncio

        from sqlalchemy import text

        from core.database import WAL_BACKSTOP_PAGES, Database, keep_checkpointing_wal

        db = Database(f"sqlite:///{tmp_path / 'box.db'}")
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_BACKSTOP_PAGES
            connection.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(300):  # 300 commits, 1.2 MB: past SQLite's own 1,000-page mark
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (randomblob(4000))"))
        database_file = tmp_path / "box.db"
        # No commit copied its pages into the database file: they are all still in the WAL.
        assert database_file.stat().st_size < 100_000

        async def a_moment_of_the_server() -> None:
            task = asyncio.create_task(keep_checkpointing_wal(db, every=0.01))
            await asyncio.sleep(0.3)
            task.cancel()

        # In a thread of its own: a browser test earlier in this worker may leave an event loop running.
        runner = threading.Thread(target=lambda: asyncio.run(a_moment_of_the_server()))
        runner.start()
        runner.join(timeout=10)
        assert database_file.stat().st_size > 1_200_000
        db.dispose()
