"""Partnerships, staff, memberships and rounds."""

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.i18n import N_, gettext, ngettext


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Role(StrEnum):
    chair = "chair"
    member = "member"
    officer = "officer"
    steward = "steward"
    scrutiny = "scrutiny"


# A role's name, as the partnership's public page shows it in the reader's language.
ROLE_WORDS = (N_("chair"), N_("member"), N_("officer"), N_("steward"), N_("scrutiny"))


class Phase(StrEnum):
    """The engagement arc, in order."""

    inform = "inform"
    consult = "consult"
    involve = "involve"
    collaborate = "collaborate"
    empower = "empower"
    deliver = "deliver"


PHASE_ORDER = list(Phase)

PHASE_LABELS = {
    Phase.inform: "Inform: budget and priorities published",
    Phase.consult: "Consult: residents comment on priorities",
    Phase.involve: "Involve: residents submit proposals",
    Phase.collaborate: "Collaborate: proposals refined with officers",
    Phase.empower: "Empower: residents vote",
    Phase.deliver: "Deliver: funded projects report progress",
}

# The arc's names are the partnership's working words; residents see what is happening instead.
PUBLIC_PHASE_WORDS = {
    Phase.inform: N_("Sharing the budget"),
    Phase.consult: N_("Asking residents about priorities"),
    Phase.involve: N_("Collecting ideas"),
    Phase.collaborate: N_("Ideas being costed"),
    Phase.empower: N_("Voting"),
    Phase.deliver: N_("Projects under way"),
}

# While the vote runs and is counted, what residents need to know is where the vote is.
PUBLIC_VOTE_WORDS = {
    "draft": N_("Voting soon"),
    "open": N_("Voting now"),
    "closed": N_("Counting the votes"),
}

# What residents may do in each phase.
PHASE_FLAGS: dict[Phase, frozenset[str]] = {
    Phase.inform: frozenset({"read"}),
    Phase.consult: frozenset({"read", "comment", "rank_priorities", "answer_survey"}),
    Phase.involve: frozenset({"read", "comment", "submit_proposals"}),
    Phase.collaborate: frozenset({"read", "comment", "refine_proposals", "see_feasibility"}),
    Phase.empower: frozenset({"read", "vote"}),
    Phase.deliver: frozenset({"read", "follow_projects"}),
}


class BallotKind(StrEnum):
    scores = "scores"
    approval = "approval"
    points = "points"      # cumulative: spread a fixed number of points
    ranking = "ranking"    # order your top k


class CountingRule(StrEnum):
    """How winners are chosen (voting/rules/ holds the counting itself)."""

    greedy = "greedy"      # most support first, skipping what no longer fits
    mes = "mes"            # Method of Equal Shares, completed by greedy on what is left
    phragmen = "phragmen"  # sequential Phragmén (approval ballots only)


COUNTING_RULE_LABELS = {
    CountingRule.greedy: N_("Most support first: projects are funded in order of support, skipping any that no "
                            "longer fit"),
    CountingRule.mes: N_("Equal shares: the budget is split equally between voters, and each project is paid for "
                         "by the voters who back it, so every group of residents gets its fair share"),
    CountingRule.phragmen: N_("Phragmén: projects are funded so that the load of paying for them is spread as "
                              "evenly as possible between the voters who approve them (approval ballots only)"),
}


class VoteStatus(StrEnum):
    draft = "draft"          # ballot settings may still change
    open = "open"
    closed = "closed"
    published = "published"  # results counted, revealed and public


class Partnership(SQLModel, table=True):
    __tablename__ = "governance_partnership"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True)
    name: str
    area: str = ""
    description: str = ""


class StaffAccount(SQLModel, table=True):
    __tablename__ = "governance_staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str
    password_hash: str | None = None
    oidc_subject: str | None = Field(default=None, unique=True)
    is_admin: bool = False
    active: bool = True
    # Signed into every session cookie; signing out adds one, so every copy of the cookie stops working.
    session_version: int = 0


class SignInThrottle(SQLModel, table=True):
    """Wrong passwords counted per client address and per username tried, known or not.

    Keys are keyed hashes ("client:..." / "account:..."), so the table holds no address or name.
    Times are seconds since the epoch."""

    __tablename__ = "governance_sign_in_throttle"

    key: str = Field(primary_key=True)
    failures: int = 0
    last_failure_at: float = Field(default=0.0, index=True)
    wait_until: float = 0.0


