"""Officers put proposals on a round's ballot, and fix or withdraw them before voting opens."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import PlatformError
from core.numbers import parse_money
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.permissions import MANAGES_PROPOSALS, CurrentStaff, require_round_role
from proposals import repository, service

router = APIRouter()

PROPOSAL_FIELDS = ("title", "cost", "summary", "delivered_by", "location")


def _cost(text: str) -> int:
    return parse_money(text, "The cost", field="cost")


def _refused(error: PlatformError) -> bool:
    # Who may act, and what exists, are not form mistakes: those keep their own pages.
    return error.status_code in (401, 403, 404)


@access.staff_of(MANAGES_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals", dependencies=[CsrfChecked])
def add_proposal(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
                 title: Annotated[str, Form()] = "", cost: Annotated[str, Form()] = "",
                 summary: Annotated[str, Form()] = "", delivered_by: Annotated[str, Form()] = "",
                 location: Annotated[str, Form()] = ""):
    form = dict(title=title, cost=cost, summary=summary, delivered_by=delivered_by, location=location)
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, MANAGES_PROPOSALS)
            service.add_proposal(session, actor, round_id=round_id, title=title, cost=_cost(cost), summary=summary,
                                 delivered_by=delivered_by, location=location)
    except PlatformError as error:
        if _refused(error):
            raise
        from governance.routes import manage_round_page

        with db.session() as session:
            return manage_round_page(request, session, staff, round_id, error=error, proposal_form=form)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Proposal+added", status_code=303)


def _edit_page(request: Request, session, round_id: int, proposal, form: dict, error: PlatformError | None = None):
    return render(request, "proposals/edit.html", {
        "round": governance_repo.get_round(session, round_id), "proposal": proposal, "form": form,
        "error": error, "errors": {error.field: error.message} if error is not None and error.field else {},
    }, status_code=error.status_code if error else 200)


@access.staff_of(MANAGES_PROPOSALS)
@router.get("/manage/rounds/{round_id}/proposals/{proposal_id}/edit")
def edit_proposal_page(request: Request, round_id: int, proposal_id: int, session: SessionDep,
                       staff: CurrentStaff):
    require_round_role(session, staff, round_id, MANAGES_PROPOSALS)
    proposal = repository.get_proposal(session, round_id, proposal_id)
    form = {name: str(getattr(proposal, name)) for name in PROPOSAL_FIELDS}
    return _edit_page(request, session, round_id, proposal, form)


@access.staff_of(MANAGES_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/edit", dependencies=[CsrfChecked])
def edit_proposal(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff,
                  title: Annotated[str, Form()] = "", cost: Annotated[str, Form()] = "",
                  summary: Annotated[str, Form()] = "", delivered_by: Annotated[str, Form()] = "",
                  location: Annotated[str, Form()] = ""):
    form = dict(title=title, cost=cost, summary=summary, delivered_by=delivered_by, location=location)
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, MANAGES_PROPOSALS)
            service.edit_proposal(session, actor, round_id=round_id, proposal_id=proposal_id, title=title,
                                  cost=_cost(cost), summary=summary, delivered_by=delivered_by, location=location)
    except PlatformError as error:
        if _refused(error):
            raise
        with db.session() as session:
            proposal = repository.get_proposal(session, round_id, proposal_id)
            return _edit_page(request, session, round_id, proposal, form, error)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Proposal+saved", status_code=303)


@access.staff_of(MANAGES_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_proposal(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, MANAGES_PROPOSALS)
            service.withdraw_proposal(session, actor, round_id=round_id, proposal_id=proposal_id)
    except PlatformError as error:
        if _refused(error):
            raise
        with db.session() as session:
            proposal = repository.get_proposal(session, round_id, proposal_id)
            form = {name: str(getattr(proposal, name)) for name in PROPOSAL_FIELDS}
            return _edit_page(request, session, round_id, proposal, form, error)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Proposal+withdrawn", status_code=303)
