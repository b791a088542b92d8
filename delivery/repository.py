"""Every query delivery makes."""

from sqlmodel import Session, select

from core.errors import NotFound
from core.numbers import MAX_ID
from delivery.models import (
    Grant,
    Milestone,
    OutcomeEstimate,
    OutputRecord,
    PhotoStatus,
    ProjectPhoto,
    ProjectPhotoFile,
    RecipientLink,
    SpendEntry,
    SpendEvidence,
)


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


def duplicate_spend(session: Session, grant_id: int, spent_on, amount_pence: int,
                    description: str) -> SpendEntry | None:
    return session.exec(select(SpendEntry).where(SpendEntry.grant_id == grant_id, SpendEntry.spent_on == spent_on,
                                                 SpendEntry.amount_pence == amount_pence,
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


def milestone_of(session: Session, grant_id: int, milestone_id: int) -> Milestone | None:
    milestone = session.get(Milestone, milestone_id) if 1 <= milestone_id <= MAX_ID else None
    return milestone if milestone is not None and milestone.grant_id == grant_id else None


def link_by_token_hash(session: Session, token_hash: str) -> RecipientLink | None:
    return session.exec(select(RecipientLink).where(RecipientLink.token_hash == token_hash)).first()


def link_of(session: Session, grant_id: int, link_id: int) -> RecipientLink | None:
    link = session.get(RecipientLink, link_id) if 1 <= link_id <= MAX_ID else None
    return link if link is not None and link.grant_id == grant_id else None


def links_of(session: Session, grant_id: int) -> list[RecipientLink]:
    return list(session.exec(select(RecipientLink).where(RecipientLink.grant_id == grant_id)
                             .order_by(RecipientLink.id)))


def photo_of(session: Session, grant_id: int, photo_id: int) -> ProjectPhoto | None:
    photo = session.get(ProjectPhoto, photo_id) if 1 <= photo_id <= MAX_ID else None
    return photo if photo is not None and photo.grant_id == grant_id else None


def photo_file(session: Session, photo_id: int) -> ProjectPhotoFile | None:
    return session.get(ProjectPhotoFile, photo_id)


def photos_of(session: Session, grant_id: int, *, shown_only: bool = False) -> list[ProjectPhoto]:
    statement = select(ProjectPhoto).where(ProjectPhoto.grant_id == grant_id)
    if shown_only:
        statement = statement.where(ProjectPhoto.status == PhotoStatus.shown)
    else:
        statement = statement.where(ProjectPhoto.status != PhotoStatus.removed)
    return list(session.exec(statement.order_by(ProjectPhoto.id)))
