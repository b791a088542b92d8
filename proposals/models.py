"""Proposals: what residents and groups put forward, its versions, photo and the messages about it."""

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

import governance.interests  # noqa: F401  (the declarations table, read by the proposal rules)
import residents.models  # noqa: F401  (proposers)
from core.i18n import N_, gettext
from governance.models import utcnow


class ProposalStatus(StrEnum):
    """As DESIGN.md's proposals API lists them."""

    draft = "draft"                  # the proposer's alone; never listed
    submitted = "submitted"          # waiting for an officer's review
    needs_changes = "needs_changes"  # the officer asked for changes; the proposer revises and resubmits
    eligible = "eligible"            # goes on the ballot when voting opens
    ineligible = "ineligible"        # the officer said why
    withdrawn = "withdrawn"
    merged = "merged"                # folded into another proposal (reversible until voting opens)
    on_ballot = "on_ballot"
    funded = "funded"


STATUS_WORDS = {
    ProposalStatus.draft: N_("Draft (only you see it)"),
    ProposalStatus.submitted: N_("Submitted, waiting for review"),
    ProposalStatus.needs_changes: N_("Changes asked for"),
    ProposalStatus.eligible: N_("Eligible: it will be on the ballot"),
    ProposalStatus.ineligible: N_("Not eligible"),
    ProposalStatus.withdrawn: N_("Withdrawn"),
    ProposalStatus.merged: N_("Merged into another proposal"),
    ProposalStatus.on_ballot: N_("On the ballot"),
    ProposalStatus.funded: N_("Funded"),
}


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals_proposal"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    title: str
    summary: str = ""
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    cost: int
    # [{"item": str, "amount": int}, ...] as JSON; the cost is their sum when there are any.
    cost_lines: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    location: str = ""          # a place or a ward
    delivered_by: str = ""      # a named group or organisation
    org_number: str = ""        # its charity or company number, if it has one
    category: str = ""
    status: str = ProposalStatus.on_ballot
    # Who proposed it: a resident's account, or a name an officer copied from a paper form.
    proposer_id: int | None = Field(default=None, foreign_key="residents_resident.id", index=True)
    proposer_name: str = ""
    entered_on_behalf: bool = False
    entered_by_staff_id: int | None = Field(default=None, foreign_key="governance_staff.id")
    review_reason: str = ""     # why it needs changes or is not eligible; the proposer sees it
    merged_into_id: int | None = Field(default=None, foreign_key="proposals_proposal.id")
    status_before_merge: str = ""
    hidden_reason: str = ""     # set when a moderator hides it from the public pages
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def lines(self) -> list[dict]:
        return json.loads(self.cost_lines or "[]")

    @property
    def status_words(self) -> str:
        """In the language of the page asking (English on staff pages)."""
        return gettext(STATUS_WORDS.get(ProposalStatus(self.status), self.status))


class ProposalVersion(SQLModel, table=True):
    """The full content of a proposal after each change, who made it and when."""

    __tablename__ = "proposals_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals_proposal.id", index=True)
    number: int
    content: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    author: str        # "the proposer", "an officer (Olu Officer)", ...
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def data(self) -> dict:
        return json.loads(self.content)


class ProposalPhoto(SQLModel, table=True):
    __tablename__ = "proposals_photo"

    proposal_id: int = Field(foreign_key="proposals_proposal.id", primary_key=True)
    content_type: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str


class ProposalMessage(SQLModel, table=True):
    """A message between the proposer and the officers, on the proposal; not public."""

    __tablename__ = "proposals_message"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals_proposal.id", index=True)
    from_staff_id: int | None = Field(default=None, foreign_key="governance_staff.id")
    author: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
