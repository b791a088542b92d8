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
    voided: bool = False                                 # cancelled at the desk before use
    # When a kiosk opened it, to the minute, so closing can wait for ballots in progress; cleared at close.
    opened_at: datetime | None = None
    # Keyed hashes of (round, postcode, one name word): a likely second pass, never the name itself.
    first_name_ref: str | None = Field(default=None, index=True)
    last_name_ref: str | None = Field(default=None, index=True)


class PassUse(SQLModel, table=True):
    """A pass that has been spent. The primary key is the backstop against double voting."""

    __tablename__ = "voting_pass_use"
    __table_args__ = ({"sqlite_with_rowid": False},)

    pass_id: str = Field(primary_key=True, foreign_key="voting_pass.id")


class Ballot(SQLModel, table=True):
    """What was chosen. Nothing here leads to a receipt: the tracking code lives in `voting_receipt`.

    `batch` is null until the ballot enters the log in a shuffled batch (docs/secrecy.md); the
    random nonce makes its published leaf impossible to guess from the choices alone.
    """

    __tablename__ = "voting_ballot"
    __table_args__ = (Index("ix_voting_ballot_round_batch", "round_id", "batch"), {"sqlite_with_rowid": False})

    id: str = Field(primary_key=True)          # random
    round_id: int = Field(foreign_key="governance_round.id")
    nonce: str                                 # random, 32 hex digits; published with the choices
    choices: str                               # canonical JSON
    batch: int | None = None


class BallotReceipt(SQLModel, table=True):
    """A tracking code the box holds. It shares no key, nonce or order with the ballot it came with:
    a voter proves their receipt is in the sealed box without anyone learning their choices."""

    __tablename__ = "voting_receipt"
    __table_args__ = (Index("ix_voting_receipt_round_batch", "round_id", "batch"), {"sqlite_with_rowid": False})

    tracking_code: str = Field(primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id")
    batch: int | None = None


class BallotBoxState(SQLModel, table=True):
    """Running counts of one round's box, so casting and batching never count the whole box."""

    __tablename__ = "voting_box_state"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    cast: int = 0                 # ballots acknowledged
    pending: int = 0              # ballots not yet in a batch
    batches: int = 0
    sealed_seq: int | None = None  # the log entry that sealed the box


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


class DeskTicket(SQLModel, table=True):
    """A pass just issued, shown to the steward who issued it for a few minutes.

    The desk redirects to this ticket after issuing, so a reload never re-posts the form; the
    code is kept only until the steward moves on to the next resident or the ticket expires.
    """

    __tablename__ = "voting_desk_ticket"

    token_hash: str = Field(primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id")
    pass_id: str
    code: str
    staff_id: int
    expires_at: datetime


class RoundResult(SQLModel, table=True):
    __tablename__ = "voting_result"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    rule: str
    ballots_counted: int
    outcome: str        # canonical JSON: selected ids in order and per-project facts
    published_at: datetime = Field(default_factory=utcnow)


class KioskLock(SQLModel, table=True):
    """Wrong pass codes typed at one client (a voting point, a phone, an API script).

    Part of neither the register nor the ballot box: it knows nothing of passes or ballots, and
    the client is kept only as a keyed hash of its address."""

    __tablename__ = "voting_kiosk_lock"

    client_ref: str = Field(primary_key=True)
    wrong_codes: int = 0
    last_wrong_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
class Channel(StrEnum):
    """How a ballot reached the box, counted per round and never stored on the ballot."""

    kiosk = "kiosk"    # a pass typed (or scanned) into a tablet at the event
    phone = "phone"    # the pass's QR code opened on the resident's own phone
    online = "online"  # the JSON API
    paper = "paper"    # a paper sheet entered twice alike by two stewards (voting/paper.py)


class ChannelCount(SQLModel, table=True):
    """Turnout by channel: a counter per round and channel, incremented in the ballot's own
    transaction. A ballot carries no channel, so the count says how many came each way and
    nothing about which ballot did."""

    __tablename__ = "voting_channel_count"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    channel: str = Field(primary_key=True)
    ballots: int = 0


class Certification(SQLModel, table=True):
    """The chair's certification of a published result and a second member's confirmation.

    Names are kept here (staff act in public office) and shown on the results page; the log
    itself carries only the staff reference. A round is certified once confirmed; from the
    chair's step on it is frozen."""

    __tablename__ = "voting_certification"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    certified_by: str                # actor reference, e.g. "staff:3" or "cli"
    certified_by_name: str
    certified_role: str
    certified_at: datetime = Field(default_factory=utcnow)
    confirmed_by: str | None = None
    confirmed_by_name: str | None = None
    confirmed_role: str | None = None
    confirmed_at: datetime | None = None
    checkpoint_seq: int | None = None  # the signed checkpoint taken when confirmed

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Reconciliation(SQLModel, table=True):
    """The event's books at close, as the chair signed them off: the figures are kept as signed."""

    __tablename__ = "voting_reconciliation"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    figures: str                      # canonical JSON of the sheet
    signed_by: str
    signed_by_name: str
    signed_at: datetime = Field(default_factory=utcnow)


class PaperSheet(SQLModel, table=True):
    """A paper ballot sheet as stewards entered it (voting/paper.py). The sheet number is printed
    on the paper; the desk hands sheets out without recording who took which, so nothing here
    leads to a resident. Once settled, the sheet's marks live only in the ballot box."""

    __tablename__ = "voting_paper_sheet"

    round_id: int = Field(primary_key=True, foreign_key="governance_round.id")
    number: str = Field(primary_key=True)   # as printed, e.g. "K7MQ-3XP9"
    status: str                             # entered_once | mismatched | counted | spoilt
    spoilt_reason: str | None = None
    decided_by: str | None = None           # a supervisor's decision settled it, not two entries alike


class PaperEntry(SQLModel, table=True):
    """One steward's keying of one sheet. Marks are kept only while the sheet is unsettled: they
    are compared with the other steward's, then cleared when the sheet is counted or spoilt."""

    __tablename__ = "voting_paper_entry"
    # The same steward cannot enter the same sheet twice: the second entry must be someone else's.
    __table_args__ = (Index("uq_voting_paper_entry_keyer", "round_id", "number", "keyed_by", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="governance_round.id")
    number: str
    keyed_by: str                    # actor reference, e.g. "staff:3"
    keyed_by_name: str
    marks: str | None = None         # canonical JSON of the ballot as keyed; None when spoilt or settled
    spoilt: bool = False
    spoilt_reason: str | None = None
