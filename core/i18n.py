"""Welsh and English: the gettext catalogues, the language of this request, and its formats.

The catalogues are `locales/<lang>/LC_MESSAGES/messages.po`. They are compiled in memory the first
time a page needs them (no .mo files are committed or written), so a clean clone serves Welsh with
no build step. To refresh them after changing strings (see babel.cfg):

    pybabel extract -F babel.cfg -o locales/messages.pot .
    pybabel update -i locales/messages.pot -d locales

The language is chosen per request (`?lang=cy|en`, remembered in a cookie; else the cookie; else
the browser's Accept-Language; else English) and held in a context variable, never a global:
requests run side by side, each in its own language. The JSON API always answers in English, its
messages being part of a machine interface.
"""

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from urllib.parse import parse_qsl, urlencode

from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from starlette.datastructures import MutableHeaders

from core.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
LANGUAGES = ("en", "cy")
DEFAULT = "en"
# What goes in <html lang>: British English, and Welsh.
HTML_LANG = {"en": "en-GB", "cy": "cy"}
# Each language's own name, as the switch offers it.
NATIVE_NAMES = {"en": "English", "cy": "Cymraeg"}
BABEL_LOCALES = {"en": "en_GB", "cy": "cy_GB"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


def current() -> str:
    return _current.get()


@contextlib.contextmanager
def use(language: str) -> Iterator[None]:
    """Render or translate in `language` for the duration (e.g. one screen's websocket fragment)."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(language: str) -> Translations:
    """The catalogue of one language, compiled in memory from its .po file."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Translations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=BABEL_LOCALES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled)


def translate(message: str) -> str:
    return translations(current()).gettext(message) if current() != DEFAULT else message


def translate_plural(singular: str, plural: str, n: int) -> str:
    if current() == DEFAULT:
        return singular if n == 1 else plural
    return translations(current()).ngettext(singular, plural, n)


def gettext(message: str, **variables) -> str:
    """`message` in this request's language, with %(name)s filled from `variables`."""
    text = translate(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """The form for `n` in this request's language (Welsh has six), with %(num)s filled."""
    return translate_plural(singular, plural, n) % {"num": n, **variables}


_ = gettext


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "translate later")
    """Marks a string for the catalogue where it is defined; it is translated where it is shown."""
    return message


# --- formats -----------------------------------------------------------------------------------

def money(amount: int | float, currency: str = "GBP") -> str:
    """An amount as people read it in this language: whole units without pence, else two decimals."""
    whole = float(amount).is_integer()
    locale = BABEL_LOCALES[current()]
    pattern = "¤#,##0" if whole else "¤#,##0.00"
    if currency in ("GBP", "EUR"):
        return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
    number = format_decimal(amount, format=pattern.removeprefix("¤"), locale=locale)
    return f"${number}" if currency == "USD" else f"{number} {currency}"


def format_date(value: dt.date | dt.datetime | str, form: str = "long") -> str:
    """A date in this language's words: "28 November 2026", "28 Tachwedd 2026". ISO text is accepted."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return babel_format_date(value, form, locale=BABEL_LOCALES[current()])


# --- choosing the language ----------------------------------------------------------------------

def from_accept_language(header: str) -> str | None:
    """The first language of ours in the browser's list, by its q weights (cy, cy-GB, en-GB ...)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and weight > 0:
            ranked.append((-weight, position, base))
    return min(ranked)[2] if ranked else None


def _cookie(headers) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value in LANGUAGES:
            return value
    return None


def choose(path: str, query: str, headers) -> tuple[str, str | None]:
    """The language of a request, and the one to remember (when `?lang=` chose it)."""
    if path.startswith("/api/") or path in ("/healthz", "/openapi.json"):
        return DEFAULT, None
    asked = dict(parse_qsl(query)).get("lang", "").lower()
    if asked in LANGUAGES:
        return asked, asked
    return _cookie(headers) or from_accept_language(headers.get("accept-language", "")) or DEFAULT, None


class LocaleMiddleware:
    """Sets the request's language; a `?lang=` choice is remembered on this device for a year."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        from starlette.datastructures import Headers

        language, remember = choose(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"),
                                    Headers(scope=scope))
        scope.setdefault("state", {})["language"] = language

        async def send_with_language(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if remember:
                    headers.append("set-cookie", f"{COOKIE}={remember}; Max-Age={COOKIE_MAX_AGE}; Path=/; SameSite=Lax")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-language", HTML_LANG[language])
                    headers.append("vary", "Accept-Language, Cookie")
            await send(message)

        with use(language):
            return await self.app(scope, receive, send_with_language)


def request_language(request) -> str:
    """The language the request asked for (a page not yet translated is still shown in English)."""
    return getattr(request.state, "language", None) or current()


def switch_url(request, language: str, path: str | None = None) -> str:
    """This page's address in another language (a GET of the same path, other parameters kept, but not a
    one-time notice: `done` says what just happened, and a link must not carry words onto a page)."""
    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k not in ("lang", "done")]
    query.append(("lang", language))
    return f"{path or request.url.path}?{urlencode(query)}"


# --- which templates are in Welsh ----------------------------------------------------------------
# Residents' pages are translated in full (a test holds every string of theirs to the catalogue).
# Staff pages are not yet: in Welsh they say so and are shown in English, with <html lang> to match.
RESIDENT_TEMPLATES = frozenset({
    "base.html", "error.html", "components/error_fragment.html", "components/idle_warning.html",
    "components/language_switch.html", "components/history.html",
    "governance/home.html", "governance/round.html",
    "voting/kiosk_base.html", "voting/kiosk.html", "voting/ballot.html", "voting/review.html",
    "voting/receipt.html", "voting/check.html", "voting/results.html", "voting/results_charts.html",
    "voting/results_table.html", "voting/screen.html",
    "consult/round_section.html",
    "residents/signin.html", "residents/check_email.html", "residents/confirm.html", "residents/me.html",
    "proposals/_content.html", "proposals/_history.html", "proposals/form.html", "proposals/list.html",
    "proposals/show.html",
    "governance/partnership.html", "governance/meeting.html",
    "delivery/project.html", "delivery/_project_body.html",
    "scrutiny/decision.html", "scrutiny/_decision_status.html",
    "delivery/recipient.html",
})
# In English only for now, marked as such in Welsh. Privacy and accessibility statements are legal
# texts kept in English until a reviewed translation exists.
ENGLISH_ONLY_TEMPLATES = frozenset({
    "api_docs.html", "components/macros.html",
    "governance/login.html", "governance/manage.html", "governance/manage_round.html", "governance/round_form.html",
    "proposals/edit.html",
    "scrutiny/accessibility.html", "scrutiny/privacy.html", "scrutiny/audit.html", "scrutiny/entry.html",
    "scrutiny/macros.html", "scrutiny/queries.html",
    "voting/chair_confirm.html", "voting/chair_preview.html", "voting/desk.html", "voting/voting_points.html",
    "voting/certify.html",
    "scrutiny/decision_manage.html",
    "consult/hide.html", "proposals/review.html", "proposals/review_list.html", "residents/outbox.html",
    "governance/admin.html", "governance/admin_confirm.html", "governance/admin_partnership.html",
    "governance/arc_confirm.html", "governance/invitation.html", "governance/meeting_manage.html",
    "governance/meetings.html", "governance/timeline.html",
    "delivery/dashboard.html", "delivery/grant.html", "delivery/grants.html",
    # Public, but not yet translated: the event's books read by the chair and scrutiny first.
    "voting/reconciliation.html", "voting/_reconciliation_sheet.html",
    # Staff pages: printing paper ballots (the sheets themselves can be bilingual) and entering them.
    "voting/paper_ballots.html", "voting/paper_entry.html",
})


def page_language(template_name: str) -> str:
    """The language a page is shown in: the request's, unless the page is not translated yet."""
    language = current()
    if language != DEFAULT and template_name not in RESIDENT_TEMPLATES:
        return DEFAULT
    return language


def install(env) -> None:
    """Jinja's i18n extension, calling this module's functions (and so this request's language)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    # Jinja's newstyle calls fill the %(name)s itself (escaping the values), so it gets the bare lookups.
    env.install_gettext_callables(gettext=translate, ngettext=translate_plural, newstyle=True)
    env.globals.update(current_language=current, switch_url=switch_url, native_names=NATIVE_NAMES,
                       request_language=request_language,
                       html_lang=lambda: HTML_LANG[current()])
    env.filters["money"] = money
    env.filters["date"] = format_date
    # For words kept in English in the data (a list of changed fields, say): `items|map("translate")`.
    env.filters["translate"] = translate
