"""Benchmark: our counting rules against pabutools 1.2.3, side by side in one process.

    .venv/bin/python bench/tally.py                 # the four largest real instances
    .venv/bin/python bench/tally.py --quick         # mid-size instances, a short run
    .venv/bin/python bench/tally.py --pabutools-timeout 120 --rules greedy,mes

For every instance and rule it prints our parse and count times, pabutools' parse and count times
measured live in this process, the ratio (pabutools count / our count), whether both funded the same
projects, and our peak memory (tracemalloc, parse + count, measured in a separate pass so that timing is
not disturbed). A pabutools run that would exceed ``--pabutools-timeout`` is not started if
expected_outcomes.json recorded it as slower than that (and is interrupted if it runs over); its
recorded time and outcome (2-CPU machine, 2026-11-26) are used instead and the row says ``recorded``.
Where expected_outcomes.json has no outcome for MES with completion (pabutools timed out at 600 s), the
run recorded once without a limit in tests/rules/references/ is used (bench/record_pabutools.py), or
its lower bound if even that did not finish (with, where the recorder counted them, pabutools' mean
time per MES run: the whole loop's time estimated from it is printed beside the lower bound). The
machine is shared: the load average is printed, and
our CPU time next to our wall-clock time.
Rankings are counted as points by us; pabutools then gets the same points as a cumulative profile.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pabutools.election import parse_pabulib  # noqa: E402

from tests.rules.pabutools_bridge import pabutools_run, to_pabutools  # noqa: E402
from voting import pabulib  # noqa: E402
from voting.rules import count_tally  # noqa: E402
from voting.rules.mes_rounds import compile_now  # noqa: E402

PABULIB = Path("/work/shared/pabulib")
FULL = [
    "Poland_Lodz_2022.pb",
    "Poland_Wroclaw_2015_150_-_500.pb",
    "Poland_Krakow_2024.pb",
    "Poland_Warszawa_2026.pb",
    # the files on which MES with completion needs the most +1 steps
    "Hungary_Budapest_2024.pb",
    "Poland_Warszawa_2019_Ursynow.pb",
    "France_Toulouse_2022.pb",
]
REFERENCES = ROOT / "tests" / "rules" / "references"
QUICK = [
    "Poland_Warszawa_2020_Ochota.pb",
    "Poland_Wroclaw_2016_Rejon_nr_7_250.pb",
    "Poland_Krakow_2023_Stare_Miasto.pb",
    "Poland_Katowice_2020_Dabrowka_Mala.pb",
]
RULES = {
    "greedy": {"rule": "greedy"},
    "greedy-card": {"rule": "greedy", "satisfaction": "cardinality"},
    "mes": {"rule": "mes"},
    "mes+completion": {"rule": "mes", "completion": True},
    "phragmen": {"rule": "phragmen"},
}
# expected_outcomes.json key per (vote type group, our rule); None: never recorded
RECORDED_KEY = {
    ("approval", "greedy"): "greedy_cost",
    ("approval", "greedy-card"): "greedy_card",
    ("approval", "mes"): "mes_cost",
    ("approval", "mes+completion"): "mes_cost_add1+greedy",
    ("approval", "phragmen"): "phragmen",
    ("points", "greedy"): "greedy_points_total",
    ("points", "greedy-card"): "greedy_points",
    ("points", "mes"): "mes_points",
}


def reference_record(name: str) -> dict | None:
    """pabutools' MES add1 + greedy on a file, recorded once without a time limit (tests/rules/references).

    A file whose run did not finish holds ``lower_bound_s`` (how long it ran) instead of an outcome.
    """
    for path in sorted(REFERENCES.glob("*.json")):
        record = json.loads(path.read_text())
        if record["file"] == name:
            if "selected" in record:
                return {"status": "ok", "wall_s": record["wall_s"], "selected": record["selected"]}
            return {
                "status": "timeout",
                "wall_s": record["lower_bound_s"],
                "mean_s_per_mes_run": record.get("mean_s_per_mes_run"),
                "mes_runs_finished": record.get("mes_runs_finished"),
            }
    return None


def estimate_from_mean_run(t, record: dict, ours: float) -> str:
    """pabutools' whole add1 loop, estimated: its measured time per MES run times the runs it needs.

    The loop reruns MES once per +1 share until it stops; how many shares it visits is what ours
    visits too (identical outcomes at every share), counted without skipping any.
    """
    from voting.rules.mes import method_of_equal_shares

    visits = method_of_equal_shares(t, "cost", increment=1).shares_visited
    whole = visits * record["mean_s_per_mes_run"]
    return (
        f"; it finished {record['mes_runs_finished']} MES runs at {record['mean_s_per_mes_run']:.2f}s each, "
        f"of the {visits} this loop needs: about {whole:.0f}s in all, an estimated {whole / ours:.0f}x"
    )


class PabutoolsTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise PabutoolsTimeout


def timed(fn, *args, **kwargs):
    gc.collect()
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t0


def timed_cpu(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds of this process): on a shared machine the CPU time is the steadier."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t0, time.process_time() - c0


def peak_mib(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def end_to_end(path: Path, kwargs: dict) -> None:
    count_tally(pabulib.read(path).tally(), **kwargs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="mid-size instances for a short run")
    ap.add_argument("--pabutools-timeout", type=float, default=300.0, help="seconds per pabutools run")
    ap.add_argument("--rules", default=",".join(RULES), help="comma-separated subset of " + ",".join(RULES))
    ap.add_argument("--files", default="", help="comma-separated .pb names (default: the instance set)")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    args = ap.parse_args(argv)
    files = args.files.split(",") if args.files else (QUICK if args.quick else FULL)
    rules = [r for r in args.rules.split(",") if r]
    recorded = json.loads((PABULIB / "expected_outcomes.json").read_text())["instances"]
    signal.signal(signal.SIGALRM, _alarm)

    header = (
        f"{'instance':<32} {'rule':<15} {'ours parse':>10} {'ours count':>10} {'ours cpu':>9} {'pabu parse':>10} "
        f"{'pabu count':>11} {'ratio':>8} {'same':>5} {'peak MiB':>8}  note"
    )
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    # numba compiles MES's rounds once per machine and caches them on disk: done before timing anything
    _, compile_s = timed(compile_now)
    print(f"MES rounds compiled or loaded from numba's cache in {compile_s:.2f}s (not in any time below)")
    print(header)
    print("-" * len(header))
    worst_ratio = None
    for name in files:
        path = PABULIB / name
        pb, our_parse = timed(pabulib.read, path)
        t, our_tally = timed(pb.tally)
        our_parse += our_tally
        election = pb.election()
        group = "approval" if election.kind == "approval" else "points"
        (p_instance, p_profile), pabu_parse = timed(parse_pabulib, str(path))
        pabu_note = ""
        if election.kind == "ranking":
            (p_instance, p_profile), convert = timed(to_pabutools, election)
            pabu_note = f"rankings as points: +{convert:.2f}s to build pabutools' cumulative profile"
        info = recorded.get(name, {})
        label = f"{name[:-3][:32]}"
        print(
            f"{label:<32} {'(parse)':<15} {our_parse:>9.2f}s {'':>10} {pabu_parse:>9.2f}s   "
            f"voters={t.num_voters} distinct ballots={len(t.groups)} projects={len(t.names)} {pabu_note}"
        )
        for rule in rules:
            kwargs = RULES[rule]
            if rule == "phragmen" and election.kind != "approval":
                continue
            outcome, ours, ours_cpu = timed_cpu(count_tally, t, **kwargs)
            key = RECORDED_KEY.get((group, rule))
            record = info.get("rules", {}).get(key) if key else None
            if rule == "mes+completion" and (not record or record["status"] != "ok"):
                record = reference_record(name) or record
                # add1 alone timing out is a lower bound for add1 followed by greedy
                add1 = info.get("rules", {}).get("mes_cost_add1")
                if (not record or record["status"] not in ("ok", "timeout")) and add1 and add1["status"] == "timeout":
                    record = add1
            note = ""
            theirs = None
            pabu_time = None
            pabu_cpu = None
            if record and record["status"] == "ok" and record["wall_s"] > args.pabutools_timeout:
                note = f"recorded (pabutools took {record['wall_s']:.0f}s > timeout)"
            elif record and record["status"] == "timeout" and record["wall_s"] > args.pabutools_timeout:
                note = f"pabutools did not finish in {record['wall_s']:.0f}s (recorded); ratio is a lower bound"
                pabu_time = record["wall_s"]
                if record.get("mean_s_per_mes_run"):
                    note += estimate_from_mean_run(t, record, ours)
            else:
                signal.setitimer(signal.ITIMER_REAL, args.pabutools_timeout)
                try:
                    theirs, pabu_time, pabu_cpu = timed_cpu(
                        pabutools_run,
                        p_instance,
                        p_profile,
                        election.kind,
                        kwargs["rule"],
                        kwargs.get("satisfaction", "cost"),
                        kwargs.get("completion", False),
                    )
                    note = f"live; CPU ratio {pabu_cpu / max(ours_cpu, 1e-6):.0f}x ({pabu_cpu:.2f}s / {ours_cpu:.3f}s)"
                except PabutoolsTimeout:
                    note = f"live run stopped at the {args.pabutools_timeout:.0f}s timeout"
                    pabu_time = args.pabutools_timeout
                    if record and record["status"] == "ok":
                        note += "; recorded outcome used"
                    else:
                        note += "; ratio is a lower bound"
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            if theirs is None and record and record["status"] == "ok":
                theirs = record["selected"]
                if pabu_time is None:
                    pabu_time = record["wall_s"]
            same = "-" if theirs is None else ("yes" if sorted(outcome.selected) == sorted(theirs) else "NO")
            ratio = pabu_time / ours if pabu_time else None
            if ratio is not None and (worst_ratio is None or ratio < worst_ratio[0]):
                worst_ratio = (ratio, name, rule)
            peak = ""
            if not args.no_memory:
                peak = f"{peak_mib(partial(end_to_end, path, kwargs)):.0f}"
            print(
                f"{'':<32} {rule:<15} {'':>10} {ours:>9.3f}s {ours_cpu:>8.3f}s {'':>10} "
                f"{(f'{pabu_time:.2f}s' if pabu_time else '-'):>11} "
                f"{(f'{ratio:.0f}x' if ratio else '-'):>8} {same:>5} {peak:>8}  {note}",
                flush=True,
            )
        if "mes+completion" in rules:
            _, total = timed(end_to_end, path, {"rule": "mes", "completion": True})
            print(f"{'':<32} {'parse+mes+compl':<15} {total:>9.2f}s  (end to end, from the file)")
    if worst_ratio:
        print(f"\nsmallest ratio: {worst_ratio[0]:.0f}x ({worst_ratio[1]}, {worst_ratio[2]})")
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print("ratio: pabutools count / our count, both wall-clock; 'ours cpu' is our process CPU time.")
    print("peak MiB: tracemalloc peak of our parse + count (Python and numpy allocations).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
