from enum import StrEnum


class ProposalEvent(StrEnum):
    submitted = "proposal.submitted"
    withdrawn = "proposal.withdrawn"
