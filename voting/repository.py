"""Every voting query."""

from datetime import datetime

from sqlalchemy import bindparam, func, or_, text, update
from sqlmodel import Session, col, select

from voting.models import (
    Ballot,
    BallotBoxState,
    BallotReceipt,
    ChannelCount,
    DeskTicket,
    IdempotencyRecord,
    PassUse,
    RoundResult,
    VoterPass,
)


def pass_by_code_hash(session: Session, code_hash: str) -> VoterPass | None:
    return session.exec(select(VoterPass).where(VoterPass.code_hash == code_hash)).first()


def pass_is_used(session: Session, pass_id: str) -> bool:
    return session.get(PassUse, pass_id) is not None


def pass_for_holder(session: Session, round_id: int, holder_ref: str) -> VoterPass | None:
    return session.exec(select(VoterPass).where(
        VoterPass.round_id == round_id, VoterPass.holder_ref == holder_ref)).first()


def ballot_count(session: Session, round_id: int) -> int:
    return session.exec(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)).one()


def turnout_so_far(session: Session, round_id: int) -> int:
    """Ballots cast, from the box's running count (one row) rather than counting the ballots."""
    cast = session.exec(select(BallotBoxState.cast).where(BallotBoxState.round_id == round_id)).first()
    return cast if cast is not None else ballot_count(session, round_id)


def passes_issued(session: Session, round_id: int) -> int:
    """Passes that can vote or did: a reprint replaces a pass rather than adding one. Paper check-ins
    are not passes (they are counted as sheets handed out)."""
    return session.exec(select(func.count()).select_from(VoterPass).where(
        VoterPass.round_id == round_id, col(VoterPass.voided).is_(False), VoterPass.channel != "paper")).one()


def passes_sharing_words(session: Session, round_id: int, word_refs: list[str]) -> bool:
    if not word_refs:
        return False
    found = session.exec(select(VoterPass.id).where(
        VoterPass.round_id == round_id,
        or_(col(VoterPass.first_name_ref).in_(word_refs), col(VoterPass.last_name_ref).in_(word_refs)))).first()
    return found is not None


def passes_in_progress(session: Session, round_id: int, since: datetime) -> int:
    """Passes a kiosk opened since `since` that have not voted: ballots someone is filling in."""
    used = select(PassUse.pass_id)
    return session.exec(select(func.count()).select_from(VoterPass).where(
        VoterPass.round_id == round_id, col(VoterPass.voided).is_(False), col(VoterPass.opened_at).is_not(None),
        col(VoterPass.opened_at) >= since, col(VoterPass.id).not_in(used))).one()


def forget_opening_times(session: Session, round_id: int) -> None:
    session.exec(update(VoterPass).where(VoterPass.round_id == round_id).values(opened_at=None))


def delete_tickets_for_pass(session: Session, pass_id: str) -> None:
    for ticket in session.exec(select(DeskTicket).where(DeskTicket.pass_id == pass_id)):
        session.delete(ticket)


def delete_stale_tickets(session: Session, staff_id: int, now: datetime) -> None:
    """A steward sees one pass at a time; tickets past their time go for everyone."""
    for ticket in session.exec(select(DeskTicket).where(
            or_(DeskTicket.staff_id == staff_id, col(DeskTicket.expires_at) <= now))):
        session.delete(ticket)


def delete_tickets_of_round(session: Session, round_id: int) -> None:
    for ticket in session.exec(select(DeskTicket).where(DeskTicket.round_id == round_id)):
        session.delete(ticket)


def ballots_of(session: Session, round_id: int) -> list[Ballot]:
    return list(session.exec(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)))


def receipts_of(session: Session, round_id: int) -> list[BallotReceipt]:
    return list(session.exec(select(BallotReceipt).where(BallotReceipt.round_id == round_id)
                             .order_by(BallotReceipt.tracking_code)))


def receipt_by_tracking_code(session: Session, tracking_code: str) -> BallotReceipt | None:
    return session.get(BallotReceipt, tracking_code)


def pending_ballots(session: Session, round_id: int) -> list[Ballot]:
    return list(session.exec(select(Ballot).where(Ballot.round_id == round_id, Ballot.batch.is_(None))))


