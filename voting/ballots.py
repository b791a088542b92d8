"""What a ballot may contain, checked against the round's settings. No database here."""

from dataclasses import dataclass

from core.money import money
from governance.models import BallotKind, Round
from proposals.models import Proposal
from voting.errors import InvalidBallot


@dataclass(frozen=True)
class BallotChoices:
    """A voter's choices as sent: project ids picked (approval) or scored (scores)."""

    approvals: list[int] | None = None
    scores: dict[int, int] | None = None


def validate(voting_round: Round, projects: list[Proposal], choices: BallotChoices) -> dict:
    """Return the canonical content of a valid ballot, or raise InvalidBallot saying what is wrong."""
    by_id = {p.id: p for p in projects}
    if voting_round.ballot_kind == BallotKind.approval:
        if choices.scores is not None or choices.approvals is None:
            raise InvalidBallot("This round's ballot is approval: send \"approvals\", a list of project ids.")
        picked = choices.approvals
        unknown = sorted({p for p in picked if p not in by_id})
        if unknown:
            raise InvalidBallot(f"These are not projects on this ballot: {', '.join(map(str, unknown))}.")
        if len(set(picked)) != len(picked):
            raise InvalidBallot("A project was picked more than once.")
        if len(picked) < max(voting_round.min_picks, 1):
            least = max(voting_round.min_picks, 1)
            raise InvalidBallot(f"Pick at least {least} project{'s' if least > 1 else ''}.")
        if voting_round.max_picks is not None and len(picked) > voting_round.max_picks:
            raise InvalidBallot(f"Too many picks: {len(picked)} chosen, at most {voting_round.max_picks} allowed.")
        total = sum(by_id[p].cost for p in picked)
        if total > voting_round.budget:
            raise InvalidBallot(
                f"Over budget: your choices cost {money(total, voting_round.currency)}, "
                f"more than the {money(voting_round.budget, voting_round.currency)} available.")
        return {"approvals": sorted(picked)}

    if choices.approvals is not None or choices.scores is None:
        raise InvalidBallot("This round's ballot is scores: send \"scores\", an object of project id to score.")
    scores = choices.scores
    unknown = sorted({p for p in scores if p not in by_id})
    if unknown:
        raise InvalidBallot(f"These are not projects on this ballot: {', '.join(map(str, unknown))}.")
    low, high = voting_round.score_min, voting_round.score_max
    outside = sorted(p for p, s in scores.items() if not (isinstance(s, int) and low <= s <= high))
    if outside:
        names = ", ".join(f"{by_id[p].title} ({scores[p]})" for p in outside)
        raise InvalidBallot(f"Scores must be whole numbers from {low} to {high}; outside the range: {names}.")
    if not scores:
        raise InvalidBallot("Score at least one project.")
    return {"scores": {str(p): scores[p] for p in sorted(scores)}}
