"""The ballot box and the chair's steps (open, close, publish)."""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit, i18n
from core.audit import Actor, canonical_json
from core.database import Database
from core.errors import Conflict, InvalidInput, NotFound, bounded
from core.group_commit import at_group_end
from core.numbers import MAX_BIG, in_range, is_ascii_whole
from core.security import keyed_hash, normalise_code, random_code
from governance import repository as governance_repo
from governance import service as governance_service
from governance.models import Phase, Round, VoteStatus, as_utc, utcnow
from proposals import repository as proposals_repo
from proposals import service as proposals_service
from scrutiny import call_in
from voting import ballots, box, counting, paper
from voting import repository as voting_repo
from voting.ballots import BallotChoices
from voting.errors import InvalidBallot, PassAlreadyUsed, UnknownPass, VoteNotOpen
from voting.events import VotingEvent
from voting.models import Channel, RoundResult
from voting.register import check_pass

TRACKING_CODE_LENGTH = 10

# --- the ballot box ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    round_id: int
    tracking_code: str
    replayed: bool = False


def request_fingerprint(round_id: int, code: str, choices: BallotChoices) -> str:
    return keyed_hash(canonical_json({"round": round_id, "pass": normalise_code(code), **choices.as_dict()}))


def replay(session: Session, round_id: int, idempotency_key: str, fingerprint: str) -> Receipt | None:
    """The first answer to this key, if there was one; a different body under the same key is refused."""
    record = voting_repo.idempotency_record(session, idempotency_key)
    if record is None:
        return None
    if record.round_id != round_id or record.request_fingerprint != fingerprint:
        raise InvalidInput("This Idempotency-Key was already used for a different ballot.")
    return Receipt(round_id=round_id, tracking_code=record.tracking_code, replayed=True)


def cast_ballot(session: Session, *, round_id: int, pass_code: str, choices: BallotChoices,
                idempotency_key: str | None = None, channel: Channel = Channel.online,
                content: dict | None = None) -> Receipt:
    """Record one ballot and its audit event; spend the pass. Needs a write session.

    `content` is the ballot as `ballots.validate` gave it for this round, when the caller checked
    it before taking the write lock (casting.py); without it the ballot is checked here. A round's
    ballot cannot change while its vote is open, so the check holds."""
    voting_round = governance_repo.get_round(session, round_id)
    fingerprint = request_fingerprint(round_id, pass_code, choices)
    if idempotency_key:
        earlier = replay(session, round_id, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier
    if not voting_round.accepts_votes:
        raise VoteNotOpen("Voting is not open for this round.")
    pass_round, voter_pass = check_pass(session, pass_code)  # also: no new ballot while closing
    if pass_round.id != round_id:
        raise UnknownPass("This pass is for a different round.")
    if content is None:
        content = ballots.validate(voting_round, proposals_repo.on_ballot(session, round_id), choices)

    tracking_code = random_code(TRACKING_CODE_LENGTH, group=5)
    # The ballot and its receipt go in as two rows that share nothing: no key, no nonce, no order.
    try:
        voting_repo.record_ballot(
            session, pass_id=voter_pass.id,
            ballot={"id": secrets.token_hex(16), "round_id": round_id, "nonce": secrets.token_hex(16),
                    "choices": canonical_json(content)},
            receipt={"tracking_code": tracking_code, "round_id": round_id},
            idempotency=None if not idempotency_key else {
                "key": idempotency_key, "round_id": round_id, "request_fingerprint": fingerprint,
                "tracking_code": tracking_code})
    except IntegrityError as exc:  # another request spent the pass a moment ago
        raise PassAlreadyUsed("This pass has already been used.") from exc
    # At the moment of casting the log learns only that *a* ballot was cast; the ballot itself
    # enters the log later, shuffled into a batch of at least BATCH_SIZE (box.py).
    # In a group commit it is counted with the group's other ballots, just before the commit.
    at_group_end(session, ("count casts", round_id), str(channel), partial(box.count_casts, round_id=round_id))
    return Receipt(round_id=round_id, tracking_code=tracking_code)


def turnout(session: Session, round_id: int) -> int:
    governance_repo.get_round(session, round_id)
    return voting_repo.ballot_count(session, round_id)


# --- the chair's steps ------------------------------------------------------------------------

def open_vote(session: Session, actor: Actor, round_id: int) -> Round:
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict(f"Voting cannot open: it is already {voting_round.vote_status}.")
    call_in.refuse_if_paused(session, round_id, "Voting cannot open yet")
    proposals_service.place_eligible_on_ballot(session, actor, round_id)
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
        "max_picks": voting_round.max_picks, "points_total": voting_round.points_total,
        "rank_depth": voting_round.rank_depth, "budget": voting_round.budget, "rule": voting_round.counting_rule,
        "projects": [{"id": p.id, "cost": p.cost} for p in projects],
    })
    box.open_box(session, round_id)
    audit.checkpoint(session, f"vote opened round:{round_id}")
    return voting_round


