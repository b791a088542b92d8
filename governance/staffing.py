"""Setting a partnership up without touching code: the first admin, partnerships, staff invited by a
one-time link, roles given and taken, accounts unlocked or deactivated. The web pages (/admin) and
the command line (`admin create`, `partnership create`, `staff invite`, `staff role add|remove`)
call these same functions, so both leave the same audit entries."""

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotFound, PlatformError, bounded
from core.i18n import format_date
from core.security import keyed_hash
from core.text import storable
from governance import repository
from governance.events import GovernanceEvent
from governance.models import (
    Invitation,
    Membership,
    Partnership,
    Role,
    SignInThrottle,
    StaffAccount,
    as_utc,
    utcnow,
)
from governance.service import POSTCODE_PREFIX, create_partnership, create_staff

INVITATION_DAYS = 7
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLE_WORDS = {Role.chair: "chair", Role.member: "member", Role.officer: "officer", Role.steward: "steward",
              Role.scrutiny: "scrutiny member"}


class InvitationGone(PlatformError):
    status_code = 410
    title = "Invitation expired"


# --- checks on what people type ----------------------------------------------------------------

def check_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput("A username is 2 to 40 letters, digits, dots, dashes or underscores, starting with a "
                           "letter or digit (for example j.smith).", field="username")
    return username


def check_password(password: str, again: str | None = None) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters; a few words in a row "
                           "are easy to remember and hard to guess.", field="password")
    if len(password) > 1000:
        raise InvalidInput("A password can be at most 1,000 characters.", field="password")
    if again is not None and password != again:
        raise InvalidInput("The two passwords are not the same. Type the password twice.", field="password_again")
    return password


def check_role(role: str) -> Role:
    if role not in Role.__members__:
        raise InvalidInput("Choose a role: chair, member, officer, steward or scrutiny.", field="role")
    return Role(role)


def parse_area(text: str) -> str:
    """Postcode districts (SK10) or ward names (Macclesfield Central), comma-separated, as typed
    once: districts in capitals, wards as written."""
    items = [" ".join(storable(part).split()) for part in re.split(r"[,;\n]+", text)]
    items = [item for item in items if item]
    if not items:
        raise InvalidInput("Give the area: postcode districts like SK10, SK11 or ward names, separated by commas.",
                           field="area")
    shown: list[str] = []
    for item in items:
        upper = item.upper()
        if POSTCODE_PREFIX.match(upper):
            item = upper
        elif not re.fullmatch(r"[^\W\d_][\w .'’&()-]{1,79}", item):
            raise InvalidInput(f"{bounded(item, 60)!r} is neither a postcode district (like SK10) nor a ward name.",
                               field="area")
        if item not in shown:
            shown.append(item)
    return ", ".join(shown)


