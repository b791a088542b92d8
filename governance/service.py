"""Governance rules: partnerships, staff, rounds and their place on the engagement arc."""

import json
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, delete

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput, PlatformError, bounded
from core.numbers import MAX_MONEY
from core.security import dummy_password_hash, hash_password, keyed_hash, tokens_match, verify_password
from core.text import storable
from governance import arc, repository
from governance.events import GovernanceEvent
from governance.models import (
    PHASE_ORDER,
    PUBLIC_PHASE_WORDS,
    BallotKind,
    CountingRule,
    Membership,
    Partnership,
    Phase,
    Role,
    Round,
    SignInThrottle,
    StaffAccount,
    VoteStatus,
)
from proposals import repository as proposals_repo
from scrutiny import call_in

# More picks than any ballot has projects; the bound keeps the number inside its column.
MAX_PICKS = 1000
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
    points_total: int = 10
    rank_depth: int = 3

    def check(self) -> None:
        if self.counting_rule == CountingRule.phragmen and self.ballot_kind != BallotKind.approval:
            raise InvalidInput("Phragmén counts approval ballots only; choose another rule for "
                               f"{self.ballot_kind} ballots.", field="counting_rule")
        if self.ballot_kind == BallotKind.scores and not 0 <= self.score_min < self.score_max <= 10:
            raise InvalidInput("Scores must run from a lower to a higher whole number between 0 and 10.",
                               field="score_max")
        if self.ballot_kind == BallotKind.points and not 1 <= self.points_total <= 1000:
            raise InvalidInput("The points each resident spreads must be a whole number from 1 to 1,000.",
                               field="points_total")
        if self.ballot_kind == BallotKind.ranking and not 1 <= self.rank_depth <= 20:
            raise InvalidInput("The places each resident ranks must be a whole number from 1 to 20.",
                               field="rank_depth")
        if self.min_picks < 0:
            raise InvalidInput("The least number of picks cannot be negative.", field="min_picks")
        if self.max_picks is not None and self.max_picks < max(1, self.min_picks):
            raise InvalidInput("The most picks allowed must be at least one and at least the least number.",
                               field="max_picks")
        if self.min_picks > MAX_PICKS or (self.max_picks is not None and self.max_picks > MAX_PICKS):
            raise InvalidInput(f"A ballot allows at most {MAX_PICKS:,} picks.", field="max_picks")

    def audit_payload(self) -> dict:
        return {"ballot_kind": str(self.ballot_kind), "score_min": self.score_min, "score_max": self.score_max,
                "min_picks": self.min_picks, "max_picks": self.max_picks, "points_total": self.points_total,
                "rank_depth": self.rank_depth, "rule": str(self.counting_rule)}


def parse_postcode_prefixes(text: str) -> str:
    prefixes = [p.strip().upper() for p in re.split(r"[,\s/]+", text) if p.strip()]
    bad = [p for p in prefixes if not POSTCODE_PREFIX.match(p)]
    if bad:
        raise InvalidInput(f"These are not postcode districts (like SK10): {bounded(', '.join(bad), 80)}.",
                           field="eligible_postcodes")
    return ",".join(prefixes)


def create_round(session: Session, actor: Actor, *, partnership_id: int, title: str, budget: int,
                 currency: str = "GBP", fund_source: str = "", summary: str = "", eligible_postcodes: str = "",
                 priorities: str = "", settings: BallotSettings | None = None,
                 phase: Phase = Phase.inform) -> Round:
    repository.get_partnership(session, partnership_id)
    title, summary, fund_source, priorities = map(storable, (title, summary, fund_source, priorities))
    settings = settings or BallotSettings()
    settings.check()
    _check_details(title, budget)
    voting_round = Round(
        partnership_id=partnership_id, title=title.strip(), summary=summary, budget=budget, currency=currency,
        fund_source=fund_source, eligible_postcodes=parse_postcode_prefixes(eligible_postcodes),
        priorities=priorities, phase=phase, highest_phase=phase, ballot_kind=settings.ballot_kind,
        score_min=settings.score_min, score_max=settings.score_max, min_picks=settings.min_picks,
        max_picks=settings.max_picks, counting_rule=settings.counting_rule, points_total=settings.points_total,
        rank_depth=settings.rank_depth,
        # A round made part-way along the arc passed over the steps before: they were not done.
        skipped_phases=",".join(PHASE_ORDER[:PHASE_ORDER.index(Phase(phase))]),
    )
    session.add(voting_round)
    session.flush()
    audit.append(session, actor, GovernanceEvent.round_created, f"round:{voting_round.id}", {
        "partnership": f"partnership:{partnership_id}", "title": voting_round.title, "budget": budget,
        "currency": currency, "eligible_postcodes": voting_round.eligible_postcodes, **settings.audit_payload(),
    })
    return voting_round


