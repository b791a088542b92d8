"""Staff sign-in through the council's OpenID Connect provider (authlib; authorization code flow with
PKCE; the provider found by discovery from OIDC_ISSUER).

An account is linked by the provider's subject the first time, through an invitation: the invited
person chooses "Use my council sign-in" on the invitation page. After that the provider signs them
in; someone the provider knows but no invitation linked is refused with a message. Local
accounts keep working beside it."""

import re
from typing import Annotated

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from core import access, audit
from core.errors import NotFound, PlatformError
from core.templating import render
from core.web import CsrfChecked
from governance import repository, staffing
from governance.events import GovernanceEvent
from governance.permissions import actor_for, start_staff_session

router = APIRouter()

PROVIDER = "council"
INVITATION_KEY = "oidc_invitation"


def _provider(request: Request):
    settings = request.app.state.settings
    if not settings.oidc_issuer:
        raise NotFound("Council sign-in is not set up on this site; sign in with a username and password.")
    oauth = getattr(request.app.state, "oauth", None)
    if oauth is None:
        oauth = OAuth()
        oauth.register(PROVIDER, client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                       server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
                       client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"})
        request.app.state.oauth = oauth
    return oauth.create_client(PROVIDER)


@router.post("/login/oidc/start", dependencies=[CsrfChecked])
@access.public
async def start(request: Request, invitation: Annotated[str, Form(max_length=200)] = ""):
    """Off to the council's sign-in page; with an invitation, the account is made on the way back."""
    provider = _provider(request)
    if invitation:
        db = request.app.state.db

        def still_open():
            with db.session() as session:
                staffing.open_invitation(session, invitation)
        await run_in_threadpool(still_open)
        request.session[INVITATION_KEY] = invitation
    else:
        request.session.pop(INVITATION_KEY, None)
    try:
        return await provider.authorize_redirect(request, str(request.url_for("oidc_callback")))
    except httpx.HTTPError:
        return _unreachable(request)


def _unreachable(request: Request):
    return _refused(request, "The council's sign-in service cannot be reached just now. Try again in a few "
                             "minutes, or sign in with a username and password.", 502)


def _refused(request: Request, message: str, status_code: int):
    return render(request, "governance/login.html", {"next": "/manage", "error": message, "oidc": True},
                  status_code=status_code)


@router.get("/login/oidc/callback", name="oidc_callback")
@access.public
async def callback(request: Request):
    provider = _provider(request)
    try:
        token = await provider.authorize_access_token(request)
    except httpx.HTTPError:
        return _unreachable(request)
    except OAuthError:
        # A state that does not match what this browser was sent with (a forged or replayed reply),
        # a refusal at the provider, or a code that does not redeem.
        return _refused(request, "The council sign-in did not complete: its reply did not match a sign-in started "
                                 "from this browser. Start again.", 400)
    claims = dict(token.get("userinfo") or {})
    subject = str(claims.get("sub") or "")
    if not subject:
        return _refused(request, "The council sign-in did not say who you are. Start again.", 400)
    invitation = request.session.pop(INVITATION_KEY, None)
    db = request.app.state.db

    def sign_in():
        with db.session(write=True) as session:
            if invitation:
                return _accept(session, invitation, subject, claims)
            staff = repository.staff_by_oidc_subject(session, subject)
            if staff is None or not staff.active:
                return None
            audit.append(session, actor_for(staff, "admin" if staff.is_admin else "staff"),
                         GovernanceEvent.staff_signed_in, f"staff:{staff.id}", {"via": "oidc"})
            session.flush()
            session.refresh(staff)
            return staff

    try:
        staff = await run_in_threadpool(sign_in)
    except PlatformError as error:
        return _refused(request, error.message, error.status_code)
    if staff is None:
        return _refused(request, "Your council account is not linked to a staff account here. Ask an "
                                 "administrator for an invitation, and accept it with your council sign-in.", 403)
    start_staff_session(request, staff)
    return RedirectResponse("/manage", status_code=303)


def _accept(session, invitation: str, subject: str, claims: dict):
    name = str(claims.get("name") or claims.get("email") or subject)[:120]
    username = _free_username(session, str(claims.get("preferred_username") or claims.get("email") or subject))
    staff = staffing.accept_invitation(session, invitation, username=username, display_name=name,
                                       oidc_subject=subject)
    session.flush()
    session.refresh(staff)
    return staff


def _free_username(session, wanted: str) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", wanted.split("@")[0].lower()).strip("-._")[:30] or "staff"
    if len(base) < 2:
        base = f"{base}-staff"
    name, n = base, 1
    while repository.staff_by_username(session, name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name
