from sqlmodel import Session, select

from proposals.models import Proposal, ProposalStatus


def on_ballot(session: Session, round_id: int) -> list[Proposal]:
    """The proposals residents vote on, in a fixed order (by id) for every voter."""
    return list(session.exec(select(Proposal).where(
        Proposal.round_id == round_id, Proposal.status == ProposalStatus.on_ballot).order_by(Proposal.id)))


def for_round(session: Session, round_id: int) -> list[Proposal]:
    return list(session.exec(select(Proposal).where(Proposal.round_id == round_id).order_by(Proposal.id)))
