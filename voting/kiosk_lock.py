"""Wrong pass codes: a client that keeps guessing is paused, for longer each time; a steward can
clear the pause from the desk.

A pass code has 40 bits of chance in it, but a script could still try codes all afternoon. Each
client (a voting point, a phone, an API script) gets a few wrong codes free, since people mistype;
after that each wrong code pauses it, twice as long as the time before. A quiet hour forgets it all.
A tablet is known only by a keyed hash of a random id in its session (its address counts too, with
more slack); a steward sees a short reference that the paused voting point shows on its screen."""

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core import access, audit, i18n
from core.audit import Actor
from core.database import Database
from core.errors import NotAllowed, NotFound, PlatformError
from core.security import keyed_hash, normalise_code
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import utcnow
from governance.permissions import RUNS_EVENT_DESK, CurrentStaff, actor_for
from voting.errors import UnknownPass
from voting.events import VotingEvent
from voting.models import KioskLock

FREE_WRONG_CODES = 5
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
SYSTEM = Actor(role="system", ref="pass-check")


class TooManyWrongCodes(PlatformError):
    status_code = 429
    title = i18n.N_("Too many wrong pass codes")

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# Many tablets and phones in a hall can share one public address, so a tablet is known by a
# random device id in its own session cookie, and one person's typing pauses only their tablet.
# The address still counts, with far more slack, so a script that throws its cookie away after
# each guess is paused too; API clients keep no cookie and are known by their address alone.
FREE_WRONG_CODES_PER_ADDRESS = 50
DEVICE = "voting_point"


def address_ref(request: Request) -> str:
    return keyed_hash(f"voting-point|{request.client.host if request.client else 'unknown'}")


def client_refs(request: Request) -> dict[str, int]:
    """The keys a wrong code counts against, each with the wrong codes it may have free."""
    if request.url.path.startswith("/api/"):
        return {address_ref(request): FREE_WRONG_CODES}
    device = request.session.get(DEVICE)
    if not isinstance(device, str) or len(device) != 32:
        device = request.session[DEVICE] = secrets.token_hex(16)
    return {keyed_hash(f"voting-point-device|{device}"): FREE_WRONG_CODES,
            address_ref(request): FREE_WRONG_CODES_PER_ADDRESS}


