"""Shared pieces of the HTTP benchmarks: a fresh database with an open round, a real server in a
subprocess, and the figures (percentiles, per-process CPU and memory) they print.

Nothing here is timed by a test; the scripts print what they measured.
"""

from __future__ import annotations

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
