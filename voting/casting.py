"""Casting a ballot as one committed unit of work, shared by the kiosk and the JSON API."""

import weakref
from dataclasses import dataclass

from sqlmodel import Session

from core.database import Database
from core.group_commit import run_in_group
from governance import repository as governance_repo
from governance.models import VoteStatus
from proposals import repository as proposals_repo
from voting import ballots, register, service
from voting.ballots import BallotChoices
from voting.errors import VoteNotOpen
from voting.models import Channel


@dataclass(frozen=True)
class BallotProject:
    """What checking a ballot needs of a proposal, kept apart from any session."""

    id: int
    title: str
    cost: int


# The ballot of each round whose vote is open, per database: it cannot change until the vote
# closes, and every ballot is checked against it.
_open_ballots: "weakref.WeakKeyDictionary[Database, dict[int, list[BallotProject]]]" = weakref.WeakKeyDictionary()


def projects_on_ballot(db: Database, session: Session, round_id: int) -> list[BallotProject]:
    """The proposals on an open round's ballot, asked of the database once per process."""
    known = _open_ballots.setdefault(db, {})
    if round_id not in known:
        known[round_id] = [BallotProject(p.id, p.title, p.cost) for p in proposals_repo.on_ballot(session, round_id)]
    return known[round_id]


def cast_with_replay(db: Database, *, round_id: int | None, code: str, choices: BallotChoices,
                     idempotency_key: str | None, channel: Channel = Channel.online) -> service.Receipt:
    """Cast in its own committed transaction. If a twin request with the same key won the race
    for the pass, answer with that request's receipt rather than 'already used'."""
    # Everything that can be checked without the write lock is checked before it is taken, so
    # a flood of junk cannot hold honest voters in the queue for SQLite's lock.
    register.check_code_shape(code)
    with db.session() as session:
        if round_id is None:
            round_id = register.find_pass(session, code).round_id
        voting_round = governance_repo.get_round(session, round_id)
        # A closed vote says so (409) before anything is said about the ballot itself.
        if voting_round.vote_status != VoteStatus.open:
            raise VoteNotOpen("Voting is not open for this round.")
        content = ballots.validate(voting_round, projects_on_ballot(db, session, round_id), choices)
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
