"""Every query delivery makes."""

from sqlmodel import Session, select

from core.errors import NotFound
from core.numbers import MAX_ID
from delivery.models import Grant, Milestone, OutcomeEstimate, OutputRecord, SpendEntry, SpendEvidence


def get_grant(session: Session, grant_id: int, *, for_update: bool = False) -> Grant:
    if not 1 <= grant_id <= MAX_ID:  # PostgreSQL would raise "integer out of range" rather than find nothing
        raise NotFound(f"There is no grant {grant_id}.")
    statement = select(Grant).where(Grant.id == grant_id)
    grant = session.exec(statement.with_for_update() if for_update else statement).first()
    if grant is None:
        raise NotFound(f"There is no grant {grant_id}.")
    return grant


def grant_for_proposal(session: Session, proposal_id: int) -> Grant | None:
    return session.exec(select(Grant).where(Grant.proposal_id == proposal_id)).first()


def grants_of_round(session: Session, round_id: int) -> list[Grant]:
    return list(session.exec(select(Grant).where(Grant.round_id == round_id).order_by(Grant.id)))


def all_grants(session: Session) -> list[Grant]:
    return list(session.exec(select(Grant).order_by(Grant.id)))


def spend_of(session: Session, grant_id: int) -> list[SpendEntry]:
    return list(session.exec(select(SpendEntry).where(SpendEntry.grant_id == grant_id)
                             .order_by(SpendEntry.spent_on, SpendEntry.id)))


def duplicate_spend(session: Session, grant_id: int, spent_on, amount: int, description: str) -> SpendEntry | None:
    return session.exec(select(SpendEntry).where(SpendEntry.grant_id == grant_id, SpendEntry.spent_on == spent_on,
                                                 SpendEntry.amount == amount,
                                                 SpendEntry.description == description)).first()


def evidence_of(session: Session, spend_id: int) -> SpendEvidence | None:
    return session.get(SpendEvidence, spend_id) if 1 <= spend_id <= MAX_ID else None


def milestones_of(session: Session, grant_id: int) -> list[Milestone]:
    return list(session.exec(select(Milestone).where(Milestone.grant_id == grant_id)
                             .order_by(Milestone.planned_on, Milestone.id)))


def outputs_of(session: Session, grant_id: int) -> list[OutputRecord]:
    return list(session.exec(select(OutputRecord).where(OutputRecord.grant_id == grant_id)
                             .order_by(OutputRecord.reported_on, OutputRecord.id)))


def outcomes_of(session: Session, grant_id: int) -> list[OutcomeEstimate]:
    return list(session.exec(select(OutcomeEstimate).where(OutcomeEstimate.grant_id == grant_id)
                             .order_by(OutcomeEstimate.id)))
