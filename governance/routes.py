"""Public pages of partnerships and rounds, sign-in, and the chair's round management."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core.errors import InvalidInput, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository, service
from governance.models import (
    COUNTING_RULE_LABELS,
    PHASE_LABELS,
    PHASE_ORDER,
    PUBLIC_PHASE_WORDS,
    BallotKind,
    CountingRule,
    Phase,
    Round,
)
from governance.permissions import (
    CHAIR,
    SEES_MANAGEMENT,
    CurrentStaff,
    require_partnership_role,
    role_on_round,
    rounds_for_staff,
)
from governance.service import BallotSettings
from proposals import repository as proposals_repo
from voting import repository as voting_repo

router = APIRouter()


@router.get("/")
def home(request: Request, session: SessionDep):
    partnerships = repository.list_partnerships(session)
    rounds = repository.list_rounds(session)
    return render(request, "governance/home.html", {
        "partnerships": [(p, [r for r in rounds if r.partnership_id == p.id]) for p in partnerships],
        "open_rounds": [r for r in rounds if r.accepts_votes],
    })


def _arc(voting_round: Round) -> list[dict]:
    current = PHASE_ORDER.index(Phase(voting_round.phase))
    return [{"phase": p, "label": PHASE_LABELS[p], "public": PUBLIC_PHASE_WORDS[p],
             "state": "done" if i < current else "current" if i == current else "todo"}
            for i, p in enumerate(PHASE_ORDER)]


@router.get("/rounds/{round_id}")
def round_page(request: Request, round_id: int, session: SessionDep):
    voting_round = repository.get_round(session, round_id)
    return render(request, "governance/round.html", {
        "round": voting_round, "partnership": repository.get_partnership(session, voting_round.partnership_id),
        "arc": _arc(voting_round), "proposals": proposals_repo.on_ballot(session, round_id),
        "turnout": voting_repo.ballot_count(session, round_id),
    })


# --- sign-in ---------------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str = "/manage"):
    return render(request, "governance/login.html", {"next": _safe_next(next)})


def _safe_next(target: str) -> str:
    # Only paths on this site, so a crafted link cannot bounce a signed-in officer elsewhere.
    return target if target.startswith("/") and not target.startswith("//") else "/manage"


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, db: DatabaseDep, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/manage"):
    def refused(message: str, status_code: int):
        return render(request, "governance/login.html", {"next": _safe_next(next), "username": username,
                                                         "error": message}, status_code=status_code)

    try:
        with db.session(write=True) as session:
            staff = service.authenticate(session, username.strip(), password)
    except service.TooManyAttempts as error:
        return refused(error.message, error.status_code)
    if staff is None:
        return refused("That username and password do not match an account.", 401)
    request.session.clear()
    request.session.update({"staff_id": staff.id, "staff_name": staff.display_name})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/", status_code=303)


# --- the chair's pages -----------------------------------------------------------------------

@router.get("/manage")
def manage(request: Request, session: SessionDep, staff: CurrentStaff):
    rounds = rounds_for_staff(session, staff, SEES_MANAGEMENT)
    chaired = [p for p in repository.list_partnerships(session)
               if staff.is_admin or "chair" in repository.roles_in(session, staff.id, p.id)]
    return render(request, "governance/manage.html", {"rounds": rounds, "chaired": chaired})


@router.get("/manage/rounds/new")
def new_round_page(request: Request, session: SessionDep, staff: CurrentStaff, partnership_id: int):
    require_partnership_role(session, staff, partnership_id, CHAIR)
    return _round_form(request, repository.get_partnership(session, partnership_id), {})


def _round_form(request: Request, partnership, form: dict, error: PlatformError | None = None):
    return render(request, "governance/round_form.html", {
        "partnership": partnership, "form": form, "rules": COUNTING_RULE_LABELS,
        "error": error.message if error else None}, status_code=error.status_code if error else 200)


@router.post("/manage/rounds", dependencies=[CsrfChecked])
def create_round(request: Request, db: DatabaseDep, staff: CurrentStaff,
                 partnership_id: Annotated[int, Form()], title: Annotated[str, Form()] = "",
                 budget: Annotated[str, Form()] = "", fund_source: Annotated[str, Form()] = "",
                 summary: Annotated[str, Form()] = "", eligible_postcodes: Annotated[str, Form()] = "",
                 priorities: Annotated[str, Form()] = "", ballot_kind: Annotated[str, Form()] = "scores",
                 score_max: Annotated[str, Form()] = "5", max_picks: Annotated[str, Form()] = "",
                 counting_rule: Annotated[str, Form()] = "greedy"):
    form = dict(title=title, budget=budget, fund_source=fund_source, summary=summary,
                eligible_postcodes=eligible_postcodes, priorities=priorities, ballot_kind=ballot_kind,
                score_max=score_max, max_picks=max_picks, counting_rule=counting_rule)
    try:
        with db.session(write=True) as session:
            actor = require_partnership_role(session, staff, partnership_id, CHAIR)
            settings = BallotSettings(
                ballot_kind=_choice(BallotKind, ballot_kind, "Choose a ballot kind: scores or approval."),
                score_min=0 if _whole(score_max, "Highest score") == 10 else 1,
                score_max=_whole(score_max, "Highest score"),
                max_picks=_whole(max_picks, "Most picks") if max_picks.strip() else None,
                counting_rule=_choice(CountingRule, counting_rule, "Choose how winners are chosen."))
            voting_round = service.create_round(
                session, actor, partnership_id=partnership_id, title=title, budget=_whole(budget, "Budget"),
                fund_source=fund_source, summary=summary, eligible_postcodes=eligible_postcodes,
                priorities=priorities, settings=settings, phase=Phase.collaborate)
            round_id = voting_round.id
    except PlatformError as error:
        with db.session() as session:
            partnership = repository.get_partnership(session, partnership_id)
        return _round_form(request, partnership, form, error)
    return RedirectResponse(f"/manage/rounds/{round_id}", status_code=303)


def _choice(options, value: str, message: str):
    if value not in options.__members__:
        raise InvalidInput(message)
    return options(value)


def _whole(text: str, label: str) -> int:
    cleaned = text.replace(",", "").replace("£", "").strip()
    if not cleaned.isdigit():
        raise InvalidInput(f"{label} must be a whole number (for example 100000).")
    return int(cleaned)


@router.get("/manage/rounds/{round_id}")
def manage_round(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    voting_round = repository.get_round(session, round_id)
    role = role_on_round(session, staff, voting_round, SEES_MANAGEMENT)
    return render(request, "governance/manage_round.html", {
        "round": voting_round, "role": role, "proposals": proposals_repo.for_round(session, round_id),
        "partnership": repository.get_partnership(session, voting_round.partnership_id),
        "turnout": voting_repo.ballot_count(session, round_id),
        "passes_issued": voting_repo.passes_issued(session, round_id), "arc": _arc(voting_round),
        "message": request.query_params.get("done"),
    })
