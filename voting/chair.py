"""The chair's steps on the PB day: open, close, publish."""


from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from core.web import CsrfChecked, DatabaseDep
from governance.permissions import CHAIR, CurrentStaff, require_round_role
from voting import service

router = APIRouter()


# --- the chair's steps ------------------------------------------------------------------------

def _chair_step(db, staff, round_id: int, step, done: str):
    with db.session(write=True) as session:
        _, actor = require_round_role(session, staff, round_id, CHAIR)
        step(session, actor, round_id)
    return RedirectResponse(f"/manage/rounds/{round_id}?done={done}", status_code=303)


@router.post("/manage/rounds/{round_id}/open", dependencies=[CsrfChecked])
def open_vote(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _chair_step(db, staff, round_id, service.open_vote, "Voting+is+open")


@router.post("/manage/rounds/{round_id}/close", dependencies=[CsrfChecked])
def close_vote(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _chair_step(db, staff, round_id, service.close_vote, "Voting+is+closed")


@router.post("/manage/rounds/{round_id}/publish", dependencies=[CsrfChecked])
def publish_results(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _chair_step(db, staff, round_id, service.publish_results, "Results+published")