class Membership(SQLModel, table=True):
    __tablename__ = "governance_membership"
    __table_args__ = (UniqueConstraint("partnership_id", "staff_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    staff_id: int = Field(foreign_key="governance_staff.id", index=True)
    role: str


class Round(SQLModel, table=True):
    """A budget a partnership puts to residents, on its way along the engagement arc.

    Amounts are whole units of the currency (PB budgets and project costs are whole pounds).
    """

    __tablename__ = "governance_round"

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    title: str
    summary: str = ""
    budget: int
    currency: str = "GBP"
    fund_source: str = ""
    eligible_postcodes: str = ""  # comma-separated outward codes or prefixes, e.g. "SK10,SK11"
    priorities: str = ""          # one per line
    phase: str = Phase.inform
    highest_phase: str = Phase.inform
    ballot_kind: str = BallotKind.scores
    score_min: int = 1
    score_max: int = 5
    min_picks: int = 0
    max_picks: int | None = None
    points_total: int = 10  # points ballots: how many points each resident spreads
    rank_depth: int = 3     # ranking ballots: how many places each resident fills at most
    counting_rule: str = CountingRule.greedy
    vote_status: str = VoteStatus.draft
    # Set while the vote closes: ballots already started may finish until then, none may start.
    closing_deadline: datetime | None = None
    archived: bool = False  # made by mistake: hidden from lists, its history kept
    created_at: datetime = Field(default_factory=utcnow)
    # Steps of the arc the round passed over (comma-separated): shown as skipped, never as done.
    skipped_phases: str = ""
    # Planned start of each step, as JSON {"consult": "2027-03-03", ...}; shown on the public page.
    phase_dates: str = ""
    # The PB day: the event where residents vote in person.
    pb_day_date: date | None = None
    pb_day_place: str = ""
    pb_day_opens: str = ""   # "10:00"
    pb_day_closes: str = ""  # "15:00"

    @property
    def postcode_prefixes(self) -> list[str]:
        return [p.strip().upper() for p in self.eligible_postcodes.split(",") if p.strip()]

    @property
    def priority_list(self) -> list[str]:
        return [line.strip() for line in self.priorities.splitlines() if line.strip()]

    @property
    def flags(self) -> frozenset[str]:
        return PHASE_FLAGS[Phase(self.phase)]

    @property
    def skipped(self) -> frozenset[Phase]:
        return frozenset(Phase(p) for p in self.skipped_phases.split(",") if p)

    @property
    def planned_dates(self) -> dict[Phase, date]:
        import json

        raw = json.loads(self.phase_dates) if self.phase_dates else {}
        return {Phase(phase): date.fromisoformat(day) for phase, day in raw.items()}

    @property
    def accepts_votes(self) -> bool:
        return self.vote_status == VoteStatus.open

    @property
    def is_closing(self) -> bool:
        return self.vote_status == VoteStatus.open and self.closing_deadline is not None

    @property
    def public_stage(self) -> str:
        """Where the round is, in the words residents use (the arc's names stay on staff pages), in the
        language of the page asking."""
        if self.phase == Phase.empower and self.vote_status in PUBLIC_VOTE_WORDS:
            return gettext(PUBLIC_VOTE_WORDS[self.vote_status])
        return gettext(PUBLIC_PHASE_WORDS[Phase(self.phase)])

    def title_under(self, partnership_name: str) -> str:
        """The title as shown under its partnership's name: "Macclesfield Neighbourhood Partnership —
        Community Fund 2026" reads "Community Fund 2026" there, not the name twice."""
        if not partnership_name or not self.title.lower().startswith(partnership_name.lower()):
            return self.title
        rest = self.title[len(partnership_name):].lstrip(" \t-–—:|·,")
        return rest or self.title

    @property
    def ballot_label(self) -> str:
        if self.ballot_kind == BallotKind.scores:
            return gettext("scores %(low)s–%(high)s", low=self.score_min, high=self.score_max)
        if self.ballot_kind == BallotKind.points:
            return ngettext("spread %(num)s point", "spread %(num)s points", self.points_total)
        if self.ballot_kind == BallotKind.ranking:
            return gettext("rank your top %(depth)s", depth=self.rank_depth)
        return gettext("approval within the budget")


class Invitation(SQLModel, table=True):
    """A one-time link that makes a staff account with a role in a partnership.

    Only a keyed hash of the link's token is kept, so a copy of the database cannot accept it."""

    __tablename__ = "governance_invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    role: str
    email: str = ""
    invited_by: int | None = Field(default=None, foreign_key="governance_staff.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    staff_id: int | None = Field(default=None, foreign_key="governance_staff.id")


class MinutesStatus(StrEnum):
    draft = "draft"
    approved = "approved"


class Meeting(SQLModel, table=True):
    """A partnership meeting: when, where, what it discussed and who came."""

    __tablename__ = "governance_meeting"

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    held_on: date
    place: str
    agenda: str = ""
    residents_attending: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class MeetingAttendance(SQLModel, table=True):
    """A partnership member present at a meeting."""

    __tablename__ = "governance_meeting_attendance"

    meeting_id: int = Field(foreign_key="governance_meeting.id", primary_key=True)
    staff_id: int = Field(foreign_key="governance_staff.id", primary_key=True)


class Minutes(SQLModel, table=True):
    """A meeting's minutes: drafted, then approved at a later meeting. Approved minutes never change;
    a correction is a new entry that points at the minutes it corrects."""

    __tablename__ = "governance_minutes"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="governance_meeting.id", index=True)
    text: str
    status: str = MinutesStatus.draft
    corrects_id: int | None = Field(default=None, foreign_key="governance_minutes.id")
    approved_at_meeting_id: int | None = Field(default=None, foreign_key="governance_meeting.id")
    created_at: datetime = Field(default_factory=utcnow)
    approved_at: datetime | None = None


class Decision(SQLModel, table=True):
    """What a meeting decided, e.g. "Adopt the priorities for 2026"; each one is in the audit log."""

    __tablename__ = "governance_decision"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="governance_meeting.id", index=True)
    text: str
    created_at: datetime = Field(default_factory=utcnow)
    # The round whose next steps this decision authorises (moving it on, opening its vote, its grants),
    # if any: while the decision is called in, those steps wait (scrutiny.call_in.refuse_if_paused).
    round_id: int | None = Field(default=None, foreign_key="governance_round.id")
