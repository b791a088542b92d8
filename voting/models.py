"""The register and the ballot box.

Secrecy: `voting_pass` / `voting_pass_use` (who had a pass, whether it was used) and
`voting_ballot` (what was chosen) share nothing that joins them: ballots have a random key,
no timestamp and no voter reference, and on SQLite they are stored WITHOUT ROWID so their
physical order is the order of their random keys, not the order they were cast.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from governance.models import utcnow


class VoterPass(SQLModel, table=True):
    __tablename__ = "voting_pass"
    # One pass per resident per round, even when two stewards check the same person at once.
    __table_args__ = (Index("uq_voting_pass_round_holder", "round_id", "holder_ref", unique=True),
                      {"sqlite_with_rowid": False})

    id: str = Field(primary_key=True)                    # random; never shown
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    code_hash: str = Field(unique=True)                  # HMAC of the code; the code itself is not kept
    holder_ref: str | None = None  # HMAC of name + postcode: one pass per resident
    issued_on: str                                      # the day only
    channel: str = "desk"                                # desk | batch


class PassUse(SQLModel, table=True):
    """A pass that has been spent. The primary key is the backstop against double voting."""

    __tablename__ = "voting_pass_use"
    __table_args__ = ({"sqlite_with_rowid": False},)

    pass_id: str = Field(primary_key=True, foreign_key="voting_pass.id")


class Ballot(SQLModel, table=True):
    __tablename__ = "voting_ballot"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: str = Field(primary_key=True)          # random
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    tracking_code: str = Field(unique=True)
    choices: str                               # canonical JSON
    ballot_hash: str


class IdempotencyRecord(SQLModel, table=True):
    """The answer given to a ballot request, replayed when a kiosk retries the same request.

    Deleted when the vote closes: a request fingerprint next to a tracking code must not
    outlive the reason for keeping it.
    """

    __tablename__ = "voting_idempotency"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: str = Field(primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id", index=True)
    request_fingerprint: str
    tracking_code: str


class RoundResult(SQLModel, table=True):
    __tablename__ = "voting_result"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    rule: str
    ballots_counted: int
    outcome: str        # canonical JSON: selected ids in order and per-project facts
    published_at: datetime = Field(default_factory=utcnow)


class Channel(StrEnum):
    """How a ballot reached the box, counted per round and never stored on the ballot."""

    kiosk = "kiosk"    # a pass typed (or scanned) into a tablet at the event
    phone = "phone"    # the pass's QR code opened on the resident's own phone
    online = "online"  # the JSON API


class ChannelCount(SQLModel, table=True):
    """Turnout by channel: a counter per round and channel, incremented in the ballot's own
    transaction. A ballot carries no channel, so the count says how many came each way and
    nothing about which ballot did."""

    __tablename__ = "voting_channel_count"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    channel: str = Field(primary_key=True)
    ballots: int = 0
