"""The administrator's pages (/admin): partnerships, staff invitations, roles, unlocking and
deactivating accounts; and the invitation link's page, where an invited person makes their account.

Every admin page needs a recent sign-in (governance.permissions.AdminStaff): after 15 minutes
without one, the password again at /admin/confirm."""

import time
from typing import Annotated
from urllib.parse import quote_plus

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import NotAllowed, NotFound, PlatformError
from core.numbers import parse_id
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository, staffing
from governance.models import Role, StaffAccount
from governance.permissions import AdminStaff, CurrentStaff, MaybeStaff, actor_for, start_staff_session

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}
LINK_KEY = "invitation_made"


def _errors(error: PlatformError | None) -> dict[str, str]:
    return {error.field: error.message} if error is not None and error.field else {}


def _admin_actor(staff: StaffAccount):
    return actor_for(staff, "admin")


# --- the overview: partnerships and staff ------------------------------------------------------

def _overview(request: Request, session, staff: StaffAccount, *, form: dict | None = None,
              error: PlatformError | None = None):
    return render(request, "governance/admin.html", {
        "partnerships": repository.list_partnerships(session), "staff_rows": staffing.staff_overview(session),
        "invitations": staffing.open_invitations(session),
        "partnership_names": {p.id: p.name for p in repository.list_partnerships(session)},
        "form": form or {}, "error": error, "errors": _errors(error), "message": request.query_params.get("done"),
        "me": staff.id,
    }, status_code=error.status_code if error else 200, headers=NO_STORE)


@router.get("/admin")
@access.admin
def admin_home(request: Request, session: SessionDep, staff: AdminStaff):
    return _overview(request, session, staff)


@router.post("/admin/partnerships", dependencies=[CsrfChecked])
@access.admin
def create_partnership(request: Request, db: DatabaseDep, staff: AdminStaff,
                       name: Annotated[str, Form(max_length=400)] = "",
                       area: Annotated[str, Form(max_length=2000)] = "",
                       description: Annotated[str, Form(max_length=5000)] = ""):
    try:
        with db.session(write=True) as session:
            partnership = staffing.set_up_partnership(session, _admin_actor(staff), name=name, area=area,
                                                      description=description)
            partnership_id = partnership.id
    except PlatformError as error:
        with db.session() as session:
            return _overview(request, session, staff, form={"name": name, "area": area, "description": description},
                             error=error)
    return RedirectResponse(f"/admin/partnerships/{partnership_id}?done=Partnership+created", status_code=303)


@router.post("/admin/staff/{staff_id}/unlock", dependencies=[CsrfChecked])
@access.admin
def unlock_staff(request: Request, staff_id: int, db: DatabaseDep, staff: AdminStaff):
    try:
        with db.session(write=True) as session:
            unlocked = staffing.unlock(session, _admin_actor(staff), staff_id)
            name = unlocked.display_name
    except PlatformError as error:
        if error.status_code == 404:
            raise
        with db.session() as session:
            return _overview(request, session, staff, error=error)
    return RedirectResponse(f"/admin?done={quote_plus(f'{name} may sign in again')}", status_code=303)


@router.post("/admin/staff/{staff_id}/deactivate", dependencies=[CsrfChecked])
@access.admin
def deactivate_staff(request: Request, staff_id: int, db: DatabaseDep, staff: AdminStaff):
    try:
        with db.session(write=True) as session:
            gone = staffing.deactivate(session, _admin_actor(staff), staff_id, by_staff_id=staff.id)
            name = gone.display_name
    except PlatformError as error:
        if error.status_code == 404:
            raise
        with db.session() as session:
            return _overview(request, session, staff, error=error)
    return RedirectResponse(f"/admin?done={quote_plus(f'{name} was deactivated; their sessions ended')}",
                            status_code=303)


# --- one partnership: members, roles, invitations ----------------------------------------------

