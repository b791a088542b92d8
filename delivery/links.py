"""Links an officer sends to a grant's recipient organisation, so it can report spend and progress
without an account.

The token is shown once, when the link is made; only its keyed hash is kept. A link works for one
grant until it expires or an officer revokes it. Whatever is entered through it is recorded as done
by "the recipient organisation" (actor role `recipient`, reference `link:ID`), never by a person's
name: the link may be passed around inside the organisation."""

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session

from core import audit, i18n
from core.audit import Actor
from core.errors import Conflict, NotFound, PlatformError
from core.i18n import N_
from core.numbers import parse_whole
from core.security import keyed_hash
from delivery import repository
from delivery.events import DeliveryEvent
from delivery.models import Grant, RecipientLink
from governance.models import as_utc, utcnow

RECIPIENT_ROLE = "recipient"
DEFAULT_DAYS = 90
MAX_DAYS = 366


class LinkGone(PlatformError):
    status_code = 410
    title = N_("Link no longer works")


def _token_hash(token: str) -> str:
    return keyed_hash("recipient link|" + token)


def actor_for(link: RecipientLink) -> Actor:
    return Actor(role=RECIPIENT_ROLE, ref=f"link:{link.id}")


def link_address(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/recipient/{token}"


def issue_link(session: Session, actor: Actor, grant_id: int, *, days: str = str(DEFAULT_DAYS),
               now: datetime | None = None) -> tuple[RecipientLink, str]:
    """A new link for the grant and its token (to put in the address; it is not kept)."""
    grant = repository.get_grant(session, grant_id)
    lasting = parse_whole(days, "How many days the link works", low=1, high=MAX_DAYS, example="90", field="days")
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    link = RecipientLink(grant_id=grant.id, token_hash=_token_hash(token), created_by=actor.ref, created_at=now,
                         expires_at=now + timedelta(days=lasting))
    session.add(link)
    session.flush()
    audit.append(session, actor, DeliveryEvent.recipient_link_issued, f"grant:{grant.id}", {
        "link": link.id, "expires_on": link.expires_at.date().isoformat()})
    return link, token


def revoke_link(session: Session, actor: Actor, grant_id: int, link_id: int, *,
                now: datetime | None = None) -> RecipientLink:
    grant = repository.get_grant(session, grant_id)
    link = repository.link_of(session, grant.id, link_id)
    if link is None:
        raise NotFound(f"This grant has no link {link_id}.")
    if link.revoked_at is not None:
        raise Conflict("This link was already revoked.")
    link.revoked_at, link.revoked_by = now or utcnow(), actor.ref
    session.add(link)
    audit.append(session, actor, DeliveryEvent.recipient_link_revoked, f"grant:{grant.id}", {"link": link.id})
    return link


def open_link(session: Session, token: str, *, now: datetime | None = None) -> tuple[RecipientLink, Grant]:
    """The link this token opens and its grant, or a message saying why it does not work."""
    found = None
    # A token is 43 characters; anything far from that is not one, and is not looked up.
    if 20 <= len(token) <= 100:
        found = repository.link_by_token_hash(session, _token_hash(token))
    if found is None:
        raise NotFound(i18n.gettext("This link is not valid. Check that the whole link was copied, or ask the "
                                    "council officer who sent it for a new one."))
    if found.revoked_at is not None:
        raise LinkGone(i18n.gettext("This link was withdrawn by the council. Ask the officer who sent it for a "
                                    "new one."))
    expires = as_utc(found.expires_at)
    if expires <= (now or utcnow()):
        raise LinkGone(i18n.gettext("This link expired on %(day)s. Ask the council officer who sent it for a new "
                                    "one.", day=i18n.format_date(expires.date())))
    return found, repository.get_grant(session, found.grant_id)


def state(link: RecipientLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if as_utc(link.expires_at) <= now else "active"