# Long enough for "Community Fund 2026: Macclesfield and Tytherington"; every page that lists rounds shows it.
MAX_ROUND_TITLE = 200


def _check_details(title: str, budget: int) -> None:
    if not title.strip():
        raise InvalidInput("A round needs a title.", field="title")
    if len(title.strip()) > MAX_ROUND_TITLE:
        raise InvalidInput(f"Keep the round's title to {MAX_ROUND_TITLE} characters or fewer.", field="title")
    if not 0 < budget <= MAX_MONEY:
        raise InvalidInput(f"The budget must be more than zero and at most {MAX_MONEY:,}.", field="budget")


def _check_editable(voting_round: Round) -> None:
    if voting_round.archived:
        raise Conflict("This round is archived. Restore it first to change it.")
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("A round's details cannot change once voting has opened: every voter must see the same "
                       "round.")


def change_round_details(session: Session, actor: Actor, round_id: int, *, title: str, budget: int,
                         fund_source: str = "", summary: str = "", eligible_postcodes: str = "",
                         priorities: str = "", settings: BallotSettings | None = None) -> Round:
    """Fix a round before voting opens: its title, budget, area, priorities and ballot."""
    voting_round = repository.get_round(session, round_id, for_update=True)
    _check_editable(voting_round)
    title, summary, fund_source, priorities = map(storable, (title, summary, fund_source, priorities))
    _check_details(title, budget)
    postcodes = parse_postcode_prefixes(eligible_postcodes)
    dearest = proposals_repo.dearest_on_ballot(session, round_id)
    if dearest > budget:
        raise InvalidInput(f"A proposal on this round costs {dearest:,}, more than a budget of {budget:,}. Change or "
                           "withdraw it first.", field="budget")
    new = {"title": title.strip(), "budget": budget, "fund_source": fund_source.strip(), "summary": summary,
           "eligible_postcodes": postcodes, "priorities": priorities}
    changed = {name: value for name, value in new.items() if getattr(voting_round, name) != value}
    for name, value in changed.items():
        setattr(voting_round, name, value)
    session.add(voting_round)
    if changed:
        # What changed, not the long texts: summaries and priorities are named, their words are on the page.
        audit.append(session, actor, GovernanceEvent.round_details_changed, f"round:{round_id}", {
            name: value if name in ("title", "budget", "fund_source", "eligible_postcodes") else "changed"
            for name, value in changed.items()})
    if settings is not None:
        change_ballot_settings(session, actor, round_id, settings)
    return voting_round


def archive_round(session: Session, actor: Actor, round_id: int) -> Round:
    """Hide a round made by mistake. Nothing is deleted: the round and its log stay for scrutiny."""
    voting_round = repository.get_round(session, round_id, for_update=True)
    if voting_round.archived:
        raise Conflict("This round is already archived.")
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("Only a round whose voting never opened can be archived; one that was voted on stays public.")
    voting_round.archived = True
    session.add(voting_round)
    audit.append(session, actor, GovernanceEvent.round_archived, f"round:{round_id}", {})
    return voting_round


def restore_round(session: Session, actor: Actor, round_id: int) -> Round:
    voting_round = repository.get_round(session, round_id, for_update=True)
    if not voting_round.archived:
        raise Conflict("This round is not archived.")
    voting_round.archived = False
    session.add(voting_round)
    audit.append(session, actor, GovernanceEvent.round_restored, f"round:{round_id}", {})
    return voting_round


