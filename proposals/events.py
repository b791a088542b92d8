from enum import StrEnum


class ProposalEvent(StrEnum):
    drafted = "proposal.drafted"
    submitted = "proposal.submitted"
    edited = "proposal.edited"
    withdrawn = "proposal.withdrawn"
    reviewed = "proposal.reviewed"
    costs_adjusted = "proposal.costs_adjusted"
    merged = "proposal.merged"
    unmerged = "proposal.unmerged"
    hidden = "proposal.hidden"
    unhidden = "proposal.unhidden"
    message_posted = "proposal.message_posted"
    placed_on_ballot = "proposal.placed_on_ballot"