def _partnership_page(request: Request, session, partnership_id: int, *, error: PlatformError | None = None,
                      form: dict | None = None, link: str | None = None):
    partnership = repository.get_partnership(session, partnership_id)
    return render(request, "governance/admin_partnership.html", {
        "partnership": partnership, "members": repository.members_of(session, partnership_id),
        "staff": [s for s in staffing.staff_overview(session) if s.staff.active],
        "invitations": [i for i in staffing.open_invitations(session) if i.partnership_id == partnership_id],
        "roles": list(Role), "role_words": staffing.ROLE_WORDS, "form": form or {}, "error": error,
        "errors": _errors(error), "link": link, "message": request.query_params.get("done"),
    }, status_code=error.status_code if error else 200, headers=NO_STORE)


@router.get("/admin/partnerships/{partnership_id}")
@access.admin
def partnership_admin(request: Request, partnership_id: int, session: SessionDep, staff: AdminStaff):
    made = request.session.pop(LINK_KEY, None)
    if isinstance(made, dict) and made.get("partnership") == partnership_id:
        return _partnership_page(request, session, partnership_id, link=made.get("link"),
                                 form={"invited": made.get("email")})
    return _partnership_page(request, session, partnership_id)


@router.post("/admin/partnerships/{partnership_id}/invitations", dependencies=[CsrfChecked])
@access.admin
def invite_staff(request: Request, partnership_id: int, db: DatabaseDep, staff: AdminStaff,
                 email: Annotated[str, Form(max_length=400)] = "", role: Annotated[str, Form(max_length=40)] = ""):
    try:
        with db.session(write=True) as session:
            _, token = staffing.invite(session, _admin_actor(staff), partnership_id=partnership_id, role=role,
                                       email=email, invited_by=staff.id)
    except PlatformError as error:
        if error.status_code == 404:
            raise
        with db.session() as session:
            return _partnership_page(request, session, partnership_id, error=error,
                                     form={"email": email, "role": role})
    # No mail is sent from here yet: the link is shown once, for the administrator to pass on. It
    # waits in the admin's own session for the page after the redirect, so a reload makes no second one.
    request.session[LINK_KEY] = {"link": staffing.invitation_link(request.app.state.settings.public_url, token),
                                 "email": email.strip(), "partnership": partnership_id}
    return RedirectResponse(f"/admin/partnerships/{partnership_id}", status_code=303)


@router.post("/admin/partnerships/{partnership_id}/roles", dependencies=[CsrfChecked])
@access.admin
def give_role(request: Request, partnership_id: int, db: DatabaseDep, staff: AdminStaff,
              staff_id: Annotated[str, Form(max_length=20)] = "", role: Annotated[str, Form(max_length=40)] = ""):
    return _change_role(request, db, staff, partnership_id, staff_id, role, staffing.add_role, "given")


@router.post("/admin/partnerships/{partnership_id}/roles/remove", dependencies=[CsrfChecked])
@access.admin
def take_role(request: Request, partnership_id: int, db: DatabaseDep, staff: AdminStaff,
              staff_id: Annotated[str, Form(max_length=20)] = "", role: Annotated[str, Form(max_length=40)] = ""):
    return _change_role(request, db, staff, partnership_id, staff_id, role, staffing.remove_role, "taken away")


def _change_role(request, db, staff, partnership_id: int, staff_id: str, role: str, change, done: str):
    try:
        with db.session(write=True) as session:
            repository.get_partnership(session, partnership_id)
            member = staffing.get_staff(session, parse_id(staff_id, "Staff member"))
            change(session, _admin_actor(staff), staff_id=member.id, partnership_id=partnership_id, role=role)
            name = member.display_name
    except PlatformError as error:
        if isinstance(error, NotFound) and error.field is None:
            with db.session() as session:
                repository.get_partnership(session, partnership_id)  # a missing partnership is a 404 page
        with db.session() as session:
            return _partnership_page(request, session, partnership_id, error=error,
                                     form={"staff_id": staff_id, "role": role})
    message = f"The {staffing.ROLE_WORDS[Role(role)]} role was {done}: {name}"
    return RedirectResponse(f"/admin/partnerships/{partnership_id}?done={quote_plus(message)}", status_code=303)


