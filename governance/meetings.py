"""A partnership's meetings: when and where, the agenda, who came; minutes drafted and then approved
at a later meeting (approved minutes never change: a correction is a new entry linked to them);
decisions, each one an entry in the audit log. Approved minutes and decisions are public."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import format_date
from core.text import storable
from governance import repository
from governance.events import GovernanceEvent
from governance.models import (
    Decision,
    Meeting,
    MeetingAttendance,
    Minutes,
    MinutesStatus,
    Role,
    StaffAccount,
    as_utc,
    utcnow,
)

# Who keeps a partnership's meetings; the chair approves minutes and records decisions.
KEEPS_MEETINGS = frozenset({Role.chair, Role.officer})
APPROVES_MINUTES = frozenset({Role.chair})
# A meeting outside this window is a typing mistake (a year of 2062, or 1926).
YEARS_BACK = 5
YEARS_AHEAD = 2
MAX_RESIDENTS = 100_000


def parse_day(text: str, field_name: str = "held_on") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("Give the date as year-month-day, for example 2026-03-14.", field=field_name) from None


def check_day(held_on: date, today: date | None = None) -> date:
    today = today or utcnow().date()
    earliest, latest = today - timedelta(days=365 * YEARS_BACK), today + timedelta(days=365 * YEARS_AHEAD)
    if not earliest <= held_on <= latest:
        raise InvalidInput(f"A meeting must be between {format_date(earliest)} and {format_date(latest)}; "
                           f"{format_date(held_on)} looks like a typing mistake.", field="held_on")
    return held_on


def _check_attendance(session: Session, partnership_id: int, present: list[int], residents: int) -> set[int]:
    if not 0 <= residents <= MAX_RESIDENTS:
        raise InvalidInput(f"Residents attending must be between 0 and {MAX_RESIDENTS:,}.",
                           field="residents_attending")
    members = {staff.id for staff, _ in repository.members_of(session, partnership_id)}
    strangers = set(present) - members
    if strangers:
        raise InvalidInput("Only the partnership's members can be marked present.", field="present")
    return set(present)


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    found = session.get(Meeting, meeting_id) if 1 <= meeting_id <= repository.MAX_ID else None
    if found is None:
        raise NotFound(f"There is no meeting {meeting_id}.")
    return found


def get_minutes(session: Session, minutes_id: int, *, for_update: bool = False) -> Minutes:
    found = None
    if 1 <= minutes_id <= repository.MAX_ID:
        statement = select(Minutes).where(Minutes.id == minutes_id)
        if for_update:
            statement = statement.with_for_update()
        found = session.exec(statement).first()
    if found is None:
        raise NotFound(f"There are no minutes {minutes_id}.")
    return found


def schedule_meeting(session: Session, actor: Actor, *, partnership_id: int, held_on: date, place: str,
                     agenda: str = "", residents_attending: int = 0, present: list[int] | None = None,
                     today: date | None = None) -> Meeting:
    repository.get_partnership(session, partnership_id)
    check_day(held_on, today)
    place = " ".join(storable(place).split())
    if not place:
        raise InvalidInput("Say where the meeting is, for example \"Town Hall, Room 2\".", field="place")
    if len(place) > 200:
        raise InvalidInput("A place can be at most 200 characters.", field="place")
    agenda = storable(agenda)
    if len(agenda) > 20_000:
        raise InvalidInput("An agenda can be at most 20,000 characters.", field="agenda")
    attending = _check_attendance(session, partnership_id, present or [], residents_attending)
    meeting = Meeting(partnership_id=partnership_id, held_on=held_on, place=place, agenda=agenda,
                      residents_attending=residents_attending)
    session.add(meeting)
    session.flush()
    for staff_id in sorted(attending):
        session.add(MeetingAttendance(meeting_id=meeting.id, staff_id=staff_id))
    audit.append(session, actor, GovernanceEvent.meeting_scheduled, f"meeting:{meeting.id}", {
        "partnership": f"partnership:{partnership_id}", "held_on": held_on.isoformat(), "place": place})
    return meeting


def record_attendance(session: Session, actor: Actor, meeting_id: int, *, present: list[int],
                      residents_attending: int) -> Meeting:
    meeting = get_meeting(session, meeting_id)
    attending = _check_attendance(session, meeting.partnership_id, present, residents_attending)
    for row in session.exec(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting_id)):
        session.delete(row)
    session.flush()
    for staff_id in sorted(attending):
        session.add(MeetingAttendance(meeting_id=meeting_id, staff_id=staff_id))
    meeting.residents_attending = residents_attending
    session.add(meeting)
    audit.append(session, actor, GovernanceEvent.meeting_changed, f"meeting:{meeting_id}",
                 {"members_present": len(attending), "residents_attending": residents_attending})
    return meeting


def _minutes_text(text: str) -> str:
    text = storable(text)
    if not text:
        raise InvalidInput("Write the minutes first.", field="text")
    if len(text) > 100_000:
        raise InvalidInput("Minutes can be at most 100,000 characters.", field="text")
    return text


def draft_minutes(session: Session, actor: Actor, meeting_id: int, text: str, *,
                  corrects_id: int | None = None) -> Minutes:
    """New draft minutes for a meeting, or a correction of approved ones (a new entry linked to them)."""
    meeting = get_meeting(session, meeting_id)
    text = _minutes_text(text)
    existing = list(session.exec(select(Minutes).where(Minutes.meeting_id == meeting_id)))
    if any(m.status == MinutesStatus.draft for m in existing):
        raise Conflict("This meeting already has draft minutes: change those instead.", field="text")
    if corrects_id is None and any(m.status == MinutesStatus.approved for m in existing):
        raise Conflict("This meeting's minutes are approved and cannot change. Add a correction instead.",
                       field="text")
    minutes = Minutes(meeting_id=meeting.id, text=text, corrects_id=corrects_id)
    session.add(minutes)
    session.flush()
    audit.append(session, actor, GovernanceEvent.minutes_drafted, f"meeting:{meeting_id}",
                 {"minutes": minutes.id, "corrects": corrects_id})
    return minutes


def correct_minutes(session: Session, actor: Actor, minutes_id: int, text: str) -> Minutes:
    approved = get_minutes(session, minutes_id)
    if approved.status != MinutesStatus.approved:
        raise Conflict("Only approved minutes are corrected; draft minutes can simply be changed.", field="text")
    return draft_minutes(session, actor, approved.meeting_id, text, corrects_id=minutes_id)


def change_minutes(session: Session, actor: Actor, minutes_id: int, text: str) -> Minutes:
    minutes = get_minutes(session, minutes_id, for_update=True)
    if minutes.status == MinutesStatus.approved:
        raise Conflict("These minutes were approved and cannot change. Add a correction instead: it is kept "
                       "alongside them.", field="text")
    text = _minutes_text(text)
    if text != minutes.text:
        minutes.text = text
        session.add(minutes)
        audit.append(session, actor, GovernanceEvent.minutes_changed, f"meeting:{minutes.meeting_id}",
                     {"minutes": minutes_id})
    return minutes


def approve_minutes(session: Session, actor: Actor, minutes_id: int, at_meeting_id: int) -> Minutes:
    """Minutes are approved at a later meeting of the same partnership."""
    minutes = get_minutes(session, minutes_id, for_update=True)
    if minutes.status == MinutesStatus.approved:
        raise Conflict("These minutes are already approved.")
    meeting = get_meeting(session, minutes.meeting_id)
    at = get_meeting(session, at_meeting_id)
    if at.partnership_id != meeting.partnership_id or at.held_on <= meeting.held_on:
        raise InvalidInput("Minutes are approved at a later meeting of the same partnership: choose one held "
                           f"after {format_date(meeting.held_on)}.", field="at_meeting_id")
    minutes.status = MinutesStatus.approved
    minutes.approved_at_meeting_id = at.id
    minutes.approved_at = utcnow()
    session.add(minutes)
    audit.append(session, actor, GovernanceEvent.minutes_approved, f"meeting:{meeting.id}",
                 {"minutes": minutes_id, "at_meeting": f"meeting:{at.id}"})
    return minutes


def held_by_now(meeting: Meeting) -> bool:
    """Whether the meeting has taken place. A day's grace: the hall's clock (UK time) runs up to an hour
    ahead of the server's UTC, so just after midnight "today" there is still "yesterday" here."""
    return meeting.held_on <= utcnow().date() + timedelta(days=1)