def change_ballot_settings(session: Session, actor: Actor, round_id: int, settings: BallotSettings) -> Round:
    voting_round = repository.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("The ballot cannot change once voting has opened.")
    settings.check()
    if (settings.ballot_kind, settings.score_min, settings.score_max, settings.min_picks, settings.max_picks,
            settings.counting_rule, settings.points_total, settings.rank_depth) == (
            voting_round.ballot_kind, voting_round.score_min, voting_round.score_max, voting_round.min_picks,
            voting_round.max_picks, voting_round.counting_rule, voting_round.points_total, voting_round.rank_depth):
        return voting_round
    voting_round.ballot_kind = settings.ballot_kind
    voting_round.score_min, voting_round.score_max = settings.score_min, settings.score_max
    voting_round.min_picks, voting_round.max_picks = settings.min_picks, settings.max_picks
    voting_round.counting_rule = settings.counting_rule
    voting_round.points_total, voting_round.rank_depth = settings.points_total, settings.rank_depth
    session.add(voting_round)
    audit.append(session, actor, GovernanceEvent.round_ballot_settings_changed, f"round:{round_id}",
                 settings.audit_payload())
    return voting_round


def move_to_phase(session: Session, actor: Actor, voting_round: Round, phase: Phase) -> Round:
    """Move along the arc. Voting moves the round to empower itself; results move it to deliver.

    Steps jumped over that the round never reached are recorded as skipped, never as done."""
    previous = voting_round.phase
    if previous == phase:
        return voting_round
    voting_round.phase = phase
    highest = PHASE_ORDER.index(Phase(voting_round.highest_phase))
    jumped = [p for p in PHASE_ORDER[PHASE_ORDER.index(Phase(previous)) + 1:PHASE_ORDER.index(phase)]
              if PHASE_ORDER.index(p) > highest]
    if jumped:
        voting_round.skipped_phases = ",".join(p for p in PHASE_ORDER if p in voting_round.skipped or p in jumped)
    if PHASE_ORDER.index(phase) > highest:
        voting_round.highest_phase = phase
    session.add(voting_round)
    payload = {"from": str(previous), "to": str(phase)}
    if jumped:
        payload["skipped"] = [str(p) for p in jumped]
    audit.append(session, actor, GovernanceEvent.round_phase_changed, f"round:{voting_round.id}", payload)
    return voting_round


# --- the arc, moved by the chair -----------------------------------------------------------------

def require_phase_allows(voting_round: Round, flag: str) -> None:
    """Refuse (PhaseClosed, 409) what residents may not do at the round's step, saying when it opens:
    "Comments open when the round reaches 'Asking residents about priorities' (planned 3 March)"."""
    arc.require_phase_allows(voting_round, flag)


def _check_chair_can_move(voting_round: Round) -> None:
    if voting_round.archived:
        raise Conflict("This round is archived. Restore it first to move it on.")
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict("Voting has opened: from here the round moves on with the vote (closing, then the results).")


def advance_phase(session: Session, actor: Actor, round_id: int, *, expected: Phase | None = None) -> Round:
    """The chair moves the round to its next step (up to collaborate; opening voting moves it further).

    `expected` is the step the chair's confirmation page named, so a second press of the button (or
    two chairs at once) cannot move the round twice."""
    voting_round = repository.get_round(session, round_id, for_update=True)
    _check_chair_can_move(voting_round)
    call_in.refuse_if_paused(session, round_id, "The round cannot move on yet")
    target = arc.next_move(voting_round)
    if target is None:
        raise Conflict("The next step is voting: open voting to move the round on.")
    if expected is not None and target != expected:
        raise Conflict(f"The round has already moved on: it is at '{PUBLIC_PHASE_WORDS[Phase(voting_round.phase)]}'.")
    return move_to_phase(session, actor, voting_round, target)


