"""Request-scoped dependencies: the database, sessions, the signed-in staff member, CSRF."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.database import Database
from core.errors import NotAllowed
from core.security import new_csrf_token, tokens_match


def get_database(request: Request) -> Database:
    return request.app.state.db


def read_session(request: Request) -> Iterator[Session]:
    """For pages and reads. Writes open `db.session(write=True)` in the route, so the commit
    has happened before the response says it did."""
    with request.app.state.db.session() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(read_session)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Staff forms carry the session's token; a cross-site form cannot know it."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        sent = form.get("csrf_token")
    if not tokens_match(request.session.get("csrf"), sent if isinstance(sent, str) else None):
        raise NotAllowed("This form has expired. Reload the page and try again.")


CsrfChecked = Depends(check_csrf)


# Pass codes travel in the kiosk's QR address, so no page may leak its address to another site;
# and no inline script or style is allowed, so injected markup cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


async def add_security_headers(request: Request, call_next):
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
