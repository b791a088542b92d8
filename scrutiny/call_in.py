"""Call-in: within a few days of a partnership decision (setting `call_in_days`, default 10), a
scrutiny member of that partnership can call it in, with reasons. A called-in decision is paused:
the steps it authorises (moving its round on, opening the round's vote, awarding its grants) are
refused through `refuse_if_paused` until the partnership reconsiders it and the chair records the
outcome (upheld, amended with the change, or withdrawn). Both moments are public audit entries
about `decision:{id}`, so they show in the decision's history.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import format_date
from core.settings import get_settings
from core.text import storable
from governance import meetings
from governance import repository as governance_repo
from governance.models import Decision, Meeting, Partnership, Round, StaffAccount, as_utc, utcnow
from scrutiny.events import ScrutinyEvent
from scrutiny.models import CallIn, CallInOutcome

OUTCOME_WORDS = {CallInOutcome.upheld: "upheld", CallInOutcome.amended: "amended",
                 CallInOutcome.withdrawn: "withdrawn"}


class DecisionPaused(Conflict):
    """A step a called-in decision authorises, asked for before the partnership reconsidered it."""

    title = "Decision called in"


def window_days() -> int:
    return get_settings().call_in_days


def deadline_of(decision: Decision, days: int | None = None) -> datetime:
    """The last moment the decision can be called in: `days` after it was recorded."""
    return as_utc(decision.created_at) + timedelta(days=window_days() if days is None else days)


def deadline_words(moment: datetime) -> str:
    return f"{format_date(moment)} at {moment:%H:%M} UTC"


def get_decision(session: Session, decision_id: int) -> Decision:
    found = session.get(Decision, decision_id) if 1 <= decision_id <= governance_repo.MAX_ID else None
    if found is None:
        raise NotFound(f"There is no decision {decision_id}.")
    return found


def call_in_of(session: Session, decision_id: int) -> CallIn | None:
    return session.exec(select(CallIn).where(CallIn.decision_id == decision_id)).first()


# --- the pause ------------------------------------------------------------------------------------

def paused_decision_for_round(session: Session, round_id: int) -> tuple[Decision, CallIn] | None:
    row = session.exec(select(Decision, CallIn).join(CallIn, CallIn.decision_id == Decision.id)
                       .where(Decision.round_id == round_id, CallIn.outcome.is_(None))
                       .order_by(Decision.id)).first()
    return tuple(row) if row else None


def refuse_if_paused(session: Session, round_id: int, what: str) -> None:
    """DecisionPaused when a decision that authorises steps of this round is called in; `what` names
    the step refused ("The round cannot move on")."""
    found = paused_decision_for_round(session, round_id)
    if found is None:
        return
    decision, called = found
    called_on = datetime.fromisoformat(called.called_at.replace("Z", "+00:00"))
    raise DecisionPaused(
        f"{what}: the partnership's decision \"{decision.text}\" (decision {decision.id}) was called in by "
        f"scrutiny on {format_date(called_on)} and is paused until the partnership reconsiders it. The chair "
        f"records the outcome at /manage/decisions/{decision.id}.")


# --- calling in and reconsidering -----------------------------------------------------------------

def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reasons(text: str) -> str:
    text = storable(text).strip()
    if len(text) < 5:
        raise InvalidInput("Give your reasons for calling the decision in (at least a few words).", field="reasons")
    if len(text) > 4000:
        raise InvalidInput("Keep the reasons under 4,000 characters.", field="reasons")
    return text


def _refs(session: Session, decision: Decision) -> dict[str, str | int]:
    meeting = session.get(Meeting, decision.meeting_id)
    refs: dict[str, str | int] = {"decision": decision.id, "meeting": f"meeting:{meeting.id}",
                                  "partnership": f"partnership:{meeting.partnership_id}"}
    if decision.round_id is not None:
        refs["round"] = f"round:{decision.round_id}"
    return refs


def call_in(session: Session, actor: Actor, staff: StaffAccount, decision_id: int, reasons: str, *,
            now: datetime | None = None) -> CallIn:
    """Pause a decision until the partnership reconsiders it. Refused after the call-in period,
    with the deadline named, and for a decision already called in."""
    audit.lock_head(session)  # one writer at a time: two members calling in at once make one call-in
    decision = get_decision(session, decision_id)
    meeting = session.get(Meeting, decision.meeting_id)
    existing = call_in_of(session, decision_id)
    if existing is not None:
        raise Conflict(f"This decision was already called in on {existing.called_at[:10]}; a decision is called "
                       "in once.")
    now = now or utcnow()
    deadline = deadline_of(decision)
    if now > deadline:
        raise Conflict(f"The call-in period for this decision ended on {deadline_words(deadline)}: a decision can "
                       f"be called in within {window_days()} days of being recorded. Raise a query instead.",
                       field="reasons")
    called = CallIn(decision_id=decision.id, partnership_id=meeting.partnership_id, reasons=_reasons(reasons),
                    called_by=staff.id, called_at=audit.now_utc())
    session.add(called)
    session.flush()
    # The reasons are kept here in full and shown on the decision's page; the log holds their
    # SHA-256, as it does a query's text (free text could name anyone).
    audit.append(session, actor, ScrutinyEvent.decision_called_in, f"decision:{decision.id}", {
        **_refs(session, decision), "reasons_sha256": _text_hash(called.reasons), "deadline": deadline.isoformat()})
    return called


def reconsidering_meetings(session: Session, called: CallIn) -> list[Meeting]:
    """The meetings a call-in could have been reconsidered at: the partnership's, held on or after the
    day it was called in, and held by now."""
    called_on = date.fromisoformat(called.called_at[:10])
    found = session.exec(select(Meeting).where(Meeting.partnership_id == called.partnership_id,
                                               Meeting.held_on >= called_on).order_by(Meeting.held_on, Meeting.id))
    return [meeting for meeting in found if meetings.held_by_now(meeting)]


def _amended(text: str) -> str:
    text = " ".join(storable(text).split())
    if not text:
        raise InvalidInput("Write the decision as amended.", field="amended_text")
    if len(text) > 1000:
        raise InvalidInput("A decision can be at most 1,000 characters.", field="amended_text")
    return text


def record_outcome(session: Session, actor: Actor, staff: StaffAccount, decision_id: int, outcome: str, *,
                   amended_text: str = "", note: str = "", meeting_id: int | None = None) -> CallIn:
    """The partnership reconsidered a called-in decision: upheld, amended (with the change) or
    withdrawn. That ends the pause. `meeting_id` is the meeting where it was reconsidered, if any."""
    audit.lock_head(session)
    decision = get_decision(session, decision_id)
    called = call_in_of(session, decision_id)
    if called is None:
        raise Conflict("This decision has not been called in, so there is no outcome to record.")
    if not called.is_paused:
        raise Conflict(f"The outcome was already recorded: the decision was {called.outcome}.")
    if outcome not in set(CallInOutcome):
        raise InvalidInput("Choose upheld, amended or withdrawn.", field="outcome")
    if meeting_id is not None and meeting_id not in {m.id for m in reconsidering_meetings(session, called)}:
        raise InvalidInput(f"Choose a meeting of this partnership held on or after the day the decision was "
                           f"called in, {format_date(called.called_at)}, and already held: the partnership "
                           "cannot have reconsidered it at any other.", field="meeting_id")
    note = storable(note).strip()
    if len(note) > 4000:
        raise InvalidInput("Keep the note under 4,000 characters.", field="note")
    called.outcome = CallInOutcome(outcome)
    called.amended_text = _amended(amended_text) if outcome == CallInOutcome.amended else None
    called.outcome_note = note
    called.reconsidered_at_meeting_id = meeting_id
    called.decided_by, called.decided_at = staff.id, audit.now_utc()
    session.add(called)
    payload = {**_refs(session, decision), "outcome": str(called.outcome),
               "reconsidered_at": f"meeting:{meeting_id}" if meeting_id else None}
    if called.amended_text is not None:
        payload["amended_text"] = called.amended_text  # a decision's words are public, as when recorded
    if note:
        payload["note_sha256"] = _text_hash(note)
    audit.append(session, actor, ScrutinyEvent.decision_reconsidered, f"decision:{decision.id}", payload)
    return called


# --- reading ----------------------------------------------------------------------------------------

STATUS_WORDS = {
    "in_force": "In force",
    "called_in": "Called in: paused until the partnership reconsiders it",
    "upheld": "Upheld after call-in",
    "amended": "Amended after call-in",
    "withdrawn": "Withdrawn after call-in",
}


@dataclass
class DecisionRecord:
    decision: Decision
    meeting: Meeting
    partnership: Partnership
    round: Round | None
    call_in: CallIn | None
    deadline: datetime
    window_open: bool
    reconsidered_at: Meeting | None = None

    @property
    def status(self) -> str:
        if self.call_in is None:
            return "in_force"
        return "called_in" if self.call_in.is_paused else str(self.call_in.outcome)

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def text_in_force(self) -> str | None:
        """The decision's words as they now stand; None while paused or once withdrawn."""
        if self.status in ("called_in", "withdrawn"):
            return None
        if self.status == "amended":
            return self.call_in.amended_text
        return self.decision.text

    def as_json(self) -> dict:
        called = self.call_in
        return {
            "id": self.decision.id, "text": self.decision.text, "status": self.status,
            "meeting": {"id": self.meeting.id, "date": self.meeting.held_on.isoformat(), "place": self.meeting.place},
            "partnership": {"id": self.partnership.id, "name": self.partnership.name},
            "round": self.round.id if self.round else None,
            "recorded_at": as_utc(self.decision.created_at).isoformat(),
            "call_in_deadline": self.deadline.isoformat(), "call_in_open": self.window_open,
            "call_in": None if called is None else {
                "called_at": called.called_at, "reasons": called.reasons, "outcome": called.outcome,
                "amended_text": called.amended_text, "outcome_note": called.outcome_note or None,
                "reconsidered_at_meeting": called.reconsidered_at_meeting_id, "decided_at": called.decided_at},
        }


def record_of(session: Session, decision_id: int, *, now: datetime | None = None) -> DecisionRecord:
    decision = get_decision(session, decision_id)
    meeting = session.get(Meeting, decision.meeting_id)
    called = call_in_of(session, decision_id)
    deadline = deadline_of(decision)
    return DecisionRecord(
        decision=decision, meeting=meeting,
        partnership=governance_repo.get_partnership(session, meeting.partnership_id),
        round=session.get(Round, decision.round_id) if decision.round_id else None, call_in=called,
        deadline=deadline, window_open=called is None and (now or utcnow()) <= deadline,
        reconsidered_at=session.get(Meeting, called.reconsidered_at_meeting_id)
        if called and called.reconsidered_at_meeting_id else None)


def statuses_of(session: Session, decision_ids: list[int]) -> dict[int, str]:
    """The status of each decision that was called in ("called_in", "upheld" ...); others are in force."""
    if not decision_ids:
        return {}
    rows = session.exec(select(CallIn).where(CallIn.decision_id.in_(decision_ids)))
    return {c.decision_id: "called_in" if c.is_paused else str(c.outcome) for c in rows}
