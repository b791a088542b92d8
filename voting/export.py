"""A published round as a Pabulib file: the anonymised ballot box, so anyone can recount it."""

from sqlmodel import Session

from governance import repository as governance_repo
from governance.models import BallotKind, Round, VoteStatus
from proposals import repository as proposals_repo
from voting import counting, pabulib
from voting import repository as voting_repo
from voting.errors import ResultsNotPublished

# How Pabulib names our rules in a file's META `rule`.
PABULIB_RULES = {"greedy": "greedy", "mes": "equalshares/add1", "phragmen": "phragmen"}


def pabulib_for_round(session: Session, round_id: int) -> str:
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.vote_status != VoteStatus.published:
        raise ResultsNotPublished("The ballots of a round are published with its results, not before.")
    partnership = governance_repo.get_partnership(session, voting_round.partnership_id)
    projects = proposals_repo.on_ballot(session, round_id)
    # Ballots in the order of their random keys: the file says nothing about who voted when.
    box = [b.choices for b in voting_repo.ballots_of(session, round_id)]
    election = counting.election_for(voting_round, projects, box)
    meta = {
        "description": f"{partnership.name}: {voting_round.title}",
        "country": "United Kingdom",
        "unit": partnership.name,
        "instance": voting_round.title,
        "currency": voting_round.currency,
        "rule": PABULIB_RULES.get(voting_round.counting_rule, voting_round.counting_rule),
        **_score_range(voting_round),
    }
    project_info = {str(p.id): {"name": p.title} for p in projects}
    return pabulib.dumps(pabulib.from_election(election, meta=meta, project_info=project_info))


def _score_range(voting_round: Round) -> dict[str, str]:
    """The limits a voter had, in Pabulib's META words, so a recount knows the ballot's shape."""
    if voting_round.ballot_kind == BallotKind.scores:
        return {"min_points": str(voting_round.score_min), "max_points": str(voting_round.score_max)}
    if voting_round.ballot_kind == BallotKind.points:
        return {"max_sum_points": str(voting_round.points_total)}
    if voting_round.ballot_kind == BallotKind.ranking:
        return {"max_length": str(voting_round.rank_depth)}
    return {}
