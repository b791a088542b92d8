"""Queries scrutiny members raise, and the record of each register purged to counts.

The audit log itself lives in core/audit.py; scrutiny only reads it.
"""

from enum import StrEnum

from sqlmodel import Field, SQLModel


class Query(SQLModel, table=True):
    """A scrutiny member's question about an entry, a round or a proposal, for the chair to answer.

    The texts stay here; the log holds their SHA-256, so the record is fixed without putting free
    text (which could name anyone) into the public chain.
    """

    __tablename__ = "scrutiny_query"

    id: int | None = Field(default=None, primary_key=True)
    about: str = Field(index=True)        # "audit:12", "round:3" or "proposal:5"
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="governance_round.id")
    question: str
    raised_by: int = Field(foreign_key="governance_staff.id")
    raised_at: str
    answer: str | None = None
    answered_by: int | None = Field(default=None, foreign_key="governance_staff.id")
    answered_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.answer is None


class RegisterPurge(SQLModel, table=True):
    """What is left of a round's register once the retention period is over: counts."""

    __tablename__ = "scrutiny_register_purge"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    purged_at: str
    desk_passes: int
    batch_passes: int
    ballots: int


class CallInOutcome(StrEnum):
    upheld = "upheld"
    amended = "amended"
    withdrawn = "withdrawn"


class CallIn(SQLModel, table=True):
    """A partnership decision called in by a scrutiny member: paused until the partnership
    reconsiders it and the chair records the outcome. A decision is called in at most once.

    Unlike a query's text, the reasons and the amended wording go into the log in full: they are the
    partnership's public business, as the decision's own words are."""

    __tablename__ = "scrutiny_call_in"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="governance_decision.id", unique=True)
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    reasons: str
    called_by: int = Field(foreign_key="governance_staff.id")
    called_at: str
    outcome: str | None = None          # a CallInOutcome once reconsidered
    amended_text: str | None = None     # the decision as amended
    outcome_note: str = ""
    reconsidered_at_meeting_id: int | None = Field(default=None, foreign_key="governance_meeting.id")
    decided_by: int | None = Field(default=None, foreign_key="governance_staff.id")
    decided_at: str | None = None

    @property
    def is_paused(self) -> bool:
        return self.outcome is None
