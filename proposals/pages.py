"""Residents' and public proposal pages, the officers' review pages, and the open-data list.

Routes are thin: they read the form, call proposals.service, and render. Who may call each:
see the report in the branch's final commit and each route's docstring."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from pydantic import Field as PydanticField
from starlette.datastructures import UploadFile

from core import access, i18n
from core.errors import InvalidInput, NotFound, PlatformError
from core.i18n import N_
from core.numbers import parse_money, parse_whole
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import interests
from governance import repository as governance_repo
from governance.models import PUBLIC_PHASE_WORDS, Phase, Role
from governance.permissions import (
    CurrentStaff,
    MaybeStaff,
    require_partnership_role,
    require_round_role,
    role_on_round,
)
from proposals import repository, service
from proposals.models import ProposalStatus
from proposals.service import CATEGORIES, Photo, ProposalContent
from residents.permissions import CurrentResident, MaybeResident

router = APIRouter()
api_router = APIRouter(prefix="/api/v1")

# Who reviews, costs, merges and moderates proposals: officers, the chair, and partnership members.
REVIEWS_PROPOSALS = frozenset({Role.officer, Role.chair, Role.member})
# Who types in a resident's paper proposal form.
TYPES_PAPER_FORMS = frozenset({Role.officer, Role.chair})
TEXT_FIELDS = ("title", "summary", "description", "location", "delivered_by", "org_number", "category")
MIN_COST_ROWS = 5


def _errors(error: PlatformError | None) -> dict[str, str]:
    return {error.field: error.message} if error is not None and error.field else {}


def _refused(error: PlatformError) -> bool:
    return error.status_code in (401, 403, 404)


# --- reading forms -------------------------------------------------------------------------------

def _cost_rows(form) -> list[tuple[str, str]]:
    rows, n = [], 1
    while f"item_{n}" in form or f"amount_{n}" in form:
        item, amount = form.get(f"item_{n}", ""), form.get(f"amount_{n}", "")
        rows.append((item if isinstance(item, str) else "", amount if isinstance(amount, str) else ""))
        n += 1
        if n > 200:
            break
    return rows


def _cost_lines(rows: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """Rows left empty are skipped; a row with a description and no amount (or the reverse) is a mistake."""
    lines = []
    for n, (item, amount) in enumerate(rows, start=1):
        if not item.strip() and not amount.strip():
            continue
        if not amount.strip():
            raise InvalidInput(i18n.gettext("Cost line %(n)s needs an amount in pounds.", n=n), field=f"amount_{n}")
        lines.append((item, parse_money(amount, f"Cost line {n}'s amount", example="250", field=f"amount_{n}")))
    # Renumbered as kept, so messages about line n point at the nth filled row.
    return lines


def _stated_total(text: str) -> int | None:
    return parse_money(text, "The total", field="total") if text.strip() else None


def _form_dict(form) -> dict:
    data = {name: form.get(name, "") if isinstance(form.get(name, ""), str) else "" for name in TEXT_FIELDS}
    data["total"] = form.get("total", "") if isinstance(form.get("total", ""), str) else ""
    data["rows"] = _cost_rows(form)
    return data


def _content(data: dict) -> tuple[ProposalContent, int | None]:
    rows = [(i, a) for i, a in data["rows"] if i.strip() or a.strip()]
    content = ProposalContent(cost_lines=_cost_lines(rows), **{name: data[name] for name in TEXT_FIELDS})
    return content, _stated_total(data["total"])


async def _photo(form) -> Photo | None:
    upload = form.get("photo")
    if isinstance(upload, UploadFile) and upload.filename:
        return Photo(await upload.read(), upload.filename)
    return None


def _form_from_proposal(proposal) -> dict:
    data = {name: str(getattr(proposal, name)) for name in TEXT_FIELDS}
    data["total"] = ""
    data["rows"] = [(line["item"], str(line["amount"])) for line in proposal.lines]
    return data


def _padded(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return rows + [("", "")] * max(MIN_COST_ROWS - len(rows), 2 if len(rows) >= MIN_COST_ROWS else 0)


# --- residents -----------------------------------------------------------------------------------

def _form_page(request: Request, session, round_id: int, *, form: dict, resident=None, proposal=None,
               error: PlatformError | None = None, action: str, on_behalf: bool = False):
    voting_round = governance_repo.get_round(session, round_id)
    return render(request, "proposals/form.html", {
        "round": voting_round, "form": {**form, "rows": _padded(form.get("rows", []))}, "resident": resident,
        "proposal": proposal, "error": error, "errors": _errors(error), "categories": CATEGORIES,
        "action": action, "on_behalf": on_behalf, "opens": PUBLIC_PHASE_WORDS[Phase.involve],
        "stage": voting_round.public_stage, "photo_limit_mb": service.PHOTO_LIMIT // 1024 // 1024,
        "can_submit": "submit_proposals" in voting_round.flags,
    }, status_code=error.status_code if error else 200)


@access.public
@router.get("/rounds/{round_id}/proposals/new")
def new_proposal_page(request: Request, round_id: int, session: SessionDep, resident: MaybeResident):
    """Anyone may read it; the form is for a signed-in resident while the round collects ideas."""
    return _form_page(request, session, round_id, form={}, resident=resident,
                      action=f"/rounds/{round_id}/proposals/new")


@access.resident
@router.post("/rounds/{round_id}/proposals/new", dependencies=[CsrfChecked])
async def create_proposal(request: Request, round_id: int, db: DatabaseDep, resident: CurrentResident):
    """A signed-in resident saves a draft or submits."""
    form = await request.form()
    data, photo, submit = _form_dict(form), await _photo(form), form.get("action") == "submit"
    resident_id, name = resident.id, resident.shown_name

    def save():
        try:
            content, total = _content(data)
            with db.session(write=True) as session:
                proposal = service.create_by_resident(session, round_id=round_id, proposer_id=resident_id,
                                                      proposer_name=name, content=content, stated_total=total,
                                                      photo=photo, submit=submit)
                proposal_id = proposal.id
        except PlatformError as error:
            if _refused(error):
                raise
            with db.session() as session:
                return _form_page(request, session, round_id, form=data, resident=resident, error=error,
                                  action=f"/rounds/{round_id}/proposals/new")
        done = "Submitted" if submit else "Draft saved"
        return RedirectResponse(f"/rounds/{round_id}/proposals/{proposal_id}?done={done}", status_code=303)

    return await run_in_threadpool(save)


@access.resident
@router.get("/rounds/{round_id}/proposals/{proposal_id}/edit")
def edit_proposal_page(request: Request, round_id: int, proposal_id: int, session: SessionDep,
                       resident: CurrentResident):
    """The proposer only."""
    proposal = _own(session, round_id, proposal_id, resident.id)
    return _form_page(request, session, round_id, form=_form_from_proposal(proposal), resident=resident,
                      proposal=proposal, action=f"/rounds/{round_id}/proposals/{proposal_id}/edit")


def _own(session, round_id: int, proposal_id: int, resident_id: int):
    proposal = repository.get_proposal(session, round_id, proposal_id)
    if proposal.proposer_id != resident_id:
        raise NotFound(f"There is no proposal {proposal_id} of yours on this round.")
    return proposal


@access.resident
@router.post("/rounds/{round_id}/proposals/{proposal_id}/edit", dependencies=[CsrfChecked])
async def edit_proposal(request: Request, round_id: int, proposal_id: int, db: DatabaseDep,
                        resident: CurrentResident):
    """The proposer only: save, or submit (again, after changes were asked for)."""
    form = await request.form()
    data, photo, submit = _form_dict(form), await _photo(form), form.get("action") == "submit"
    resident_id = resident.id

    def save():
        try:
            content, total = _content(data)
            with db.session(write=True) as session:
                service.edit_by_resident(session, round_id=round_id, proposal_id=proposal_id, proposer_id=resident_id,
                                         content=content, stated_total=total, photo=photo, submit=submit)
        except PlatformError as error:
            if _refused(error):
                raise
            with db.session() as session:
                proposal = _own(session, round_id, proposal_id, resident_id)
                return _form_page(request, session, round_id, form=data, resident=resident, proposal=proposal,
                                  error=error, action=f"/rounds/{round_id}/proposals/{proposal_id}/edit")
        return RedirectResponse(f"/rounds/{round_id}/proposals/{proposal_id}?done="
                                f"{'Submitted' if submit else 'Saved'}", status_code=303)

    return await run_in_threadpool(save)


@access.resident
@router.post("/rounds/{round_id}/proposals/{proposal_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_proposal(request: Request, round_id: int, proposal_id: int, db: DatabaseDep,
                      resident: CurrentResident):
    """The proposer only."""
    try:
        with db.session(write=True) as session:
            service.withdraw_by_resident(session, round_id=round_id, proposal_id=proposal_id,
                                         proposer_id=resident.id)
    except PlatformError as error:
        if _refused(error):
            raise
        with db.session() as session:
            return _show(request, session, round_id, proposal_id, resident=resident, staff=None, error=error)
    return RedirectResponse(f"/rounds/{round_id}/proposals/{proposal_id}?done=Withdrawn", status_code=303)


@access.resident
@router.post("/rounds/{round_id}/proposals/{proposal_id}/messages", dependencies=[CsrfChecked])
def proposer_message(request: Request, round_id: int, proposal_id: int, db: DatabaseDep,
                     resident: CurrentResident, body: Annotated[str, Form()] = ""):
    """The proposer writes to the officers."""
    from residents.service import actor_for as resident_actor

    try:
        with db.session(write=True) as session:
            service.post_message(session, resident_actor(resident), round_id=round_id, proposal_id=proposal_id,
                                 author=f"{resident.shown_name} (proposer)", body=body, proposer_id=resident.id)
    except PlatformError as error:
        if _refused(error):
            raise
        with db.session() as session:
            return _show(request, session, round_id, proposal_id, resident=resident, staff=None, error=error,
                         message=body)
    return RedirectResponse(f"/rounds/{round_id}/proposals/{proposal_id}?done=Message+sent#messages",
                            status_code=303)


# --- public pages ---------------------------------------------------------------------------------

def _versions_view(versions) -> list[dict]:
    """Each version with what changed since the one before."""
    out, before = [], None
    for version in versions:
        data = version.data
        changed = [] if before is None else [k for k in data if data.get(k) != before.get(k)]
        out.append({"number": version.number, "author": version.author, "note": version.note,
                    "at": version.created_at, "data": data, "changed": changed})
        before = data
    return list(reversed(out))


def _sees_hidden(session, staff, round_id: int) -> bool:
    """Whether a staff member sees a hidden proposal: a reviewer or scrutiny member of the round's
    partnership, or an admin (not any staff member of any partnership)."""
    if staff is None:
        return False
    try:
        role_on_round(session, staff, governance_repo.get_round(session, round_id), REVIEWS_PROPOSALS | {Role.scrutiny})
    except PlatformError:
        return False
    return True


def _show(request: Request, session, round_id: int, proposal_id: int, *, resident, staff,
          error: PlatformError | None = None, message: str = ""):
    voting_round = governance_repo.get_round(session, round_id)
    proposal = repository.get_proposal(session, round_id, proposal_id)
    is_proposer = resident is not None and proposal.proposer_id == resident.id
    is_staff = _sees_hidden(session, staff, round_id)
    if proposal.status == ProposalStatus.draft and not is_proposer:
        raise NotFound(f"There is no proposal {proposal_id} on this round.")
    hidden = bool(proposal.hidden_reason) and not (is_proposer or is_staff)
    merged_into = (repository.get_proposal(session, round_id, proposal.merged_into_id)
                   if proposal.merged_into_id else None)
    return render(request, "proposals/show.html", {
        "round": voting_round, "proposal": proposal, "hidden": hidden, "is_proposer": is_proposer,
        "is_staff": is_staff, "credited": service.credited(session, proposal, public=True), "merged_into": merged_into,
        "merged_in": repository.merged_into(session, proposal.id),
        "versions": [] if hidden else _versions_view(repository.versions(session, proposal.id)),
        "messages": repository.messages(session, proposal.id) if (is_proposer or is_staff) else [],
        "photo": None if hidden else repository.photo(session, proposal.id),
        "declarations": [d for d in interests.declarations_for_partnership(session, voting_round.partnership_id)
                         if d["proposal_id"] == proposal.id or (
                             d["organisation"] and proposal.delivered_by and interests.organisation_key(
                                 d["organisation"]) == interests.organisation_key(proposal.delivered_by))],
        "editable": is_proposer and proposal.status in service.EDITABLE_BY_PROPOSER
        and voting_round.vote_status == "draft",
        "withdrawable": is_proposer and proposal.status not in (
            ProposalStatus.withdrawn, ProposalStatus.merged, ProposalStatus.on_ballot, ProposalStatus.funded)
        and voting_round.vote_status == "draft",
        "done": _done_words(request), "error": error, "errors": _errors(error), "message": message,
    }, status_code=error.status_code if error else 200)


# What the proposer is told after a step (?done=...), shown in the page's language.
DONE_WORDS = (N_("Submitted"), N_("Draft saved"), N_("Saved"), N_("Withdrawn"), N_("Message sent"))


def _done_words(request: Request) -> str | None:
    done = request.query_params.get("done")
    return i18n.translate(done) if done else None


@access.public
@router.get("/rounds/{round_id}/proposals/{proposal_id}")
def proposal_page(request: Request, round_id: int, proposal_id: int, session: SessionDep,
                  resident: MaybeResident, staff: MaybeStaff):
    """Anyone (a draft: its proposer only). The proposer and staff also see the reason and messages."""
    return _show(request, session, round_id, proposal_id, resident=resident, staff=staff)


@access.public
@router.get("/rounds/{round_id}/proposals/{proposal_id}/photo")
def proposal_photo(round_id: int, proposal_id: int, session: SessionDep, resident: MaybeResident,
                   staff: MaybeStaff):
    """Anyone, for a listed proposal that is not hidden; the proposer for their own draft or hidden
    proposal; the round's partnership's reviewers and scrutiny for a hidden one (as on its page)."""
    proposal = repository.get_proposal(session, round_id, proposal_id)
    own = resident is not None and proposal.proposer_id == resident.id
    photo = repository.photo(session, proposal_id)
    if photo is None or (proposal.status == ProposalStatus.draft and not own) or (
            proposal.hidden_reason and not own and not _sees_hidden(session, staff, round_id)):
        raise NotFound("This proposal has no photo.")
    return Response(photo.data, media_type=photo.content_type,
                    headers={"Cache-Control": "private, max-age=300", "Content-Disposition": "inline"})


@access.public
@router.get("/rounds/{round_id}/proposals")
def proposals_list(request: Request, round_id: int, session: SessionDep, resident: MaybeResident):
    """Anyone: every proposal but drafts and hidden ones, and the partnership's register of interests."""
    voting_round = governance_repo.get_round(session, round_id)
    return render(request, "proposals/list.html", {
        "round": voting_round, "proposals": repository.public_for_round(session, round_id),
        "mine": repository.of_proposer(session, round_id, resident.id) if resident else [],
        "can_submit": "submit_proposals" in voting_round.flags,
        "declarations": interests.declarations_for_partnership(session, voting_round.partnership_id),
    })


