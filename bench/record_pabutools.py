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


def count_mes_runs(progress: dict) -> None:
    """Wrap pabutools' inner MES so that every finished run is counted (the add1 loop calls it once a step)."""
    inner = mes_rule.mes_inner_algo

    def counted(*args, **kwargs):
        result = inner(*args, **kwargs)
        progress["runs"] += 1
        progress["last_run_at"] = time.process_time()
        return result

    mes_rule.mes_inner_algo = counted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("stem")
    parser.add_argument("--deadline", type=float, default=None, help="CPU seconds; record a lower bound if not done")
    args = parser.parse_args()
    instance, profile = parse_pabulib(str(PABULIB / args.name))
    multi = profile.as_multiprofile()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    progress = {"runs": 0, "last_run_at": None}
    count_mes_runs(progress)

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
    except Deadline:
        wall = time.process_time() - t0
        finished = progress["runs"]
        in_runs = (progress["last_run_at"] - t0) if finished else 0.0
        record |= {
            "why": (
                f"pabutools' add1 loop did not end in {wall:.0f} s of CPU time (from {started}, on a 2-CPU "
                "machine shared with other work, nice 10): this is a lower bound, not an outcome"
            ),
            "lower_bound_s": round(wall, 1),
            "mes_runs_finished": finished,
            "mean_s_per_mes_run": round(in_runs / finished, 3) if finished else None,
        }
        out.write_text(json.dumps(record, indent=1) + "\n")
        print(f"{args.name}: not done in {wall:.1f} CPU s; {finished} MES runs finished -> {out}")
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
