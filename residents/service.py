"""Resident accounts: sign-in links asked for by email, used once, and the resident's session."""

import math
import re
import secrets
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit, i18n
from core.audit import Actor
from core.errors import InvalidInput, PlatformError
from core.i18n import N_
from core.security import keyed_hash, new_csrf_token
from core.text import storable
from governance.models import as_utc, utcnow
from residents import repository
from residents.events import ResidentEvent
from residents.models import Resident, SignInLink

MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 80
# Good enough to catch typing mistakes; the link itself proves the address works.
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.][^@\s<>\"']*$")

# Links asked for per address and per machine in a window: enough for "it did not arrive, send
# another", too few to fill someone's inbox or to probe many addresses.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_LINKS_PER_ADDRESS = 3
MAX_LINKS_PER_CLIENT = 10
# Links (and the addresses on them) are kept a day at most.
KEEP_LINKS = timedelta(days=1)
ANONYMOUS = Actor(role="resident", ref="anonymous")


class TooManyLinks(PlatformError):
    status_code = 429
    title = N_("Too many links asked for")

    def __init__(self, message: str, wait_seconds: int) -> None:
        super().__init__(message, field="email")
        self.wait_seconds = wait_seconds


class LinkNotUsable(PlatformError):
    """An expired, used or made-up link: the page says so and offers the form for a new one."""

    status_code = 410
    title = N_("This link cannot be used")


def actor_for(resident: Resident) -> Actor:
    return Actor(role="resident", ref=f"resident:{resident.id}")


def normalise_email(text: str) -> str:
    """One address, one account: trimmed and lower-cased (no provider treats case differently)."""
    email = storable(text).strip().lower()
    if not email:
        raise InvalidInput(i18n.gettext("Enter your email address."), field="email")
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise InvalidInput(i18n.gettext("Enter an email address like name@example.org."), field="email")
    return email


def _token_hash(token: str) -> str:
    return keyed_hash("resident sign-in link|" + token)


def safe_next(target: str) -> str:
    # Only paths on this site, so a crafted link cannot send a resident elsewhere after signing in.
    target = (target or "").strip()
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) <= 500
    return target if ok and target.isprintable() else "/me"


