"""A partnership's public page and API (members, interests, rounds, meetings with their approved
minutes and decisions), and the pages where its chair and officers keep its meetings."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from core import access
from core.errors import PlatformError
from core.numbers import parse_id, parse_whole
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import meetings, repository
from governance.meetings import APPROVES_MINUTES, KEEPS_MEETINGS
from governance.permissions import CurrentStaff, MaybeStaff, require_partnership_role
from scrutiny import call_in

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["partnerships"])


def _interests(session, partnership_id: int) -> list[dict]:
    """The register of interests: the declarations in force, oldest first. Who (the staff member's
    display name, nothing else about them), what (the proposal or organisation, and the interest in
    their own words) and when. (The API's response model keeps only the date.)"""
    from governance.interests import declarations_for_partnership

    return [{"name": d["name"], "subject": d["subject"], "description": d["description"],
             "declared_on": d["declared_at"].date().isoformat(), "declared_at": d["declared_at"]}
            for d in declarations_for_partnership(session, partnership_id, include_withdrawn=False)]


# --- public -------------------------------------------------------------------------------------

@router.get("/partnerships/{partnership_id}")
@access.public
def partnership_page(request: Request, partnership_id: int, session: SessionDep, staff: MaybeStaff):
    partnership = repository.get_partnership(session, partnership_id)
    keeps = staff is not None and (staff.is_admin or bool(
        repository.roles_in(session, staff.id, partnership_id) & KEEPS_MEETINGS))
    records = meetings.meetings_of(session, partnership_id, public=True)
    return render(request, "governance/partnership.html", {
        "partnership": partnership, "members": repository.members_of(session, partnership_id),
        "interests": _interests(session, partnership_id), "rounds": repository.list_rounds(session, partnership_id),
        "meetings": records, "keeps_meetings": keeps,
        "decision_statuses": call_in.statuses_of(session, [d.id for r in records for d in r.decisions]),
    })


@router.get("/meetings/{meeting_id}")
@access.public
def meeting_page(request: Request, meeting_id: int, session: SessionDep):
    meeting = meetings.get_meeting(session, meeting_id)
    record = meetings.record_of(session, meeting, public=True)
    return render(request, "governance/meeting.html", {
        "record": record, "decision_statuses": call_in.statuses_of(session, [d.id for d in record.decisions]),
        "partnership": repository.get_partnership(session, meeting.partnership_id)})


class MemberOut(BaseModel):
    name: str
    role: str


class DecisionOut(BaseModel):
    text: str


class MeetingOut(BaseModel):
    date: str
    place: str
    minutes_approved: bool
    decisions: list[DecisionOut]


class InterestOut(BaseModel):
    name: str = Field(description="The staff member's display name")
    subject: str = Field(description="What the interest is in: a proposal (by title) or an organisation")
    description: str = Field(description="The interest, in the declarer's words")
    declared_on: str = Field(description="The date it was declared (YYYY-MM-DD)")


class PartnershipOut(BaseModel):
    id: int
    name: str
    area: str
    members: list[MemberOut]
    interests: list[InterestOut]
    meetings: list[MeetingOut]
    rounds: list[int]


@api.get("/partnerships/{partnership_id}", response_model=PartnershipOut)
@access.public
def partnership_api(partnership_id: int, session: SessionDep):
    """A partnership: its members and roles, its register of interests, its meetings with their
    decisions (approved minutes and decisions only), and its rounds."""
    partnership = repository.get_partnership(session, partnership_id)
    return {
        "id": partnership.id, "name": partnership.name, "area": partnership.area,
        "members": [{"name": staff.display_name, "role": role}
                    for staff, role in repository.members_of(session, partnership_id)],
        "interests": _interests(session, partnership_id),
        "meetings": [{"date": r.meeting.held_on.isoformat(), "place": r.meeting.place,
                      "minutes_approved": r.minutes_approved, "decisions": [{"text": d.text} for d in r.decisions]}
                     for r in meetings.meetings_of(session, partnership_id, public=True)],
        "rounds": [r.id for r in repository.list_rounds(session, partnership_id)],
    }


# --- keeping the meetings -------------------------------------------------------------------------

def _errors(error: PlatformError | None) -> dict[str, str]:
    return {error.field: error.message} if error is not None and error.field else {}


def _list_page(request: Request, session, partnership_id: int, *, form: dict | None = None,
               error: PlatformError | None = None):
    return render(request, "governance/meetings.html", {
        "partnership": repository.get_partnership(session, partnership_id),
        "members": repository.members_of(session, partnership_id),
        "meetings": meetings.meetings_of(session, partnership_id, public=False), "form": form or {},
        "error": error, "errors": _errors(error), "message": request.query_params.get("done"),
    }, status_code=error.status_code if error else 200)


@router.get("/manage/partnerships/{partnership_id}/meetings")
@access.staff_of(KEEPS_MEETINGS)
def meetings_page(request: Request, partnership_id: int, session: SessionDep, staff: CurrentStaff):
    require_partnership_role(session, staff, partnership_id, KEEPS_MEETINGS)
    return _list_page(request, session, partnership_id)


def _present(values: list[str]) -> list[int]:
    return [parse_id(v, "Member present") for v in values]


def _residents(text: str) -> int:
    return parse_whole(text or "0", "Residents attending", high=meetings.MAX_RESIDENTS, example="12",
                       field="residents_attending")


@router.post("/manage/partnerships/{partnership_id}/meetings", dependencies=[CsrfChecked])
@access.staff_of(KEEPS_MEETINGS)
def schedule_meeting(request: Request, partnership_id: int, db: DatabaseDep, staff: CurrentStaff,
                     held_on: Annotated[str, Form(max_length=40)] = "",
                     place: Annotated[str, Form(max_length=400)] = "",
                     agenda: Annotated[str, Form(max_length=40_000)] = "",
                     residents_attending: Annotated[str, Form(max_length=20)] = "0",
                     present: Annotated[list[str], Form()] = None):
    form = {"held_on": held_on, "place": place, "agenda": agenda, "residents_attending": residents_attending,
            "present": present or []}
    try:
        with db.session(write=True) as session:
            actor = require_partnership_role(session, staff, partnership_id, KEEPS_MEETINGS)
            meeting = meetings.schedule_meeting(
                session, actor, partnership_id=partnership_id, held_on=meetings.parse_day(held_on), place=place,
                agenda=agenda, residents_attending=_residents(residents_attending), present=_present(present or []))
            meeting_id = meeting.id
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _list_page(request, session, partnership_id, form=form, error=error)
    return RedirectResponse(f"/manage/meetings/{meeting_id}?done=Meeting+added", status_code=303)


def _meeting_page(request: Request, session, staff, meeting_id: int, *, form: dict | None = None,
                  error: PlatformError | None = None, about: str | None = None):
    meeting = meetings.get_meeting(session, meeting_id)
    roles = repository.roles_in(session, staff.id, meeting.partnership_id)
    return render(request, "governance/meeting_manage.html", {
        "record": meetings.record_of(session, meeting, public=False),
        "partnership": repository.get_partnership(session, meeting.partnership_id),
        "members": repository.members_of(session, meeting.partnership_id),
        "later": meetings.later_meetings(session, meeting),
        "rounds": repository.list_rounds(session, meeting.partnership_id),
        "chairs": staff.is_admin or bool(roles & APPROVES_MINUTES), "form": form or {}, "error": error,
        "errors": _errors(error), "about": about, "message": request.query_params.get("done"),
    }, status_code=error.status_code if error else 200)


def _meeting_role(session, staff, meeting_id: int, allowed: frozenset):
    meeting = meetings.get_meeting(session, meeting_id)
    return require_partnership_role(session, staff, meeting.partnership_id, allowed)


def _minutes_role(session, staff, minutes_id: int, allowed: frozenset):
    return _meeting_role(session, staff, meetings.get_minutes(session, minutes_id).meeting_id, allowed)


@router.get("/manage/meetings/{meeting_id}")
@access.staff_of(KEEPS_MEETINGS)
def manage_meeting(request: Request, meeting_id: int, session: SessionDep, staff: CurrentStaff):
    _meeting_role(session, staff, meeting_id, KEEPS_MEETINGS)
    return _meeting_page(request, session, staff, meeting_id)


def _meeting_step(request: Request, db, staff, meeting_id_of, allowed, do, form: dict, about: str, done: str):
    """Run one change to a meeting; a refusal comes back to the meeting's page with what was typed."""
    meeting_id = None
    try:
        with db.session(write=True) as session:
            meeting_id = meeting_id_of(session)
            actor = _meeting_role(session, staff, meeting_id, allowed)
            do(session, actor)
    except PlatformError as error:
        if error.status_code in (401, 403, 404) or meeting_id is None:
            raise
        with db.session() as session:
            return _meeting_page(request, session, staff, meeting_id, form=form, error=error, about=about)
    return RedirectResponse(f"/manage/meetings/{meeting_id}?done={done}", status_code=303)


@router.post("/manage/meetings/{meeting_id}/attendance", dependencies=[CsrfChecked])
@access.staff_of(KEEPS_MEETINGS)
def record_attendance(request: Request, meeting_id: int, db: DatabaseDep, staff: CurrentStaff,
                      residents_attending: Annotated[str, Form(max_length=20)] = "0",
                      present: Annotated[list[str], Form()] = None):
    return _meeting_step(
        request, db, staff, lambda s: meetings.get_meeting(s, meeting_id).id, KEEPS_MEETINGS,
        lambda s, actor: meetings.record_attendance(s, actor, meeting_id, present=_present(present or []),
                                                    residents_attending=_residents(residents_attending)),
        {"residents_attending": residents_attending, "present": present or []}, "attendance", "Attendance+saved")


@router.post("/manage/meetings/{meeting_id}/minutes", dependencies=[CsrfChecked])
@access.staff_of(KEEPS_MEETINGS)
def draft_minutes(request: Request, meeting_id: int, db: DatabaseDep, staff: CurrentStaff,
                  text: Annotated[str, Form(max_length=200_000)] = ""):
    return _meeting_step(request, db, staff, lambda s: meetings.get_meeting(s, meeting_id).id, KEEPS_MEETINGS,
                         lambda s, actor: meetings.draft_minutes(s, actor, meeting_id, text), {"text": text},
                         "new", "Draft+minutes+saved")


@router.post("/manage/minutes/{minutes_id}/edit", dependencies=[CsrfChecked])
@access.staff_of(KEEPS_MEETINGS)
def change_minutes(request: Request, minutes_id: int, db: DatabaseDep, staff: CurrentStaff,
                   text: Annotated[str, Form(max_length=200_000)] = ""):
    return _meeting_step(request, db, staff, lambda s: meetings.get_minutes(s, minutes_id).meeting_id,
                         KEEPS_MEETINGS, lambda s, actor: meetings.change_minutes(s, actor, minutes_id, text),
                         {"text": text}, f"minutes-{minutes_id}", "Draft+minutes+saved")


@router.post("/manage/minutes/{minutes_id}/correct", dependencies=[CsrfChecked])
@access.staff_of(KEEPS_MEETINGS)
def correct_minutes(request: Request, minutes_id: int, db: DatabaseDep, staff: CurrentStaff,
                    text: Annotated[str, Form(max_length=200_000)] = ""):
    return _meeting_step(request, db, staff, lambda s: meetings.get_minutes(s, minutes_id).meeting_id,
                         KEEPS_MEETINGS, lambda s, actor: meetings.correct_minutes(s, actor, minutes_id, text),
                         {"text": text}, f"correct-{minutes_id}", "Correction+drafted")


@router.post("/manage/minutes/{minutes_id}/approve", dependencies=[CsrfChecked])
@access.staff_of(APPROVES_MINUTES)
def approve_minutes(request: Request, minutes_id: int, db: DatabaseDep, staff: CurrentStaff,
                    at_meeting_id: Annotated[str, Form(max_length=20)] = ""):
    def do(session, actor):
        at = parse_id(at_meeting_id or "0", "Meeting") if at_meeting_id else 0
        if not at:
            from core.errors import InvalidInput
            raise InvalidInput("Choose the later meeting that approved these minutes.", field="at_meeting_id")
        meetings.approve_minutes(session, actor, minutes_id, at)

    return _meeting_step(request, db, staff, lambda s: meetings.get_minutes(s, minutes_id).meeting_id,
                         APPROVES_MINUTES, do, {"at_meeting_id": at_meeting_id}, f"minutes-{minutes_id}",
                         "Minutes+approved")


@router.post("/manage/meetings/{meeting_id}/decisions", dependencies=[CsrfChecked])
@access.staff_of(APPROVES_MINUTES)
def record_decision(request: Request, meeting_id: int, db: DatabaseDep, staff: CurrentStaff,
                    decision: Annotated[str, Form(max_length=4000)] = "",
                    round_id: Annotated[str, Form(max_length=20)] = ""):
    def do(session, actor):
        about = parse_id(round_id, "Round") if round_id.strip() else None
        meetings.record_decision(session, actor, meeting_id, decision, round_id=about)

    return _meeting_step(request, db, staff, lambda s: meetings.get_meeting(s, meeting_id).id, APPROVES_MINUTES,
                         do, {"decision": decision, "round_id": round_id}, "decision", "Decision+recorded")