# A ballot counts as in progress if its pass was opened at a kiosk this recently and not yet used.
IN_PROGRESS_MINUTES = 15
GRACE_ACTOR = Actor(role="system", ref="grace-period")


def ballots_in_progress(session: Session, round_id: int) -> int:
    since = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=IN_PROGRESS_MINUTES)
    return voting_repo.passes_in_progress(session, round_id, since)


def start_closing(session: Session, actor: Actor, round_id: int, grace_seconds: int) -> Round:
    """The chair closes the vote: no new ballot may start, and ballots already started get
    `grace_seconds` to be confirmed. With none in progress (or no grace) it closes at once."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.open:
        raise Conflict(f"Voting cannot close: it is {voting_round.vote_status}, not open.")
    if voting_round.is_closing:
        raise Conflict("Voting is already closing.")
    if not 0 <= grace_seconds <= 30 * 60:
        raise InvalidInput("The time to finish must be between 0 and 30 minutes.", field="grace_minutes")
    paper.refuse_if_unsettled(session, round_id)
    in_progress = ballots_in_progress(session, round_id)
    if grace_seconds == 0 or in_progress == 0:
        return close_vote(session, actor, round_id)
    voting_round.closing_deadline = utcnow() + timedelta(seconds=grace_seconds)
    session.add(voting_round)
    ClosingWatch.started += 1
    audit.append(session, actor, VotingEvent.vote_closing, f"round:{round_id}",
                 {"in_progress": in_progress, "grace_seconds": grace_seconds})
    return voting_round


def finish_closing(session: Session, actor: Actor, round_id: int) -> Round | None:
    """Complete a close whose grace period is over (or, for the chair, end it now)."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.open or voting_round.closing_deadline is None:
        return None
    return close_vote(session, actor, round_id)


class ClosingWatch:
    """Whether any round of a database is closing, so that not every request has to ask it.

    "Nothing is closing" is believed for a second; a close started in this process is noticed at
    once, one started by another worker within that second, and while any round is closing every
    request looks again (a grace period is short, and ballots still arrive in it)."""

    TRUST_SECONDS = 1.0
    started = 0  # closes started in this process, so a watch notices its own at once

    def __init__(self) -> None:
        self._nothing_closing_until = 0.0
        self._seen_started = -1

    def may_have_due_closings(self) -> bool:
        return (time.monotonic() >= self._nothing_closing_until
                or self._seen_started != ClosingWatch.started)

    def saw(self, closing: bool) -> None:
        self._seen_started = ClosingWatch.started
        self._nothing_closing_until = 0.0 if closing else time.monotonic() + self.TRUST_SECONDS


