"""The chair's steps along the arc before voting: move on, skip a step, plan the dates and the PB day.
Each move asks first, like the PB-day steps in voting/chair.py."""

import re
from datetime import date
from typing import Annotated
from urllib.parse import quote_plus

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import InvalidInput, NotFound, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import arc, repository, service
from governance.models import PHASE_LABELS, PHASE_ORDER, PUBLIC_PHASE_WORDS, Phase
from governance.permissions import CHAIR, CurrentStaff, require_round_role

router = APIRouter()

MOVES = {"next": "Move the round on", "skip": "Skip a step"}


def _confirm_page(request: Request, session, staff, round_id: int, move: str, error: PlatformError | None = None):
    voting_round, _ = require_round_role(session, staff, round_id, CHAIR)
    return render(request, "governance/arc_confirm.html", {
        "round": voting_round, "move": move, "title": MOVES[move], "labels": PHASE_LABELS,
        "public": PUBLIC_PHASE_WORDS, "next": arc.next_move(voting_round), "skip": arc.skip_move(voting_round),
        "arc": arc.steps(voting_round), "error": error,
        "partnership": repository.get_partnership(session, voting_round.partnership_id),
    }, status_code=error.status_code if error else 200)


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/arc/{move}")
def confirm_move(request: Request, round_id: int, move: str, session: SessionDep, staff: CurrentStaff):
    require_round_role(session, staff, round_id, CHAIR)  # who may ask comes before what is asked
    if move not in MOVES:
        raise NotFound("There is no such step.")
    return _confirm_page(request, session, staff, round_id, move)


def _expected(text: str) -> Phase | None:
    return Phase(text) if text in Phase.__members__ else None


# What each move does to the round, and what the round's page then says was done.
_MOVE_SERVICES = {"next": (service.advance_phase, "The round is now at "),
                  "skip": (service.skip_phase, "Step skipped: the round is now at ")}


def _make_move(request: Request, db, staff, round_id: int, move: str, expected: str):
    """Move or skip; a refusal shows the confirmation page again with the reason (a second press,
    or a round that moved meanwhile), except refusals of who is asking."""
    step, done = _MOVE_SERVICES[move]
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, CHAIR)
            voting_round = step(session, actor, round_id, expected=_expected(expected))
            words = PUBLIC_PHASE_WORDS[Phase(voting_round.phase)]
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _confirm_page(request, session, staff, round_id, move, error)
    return RedirectResponse(f"/manage/rounds/{round_id}?done={quote_plus(done + words)}", status_code=303)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/arc/next", dependencies=[CsrfChecked])
def move_on(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
            expected: Annotated[str, Form()] = ""):
    return _make_move(request, db, staff, round_id, "next", expected)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/arc/skip", dependencies=[CsrfChecked])
def skip(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
         expected: Annotated[str, Form()] = ""):
    return _make_move(request, db, staff, round_id, "skip", expected)


# --- planning: dates of the steps and the PB day ------------------------------------------------

PLANNED = [p for p in PHASE_ORDER if p != Phase.inform]
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def parse_day(text: str, label: str, field: str) -> date | None:
    """A date as a date field sends it (2027-03-03) or as people write it in the UK (3/3/2027)."""
    text = text.strip()
    if not text:
        return None
    try:
        if (match := UK_DATE.match(text)) is not None:
            day = date(int(match[3]), int(match[2]), int(match[1]))
        elif text.isascii() and len(text) == 10:
            day = date.fromisoformat(text)
        else:
            raise ValueError
    except ValueError:
        raise InvalidInput(f"{label}: write a date like 2027-03-03 or 3/3/2027.", field=field) from None
    if not 2000 <= day.year <= 2100:
        raise InvalidInput(f"{label}: the year must be between 2000 and 2100.", field=field)
    return day


def parse_time(text: str, label: str, field: str) -> str:
    text = text.strip()
    if not text:
        return ""
    match = TIME.match(text) if text.isascii() else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(f"{label}: write a time like 10:00 or 15:30.", field=field)
    return f"{int(match[1]):02d}:{match[2]}"


def _timeline_page(request: Request, session, staff, round_id: int, form: dict | None = None,
                   error: PlatformError | None = None):
    voting_round, _ = require_round_role(session, staff, round_id, CHAIR)
    if form is None:
        planned = voting_round.planned_dates
        form = {f"date_{p}": planned[p].isoformat() if p in planned else "" for p in PLANNED}
        form.update(pb_day_date=voting_round.pb_day_date.isoformat() if voting_round.pb_day_date else "",
                    pb_day_place=voting_round.pb_day_place, pb_day_opens=voting_round.pb_day_opens,
                    pb_day_closes=voting_round.pb_day_closes)
    return render(request, "governance/timeline.html", {
        "round": voting_round, "phases": PLANNED, "public": PUBLIC_PHASE_WORDS, "form": form, "error": error,
        "errors": {error.field: error.message} if error is not None and error.field else {},
        "partnership": repository.get_partnership(session, voting_round.partnership_id),
    }, status_code=error.status_code if error else 200)


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/timeline")
def timeline_page(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    return _timeline_page(request, session, staff, round_id)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/timeline", dependencies=[CsrfChecked])
def save_timeline(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
                  date_consult: Annotated[str, Form()] = "", date_involve: Annotated[str, Form()] = "",
                  date_collaborate: Annotated[str, Form()] = "", date_empower: Annotated[str, Form()] = "",
                  date_deliver: Annotated[str, Form()] = "", pb_day_date: Annotated[str, Form()] = "",
                  pb_day_place: Annotated[str, Form()] = "", pb_day_opens: Annotated[str, Form()] = "",
                  pb_day_closes: Annotated[str, Form()] = ""):
    form = dict(date_consult=date_consult, date_involve=date_involve, date_collaborate=date_collaborate,
                date_empower=date_empower, date_deliver=date_deliver, pb_day_date=pb_day_date,
                pb_day_place=pb_day_place, pb_day_opens=pb_day_opens, pb_day_closes=pb_day_closes)
    try:
        planned = {p: day for p in PLANNED
                   if (day := parse_day(form[f"date_{p}"], PUBLIC_PHASE_WORDS[p], f"date_{p}")) is not None}
        timeline = service.Timeline(
            planned=planned, pb_day_date=parse_day(pb_day_date, "PB day", "pb_day_date"), pb_day_place=pb_day_place,
            pb_day_opens=parse_time(pb_day_opens, "Opens at", "pb_day_opens"),
            pb_day_closes=parse_time(pb_day_closes, "Closes at", "pb_day_closes"))
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, CHAIR)
            service.set_timeline(session, actor, round_id, timeline)
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _timeline_page(request, session, staff, round_id, form, error)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Dates+saved", status_code=303)
