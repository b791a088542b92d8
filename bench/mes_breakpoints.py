"""How often the outcome of MES can change as add1 raises every voter's share by 1.

    .venv/bin/python bench/mes_breakpoints.py France_Toulouse_2022.pb

For every share that pabutools' add1 loop visits on a file (until the loop stops), counts the steps at
which, compared with the step before,

* the funded *set* changed (what the stopping rule looks at),
* the *sequence* of winners changed (what a jump over a stretch of shares has to prove constant),
* the *structure* changed: the winners, or which supporters of a winner could not pay their full
  share (float replay). Inside one structure every budget and every rho is affine in the share, so
  only a change of structure is a breakpoint where the outcome can change.

A jump to the next breakpoint can save at most the steps at which nothing of this changed.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.rules.real_files import load_tally  # noqa: E402
from voting.rules.mes import FastMES, _prepare  # noqa: E402


def structure(engine: FastMES, selected: list[int], share: Fraction) -> tuple:
    """(winner, supporters who paid all they had) per round, replayed in floats."""
    budgets = np.full(engine.G, float(share))
    rounds = []
    for p in selected:
        if p not in engine.idx:
            continue
        idx, w, u, cost = engine.idx[p], engine.w[p], engine.u[p], engine.costf[p]
        left = budgets[idx]
        rho = cost / engine.wu_total[p]
        capped = np.zeros(len(idx), dtype=bool)
        while True:
            now = left < rho * u
            if (now == capped).all():
                break
            capped = now
            rho = (cost - float((w * left)[capped].sum())) / float((w * u)[~capped].sum())
        rounds.append((p, tuple(idx[capped].tolist())))
        budgets[idx] = np.maximum(left - rho * u, 0.0)
    return tuple(rounds)


def main(name: str) -> None:
    t = load_tally(name)
    sup, start, cands, total_sat = _prepare(t, "cost", [])
    engine = FastMES(t, sup, start, cands, total_sat)
    share = Fraction(t.budget, t.num_voters)
    steps = changed_set = changed_sequence = changed_structure = 0
    last = None
    started = time.process_time()
    while True:
        selected, _ = engine.run(share)
        spent = sum(t.costs[p] for p in selected)
        if spent > t.budget:
            break
        now = (frozenset(selected), tuple(selected), structure(engine, selected, share))
        if last is not None:
            changed_set += now[0] != last[0]
            changed_sequence += now[1] != last[1]
            changed_structure += now[2] != last[2]
        last = now
        steps += 1
        chosen = set(selected)
        if all(spent + t.costs[p] > t.budget for p in cands if p not in chosen):
            break
        share += 1
    print(
        f"{name}: {steps} add1 steps; the funded set changed at {changed_set}, the sequence of winners at "
        f"{changed_sequence}, the structure at {changed_structure} "
        f"({time.process_time() - started:.0f} s CPU)"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        main(arg)