def finish_due_closings(db: Database, watch: ClosingWatch | None = None) -> None:
    """Closes are completed lazily, by whichever request comes first after the grace period."""
    if watch is not None and not watch.may_have_due_closings():
        return
    with db.session() as session:
        closing = [r for r in governance_repo.open_rounds(session) if r.closing_deadline is not None]
    if watch is not None:
        watch.saw(bool(closing))
    due = [r.id for r in closing if as_utc(r.closing_deadline) <= utcnow()]
    for round_id in due:
        with db.session(write=True) as session:
            voting_round = governance_repo.get_round(session, round_id, for_update=True)
            if voting_round.closing_deadline is not None and as_utc(voting_round.closing_deadline) <= utcnow():
                finish_closing(session, GRACE_ACTOR, round_id)


def close_vote(session: Session, actor: Actor, round_id: int) -> Round:
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.open:
        raise Conflict(f"Voting cannot close: it is {voting_round.vote_status}, not open.")
    paper.refuse_if_unsettled(session, round_id)
    voting_round.vote_status = VoteStatus.closed
    voting_round.closing_deadline = None
    session.add(voting_round)
    voting_repo.delete_idempotency_records(session, round_id)
    # When kiosks opened passes has served its purpose; it must not outlive the vote.
    voting_repo.forget_opening_times(session, round_id)
    voting_repo.delete_tickets_of_round(session, round_id)
    audit.append(session, actor, VotingEvent.vote_closed, f"round:{round_id}",
                 {"ballots": voting_repo.ballot_count(session, round_id),
                  "passes_issued": voting_repo.passes_issued(session, round_id)})
    box.seal_ballot_box(session, actor, round_id)
    audit.checkpoint(session, f"vote closed and ballot box sealed round:{round_id}")
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
    proposals_service.mark_funded(session, round_id, outcome["selected"])
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
    sent = [name for name in ("approvals", "scores", "points", "ranking") if body.get(name) is not None]
    if len(sent) != 1:
        raise InvalidBallot("Send exactly one of \"approvals\" (a list of project ids), \"scores\", "
                            "\"points\" (objects of project id to a number) or \"ranking\" (a list of project "
                            "ids, first choice first).")
    [name] = sent
    if name in ("approvals", "ranking"):
        ids = body[name]
        if not isinstance(ids, list) or not all(in_range(p, -MAX_BIG, MAX_BIG) for p in ids):
            raise InvalidBallot(f"\"{name}\" must be a list of project ids (whole numbers).")
        return code, BallotChoices(**{name: ids})
    numbers = body[name]
    if not isinstance(numbers, dict):
        raise InvalidBallot(f"\"{name}\" must be an object mapping project id to a number.")
    what = "score" if name == "scores" else "points"
    parsed: dict[int, int] = {}
    for key, value in numbers.items():
        # JSON object keys are text: ASCII digits only ("٣" is not project 3).
        if not is_ascii_whole(key, max_digits=10):
            raise InvalidBallot(f"{bounded(repr(key), 40)} is not a project id.")
        project_id = int(key)
        if not in_range(value, -MAX_BIG, MAX_BIG):
            raise InvalidBallot(f"The {what} for project {key} must be a whole number.")
        parsed[project_id] = value
    return code, BallotChoices(**{name: parsed})


def check_ballot(session: Session, round_id: int, tracking_code: str) -> box.BallotCheck:
    """What a voter learns from their tracking code: their receipt is in the box and the box
    matches its sealed record. Not the choices: a page that proved a vote would let it be bought."""
    voting_round = governance_repo.get_round(session, round_id)
    cleaned = normalise_code(tracking_code)
    formatted = f"{cleaned[:5]}-{cleaned[5:]}"
    receipt = voting_repo.receipt_by_tracking_code(session, formatted)
    if receipt is None or receipt.round_id != round_id:
        raise NotFound(i18n.gettext("No ballot with tracking code %(code)s is in this round's ballot box.",
                                    code=formatted))
    return box.check_receipt(session, voting_round, receipt)