# --- a recent sign-in ----------------------------------------------------------------------------

@router.get("/admin/confirm")
@access.admin
def confirm_page(request: Request, staff: CurrentStaff, next: str = "/admin"):
    # Not AdminStaff: this is where an admin whose sign-in is no longer recent comes.
    if not staff.is_admin:
        raise NotAllowed("Only an administrator can use the admin pages.")
    return render(request, "governance/admin_confirm.html", {
        "next": _safe_next(next), "oidc": bool(request.app.state.settings.oidc_issuer)}, headers=NO_STORE)


def _safe_next(target: str) -> str:
    return target if target.startswith("/admin") and not target.startswith("//") else "/admin"


@router.post("/admin/confirm", dependencies=[CsrfChecked])
@access.admin
def confirm(request: Request, db: DatabaseDep, staff: CurrentStaff,
            password: Annotated[str, Form(max_length=1000)] = "",
            next: Annotated[str, Form(max_length=400)] = "/admin"):
    if not staff.is_admin:
        raise NotAllowed("Only an administrator can use the admin pages.")
    try:
        with db.session(write=True) as session:
            # Throttled like the sign-in page: the same counters, the same waits.
            matched = staffing_password_matches(session, staff, password,
                                                client=request.client.host if request.client else "")
    except PlatformError as error:
        return render(request, "governance/admin_confirm.html", {"next": _safe_next(next), "error": error.message},
                      status_code=error.status_code)
    if not matched:
        return render(request, "governance/admin_confirm.html", {"next": _safe_next(next), "error":
                      "That is not your password."}, status_code=401)
    request.session["admin_seen_at"] = int(time.time())
    return RedirectResponse(_safe_next(next), status_code=303)


def staffing_password_matches(session, staff: StaffAccount, password: str, *, client: str) -> bool:
    from governance import service

    if not staff.password_hash:
        # An account that signs in through the council: its password is the provider's.
        return False
    found = service.authenticate(session, staff.username, password, client=client)
    return found is not None and found.id == staff.id


# --- the invitation link -------------------------------------------------------------------------

def _invitation_page(request: Request, session, token: str, *, form: dict | None = None,
                     error: PlatformError | None = None):
    invitation = staffing.open_invitation(session, token)
    return render(request, "governance/invitation.html", {
        "invitation": invitation, "partnership": repository.get_partnership(session, invitation.partnership_id),
        "role_word": staffing.ROLE_WORDS[Role(invitation.role)], "token": token, "form": form or {},
        "error": error, "errors": _errors(error),
        "oidc": bool(request.app.state.settings.oidc_issuer),
    }, status_code=error.status_code if error else 200, headers=NO_STORE)


@router.get("/invitations/{token}")
@access.public
def invitation_page(request: Request, token: str, session: SessionDep):
    return _invitation_page(request, session, token)


@router.post("/invitations/{token}", dependencies=[CsrfChecked])
@access.public
def accept_invitation(request: Request, token: str, db: DatabaseDep, staff: MaybeStaff,
                      username: Annotated[str, Form(max_length=200)] = "",
                      display_name: Annotated[str, Form(max_length=400)] = "",
                      password: Annotated[str, Form(max_length=1000)] = "",
                      password_again: Annotated[str, Form(max_length=1000)] = ""):
    form = {"username": username, "display_name": display_name}
    try:
        with db.session(write=True) as session:
            account = staffing.accept_invitation(session, token, username=username, display_name=display_name,
                                                 password=password, password_again=password_again)
            session.flush()
            session.refresh(account)
    except PlatformError as error:
        if error.field is None:
            raise
        with db.session() as session:
            return _invitation_page(request, session, token, form=form, error=error)
    start_staff_session(request, account)
    return RedirectResponse("/manage", status_code=303)

