"""Casting a ballot as one committed unit of work, shared by the kiosk and the JSON API."""

import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from core.database import Database
from core.group_commit import run_in_group
from governance import repository as governance_repo
from governance.models import VoteStatus
from proposals import repository as proposals_repo
from voting import ballots, register, service
from voting.ballots import BallotChoices
from voting.errors import InvalidBallot, VoteNotOpen
from voting.models import Channel


@dataclass(frozen=True)
class BallotProject:
    """What checking a ballot needs of a proposal, kept apart from any session."""

    id: int
    title: str
    cost: int


@dataclass(frozen=True)
class BallotRules:
    """What checking a ballot needs of its round (the names `ballots.validate` reads of a Round)."""

    ballot_kind: str
    budget: int
    currency: str
    max_picks: int | None
    min_picks: int | None
    points_total: int | None
    rank_depth: int | None
    score_max: int | None
    score_min: int | None

    @classmethod
    def of(cls, voting_round) -> "BallotRules":
        return cls(**{name: getattr(voting_round, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class OpenBallot:
    rules: BallotRules
    projects: list[BallotProject]


# The ballot of each round whose vote is open, per database: its rules and projects cannot change
# while the vote is open, and every ballot is checked against them before the write lock.
_open_ballots: "weakref.WeakKeyDictionary[Database, dict[int, OpenBallot]]" = weakref.WeakKeyDictionary()


def open_ballot(db: Database, session: Session, round_id: int) -> OpenBallot:
    """An open round's ballot, asked of the database once per process. A round whose vote is not
    open is refused (409) here, before anything is said about the ballot itself."""
    known = _open_ballots.setdefault(db, {})
    if round_id not in known:
        voting_round = governance_repo.get_round(session, round_id)
        if voting_round.vote_status != VoteStatus.open:
            raise VoteNotOpen("Voting is not open for this round.")
        known[round_id] = OpenBallot(BallotRules.of(voting_round), [
            BallotProject(p.id, p.title, p.cost) for p in proposals_repo.on_ballot(session, round_id)])
    return known[round_id]


def projects_on_ballot(db: Database, session: Session, round_id: int) -> list[BallotProject]:
    return open_ballot(db, session, round_id).projects


def _check_before_the_lock(db: Database, session: Session, round_id: int, choices: BallotChoices) -> dict:
    ballot = open_ballot(db, session, round_id)
    try:
        return ballots.validate(ballot.rules, ballot.projects, choices)
    except InvalidBallot:
        # The remembered ballot outlives its vote: a closed vote still says so first.
        if governance_repo.get_round(session, round_id).vote_status != VoteStatus.open:
            raise VoteNotOpen("Voting is not open for this round.") from None
        raise


def cast_with_replay(db: Database, *, round_id: int | None, code: str, choices: BallotChoices,
                     idempotency_key: str | None, channel: Channel = Channel.online,
                     first_check: Callable[[Session], None] | None = None) -> service.Receipt:
    """Cast in its own committed transaction. If a twin request with the same key won the race
    for the pass, answer with that request's receipt rather than 'already used'.

    `first_check` runs in the read session before anything else (the voting point's pause)."""
    # Everything that can be checked without the write lock is checked before it is taken, so
    # a flood of junk cannot hold honest voters in the queue for SQLite's lock.
    register.check_code_shape(code)
    with db.session() as session:
        if first_check is not None:
            first_check(session)
        if round_id is None:
            round_id = register.find_pass(session, code).round_id
        # The vote being open is checked again under the lock (service.cast_ballot).
        content = _check_before_the_lock(db, session, round_id, choices)
    def cast(session: Session) -> service.Receipt:
        return service.cast_ballot(session, round_id=round_id, pass_code=code, choices=choices,
                                   idempotency_key=idempotency_key or None, channel=channel, content=content)

    try:
        # Ballots arriving together share one transaction and one commit (core/group_commit.py).
        return run_in_group(db, cast)
    except service.PassAlreadyUsed:
        if not idempotency_key:
            raise
        with db.session() as session:
            earlier = service.replay(session, round_id, idempotency_key,
                                     service.request_fingerprint(round_id, code, choices))
        if earlier is None:
            raise
        return earlier
