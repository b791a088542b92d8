"""Benchmark: a PB day's hall pressing Confirm at once, with big screens watching.

    .venv/bin/python bench/event_day.py            # 500 voters, 32 at a time, 50 screens, SQLite, one worker
    .venv/bin/python bench/event_day.py --quick    # 120 voters, 10 screens: a short run
    .venv/bin/python bench/event_day.py --postgres --workers 2
    .venv/bin/python bench/event_day.py --client httpx   # the client the issue's figures were measured with

It builds a fresh database with an open round of 17 projects and one batch pass per voter, starts
`main.py serve` in a subprocess, then measures in the same run:

1. the ceiling: how many trivial requests a second the same server answers (`/healthz`, same concurrency);
2. a burst: every voter casts through the JSON API with their own pass and Idempotency-Key, `--concurrency`
   at a time, while `--screens` websocket screens count the turnout they are shown;
3. an offered load: `--rate` ballots a second, open loop, with fresh voters.

It prints throughput against the ceiling (the ratio), p50/p95/p99 of cast latency and of cast-to-screen
(from a ballot's 201 to every screen showing a turnout that includes it), errors by status, the server's
CPU per ballot and per worker, and checks that the round's turnout equals the number of 201s.

The client shares the machine with the server. By default it is a minimal HTTP/1.1 client (about 0.1 ms
of CPU a ballot), so the ceiling is the server's own; `--client httpx` measures the way the issue's outside
run did, with a client whose CPU per request bounds the ceiling (and adds its own queueing to latency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    HTTP_CLIENTS,
    LeanHTTP,
    LeanHTTPError,
    Server,
    bench_environment,
    cpu_seconds,
    describe,
    load_average,
    machine_busy,
    machine_cpu_ticks,
    percentile,
    postgres_cpu_seconds,
    postgres_database,
    project_ids,
    rss_mib,
    seed_open_round,
    sqlite_database,
)

TURNOUT = re.compile(r'id="turnout-count"[^>]*>\s*(\d+)\s*<')


@dataclass
class Screen:
    seen: list[tuple[float, int]] = field(default_factory=list)  # (time, turnout shown)
    messages: int = 0

    def first_time_at_least(self, count: int) -> float | None:
        for at, shown in self.seen:
            if shown >= count:
                return at
        return None


async def watch(url: str, origin: str, screen: Screen, stop: asyncio.Event) -> None:
    async with connect(url, origin=origin, open_timeout=30, max_size=2**22) as socket:
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            screen.messages += 1
            found = TURNOUT.search(message if isinstance(message, str) else message.decode())
            if found:
                screen.seen.append((time.perf_counter(), int(found.group(1))))


def a_ballot(projects: list[tuple[int, int]], budget: int = 100_000) -> list[int]:
    """A plausible approval ballot: a few projects that fit the budget."""
    chosen, spent = [], 0
    for project_id, cost in random.sample(projects, k=random.randint(2, 7)):
        if spent + cost <= budget:
            chosen.append(project_id)
            spent += cost
    return chosen


@dataclass
class Cast:
    sent: float
    done: float
    status: int

    @property
    def latency(self) -> float:
        return self.done - self.sent


TRANSPORT_ERRORS: Counter = Counter()


async def cast(client: LeanHTTP, round_id: int, code: str, approvals: list[int], sent: float) -> Cast:
    """One voter's ballot. Like the kiosk, a request that got no answer is sent again with the same
    Idempotency-Key (at most three times); each such retry is counted by its error."""
    key = secrets.token_urlsafe(16)
    status = 0  # no answer at all
    for _attempt in range(3):
        try:
            status, _ = await client.request("POST", f"/api/v1/rounds/{round_id}/ballots",
                                             json.dumps({"pass": code, "approvals": approvals}).encode(),
                                             {"Idempotency-Key": key})
            break
        except LeanHTTPError as error:
            TRANSPORT_ERRORS[type(error).__name__] += 1
    return Cast(sent, time.perf_counter(), status)


async def ceiling(client: LeanHTTP, requests: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await client.request("GET", "/healthz")

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    return requests / (time.perf_counter() - started)


async def burst(client, round_id, codes, projects, concurrency) -> tuple[list[Cast], float]:
    gate = asyncio.Semaphore(concurrency)

    async def one(code: str) -> Cast:
        async with gate:
            return await cast(client, round_id, code, a_ballot(projects), time.perf_counter())

    started = time.perf_counter()
    results = await asyncio.gather(*(one(code) for code in codes))
    return list(results), time.perf_counter() - started


async def offered(client, round_id, codes, projects, rate) -> tuple[list[Cast], float]:
    """Open loop: ballot i is due at start + i/rate, whether or not earlier ones have answered."""
    started = time.perf_counter()

    async def one(i: int, code: str) -> Cast:
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        return await cast(client, round_id, code, a_ballot(projects), due)

    results = await asyncio.gather(*(one(i, code) for i, code in enumerate(codes)))
    return list(results), time.perf_counter() - started


def cast_to_screen(casts: list[Cast], screens: list[Screen], before: int) -> tuple[list[float], int]:
    """For the k-th acknowledged ballot, the time until each screen showed a turnout of at least k."""
    acked = sorted(c.done for c in casts if c.status == 201)
    delays, missed = [], 0
    for k, acked_at in enumerate(acked, start=before + 1):
        for screen in screens:
            shown = screen.first_time_at_least(k)
            if shown is None:
                missed += 1
            else:
                delays.append(max(0.0, shown - acked_at))
    return delays, missed


def report_casts(title: str, casts: list[Cast], wall: float, screens: list[Screen], before: int) -> dict:
    statuses = Counter(c.status for c in casts)
    ok = [c for c in casts if c.status == 201]
    delays, missed = cast_to_screen(casts, screens, before)
    rate = len(ok) / wall
    print(f"\n{title}")
    print(f"  ballots: {len(casts)} sent, {len(ok)} acknowledged in {wall:.2f} s = {rate:.1f} ballots/s")
    print(f"  answers by status: {dict(sorted(statuses.items()))}; "
          f"requests resent after no answer: {dict(TRANSPORT_ERRORS) or 0}")
    TRANSPORT_ERRORS.clear()
    print(f"  cast latency       {describe([c.latency for c in ok])}")
    if screens:
        print(f"  cast-to-screen     {describe(delays)}  ({len(delays)} screen updates measured, {missed} never shown)")
    return {"rate": rate, "ok": len(ok), "p99": percentile([c.latency for c in ok], 99),
            "screen_p99": percentile(delays, 99) if delays else float("nan"), "errors": len(casts) - len(ok)}


async def run(args) -> int:
    database = postgres_database() if args.postgres else sqlite_database()
    env = bench_environment(database.url)
    voters, rate_voters = args.voters, int(args.rate * args.rate_seconds)
    print(f"Event-day benchmark: {'PostgreSQL' if args.postgres else 'SQLite'}, {args.workers} worker(s), "
          f"{args.client} client, "
          f"{voters} voters {args.concurrency} at a time, {args.screens} screens, then {args.rate:g} ballots/s "
          f"for {args.rate_seconds:g} s")
    round_id, codes = seed_open_round(database.url, env, passes=voters + rate_voters)
    server = Server(env, workers=args.workers)
    try:
        print(f"  server pids {server.pids()}; {load_average()}")
        async with HTTP_CLIENTS[args.client](server.url, args.concurrency) as client:
            projects = project_ids(server.url, round_id)
            await ceiling(client, 200, args.concurrency)  # warm up every connection
            ceiling_pids = server.pids()
            ceiling_cpu = {pid: cpu_seconds(pid) for pid in ceiling_pids}
            healthz_rate = await ceiling(client, args.ceiling_requests, args.concurrency)
            healthz_cpu = sum(cpu_seconds(pid) - ceiling_cpu[pid] for pid in ceiling_pids) / args.ceiling_requests
            print(f"\nCeiling: /healthz at {args.concurrency} at a time: {healthz_rate:.0f} requests/s, "
                  f"server CPU {1000 * healthz_cpu:.2f} ms per request")

            stop = asyncio.Event()
            screens = [Screen() for _ in range(args.screens)]
            ws_url = server.url.replace("http://", "ws://") + f"/screen/{round_id}/ws"
            watchers = [asyncio.create_task(watch(ws_url, server.url, s, stop)) for s in screens]
            await asyncio.sleep(1.0)

            pids = server.pids()
            cpu_before = {pid: cpu_seconds(pid) for pid in pids}
            client_cpu_before, machine_before = time.process_time(), machine_cpu_ticks()
            database_cpu_before = postgres_cpu_seconds()
            burst_casts, burst_wall = await burst(client, round_id, codes[:voters], projects, args.concurrency)
            cpu_used = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
            client_cpu = time.process_time() - client_cpu_before
            database_cpu = postgres_cpu_seconds() - database_cpu_before
            machine_during_burst = machine_busy(machine_before, machine_cpu_ticks())
            await asyncio.sleep(1.0)
            burst_figures = report_casts(f"Burst: {voters} voters, {args.concurrency} at a time",
                                         burst_casts, burst_wall, screens, 0)
            ratio = burst_figures["rate"] / healthz_rate
            total_cpu = sum(cpu_used.values())
            print(f"  throughput / ceiling = {burst_figures['rate']:.1f} / {healthz_rate:.0f} = {ratio:.2f}")
            print(f"  server CPU: {1000 * total_cpu / max(1, burst_figures['ok']):.1f} ms per ballot; per worker: "
                  + ", ".join(f"pid {pid} {used:.1f} s ({100 * used / max(total_cpu, 1e-9):.0f}%)"
                              for pid, used in cpu_used.items()))
            # What the ratio is when the server has the machine to itself: other load on the machine
            # slows both phases, but not always alike; CPU per request is what the server spends.
            cpu_per_ballot = total_cpu / max(1, burst_figures["ok"])
            print(f"  this client's CPU (voters and screens): {1000 * client_cpu / max(1, burst_figures['ok']):.1f} ms "
                  f"per ballot, {100 * client_cpu / burst_wall:.0f}% of a core")
            print(f"  the whole machine during the burst (server, database, this client): {machine_during_burst}")
            ok = max(1, burst_figures["ok"])
            spent = (total_cpu + client_cpu + (database_cpu if args.postgres else 0.0)) / ok
            if args.postgres:
                print(f"  PostgreSQL's processes: {1000 * database_cpu / ok:.1f} ms of CPU per ballot")
            cores = os.cpu_count() or 1
            print(f"  per ballot the machine spent {1000 * spent:.1f} ms of CPU (server"
                  + (", PostgreSQL" if args.postgres else "") + f", this client): on {cores} CPUs that is at most "
                  f"{cores / spent:.0f} ballots/s, whatever the number of workers")
            print(f"  CPU ratio (healthz CPU / ballot CPU) = {1000 * healthz_cpu:.2f} / "
                  f"{1000 * cpu_per_ballot:.2f} ms = {healthz_cpu / max(cpu_per_ballot, 1e-9):.2f}")

            offered_casts, offered_wall = await offered(client, round_id, codes[voters:], projects, args.rate)
            await asyncio.sleep(1.0)
            offered_figures = report_casts(f"Offered load: {args.rate:g} ballots/s", offered_casts, offered_wall,
                                           screens, burst_figures["ok"])
            stop.set()
            await asyncio.gather(*watchers, return_exceptions=True)

            turnout = json.loads((await client.request("GET", f"/api/v1/rounds/{round_id}/turnout"))[1])["ballots"]
        acknowledged = burst_figures["ok"] + offered_figures["ok"]
        verdict = "equal" if turnout == acknowledged else "DIFFERENT"
        print(f"\nTurnout {turnout}, acknowledged {acknowledged}: {verdict}")
        print("Memory: " + ", ".join(f"pid {pid} {rss_mib(pid):.0f} MiB" for pid in server.pids()))
        print(f"After the run: {load_average()}")
        if args.targets:
            checks = [
                ("throughput >= half the ceiling", ratio >= 0.5),
                ("burst p99 cast < 500 ms", burst_figures["p99"] < 0.5),
                (f"{args.rate:g}/s p99 cast < 100 ms", offered_figures["p99"] < 0.1),
                (f"{args.rate:g}/s p99 cast-to-screen < 250 ms", offered_figures["screen_p99"] < 0.25),
                ("turnout equals the 201s", turnout == acknowledged),
            ]
            print("\nTargets:")
            for name, met in checks:
                print(f"  {'met    ' if met else 'NOT MET'}  {name}")
        return 0 if turnout == acknowledged else 1
    finally:
        server.stop()
        database.drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run: 120 voters, 10 screens")
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--rate", type=float, default=40.0, help="offered load in ballots a second")
    parser.add_argument("--rate-seconds", type=float, default=10.0)
    parser.add_argument("--ceiling-requests", type=int, default=3000)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--client", choices=sorted(HTTP_CLIENTS), default="lean",
                        help="lean: a minimal HTTP/1.1 client that leaves the CPU to the server (default); "
                             "httpx: as heavy per request as the server's ballot, so it bounds the ceiling")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-targets", dest="targets", action="store_false")
    args = parser.parse_args()
    if args.quick:
        args.voters, args.screens, args.rate_seconds, args.ceiling_requests = 120, 10, 4.0, 1000
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
