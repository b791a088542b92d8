"""Request-scoped dependencies (the database, sessions, CSRF) and the middleware every request
passes: security headers, body size limits, Secure cookies on HTTPS."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.database import Database
from core.errors import SECURITY_HEADERS, NotAllowed, respond
from core.security import new_csrf_token, tokens_match


async def get_database(request: Request) -> Database:
    # async although it awaits nothing: FastAPI runs a plain `def` dependency in the thread pool,
    # and that hop (a thread handoff and the pool's limiter) cost a ballot about a tenth of its CPU.
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


# What a request may send. A ballot or a staff form is a few kilobytes; the limits leave room for
# long proposal summaries while keeping a flood of 10 MB passes from reaching the database.
JSON_BODY_LIMIT = 64 * 1024
FORM_BODY_LIMIT = 256 * 1024
# Well above the 4 MB a photo or evidence file may be, so a phone's 6 MB photo reaches the form,
# which says so by the field and keeps everything typed; only a far bigger body is cut off here.
UPLOAD_BODY_LIMIT = 16 * 1024 * 1024


def body_limit_for(content_type: str, path: str = "") -> int:
    # The JSON API takes no uploads, whatever Content-Type a client claims (it is the client's word).
    if path.startswith("/api/"):
        return JSON_BODY_LIMIT
    if content_type.startswith("multipart/form-data"):
        return UPLOAD_BODY_LIMIT
    if content_type.startswith("application/x-www-form-urlencoded"):
        return FORM_BODY_LIMIT
    return JSON_BODY_LIMIT


def _too_large(limit: int) -> str:
    return f"The request is too large: at most {limit // 1024:,} KB can be sent here."


class BodySizeLimit:
    """Refuse oversized bodies with 413: at once when Content-Length says so, and while reading
    when the body arrives in chunks without one."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        limit = body_limit_for(headers.get("content-type", ""), scope.get("path", ""))
        declared = headers.get("content-length", "")
        if declared and (not declared.isascii() or not declared.isdigit() or int(declared) > limit):
            response = respond(Request(scope), 413, "Too large", _too_large(limit))
            return await response(scope, receive, send)
        received = 0

        async def bounded_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, _too_large(limit))
            return message

        return await self.app(scope, bounded_receive, send)


class SecurityHeaders:
    """The security headers on every HTTP answer (errors answered by middleware included)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        return await self.app(scope, receive, send_with_headers)


class SecureCookiesOnHttps:
    """Mark cookies Secure whenever the request came over HTTPS (as uvicorn sees it: directly, or
    through a proxy listed in TRUSTED_PROXIES), so they never travel back over plain HTTP."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("scheme") != "https":
            return await self.app(scope, receive, send)

        async def send_secure(message):
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value + b"; secure" if name == b"set-cookie" and b"secure" not in value.lower()
                     else value) for name, value in message.get("headers", [])]
            await send(message)

        return await self.app(scope, receive, send_secure)
