from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import NotFound
from proposals.models import Proposal, ProposalMessage, ProposalPhoto, ProposalStatus, ProposalVersion

# The statuses the public sees (a draft is its proposer's alone).
PUBLIC_STATUSES = tuple(s for s in ProposalStatus if s != ProposalStatus.draft)


# On the ballot, and still so once the count funded some of them.
BALLOT_STATUSES = (ProposalStatus.on_ballot, ProposalStatus.funded)


def on_ballot(session: Session, round_id: int) -> list[Proposal]:
    """The proposals residents vote on, in a fixed order (by id) for every voter."""
    return list(session.exec(select(Proposal).where(
        Proposal.round_id == round_id, Proposal.status.in_(BALLOT_STATUSES)).order_by(Proposal.id)))


def for_round(session: Session, round_id: int) -> list[Proposal]:
    return list(session.exec(select(Proposal).where(Proposal.round_id == round_id).order_by(Proposal.id)))


def public_for_round(session: Session, round_id: int, *, include_hidden: bool = False) -> list[Proposal]:
    query = select(Proposal).where(Proposal.round_id == round_id, Proposal.status.in_(PUBLIC_STATUSES))
    if not include_hidden:
        query = query.where(Proposal.hidden_reason == "")
    return list(session.exec(query.order_by(Proposal.id)))


# Before the vote: the ideas still in the running, whichever officer's step they are at.
IN_THE_RUNNING = (ProposalStatus.submitted, ProposalStatus.needs_changes, ProposalStatus.eligible,
                  ProposalStatus.on_ballot, ProposalStatus.funded)


def in_the_running(session: Session, round_id: int) -> list[Proposal]:
    """The public proposals not refused, withdrawn or merged away (and not hidden by a moderator)."""
    return list(session.exec(select(Proposal).where(
        Proposal.round_id == round_id, Proposal.status.in_(IN_THE_RUNNING), Proposal.hidden_reason == "")
        .order_by(Proposal.id)))


def of_proposer(session: Session, round_id: int, proposer_id: int) -> list[Proposal]:
    return list(session.exec(select(Proposal).where(Proposal.round_id == round_id,
                                                    Proposal.proposer_id == proposer_id).order_by(Proposal.id)))


def get_proposal(session: Session, round_id: int, proposal_id: int) -> Proposal:
    found = session.get(Proposal, proposal_id) if 1 <= proposal_id <= 2**31 - 1 else None
    if found is None or found.round_id != round_id:
        raise NotFound(f"There is no proposal {proposal_id} on this round.")
    return found


def dearest_on_ballot(session: Session, round_id: int) -> int:
    cost = session.exec(select(func.max(Proposal.cost)).where(
        Proposal.round_id == round_id, Proposal.status.in_(BALLOT_STATUSES))).one()
    return cost or 0


def latest_version_number(session: Session, proposal_id: int) -> int:
    return session.exec(select(func.max(ProposalVersion.number)).where(
        ProposalVersion.proposal_id == proposal_id)).one() or 0


def versions(session: Session, proposal_id: int) -> list[ProposalVersion]:
    return list(session.exec(select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
                             .order_by(ProposalVersion.number)))


def messages(session: Session, proposal_id: int) -> list[ProposalMessage]:
    return list(session.exec(select(ProposalMessage).where(ProposalMessage.proposal_id == proposal_id)
                             .order_by(ProposalMessage.id)))


def merged_into(session: Session, proposal_id: int) -> list[Proposal]:
    return list(session.exec(select(Proposal).where(Proposal.merged_into_id == proposal_id).order_by(Proposal.id)))


def photo(session: Session, proposal_id: int) -> ProposalPhoto | None:
    return session.get(ProposalPhoto, proposal_id)