def record_decision(session: Session, actor: Actor, meeting_id: int, text: str, *,
                    round_id: int | None = None) -> Decision:
    """`round_id`: the round whose next steps this decision authorises, if any (see Decision.round_id)."""
    meeting = get_meeting(session, meeting_id)
    if not held_by_now(meeting):
        raise Conflict(f"The meeting of {format_date(meeting.held_on)} has not been held yet: record its decisions "
                       "once it has.", field="decision")
    if round_id is not None and repository.get_round(session, round_id).partnership_id != meeting.partnership_id:
        raise InvalidInput("Choose one of this partnership's rounds.", field="round_id")
    text = " ".join(storable(text).split())
    if not text:
        raise InvalidInput("Write what was decided, for example \"Adopt the priorities for 2026\".", field="decision")
    if len(text) > 1000:
        raise InvalidInput("A decision can be at most 1,000 characters; the minutes hold the discussion.",
                           field="decision")
    decision = Decision(meeting_id=meeting_id, text=text, round_id=round_id)
    session.add(decision)
    session.flush()
    # The decision's words are the partnership's public record, so they go into the log itself.
    payload = {"partnership": f"partnership:{meeting.partnership_id}", "decision": decision.id, "text": text}
    if round_id is not None:
        payload["round"] = f"round:{round_id}"
    audit.append(session, actor, GovernanceEvent.decision_recorded, f"meeting:{meeting_id}", payload)
    return decision


