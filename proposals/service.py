"""Proposal rules. Officers enter proposals for now; resident submission comes later."""

from sqlmodel import Session

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput
from governance import repository as governance_repo
from governance.models import VoteStatus
from proposals.events import ProposalEvent
from proposals.models import Proposal, ProposalStatus


def add_proposal(session: Session, actor: Actor, *, round_id: int, title: str, cost: int, summary: str = "",
                 location: str = "", delivered_by: str = "") -> Proposal:
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("Proposals cannot be added once voting has opened: every voter must see the same ballot.")
    if not title.strip():
        raise InvalidInput("A proposal needs a title.")
    if cost <= 0:
        raise InvalidInput("A proposal's cost must be more than zero.")
    if cost > voting_round.budget:
        raise InvalidInput(f"A proposal cannot cost more than the whole budget ({voting_round.budget:,}).")
    proposal = Proposal(round_id=round_id, title=title.strip(), cost=cost, summary=summary.strip(),
                        location=location.strip(), delivered_by=delivered_by.strip(),
                        status=ProposalStatus.on_ballot)
    session.add(proposal)
    session.flush()
    audit.append(session, actor, ProposalEvent.submitted, f"proposal:{proposal.id}",
                 {"round": f"round:{round_id}", "title": proposal.title, "cost": cost})
    return proposal
