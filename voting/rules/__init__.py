"""Counting rules for participatory budgeting, matching pabutools 1.2.3 exactly.

Usage::

    from voting.rules import Election, count

    election = Election(budget=1000, projects={"p1": 600, "p2": 500}, kind="approval",
                        ballots=[{"p1"}, {"p1", "p2"}, {"p2"}])
    outcome = count(election, rule="mes", completion=True, currency="£")
    outcome.selected                     # ["p1"] ... in selection order
    outcome.projects["p2"].reason        # "did not fit the remaining £400"

Rules (``rule=``) and what they are in pabutools terms:

===================  =========================================  ============================================
rule                 approval / choose-1 ballots                scores, cumulative, ranking (as points)
===================  =========================================  ============================================
greedy (cost)        greedy_utilitarian_welfare, Cost_Sat       greedy, satisfaction = points x cost
greedy (cardinality) greedy_utilitarian_welfare, Cardinality    greedy, Additive_Cardinal_Sat
greedy-no-skip       as greedy, but stop at the first misfit    as greedy, but stop at the first misfit
mes                  method_of_equal_shares, Cost_Sat           method_of_equal_shares, Additive_Cardinal_Sat
mes + completion     MES add1, then greedy (Cost_Sat)           MES add1 (points), then greedy (points x cost)
phragmen             sequential_phragmen                        not defined
===================  =========================================  ============================================

With ``satisfaction="cardinality"``, ``mes`` on approval ballots uses Cardinality_Sat and the completion
greedy uses the cardinality satisfaction too. Ties are always broken by ascending project id compared as
strings (pabutools' default ``lexico_tie_breaking``). Ranking ballots are turned into points (a ranking of
k projects gives k, k-1, ..., 1 points) and counted as cumulative ballots. All decisions are made in exact
arithmetic; see :mod:`voting.rules.mes` for how the fast path stays exact.
"""

from __future__ import annotations

from voting.rules.election import KINDS, Election, Tally, tally
from voting.rules.greedy import greedy
from voting.rules.mes import method_of_equal_shares
from voting.rules.outcome import Outcome, ProjectFacts, money, normalise, too_expensive
from voting.rules.phragmen import sequential_phragmen

__all__ = ["Election", "Outcome", "ProjectFacts", "RULES", "count", "count_tally", "tally", "KINDS"]

RULES = ("greedy", "greedy-no-skip", "mes", "phragmen")
SATISFACTIONS = ("cost", "cardinality")


def count(
    election: Election,
    rule: str = "greedy",
    satisfaction: str = "cost",
    completion: bool = False,
    currency: str = "",
) -> Outcome:
    """Count a closed round. Pure: the election is not modified."""
    return count_tally(tally(election), rule, satisfaction, completion, currency)


def count_tally(
    t: Tally,
    rule: str = "greedy",
    satisfaction: str = "cost",
    completion: bool = False,
    currency: str = "",
) -> Outcome:
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    if satisfaction not in SATISFACTIONS:
        raise ValueError(f"unknown satisfaction {satisfaction!r}; expected 'cost' or 'cardinality'")
    if completion and rule != "mes":
        raise ValueError("completion applies to the mes rule only")
    notes: list[str] = []
    reasons: dict[int, str] = {}
    label = rule
    if rule in ("greedy", "greedy-no-skip"):
        selected, reasons = greedy(t, satisfaction, no_skip=rule == "greedy-no-skip", currency=currency)
        if satisfaction != "cost":
            label += f" ({satisfaction})"
    elif rule == "phragmen":
        selected, reasons = sequential_phragmen(t, currency=currency)
    else:
        mes_sat = satisfaction
        result = method_of_equal_shares(t, mes_sat, increment=1 if completion else None)
        selected = result.selected
        chosen = set(selected)
        left_by_project = result.left
        # why the others were not funded by MES
        for p in range(len(t.names)):
            if p in chosen:
                continue
            if t.costs[p] > t.budget:
                reasons[p] = too_expensive(t.costs[p], t.budget, currency)
            elif p not in result.candidates:
                reasons[p] = "nobody voted for it" if t.voters[p] == 0 else "its supporters gave it no points"
            else:
                left = left_by_project[p]
                reasons[p] = (
                    f"its supporters ran out of budget share: together they had "
                    f"{money(round(left, 2), currency)} left, it costs {money(t.costs[p], currency)}"
                )
        if completion:
            label = "mes+completion"
            notes.append(
                f"Method of Equal Shares with each voter's share raised in steps of 1 ({result.rounds} runs; "
                f"final share {money(round(float(result.share), 2), currency)} per voter), then greedy."
            )
            spent = sum(t.costs[p] for p in selected)
            if any(spent + t.costs[p] <= t.budget for p in range(len(t.names)) if p not in chosen):
                mes_part = len(selected)
                selected, greedy_reasons = greedy(t, satisfaction, initial=selected, currency=currency)
                for p, why in greedy_reasons.items():
                    reasons[p] = why
                for p in selected[mes_part:]:
                    reasons.pop(p, None)
            else:
                left = money(t.budget - spent, currency)
                for p in range(len(t.names)):
                    if p not in chosen and t.costs[p] <= t.budget:
                        reasons[p] = f"did not fit the remaining {left}"
    total = normalise(sum(t.costs[p] for p in selected))
    facts: dict[str, ProjectFacts] = {}
    position = {p: k + 1 for k, p in enumerate(selected)}
    for i, name in enumerate(t.names):
        facts[name] = ProjectFacts(
            project=name,
            cost=t.costs[i],
            support=normalise(t.support[i]),
            voters=t.voters[i],
            selected=i in position,
            position=position.get(i),
            reason=None if i in position else reasons.get(i, "not funded"),
        )
    return Outcome(
        rule=label,
        selected=[t.names[p] for p in selected],
        total_cost=total,
        budget=t.budget,
        projects=facts,
        notes=notes,
    )
