"""Officers put proposals on a round's ballot."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from core.numbers import parse_money
from core.web import CsrfChecked, DatabaseDep
from governance.permissions import MANAGES_PROPOSALS, CurrentStaff, require_round_role
from proposals import service

router = APIRouter()


@router.post("/manage/rounds/{round_id}/proposals", dependencies=[CsrfChecked])
def add_proposal(round_id: int, db: DatabaseDep, staff: CurrentStaff, title: Annotated[str, Form()] = "",
                 cost: Annotated[str, Form()] = "", summary: Annotated[str, Form()] = "",
                 delivered_by: Annotated[str, Form()] = "", location: Annotated[str, Form()] = ""):
    amount = parse_money(cost, "The cost")
    with db.session(write=True) as session:
        _, actor = require_round_role(session, staff, round_id, MANAGES_PROPOSALS)
        service.add_proposal(session, actor, round_id=round_id, title=title, cost=amount, summary=summary,
                             delivered_by=delivered_by, location=location)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Proposal+added", status_code=303)
