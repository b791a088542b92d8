"""Benchmark: a city-wide online vote, 100,000 ballots into PostgreSQL through several workers.

    .venv/bin/python bench/city.py             # 100,000 ballots, 2 workers, 64 voters at a time
    .venv/bin/python bench/city.py --quick     # 5,000 ballots
    .venv/bin/python bench/city.py --workers 1 # the one-worker baseline

Every ballot is a separate voter with their own batch pass and Idempotency-Key, sent through the
JSON API of `main.py serve --workers N`. It prints the rate, p50/p95/p99 latency, errors by status,
the share of CPU each worker did, and each worker's memory (RSS) before and after, and checks that
the round's turnout equals the number of 201s. Run it with `--workers 1` too: the ratio of the two
rates is what the second worker buys.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.event_day import TRANSPORT_ERRORS, a_ballot, cast  # noqa: E402
from bench.harness import (  # noqa: E402
    HTTP_CLIENTS,
    Server,
    bench_environment,
    cpu_seconds,
    describe,
    load_average,
    machine_busy,
    machine_cpu_ticks,
    postgres_cpu_seconds,
    postgres_database,
    project_ids,
    rss_mib,
    seed_open_round,
)


async def vote(server: Server, round_id: int, codes: list[str], concurrency: int,
               client_kind: str) -> tuple[list, float]:
    async with HTTP_CLIENTS[client_kind](server.url, concurrency) as client:
        projects = project_ids(server.url, round_id)
        gate = asyncio.Semaphore(concurrency)
        done = 0

        async def one(code: str):
            nonlocal done
            async with gate:
                result = await cast(client, round_id, code, a_ballot(projects), time.perf_counter())
            done += 1
            if done % 10_000 == 0:
                print(f"  {done} ballots ...", flush=True)
            return result

        started = time.perf_counter()
        results = await asyncio.gather(*(one(code) for code in codes))
        return list(results), time.perf_counter() - started


def run(args) -> int:
    database = postgres_database()
    env = bench_environment(database.url)
    print(f"City benchmark: {args.ballots} ballots through {args.workers} worker(s) on PostgreSQL, "
          f"{args.concurrency} voters at a time, {args.client} client")
    started = time.perf_counter()
    round_id, codes = seed_open_round(database.url, env, passes=args.ballots)
    print(f"  seeded a round and {len(codes)} passes in {time.perf_counter() - started:.1f} s")
    server = Server(env, workers=args.workers)
    try:
        pids = server.pids()
        memory_before = {pid: rss_mib(pid) for pid in pids}
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        print(f"  workers {pids}; {load_average()}")
        client_before, database_before = time.process_time(), postgres_cpu_seconds()
        machine_before = machine_cpu_ticks()
        casts, wall = asyncio.run(vote(server, round_id, codes, args.concurrency, args.client))
        cpu_used = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
        client_cpu, database_cpu = time.process_time() - client_before, postgres_cpu_seconds() - database_before
        machine = machine_busy(machine_before, machine_cpu_ticks())
        ok = [c for c in casts if c.status == 201]
        turnout = httpx.get(f"{server.url}/api/v1/rounds/{round_id}/turnout", timeout=30).json()["ballots"]
        total_cpu = sum(cpu_used.values()) or 1e-9
        print(f"\n  {len(ok)} of {len(casts)} acknowledged in {wall:.1f} s = {len(ok) / wall:.1f} ballots/s")
        print(f"  answers by status: {dict(sorted(Counter(c.status for c in casts).items()))}; "
              f"requests resent after no answer: {dict(TRANSPORT_ERRORS) or 0}")
        print(f"  latency {describe([c.latency for c in ok])}")
        for pid in pids:
            print(f"  worker {pid}: {100 * cpu_used[pid] / total_cpu:.0f}% of the CPU, "
                  f"{1000 * cpu_used[pid] / max(1, len(ok)):.2f} ms per ballot overall, "
                  f"memory {memory_before[pid]:.0f} -> {rss_mib(pid):.0f} MiB")
        per_ballot = {"workers": total_cpu, "PostgreSQL": database_cpu, "this client": client_cpu}
        spent = sum(per_ballot.values()) / max(1, len(ok))
        cores = os.cpu_count() or 1
        print("  CPU per ballot: " + ", ".join(f"{name} {1000 * used / max(1, len(ok)):.2f} ms"
                                              for name, used in per_ballot.items())
              + f"; the machine: {machine}")
        print(f"  at {1000 * spent:.2f} ms of CPU a ballot, {cores} CPUs take at most {cores / spent:.0f} ballots/s "
              "on this machine, whatever the number of workers")
        print(f"  turnout {turnout}, acknowledged {len(ok)}: {'equal' if turnout == len(ok) else 'DIFFERENT'}")
        print(f"  {load_average()}")
        return 0 if turnout == len(ok) else 1
    finally:
        server.stop()
        database.drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 ballots")
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--client", choices=sorted(HTTP_CLIENTS), default="lean",
                        help="the voters' HTTP client (see bench/event_day.py)")
    args = parser.parse_args()
    if args.quick:
        args.ballots = 5_000
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
