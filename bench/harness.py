"""Shared pieces of the HTTP benchmarks: a fresh database with an open round, a real server in a
subprocess, and the figures (percentiles, per-process CPU and memory) they print.

Nothing here is timed by a test; the scripts print what they measured.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PROJECT_COSTS = (20_000, 15_000, 12_000, 10_000, 9_000, 8_000, 7_500, 6_000, 5_000, 4_500, 4_000, 3_500,
                 3_000, 2_500, 2_000, 1_500, 1_000)  # 17 projects, as at the Macclesfield PB day


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values_seconds: list[float]) -> str:
    ms = [v * 1000 for v in values_seconds]
    return (f"p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
            f"p99 {percentile(ms, 99):7.1f} ms  max {max(ms) if ms else float('nan'):7.1f} ms")


# --- a database with an open round ----------------------------------------------------------

@dataclass
class BenchDatabase:
    url: str
    cleanup: list = field(default_factory=list)

    def drop(self) -> None:
        for step in reversed(self.cleanup):
            step()


def sqlite_database() -> BenchDatabase:
    folder = tempfile.mkdtemp(prefix="cp-bench-")
    return BenchDatabase(f"sqlite:///{folder}/bench.db",
                         [lambda: subprocess.run(["rm", "-rf", folder], check=False)])


def postgres_database() -> BenchDatabase:
    name = f"common_purse_bench_{os.getpid()}"
    admin = sa.create_engine(ADMIN_POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return BenchDatabase(ADMIN_POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", [drop])


def bench_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(32),
        "AUDIT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    })
    return env


def seed_open_round(database_url: str, env: dict[str, str], *, passes: int,
                    ballot: str = "approval") -> tuple[int, list[str]]:
    """A partnership, a £100,000 round of 17 projects, voting open, and `passes` batch passes.

    Runs in a child process so the settings it reads are the benchmark's, not this shell's."""
    script = f"""
import json, sys
from core.audit import CLI_ACTOR
from core.database import Database, migrate
from governance import service as gs
from governance.models import BallotKind, CountingRule, Phase
from governance.service import BallotSettings
from proposals import service as ps
from voting import register, service as vs
url = {database_url!r}
migrate(url)
db = Database(url)
with db.session(write=True) as s:
    p = gs.create_partnership(s, CLI_ACTOR, name="Bench Partnership", slug="bench", area="SK10, SK11")
    settings = BallotSettings(ballot_kind=BallotKind({ballot!r}), score_min=1, score_max=5, min_picks=0,
                              max_picks=None, counting_rule=CountingRule("greedy"))
    r = gs.create_round(s, CLI_ACTOR, partnership_id=p.id, title="Bench round", budget=100_000,
                        eligible_postcodes="SK10, SK11", settings=settings, phase=Phase.collaborate)
    for n, cost in enumerate({PROJECT_COSTS!r}, start=1):
        ps.add_proposal(s, CLI_ACTOR, round_id=r.id, title=f"Project {{n}}", cost=cost)
    vs.open_vote(s, CLI_ACTOR, r.id)
    round_id = r.id
codes = []
remaining = {passes}
while remaining:
    batch = min(remaining, 10_000)
    with db.session(write=True) as s:
        codes += [i.code for i in register.issue_passes(s, CLI_ACTOR, round_id=round_id, count=batch)]
    remaining -= batch
json.dump({{"round": round_id, "codes": codes}}, sys.stdout)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"seeding the benchmark round failed:\n{out.stderr[-3000:]}")
    import json

    data = json.loads(out.stdout)
    return data["round"], data["codes"]


def project_ids(base_url: str, round_id: int) -> list[tuple[int, int]]:
    detail = httpx.get(f"{base_url}/api/v1/rounds/{round_id}", timeout=10).json()
    return [(p["id"], p["cost"]) for p in detail["projects"]]


# --- a real server ---------------------------------------------------------------------------

