"""Delivery pages: the public page of a funded project, and the officer's books for its grant."""

import json
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from core import access
from core.errors import NotFound, PlatformError
from core.numbers import MAX_ID
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from delivery import dashboard, giving360, links, photos, repository, service
from delivery.permissions import KEEPS_BOOKS, OVERRIDES_SPEND
from delivery.service import GrantForm
from governance import repository as governance_repo
from governance.models import StaffAccount, utcnow
from governance.permissions import CurrentStaff, require_round_role
from proposals import repository as proposals_repo
from voting import certification
from voting import repository as voting_repo
from voting.export import csv_text

router = APIRouter()


def today() -> date:
    return date.today()


def _project_context(session, grant_id: int) -> dict:
    grant = repository.get_grant(session, grant_id)
    voting_round = governance_repo.get_round(session, grant.round_id)
    return {"grant": grant, "round": voting_round,
            "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
            "summary": service.summarise(session, grant, today()),
            "spend": repository.spend_of(session, grant.id), "milestones": repository.milestones_of(session, grant.id),
            "outputs": repository.outputs_of(session, grant.id), "outcomes": repository.outcomes_of(session, grant.id),
            "public_photos": repository.photos_of(session, grant.id, shown_only=True), "today": today()}


@access.public
@router.get("/projects/{grant_id}")
def project_page(request: Request, grant_id: int, session: SessionDep):
    """Anyone: what was promised, the money spent so far, milestones, outputs and estimated outcomes."""
    return render(request, "delivery/project.html", _project_context(session, grant_id))


@access.public
@router.get("/projects/{grant_id}/photos/{photo_id}")
def project_photo(grant_id: int, photo_id: int, session: SessionDep):
    """Anyone, for a photo an officer has let onto the public page."""
    return _photo_response(session, grant_id, photo_id, shown_only=True)


def _photo_response(session, grant_id: int, photo_id: int, *, shown_only: bool) -> Response:
    grant = repository.get_grant(session, grant_id)
    photo = repository.photo_of(session, grant.id, photo_id)
    file = repository.photo_file(session, photo_id) if photo is not None else None
    if file is None or (shown_only and photo.status != "shown"):
        raise NotFound("This project has no such photo.")
    # Served from the database with the type its bytes showed, never from static/; nosniff is on every answer.
    return Response(file.content, media_type=photo.media_type,
                    headers={"Cache-Control": "no-store" if not shown_only else "public, max-age=300",
                             "Content-Disposition": "inline"})


@access.public
@router.get("/rounds/{round_id}/360giving.json")
def giving360_package(request: Request, round_id: int, session: SessionDep):
    """Anyone: a certified round's awards as a 360Giving data package."""
    text = giving360.giving360_for_round(session, round_id, base_url=request.app.state.settings.public_url)
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="round-{round_id}-360giving.json"'})


def _filters(partnership: str, year: str) -> tuple[int | None, int | None]:
    """Filters come from a plain GET form; anything that is not a number means "all"."""
    def number(text: str, high: int) -> int | None:
        text = text.strip()
        return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 9 and int(text) <= high else None
    return number(partnership, MAX_ID), number(year, 9999)


@access.public
@router.get("/dashboard")
def council_dashboard(request: Request, session: SessionDep, partnership: str = "", year: str = ""):
    """Anyone: public money from allocation to spend, across partnerships; no personal data."""
    partnership_id, year_number = _filters(partnership, year)
    context = dashboard.build(session, partnership_id=partnership_id, year=year_number, today=today())
    context.update({"partnership_id": partnership_id, "year": year_number,
                    "query": urlencode({k: v for k, v in (("partnership", partnership_id), ("year", year_number))
                                        if v})})
    return render(request, "delivery/dashboard.html", context)


