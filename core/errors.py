"""One family of errors the services raise, and one handler that answers them.

People get an HTML page (or, for htmx requests, a message fragment); API clients get RFC 9457
problem+json. Services never raise HTTPException.
"""

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.i18n import N_, gettext

log = logging.getLogger(__name__)

# Pass codes travel in the kiosk's QR address, so no page may leak its address to another site;
# and no inline script or style is allowed, so injected markup cannot run. Every answer carries
# these, error pages included (a 500 is answered outside the ordinary middleware).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

# An error message may quote what was sent; a quoted megabyte would be sent straight back.
MAX_MESSAGE_LENGTH = 400


def bounded(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlatformError(Exception):
    status_code = 400
    title = N_("Request refused")

    def __init__(self, message: str, *, field: str | None = None) -> None:
        message = bounded(message)
        super().__init__(message)
        self.message = message
        # The form field the message is about, so a staff form can show it beside that field.
        self.field = field


class NotFound(PlatformError):
    status_code = 404
    title = N_("Not found")


class NotSignedIn(PlatformError):
    status_code = 401
    title = N_("Sign-in needed")
    # Where a person is sent to sign in (an admin whose sign-in is no longer recent re-enters the password).
    sign_in_path = "/login"

    def __init__(self, message: str, *, field: str | None = None, sign_in_path: str | None = None,
                 next_path: str | None = None) -> None:
        super().__init__(message, field=field)
        # Where a person is sent to sign in (staff at /login, residents at /signin; a subclass may name
        # another), and where they go after (the page they were on, when the request was a form's post).
        if sign_in_path is not None:
            self.sign_in_path = sign_in_path
        self.next_path = next_path


class NotAllowed(PlatformError):
    status_code = 403
    title = N_("Not allowed")


class Conflict(PlatformError):
    status_code = 409
    title = N_("Conflict")


class InvalidInput(PlatformError):
    status_code = 422
    title = N_("Invalid input")


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem_response(status: int, title: str, detail: str, request: Request, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def html_error(request: Request, status: int, title: str, detail: str) -> Response:
    from core.templating import templates

    # Titles, and the messages said here, are looked up in the request's language; a service's own
    # message was put in it where it was raised.
    title, detail = gettext(title), gettext(detail)
    if request.headers.get("hx-request") == "true":
        # htmx swaps 4xx bodies only where the page asks; the message goes to the page's alert area.
        return templates.TemplateResponse(request, "components/error_fragment.html",
                                          {"title": title, "detail": detail}, status_code=status,
                                          headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
    # The header shows who is signed in on error pages too, rather than offering "Staff sign-in".
    staff_name = request.session.get("staff_name") if "session" in request.scope else None
    return templates.TemplateResponse(request, "error.html", {"title": title, "detail": detail, "status": status,
                                                              "staff_name": staff_name},
                                      status_code=status)


def respond(request: Request, status: int, title: str, detail: str, **extra) -> Response:
    detail = bounded(detail)
    response = (problem_response(status, title, detail, request, **extra) if wants_json(request)
                else html_error(request, status, title, detail))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def describe_validation_errors(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        message = error.get("msg", "invalid")
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        parts.append(bounded(f"{where}: {message}" if where else message, 120))
    return "; ".join(parts) or "The request could not be read."


# What a person sees when an address or a form lacks something a page needs: plain words, not a
# field name and a parser's message (the API keeps those, for integrators).
_PLAIN_PROBLEMS = {"missing": "is missing", "int_parsing": "should be a whole number",
                   "int_from_float": "should be a whole number", "string_too_long": "is too long",
                   "greater_than_equal": "is too small", "less_than_equal": "is too large"}


def explain_validation_errors(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        names = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
        what = (names[-1] if names else "something").replace("_id", "").replace("_", " ")
        parts.append(f"The {bounded(what, 40)} {_PLAIN_PROBLEMS.get(error.get('type', ''), 'is not valid')}.")
    detail = " ".join(dict.fromkeys(parts)) or "The request could not be read."
    return detail + " Go back to the page you came from and try again from there."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlatformError)
    async def platform_error(request: Request, exc: PlatformError) -> Response:
        if isinstance(exc, NotSignedIn) and not wants_json(request):
            return RedirectResponse(f"{exc.sign_in_path}?next={quote(exc.next_path or request.url.path)}",
                                    status_code=303)
        return respond(request, exc.status_code, exc.title, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        detail = describe_validation_errors(exc) if wants_json(request) else explain_validation_errors(exc)
        return respond(request, 422, "Invalid input", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: N_("Not found"), 405: N_("Method not allowed"), 401: N_("Sign-in needed"),
                  403: N_("Not allowed"), 413: N_("Too large"), 429: N_("Too many attempts")}
        detail = exc.detail if isinstance(exc.detail, str) else N_("The request was refused.")
        if exc.status_code == 404 and detail == "Not Found":
            detail = N_("There is no page at this address.")
        response = respond(request, exc.status_code, titles.get(exc.status_code, N_("Request refused")), detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(request, 500, N_("Something went wrong"),
                       N_("The server could not finish this request. Nothing you had already sent was lost."))