class CostLineOut(BaseModel):
    item: str
    amount: int


class ProposalOut(BaseModel):
    id: int
    title: str
    status: str = PydanticField(description="submitted, needs_changes, eligible, ineligible, withdrawn, merged, "
                                            "on_ballot or funded (drafts are never listed)")
    cost: int
    cost_lines: list[CostLineOut]
    delivered_by: str


@access.public
@api_router.get("/rounds/{round_id}/proposals", response_model=list[ProposalOut])
def proposals_api(round_id: int, session: SessionDep):
    """Open data: the public proposals of a round (drafts and hidden ones never listed)."""
    governance_repo.get_round(session, round_id)
    return [{"id": p.id, "title": p.title, "status": p.status, "cost": p.cost, "cost_lines": p.lines,
             "delivered_by": p.delivered_by} for p in repository.public_for_round(session, round_id)]


# --- officers ------------------------------------------------------------------------------------

@access.staff_of(REVIEWS_PROPOSALS)
@router.get("/manage/rounds/{round_id}/proposals")
def review_list(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    """Officers, the chair and members of the round's partnership (admins too)."""
    voting_round, actor = require_round_role(session, staff, round_id, REVIEWS_PROPOSALS)
    proposals = [p for p in repository.for_round(session, round_id) if p.status != ProposalStatus.draft]
    return render(request, "proposals/review_list.html", {
        "round": voting_round, "proposals": proposals, "done": request.query_params.get("done"),
        "interested": {p.id for p in proposals if interests.has_interest(session, staff, p)},
        "mine": interests.declarations_of(session, staff.id, voting_round.partnership_id),
    })


def _review_page(request: Request, session, staff, round_id: int, proposal_id: int, *,
                 error: PlatformError | None = None, form: dict | None = None):
    voting_round, actor = require_round_role(session, staff, round_id, REVIEWS_PROPOSALS)
    proposal = repository.get_proposal(session, round_id, proposal_id)
    if proposal.status == ProposalStatus.draft:
        raise NotFound(f"There is no proposal {proposal_id} on this round.")
    declaration = interests.has_interest(session, staff, proposal)
    rows = (form or {}).get("rows") or [(line["item"], str(line["amount"])) for line in proposal.lines]
    return render(request, "proposals/review.html", {
        "round": voting_round, "proposal": proposal, "role": actor.role,
        "declaration": declaration,
        "interest_message": interests.refusal(session, declaration, "review, cost, merge, moderate or decide on")
        if declaration else "",
        "credited": service.credited(session, proposal, public=False),
        "merged_in": repository.merged_into(session, proposal.id),
        "others": [p for p in repository.for_round(session, round_id) if p.id != proposal.id
                   and p.status in service.MERGEABLE and not p.merged_into_id],
        "messages": repository.messages(session, proposal.id),
        "versions": _versions_view(repository.versions(session, proposal.id)),
        "open_to_change": voting_round.vote_status == "draft", "form": form or {},
        "rows": _padded(list(rows)), "error": error, "errors": _errors(error),
        "done": request.query_params.get("done"),
    }, status_code=error.status_code if error else 200)


@access.staff_of(REVIEWS_PROPOSALS)
@router.get("/manage/rounds/{round_id}/proposals/{proposal_id}")
def review_page(request: Request, round_id: int, proposal_id: int, session: SessionDep, staff: CurrentStaff):
    """Officers, the chair and members of the round's partnership (admins too)."""
    return _review_page(request, session, staff, round_id, proposal_id)


def _officer_step(request: Request, db, staff, round_id: int, proposal_id: int, step, form: dict, done: str,
                  anchor: str = ""):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, REVIEWS_PROPOSALS)
            step(session, actor)
    except PlatformError as error:
        if error.status_code in (401, 404):
            raise
        with db.session() as session:
            return _review_page(request, session, staff, round_id, proposal_id, error=error, form=form)
    return RedirectResponse(f"/manage/rounds/{round_id}/proposals/{proposal_id}?done={done}{anchor}",
                            status_code=303)


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/review", dependencies=[CsrfChecked])
def review(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff,
           decision: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""):
    """Officers, the chair and members, without an interest in it."""
    return _officer_step(request, db, staff, round_id, proposal_id, lambda s, a: service.review_proposal(
        s, a, round_id=round_id, proposal_id=proposal_id, decision=decision, reason=reason),
        {"decision": decision, "reason": reason}, "Review+recorded")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/costs", dependencies=[CsrfChecked])
