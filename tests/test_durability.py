"""A ballot acknowledged is a ballot kept: the server process is killed outright (SIGKILL, no
shutdown) the moment the last 201 arrives; every acknowledged ballot is still there afterwards."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from core.settings import PROJECT_ROOT
from tests.builders import a_pb_day, passes_for
from tests.conftest import free_port
from voting import repository as voting_repo

VOTERS = 40


def start_server(database_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--port", str(port)], cwd=PROJECT_ROOT,
                              env={**os.environ, "DATABASE_URL": database_url},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


class TestAcknowledgedBallotsSurviveAKill:
    def test_every_201_is_on_disk_after_the_server_is_killed(self, db, database_url):
        day = a_pb_day(db)
        codes = passes_for(db, day.round_id, VOTERS)
        server, url = start_server(database_url)

        def vote(code):
            response = httpx.post(f"{url}/api/v1/rounds/{day.round_id}/ballots", timeout=30,
                                  json={"pass": code, "scores": {str(day.proposals[0].id): 4}})
            return response.json().get("tracking_code") if response.status_code == 201 else None

        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                acknowledged = [code for code in pool.map(vote, codes) if code]
        finally:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

        assert len(acknowledged) == VOTERS
        with db.session() as session:
            kept = {r.tracking_code for r in voting_repo.receipts_of(session, day.round_id)}
            assert len(voting_repo.ballots_of(session, day.round_id)) == len(kept)
        assert set(acknowledged) <= kept
