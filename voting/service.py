"""The ballot box and the chair's steps (open, close, publish)."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit
from core.audit import VOTER, Actor, canonical_json
from core.errors import Conflict, InvalidInput, NotFound
from core.security import keyed_hash, normalise_code, random_code
from governance import repository as governance_repo
from governance import service as governance_service
from governance.models import Phase, Round, VoteStatus
from proposals import repository as proposals_repo
from voting import ballots, counting
from voting import repository as voting_repo
from voting.ballots import BallotChoices
from voting.errors import InvalidBallot, PassAlreadyUsed, UnknownPass, VoteNotOpen
from voting.events import VotingEvent
from voting.models import Ballot, Channel, IdempotencyRecord, PassUse, RoundResult
from voting.register import check_pass

TRACKING_CODE_LENGTH = 10

# --- the ballot box ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    round_id: int
    tracking_code: str
    replayed: bool = False


def ballot_hash(round_id: int, tracking_code: str, choices_json: str) -> str:
    content = canonical_json({"round": round_id, "tracking_code": tracking_code, "choices": choices_json})
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def request_fingerprint(round_id: int, code: str, choices: BallotChoices) -> str:
    return keyed_hash(canonical_json({"round": round_id, "pass": normalise_code(code),
                                      "approvals": choices.approvals,
                                      "scores": {str(k): v for k, v in (choices.scores or {}).items()}}))


def replay(session: Session, round_id: int, idempotency_key: str, fingerprint: str) -> Receipt | None:
    """The first answer to this key, if there was one; a different body under the same key is refused."""
    record = voting_repo.idempotency_record(session, idempotency_key)
    if record is None:
        return None
    if record.round_id != round_id or record.request_fingerprint != fingerprint:
        raise InvalidInput("This Idempotency-Key was already used for a different ballot.")
    return Receipt(round_id=round_id, tracking_code=record.tracking_code, replayed=True)


def cast_ballot(session: Session, *, round_id: int, pass_code: str, choices: BallotChoices,
                idempotency_key: str | None = None, channel: Channel = Channel.online) -> Receipt:
    """Record one ballot and its audit event; spend the pass. Needs a write session."""
    voting_round = governance_repo.get_round(session, round_id)
    fingerprint = request_fingerprint(round_id, pass_code, choices)
    if idempotency_key:
        earlier = replay(session, round_id, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier
    if not voting_round.accepts_votes:
        raise VoteNotOpen("Voting is not open for this round.")
    pass_round, voter_pass = check_pass(session, pass_code)
    if pass_round.id != round_id:
        raise UnknownPass("This pass is for a different round.")
    content = ballots.validate(voting_round, proposals_repo.on_ballot(session, round_id), choices)

    session.add(PassUse(pass_id=voter_pass.id))
    try:
        session.flush()
    except IntegrityError as exc:  # another request spent it a moment ago
        raise PassAlreadyUsed("This pass has already been used.") from exc

    tracking_code = random_code(TRACKING_CODE_LENGTH, group=5)
    choices_json = canonical_json(content)
    digest = ballot_hash(round_id, tracking_code, choices_json)
    session.add(Ballot(id=secrets.token_hex(16), round_id=round_id, tracking_code=tracking_code,
                       choices=choices_json, ballot_hash=digest))
    if idempotency_key:
        session.add(IdempotencyRecord(key=idempotency_key, round_id=round_id, request_fingerprint=fingerprint,
                                      tracking_code=tracking_code))
    session.flush()
    voting_repo.count_ballot_channel(session, round_id, channel)
    audit.append(session, VOTER, VotingEvent.ballot_cast, f"round:{round_id}",
                 {"ballot_hash": digest, "tracking_code": tracking_code})
    return Receipt(round_id=round_id, tracking_code=tracking_code)


def turnout(session: Session, round_id: int) -> int:
    governance_repo.get_round(session, round_id)
    return voting_repo.ballot_count(session, round_id)


# --- the chair's steps ------------------------------------------------------------------------

def open_vote(session: Session, actor: Actor, round_id: int) -> Round:
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict(f"Voting cannot open: it is already {voting_round.vote_status}.")
    projects = proposals_repo.on_ballot(session, round_id)
    if not projects:
        raise Conflict("Voting cannot open: there are no proposals on the ballot.")
    governance_service.move_to_phase(session, actor, voting_round, Phase.empower)
    voting_round.vote_status = VoteStatus.open
    session.add(voting_round)
    # The ballot as voters will see it, so scrutiny can check nothing changed mid-vote.
    audit.append(session, actor, VotingEvent.vote_opened, f"round:{round_id}", {
        "ballot_kind": voting_round.ballot_kind, "score_min": voting_round.score_min,
        "score_max": voting_round.score_max, "min_picks": voting_round.min_picks,
        "max_picks": voting_round.max_picks, "budget": voting_round.budget, "rule": voting_round.counting_rule,
        "projects": [{"id": p.id, "cost": p.cost} for p in projects],
    })
    audit.checkpoint(session, f"vote opened round:{round_id}")
    return voting_round


def close_vote(session: Session, actor: Actor, round_id: int) -> Round:
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.open:
        raise Conflict(f"Voting cannot close: it is {voting_round.vote_status}, not open.")
    voting_round.vote_status = VoteStatus.closed
    session.add(voting_round)
    voting_repo.delete_idempotency_records(session, round_id)
    audit.append(session, actor, VotingEvent.vote_closed, f"round:{round_id}",
                 {"ballots": voting_repo.ballot_count(session, round_id),
                  "passes_issued": voting_repo.passes_issued(session, round_id)})
    audit.checkpoint(session, f"vote closed round:{round_id}")
    return voting_round


def count_ballot_box(session: Session, voting_round: Round) -> dict:
    projects = proposals_repo.on_ballot(session, voting_round.id)
    box = [b.choices for b in voting_repo.ballots_of(session, voting_round.id)]
    return counting.count_round(voting_round, projects, box)


def publish_results(session: Session, actor: Actor, round_id: int) -> RoundResult:
    """Count the closed ballot box, publish the result and reveal it on the big screen."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.closed:
        raise Conflict(f"Results can be published once voting has closed; it is {voting_round.vote_status}.")
    outcome = count_ballot_box(session, voting_round)
    outcome_json = canonical_json(outcome)
    result = RoundResult(round_id=round_id, rule=voting_round.counting_rule, ballots_counted=outcome["ballots"],
                         outcome=outcome_json)
    session.add(result)
    voting_round.vote_status = VoteStatus.published
    governance_service.move_to_phase(session, actor, voting_round, Phase.deliver)
    session.add(voting_round)
    audit.append(session, actor, VotingEvent.results_published, f"round:{round_id}", {
        "rule": outcome["rule"], "selected": outcome["selected"], "total_cost": outcome["total_cost"],
        "ballots": outcome["ballots"],
        "outcome_hash": hashlib.sha256(outcome_json.encode("utf-8")).hexdigest(),
    })
    audit.checkpoint(session, f"results published round:{round_id}")
    return result