async def adjust_costs(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff):
    """Officers, the chair and members, without an interest in it."""
    form = await request.form()
    rows, note = _cost_rows(form), form.get("note", "") if isinstance(form.get("note", ""), str) else ""

    def step(session, actor):
        lines = _cost_lines([(i, a) for i, a in rows if i.strip() or a.strip()])
        service.adjust_costs(session, actor, round_id=round_id, proposal_id=proposal_id, cost_lines=lines,
                             note=note)

    return await run_in_threadpool(_officer_step, request, db, staff, round_id, proposal_id, step,
                                   {"rows": rows, "note": note}, "Costs+adjusted")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/merge", dependencies=[CsrfChecked])
def merge(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff,
          into_id: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""):
    """Officers, the chair and members, without an interest in either proposal."""
    def step(session, actor):
        target = parse_whole(into_id, "The proposal to merge into", low=1, high=2**31 - 1, field="into_id")
        service.merge_proposals(session, actor, round_id=round_id, proposal_id=proposal_id, into_id=target, note=note)

    return _officer_step(request, db, staff, round_id, proposal_id, step, {"into_id": into_id, "merge_note": note},
                         "Merged")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/unmerge", dependencies=[CsrfChecked])
def unmerge(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff):
    """Officers, the chair and members, without an interest in either proposal."""
    return _officer_step(request, db, staff, round_id, proposal_id, lambda s, a: service.unmerge_proposal(
        s, a, round_id=round_id, proposal_id=proposal_id), {}, "Merge+undone")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/hide", dependencies=[CsrfChecked])
