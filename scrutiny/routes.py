"""The audit trail's pages, queries to the chair, and the privacy and accessibility statements."""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import Conflict, InvalidInput, NotFound, PlatformError
from core.numbers import MAX_ID, id_or_none, parse_whole
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import StaffAccount
from governance.permissions import CurrentStaff, MaybeStaff, require_partnership_role
from scrutiny import permissions, repository, service

router = APIRouter()


# --- the trail -----------------------------------------------------------------------------------

def _whole_or_none(text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    # ASCII digits within an id's range: "²" and 5,000-digit pages were server errors (found from outside)
    return parse_whole(text, label, high=MAX_ID, example="2")


def _date_or_none(text: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{label} must be a date like 2026-11-27.") from None


def _pages(total: int) -> int:
    return max(1, -(-total // service.PAGE_SIZE))


@access.public
@router.get("/audit")
def audit_trail(request: Request, session: SessionDep, staff: MaybeStaff, round: str = "", partnership: str = "",
                action: str = "", role: str = "", date_from: str = "", date_to: str = "", subject: str = "",
                page: str = "1"):
    """Public: the trail; scrutiny members and admins also see the staff trail."""
    form = {"round": round, "partnership": partnership, "action": action, "role": role, "date_from": date_from,
            "date_to": date_to, "subject": subject}
    with_staff_trail = permissions.reads_staff_trail(session, staff)
    context = {"form": form, "staff_trail": with_staff_trail, "public_key": service.public_key_b64(),
               "rounds": governance_repo.list_rounds(session),
               "partnerships": governance_repo.list_partnerships(session),
               "actions": [(a, service.action_label(a)) for a in repository.actions_in_log(session)
                           if with_staff_trail or not repository.is_staff_trail(a)],
               "roles": [(r, service.role_label(r)) for r in repository.roles_in_log(session)],
               "entries": [], "total": 0, "page": 1, "pages": 1, "error": None, "chosen_round": None,
               "raise_about": None}
    try:
        trail = repository.TrailFilter(
            round_id=_whole_or_none(round, "Round"), partnership_id=_whole_or_none(partnership, "Partnership"),
            action=action.strip() or None, role=role.strip() or None,
            date_from=_date_or_none(date_from, "From"), date_to=_date_or_none(date_to, "To"),
            subject=subject.strip() or None)
        if trail.round_id is not None:
            context["chosen_round"] = governance_repo.get_round(session, trail.round_id)
        page_number = max(1, _whole_or_none(page, "Page") or 1)
        entries, total = repository.trail_page(session, trail, with_staff_trail=with_staff_trail,
                                               offset=(page_number - 1) * service.PAGE_SIZE, limit=service.PAGE_SIZE)
    except PlatformError as error:
        context["error"] = error.message
        return render(request, "scrutiny/audit.html", context, status_code=error.status_code)
    chosen = {k: v for k, v in form.items() if v}
    context.update(entries=service.show(session, entries), total=total, page=page_number, pages=_pages(total),
                   page_link=lambda n: "/audit?" + urlencode({**chosen, "page": n}),
                   raise_about=_raise_about(session, staff, trail))
    return render(request, "scrutiny/audit.html", context)


def _raise_about(session, staff: StaffAccount | None, trail: repository.TrailFilter) -> str | None:
    """The round or proposal a trail is narrowed to, when this person may raise a query on it."""
    about = f"round:{trail.round_id}" if trail.round_id is not None else trail.subject
    if not about or not about.startswith(("round:", "proposal:")):
        return None
    try:
        concern = service.concern_of(session, about)
    except PlatformError:
        return None
    return about if permissions.raises_queries_in(session, staff, concern.partnership_id) else None


@access.public
@router.get("/audit/history")
def history_fragment(request: Request, session: SessionDep, staff: MaybeStaff, subject: str = ""):
    """Public: the entries about one object, as a list for its page (loaded by htmx)."""
    subject = subject.strip()
    entries = []
    if subject:
        entries = repository.history(session, subject, with_staff_trail=permissions.reads_staff_trail(session, staff))
    return render(request, "components/history.html", {"history": service.show(session, entries),
                                                       "subject": subject})


# --- queries: a scrutiny member asks, the chair answers ------------------------------------------

def _queries_context(session, staff: StaffAccount | None, status: str) -> dict:
    open_only = {"open": True, "answered": False}.get(status)
    items = repository.queries(session, open_only=open_only)
    names = repository.staff_names(session, {q.raised_by for q in items} | {q.answered_by for q in items
                                                                             if q.answered_by is not None})
    return {"queries": items, "names": names, "status": status,
            "answers_for": permissions.answers_queries_in(session, staff),
            "may_raise": permissions.raises_queries_somewhere(session, staff),
            "form": {}, "error": None, "answer_error": None}


@access.public
@router.get("/audit/queries")
def queries_page(request: Request, session: SessionDep, staff: MaybeStaff, status: str = ""):
    """Public: every query and its answer."""
    return render(request, "scrutiny/queries.html", _queries_context(session, staff, status))


@access.staff_of(permissions.RAISES_QUERIES)
@router.post("/audit/queries", dependencies=[CsrfChecked])
def raise_query(request: Request, db: DatabaseDep, staff: CurrentStaff, about: Annotated[str, Form()] = "",
                question: Annotated[str, Form()] = ""):
    """A scrutiny member of the partnership concerned (or an admin)."""
    about = about.strip()
    try:
        with db.session(write=True) as session:
            concern = service.concern_of(session, about)
            actor = require_partnership_role(session, staff, concern.partnership_id, permissions.RAISES_QUERIES)
            item = service.raise_query(session, actor, staff, concern, question)
            query_id = item.id
    except InvalidInput as error:
        return _raise_refused(request, db, staff, about, question, error)
    target = f"/audit/{about.split(':')[1]}" if about.startswith("audit:") else "/audit/queries"
    return RedirectResponse(f"{target}#query-{query_id}", status_code=303)


def _raise_refused(request: Request, db, staff, about: str, question: str, error: PlatformError):
    """Back to the form the question came from, with what was typed."""
    with db.session() as session:
        if about.startswith("audit:") and (seq := id_or_none(about[6:])) is not None:
            try:
                context = _entry_context(session, staff, seq)
            except NotFound:
                context = None
            if context is not None:
                context.update(question=question, error=error.message)
                return render(request, "scrutiny/entry.html", context, status_code=error.status_code)
        context = _queries_context(session, staff, "")
        context.update(form={"about": about, "question": question}, error=error.message)
        return render(request, "scrutiny/queries.html", context, status_code=error.status_code)


@access.staff_of(permissions.ANSWERS_QUERIES)
@router.post("/audit/queries/{query_id}/answer", dependencies=[CsrfChecked])
def answer_query(request: Request, query_id: int, db: DatabaseDep, staff: CurrentStaff,
                 answer: Annotated[str, Form()] = ""):
    """The chair of the query's partnership (or an admin)."""
    try:
        with db.session(write=True) as session:
            item = service.get_query(session, query_id, for_update=True)
            actor = require_partnership_role(session, staff, item.partnership_id, permissions.ANSWERS_QUERIES)
            service.answer_query(session, actor, staff, item, answer)
    except (InvalidInput, Conflict) as error:
        with db.session() as session:
            context = _queries_context(session, staff, "")
        context.update(answer_error={"id": query_id, "text": answer, "message": error.message})
        return render(request, "scrutiny/queries.html", context, status_code=error.status_code)
    return RedirectResponse(f"/audit/queries#query-{query_id}", status_code=303)


# --- one entry -------------------------------------------------------------------------------------

def _entry_context(session, staff: StaffAccount | None, seq: int) -> dict:
    shown = service.entry_page(session, seq, with_staff_trail=permissions.reads_staff_trail(session, staff))
    try:
        concern = service.concern_of(session, f"audit:{seq}")
    except PlatformError:
        concern = None
    names = repository.staff_names(session, {q.raised_by for q in shown.queries} | {
        q.answered_by for q in shown.queries if q.answered_by is not None})
    return {"shown": shown, "concern": concern, "names": names,
            "answers_for": permissions.answers_queries_in(session, staff),
            "may_raise": concern is not None and permissions.raises_queries_in(session, staff,
                                                                               concern.partnership_id),
            "has_next": repository.entry(session, seq + 1) is not None, "question": "", "error": None,
            "answer_error": None}


@access.public
@router.get("/audit/{seq}")
def audit_entry(request: Request, seq: int, session: SessionDep, staff: MaybeStaff):
    """Public (staff-trail entries: scrutiny members and admins): one entry, its hash and its predecessor's."""
    return render(request, "scrutiny/entry.html", _entry_context(session, staff, seq))


# --- statements ----------------------------------------------------------------------------------

@access.public
@router.get("/privacy")
def privacy(request: Request):
    """Public: what is kept, and for how long."""
    from core.settings import get_settings

    return render(request, "scrutiny/privacy.html", {"retention_days": get_settings().register_retention_days})


@access.public
@router.get("/accessibility")
def accessibility(request: Request):
    """Public: the accessibility statement."""
    return render(request, "scrutiny/accessibility.html", {})