def skip_phase(session: Session, actor: Actor, round_id: int, *, expected: Phase | None = None) -> Round:
    """The chair passes over the next step: it is recorded as skipped and the round goes to the one after."""
    voting_round = repository.get_round(session, round_id, for_update=True)
    _check_chair_can_move(voting_round)
    call_in.refuse_if_paused(session, round_id, "The round cannot move on yet")
    move = arc.skip_move(voting_round)
    if move is None:
        raise Conflict("No step can be skipped from here: the next step is voting (opening voting from an "
                       "earlier step records the steps between as skipped).")
    skipped, target = move
    if expected is not None and skipped != expected:
        raise Conflict(f"The round has already moved on: it is at '{PUBLIC_PHASE_WORDS[Phase(voting_round.phase)]}'.")
    return move_to_phase(session, actor, voting_round, target)


@dataclass
class Timeline:
    """Planned start dates of the steps, and the PB day."""

    planned: dict[Phase, date]
    pb_day_date: date | None = None
    pb_day_place: str = ""
    pb_day_opens: str = ""
    pb_day_closes: str = ""


MAX_PLACE_LENGTH = 200


def set_timeline(session: Session, actor: Actor, round_id: int, timeline: Timeline) -> Round:
    """The chair plans the round: when each step starts, and when and where the PB day is."""
    voting_round = repository.get_round(session, round_id, for_update=True)
    if voting_round.archived:
        raise Conflict("This round is archived. Restore it first to change it.")
    dated = [(p, timeline.planned[p]) for p in PHASE_ORDER if p in timeline.planned]
    for (earlier, first), (later, second) in zip(dated, dated[1:], strict=False):
        if second < first:
            raise InvalidInput(f"'{PUBLIC_PHASE_WORDS[later]}' cannot start before "
                               f"'{PUBLIC_PHASE_WORDS[earlier]}': the steps come in order.", field=f"date_{later}")
    place = " ".join(storable(timeline.pb_day_place).split())
    if len(place) > MAX_PLACE_LENGTH:
        raise InvalidInput(f"The place can be at most {MAX_PLACE_LENGTH} characters.", field="pb_day_place")
    if bool(timeline.pb_day_opens) != bool(timeline.pb_day_closes):
        raise InvalidInput("Give both the opening and the closing time, or neither.", field="pb_day_closes")
    if timeline.pb_day_opens and timeline.pb_day_closes <= timeline.pb_day_opens:
        raise InvalidInput("The PB day must close after it opens.", field="pb_day_closes")
    if (place or timeline.pb_day_opens) and timeline.pb_day_date is None:
        raise InvalidInput("Give the PB day's date too.", field="pb_day_date")
    phase_dates = json.dumps({str(p): d.isoformat() for p, d in dated}) if dated else ""
    new = {"phase_dates": phase_dates, "pb_day_date": timeline.pb_day_date, "pb_day_place": place,
           "pb_day_opens": timeline.pb_day_opens, "pb_day_closes": timeline.pb_day_closes}
    changed = {name: value for name, value in new.items() if getattr(voting_round, name) != value}
    if not changed:
        return voting_round
    for name, value in changed.items():
        setattr(voting_round, name, value)
    session.add(voting_round)
    audit.append(session, actor, GovernanceEvent.round_timeline_changed, f"round:{round_id}", {
        "planned": {str(p): d.isoformat() for p, d in dated},
        "pb_day": {"date": timeline.pb_day_date.isoformat() if timeline.pb_day_date else None, "place": place,
                   "opens": timeline.pb_day_opens, "closes": timeline.pb_day_closes}})
    return voting_round


# Sign-in throttling. A hard lock would let anyone lock any account (the admin's included) by
# typing wrong passwords; instead each wrong password past the first few makes the next try wait
# longer, counted per client address (so one machine cannot keep guessing) and per username tried
# (so many machines cannot share the guessing). The per-username wait stays short, but an attacker
# on ever new addresses can re-arm it the moment it ends (found from outside: the admin got in 0
# times in 36 over three minutes). So a browser that has signed in to the account before carries a
# known-device token for it (a cookie), and its tries are counted against that device instead of the
# username: guessing from elsewhere never holds up a known device.
FREE_FAILURES = 3
MAX_CLIENT_WAIT_SECONDS = 15 * 60
MAX_ACCOUNT_WAIT_SECONDS = 60
# Failures older than this are forgotten.
FORGET_AFTER_SECONDS = 60 * 60


