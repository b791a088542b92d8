"""Kill the server outright (SIGKILL) again and again while voters are casting, and restart it.

    .venv/bin/python bench/kill_restart.py                       # 100 cycles on a fresh SQLite file
    .venv/bin/python bench/kill_restart.py --cycles 20 --voters-per-cycle 4
    .venv/bin/python bench/kill_restart.py --database-url postgresql://postgres@127.0.0.1/scratch

Each voter is a kiosk: it sends its ballot with its own Idempotency-Key and, when the connection
drops, sends the same ballot with the same key again after the restart, until it gets a 201. Every
cycle starts the server, lets a few voters cast at once, and kills the process at a random moment
while their requests are in flight. At the end every voter has a receipt, and the run checks:

- lost: acknowledged ballots missing from the ballot box (must be 0);
- duplicated: ballots beyond one per voter, or a voter who got two different tracking codes (must be 0);
- the audit chain and every count, re-walked by `python main.py audit verify` (must say OK).

tests/test_kill_restart.py runs 20 short cycles of this on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Voter:
    code: str
    body: dict
    key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    receipts: set[str] = field(default_factory=set)
    tried: bool = False


@dataclass
class Report:
    cycles: int
    voters: int
    acknowledged: int
    acknowledged_between_kills: int  # receipts given by servers that were then killed
    ballots_in_box: int
    lost: int
    duplicated: int
    retries: int
    audit_verify: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.audit_verify.startswith("OK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Servers are forked from a process that has already imported the application, so a restart
# costs a fork and an app, not a fresh interpreter importing everything again (seconds on a busy
# machine). They are still separate processes, killed outright; nothing is shut down cleanly.
_PRELOAD = ["main", "uvicorn", "governance.routes", "proposals.routes", "voting.kiosk", "voting.desk",
            "voting.chair", "voting.results", "voting.api", "voting.live"]
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(_PRELOAD)


def serve(database_url: str, port: int) -> None:
    """The server process: the application as `main.py serve` builds it, on one port."""
    import uvicorn

    from core.settings import Settings
    from main import create_app

    app = create_app(Settings(database_url=database_url))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="critical")


def start_server(database_url: str) -> tuple[multiprocessing.Process, str]:
    port = free_port()
    server = _context.Process(target=serve, args=(database_url, port), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.02)
    kill(server)
    raise RuntimeError("the server did not start")


def kill(server: multiprocessing.Process) -> None:
    os.kill(server.pid, signal.SIGKILL)
    server.join(timeout=30)


def cast(client: httpx.Client, url: str, round_id: int, voter: Voter) -> bool:
    """One try; True once the server has acknowledged this voter's ballot."""
    try:
        response = client.post(f"{url}/api/v1/rounds/{round_id}/ballots", json=voter.body,
                               headers={"Idempotency-Key": voter.key}, timeout=30)
    except httpx.TransportError:
        return False  # the server went away mid-request: the kiosk keeps the ballot and retries
    if response.status_code != 201:
        raise AssertionError(f"unexpected answer {response.status_code}: {response.text[:200]}")
    voter.receipts.add(response.json()["tracking_code"])
    return True


