from enum import StrEnum


class ProposalEvent(StrEnum):
    submitted = "proposal.submitted"
    edited = "proposal.edited"
    withdrawn = "proposal.withdrawn"
