"""Sequential Phragmén, as pabutools 1.2.3 computes it (approval ballots only).

Funding a project spreads its cost as a *load* over its supporters. Each round picks the project whose
funding would leave its supporters with the smallest maximum load, ``(their loads + cost) / votes``, and
gives every supporter that new load. Ties go to the smallest project id (as a string). Projects costing
more than the whole budget are never considered. pabutools' stopping rule is kept exactly: counting
stops as soon as one of the projects tied for the smallest new load does not fit the remaining budget
(Phragmén does not skip). Projects nobody approved have an infinite load; they are only reached when
nothing else is left, and then in id order.

Exact arithmetic: voters are grouped by their current load (all supporters of a funded project share
the new load), so every project's load sum is a short exact sum kept up to date incrementally.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from math import inf

from voting.rules.election import Tally
from voting.rules.outcome import money, too_expensive


def sequential_phragmen(t: Tally, currency: str = "") -> tuple[list[int], dict[int, str]]:
    if t.kind != "approval":
        raise ValueError("sequential Phragmén counts approval ballots only")
    costs = t.costs
    budget = t.budget
    n = len(t.names)
    reasons: dict[int, str] = {}
    remaining = set()
    for i in range(n):
        if costs[i] > budget:
            reasons[i] = too_expensive(costs[i], budget, currency)
        else:
            remaining.add(i)
    score = t.support
    # load sums per project: exact Fractions
    load_sum: list[Fraction] = [Fraction(0)] * n
    supporters: dict[int, list[int]] = defaultdict(list)
    for g, (_, items) in enumerate(t.groups):
        for i, _ in items:
            supporters[i].append(g)
    selected: list[int] = []
    spent = 0
    loads: list[Fraction] = [Fraction(0)]  # load values by id; every group starts at load id 0
    group_load = [0] * len(t.groups)
    while remaining:
        best = inf
        ties: list[int] = []
        for p in sorted(remaining):
            value = (load_sum[p] + costs[p]) / score[p] if score[p] else inf
            if not ties or value < best:
                best, ties = value, [p]
            elif value == best:
                ties.append(p)
        over = [p for p in ties if spent + costs[p] > budget]
        if over:
            stopper = min(over)
            left = money(budget - spent, currency)
            stop_name = t.names[stopper]
            for p in remaining:
                if p == stopper:
                    reasons[p] = f"did not fit the remaining {left}; counting stopped here (Phragmén never skips)"
                else:
                    reasons[p] = f"counting stopped when project {stop_name} did not fit the remaining {left}"
            break
        winner = ties[0]
        selected.append(winner)
        remaining.discard(winner)
        spent += costs[winner]
        if best == inf:
            continue
        # every supporter of the winner now carries load `best`
        new_id = len(loads)
        loads.append(best)
        moved: dict[tuple[int, int], int] = defaultdict(int)
        for g in supporters[winner]:
            old_id = group_load[g]
            group_load[g] = new_id
            weight, items = t.groups[g]
            for i, _ in items:
                moved[i, old_id] += weight
        for (i, old_id), weight in moved.items():
            if i in remaining:
                load_sum[i] += weight * (best - loads[old_id])
    return selected, reasons
