"""Turn a round's ballot box into an election and count it with the round's rule."""

import json
from fractions import Fraction
from typing import Any

from core.money import currency_symbol
from governance.models import BallotKind, Round
from proposals.models import Proposal
from voting.rules import Election, count

# Our ballot kinds in the counting rules' (and Pabulib's) terms.
ELECTION_KINDS = {BallotKind.approval: "approval", BallotKind.scores: "scores", BallotKind.points: "cumulative",
                  BallotKind.ranking: "ranking"}


def election_for(voting_round: Round, projects: list[Proposal], ballot_choices: list[str]) -> Election:
    kind = ELECTION_KINDS[BallotKind(voting_round.ballot_kind)]
    ballots: list[Any] = []
    for text in ballot_choices:
        choices = json.loads(text)
        if kind == "approval":
            ballots.append({str(p) for p in choices["approvals"]})
        elif kind == "ranking":
            ballots.append([str(p) for p in choices["ranking"]])
        else:
            given = choices["scores" if kind == "scores" else "points"]
            ballots.append({str(p): s for p, s in given.items()})
    return Election(budget=voting_round.budget, projects={str(p.id): p.cost for p in projects}, kind=kind,
                    ballots=ballots)


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def count_round(voting_round: Round, projects: list[Proposal], ballot_choices: list[str]) -> dict:
    """The outcome as stored and published: selected ids in selection order and per-project facts."""
    election = election_for(voting_round, projects, ballot_choices)
    # Equal shares is always completed (budget increments of one, then greedy), as cities use it.
    outcome = count(election, rule=voting_round.counting_rule, completion=voting_round.counting_rule == "mes",
                    currency=currency_symbol(voting_round.currency))
    facts = []
    for project in projects:
        fact = outcome.projects[str(project.id)]
        facts.append({"id": project.id, "title": project.title, "cost": project.cost,
                      "support": _plain(fact.support), "selected": bool(fact.selected), "reason": fact.reason})
    return {"rule": voting_round.counting_rule, "ballot_kind": voting_round.ballot_kind,
            "selected": [int(p) for p in outcome.selected], "total_cost": _plain(outcome.total_cost),
            "ballots": len(ballot_choices), "projects": facts}
