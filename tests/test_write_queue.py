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
