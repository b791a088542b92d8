"""The chair's steps on the PB day: open, close, publish; each one asked for twice.

Every step has a page that says what it will do (how many ballots are in progress, that the
results will show on the big screen) and a button that does it; the chair can count privately
before revealing."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from core import access
from core.errors import Conflict, InvalidInput, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import VoteStatus
from governance.permissions import CHAIR, CurrentStaff, require_round_role
from proposals import repository as proposals_repo
from scrutiny import call_in
from voting import paper, service
from voting import repository as voting_repo

router = APIRouter()

STEPS = {
    "open": {"title": "Open voting", "button": "Yes, open voting", "needs": VoteStatus.draft},
    "close": {"title": "Close voting", "button": "Yes, close voting", "needs": VoteStatus.open},
    "publish": {"title": "Reveal and publish results", "button": "Yes, reveal the results",
                "needs": VoteStatus.closed},
}


class FinishClosingsWhenDue:
    """Whatever request comes first after a grace period completes that close.

    A plain ASGI middleware: it leaves the request body alone, so the body-size limit outside it
    still sees (and stops) an oversized stream."""

    def __init__(self, app) -> None:
        self.app = app
        self.watch = service.ClosingWatch()

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] == "http" and not scope["path"].startswith("/static/")
                and self.watch.may_have_due_closings()):
            await run_in_threadpool(service.finish_due_closings, scope["app"].state.db, self.watch)
        await self.app(scope, receive, send)


def _grace_seconds(request: Request) -> int:
    return request.app.state.settings.close_grace_seconds


# --- asking first --------------------------------------------------------------------------------

def _confirm_page(request: Request, session, staff, round_id: int, step: str, error: PlatformError | None = None,
                  form: dict | None = None):
    voting_round, _ = require_round_role(session, staff, round_id, CHAIR)
    return render(request, "voting/chair_confirm.html", {
        "round": voting_round, "step": step, "labels": STEPS[step],
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
        "proposals": proposals_repo.on_ballot(session, round_id),
        "turnout": voting_repo.ballot_count(session, round_id),
        "passes_issued": voting_repo.passes_issued(session, round_id),
        "in_progress": service.ballots_in_progress(session, round_id),
        "channels": voting_repo.channel_counts(session, round_id),
        # What would refuse the step, shown before the chair presses rather than after.
        "unsettled": paper.unsettled(session, round_id) if step == "close" else [],
        "not_entered": paper.figures(session, round_id)["not_returned"] if step == "close" else 0,
        "unsettled_words": paper.WORDS,
        "paused": call_in.paused_decision_for_round(session, round_id) if step == "open" else None,
        "form": form or {"grace_minutes": f"{_grace_seconds(request) / 60:g}"},
        "error": error, "errors": {error.field: error.message} if error and error.field else {},
    }, status_code=error.status_code if error else 200)


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/open")
def confirm_open(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    return _confirm_page(request, session, staff, round_id, "open")


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/close")
def confirm_close(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    return _confirm_page(request, session, staff, round_id, "close")


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/publish")
def confirm_publish(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    return _confirm_page(request, session, staff, round_id, "publish")


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/preview")
def preview_count(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    """The count as it would be published, for the chair's eyes only: nothing is stored or revealed."""
    voting_round, _ = require_round_role(session, staff, round_id, CHAIR)
    if voting_round.vote_status != VoteStatus.closed:
        return _confirm_page(request, session, staff, round_id, "publish", Conflict(
            "The count can be previewed once voting has closed and before the results are published."))
    outcome = service.count_ballot_box(session, voting_round)
    outcome["projects"].sort(key=lambda p: (not p["selected"], -p["support"], p["id"]))
    return render(request, "voting/chair_preview.html", {
        "round": voting_round, "outcome": outcome, "show_reasons": True,
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
    }, headers={"Cache-Control": "no-store"})


# --- the steps -----------------------------------------------------------------------------------

def _chair_step(request: Request, db, staff, round_id: int, step: str, do, form: dict | None = None):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, CHAIR)
            done = do(session, actor)
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _confirm_page(request, session, staff, round_id, step, error, form)
    return RedirectResponse(f"/manage/rounds/{round_id}?done={done}", status_code=303)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/open", dependencies=[CsrfChecked])
def open_vote(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    def do(session, actor):
        service.open_vote(session, actor, round_id)
        return "Voting+is+open"
    return _chair_step(request, db, staff, round_id, "open", do)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/close", dependencies=[CsrfChecked])
def close_vote(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
               grace_minutes: Annotated[str, Form()] = ""):
    def do(session, actor):
        seconds = _grace_seconds(request) if not grace_minutes.strip() else _minutes(grace_minutes)
        voting_round = service.start_closing(session, actor, round_id, seconds)
        return "Voting+is+closing" if voting_round.is_closing else "Voting+is+closed"
    return _chair_step(request, db, staff, round_id, "close", do, {"grace_minutes": grace_minutes})


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/close/now", dependencies=[CsrfChecked])
def close_vote_now(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    """End the grace period early, once the ballots in progress are in."""
    def do(session, actor):
        # Already closed (a second press, or the grace period ran out) says so truly; an open vote
        # that is not closing is not closed by this button.
        closed_now = service.finish_closing(session, actor, round_id) is not None
        if not closed_now and governance_repo.get_round(session, round_id).vote_status == VoteStatus.open:
            raise Conflict("Voting is open and not closing: close it with “Close voting” first.")
        return "Voting+is+closed"
    return _chair_step(request, db, staff, round_id, "close", do)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/publish", dependencies=[CsrfChecked])
def publish_results(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    def do(session, actor):
        service.publish_results(session, actor, round_id)
        return "Results+published"
    return _chair_step(request, db, staff, round_id, "publish", do)


def _minutes(text: str) -> int:
    try:
        minutes = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput("Enter the time to finish in minutes, for example 2.", field="grace_minutes") from None
    if not 0 <= minutes <= 30:
        raise InvalidInput("The time to finish must be between 0 and 30 minutes.", field="grace_minutes")
    return round(minutes * 60)