def request_link(session: Session, *, email: str, client: str, link_minutes: int, next_path: str = "/me",
                 now: datetime | None = None) -> tuple[str, str]:
    """Make a sign-in link for `email`, known or not, and return (normalised email, token).

    The same happens for an address with an account and one without (the account is made when
    the link is used), so the answer never tells anyone whether an address has an account."""
    email = normalise_email(email)
    now = now or utcnow()
    since = now - THROTTLE_WINDOW
    client_hash = keyed_hash("resident sign-in client|" + client) if client else ""
    if repository.links_since(session, since, email=email) >= MAX_LINKS_PER_ADDRESS:
        oldest = repository.oldest_link_since(session, since, email=email)
        wait = math.ceil(((as_utc(oldest) + THROTTLE_WINDOW) - now).total_seconds()) if oldest else 60
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyLinks(i18n.ngettext("We have already sent %(links)s links to this address in the last %(window)s "
                                   "minutes. Use the newest one, or ask again in %(num)s minute.",
                                   "We have already sent %(links)s links to this address in the last %(window)s "
                                   "minutes. Use the newest one, or ask again in %(num)s minutes.", minutes,
                                   links=MAX_LINKS_PER_ADDRESS, window=THROTTLE_WINDOW.seconds // 60), max(wait, 1))
    if client_hash and repository.links_since(session, since, client_hash=client_hash) >= MAX_LINKS_PER_CLIENT:
        raise TooManyLinks(i18n.gettext("Too many sign-in links have been asked for from this device. Try again in "
                                   "%(window)s minutes.", window=THROTTLE_WINDOW.seconds // 60),
                           THROTTLE_WINDOW.seconds)
    repository.delete_links_before(session, now - KEEP_LINKS)
    token = secrets.token_urlsafe(32)
    session.add(SignInLink(token_hash=_token_hash(token), email=email, client_hash=client_hash,
                           next_path=safe_next(next_path), created_at=now,
                           expires_at=now + timedelta(minutes=link_minutes)))
    session.flush()
    audit.append(session, ANONYMOUS, ResidentEvent.link_sent, "sign-in", {})
    return email, token


def _usable_link(session: Session, token: str, now: datetime, *, for_update: bool = False) -> SignInLink:
    link = None
    if 20 <= len(token) <= 100 and token.isascii():
        link = repository.link_by_token_hash(session, _token_hash(token), for_update=for_update)
    if link is None:
        raise LinkNotUsable(i18n.gettext("This sign-in link is not valid: it may have been copied only in part. "
                                        "Ask for a new one below."))
    if link.used_at is not None:
        raise LinkNotUsable(i18n.gettext("This link has already been used: each link works once. "
                                        "Ask for a new one below."))
    if as_utc(link.expires_at) <= now:
        raise LinkNotUsable(i18n.gettext("This link has expired: ask for a new one below."))
    return link


def check_link(session: Session, token: str, *, now: datetime | None = None) -> SignInLink:
    """The link, if it could still sign someone in; nothing is changed (mail scanners open links)."""
    return _usable_link(session, token, now or utcnow())


def use_link(session: Session, token: str, *, now: datetime | None = None) -> tuple[Resident, str]:
    """Spend the link and return the resident it signs in (made now if new) and where to go next."""
    now = now or utcnow()
    link = _usable_link(session, token, now, for_update=True)
    link.used_at = now
    session.add(link)
    resident = repository.resident_by_email(session, link.email)
    if resident is None:
        try:
            # Two links to one new address used at the same moment: the second finds the first's account.
            with session.begin_nested():
                resident = Resident(email=link.email, created_at=now)
                session.add(resident)
                session.flush()
        except IntegrityError:
            resident = repository.resident_by_email(session, link.email)
        else:
            audit.append(session, actor_for(resident), ResidentEvent.account_created, f"resident:{resident.id}",
                         {})
    if resident is None or not resident.active:
        raise LinkNotUsable(i18n.gettext("This account has been closed. Contact the partnership if you think this is "
                                        "a mistake."))
    audit.append(session, actor_for(resident), ResidentEvent.signed_in, f"resident:{resident.id}", {})
    session.flush()
    return resident, link.next_path


def set_display_name(session: Session, resident_id: int, display_name: str) -> Resident:
    resident = repository.get_resident(session, resident_id)
    if resident is None:
        raise InvalidInput(i18n.gettext("There is no such account."))
    name = " ".join(storable(display_name).split())
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidInput(i18n.gettext("A name can be at most %(most)s characters.", most=MAX_DISPLAY_NAME_LENGTH),
                           field="display_name")
    if "@" in name:
        raise InvalidInput(i18n.gettext("Use a name, not an email address: the name is shown to others."),
                           field="display_name")
    if name != resident.display_name:
        resident.display_name = name
        session.add(resident)
        audit.append(session, actor_for(resident), ResidentEvent.renamed, f"resident:{resident.id}", {})
    return resident


def end_resident_sessions(session: Session, resident_id: int) -> None:
    """Sign a resident out everywhere: every session cookie issued so far stops working."""
    resident = repository.get_resident(session, resident_id)
    if resident is None:
        return
    resident.session_version += 1
    session.add(resident)
    audit.append(session, actor_for(resident), ResidentEvent.signed_out, f"resident:{resident.id}", {})


# --- the session cookie ------------------------------------------------------------------------
# The resident's keys sit beside any staff keys in the same cookie: signing in or out as one never
# touches the other.
RESIDENT_KEYS = ("resident_id", "resident_version")


def start_resident_session(request: Request, resident: Resident) -> None:
    request.session["resident_id"] = resident.id
    request.session["resident_version"] = resident.session_version
    # A new form token at a change of identity, so a token seen before signing in is worth nothing after.
    request.session["csrf"] = new_csrf_token()


def clear_resident_session(request: Request) -> None:
    for key in RESIDENT_KEYS:
        request.session.pop(key, None)