def slug_for(session: Session, name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "partnership"
    slug, n = base, 1
    while session.exec(select(Partnership).where(Partnership.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- the first admin and partnerships ------------------------------------------------------------

def create_admin(session: Session, actor: Actor, *, username: str, password: str,
                 display_name: str = "") -> StaffAccount:
    username = check_username(username)
    check_password(password)
    return create_staff(session, actor, username=username, display_name=display_name.strip() or username,
                        password=password, is_admin=True)


def set_up_partnership(session: Session, actor: Actor, *, name: str, area: str, description: str = "") -> Partnership:
    name = " ".join(storable(name).split())
    if not name:
        raise InvalidInput("A partnership needs a name.", field="name")
    if len(name) > 200:
        raise InvalidInput("A name can be at most 200 characters.", field="name")
    taken = session.exec(select(Partnership).where(Partnership.name == name)).first()
    if taken is not None:
        raise Conflict(f"There is already a partnership called {name!r}.", field="name")
    return create_partnership(session, actor, name=name, slug=slug_for(session, name), area=parse_area(area),
                              description=storable(description))


# --- invitations -----------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return keyed_hash("staff invitation|" + token)


def invite(session: Session, actor: Actor, *, partnership_id: int, role: str, email: str,
           invited_by: int | None = None, now: datetime | None = None) -> tuple[Invitation, str]:
    """A new invitation and its token (shown once, in the link; only its hash is kept)."""
    repository.get_partnership(session, partnership_id)
    role = check_role(role)
    email = email.strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("Give the email address the invitation is for, like name@council.gov.uk.", field="email")
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(token_hash=_token_hash(token), partnership_id=partnership_id, role=role, email=email,
                            invited_by=invited_by, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    session.flush()
    # The address is personal data: it stays in the invitation row, out of the log.
    audit.append(session, actor, GovernanceEvent.staff_invited, f"partnership:{partnership_id}",
                 {"invitation": invitation.id, "role": str(role),
                  "expires_on": invitation.expires_at.date().isoformat()})
    return invitation, token


def invitation_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/invitations/{token}"


def open_invitation(session: Session, token: str, *, now: datetime | None = None,
                    for_update: bool = False) -> Invitation:
    """The invitation this token opens, or a message saying why it cannot be used."""
    found = None
    if 10 <= len(token) <= 100:
        statement = select(Invitation).where(Invitation.token_hash == _token_hash(token))
        if for_update:
            statement = statement.with_for_update()
        found = session.exec(statement).first()
    if found is None:
        raise NotFound("This invitation link is not valid. Check that the whole link was copied, or ask the "
                       "administrator for a new one.")
    if found.accepted_at is not None:
        raise Conflict("This invitation has already been used. Sign in with the account it made, or ask the "
                       "administrator for a new invitation.")
    if as_utc(found.expires_at) <= (now or utcnow()):
        raise InvitationGone(f"This invitation expired on {format_date(as_utc(found.expires_at))}. Ask the "
                             "administrator for a new one.")
    return found


def accept_invitation(session: Session, token: str, *, username: str = "", display_name: str = "",
                      password: str = "", password_again: str = "", oidc_subject: str | None = None,
                      now: datetime | None = None) -> StaffAccount:
    """Make the invited account, with a password or linked to the council's sign-in, and its role."""
    invitation = open_invitation(session, token, now=now, for_update=True)
    username = check_username(username)
    display_name = " ".join(storable(display_name).split())
    if not display_name:
        raise InvalidInput("Give your name as colleagues know it.", field="display_name")
    if len(display_name) > 120:
        raise InvalidInput("A name can be at most 120 characters.", field="display_name")
    if oidc_subject is None:
        check_password(password, password_again)
    elif repository.staff_by_oidc_subject(session, oidc_subject) is not None:
        raise Conflict("Your council sign-in is already linked to an account. Sign in with it instead.")
    if repository.staff_by_username(session, username) is not None:
        raise Conflict(f"The username {username!r} is taken; choose another.", field="username")
    actor = Actor(role="invitee", ref=f"invitation:{invitation.id}")
    staff = create_staff(session, actor, username=username, display_name=display_name,
                         password=password if oidc_subject is None else None)
    if oidc_subject is not None:
        staff.oidc_subject = oidc_subject
        session.add(staff)
    invitation.accepted_at = now or utcnow()
    invitation.staff_id = staff.id
    session.add(invitation)
    add_role(session, actor, staff_id=staff.id, partnership_id=invitation.partnership_id, role=invitation.role)
    audit.append(session, actor, GovernanceEvent.invitation_accepted, f"staff:{staff.id}",
                 {"invitation": invitation.id, "sign_in": "oidc" if oidc_subject else "password"})
    return staff


# --- roles -----------------------------------------------------------------------------------------

def get_staff(session: Session, staff_id: int) -> StaffAccount:
    found = session.get(StaffAccount, staff_id) if 1 <= staff_id <= repository.MAX_ID else None
    if found is None:
        raise NotFound(f"There is no staff account {staff_id}.")
    return found


def staff_named(session: Session, username: str) -> StaffAccount:
    found = repository.staff_by_username(session, username.strip().lower())
    if found is None:
        raise NotFound(f"There is no staff account with the username {bounded(username, 60)!r}.", field="username")
    return found


def add_role(session: Session, actor: Actor, *, staff_id: int, partnership_id: int, role: str) -> Membership:
    partnership = repository.get_partnership(session, partnership_id)
    staff = get_staff(session, staff_id)
    role = check_role(role)
    if role in repository.roles_in(session, staff_id, partnership_id):
        raise Conflict(f"{staff.display_name} is already {ROLE_WORDS[role]} of {partnership.name}.", field="role")
    if not staff.active:
        raise Conflict(f"{staff.display_name}'s account is deactivated.", field="role")
    membership = Membership(partnership_id=partnership_id, staff_id=staff_id, role=role)
    session.add(membership)
    session.flush()
    audit.append(session, actor, GovernanceEvent.member_added, f"partnership:{partnership_id}",
                 {"staff": f"staff:{staff_id}", "role": str(role)})
    return membership


def remove_role(session: Session, actor: Actor, *, staff_id: int, partnership_id: int, role: str) -> None:
    partnership = repository.get_partnership(session, partnership_id)
    staff = get_staff(session, staff_id)
    role = check_role(role)
    membership = session.exec(select(Membership).where(
        Membership.partnership_id == partnership_id, Membership.staff_id == staff_id, Membership.role == role)
        .with_for_update()).first()
    if membership is None:
        raise NotFound(f"{staff.display_name} is not {ROLE_WORDS[role]} of {partnership.name}.", field="role")
    if role == Role.chair:
        chairs = session.exec(select(Membership).where(Membership.partnership_id == partnership_id,
                                                       Membership.role == Role.chair).with_for_update()).all()
        if len(chairs) <= 1:
            raise Conflict(f"{partnership.name} must keep a chair: give the chair role to someone else before "
                           f"taking it from {staff.display_name}.", field="role")
    session.delete(membership)
    session.flush()
    audit.append(session, actor, GovernanceEvent.member_removed, f"partnership:{partnership_id}",
                 {"staff": f"staff:{staff_id}", "role": str(role)})


# --- accounts --------------------------------------------------------------------------------------

def _account_throttle_key(username: str) -> str:
    # The same key governance.service throttles wrong passwords under.
    return f"account:{keyed_hash('sign-in account|' + username.lower())}"


def locked_for(session: Session, staff: StaffAccount, now: float | None = None) -> int:
    """Seconds until this account may try a password again (0 when it may now)."""
    row = session.get(SignInThrottle, _account_throttle_key(staff.username))
    if row is None:
        return 0
    return max(0, int(row.wait_until - (now or time.time()) + 0.999))


def unlock(session: Session, actor: Actor, staff_id: int) -> StaffAccount:
    """Forget the wrong passwords typed for this account, so its owner may try again at once."""
    staff = get_staff(session, staff_id)
    row = session.get(SignInThrottle, _account_throttle_key(staff.username))
    if row is None:
        raise Conflict(f"{staff.display_name}'s account is not waiting after wrong passwords.")
    session.delete(row)
    audit.append(session, actor, GovernanceEvent.staff_unlocked, f"staff:{staff_id}", {})
    return staff


def deactivate(session: Session, actor: Actor, staff_id: int, *, by_staff_id: int | None = None) -> StaffAccount:
    """No more sign-ins and every session ends; the account's roles and history stay on the record."""
    staff = get_staff(session, staff_id)
    if staff_id == by_staff_id:
        raise Conflict("You cannot deactivate your own account; ask another administrator.")
    if not staff.active:
        raise Conflict(f"{staff.display_name}'s account is already deactivated.")
    staff.active = False
    staff.session_version += 1
    session.add(staff)
    audit.append(session, actor, GovernanceEvent.staff_deactivated, f"staff:{staff_id}", {})
    return staff


@dataclass
class StaffRow:
    staff: StaffAccount
    roles: list[tuple[Partnership, str]]
    locked_seconds: int


def staff_overview(session: Session) -> list[StaffRow]:
    partnerships = {p.id: p for p in repository.list_partnerships(session)}
    rows = []
    for staff in session.exec(select(StaffAccount).order_by(StaffAccount.display_name, StaffAccount.id)):
        roles = sorted(((partnerships[m.partnership_id], m.role) for m in repository.memberships_of(session, staff.id)),
                       key=lambda pr: (pr[0].name, pr[1]))
        rows.append(StaffRow(staff, roles, locked_for(session, staff)))
    return rows


def open_invitations(session: Session, now: datetime | None = None) -> list[Invitation]:
    now = now or utcnow()
    pending = session.exec(select(Invitation).where(Invitation.accepted_at.is_(None))
                           .order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    return [i for i in pending if as_utc(i.expires_at) > now]