class Server:
    """`python main.py serve` in a subprocess, as a council would run it."""

    def __init__(self, env: dict[str, str], *, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise SystemExit(f"the server did not start:\n{err[-3000:]}")
            time.sleep(0.2)
        time.sleep(0.5 * workers)  # let every worker finish starting

    def pids(self) -> list[int]:
        """The processes doing the work: the workers when there are several, else the server itself."""
        workers = [pid for pid in _children(self.process.pid) if "spawn_main" in _cmdline(pid)]
        return workers or [self.process.pid]

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """User + system CPU time of every PostgreSQL process on the machine (its backends do a ballot's SQL)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split(" (", 1)[1].rsplit(")", 1)
        if name == "postgres":
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


# --- a lean HTTP client for the load benchmarks -----------------------------------------------

class LeanHTTPError(Exception):
    """The connection failed or closed before a whole answer came back."""


class LeanHTTP:
    """HTTP/1.1 over a few kept-alive connections, and nothing more.

    The benchmarks run on the same two cores as the server they measure. httpx spends about as much
    CPU per request as the server does for a ballot (measured: 1.8 s of client CPU for 500 ballots in
    2.1 s), so with it the client took half the machine, the trivial-route "ceiling" measured the
    client rather than the server, and its own event loop's queue showed up as cast latency the server
    never caused (server-side p99 119 ms against 400 ms measured by the client). This client writes
    a request and reads the status line, the headers and a Content-Length or chunked body."""

    def __init__(self, base_url: str, connections: int) -> None:
        host_port = base_url.split("://", 1)[1].rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self._host_header = host_port.encode()
        self._idle: list[tuple] = []
        self._gate = None
        self._connections = connections

    async def __aenter__(self) -> LeanHTTP:

        self._gate = asyncio.Semaphore(self._connections)
        return self

    async def __aexit__(self, *exc) -> None:
        for _reader, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:

        head = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + self._host_header,
                b"Content-Length: " + str(len(body)).encode()]
        if body:
            head.append(b"Content-Type: application/json")
        head += [f"{name}: {value}".encode() for name, value in (headers or {}).items()]
        message = b"\r\n".join(head) + b"\r\n\r\n" + body
        async with self._gate:
            connection = self._idle.pop() if self._idle else None
            try:
                if connection is None:
                    connection = await asyncio.open_connection(self.host, self.port)
                reader, writer = connection
                writer.write(message)
                status, data, keep_alive = await self._read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                if connection is not None:
                    connection[1].close()
                raise LeanHTTPError(f"{type(error).__name__}: {error}") from error
            if keep_alive:
                self._idle.append(connection)
            else:
                writer.close()
            return status, data

    @staticmethod
    async def _read_answer(reader) -> tuple[int, bytes, bool]:
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, keep_alive = 0, False, True
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and value == b"close":
                keep_alive = False
        if not chunked:
            return status, await reader.readexactly(length), keep_alive
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                return status, b"".join(p[:-2] for p in parts), keep_alive


class HttpxHTTP:
    """The same `request` over httpx, for comparing with runs measured by an httpx-like client."""

    def __init__(self, base_url: str, connections: int) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60)

    async def __aenter__(self) -> HttpxHTTP:
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.aclose()

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        all_headers = {"Content-Type": "application/json", **(headers or {})} if body else headers
        try:
            response = await self._client.request(method, path, content=body or None, headers=all_headers)
        except httpx.HTTPError as error:
            raise LeanHTTPError(f"{type(error).__name__}: {error}") from error
        return response.status_code, response.content


HTTP_CLIENTS = {"lean": LeanHTTP, "httpx": HttpxHTTP}


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over every CPU of the machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def machine_busy(before: tuple[int, int], after: tuple[int, int]) -> str:
    busy, total = after[0] - before[0], after[1] - before[1]
    cores = os.cpu_count() or 1
    return f"{100 * busy / max(total, 1):.0f}% of {cores} CPUs busy ({cores * busy / max(total, 1):.2f} cores)"
