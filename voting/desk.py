"""The steward's desk: check a resident, issue a single-use pass."""

from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request

from core.errors import InvalidInput, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance.models import Round
from governance.permissions import RUNS_EVENT_DESK, CurrentStaff, require_round_role, rounds_for_staff
from voting import register
from voting import repository as voting_repo

router = APIRouter()


# --- the steward's desk -----------------------------------------------------------------------

@router.get("/desk")
def desk(request: Request, session: SessionDep, staff: CurrentStaff, round_id: int | None = None):
    rounds = _desk_rounds(session, staff)
    selected = next((r for r in rounds if r.id == round_id), rounds[0] if rounds else None)
    return _desk_page(request, session, rounds, selected)


def _desk_rounds(session, staff) -> list[Round]:
    """Rounds this staff member runs the desk for, where passes can still be issued."""
    return [r for r in rounds_for_staff(session, staff, RUNS_EVENT_DESK) if r.vote_status in ("draft", "open")]


def _desk_page(request, session, rounds, selected, issued=None, error=None, form=None, status_code=200):
    qr = None
    if issued is not None:
        # The configured public address, never the Host header: a forged Host would send the
        # resident's pass to someone else's site.
        url = f"{request.app.state.settings.public_url.rstrip('/')}/kiosk?code={issued.code}"
        qr = segno.make(url, error="m").svg_inline(scale=5, title=f"QR code for pass {issued.code}")
    return render(request, "voting/desk.html", {
        "rounds": rounds, "selected": selected, "issued": issued, "qr": qr, "error": error, "form": form or {},
        "issued_count": voting_repo.passes_issued(session, selected.id) if selected else 0,
        "turnout": voting_repo.ballot_count(session, selected.id) if selected else 0,
    }, status_code=status_code)


@router.post("/desk/passes", dependencies=[CsrfChecked])
def desk_issue(request: Request, db: DatabaseDep, staff: CurrentStaff, round_id: Annotated[int, Form()],
               name: Annotated[str, Form()] = "", postcode: Annotated[str, Form()] = ""):
    issued, error = None, None
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, RUNS_EVENT_DESK)
            issued = register.issue_pass(session, actor, round_id=round_id, name=name, postcode=postcode)
    except PlatformError as problem:
        error = problem
    with db.session() as session:
        rounds = _desk_rounds(session, staff)
        if not any(r.id == round_id for r in rounds):
            raise error or InvalidInput("Choose a round you run the desk for.")
        selected = next(r for r in rounds if r.id == round_id)
        return _desk_page(request, session, rounds, selected, issued=issued,
                          error=error.message if error else None,
                          form={"name": name, "postcode": postcode} if error else None,
                          status_code=error.status_code if error else 200)


