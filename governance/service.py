"""Governance rules: partnerships, staff, rounds and their place on the engagement arc."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotAllowed
from core.security import hash_password, verify_password
from governance import repository
from governance.events import GovernanceEvent
from governance.models import (
    PHASE_ORDER,
    BallotKind,
    CountingRule,
    Membership,
    Partnership,
    Phase,
    Role,
    Round,
    StaffAccount,
    VoteStatus,
    utcnow,
)

POSTCODE_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def create_partnership(session: Session, actor: Actor, *, name: str, slug: str, area: str = "",
                       description: str = "") -> Partnership:
    partnership = Partnership(name=name, slug=slug, area=area, description=description)
    session.add(partnership)
    session.flush()
    audit.append(session, actor, GovernanceEvent.partnership_created, f"partnership:{partnership.id}",
                 {"name": name, "slug": slug})
    return partnership


def create_staff(session: Session, actor: Actor, *, username: str, display_name: str, password: str | None,
                 is_admin: bool = False) -> StaffAccount:
    if repository.staff_by_username(session, username) is not None:
        raise Conflict(f"The username {username!r} is taken.")
    staff = StaffAccount(username=username, display_name=display_name,
                         password_hash=hash_password(password) if password else None, is_admin=is_admin)
    session.add(staff)
    session.flush()
    audit.append(session, actor, GovernanceEvent.staff_created, f"staff:{staff.id}", {"is_admin": is_admin})
    return staff


def add_member(session: Session, actor: Actor, *, partnership_id: int, staff_id: int, role: Role) -> Membership:
    membership = Membership(partnership_id=partnership_id, staff_id=staff_id, role=Role(role))
    session.add(membership)
    session.flush()
    audit.append(session, actor, GovernanceEvent.member_added, f"partnership:{partnership_id}",
                 {"staff": f"staff:{staff_id}", "role": str(role)})
    return membership


@dataclass
class BallotSettings:
    ballot_kind: BallotKind = BallotKind.scores
    score_min: int = 1
    score_max: int = 5
    min_picks: int = 0
    max_picks: int | None = None
    counting_rule: CountingRule = CountingRule.greedy

    def check(self) -> None:
        if self.counting_rule == CountingRule.phragmen and self.ballot_kind != BallotKind.approval:
            raise InvalidInput("Phragmén counts approval ballots only; choose another rule for scores.")
        if self.ballot_kind == BallotKind.scores and not 0 <= self.score_min < self.score_max <= 10:
            raise InvalidInput("Scores must run from a lower to a higher whole number between 0 and 10.")
        if self.min_picks < 0:
            raise InvalidInput("The least number of picks cannot be negative.")
        if self.max_picks is not None and self.max_picks < max(1, self.min_picks):
            raise InvalidInput("The most picks allowed must be at least one and at least the least number.")


def parse_postcode_prefixes(text: str) -> str:
    prefixes = [p.strip().upper() for p in re.split(r"[,\s/]+", text) if p.strip()]
    bad = [p for p in prefixes if not POSTCODE_PREFIX.match(p)]
    if bad:
        raise InvalidInput(f"These are not postcode districts (like SK10): {', '.join(bad)}.")
    return ",".join(prefixes)


def create_round(session: Session, actor: Actor, *, partnership_id: int, title: str, budget: int,
                 currency: str = "GBP", fund_source: str = "", summary: str = "", eligible_postcodes: str = "",
                 priorities: str = "", settings: BallotSettings | None = None,
                 phase: Phase = Phase.inform) -> Round:
    repository.get_partnership(session, partnership_id)
    settings = settings or BallotSettings()
    settings.check()
    if not title.strip():
        raise InvalidInput("A round needs a title.")
    if budget <= 0:
        raise InvalidInput("The budget must be more than zero.")
    voting_round = Round(
        partnership_id=partnership_id, title=title.strip(), summary=summary, budget=budget, currency=currency,
        fund_source=fund_source, eligible_postcodes=parse_postcode_prefixes(eligible_postcodes),
        priorities=priorities, phase=phase, highest_phase=phase, ballot_kind=settings.ballot_kind,
        score_min=settings.score_min, score_max=settings.score_max, min_picks=settings.min_picks,
        max_picks=settings.max_picks, counting_rule=settings.counting_rule,
    )
    session.add(voting_round)
    session.flush()
    audit.append(session, actor, GovernanceEvent.round_created, f"round:{voting_round.id}", {
        "partnership": f"partnership:{partnership_id}", "title": voting_round.title, "budget": budget,
        "currency": currency, "ballot_kind": str(settings.ballot_kind), "rule": str(settings.counting_rule),
        "eligible_postcodes": voting_round.eligible_postcodes,
    })
    return voting_round


def change_ballot_settings(session: Session, actor: Actor, round_id: int, settings: BallotSettings) -> Round:
    voting_round = repository.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("The ballot cannot change once voting has opened.")
    settings.check()
    voting_round.ballot_kind = settings.ballot_kind
    voting_round.score_min, voting_round.score_max = settings.score_min, settings.score_max
    voting_round.min_picks, voting_round.max_picks = settings.min_picks, settings.max_picks
    voting_round.counting_rule = settings.counting_rule
    session.add(voting_round)
    audit.append(session, actor, GovernanceEvent.round_ballot_settings_changed, f"round:{round_id}", {
        "ballot_kind": str(settings.ballot_kind), "score_min": settings.score_min, "score_max": settings.score_max,
        "min_picks": settings.min_picks, "max_picks": settings.max_picks, "rule": str(settings.counting_rule),
    })
    return voting_round


def move_to_phase(session: Session, actor: Actor, voting_round: Round, phase: Phase) -> Round:
    """Move along the arc. Voting moves the round to empower itself; results move it to deliver."""
    previous = voting_round.phase
    if previous == phase:
        return voting_round
    voting_round.phase = phase
    if PHASE_ORDER.index(phase) > PHASE_ORDER.index(Phase(voting_round.highest_phase)):
        voting_round.highest_phase = phase
    session.add(voting_round)
    audit.append(session, actor, GovernanceEvent.round_phase_changed, f"round:{voting_round.id}",
                 {"from": str(previous), "to": str(phase)})
    return voting_round


SIGN_IN_ATTEMPTS = 5
LOCK_MINUTES = 10


class TooManyAttempts(NotAllowed):
    title = "Too many attempts"


def authenticate(session: Session, username: str, password: str) -> StaffAccount | None:
    """The account these credentials open, or None. Five wrong passwords in a row lock the account
    for ten minutes, so a password cannot be guessed by trying; the lock is logged for scrutiny."""
    staff = repository.staff_by_username(session, username)
    if staff is None or not staff.active:
        return None
    now = utcnow()
    if staff.locked_until is not None and _aware(staff.locked_until) > now:
        raise TooManyAttempts(f"Too many wrong passwords. Try again in {LOCK_MINUTES} minutes, or ask an "
                              "administrator.")
    if not verify_password(staff.password_hash, password):
        staff.failed_sign_ins += 1
        if staff.failed_sign_ins >= SIGN_IN_ATTEMPTS:
            staff.failed_sign_ins, staff.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
            audit.append(session, Actor(role="system", ref="sign-in"), GovernanceEvent.staff_locked,
                         f"staff:{staff.id}", {"minutes": LOCK_MINUTES})
        session.add(staff)
        return None
    if staff.failed_sign_ins or staff.locked_until:
        staff.failed_sign_ins, staff.locked_until = 0, None
        session.add(staff)
    # On the staff trail, which only scrutiny members and admins read.
    audit.append(session, Actor(role="admin" if staff.is_admin else "staff", ref=f"staff:{staff.id}"),
                 GovernanceEvent.staff_signed_in, f"staff:{staff.id}", {})
    return staff


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