# --- reading ---------------------------------------------------------------------------------------

@dataclass
class MeetingRecord:
    meeting: Meeting
    present: list[StaffAccount] = field(default_factory=list)
    minutes: list[Minutes] = field(default_factory=list)  # oldest first; corrections after what they correct
    decisions: list[Decision] = field(default_factory=list)

    @property
    def minutes_approved(self) -> bool:
        return any(m.status == MinutesStatus.approved for m in self.minutes)


def meetings_of(session: Session, partnership_id: int, *, public: bool) -> list[MeetingRecord]:
    """Newest first. For the public: approved minutes only (drafts stay with the partnership)."""
    meetings = list(session.exec(select(Meeting).where(Meeting.partnership_id == partnership_id)
                                 .order_by(Meeting.held_on.desc(), Meeting.id.desc())))
    return [record_of(session, m, public=public) for m in meetings]


def record_of(session: Session, meeting: Meeting, *, public: bool) -> MeetingRecord:
    minutes = list(session.exec(select(Minutes).where(Minutes.meeting_id == meeting.id).order_by(Minutes.id)))
    if public:
        minutes = [m for m in minutes if m.status == MinutesStatus.approved]
    present = list(session.exec(select(StaffAccount).join(MeetingAttendance, MeetingAttendance.staff_id ==
                                                          StaffAccount.id)
                                .where(MeetingAttendance.meeting_id == meeting.id).order_by(StaffAccount.display_name)))
    decisions = list(session.exec(select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id)))
    return MeetingRecord(meeting, present, minutes, decisions)


def later_meetings(session: Session, meeting: Meeting) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.partnership_id == meeting.partnership_id,
                                                   Meeting.held_on > meeting.held_on).order_by(Meeting.held_on)))


def created_on(minutes: Minutes) -> date:
    return as_utc(minutes.created_at).date()
