"""Benchmark: the audit bundle's size and the offline verifier's time, for the demo round and a large one.

    .venv/bin/python bench/audit_bundle.py                    # the demo round (240 ballots) and 10,000 ballots
    .venv/bin/python bench/audit_bundle.py --ballots 2000     # another size for the large round

Each round is played through the services on a scratch SQLite database (casting, batching, sealing,
publishing), then the bundle is built and verified offline, in this process (CPU time and wall time)
and as a scrutiny member would run it (`main.py audit verify --bundle`, wall time, which includes
Python's start-up). It also prints the time to cast, to seal at close, and the largest batching cost.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AUDIT_WITNESS_FILE", str(Path(tempfile.gettempdir()) / "bench-audit-witness.txt"))

from sqlmodel import select  # noqa: E402

from core.audit import CLI_ACTOR, public_key_b64  # noqa: E402
from core.database import Database, migrate  # noqa: E402
from governance.models import Round  # noqa: E402
from proposals import repository as proposals_repo  # noqa: E402
from scrutiny.bundle import build_bundle  # noqa: E402
from scrutiny.offline_verify import verify_bundle  # noqa: E402
from voting import register  # noqa: E402
from voting import service as voting_service  # noqa: E402
from voting.ballots import BallotChoices  # noqa: E402
from voting.demo import seed_demo  # noqa: E402


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def large_round(db: Database, ballots: int) -> tuple[int, float, float]:
    """A demo-shaped round with `ballots` ballots, each cast in its own transaction as at a real vote."""
    with db.session(write=True) as session:
        seed_demo(session, ballots=20, force=True)
    with db.session() as session:
        voting_round = session.exec(select(Round).order_by(Round.id.desc())).first()
        round_id = voting_round.id
    with db.session(write=True) as session:
        voting_service.open_vote(session, CLI_ACTOR, round_id)
        projects = proposals_repo.on_ballot(session, round_id)
        codes = [p.code for p in register.issue_passes(session, CLI_ACTOR, round_id=round_id, count=ballots)]
    rng = random.Random(10_000)
    appeal = {p.id: rng.uniform(1.5, 4.5) for p in projects}
    start = time.perf_counter()
    for code in codes:
        scores = {pid: max(1, min(5, round(rng.gauss(a, 1.0)))) for pid, a in appeal.items()}
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=round_id, pass_code=code, choices=BallotChoices(scores=scores))
    cast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, round_id)
    seal_seconds = time.perf_counter() - start
    with db.session(write=True) as session:
        voting_service.publish_results(session, CLI_ACTOR, round_id)
    return round_id, cast_seconds, seal_seconds


def measure(name: str, db: Database, round_id: int, workdir: Path) -> None:
    with db.session() as session:
        data, build_wall, _ = timed(lambda: build_bundle(session, round_id))
    path = workdir / f"{name}.zip"
    path.write_bytes(data)
    report, wall, cpu = timed(lambda: verify_bundle(str(path), public_key_b64()))
    start = time.perf_counter()
    cli = subprocess.run([sys.executable, "main.py", "audit", "verify", "--bundle", str(path), "--public-key",
                          public_key_b64()], cwd=ROOT, capture_output=True, text=True)
    cli_wall = time.perf_counter() - start
    assert cli.returncode == 0, cli.stderr
    print(f"{name:<16} {report.ballots:>7} ballots {report.entries:>7} log entries  bundle {len(data) / 1024:>8.1f} KiB"
          f"  built in {build_wall:5.2f} s  verified in {wall:5.2f} s wall / {cpu:5.2f} s CPU"
          f"  (CLI {cli_wall:5.2f} s wall)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.db'}"
        migrate(url)
        db = Database(url)
        with db.session(write=True) as session:
            seed_demo(session)
        measure("demo round", db, 1, workdir)
        round_id, cast_seconds, seal_seconds = large_round(db, args.ballots)
        print(f"large round: {args.ballots} ballots cast in {cast_seconds:.1f} s "
              f"({1000 * cast_seconds / args.ballots:.2f} ms each, batching included); "
              f"close + seal in {seal_seconds:.2f} s")
        measure(f"{args.ballots} ballots", db, round_id, workdir)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
