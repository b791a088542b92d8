"""Resident sign-in by email link, the resident's own page, and the development outbox."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access, i18n
from core.errors import NotFound, PlatformError
from core.i18n import N_
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance.permissions import AdminStaff
from residents import mail, service
from residents.permissions import CurrentResident, MaybeResident
from residents.service import LinkNotUsable, TooManyLinks, clear_resident_session, start_resident_session

router = APIRouter()


def _signin_form(request: Request, *, email: str = "", next_path: str = "/me", resident=None,
                 error: PlatformError | None = None, headers=None):
    return render(request, "residents/signin.html", {
        "email": email, "next": service.safe_next(next_path), "resident": resident, "error": error,
        "errors": {error.field: error.message} if error is not None and error.field else {},
    }, status_code=error.status_code if error else 200, headers=headers)


@access.public
@router.get("/signin")
def signin_page(request: Request, resident: MaybeResident, next: str = "/me"):
    return _signin_form(request, next_path=next, resident=resident)


@access.public
@router.post("/signin", dependencies=[CsrfChecked])
def ask_for_link(request: Request, db: DatabaseDep, email: Annotated[str, Form()] = "",
                 next: Annotated[str, Form()] = "/me"):
    settings = request.app.state.settings
    try:
        with db.session(write=True) as session:
            address, token = service.request_link(
                session, email=email, client=request.client.host if request.client else "",
                link_minutes=settings.resident_link_minutes, next_path=next)
        subject, body = mail.sign_in_message(settings, f"{settings.public_url.rstrip('/')}/signin/{token}")
        mail.send(settings, to=address, subject=subject, body=body)
    except TooManyLinks as error:
        return _signin_form(request, email=email, next_path=next, error=error,
                            headers={"Retry-After": str(error.wait_seconds)})
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        return _signin_form(request, email=email, next_path=next, error=error)
    # The same page whether or not the address has an account: a link goes to either.
    return render(request, "residents/check_email.html", {
        "email": address, "minutes": settings.resident_link_minutes})


@access.public
@router.get("/signin/{token}")
def confirm_signin_page(request: Request, token: str, session: SessionDep):
    """Only shows a button: mail scanners open links, and opening one must not spend it."""
    try:
        service.check_link(session, token)
    except LinkNotUsable as error:
        return _signin_form(request, error=error)
    return render(request, "residents/confirm.html", {"token": token})


@access.public
@router.post("/signin/{token}", dependencies=[CsrfChecked])
def signin(request: Request, token: str, db: DatabaseDep):
    try:
        with db.session(write=True) as session:
            resident, next_path = service.use_link(session, token)
    except LinkNotUsable as error:
        return _signin_form(request, error=error)
    start_resident_session(request, resident)
    return RedirectResponse(next_path, status_code=303)


@access.public
@router.post("/signout", dependencies=[CsrfChecked])
def signout(request: Request, db: DatabaseDep, resident: MaybeResident):
    if resident is not None:
        with db.session(write=True) as session:
            service.end_resident_sessions(session, resident.id)
    clear_resident_session(request)
    return RedirectResponse("/", status_code=303)


def _activity(db, resident) -> dict:
    """What the resident has said and answered, with the rounds it was on."""
    # The consultation reads residents, not the other way round; this page is where the two meet.
    from consult import repository as consult_repo
    from governance import repository as governance_repo

    with db.session() as session:
        comments = consult_repo.comments_by(session, resident.id)
        rankings = consult_repo.rankings_by(session, resident.id)
        round_ids = {c.round_id for c in comments} | {r.round_id for r in rankings}
        titles = {rid: governance_repo.get_round(session, rid).title for rid in round_ids}
    return {"my_comments": comments, "my_rankings": rankings, "round_titles": titles}


def _me_page(request: Request, resident, *, form: dict | None = None, error: PlatformError | None = None,
             message: str | None = None):
    return render(request, "residents/me.html", {
        **_activity(request.app.state.db, resident),
        "resident": resident, "form": form or {"display_name": resident.display_name}, "error": error,
        "errors": {error.field: error.message} if error is not None and error.field else {}, "message": message,
    }, status_code=error.status_code if error else 200)


@access.resident
@router.get("/me")
def me(request: Request, resident: CurrentResident):
    done = request.query_params.get("done")  # a word of ours, shown in the page's language
    return _me_page(request, resident, message=i18n.translate(done) if done else None)


@access.resident
@router.post("/me", dependencies=[CsrfChecked])
def change_me(request: Request, db: DatabaseDep, resident: CurrentResident,
              display_name: Annotated[str, Form()] = ""):
    try:
        with db.session(write=True) as session:
            service.set_display_name(session, resident.id, display_name)
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        return _me_page(request, resident, form={"display_name": display_name}, error=error)
    return RedirectResponse("/me?done=Your+name+was+saved", status_code=303)


N_("Your name was saved")


# --- development ---------------------------------------------------------------------------------

@access.admin
@router.get("/dev/outbox")
def outbox(request: Request, staff: AdminStaff):
    """The messages written instead of sent, for a developer without a mail server. Its messages hold
    sign-in links, so it is for an administrator who signed in (or confirmed their password) lately,
    like every admin page."""
    settings = request.app.state.settings
    if mail.uses_smtp(settings):
        raise NotFound("Mail goes through the SMTP server here, so there is no outbox to read.")
    return render(request, "residents/outbox.html", {"messages": mail.read_outbox(settings.outbox_path),
                                                     "outbox": str(settings.outbox_path)})
