"""The recipient organisation's page, opened from the link an officer sends: its grant, what it has
reported, and forms to add spend (with evidence), what the project delivered, milestones reached
and photos. No account: the link is the key, and it works for one grant until it expires or is
revoked. Every post answers with a redirect, so refreshing the page never sends an entry twice."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from core import access
from core.errors import PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from delivery import links, photos, repository, service
from governance import repository as governance_repo

router = APIRouter()

# The address holds the key: no cache may keep the page, and no other site learns it (the
# Referrer-Policy every answer carries already says no-referrer).
NO_STORE = {"Cache-Control": "no-store"}
FORMS = ("spend", "output", "milestone", "photo")


def today() -> date:
    return date.today()


def _page(request: Request, session, token: str, *, which: str = "", form: dict | None = None,
          error: PlatformError | None = None):
    link, grant = links.open_link(session, token)
    voting_round = governance_repo.get_round(session, grant.round_id)
    return render(request, "delivery/recipient.html", {
        "token": token, "link": link, "grant": grant, "round": voting_round,
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
        "summary": service.summarise(session, grant, today()), "spend": repository.spend_of(session, grant.id),
        "milestones": repository.milestones_of(session, grant.id), "outputs": repository.outputs_of(session, grant.id),
        "photos": repository.photos_of(session, grant.id), "ours": links.actor_for(link).ref, "today": today(),
        "which": which, "form": form or {}, "error": error,
        "errors": {error.field: error.message} if error and error.field else {},
        "done": request.query_params.get("done") if not error else None,
    }, status_code=error.status_code if error else 200, headers=NO_STORE)


@access.public
@router.get("/recipient/{token}")
def recipient_page(request: Request, token: str, session: SessionDep):
    """Whoever holds a working link: that grant's books, and the forms to report on it."""
    return _page(request, session, token)


def _step(request: Request, db, token: str, which: str, form: dict, do):
    """Run one report through the link's own actor; a refusal shows the page again with what was typed."""
    try:
        with db.session(write=True) as session:
            link, grant = links.open_link(session, token)
            do(session, links.actor_for(link), grant.id)
    except PlatformError as error:
        if error.status_code in (404, 410) and error.field is None:
            raise
        with db.session() as session:
            return _page(request, session, token, which=which, form=form, error=error)
    return RedirectResponse(f"/recipient/{token}?done={which}", status_code=303)


@access.public
@router.post("/recipient/{token}/spend", dependencies=[CsrfChecked])
async def recipient_spend(request: Request, token: str, db: DatabaseDep,
                          spent_on: Annotated[str, Form(max_length=40)] = "",
                          amount: Annotated[str, Form(max_length=40)] = "",
                          description: Annotated[str, Form(max_length=2000)] = "",
                          evidence: Annotated[UploadFile | None, File()] = None):
    content = await evidence.read() if evidence is not None and evidence.filename else None
    form = {"spent_on": spent_on, "amount": amount, "description": description}

    def do(session, actor, grant_id):
        # Never an override: only an officer may take the spend beyond the grant.
        service.record_spend(session, actor, grant_id, spent_on=spent_on, amount=amount, description=description,
                             today=today(), evidence=content)
    return await run_in_threadpool(_step, request, db, token, "spend", form, do)


@access.public
@router.post("/recipient/{token}/outputs", dependencies=[CsrfChecked])
def recipient_output(request: Request, token: str, db: DatabaseDep,
                     indicator: Annotated[str, Form(max_length=2000)] = "",
                     value: Annotated[str, Form(max_length=40)] = "", unit: Annotated[str, Form(max_length=400)] = "",
                     reported_on: Annotated[str, Form(max_length=40)] = ""):
    form = {"indicator": indicator, "value": value, "unit": unit, "reported_on": reported_on}
    return _step(request, db, token, "output", form, lambda session, actor, grant_id: service.add_output(
        session, actor, grant_id, indicator=indicator, value=value, unit=unit, reported_on=reported_on,
        today=today()))


@access.public
@router.post("/recipient/{token}/milestones/{milestone_id}/done", dependencies=[CsrfChecked])
def recipient_milestone(request: Request, token: str, milestone_id: int, db: DatabaseDep,
                        actual_on: Annotated[str, Form(max_length=40)] = ""):
    form = {"milestone_id": milestone_id, "actual_on": actual_on}
    return _step(request, db, token, "milestone", form, lambda session, actor, grant_id: service.complete_milestone(
        session, actor, grant_id, milestone_id, actual_on=actual_on, today=today()))


@access.public
@router.post("/recipient/{token}/photos", dependencies=[CsrfChecked])
async def recipient_photo(request: Request, token: str, db: DatabaseDep,
                          alt_text: Annotated[str, Form(max_length=2000)] = "",
                          photo: Annotated[UploadFile | None, File()] = None):
    content = await photo.read() if photo is not None and photo.filename else None
    form = {"alt_text": alt_text}
    return await run_in_threadpool(_step, request, db, token, "photo", form, lambda session, actor, grant_id:
                                   photos.add_photo(session, actor, grant_id, content=content, alt_text=alt_text))
