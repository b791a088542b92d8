"""Every voting query."""

from sqlalchemy import func, text
from sqlmodel import Session, select

from voting.models import Ballot, ChannelCount, IdempotencyRecord, PassUse, RoundResult, VoterPass


def pass_by_code_hash(session: Session, code_hash: str) -> VoterPass | None:
    return session.exec(select(VoterPass).where(VoterPass.code_hash == code_hash)).first()


def pass_is_used(session: Session, pass_id: str) -> bool:
    return session.get(PassUse, pass_id) is not None


def pass_for_holder(session: Session, round_id: int, holder_ref: str) -> VoterPass | None:
    return session.exec(select(VoterPass).where(
        VoterPass.round_id == round_id, VoterPass.holder_ref == holder_ref)).first()


def ballot_count(session: Session, round_id: int) -> int:
    return session.exec(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)).one()


def passes_issued(session: Session, round_id: int) -> int:
    return session.exec(select(func.count()).select_from(VoterPass).where(VoterPass.round_id == round_id)).one()


def ballots_of(session: Session, round_id: int) -> list[Ballot]:
    return list(session.exec(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)))


def ballot_by_tracking_code(session: Session, tracking_code: str) -> Ballot | None:
    return session.exec(select(Ballot).where(Ballot.tracking_code == tracking_code)).first()


def idempotency_record(session: Session, key: str) -> IdempotencyRecord | None:
    return session.get(IdempotencyRecord, key)


def delete_idempotency_records(session: Session, round_id: int) -> None:
    for record in session.exec(select(IdempotencyRecord).where(IdempotencyRecord.round_id == round_id)):
        session.delete(record)


def result_of(session: Session, round_id: int) -> RoundResult | None:
    return session.get(RoundResult, round_id)


def count_ballot_channel(session: Session, round_id: int, channel: str) -> None:
    # One statement that both SQLite and PostgreSQL understand, so two first ballots arriving
    # together on one channel cannot both try to create the counter.
    session.execute(text(
        "INSERT INTO voting_channel_count (round_id, channel, ballots) VALUES (:round_id, :channel, 1) "
        "ON CONFLICT (round_id, channel) DO UPDATE SET ballots = voting_channel_count.ballots + 1"),
        {"round_id": round_id, "channel": channel})


def channel_counts(session: Session, round_id: int) -> dict[str, int]:
    rows = session.exec(select(ChannelCount).where(ChannelCount.round_id == round_id))
    return {row.channel: row.ballots for row in rows}