@access.public
@router.get("/dashboard/{table}.csv")
def council_dashboard_csv(table: str, session: SessionDep, partnership: str = "", year: str = ""):
    partnership_id, year_number = _filters(partnership, year)
    tables = {t.key: t for t in dashboard.build(session, partnership_id=partnership_id, year=year_number,
                                                today=today())["tables"]}
    if table not in tables:
        raise NotFound(f"The dashboard has no table called {table!r}.")
    return Response(csv_text([tables[table].columns, *tables[table].rows]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="dashboard-{table}.csv"'})


# --- the officer's books ---------------------------------------------------------------------------

def _grants_page(request: Request, session, staff, round_id: int, error: PlatformError | None = None,
                 form: dict | None = None):
    voting_round, _ = require_round_role(session, staff, round_id, KEEPS_BOOKS)
    result = voting_repo.result_of(session, round_id)
    selected = json.loads(result.outcome)["selected"] if result else []
    by_id = {p.id: p for p in proposals_repo.on_ballot(session, round_id)}
    grants = {g.proposal_id: g for g in repository.grants_of_round(session, round_id)}
    return render(request, "delivery/grants.html", {
        "round": voting_round, "certified": certification.is_certified(session, round_id),
        "funded": [by_id[p] for p in selected if p in by_id], "grants": grants,
        "form": form or {}, "error": error, "errors": {error.field: error.message} if error and error.field else {},
    }, status_code=error.status_code if error else 200)


@access.staff_of(KEEPS_BOOKS)
@router.get("/manage/rounds/{round_id}/grants")
def grants_page(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    return _grants_page(request, session, staff, round_id)


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/rounds/{round_id}/grants", dependencies=[CsrfChecked])
def award_grant(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
                proposal_id: Annotated[int, Form()], recipient_name: Annotated[str, Form()] = "",
                recipient_id: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "",
                award_date: Annotated[str, Form()] = "", planned_start: Annotated[str, Form()] = "",
                planned_end: Annotated[str, Form()] = "", fund_source: Annotated[str, Form()] = "",
                conditions: Annotated[str, Form()] = ""):
    form = GrantForm(recipient_name, recipient_id, amount, award_date, planned_start, planned_end, fund_source,
                     conditions)
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, KEEPS_BOOKS)
            grant = service.award_grant(session, actor, round_id=round_id, proposal_id=proposal_id, form=form)
            grant_id = grant.id
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _grants_page(request, session, staff, round_id, error, {"proposal_id": proposal_id, **vars(form)})
    return RedirectResponse(f"/manage/grants/{grant_id}", status_code=303)


def _grant_page(request: Request, session, staff, grant_id: int, error: PlatformError | None = None,
                form: dict | None = None, which: str = ""):
    grant = repository.get_grant(session, grant_id)
    _, actor = require_round_role(session, staff, grant.round_id, KEEPS_BOOKS)
    context = _project_context(session, grant_id)
    # A new link's token is shown once, on the page the officer is sent to after making it (kept in the
    # signed session cookie of the officer's own browser for that one redirect, then dropped).
    new_link = request.session.pop("recipient_link", None)
    now = utcnow()
    context.update({"actor": actor, "can_withdraw": service.may_withdraw_spend(actor),
                    "form": form or {}, "which": which, "error": error,
                    "who": _who_entered(session, context["spend"]), "photos": repository.photos_of(session, grant.id),
                    "links": [(link, links.state(link, now)) for link in repository.links_of(session, grant.id)],
                    "new_link": links.link_address(request.app.state.settings.public_url, new_link["token"])
                    if new_link and new_link.get("grant") == grant.id else None,
                    "errors": {error.field: error.message} if error and error.field else {}})
    return render(request, "delivery/grant.html", context, status_code=error.status_code if error else 200,
                  headers={"Cache-Control": "no-store"})


def _who_entered(session, entries) -> dict[str, str]:
    """Who entered each ledger line, for the officer: a staff member by name, the recipient by its link."""
    words = {}
    for ref in {e.entered_by for e in entries}:
        kind, _, number = ref.partition(":")
        if kind == "link":
            words[ref] = f"Recipient organisation (link {number})"
        elif kind == "staff" and number.isdigit() and (staff := session.get(StaffAccount, int(number))) is not None:
            words[ref] = staff.display_name
    return words


@access.staff_of(KEEPS_BOOKS)
@router.get("/manage/grants/{grant_id}")
def grant_page(request: Request, grant_id: int, session: SessionDep, staff: CurrentStaff):
    return _grant_page(request, session, staff, grant_id)


def _books_step(request: Request, db, staff, grant_id: int, which: str, form: dict, do):
    try:
        with db.session(write=True) as session:
            grant = repository.get_grant(session, grant_id)
            _, actor = require_round_role(session, staff, grant.round_id, KEEPS_BOOKS)
            do(session, actor)
    except PlatformError as error:
        if error.status_code in (401, 404):
            raise
        with db.session() as session:
            return _grant_page(request, session, staff, grant_id, error, form, which)
    return RedirectResponse(f"/manage/grants/{grant_id}?done={which}", status_code=303)


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/spend", dependencies=[CsrfChecked])
async def record_spend(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff,
                       spent_on: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "",
                       description: Annotated[str, Form()] = "", override: Annotated[str, Form()] = "",
                       evidence: Annotated[UploadFile | None, File()] = None):
    content = await evidence.read() if evidence is not None and evidence.filename else None
    form = {"spent_on": spent_on, "amount": amount, "description": description, "override": override}

    def do(session, actor):
        service.record_spend(session, actor, grant_id, spent_on=spent_on, amount=amount, description=description,
                             today=today(), evidence=content, override=override == "yes")
    return await run_in_threadpool(_books_step, request, db, staff, grant_id, "spend", form, do)


@access.staff_of(OVERRIDES_SPEND)
@router.post("/manage/grants/{grant_id}/spend/{spend_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_spend(request: Request, grant_id: int, spend_id: int, db: DatabaseDep, staff: CurrentStaff,
                   reason: Annotated[str, Form()] = ""):
    """An officer withdraws a line entered in error; it stays on the ledger, struck through."""
    with db.session() as session:  # a chair keeps the books but does not correct them: refused outright
        require_round_role(session, staff, repository.get_grant(session, grant_id).round_id, OVERRIDES_SPEND)
    return _books_step(request, db, staff, grant_id, "withdraw", {"reason": reason, "spend_id": spend_id},
                       lambda session, actor: service.withdraw_spend(session, actor, grant_id, spend_id,
                                                                     reason=reason))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/return-underspend", dependencies=[CsrfChecked])
def return_underspend(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _books_step(request, db, staff, grant_id, "return", {},
                       lambda session, actor: service.return_underspend(session, actor, grant_id, today=today()))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/milestones", dependencies=[CsrfChecked])
def add_milestone(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff,
                  title: Annotated[str, Form()] = "", planned_on: Annotated[str, Form()] = "",
                  actual_on: Annotated[str, Form()] = ""):
    return _books_step(request, db, staff, grant_id, "milestone",
                       {"title": title, "planned_on": planned_on, "actual_on": actual_on},
                       lambda session, actor: service.add_milestone(session, actor, grant_id, title=title,
                                                                    planned_on=planned_on, actual_on=actual_on,
                                                                    today=today()))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/outputs", dependencies=[CsrfChecked])
def add_output(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff,
               indicator: Annotated[str, Form()] = "", value: Annotated[str, Form()] = "",
               unit: Annotated[str, Form()] = "", reported_on: Annotated[str, Form()] = ""):
    return _books_step(request, db, staff, grant_id, "output",
                       {"indicator": indicator, "value": value, "unit": unit, "reported_on": reported_on},
                       lambda session, actor: service.add_output(session, actor, grant_id, indicator=indicator,
                                                                 value=value, unit=unit, reported_on=reported_on,
                                                                 today=today()))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/outcomes", dependencies=[CsrfChecked])
def add_outcome(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff,
                savings_per_year: Annotated[str, Form()] = "", source: Annotated[str, Form()] = "",
                method: Annotated[str, Form()] = ""):
    return _books_step(request, db, staff, grant_id, "outcome",
                       {"savings_per_year": savings_per_year, "source": source, "method": method},
                       lambda session, actor: service.add_outcome(session, actor, grant_id,
                                                                  savings_per_year=savings_per_year, source=source,
                                                                  method=method))


@access.staff_of(KEEPS_BOOKS)
@router.get("/manage/grants/{grant_id}/spend/{spend_id}/evidence")
def evidence(grant_id: int, spend_id: int, session: SessionDep, staff: CurrentStaff):
    """Evidence (invoices, receipts) may name people: for the partnership's officers and chair only."""
    grant = repository.get_grant(session, grant_id)
    require_round_role(session, staff, grant.round_id, KEEPS_BOOKS)
    file = repository.evidence_of(session, spend_id)
    entry = next((e for e in repository.spend_of(session, grant_id) if e.id == spend_id), None)
    if file is None or entry is None:
        raise NotFound("There is no evidence file for this entry.")
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[file.media_type]
    return Response(file.content, media_type=file.media_type, headers={
        "Content-Disposition": f'attachment; filename="grant-{grant_id}-spend-{spend_id}.{extension}"'})


# --- links for the recipient, and photos --------------------------------------------------------------

@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/links", dependencies=[CsrfChecked])
def issue_link(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff,
               days: Annotated[str, Form(max_length=40)] = str(links.DEFAULT_DAYS)):
    def do(session, actor):
        _, token = links.issue_link(session, actor, grant_id, days=days)
        request.session["recipient_link"] = {"grant": grant_id, "token": token}
    return _books_step(request, db, staff, grant_id, "link", {"days": days}, do)


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/links/{link_id}/revoke", dependencies=[CsrfChecked])
def revoke_link(request: Request, grant_id: int, link_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _books_step(request, db, staff, grant_id, "revoke", {},
                       lambda session, actor: links.revoke_link(session, actor, grant_id, link_id))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/photos", dependencies=[CsrfChecked])
async def add_photo(request: Request, grant_id: int, db: DatabaseDep, staff: CurrentStaff,
                    alt_text: Annotated[str, Form(max_length=2000)] = "",
                    photo: Annotated[UploadFile | None, File()] = None):
    content = await photo.read() if photo is not None and photo.filename else None
    return await run_in_threadpool(_books_step, request, db, staff, grant_id, "photo", {"alt_text": alt_text},
                                   lambda session, actor: photos.add_photo(session, actor, grant_id, content=content,
                                                                           alt_text=alt_text))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/photos/{photo_id}/show", dependencies=[CsrfChecked])
def show_photo(request: Request, grant_id: int, photo_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _books_step(request, db, staff, grant_id, "photo-shown", {},
                       lambda session, actor: photos.show_photo(session, actor, grant_id, photo_id))


@access.staff_of(KEEPS_BOOKS)
@router.post("/manage/grants/{grant_id}/photos/{photo_id}/remove", dependencies=[CsrfChecked])
def remove_photo(request: Request, grant_id: int, photo_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _books_step(request, db, staff, grant_id, "photo-removed", {},
                       lambda session, actor: photos.remove_photo(session, actor, grant_id, photo_id))


@access.staff_of(KEEPS_BOOKS)
@router.get("/manage/grants/{grant_id}/photos/{photo_id}")
def photo_for_review(grant_id: int, photo_id: int, session: SessionDep, staff: CurrentStaff):
    """The partnership's officers and chair see a photo the recipient sent before it is public."""
    grant = repository.get_grant(session, grant_id)
    require_round_role(session, staff, grant.round_id, KEEPS_BOOKS)
    return _photo_response(session, grant_id, photo_id, shown_only=False)