def hide(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff,
         hide_reason: Annotated[str, Form()] = ""):
    """Officers, the chair and members, without an interest in it."""
    return _officer_step(request, db, staff, round_id, proposal_id, lambda s, a: service.hide_proposal(
        s, a, round_id=round_id, proposal_id=proposal_id, reason=hide_reason), {"hide_reason": hide_reason},
        "Hidden")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/unhide", dependencies=[CsrfChecked])
def unhide(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff):
    """Officers, the chair and members, without an interest in it."""
    return _officer_step(request, db, staff, round_id, proposal_id, lambda s, a: service.unhide_proposal(
        s, a, round_id=round_id, proposal_id=proposal_id), {}, "Shown+again")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/messages", dependencies=[CsrfChecked])
def officer_message(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff,
                    body: Annotated[str, Form()] = ""):
    """Officers, the chair and members write to the proposer."""
    return _officer_step(request, db, staff, round_id, proposal_id, lambda s, a: service.post_message(
        s, a, round_id=round_id, proposal_id=proposal_id, author=f"{staff.display_name} ({a.role})", body=body),
        {"body": body}, "Message+sent", "#messages")


@access.staff_of(REVIEWS_PROPOSALS)
@router.post("/manage/rounds/{round_id}/proposals/{proposal_id}/interest", dependencies=[CsrfChecked])
def declare(request: Request, round_id: int, proposal_id: int, db: DatabaseDep, staff: CurrentStaff,
            subject: Annotated[str, Form()] = "proposal", description: Annotated[str, Form()] = ""):
    """Any member of the round's partnership declares an interest in this proposal or its organisation."""
    def step(session, actor):
        proposal = repository.get_proposal(session, round_id, proposal_id)
        voting_round = governance_repo.get_round(session, round_id)
        by_org = subject == "organisation"
        if by_org and not proposal.delivered_by:
            raise InvalidInput("This proposal names no organisation.", field="subject")
        interests.declare_interest(session, actor, partnership_id=voting_round.partnership_id, staff_id=staff.id,
                                   proposal_id=None if by_org else proposal.id,
                                   organisation=proposal.delivered_by if by_org else "", description=description)

    return _officer_step(request, db, staff, round_id, proposal_id, step,
                         {"subject": subject, "interest": description}, "Interest+declared")


