"""Run pabutools 1.2.3 on one of our elections, the way the brief's rule table prescribes.

This is the reference every comparison test uses: our Election is rebuilt as a pabutools Instance and
Profile, and the pabutools call for each of our rules is made exactly as documented in
/work/shared/pabulib/expected_outcomes.json (``rule_calls``).
"""

from __future__ import annotations

from fractions import Fraction

from gmpy2 import mpq
from pabutools.election import (
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    Cardinality_Sat,
    CardinalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
    Project,
)
from pabutools.election.satisfaction import Additive_Cardinal_Sat
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from voting.rules import Election


def _exact(x):
    x = Fraction(x)
    return int(x) if x.denominator == 1 else mpq(x.numerator, x.denominator)


def _points_times_cost(instance, profile, ballot, project, precomputed_values):
    return ballot.get(project, 0) * project.cost


class Cost_Points_Sat(AdditiveSatisfaction):  # noqa: N801 - pabutools naming
    """Satisfaction = points x cost: greedy 'by total points' for point ballots."""

    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _points_times_cost)


def to_pabutools(election: Election):
    projects = {pid: Project(pid, _exact(cost)) for pid, cost in election.projects.items()}
    instance = Instance(projects.values(), budget_limit=_exact(election.budget))
    if election.kind == "approval":
        profile = ApprovalProfile([ApprovalBallot(projects[p] for p in b) for b in election.ballots])
    elif election.kind == "ranking":
        ballots = []
        for ranking in election.ballots:
            k = len(ranking)
            ballots.append(CumulativeBallot({projects[p]: k - n for n, p in enumerate(ranking)}))
        profile = CumulativeProfile(ballots)
    elif election.kind == "cumulative":
        profile = CumulativeProfile(
            [CumulativeBallot({projects[p]: _exact(v) for p, v in b.items()}) for b in election.ballots]
        )
    else:
        profile = CardinalProfile(
            [CardinalBallot({projects[p]: _exact(v) for p, v in b.items()}) for b in election.ballots]
        )
    return instance, profile


def sat_classes(kind: str, satisfaction: str):
    """(greedy satisfaction, MES satisfaction) for a ballot kind and our --satisfaction."""
    if kind == "approval":
        cls = Cost_Sat if satisfaction == "cost" else Cardinality_Sat
        return cls, cls
    greedy_cls = Cost_Points_Sat if satisfaction == "cost" else Additive_Cardinal_Sat
    return greedy_cls, Additive_Cardinal_Sat


def pabutools_outcome(election: Election, rule: str, satisfaction: str = "cost", completion: bool = False) -> list[str]:
    """pabutools' selected project ids, in its order."""
    instance, profile = to_pabutools(election)
    return pabutools_run(instance, profile, election.kind, rule, satisfaction, completion)


def pabutools_run(instance, profile, kind: str, rule: str, satisfaction="cost", completion=False) -> list[str]:
    """Call pabutools for one of our rules on a pabutools instance and profile."""
    greedy_cls, mes_cls = sat_classes(kind, satisfaction)
    if rule == "greedy":
        result = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_cls)
    elif rule == "phragmen":
        result = sequential_phragmen(instance, profile)
    elif rule == "mes" and completion:
        result = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": mes_cls, "voter_budget_increment": 1}, {"sat_class": greedy_cls}],
        )
    elif rule == "mes":
        result = method_of_equal_shares(instance, profile, sat_class=mes_cls)
    else:
        raise ValueError(f"pabutools has no {rule}")
    return [p.name for p in result]
