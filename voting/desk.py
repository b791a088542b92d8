"""The steward's desk: check a resident, issue a single-use pass, show it once, move on.

Issuing posts and then redirects to a short-lived ticket (post/redirect/get), so reloading the
page never re-posts; the ticket shows the code to the steward who issued it until "Next resident"
or a few minutes pass. A pass still unused can be reprinted (a new code, the old one void) or
cancelled."""

from typing import Annotated
from urllib.parse import quote_plus

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import InvalidInput, NotFound, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance.models import Round, VoteStatus
from governance.permissions import RUNS_EVENT_DESK, CurrentStaff, require_round_role, rounds_for_staff
from voting import paper, register
from voting import repository as voting_repo
from voting.errors import AlreadyHasPass, LikelyMatch
from voting.paper import ENTERS_PAPER

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}


# --- the steward's desk -----------------------------------------------------------------------

@access.staff()
@router.get("/desk")
def desk(request: Request, session: SessionDep, staff: CurrentStaff, round_id: int | None = None):
    rounds = _desk_rounds(session, staff)
    return _desk_page(request, session, rounds, _pick(rounds, round_id), staff=staff,
                      message=request.query_params.get("done"))


def _desk_rounds(session, staff) -> list[Round]:
    """Rounds this staff member runs the desk for, where passes can still be issued."""
    return [r for r in rounds_for_staff(session, staff, RUNS_EVENT_DESK) if r.vote_status in ("draft", "open")]


def _pick(rounds: list[Round], round_id: int | None) -> Round | None:
    """The round asked for; otherwise the one whose vote is open, never a draft by accident."""
    chosen = next((r for r in rounds if r.id == round_id), None)
    if chosen is None:
        chosen = next((r for r in rounds if r.vote_status == VoteStatus.open and not r.is_closing), None)
    return chosen or (rounds[0] if rounds else None)


def _desk_page(request, session, rounds, selected, *, staff, ticket=None, token="", error: PlatformError | None = None,
               form=None, message=None, status_code=200):
    qr = None
    if ticket is not None:
        # The configured public address, never the Host header: a forged Host would send the
        # resident's pass to someone else's site.
        url = f"{request.app.state.settings.public_url.rstrip('/')}/kiosk?code={ticket.code}"
        qr = segno.make(url, error="m").svg_inline(scale=5, title=f"QR code for pass {ticket.code}")
    return render(request, "voting/desk.html", {
        "rounds": rounds, "selected": selected, "ticket": ticket, "token": token, "qr": qr, "message": message,
        "error": error, "errors": {error.field: error.message} if error is not None and error.field else {},
        "can_reprint": isinstance(error, AlreadyHasPass) and error.can_reprint,
        "likely_match": isinstance(error, LikelyMatch),
        "form": form or {}, "ticket_seconds": register.DESK_TICKET_MINUTES * 60,
        "issued_count": voting_repo.passes_issued(session, selected.id) if selected else 0,
        "turnout": voting_repo.ballot_count(session, selected.id) if selected else 0,
        "sheets_handed_out": paper.sheets_handed_out(session, selected.id) if selected else 0,
        # Only those who may enter paper ballots see the way there: no dead link for an officer.
        "enters_paper": selected is not None
        and selected.id in {r.id for r in rounds_for_staff(session, staff, ENTERS_PAPER)},
    }, status_code=status_code, headers=NO_STORE)


def _refused(request, db, staff, round_id: int, error: PlatformError, form: dict):
    """The desk again with the message beside what was typed; never a dead-end page."""
    with db.session() as session:
        rounds = _desk_rounds(session, staff)
        selected = next((r for r in rounds if r.id == round_id), None)
        if selected is None:
            raise error if error.status_code in (401, 403, 404) else InvalidInput(
                "Choose a round you run the desk for.")
        return _desk_page(request, session, rounds, selected, staff=staff, error=error, form=form,
                          status_code=error.status_code)


def _show(token: str) -> RedirectResponse:
    return RedirectResponse(f"/desk/passes/{token}", status_code=303)


@access.staff_of(RUNS_EVENT_DESK)
@router.post("/desk/passes", dependencies=[CsrfChecked])
def desk_issue(request: Request, db: DatabaseDep, staff: CurrentStaff, round_id: Annotated[int, Form()],
               name: Annotated[str, Form()] = "", postcode: Annotated[str, Form()] = "",
               different_person: Annotated[str, Form()] = "", paper: Annotated[str, Form()] = ""):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, RUNS_EVENT_DESK)
            issued = register.issue_pass(session, actor, round_id=round_id, name=name, postcode=postcode,
                                         different_person=different_person == "yes", paper=paper == "yes")
            if paper == "yes":  # no code to show: the resident takes a sheet from the pile
                return _done(round_id, "Checked in for paper: give the resident one paper ballot sheet from the "
                                       "pile (the sheet's number is not recorded)")
            token = register.put_on_desk(session, issued, staff.id)
    except PlatformError as error:
        return _refused(request, db, staff, round_id, error, {"name": name, "postcode": postcode, "paper": paper})
    return _show(token)


