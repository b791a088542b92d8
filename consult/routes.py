"""Residents comment and rank priorities on the round page; moderators hide comments; the
engagement counts as CSV and JSON."""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from consult import engagement, repository, service
from consult.permissions import MODERATES
from core import access
from core.errors import PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.permissions import CurrentStaff, MaybeStaff, require_round_role
from residents.permissions import MaybeResident, signed_in

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["rounds"])


def _refused(error: PlatformError) -> bool:
    return error.status_code in (401, 403, 404)


def _round_page_again(request: Request, db, round_id: int, resident, staff, error: PlatformError, **forms):
    from governance.routes import render_round_page

    with db.session() as session:
        return render_round_page(request, session, round_id, resident=resident, staff=staff, error=error, **forms)


@access.resident
@router.post("/rounds/{round_id}/comments", dependencies=[CsrfChecked])
def post_comment(request: Request, round_id: int, db: DatabaseDep, resident: MaybeResident, staff: MaybeStaff,
                 body: Annotated[str, Form()] = "", priority: Annotated[str, Form()] = ""):
    # Signed out since the page was shown: sign in, then back to the round (not to this form's address).
    resident = signed_in(resident, back_to=f"/rounds/{round_id}")
    try:
        with db.session(write=True) as session:
            comment = service.post_comment(session, resident, round_id=round_id, body=body, priority=priority)
            comment_id = comment.id
    except PlatformError as error:
        if _refused(error):
            raise
        return _round_page_again(request, db, round_id, resident, staff, error,
                                 comment_form={"body": body, "priority": priority})
    return RedirectResponse(f"/rounds/{round_id}?done=comment#comment-{comment_id}", status_code=303)


@access.resident
@router.post("/rounds/{round_id}/priorities", dependencies=[CsrfChecked])
def rank_priorities(request: Request, round_id: int, db: DatabaseDep, resident: MaybeResident, staff: MaybeStaff,
                    first: Annotated[str, Form()] = "", second: Annotated[str, Form()] = "",
                    third: Annotated[str, Form()] = ""):
    resident = signed_in(resident, back_to=f"/rounds/{round_id}")
    try:
        with db.session(write=True) as session:
            service.rank_priorities(session, resident, round_id=round_id, choices=[first, second, third])
    except PlatformError as error:
        if _refused(error):
            raise
        return _round_page_again(request, db, round_id, resident, staff, error,
                                 ranking_form={"first": first, "second": second, "third": third})
    return RedirectResponse(f"/rounds/{round_id}?done=priorities#priorities",
                            status_code=303)


# --- moderation --------------------------------------------------------------------------------

def _hide_page(request: Request, session, staff, round_id: int, comment_id: int, *, reason: str = "",
               error: PlatformError | None = None):
    voting_round, _ = require_round_role(session, staff, round_id, MODERATES)
    comment = repository.get_comment(session, round_id, comment_id)
    return render(request, "consult/hide.html", {
        "round": voting_round, "comment": comment, "reason": reason, "error": error,
        "errors": {error.field: error.message} if error is not None and error.field else {},
    }, status_code=error.status_code if error else 200)


@access.staff_of(MODERATES)
@router.get("/manage/rounds/{round_id}/comments/{comment_id}/hide")
def hide_page(request: Request, round_id: int, comment_id: int, session: SessionDep, staff: CurrentStaff):
    return _hide_page(request, session, staff, round_id, comment_id)


@access.staff_of(MODERATES)
@router.post("/manage/rounds/{round_id}/comments/{comment_id}/hide", dependencies=[CsrfChecked])
def hide_comment(request: Request, round_id: int, comment_id: int, db: DatabaseDep, staff: CurrentStaff,
                 reason: Annotated[str, Form()] = ""):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, MODERATES)
            service.hide_comment(session, actor, staff, round_id=round_id, comment_id=comment_id, reason=reason)
    except PlatformError as error:
        if _refused(error):
            raise
        with db.session() as session:
            return _hide_page(request, session, staff, round_id, comment_id, reason=reason, error=error)
    return RedirectResponse(f"/rounds/{round_id}?done=hidden#comment-{comment_id}", status_code=303)


@access.staff_of(MODERATES)
@router.post("/manage/rounds/{round_id}/comments/{comment_id}/restore", dependencies=[CsrfChecked])
def restore_comment(request: Request, round_id: int, comment_id: int, db: DatabaseDep, staff: CurrentStaff):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, MODERATES)
            service.restore_comment(session, actor, round_id=round_id, comment_id=comment_id)
    except PlatformError as error:
        if _refused(error):
            raise
        with db.session() as session:
            return _hide_page(request, session, staff, round_id, comment_id, error=error)
    return RedirectResponse(f"/rounds/{round_id}?done=shown#comment-{comment_id}",
                            status_code=303)


# --- engagement ----------------------------------------------------------------------------------

@access.public
@router.get("/rounds/{round_id}/engagement.csv")
def engagement_csv(round_id: int, session: SessionDep):
    counts = engagement.engagement_counts(session, round_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["round_id", "step", "measure", "people"])
    for name in engagement.FIELDS:
        writer.writerow([round_id, engagement.STEPS[name], name, counts[name]])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="round-{round_id}-engagement.csv"'})


@access.public
@api_router.get("/rounds/{round_id}/engagement")
def engagement_json(round_id: int, session: SessionDep) -> dict[str, int]:
    """Distinct people per step of the arc, no personal data: commented, ranked, proposed, voted, attended."""
    governance_repo.get_round(session, round_id)
    return engagement.engagement_counts(session, round_id)


# --- the round page's consult section ------------------------------------------------------------

def consult_context(session, voting_round, *, resident=None, staff=None, comment_form: dict | None = None,
                    ranking_form: dict | None = None) -> dict:
    """What the public round page shows of the consultation, for this viewer."""
    from consult.permissions import moderates, sees_hidden_comments

    mine = repository.ranking_of(session, voting_round.id, resident.id) if resident is not None else None
    choices = (mine.choice_list if mine else []) + ["", "", ""]
    flags = voting_round.flags
    return {
        "resident": resident,
        "comments": service.comments_for_viewer(session, voting_round.id, resident=resident,
                                                sees_hidden=sees_hidden_comments(session, staff, voting_round)),
        "moderator": moderates(session, staff, voting_round),
        "priority_counts": service.priority_counts(session, voting_round),
        "can_comment": "comment" in flags and not voting_round.archived,
        "can_rank": "rank_priorities" in flags and not voting_round.archived and bool(voting_round.priority_list),
        "comment_form": comment_form or {},
        "ranking_form": ranking_form or {"first": choices[0], "second": choices[1], "third": choices[2]},
        "has_ranked": mine is not None,
        "engagement": engagement.engagement_counts(session, voting_round.id),
        "engagement_words": engagement.WORDS,
    }
