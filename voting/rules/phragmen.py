"""Sequential Phragmén, as pabutools 1.2.3 computes it (approval ballots only).

Funding a project spreads its cost as a *load* over its supporters. Each round picks the project whose
funding would leave its supporters with the smallest maximum load, ``(their loads + cost) / votes``, and
gives every supporter that new load. Ties go to the smallest project id (as a string). Projects costing
more than the whole budget are never considered. pabutools' stopping rule is kept exactly: counting
stops as soon as one of the projects tied for the smallest new load does not fit the remaining budget
(Phragmén does not skip). Projects nobody approved have an infinite load; they are only reached when
nothing else is left, and then in id order.

Exact arithmetic: voters are grouped by their current load (all supporters of a funded project share
the new load), so every project's load sum is an exact short sum ``count x load`` over a few load values.
Floats only shortlist the candidates: any project within a relative 1e-9 of the smallest float value
is compared exactly with Fractions, and the new load is always the exact Fraction.
"""

from __future__ import annotations

from fractions import Fraction
from math import inf

import numpy as np

from voting.rules.election import Tally
from voting.rules.mes import project_dtype
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
    # Per project, how many of its voters carry each load value (by load id); the exact load sum is
    # sum(count * load) over a handful of ids. A float copy of the sums picks the candidates; exact
    # Fractions decide between any that are within a hair of each other, and fix the new load.
    counts: list[dict[int, int]] = [{0: score[i]} if score[i] else {} for i in range(n)]
    load_f = [0.0] * n
    costs_f = [float(c) for c in costs]
    # group -> projects (CSR) and project -> supporting groups, as numpy arrays
    lengths = np.array([len(items) for _, items in t.groups], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    entry_project = np.array(t.entry_project, dtype=project_dtype(n))
    entry_group = np.array(t.entry_group, dtype=np.int64)
    weights = np.array([w for w, _ in t.groups], dtype=np.int64)
    order = np.argsort(entry_project, kind="stable")  # radix sort on 16-bit ids
    by_project = entry_group[order]
    bounds = np.searchsorted(entry_project[order], np.arange(n + 1))
    selected: list[int] = []
    spent = 0
    loads: list[Fraction] = [Fraction(0)]  # load values by id; every group starts at load id 0
    loads_f = [0.0]
    group_load = np.zeros(len(t.groups), dtype=np.int64)
    n_ids = n + 2  # load ids never exceed the number of rounds + 1

    def exact_value(p: int) -> Fraction:
        return (sum(c * loads[k] for k, c in counts[p].items()) + costs[p]) / score[p]

    while remaining:
        finite = [p for p in remaining if score[p]]
        if finite:
            values = {p: (load_f[p] + costs_f[p]) / score[p] for p in finite}
            low = min(values.values())
            near = sorted(p for p, v in values.items() if v <= low * (1 + 1e-9) + 1e-300)
            if len(near) == 1:
                best, ties = exact_value(near[0]), near
            else:
                exact = {p: exact_value(p) for p in near}
                best = min(exact.values())
                ties = [p for p in near if exact[p] == best]
        else:
            best, ties = inf, sorted(remaining)
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
        best_f = float(best)
        loads_f.append(best_f)
        groups = by_project[bounds[winner] : bounds[winner + 1]]
        old_ids = group_load[groups]
        group_load[groups] = new_id
        # every (project, old load id) pair among the winner's supporters, with its voter count
        lens = lengths[groups]
        total = int(lens.sum())
        offsets = np.repeat(starts[groups] - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        entries = offsets + np.arange(total)
        projects = entry_project[entries].astype(np.int64)
        keys = projects * (n_ids) + np.repeat(old_ids, lens)
        moved = np.bincount(keys, weights=np.repeat(weights[groups], lens).astype(np.float64))
        uniq = np.flatnonzero(moved)
        for key, weight in zip(uniq.tolist(), moved[uniq].tolist(), strict=True):
            i, old_id = divmod(key, n_ids)
            if i in remaining:
                weight = int(round(weight))
                c = counts[i]
                left_over = c[old_id] - weight
                if left_over:
                    c[old_id] = left_over
                else:
                    del c[old_id]
                c[new_id] = c.get(new_id, 0) + weight
                load_f[i] += weight * (best_f - loads_f[old_id])
    return selected, reasons
