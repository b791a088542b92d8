"""The ballot box and the register checked against the audit log, and every published round recounted.

What a database copy can hide from the chain alone and this catches: ballots or receipts added,
altered or removed (their leaves are in the log's batches and sealed root), a result row edited
after publication (its hash is in the log), spent passes made usable again (spent passes must
equal the ballots cast).
"""

import hashlib
import json
from collections import Counter

from sqlmodel import Session, select

from core import merkle
from core.audit import AuditEvent, canonical_json
from governance.models import Round, VoteStatus
from voting import box, service
from voting import repository as voting_repo
from voting.events import VotingEvent

# The privacy work purges a certified round's register to counts; after that the passes cannot
# be compared with the ballots, and the purge entry says how many there were.
REGISTER_PURGED = "register.purged"

_ACTIONS = [VotingEvent.ballot_cast, VotingEvent.ballots_batched, VotingEvent.ballot_box_sealed,
            VotingEvent.results_published, REGISTER_PURGED]


class _RoundLog:
    def __init__(self) -> None:
        self.cast = 0
        self.paper = 0  # of those, paper sheets settled by stewards: they spent no pass
        self.legacy = False
        self.batches: dict[int, tuple[int, dict]] = {}
        self.sealed: AuditEvent | None = None
        self.published: AuditEvent | None = None
        self.purged = False


def _read_log(session: Session) -> dict[str, _RoundLog]:
    logs: dict[str, _RoundLog] = {}
    for event in session.exec(select(AuditEvent).where(AuditEvent.action.in_(_ACTIONS)).order_by(AuditEvent.seq)):
        log = logs.setdefault(event.subject, _RoundLog())
        payload = json.loads(event.payload)
        if event.action == VotingEvent.ballot_cast:
            log.cast += 1
            log.paper += payload.get("channel") == "paper"
            log.legacy = log.legacy or "ballot_hash" in payload
        elif event.action == VotingEvent.ballots_batched:
            log.batches[payload["batch"]] = (event.seq, payload)
        elif event.action == VotingEvent.ballot_box_sealed:
            log.sealed = event
        elif event.action == VotingEvent.results_published:
            log.published = event
        else:
            log.purged = True
    return logs


def verify_ballot_box(session: Session) -> str | None:
    """None when the box, the register and every result match the log; else the first problem."""
    logs = _read_log(session)
    for voting_round in session.exec(select(Round).order_by(Round.id)):
        log = logs.get(f"round:{voting_round.id}", _RoundLog())
        problem = None if log.legacy else _check_box(session, voting_round, log)
        problem = problem or _check_result(session, voting_round, log)
        if problem:
            return problem
    return None


def _check_box(session: Session, voting_round: Round, log: _RoundLog) -> str | None:
    round_id = voting_round.id
    ballots = voting_repo.ballots_of(session, round_id)
    receipts = voting_repo.receipts_of(session, round_id)
    logged_ballots = {n: Counter(p["ballot_leaves"]) for n, (_, p) in log.batches.items()}
    logged_receipts = {n: Counter(p["receipt_leaves"]) for n, (_, p) in log.batches.items()}
    may_be_pending = log.sealed is None

    for ballot in ballots:
        leaf = box.ballot_leaf(round_id, ballot.nonce, ballot.choices).hex()
        if ballot.batch is None and may_be_pending:
            continue
        if logged_ballots.get(ballot.batch, Counter())[leaf] == 0:
            return (f"ballot {ballot.id} in round {round_id} matches no ballots.batched entry in the log: "
                    "it was altered or added after the fact")
        logged_ballots[ballot.batch][leaf] -= 1
    for receipt in receipts:
        leaf = box.receipt_leaf(round_id, receipt.tracking_code).hex()
        if receipt.batch is None and may_be_pending:
            continue
        if logged_receipts.get(receipt.batch, Counter())[leaf] == 0:
            return (f"receipt {receipt.tracking_code} in round {round_id} matches no ballots.batched entry in the "
                    "log: it was altered or added after the fact")
        logged_receipts[receipt.batch][leaf] -= 1
    for number, (seq, _) in sorted(log.batches.items()):
        missing = sum((+logged_ballots[number]).values()) + sum((+logged_receipts[number]).values())
        if missing:
            return (f"round {round_id}: batch {number} (entry {seq}) lists {missing} ballot(s) or receipt(s) that are "
                    "missing from the ballot box")

    if len(ballots) != log.cast or len(receipts) != log.cast:
        return (f"round {round_id}: the log records {log.cast} ballot(s) cast but the box holds {len(ballots)} "
                f"ballot(s) and {len(receipts)} receipt(s)")
    if log.sealed is not None:
        sealed = json.loads(log.sealed.payload)
        leaves = box.sealed_leaves([box.ballot_leaf(round_id, b.nonce, b.choices) for b in ballots],
                                   [box.receipt_leaf(round_id, r.tracking_code) for r in receipts])
        if len(leaves) != sealed["tree_size"] or merkle.root(leaves).hex() != sealed["root"]:
            return f"round {round_id}: the ballot box does not give the root sealed in entry {log.sealed.seq}"
    if not log.purged:
        spent = voting_repo.spent_passes(session, round_id)
        if spent != log.cast - log.paper:
            # Paper ballots (logged as such) spent no pass, so they are left out of the comparison.
            return (f"round {round_id}: {log.cast - log.paper} ballot(s) were cast but {spent} pass(es) are marked "
                    "spent: spent passes were made usable again, or passes were spent without a ballot")
    return None


def _check_result(session: Session, voting_round: Round, log: _RoundLog) -> str | None:
    if voting_round.vote_status != VoteStatus.published:
        return None
    round_id = voting_round.id
    if log.published is None:
        return f"round {round_id} is published but the log has no results.published entry"
    published_hash = json.loads(log.published.payload)["outcome_hash"]
    result = voting_repo.result_of(session, round_id)
    if result is None or hashlib.sha256(result.outcome.encode("utf-8")).hexdigest() != published_hash:
        return (f"round {round_id}: the stored result does not match the result published in entry "
                f"{log.published.seq}: it was edited after publication")
    recount = canonical_json(service.count_ballot_box(session, voting_round))
    if hashlib.sha256(recount.encode("utf-8")).hexdigest() != published_hash:
        return (f"round {round_id}: recounting the ballot box does not give the result "
                f"published in entry {log.published.seq}")
    return None