def short_ref(ref: str) -> str:
    """What the paused screen shows and the steward reads back: enough to tell voting points apart."""
    return ref[:6].upper()


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return i18n.ngettext("%(num)s second", "%(num)s seconds", seconds)
    return i18n.ngettext("%(num)s minute", "%(num)s minutes", (seconds + 59) // 60)


def _refusal(ref: str, locked_until: datetime, now: datetime) -> TooManyWrongCodes:
    seconds = max(1, int((locked_until - now).total_seconds() + 0.999))
    return TooManyWrongCodes(
        i18n.gettext("Too many wrong pass codes were typed here. Please wait %(wait)s and try again, or ask a "
                     "steward at the desk to unlock voting point %(point)s.", wait=_wait_words(seconds),
                     point=short_ref(ref)), retry_after=seconds)


def record_wrong_code(session: Session, ref: str, free: int = FREE_WRONG_CODES) -> TooManyWrongCodes | None:
    """Count one wrong code; the refusal to give if this one starts a pause. Needs a write session."""
    now = utcnow()
    lock = session.exec(select(KioskLock).where(KioskLock.client_ref == ref).with_for_update()).first()
    if lock is None:
        lock = KioskLock(client_ref=ref, wrong_codes=0, last_wrong_at=now)
        try:
            with session.begin_nested():
                session.add(lock)
        except IntegrityError:  # the same client's other request, a moment ago
            lock = session.exec(select(KioskLock).where(KioskLock.client_ref == ref).with_for_update()).one()
    if now - _aware(lock.last_wrong_at) > FORGET_AFTER:
        lock.wrong_codes, lock.locked_until = 0, None
    lock.wrong_codes += 1
    lock.last_wrong_at = now
    session.add(lock)
    over = lock.wrong_codes - free
    if over <= 0:
        return None
    pause = min(FIRST_PAUSE * 2 ** (over - 1), LONGEST_PAUSE)
    lock.locked_until = now + pause
    audit.append(session, SYSTEM, VotingEvent.voting_point_locked, f"voting_point:{short_ref(ref)}",
                 {"wrong_codes": lock.wrong_codes, "seconds": int(pause.total_seconds())})
    return _refusal(ref, lock.locked_until, now)


def refuse_if_paused(session: Session, refs: Iterable[str]) -> None:
    """Refuse a client any of whose keys is paused (one query for all of them)."""
    now = utcnow()
    for lock in session.exec(select(KioskLock).where(KioskLock.client_ref.in_(list(refs)))):
        if lock.locked_until is not None and _aware(lock.locked_until) > now:
            raise _refusal(lock.client_ref, _aware(lock.locked_until), now)


@contextmanager
def counting_wrong_codes(db: Database, request: Request, code: str, *,
                         check_in_callers_session: bool = False) -> Iterator[Callable[[Session], None]]:
    """Around anything that checks a pass code: refuse a paused client, and count an unknown code.

    It yields the pause check. A caller that reads the database before checking the code anyway
    (casting does) asks for `check_in_callers_session` and runs the check in its own session, which
    saves a ballot a session of its own."""
    refs = client_refs(request)
    pause_check = partial(refuse_if_paused, refs=list(refs))
    if not check_in_callers_session:
        with db.session() as session:
            pause_check(session)
    try:
        yield pause_check
    except UnknownPass:
        if not normalise_code(code):  # nothing typed yet is not a guess
            raise
        with db.session(write=True) as session:
            refusals = [record_wrong_code(session, ref, free) for ref, free in refs.items()]
        refusal = next((r for r in refusals if r is not None), None)
        if refusal is not None:
            raise refusal from None
        raise


@dataclass(frozen=True)
class PausedPoint:
    ref: str
    wrong_codes: int
    minutes_left: int


def paused_points(session: Session) -> list[PausedPoint]:
    now = utcnow()
    locks = session.exec(select(KioskLock).where(KioskLock.locked_until.is_not(None))).all()
    return [PausedPoint(short_ref(lock.client_ref), lock.wrong_codes,
                        max(1, int((_aware(lock.locked_until) - now).total_seconds() + 59) // 60))
            for lock in locks if _aware(lock.locked_until) > now]


def clear_pause(session: Session, actor: Actor, short: str) -> None:
    locks = session.exec(select(KioskLock).where(KioskLock.client_ref.startswith(short.lower()))).all()
    if not locks:
        raise NotFound(f"Voting point {short} is not paused.")
    for lock in locks:
        session.delete(lock)
    audit.append(session, actor, VotingEvent.voting_point_unlocked, f"voting_point:{short}", {})


# --- the desk's control -----------------------------------------------------------------------

router = APIRouter()


def _desk_actor(session: Session, staff) -> Actor:
    if staff.is_admin:
        return actor_for(staff, "admin")
    roles = {m.role for m in governance_repo.memberships_of(session, staff.id)} & RUNS_EVENT_DESK
    if not roles:
        raise NotAllowed("Only a steward, officer or chair can unlock a voting point.")
    return actor_for(staff, sorted(roles)[0])


@access.staff(RUNS_EVENT_DESK)
@router.get("/desk/voting-points")
def voting_points(request: Request, session: SessionDep, staff: CurrentStaff):
    _desk_actor(session, staff)
    return render(request, "voting/voting_points.html", {"paused": paused_points(session),
                                                          "done": request.query_params.get("done")})


@access.staff(RUNS_EVENT_DESK)
@router.post("/desk/voting-points/unlock", dependencies=[CsrfChecked])
def unlock_voting_point(db: DatabaseDep, staff: CurrentStaff, ref: Annotated[str, Form()] = ""):
    with db.session(write=True) as session:
        clear_pause(session, _desk_actor(session, staff), ref.strip().upper())
    # Post/redirect/get: a reload does not try to unlock twice.
    return RedirectResponse(f"/desk/voting-points?done={ref.strip().upper()}", status_code=303)
