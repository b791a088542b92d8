from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from governance.models import utcnow


class ProposalStatus(StrEnum):
    submitted = "submitted"
    on_ballot = "on_ballot"
    withdrawn = "withdrawn"


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals_proposal"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    title: str
    summary: str = ""
    cost: int
    location: str = ""
    delivered_by: str = ""
    status: str = ProposalStatus.on_ballot
    created_at: datetime = Field(default_factory=utcnow)