def pending_receipts(session: Session, round_id: int) -> list[BallotReceipt]:
    return list(session.exec(select(BallotReceipt).where(BallotReceipt.round_id == round_id,
                                                         BallotReceipt.batch.is_(None))))


def ballots_in_batch(session: Session, round_id: int, batch: int) -> list[Ballot]:
    return list(session.exec(select(Ballot).where(Ballot.round_id == round_id, Ballot.batch == batch)))


def box_state(session: Session, round_id: int, *, for_update: bool = False) -> BallotBoxState | None:
    query = select(BallotBoxState).where(BallotBoxState.round_id == round_id)
    if for_update:  # read afresh: casting counts with plain UPDATEs the session does not see
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


_BOX = BallotBoxState.__table__
# Built once: every ballot runs these inside the write lock, and a reused statement keeps its
# compiled form.
_COUNT_CAST = (_BOX.update().where(_BOX.c.round_id == bindparam("box_round"), _BOX.c.sealed_seq.is_(None))
               .values(cast=_BOX.c.cast + bindparam("ballots"), pending=_BOX.c.pending + bindparam("ballots"))
               .returning(_BOX.c.cast, _BOX.c.pending))
_SPEND_PASS = PassUse.__table__.insert()
_INSERT_BALLOT = Ballot.__table__.insert()
_INSERT_RECEIPT = BallotReceipt.__table__.insert()
_INSERT_IDEMPOTENCY = IdempotencyRecord.__table__.insert()
# One statement that both SQLite and PostgreSQL understand, so two first ballots arriving
# together on one channel cannot both try to create the counter.
_COUNT_CHANNEL = text(
    "INSERT INTO voting_channel_count (round_id, channel, ballots) VALUES (:round_id, :channel, :ballots) "
    "ON CONFLICT (round_id, channel) DO UPDATE SET ballots = voting_channel_count.ballots + :ballots")


def count_cast(session: Session, round_id: int, ballots: int = 1) -> tuple[int, int] | None:
    """`ballots` more in an unsealed box: its new (cast, pending), or None if the box is sealed
    or has no counts yet. One statement, since it runs inside the write lock."""
    row = session.execute(_COUNT_CAST, {"box_round": round_id, "ballots": ballots}).first()
    return None if row is None else (row.cast, row.pending)


def record_ballot(session: Session, *, pass_id: str | None, ballot: dict, receipt: dict,
                  idempotency: dict | None) -> None:
    """Spend the pass, then put the ballot and its receipt in the box, as plain INSERTs.

    The pass goes first and alone: if another request spent it a moment ago, its primary key
    refuses this one (IntegrityError) before anything else is written. A paper ballot has no pass
    (`pass_id` None): its sheet was settled by two stewards' entries instead."""
    if pass_id is not None:
        session.execute(_SPEND_PASS, {"pass_id": pass_id})
    session.execute(_INSERT_BALLOT, {"batch": None, **ballot})
    session.execute(_INSERT_RECEIPT, {"batch": None, **receipt})
    if idempotency is not None:
        session.execute(_INSERT_IDEMPOTENCY, idempotency)


def spent_passes(session: Session, round_id: int) -> int:
    return session.exec(select(func.count()).select_from(PassUse).join(VoterPass, VoterPass.id == PassUse.pass_id)
                        .where(VoterPass.round_id == round_id)).one()


def idempotency_record(session: Session, key: str) -> IdempotencyRecord | None:
    return session.get(IdempotencyRecord, key)


def delete_idempotency_records(session: Session, round_id: int) -> None:
    for record in session.exec(select(IdempotencyRecord).where(IdempotencyRecord.round_id == round_id)):
        session.delete(record)


def result_of(session: Session, round_id: int) -> RoundResult | None:
    return session.get(RoundResult, round_id)


def passes_of(session: Session, round_id: int) -> list[VoterPass]:
    return list(session.exec(select(VoterPass).where(VoterPass.round_id == round_id)))


def count_ballot_channel(session: Session, round_id: int, channel: str, ballots: int = 1) -> None:
    session.execute(_COUNT_CHANNEL, {"round_id": round_id, "channel": str(channel), "ballots": ballots})


def channel_counts(session: Session, round_id: int) -> dict[str, int]:
    rows = session.exec(select(ChannelCount).where(ChannelCount.round_id == round_id))
    return {row.channel: row.ballots for row in rows}
