"""Who may do what. Every staff route names the roles it admits; admins are admitted everywhere."""

import time
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.audit import Actor
from core.errors import NotAllowed, NotSignedIn
from core.web import SessionDep
from governance import repository
from governance.models import Role, Round, StaffAccount

CHAIR = frozenset({Role.chair})
RUNS_EVENT_DESK = frozenset({Role.steward, Role.chair, Role.officer})
MANAGES_PROPOSALS = frozenset({Role.officer, Role.chair})
SEES_MANAGEMENT = frozenset({Role.chair, Role.officer, Role.steward, Role.scrutiny})


# How stale the "last seen" time in the cookie may get before it is written again.
SEEN_REFRESH_SECONDS = 30


def start_staff_session(request: Request, staff: StaffAccount) -> None:
    now = int(time.time())
    request.session.clear()
    request.session.update({"staff_id": staff.id, "staff_name": staff.display_name,
                            "session_version": staff.session_version, "signed_in_at": now, "seen_at": now,
                            "staff_admin": staff.is_admin})


def optional_staff(request: Request, session: SessionDep) -> StaffAccount | None:
    """The signed-in staff member, if the session is still good: the account's session version
    (signing out raises it), an idle limit and an overall limit, all checked on every request."""
    cookie = request.session
    staff_id = cookie.get("staff_id")
    if staff_id is None:
        return None
    settings = request.app.state.settings
    now = int(time.time())
    seen_at, signed_in_at = cookie.get("seen_at"), cookie.get("signed_in_at")
    staff = session.get(StaffAccount, staff_id) if isinstance(staff_id, int) else None
    if (staff is None or not staff.active or cookie.get("session_version") != staff.session_version
            or not isinstance(seen_at, int) or not isinstance(signed_in_at, int)
            or now - seen_at > settings.staff_idle_minutes * 60
            or now - signed_in_at > settings.staff_session_hours * 3600):
        cookie.clear()
        return None
    if now - seen_at > SEEN_REFRESH_SECONDS:
        cookie["seen_at"] = now
    return staff


def require_staff(staff: Annotated[StaffAccount | None, Depends(optional_staff)]) -> StaffAccount:
    if staff is None:
        raise NotSignedIn("Sign in to continue.")
    return staff


CurrentStaff = Annotated[StaffAccount, Depends(require_staff)]

# Admin actions need a recent sign-in: after this long without an admin page, the password again.
ADMIN_IDLE_SECONDS = 15 * 60


class RecentSignInNeeded(NotSignedIn):
    sign_in_path = "/admin/confirm"


def admin_is_recent(request: Request) -> bool:
    cookie = request.session
    last = cookie.get("admin_seen_at", cookie.get("signed_in_at"))
    return isinstance(last, int) and int(time.time()) - last <= ADMIN_IDLE_SECONDS


def require_admin(request: Request, staff: Annotated[StaffAccount, Depends(require_staff)]) -> StaffAccount:
    if not staff.is_admin:
        raise NotAllowed("Only an administrator can do this.")
    if not admin_is_recent(request):
        raise RecentSignInNeeded("It is more than 15 minutes since your last admin action: enter your password "
                                 "again to continue.")
    request.session["admin_seen_at"] = int(time.time())
    return staff


AdminStaff = Annotated[StaffAccount, Depends(require_admin)]
MaybeStaff = Annotated[StaffAccount | None, Depends(optional_staff)]


def actor_for(staff: StaffAccount, role: str) -> Actor:
    return Actor(role=role, ref=f"staff:{staff.id}")


ROLE_WORDS = {"chair": "a chair", "officer": "an officer", "steward": "a steward", "scrutiny": "a scrutiny member",
              "member": "a member"}


def roles_in_words(allowed: frozenset[str]) -> str:
    """"a chair, an officer or a steward": the roles that may act, as a sentence reads them."""
    words = [ROLE_WORDS.get(str(role), f"a {role}") for role in sorted(allowed)]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def role_on_round(session: Session, staff: StaffAccount, voting_round: Round, allowed: frozenset[str]) -> str:
    """The role under which `staff` may act on this round, or NotAllowed."""
    roles = repository.roles_in(session, staff.id, voting_round.partnership_id)
    for role in (Role.chair, Role.officer, Role.steward, Role.scrutiny, Role.member):
        if role in roles and role in allowed:
            return str(role)
    if staff.is_admin:
        return "admin"
    raise NotAllowed(f"Only {roles_in_words(allowed)} of this round's partnership can do this.")


def require_round_role(session: Session, staff: StaffAccount, round_id: int,
                       allowed: frozenset[str]) -> tuple[Round, Actor]:
    voting_round = repository.get_round(session, round_id)
    role = role_on_round(session, staff, voting_round, allowed)
    return voting_round, actor_for(staff, role)


def require_partnership_role(session: Session, staff: StaffAccount, partnership_id: int,
                             allowed: frozenset[str]) -> Actor:
    repository.get_partnership(session, partnership_id)
    roles = repository.roles_in(session, staff.id, partnership_id) & allowed
    if roles:
        return actor_for(staff, sorted(roles)[0])
    if staff.is_admin:
        return actor_for(staff, "admin")
    raise NotAllowed(f"Only {roles_in_words(allowed)} of this partnership can do this.")


def rounds_for_staff(session: Session, staff: StaffAccount, allowed: frozenset[str], *,
                     archived: bool = False) -> list[Round]:
    rounds = repository.list_rounds(session, archived=archived)
    if staff.is_admin:
        return rounds
    partnership_ids = {m.partnership_id for m in repository.memberships_of(session, staff.id) if m.role in allowed}
    return [r for r in rounds if r.partnership_id in partnership_ids]
