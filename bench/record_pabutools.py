"""Record pabutools' MES add1 + greedy outcome on one real file, without a time limit.

    nice -n 10 .venv/bin/python bench/record_pabutools.py Hungary_Budapest_2024.pb budapest_2024 [--deadline S]

Writes tests/rules/references/<stem>_mes_add1_greedy.json (read by
tests/rules/test_supplementary_references.py and by bench/tally.py). Meant to run once, in the
background: pabutools takes many minutes on the files that need it.

pabutools' add1 loop reruns MES once per +1 step of every voter's share. The recorder counts those
runs as they finish. With ``--deadline`` it stops after that many seconds of its own CPU time if the loop has not ended
and records a lower bound instead of an outcome: how much CPU time it had and how many runs it finished
in it (from which the whole loop's time can be estimated, given how many steps it needs). CPU time,
not wall time, so that the recorder may be paused (SIGSTOP/SIGCONT) while the machine is needed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pabutools.election import Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.rules.mes import mes_rule  # noqa: E402

PABULIB = Path("/work/shared/pabulib")
REFERENCES = ROOT / "tests" / "rules" / "references"
CALL = (
    "completion_by_rule_combination(instance, profile.as_multiprofile(), "
    "[method_of_equal_shares, greedy_utilitarian_welfare], "
    "[{'sat_class': Cost_Sat, 'voter_budget_increment': 1}, {'sat_class': Cost_Sat}])"
)


class Deadline(Exception):
    pass


class OutOfMemory(Exception):
    pass


def rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def count_mes_runs(progress: dict, log: Path | None, memory_gib: float) -> None:
    """Wrap pabutools' inner MES so that every finished run is counted (the add1 loop calls it once a step).

    Each run's count, CPU time and memory go to ``log`` as they happen (a run that is killed still
    leaves them); past ``memory_gib`` of resident memory the recording stops with a lower bound
    rather than wait for the kernel to kill it (pabutools' memory grows with every run of its loop).
    """
    inner = mes_rule.mes_inner_algo

    def counted(*args, **kwargs):
        result = inner(*args, **kwargs)
        progress["runs"] += 1
        progress["last_run_at"] = time.process_time()
        memory = rss_gib()
        progress["rss_gib"] = memory
        if log is not None:
            with log.open("a") as out:
                out.write(f"{progress['runs']} {progress['last_run_at']:.1f} {memory:.2f}\n")
        if memory > memory_gib:
            raise OutOfMemory
        return result

    mes_rule.mes_inner_algo = counted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("stem")
    parser.add_argument("--deadline", type=float, default=None, help="CPU seconds; record a lower bound if not done")
    parser.add_argument("--memory-gib", type=float, default=12.0, help="stop with a lower bound past this RSS")
    parser.add_argument("--log", type=Path, default=None, help="append 'runs cpu_s rss_gib' after every MES run")
    args = parser.parse_args()
    instance, profile = parse_pabulib(str(PABULIB / args.name))
    multi = profile.as_multiprofile()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    progress = {"runs": 0, "last_run_at": None, "rss_gib": 0.0}
    count_mes_runs(progress, args.log, args.memory_gib)

    def out_of_time(signum, frame):
        raise Deadline

    if args.deadline:
        signal.signal(signal.SIGVTALRM, out_of_time)
        signal.setitimer(signal.ITIMER_VIRTUAL, args.deadline)
    # SIGUSR1 ends the run early with the same lower-bound record
    signal.signal(signal.SIGUSR1, out_of_time)
    t0 = time.process_time()
    record = {"file": args.name, "call": CALL, "pabutools_version": "1.2.3"}
    out = REFERENCES / f"{args.stem}_mes_add1_greedy.json"
    try:
        result = completion_by_rule_combination(
            instance,
            multi,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    except (Deadline, OutOfMemory) as stopped:
        wall = time.process_time() - t0
        finished = progress["runs"]
        in_runs = (progress["last_run_at"] - t0) if finished else 0.0
        if isinstance(stopped, OutOfMemory):
            reason = f"was stopped at {progress['rss_gib']:.1f} GiB of memory, still growing with every run, after"
        else:
            reason = "did not end in"
        record |= {
            "why": (
                f"pabutools' add1 loop {reason} {wall:.0f} s of CPU time (from {started}, on a 2-CPU "
                "machine with 24 GiB shared with other work, nice 10): this is a lower bound, not an outcome"
            ),
            "rss_gib_at_stop": round(progress["rss_gib"], 2),
            "lower_bound_s": round(wall, 1),
            "mes_runs_finished": finished,
            "mean_s_per_mes_run": round(in_runs / finished, 3) if finished else None,
        }
        out.write_text(json.dumps(record, indent=1) + "\n")
        print(f"{args.name}: stopped ({type(stopped).__name__}) after {wall:.1f} CPU s, {finished} MES runs -> {out}")
        return
    signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    wall = time.process_time() - t0
    record |= {
        "why": (
            "expected_outcomes.json has no reference here: pabutools timed out at 600 s. Recorded from "
            f"{started} on a 2-CPU machine shared with other work (nice 10), with no time limit; CPU time."
        ),
        "wall_s": round(wall, 1),
        "mes_runs": progress["runs"],
        "selected": sorted(p.name for p in result),
    }
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{args.name}: {wall:.1f} s, {progress['runs']} MES runs, {len(record['selected'])} projects -> {out}")


if __name__ == "__main__":
    main()
