"""Greedy counting: fund projects in order of support until the money runs out.

This is pabutools' ``greedy_utilitarian_welfare`` for additive satisfactions. Each project gets a
*density*: the total satisfaction it brings divided by its cost. Projects are taken in decreasing
density, ties broken by ascending project id (as strings); a project that no longer fits the
remaining budget is skipped and the count goes on with the next one.

Satisfactions (``sat``):

``"cost"``
    approval ballots: a voter's satisfaction is the cost of the approved project (pabutools
    ``Cost_Sat``), so the density is simply the number of votes. Point ballots: points x cost, so the
    density is the total number of points.
``"cardinality"``
    approval: one per approved project (``Cardinality_Sat``), density = votes per unit of cost. Point
    ballots: the points themselves (``Additive_Cardinal_Sat``), density = points per unit of cost.

Two pabutools details matter for exact agreement: a project with positive satisfaction and cost 0
has infinite density (it comes first), and a project with no satisfaction has density 0 (so a free
project under ``"cost"`` satisfaction, whose satisfaction is 0 x votes, ranks with the unsupported
ones).

``no_skip=True`` is Pabulib's ``greedy-no-skip``: the count stops at the first project that does not
fit.

All arithmetic is exact (ints and Fractions).
"""

from __future__ import annotations

from fractions import Fraction

from voting.rules.election import Number, Tally
from voting.rules.outcome import money, too_expensive


def total_satisfaction(t: Tally, sat: str) -> list[Number]:
    if sat == "cost":
        return [s * c for s, c in zip(t.support, t.costs, strict=True)]
    if sat == "cardinality":
        return list(t.support)
    raise ValueError(f"unknown satisfaction {sat!r}; expected 'cost' or 'cardinality'")


def greedy_order(t: Tally, sat: str, exclude: set[int] = frozenset()) -> list[int]:
    """Project indices in the order greedy considers them."""
    totals = total_satisfaction(t, sat)

    def key(i: int):
        total, cost = totals[i], t.costs[i]
        if total > 0:
            if cost > 0:
                return (1, -Fraction(total) / cost, i)
            return (0, 0, i)  # infinite density
        return (1, 0, i)  # density 0

    return sorted((i for i in range(len(t.names)) if i not in exclude), key=key)


def greedy(
    t: Tally,
    sat: str = "cost",
    initial: list[int] | None = None,
    no_skip: bool = False,
    currency: str = "",
) -> tuple[list[int], dict[int, str]]:
    """Return (selected indices in order, including ``initial`` first; reasons for the rest)."""
    selected = list(initial or [])
    chosen = set(selected)
    remaining = t.budget - sum(t.costs[i] for i in selected)
    reasons: dict[int, str] = {}
    stopped_at: int | None = None
    for i in greedy_order(t, sat, chosen):
        cost = t.costs[i]
        if stopped_at is not None:
            reasons[i] = (
                f"counting stopped at project {t.names[stopped_at]}, the first that did not fit "
                "(greedy without skipping)"
            )
            continue
        if cost <= remaining:
            selected.append(i)
            chosen.add(i)
            remaining -= cost
            continue
        if cost > t.budget:
            reasons[i] = too_expensive(cost, t.budget, currency)
        else:
            reasons[i] = f"did not fit the remaining {money(remaining, currency)}"
        if no_skip:
            stopped_at = i
            reasons[i] += "; counting stopped here (greedy without skipping)"
    return selected, reasons
