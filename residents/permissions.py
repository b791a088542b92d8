"""Who the resident is: read from the session cookie and checked against the account on every request."""

from typing import Annotated

from fastapi import Depends, Request

from core import i18n
from core.errors import NotSignedIn
from core.web import SessionDep
from residents import repository
from residents.models import Resident
from residents.service import clear_resident_session


def optional_resident(request: Request, session: SessionDep) -> Resident | None:
    """The signed-in resident, while the account is active and the cookie's session version is
    the account's (signing out raises it, ending every copy of the cookie)."""
    resident_id = request.session.get("resident_id")
    if resident_id is None:
        return None
    resident = repository.get_resident(session, resident_id) if isinstance(resident_id, int) else None
    if (resident is None or not resident.active
            or request.session.get("resident_version") != resident.session_version):
        clear_resident_session(request)
        return None
    return resident


def signed_in(resident: Resident | None, *, back_to: str | None = None) -> Resident:
    """The resident, or NotSignedIn sending them to /signin and then `back_to` (default: this page)."""
    if resident is None:
        raise NotSignedIn(i18n.gettext("Sign in with your email address at /signin to continue: we send you a link, "
                                       "there is no password."), sign_in_path="/signin", next_path=back_to)
    return resident


def require_resident(resident: Annotated[Resident | None, Depends(optional_resident)]) -> Resident:
    return signed_in(resident)


MaybeResident = Annotated[Resident | None, Depends(optional_resident)]
CurrentResident = Annotated[Resident, Depends(require_resident)]