class TooManyAttempts(PlatformError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"Too many wrong passwords. Wait {wait_seconds} second{'s' if wait_seconds != 1 else ''}, "
                         "then try again.")
        self.wait_seconds = wait_seconds


def device_token(username: str) -> str:
    """A known-device token for this username: a random part and its keyed hash (nothing is stored)."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{keyed_hash('sign-in device|' + username.lower() + '|' + nonce)}"


def _known_device(username: str, token: str | None) -> str | None:
    """The token's random part when it is a known-device token for this username, else None."""
    nonce, _, signature = (token or "").partition(".")
    if not nonce or len(token) > 200:
        return None
    return nonce if tokens_match(signature, keyed_hash("sign-in device|" + username.lower() + "|" + nonce)) else None


def _throttle_keys(username: str, client: str, device: str | None = None) -> dict[str, int]:
    # Keyed hashes: the table says nothing about who tried or from where.
    keys = {f"client:{keyed_hash('sign-in client|' + client)}": MAX_CLIENT_WAIT_SECONDS}
    known = _known_device(username, device)
    if known is not None:
        keys[f"device:{keyed_hash('sign-in device key|' + known)}"] = MAX_ACCOUNT_WAIT_SECONDS
    else:
        keys[f"account:{keyed_hash('sign-in account|' + username.lower())}"] = MAX_ACCOUNT_WAIT_SECONDS
    return keys


def _check_throttle(session: Session, keys: dict[str, int], now: float) -> None:
    waits = [row.wait_until - now for key in keys if (row := session.get(SignInThrottle, key)) is not None]
    longest = max(waits, default=0)
    if longest > 0:
        raise TooManyAttempts(math.ceil(longest))


def _record_failure(session: Session, keys: dict[str, int], now: float) -> None:
    # Rows nobody has failed on for an hour say nothing any more; dropping them keeps a spray of
    # made-up usernames from growing the table without end.
    session.exec(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER_SECONDS))
    for key, max_wait in keys.items():
        row = session.get(SignInThrottle, key) or SignInThrottle(key=key)
        if now - row.last_failure_at > FORGET_AFTER_SECONDS:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures > FREE_FAILURES:
            row.wait_until = now + min(2 ** (row.failures - FREE_FAILURES), max_wait)
            if row.failures == FREE_FAILURES + 1:
                audit.append(session, Actor(role="system", ref="sign-in"), GovernanceEvent.sign_in_throttled,
                             "sign-in", {"by": key.split(":", 1)[0]})
        session.add(row)


def authenticate(session: Session, username: str, password: str, *, client: str = "",
                 device: str | None = None) -> StaffAccount | None:
    """The account these credentials open, or None; TooManyAttempts while a wait is running.

    `device` is the browser's known-device token, if it has one (see device_token). An unknown
    username costs the same as a known one (a dummy hash is checked, the same rows are written) and
    gets the same answer, so neither the message nor the timing tells them apart."""
    now = time.time()
    keys = _throttle_keys(username, client, device)
    _check_throttle(session, keys, now)
    staff = repository.staff_by_username(session, username)
    usable = staff is not None and staff.active and bool(staff.password_hash)
    if usable:
        matched = verify_password(staff.password_hash, password)
    else:
        verify_password(dummy_password_hash(), password)  # the same cost as checking a real account
        matched = False
    if not matched:
        _record_failure(session, keys, now)
        return None
    for key in keys:  # a right password clears earlier mistakes
        row = session.get(SignInThrottle, key)
        if row is not None:
            session.delete(row)
    # On the staff trail, which only scrutiny members and admins read.
    audit.append(session, Actor(role="admin" if staff.is_admin else "staff", ref=f"staff:{staff.id}"),
                 GovernanceEvent.staff_signed_in, f"staff:{staff.id}", {})
    return staff


def end_sessions(session: Session, staff_id: int) -> None:
    """Sign a staff member out everywhere: every session cookie issued so far stops working."""
    staff = session.get(StaffAccount, staff_id)
    if staff is None:
        return
    staff.session_version += 1
    session.add(staff)
    audit.append(session, Actor(role="staff", ref=f"staff:{staff_id}"), GovernanceEvent.staff_signed_out,
                 f"staff:{staff_id}", {})