@access.staff_of(frozenset(Role))
@router.post("/manage/interests/{declaration_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_interest(declaration_id: int, db: DatabaseDep, staff: CurrentStaff,
                      back: Annotated[str, Form()] = "/manage"):
    """The staff member who declared it."""
    with db.session(write=True) as session:
        declaration = session.get(interests.Declaration, declaration_id) if 1 <= declaration_id < 2**31 else None
        if declaration is None:
            raise NotFound("There is no such declaration.")
        actor = require_partnership_role(session, staff, declaration.partnership_id, frozenset(Role))
        interests.withdraw_declaration(session, actor, declaration_id=declaration_id, staff_id=staff.id)
    target = back if back.startswith("/manage") else "/manage"
    return RedirectResponse(f"{target}?done=Declaration+withdrawn", status_code=303)


@access.staff_of(TYPES_PAPER_FORMS)
@router.get("/manage/rounds/{round_id}/proposals/paper/new")
def paper_form_page(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    """Officers and the chair type in a resident's paper form."""
    require_round_role(session, staff, round_id, TYPES_PAPER_FORMS)
    return _form_page(request, session, round_id, form={}, action=f"/manage/rounds/{round_id}/proposals/paper/new",
                      on_behalf=True)


@access.staff_of(TYPES_PAPER_FORMS)
@router.post("/manage/rounds/{round_id}/proposals/paper/new", dependencies=[CsrfChecked])
async def paper_form(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    """Officers and the chair."""
    form = await request.form()
    data = _form_dict(form)
    data["proposer_name"] = form.get("proposer_name", "") if isinstance(form.get("proposer_name", ""), str) else ""

    def save():
        try:
            with db.session(write=True) as session:
                _, actor = require_round_role(session, staff, round_id, TYPES_PAPER_FORMS)
                content, total = _content(data)
                proposal = service.enter_on_behalf(session, actor, round_id=round_id,
                                                   proposer_name=data["proposer_name"], content=content,
                                                   stated_total=total)
                proposal_id = proposal.id
        except PlatformError as error:
            if _refused(error):
                raise
            with db.session() as session:
                return _form_page(request, session, round_id, form=data, error=error, on_behalf=True,
                                  action=f"/manage/rounds/{round_id}/proposals/paper/new")
        return RedirectResponse(f"/manage/rounds/{round_id}/proposals/{proposal_id}?done=Entered", status_code=303)

    return await run_in_threadpool(save)
