"""The certification pages: the chair certifies published results, a second member confirms."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.permissions import CHAIR, CurrentStaff, require_round_role
from voting import certification, reconciliation
from voting import repository as voting_repo

router = APIRouter()


def _page(request: Request, session, staff, round_id: int, error: PlatformError | None = None):
    voting_round, actor = require_round_role(session, staff, round_id, CHAIR | certification.CONFIRMS)
    record = certification.certification_of(session, round_id)
    signed = reconciliation.signed_sheet(session, round_id)
    return render(request, "voting/certify.html", {
        "round": voting_round, "record": record, "actor": actor, "staff": staff, "signed": signed,
        "sheet": reconciliation.figures_of(signed) if signed else reconciliation.sheet(session, round_id),
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
        "result": voting_repo.result_of(session, round_id),
        "is_chair": actor.role in ("chair", "admin"),
        "certified_by_me": record is not None and record.certified_by == actor.ref,
        "error": error,
    }, status_code=error.status_code if error else 200)


@access.staff_of(CHAIR | certification.CONFIRMS)
@router.get("/manage/rounds/{round_id}/certify")
def certify_page(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    """What certifying means, and the chair's (or the second member's) button."""
    return _page(request, session, staff, round_id)


def _step(request: Request, db, staff, round_id: int, allowed, do, done: str):
    # Who may take the step is checked before, and apart from, the step's own rules: a refusal is the
    # platform's "Not allowed" answer, not a message on the certification page.
    with db.session() as session:
        require_round_role(session, staff, round_id, allowed)
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, allowed)
            do(session, actor, round_id, name=staff.display_name)
    except PlatformError as error:
        if error.status_code in (401, 404):
            raise
        with db.session() as session:
            return _page(request, session, staff, round_id, error)
    return RedirectResponse(f"/manage/rounds/{round_id}/certify?done={done}", status_code=303)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/certify", dependencies=[CsrfChecked])
def certify(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _step(request, db, staff, round_id, CHAIR, certification.certify, "certified")


@access.staff_of(certification.CONFIRMS)
@router.post("/manage/rounds/{round_id}/certify/confirm", dependencies=[CsrfChecked])
def confirm(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _step(request, db, staff, round_id, certification.CONFIRMS, certification.confirm, "confirmed")


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/reconciliation", dependencies=[CsrfChecked])
def sign_off(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    """The chair signs off the event's reconciliation sheet (before certifying)."""
    return _step(request, db, staff, round_id, CHAIR, reconciliation.sign_off, "signed")


@access.public
@router.get("/rounds/{round_id}/reconciliation")
def reconciliation_page(request: Request, round_id: int, session: SessionDep):
    """Anyone: the event's books, as signed off by the chair (or as they stand, until then)."""
    voting_round = governance_repo.get_round(session, round_id)
    signed = reconciliation.signed_sheet(session, round_id)
    return render(request, "voting/reconciliation.html", {
        "round": voting_round, "signed": signed,
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
        "sheet": reconciliation.figures_of(signed) if signed else reconciliation.sheet(session, round_id)})
