"""``python main.py tally FILE.pb``: recount a Pabulib file with our rules.

Output with ``--json``::

    {"rule": "mes", "selected": ["12", "3", ...], "total_cost": 6100000}

(``selected`` holds the ids as written in the file, sorted the way Pabulib and pabutools sort them:
numbers by value, then text.) Without ``--json`` a short human-readable table is printed.

Exit codes: 0 counted; 2 the file is broken or the arguments do not apply (a one-line message on
stderr naming the line and the problem).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from fractions import Fraction

from voting import pabulib
from voting.rules import count_tally
from voting.rules.outcome import money


def natural_key(text: str):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="main.py tally", description="Recount a Pabulib (.pb) file.")
    ap.add_argument("file", help="the .pb file")
    ap.add_argument("--rule", default="greedy", choices=["greedy", "greedy-no-skip", "mes", "phragmen"])
    ap.add_argument("--satisfaction", default="cost", choices=["cost", "cardinality"])
    ap.add_argument("--completion", action="store_true", help="mes: raise shares by 1 (add1), then greedy")
    ap.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return ap


def _json_number(x):
    x = Fraction(x)
    return int(x) if x.denominator == 1 else float(x)


def run(argv: list[str]) -> int:
    ap = _parser()
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return 2 if exc.code else 0
    if args.completion and args.rule != "mes":
        print("tally: --completion applies to --rule mes only", file=sys.stderr)
        return 2
    try:
        pb = pabulib.read(args.file)
        counted = pb.tally()
    except (pabulib.PabulibError, ValueError, TypeError) as exc:
        print(f"tally: {exc}", file=sys.stderr)
        return 2
    if args.rule == "phragmen" and pb.kind != "approval":
        print(f"tally: phragmen counts approval ballots only; this file has {pb.vote_type} votes", file=sys.stderr)
        return 2
    outcome = count_tally(counted, rule=args.rule, satisfaction=args.satisfaction, completion=args.completion)
    selected = sorted(outcome.selected, key=natural_key)
    if args.json:
        total = _json_number(outcome.total_cost)
        print(json.dumps({"rule": args.rule, "selected": selected, "total_cost": total}))
        return 0
    currency = pb.meta.get("currency", "")
    print(f"{outcome.rule}: {len(selected)} of {len(counted.names)} projects funded, ", end="")
    print(f"{money(outcome.total_cost, currency)} of {money(counted.budget, currency)}")
    for pid in outcome.selected:
        facts = outcome.projects[pid]
        print(f"  {facts.position:>3}. {pid:>10}  {money(facts.cost, currency):>16}  support {facts.support}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(sys.argv[1:]))
