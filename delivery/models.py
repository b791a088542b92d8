"""Grants for funded projects, the spend against them and what they delivered.

Grants are whole pounds, like budgets and costs; spend is kept in pence, as receipts are. Evidence
files are kept beside the spend entry they support, in their own table, so listing a ledger never
reads the files."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.money import pounds
from governance.models import utcnow


class Grant(SQLModel, table=True):
    __tablename__ = "delivery_grant"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    proposal_id: int = Field(foreign_key="proposals_proposal.id", unique=True)
    title: str
    summary: str = ""
    recipient_name: str
    recipient_id: str                 # GB-CHC-..., GB-COH-... or a self-issued 360G-... id
    amount: int
    award_date: date
    planned_start: date
    planned_end: date
    fund_source: str = ""
    conditions: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    # What was not spent by the end date, added to the partnership's next round.
    returned_amount: int | None = None
    returned_to_round: int | None = Field(default=None, foreign_key="governance_round.id")


class SpendEntry(SQLModel, table=True):
    __tablename__ = "delivery_spend"
    # The same date, amount and description twice is a double entry, not two payments.
    __table_args__ = (UniqueConstraint("grant_id", "spent_on", "amount_pence", "description",
                                       name="uq_delivery_spend_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="delivery_grant.id", index=True)
    spent_on: date
    amount_pence: int
    description: str
    entered_by: str                   # actor reference: "staff:3", or "recipient" through a link
    over_grant_override: bool = False
    evidence_type: str | None = None  # application/pdf, image/png, image/jpeg
    created_at: datetime = Field(default_factory=utcnow)
    # A line entered in error is withdrawn by an officer, never deleted: it stays on the public
    # ledger, struck through with the reason, and no longer counts as spent.
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None

    @property
    def counts(self) -> bool:
        return self.withdrawn_at is None

    @property
    def amount(self) -> int | Decimal:
        """In pounds: 250 or 12.50."""
        return pounds(self.amount_pence)


class SpendEvidence(SQLModel, table=True):
    __tablename__ = "delivery_spend_evidence"

    spend_id: int = Field(primary_key=True, foreign_key="delivery_spend.id")
    media_type: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MilestoneStatus(StrEnum):
    planned = "planned"
    done = "done"
    dropped = "dropped"


class Milestone(SQLModel, table=True):
    __tablename__ = "delivery_milestone"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="delivery_grant.id", index=True)
    title: str
    planned_on: date
    actual_on: date | None = None
    status: str = MilestoneStatus.planned

    def is_late(self, today: date) -> bool:
        return self.status == MilestoneStatus.planned and self.planned_on < today


class OutputRecord(SQLModel, table=True):
    """What a project delivered, as councils report it: "88 residents attended ... over 11 sessions"."""

    __tablename__ = "delivery_output"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="delivery_grant.id", index=True)
    indicator: str
    value: int
    unit: str
    reported_on: date


class OutcomeEstimate(SQLModel, table=True):
    """Estimated savings to statutory services a year: always an estimate, with its source and method."""

    __tablename__ = "delivery_outcome"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="delivery_grant.id", index=True)
    savings_per_year: int
    source: str
    method: str


class RecipientLink(SQLModel, table=True):
    """A link an officer sends to a grant's recipient organisation, who has no account: whoever holds
    it may report spend and progress on that one grant until it expires or is revoked. Only a keyed
    hash of its token is kept, so a copy of the database cannot be used to report."""

    __tablename__ = "delivery_recipient_link"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="delivery_grant.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    created_by: str                   # actor reference of the officer who made it
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class PhotoStatus(StrEnum):
    waiting = "waiting"   # sent by the recipient, not yet checked by an officer
    shown = "shown"       # on the public project page
    removed = "removed"   # taken down by an officer; the file itself is deleted


class ProjectPhoto(SQLModel, table=True):
    """A photo of a funded project, with the words a screen reader says for it. Its file is in its own
    table (as evidence is), so listing photos never reads the images."""

    __tablename__ = "delivery_photo"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="delivery_grant.id", index=True)
    alt_text: str
    media_type: str
    status: str = PhotoStatus.waiting
    added_by: str                     # actor reference: "staff:3", or "link:5" for the recipient
    created_at: datetime = Field(default_factory=utcnow)
    reviewed_by: str | None = None


class ProjectPhotoFile(SQLModel, table=True):
    __tablename__ = "delivery_photo_file"

    photo_id: int = Field(primary_key=True, foreign_key="delivery_photo.id")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