@access.staff()
@router.get("/desk/passes/{token}")
def desk_ticket(request: Request, token: str, session: SessionDep, staff: CurrentStaff):
    try:
        ticket = register.desk_ticket(session, token, staff.id)
    except NotFound as gone:
        rounds = _desk_rounds(session, staff)
        return _desk_page(request, session, rounds, _pick(rounds, None), staff=staff, message=gone.message)
    rounds = _desk_rounds(session, staff)
    selected = next((r for r in rounds if r.id == ticket.round_id), None)
    return _desk_page(request, session, rounds, selected, staff=staff, ticket=ticket, token=token)


@access.staff()
@router.post("/desk/passes/{token}/next", dependencies=[CsrfChecked])
def desk_next(token: str, db: DatabaseDep, staff: CurrentStaff, round_id: Annotated[int, Form()]):
    """The pass is handed over: clear it from the screen before the next resident steps up."""
    with db.session(write=True) as session:
        register.clear_desk(session, token, staff.id)
    return RedirectResponse(f"/desk?round_id={round_id}", status_code=303)


def _ticket_pass(session, token: str, staff):
    ticket = register.desk_ticket(session, token, staff.id)
    _, actor = require_round_role(session, staff, ticket.round_id, RUNS_EVENT_DESK)
    voter_pass = session.get(register.VoterPass, ticket.pass_id)
    return ticket.round_id, voter_pass, actor


def _desk_after_refusal(request, db, staff, error: PlatformError):
    """A reprint or cancel from the pass on screen was refused (used meanwhile, or gone): say so on the desk."""
    if error.status_code in (401, 403):
        raise error
    with db.session() as session:
        rounds = _desk_rounds(session, staff)
        return _desk_page(request, session, rounds, _pick(rounds, None), staff=staff, error=error,
                          status_code=error.status_code)


@access.staff()
@router.post("/desk/passes/{token}/reprint", dependencies=[CsrfChecked])
def desk_reprint_shown(request: Request, token: str, db: DatabaseDep, staff: CurrentStaff):
    """The printer jammed or the resident dropped it: a new code, and the one on screen stops working."""
    try:
        with db.session(write=True) as session:
            _, voter_pass, actor = _ticket_pass(session, token, staff)
            issued = register.reprint_pass(session, actor, voter_pass)
            new_token = register.put_on_desk(session, issued, staff.id)
    except PlatformError as error:
        return _desk_after_refusal(request, db, staff, error)
    return _show(new_token)


@access.staff()
@router.post("/desk/passes/{token}/void", dependencies=[CsrfChecked])
def desk_void_shown(request: Request, token: str, db: DatabaseDep, staff: CurrentStaff):
    try:
        with db.session(write=True) as session:
            round_id, voter_pass, actor = _ticket_pass(session, token, staff)
            register.void_pass(session, actor, voter_pass)
    except PlatformError as error:
        return _desk_after_refusal(request, db, staff, error)
    return _done(round_id, "The pass was cancelled: its code no longer works")


def _done(round_id: int, message: str) -> RedirectResponse:
    return RedirectResponse(f"/desk?round_id={round_id}&done={quote_plus(message)}", status_code=303)


@access.staff_of(RUNS_EVENT_DESK)
@router.post("/desk/resident/reprint", dependencies=[CsrfChecked])
def desk_reprint(request: Request, db: DatabaseDep, staff: CurrentStaff, round_id: Annotated[int, Form()],
                 name: Annotated[str, Form()] = "", postcode: Annotated[str, Form()] = ""):
    """A resident who lost their pass: found again by name and postcode, given a new code."""
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, RUNS_EVENT_DESK)
            voter_pass = register.resident_pass(session, round_id, name, postcode)
            issued = register.reprint_pass(session, actor, voter_pass)
            token = register.put_on_desk(session, issued, staff.id)
    except PlatformError as error:
        return _refused(request, db, staff, round_id, error, {"name": name, "postcode": postcode})
    return _show(token)


@access.staff_of(RUNS_EVENT_DESK)
@router.post("/desk/resident/void", dependencies=[CsrfChecked])
def desk_void(request: Request, db: DatabaseDep, staff: CurrentStaff, round_id: Annotated[int, Form()],
              name: Annotated[str, Form()] = "", postcode: Annotated[str, Form()] = ""):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, RUNS_EVENT_DESK)
            register.void_pass(session, actor, register.resident_pass(session, round_id, name, postcode))
    except PlatformError as error:
        return _refused(request, db, staff, round_id, error, {"name": name, "postcode": postcode})
    return _done(round_id, "The resident's pass was cancelled: its code no longer works")
