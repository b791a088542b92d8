"""A partnership decision's public page and API, with its call-in status, and the staff page where a
scrutiny member calls it in and the chair records the outcome of its reconsideration."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from core import access
from core.errors import PlatformError
from core.numbers import parse_id
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import Meeting
from governance.permissions import CurrentStaff, require_partnership_role
from scrutiny import call_in, permissions, repository, service

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["decisions"])

CALLS_IN = permissions.RAISES_QUERIES          # a scrutiny member of the decision's partnership
RECORDS_OUTCOME = permissions.ANSWERS_QUERIES  # its chair
SEES_CALL_IN = CALLS_IN | RECORDS_OUTCOME


def _history(session, decision_id: int):
    return service.show(session, repository.decision_history(session, decision_id))


# --- public ---------------------------------------------------------------------------------------

@router.get("/decisions/{decision_id}")
@access.public
def decision_page(request: Request, decision_id: int, session: SessionDep):
    """Public: the decision, whether it is in force or called in, the call-in deadline, reasons and outcome."""
    record = call_in.record_of(session, decision_id)
    return render(request, "scrutiny/decision.html", {"record": record, "history": _history(session, decision_id),
                                                      "subject": f"decision:{decision_id}"})


class MeetingOut(BaseModel):
    id: int
    date: date
    place: str


class PartnershipRef(BaseModel):
    id: int
    name: str


class CallInOut(BaseModel):
    called_at: str
    reasons: str
    outcome: Literal["upheld", "amended", "withdrawn"] | None
    amended_text: str | None
    outcome_note: str | None
    reconsidered_at_meeting: int | None
    decided_at: str | None


class DecisionOut(BaseModel):
    id: int
    text: str
    status: Literal["in_force", "called_in", "upheld", "amended", "withdrawn"]
    meeting: MeetingOut
    partnership: PartnershipRef
    round: int | None
    recorded_at: str
    call_in_deadline: str
    call_in_open: bool
    call_in: CallInOut | None


@api.get("/decisions/{decision_id}", response_model=DecisionOut)
@access.public
def decision_json(decision_id: int, session: SessionDep):
    """Public: a partnership decision and its call-in: `status` is `in_force`, `called_in` (paused until
    the partnership reconsiders it), `upheld`, `amended` (see `call_in.amended_text`) or `withdrawn`."""
    return call_in.record_of(session, decision_id).as_json()


# --- staff: calling in and recording the outcome --------------------------------------------------

def _manage_page(request: Request, session, staff, decision_id: int, *, form: dict | None = None,
                 error: PlatformError | None = None, about: str | None = None):
    record = call_in.record_of(session, decision_id)
    partnership_id = record.partnership.id
    roles = governance_repo.roles_in(session, staff.id, partnership_id)
    later = call_in.reconsidering_meetings(session, record.call_in) if record.call_in else []
    return render(request, "scrutiny/decision_manage.html", {
        "record": record, "history": _history(session, decision_id), "subject": f"decision:{decision_id}",
        "calls_in": staff.is_admin or bool(roles & CALLS_IN),
        "records_outcome": staff.is_admin or bool(roles & RECORDS_OUTCOME),
        "meetings": later, "window_days": call_in.window_days(), "form": form or {}, "error": error,
        "errors": {error.field: error.message} if error is not None and error.field else {}, "about": about,
        "message": request.query_params.get("done"),
    }, status_code=error.status_code if error else 200)


def _partnership_of(session, decision_id: int) -> int:
    decision = call_in.get_decision(session, decision_id)
    return session.get(Meeting, decision.meeting_id).partnership_id


@router.get("/manage/decisions/{decision_id}")
@access.staff_of(SEES_CALL_IN)
def manage_decision(request: Request, decision_id: int, session: SessionDep, staff: CurrentStaff):
    """A scrutiny member or the chair of the decision's partnership."""
    require_partnership_role(session, staff, _partnership_of(session, decision_id), SEES_CALL_IN)
    return _manage_page(request, session, staff, decision_id)


def _step(request: Request, db, staff, decision_id: int, allowed: frozenset, do, form: dict, about: str, done: str):
    """Run one call-in step; a refusal comes back to the decision's page with what was typed."""
    try:
        with db.session(write=True) as session:
            actor = require_partnership_role(session, staff, _partnership_of(session, decision_id), allowed)
            do(session, actor)
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _manage_page(request, session, staff, decision_id, form=form, error=error, about=about)
    return RedirectResponse(f"/manage/decisions/{decision_id}?done={done}", status_code=303)


@router.post("/manage/decisions/{decision_id}/call-in", dependencies=[CsrfChecked])
@access.staff_of(CALLS_IN)
def call_decision_in(request: Request, decision_id: int, db: DatabaseDep, staff: CurrentStaff,
                     reasons: Annotated[str, Form()] = ""):
    """A scrutiny member of the decision's partnership, within the call-in period.

    The free text has no length bound here (the form body limit bounds it): the service refuses what
    is too long with a message beside the field and the text kept, for the member to shorten."""
    return _step(request, db, staff, decision_id, CALLS_IN,
                 lambda s, actor: call_in.call_in(s, actor, staff, decision_id, reasons),
                 {"reasons": reasons}, "call-in", "Decision+called+in")


@router.post("/manage/decisions/{decision_id}/outcome", dependencies=[CsrfChecked])
@access.staff_of(RECORDS_OUTCOME)
def record_outcome(request: Request, decision_id: int, db: DatabaseDep, staff: CurrentStaff,
                   outcome: Annotated[str, Form(max_length=20)] = "",
                   amended_text: Annotated[str, Form()] = "",
                   meeting_id: Annotated[str, Form(max_length=20)] = "",
                   note: Annotated[str, Form()] = ""):
    """The chair of the decision's partnership, once the partnership has reconsidered it."""
    def do(session, actor):
        meeting = parse_id(meeting_id, "Meeting") if meeting_id.strip() else None
        call_in.record_outcome(session, actor, staff, decision_id, outcome, amended_text=amended_text, note=note,
                               meeting_id=meeting)

    return _step(request, db, staff, decision_id, RECORDS_OUTCOME, do,
                 {"outcome": outcome, "amended_text": amended_text, "meeting_id": meeting_id, "note": note},
                 "outcome", "Outcome+recorded")
