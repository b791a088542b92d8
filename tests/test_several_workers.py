"""Several workers on PostgreSQL: a ballot cast on worker A updates a big screen connected to
worker B, and a chair's step taken from the command line reaches the screen too."""

import os
import subprocess
import sys

import httpx
import pytest
from websockets.sync.client import connect

from core.settings import PROJECT_ROOT, Settings
from tests.builders import a_pb_day, passes_for
from tests.conftest import LiveServer


@pytest.fixture
def two_workers(database_url):
    from main import create_app

    first = create_app(Settings(database_url=database_url), run_migrations=False)
    second = create_app(Settings(database_url=database_url), run_migrations=False)
    with LiveServer(first) as worker_a, LiveServer(second) as worker_b:
        yield worker_a, worker_b


def ws_url(server, round_id):
    return server.url.replace("http://", "ws://") + f"/screen/{round_id}/ws"


# Several workers share events through PostgreSQL; on SQLite the server runs one worker.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
class TestScreensAcrossWorkers:
    def test_a_ballot_cast_on_one_worker_updates_a_screen_on_another(self, db, two_workers):
        worker_a, worker_b = two_workers
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)

        with connect(ws_url(worker_b, day.round_id)) as screen:
            response = httpx.post(f"{worker_a.url}/api/v1/rounds/{day.round_id}/ballots",
                                  json={"pass": code, "scores": {str(day.proposals[0].id): 5}}, timeout=30)
            assert response.status_code == 201
            fragment = screen.recv(timeout=10)

        assert '<span id="turnout-count" class="turnout-count">1</span>' in fragment

    def test_closing_the_vote_from_the_command_line_reaches_the_screen(self, db, two_workers, database_url):
        _, worker_b = two_workers
        day = a_pb_day(db)

        with connect(ws_url(worker_b, day.round_id)) as screen:
            closed = subprocess.run([sys.executable, "main.py", "round", "close", str(day.round_id)],
                                    cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": database_url},
                                    capture_output=True, text=True, timeout=60)
            assert closed.returncode == 0, closed.stderr
            fragment = screen.recv(timeout=10)

        assert "Voting has closed" in fragment
