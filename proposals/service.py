"""Proposal rules. Officers enter proposals for now; resident submission comes later."""

import unicodedata

from sqlmodel import Session

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput
from core.text import storable
from governance import repository as governance_repo
from governance.models import VoteStatus
from proposals import repository
from proposals.events import ProposalEvent
from proposals.models import Proposal, ProposalStatus


def title_key(title: str) -> str:
    """"Green Gym", "green  gym." and "GREEN-GYM" are one title on a ballot."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _check_proposal(session: Session, voting_round, *, title: str, cost: int, proposal_id: int | None = None) -> None:
    if not title.strip():
        raise InvalidInput("A proposal needs a title.", field="title")
    twin = next((p for p in repository.on_ballot(session, voting_round.id)
                 if p.id != proposal_id and title_key(p.title) == title_key(title)), None)
    if twin is not None:
        raise InvalidInput(f"\"{twin.title}\" is already on this ballot. Give this proposal a title voters can "
                           "tell apart, or edit the one already there.", field="title")
    if cost <= 0:
        raise InvalidInput("A proposal's cost must be more than zero.", field="cost")
    if cost > voting_round.budget:
        raise InvalidInput(f"A proposal cannot cost more than the whole budget ({voting_round.budget:,}).",
                           field="cost")


def _check_ballot_open_to_change(voting_round) -> None:
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("Proposals cannot be added or changed once voting has opened: every voter must see the "
                       "same ballot.")


def add_proposal(session: Session, actor: Actor, *, round_id: int, title: str, cost: int, summary: str = "",
                 location: str = "", delivered_by: str = "") -> Proposal:
    voting_round = governance_repo.get_round(session, round_id)
    _check_ballot_open_to_change(voting_round)
    title, summary, location, delivered_by = map(storable, (title, summary, location, delivered_by))
    _check_proposal(session, voting_round, title=title, cost=cost)
    proposal = Proposal(round_id=round_id, title=title.strip(), cost=cost, summary=summary.strip(),
                        location=location.strip(), delivered_by=delivered_by.strip(),
                        status=ProposalStatus.on_ballot)
    session.add(proposal)
    session.flush()
    audit.append(session, actor, ProposalEvent.submitted, f"proposal:{proposal.id}",
                 {"round": f"round:{round_id}", "title": proposal.title, "cost": cost})
    return proposal


def edit_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int, title: str, cost: int,
                  summary: str = "", location: str = "", delivered_by: str = "") -> Proposal:
    """Correct a proposal before voting opens; the log keeps what it said before."""
    voting_round = governance_repo.get_round(session, round_id)
    _check_ballot_open_to_change(voting_round)
    proposal = repository.get_proposal(session, round_id, proposal_id)
    if proposal.status == ProposalStatus.withdrawn:
        raise Conflict("This proposal was withdrawn; it cannot be edited.")
    title, summary, location, delivered_by = map(storable, (title, summary, location, delivered_by))
    _check_proposal(session, voting_round, title=title, cost=cost, proposal_id=proposal_id)
    new = {"title": title.strip(), "cost": cost, "summary": summary.strip(), "location": location.strip(),
           "delivered_by": delivered_by.strip()}
    changed = {name: value for name, value in new.items() if getattr(proposal, name) != value}
    for name, value in changed.items():
        setattr(proposal, name, value)
    session.add(proposal)
    if changed:
        audit.append(session, actor, ProposalEvent.edited, f"proposal:{proposal_id}", {
            "round": f"round:{round_id}", **{k: v for k, v in changed.items() if k in ("title", "cost")},
            "changed": sorted(changed)})
    return proposal


def withdraw_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int) -> Proposal:
    """Take a proposal off the ballot before voting opens. It stays on record, marked withdrawn."""
    voting_round = governance_repo.get_round(session, round_id)
    _check_ballot_open_to_change(voting_round)
    proposal = repository.get_proposal(session, round_id, proposal_id)
    if proposal.status == ProposalStatus.withdrawn:
        raise Conflict("This proposal is already withdrawn.")
    proposal.status = ProposalStatus.withdrawn
    session.add(proposal)
    audit.append(session, actor, ProposalEvent.withdrawn, f"proposal:{proposal_id}", {"round": f"round:{round_id}"})
    return proposal