def run(database_url: str, round_id: int, voters: list[Voter], *, cycles: int, per_cycle: int,
        seed: int = 0, max_kill_delay: float = 0.3) -> Report:
    """Kill-and-restart cycles under load, then every voter until acknowledged, then the checks."""
    from core.database import Database
    from voting import repository as voting_repo

    rng = random.Random(seed)
    started = time.monotonic()
    retries = 0
    for cycle in range(cycles):
        server, url = start_server(database_url)
        # Voters whose receipt was lost in the last kill come first: they send the same ballot again.
        batch = [v for v in voters if not v.receipts][:per_cycle]
        retries += sum(1 for v in batch if v.tried)
        with httpx.Client() as client:
            threads = [threading.Thread(target=cast, args=(client, url, round_id, v)) for v in batch]
            for voter, thread in zip(batch, threads, strict=True):
                voter.tried = True
                thread.start()
            if cycle % 2:
                # Every other kill comes once this server has acknowledged a ballot, so some kills
                # always land among ballots in flight, however slow a loaded machine makes the first.
                deadline = time.monotonic() + 5
                while not any(v.receipts for v in batch) and time.monotonic() < deadline:
                    time.sleep(0.01)
            time.sleep(rng.uniform(0.0, max_kill_delay))
            kill(server)
            for thread in threads:
                thread.join(timeout=60)

    between_kills = sum(1 for v in voters if v.receipts)
    # The last start: every voter still without a receipt sends again until acknowledged, and a
    # few who have one send again to see the same receipt come back.
    server, url = start_server(database_url)
    try:
        with httpx.Client() as client:
            for voter in voters:
                while not voter.receipts:
                    retries += 1
                    cast(client, url, round_id, voter)
            for voter in rng.sample(voters, min(10, len(voters))):
                cast(client, url, round_id, voter)
    finally:
        kill(server)

    db = Database(database_url)
    with db.session() as session:
        # Receipts and ballots sit apart (nothing joins them); every acknowledged tracking code must
        # have its receipt, and there must be exactly one ballot per receipt.
        box = [r.tracking_code for r in voting_repo.receipts_of(session, round_id)]
        ballots = len(voting_repo.ballots_of(session, round_id))
    db.dispose()
    acknowledged = {code for v in voters for code in v.receipts}
    verify = subprocess.run([sys.executable, "main.py", "audit", "verify", "--database-url", database_url],
                            cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    return Report(cycles=cycles, voters=len(voters), acknowledged=len(acknowledged),
                  acknowledged_between_kills=between_kills, ballots_in_box=ballots,
                  lost=len(acknowledged - set(box)),
                  duplicated=(len(box) - len(set(box))) + abs(ballots - len(box)) + max(0, len(box) - len(voters))
                  + sum(1 for v in voters if len(v.receipts) > 1),
                  retries=retries, audit_verify=(verify.stdout or verify.stderr).strip(),
                  seconds=round(time.monotonic() - started, 1))


def prepare(database_url: str, voters: int) -> tuple[int, list[Voter]]:
    """A round open for voting with three projects, and one pass per voter."""
    from core.audit import CLI_ACTOR
    from core.database import Database, migrate
    from governance import service as governance_service
    from governance.models import BallotKind, Phase
    from governance.service import BallotSettings
    from proposals import repository as proposals_repo
    from proposals import service as proposals_service
    from voting import register
    from voting import service as voting_service

    migrate(database_url)
    db = Database(database_url)
    with db.session(write=True) as session:
        partnership = governance_service.create_partnership(session, CLI_ACTOR, name="Kill test",
                                                            slug=f"kill-{secrets.token_hex(4)}")
        voting_round = governance_service.create_round(
            session, CLI_ACTOR, partnership_id=partnership.id, title="Kill test", budget=100_000,
            settings=BallotSettings(ballot_kind=BallotKind.scores), phase=Phase.collaborate)
        for n, cost in enumerate((40_000, 30_000, 20_000), start=1):
            proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title=f"Project {n}",
                                           cost=cost)
        voting_service.open_vote(session, CLI_ACTOR, voting_round.id)
        projects = [p.id for p in proposals_repo.on_ballot(session, voting_round.id)]
        codes = [p.code for p in register.issue_passes(session, CLI_ACTOR, round_id=voting_round.id, count=voters)]
        round_id = voting_round.id
    db.dispose()
    rng = random.Random(voters)
    return round_id, [Voter(code=code, body={"pass": code, "scores": {str(p): rng.randint(1, 5) for p in projects}})
                      for code in codes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--voters-per-cycle", type=int, default=6)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
        os.environ.setdefault("AUDIT_SIGNING_KEY", "")
        if not os.environ["AUDIT_SIGNING_KEY"]:
            import base64

            os.environ["AUDIT_SIGNING_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
        url = args.database_url or f"sqlite:///{folder}/kill.db"
        round_id, voters = prepare(url, args.cycles * args.voters_per_cycle)
        report = run(url, round_id, voters, cycles=args.cycles, per_cycle=args.voters_per_cycle, seed=args.seed)
    print(json.dumps(report.__dict__, indent=2))
    print("PASS" if report.ok else "FAIL")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
