"""Comments on a round's priorities and the short priority poll."""

import json
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

import residents.models  # noqa: F401  (authors)
from governance.models import utcnow


class Comment(SQLModel, table=True):
    """Post-moderated: visible at once; a moderator may hide it with a reason, which its author sees."""

    __tablename__ = "consult_comment"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    resident_id: int = Field(foreign_key="residents_resident.id", index=True)
    # The priority it is about, as the round words it; empty for the round as a whole.
    priority: str = ""
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    hidden_at: datetime | None = None
    hidden_reason: str = ""
    hidden_by: int | None = Field(default=None, foreign_key="governance_staff.id")

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class PriorityRanking(SQLModel, table=True):
    """One resident's answer to a round's priority poll: up to three priorities, most important first."""

    __tablename__ = "consult_priority_ranking"
    __table_args__ = (UniqueConstraint("round_id", "resident_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    resident_id: int = Field(foreign_key="residents_resident.id", index=True)
    choices: str = "[]"  # JSON list of priorities as the round words them, most important first
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def choice_list(self) -> list[str]:
        return json.loads(self.choices or "[]")
