from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import NotFound
from proposals.models import Proposal, ProposalStatus


def on_ballot(session: Session, round_id: int) -> list[Proposal]:
    """The proposals residents vote on, in a fixed order (by id) for every voter."""
    return list(session.exec(select(Proposal).where(
        Proposal.round_id == round_id, Proposal.status == ProposalStatus.on_ballot).order_by(Proposal.id)))


def for_round(session: Session, round_id: int) -> list[Proposal]:
    return list(session.exec(select(Proposal).where(Proposal.round_id == round_id).order_by(Proposal.id)))


def get_proposal(session: Session, round_id: int, proposal_id: int) -> Proposal:
    found = session.get(Proposal, proposal_id) if 1 <= proposal_id <= 2**31 - 1 else None
    if found is None or found.round_id != round_id:
        raise NotFound(f"There is no proposal {proposal_id} on this round.")
    return found


def dearest_on_ballot(session: Session, round_id: int) -> int:
    cost = session.exec(select(func.max(Proposal.cost)).where(
        Proposal.round_id == round_id, Proposal.status == ProposalStatus.on_ballot)).one()
    return cost or 0
