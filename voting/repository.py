"""Every voting query."""

from sqlalchemy import func
from sqlmodel import Session, select

from voting.models import Ballot, BallotBoxState, BallotReceipt, IdempotencyRecord, PassUse, RoundResult, VoterPass


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
    return session.exec(query.with_for_update() if for_update else query).first()


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
