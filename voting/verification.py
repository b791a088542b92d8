"""The ballot box checked against the audit log, and every published round recounted."""

import hashlib
import json
from collections import Counter

from sqlmodel import Session, select

from core.audit import AuditEvent, canonical_json
from governance.models import Round, VoteStatus
from voting import repository as voting_repo
from voting import service
from voting.events import VotingEvent


def verify_ballot_box(session: Session) -> str | None:
    """None when every ballot matches its log entry and every result recounts; else the first problem."""
    logged: dict[str, Counter] = {}
    published: dict[str, AuditEvent] = {}
    for event in session.exec(select(AuditEvent).where(
            AuditEvent.action.in_([VotingEvent.ballot_cast, VotingEvent.results_published])).order_by(AuditEvent.seq)):
        if event.action == VotingEvent.ballot_cast:
            logged.setdefault(event.subject, Counter())[json.loads(event.payload)["ballot_hash"]] += 1
        else:
            published[event.subject] = event

    for voting_round in session.exec(select(Round).order_by(Round.id)):
        subject = f"round:{voting_round.id}"
        expected = Counter(logged.get(subject, Counter()))
        for ballot in voting_repo.ballots_of(session, voting_round.id):
            digest = service.ballot_hash(voting_round.id, ballot.tracking_code, ballot.choices)
            if digest != ballot.ballot_hash or expected[digest] == 0:
                return (f"ballot {ballot.tracking_code} in round {voting_round.id} was altered or added "
                        "after the fact: it matches no ballot.cast entry in the log")
            expected[digest] -= 1
        missing = +expected
        if missing:
            return (f"round {voting_round.id}: {sum(missing.values())} ballot(s) in the log are missing "
                    "from the ballot box")
        if voting_round.vote_status == VoteStatus.published:
            event = published.get(subject)
            if event is None:
                return f"round {voting_round.id} is published but the log has no results.published entry"
            recount = canonical_json(service.count_ballot_box(session, voting_round))
            if hashlib.sha256(recount.encode("utf-8")).hexdigest() != json.loads(event.payload)["outcome_hash"]:
                return (f"round {voting_round.id}: recounting the ballot box does not give the result "
                        f"published in entry {event.seq}")
    return None