def parse_ballot_body(body: dict) -> tuple[str, BallotChoices]:
    """Read the API's JSON ballot; anything malformed becomes a clear 422."""
    if not isinstance(body, dict):
        raise InvalidBallot("The body must be a JSON object with \"pass\" and your choices.")
    code = body.get("pass")
    if not isinstance(code, str) or not code.strip():
        raise InvalidBallot("\"pass\" is missing: send the code on the voter pass.")
    approvals, scores = body.get("approvals"), body.get("scores")
    if (approvals is None) == (scores is None):
        raise InvalidBallot("Send exactly one of \"approvals\" (a list of project ids) or \"scores\".")
    if approvals is not None:
        if not isinstance(approvals, list) or not all(isinstance(p, int) and not isinstance(p, bool)
                                                      for p in approvals):
            raise InvalidBallot("\"approvals\" must be a list of project ids (whole numbers).")
        return code, BallotChoices(approvals=approvals)
    if not isinstance(scores, dict):
        raise InvalidBallot("\"scores\" must be an object mapping project id to a score.")
    parsed: dict[int, int] = {}
    for key, value in scores.items():
        try:
            project_id = int(key)
        except (TypeError, ValueError):
            raise InvalidBallot(f"{key!r} is not a project id.") from None
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidBallot(f"The score for project {key} must be a whole number.")
        parsed[project_id] = value
    return code, BallotChoices(scores=parsed)


@dataclass(frozen=True)
class BallotCheck:
    """What a voter learns from their tracking code: their ballot is in the box, unchanged, and
    counted. Not its choices: a page that proved how someone voted would let them be coerced."""

    tracking_code: str
    ballot_hash: str
    counted: bool


def check_ballot(session: Session, round_id: int, tracking_code: str) -> BallotCheck:
    voting_round = governance_repo.get_round(session, round_id)
    cleaned = normalise_code(tracking_code)
    formatted = f"{cleaned[:5]}-{cleaned[5:]}"
    ballot = voting_repo.ballot_by_tracking_code(session, formatted)
    if ballot is None or ballot.round_id != round_id:
        raise NotFound(f"No ballot with tracking code {formatted} is in this round's ballot box.")
    return BallotCheck(tracking_code=ballot.tracking_code, ballot_hash=ballot.ballot_hash,
                       counted=voting_round.vote_status == VoteStatus.published)
