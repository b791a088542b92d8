"""Sequential Phragmén, as pabutools 1.2.3 computes it (approval ballots only).

Funding a project spreads its cost as a *load* over its supporters. Each round picks the project whose
funding would leave its supporters with the smallest maximum load, ``(their loads + cost) / votes``, and
gives every supporter that new load. Ties go to the smallest project id (as a string). Projects costing
more than the whole budget are never considered. pabutools' stopping rule is kept exactly: counting
stops as soon as one of the projects tied for the smallest new load does not fit the remaining budget
(Phragmén does not skip). Projects nobody approved have an infinite load; they are only reached when
nothing else is left, and then in id order.

Exact arithmetic where it decides: voters are grouped by their current load (all supporters of a funded
project share the new load), so a project's load sum is an exact short sum ``count x load`` over a few
load values, computed only for the projects it is needed for. Floats, updated for every project at once
with numpy after each round, only shortlist the candidates: any project within a relative 1e-9 of the
smallest float value is compared exactly with Fractions, from exact loads worked out when first needed.
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
    in_play = np.zeros(n, dtype=bool)
    for i in range(n):
        if costs[i] > budget:
            reasons[i] = too_expensive(costs[i], budget, currency)
        else:
            in_play[i] = True
    score = np.array(t.support, dtype=np.int64)
    costs_f = np.array(costs, dtype=np.float64)
    load_f = np.zeros(n, dtype=np.float64)  # per project, its supporters' loads summed (float shortlist)
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
    # Load values by id; every group starts at load id 0. A load's exact Fraction is worked out only
    # when a close call needs it: until then it is kept as its recipe (the project's cost and votes,
    # and how many of its voters carried which earlier load), since Fraction sums cost far more
    # than the rest of a round and most counts never meet a close call.
    loads: list[Fraction | None] = [Fraction(0)]
    recipes: list[tuple | None] = [None]
    loads_f = np.zeros(n + 2, dtype=np.float64)  # load ids never exceed the number of rounds + 1
    group_load = np.zeros(len(t.groups), dtype=np.int64)

    def voters_per_load(p: int) -> tuple[np.ndarray, np.ndarray]:
        groups = by_project[bounds[p] : bounds[p + 1]]
        per_load = np.bincount(group_load[groups], weights=weights[groups])  # exact below 2**53
        ids = np.flatnonzero(per_load)
        return ids, per_load[ids]

    def exact_load(k: int) -> Fraction:
        if loads[k] is None:
            for j in range(k + 1):  # a recipe only names earlier loads
                if loads[j] is None:
                    cost, votes, ids, counts = recipes[j]
                    loads[j] = (sum(int(c) * loads[i] for i, c in zip(ids.tolist(), counts.tolist(), strict=True))
                                + cost) / votes
        return loads[k]

    def exact_value(p: int) -> Fraction:
        ids, counts = voters_per_load(p)
        carried = sum(int(c) * exact_load(k) for k, c in zip(ids.tolist(), counts.tolist(), strict=True))
        return (carried + costs[p]) / int(score[p])

    while in_play.any():
        finite = np.flatnonzero(in_play & (score > 0))
        if len(finite):
            values = (load_f[finite] + costs_f[finite]) / score[finite]
            low = values.min()
            near = finite[values <= low * (1 + 1e-9) + 1e-300].tolist()  # ascending ids
            if len(near) == 1:
                best, ties = None, near  # a clear winner: its new load is worked out exactly only if needed
            else:
                exact = {p: exact_value(p) for p in near}
                best = min(exact.values())
                ties = [p for p in near if exact[p] == best]
        else:
            best, ties = inf, np.flatnonzero(in_play).tolist()
        over = [p for p in ties if spent + costs[p] > budget]
        if over:
            stopper = min(over)
            left = money(budget - spent, currency)
            stop_name = t.names[stopper]
            for p in np.flatnonzero(in_play).tolist():
                if p == stopper:
                    reasons[p] = f"did not fit the remaining {left}; counting stopped here (Phragmén never skips)"
                else:
                    reasons[p] = f"counting stopped when project {stop_name} did not fit the remaining {left}"
            break
        winner = ties[0]
        selected.append(winner)
        in_play[winner] = False
        spent += costs[winner]
        if best == inf:
            continue
        # every supporter of the winner now carries its new load
        new_id = len(loads)
        if best is None:
            ids, counts = voters_per_load(winner)
            recipes.append((costs[winner], int(score[winner]), ids, counts))
            loads.append(None)
            best_f = (float(np.dot(counts, loads_f[ids])) + costs_f[winner]) / score[winner]
        else:
            recipes.append(None)
            loads.append(best)
            best_f = float(best)
        loads_f[new_id] = best_f
        groups = by_project[bounds[winner] : bounds[winner + 1]]
        raised = weights[groups] * (best_f - loads_f[group_load[groups]])  # per group: its added load
        group_load[groups] = new_id
        # every project those groups approve carries the added load of each of them
        lens = lengths[groups]
        offsets = np.repeat(starts[groups] - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        entries = offsets + np.arange(int(lens.sum()))
        load_f += np.bincount(entry_project[entries], weights=np.repeat(raised, lens), minlength=n)
    return selected, reasons
