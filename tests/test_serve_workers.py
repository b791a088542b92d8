"""`main.py serve --workers 2` on PostgreSQL: a burst of new connections is shared by both workers,
not accepted by whichever one happens to be awake."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from core.settings import PROJECT_ROOT
from tests.conftest import free_port

CONNECTIONS = 40


def established_by_process(port: int) -> dict[int, int]:
    """How many established connections on the server's port each process holds."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    counts: dict[int, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[int(pid)] = counts.get(int(pid), 0) + 1
    return counts


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
class TestTwoWorkers:
    def test_a_burst_of_new_connections_lands_on_both_workers(self, database_url):
        port = free_port()
        server = subprocess.Popen([sys.executable, "main.py", "serve", "--port", str(port), "--workers", "2"],
                                  cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": database_url},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        clients = []
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            time.sleep(2)  # both workers listening
            # Forty voters' phones connect at the same moment, each with its own connection, kept open.
            clients = [httpx.Client(base_url=url) for _ in range(CONNECTIONS)]
            start = threading.Barrier(CONNECTIONS)

            def connect(client: httpx.Client) -> dict:
                start.wait()
                return client.get("/healthz").json()

            with ThreadPoolExecutor(CONNECTIONS) as pool:
                assert list(pool.map(connect, clients)) == [{"status": "ok"}] * CONNECTIONS
            # Each worker listens on a socket of its own, so the kernel spreads new connections between
            # them even while one is busy; with one shared socket the awake worker takes a whole burst.
            listening = subprocess.run(["ss", "-Hltn", f"( sport = :{port} )"], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()
            assert len(listening) == 2, f"listening sockets on the port: {listening}"
            per_worker = established_by_process(port)
            assert sum(per_worker.values()) == CONNECTIONS
            assert len(per_worker) == 2, f"connections per worker process: {per_worker}"
            assert min(per_worker.values()) >= 5, f"connections per worker process: {per_worker}"
        finally:
            for client in clients:
                client.close()
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
