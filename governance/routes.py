"""Public pages of partnerships and rounds, sign-in, and the chair's round management."""

from typing import Annotated
from urllib.parse import quote_plus

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access
from core.errors import InvalidInput, PlatformError
from core.numbers import parse_money, parse_whole
from core.settings import get_settings
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import arc, repository, service
from governance.models import (
    COUNTING_RULE_LABELS,
    BallotKind,
    CountingRule,
    Phase,
    Round,
)
from governance.permissions import (
    CHAIR,
    SEES_MANAGEMENT,
    CurrentStaff,
    MaybeStaff,
    require_partnership_role,
    require_round_role,
    role_on_round,
    rounds_for_staff,
    start_staff_session,
)
from governance.service import MAX_PICKS, BallotSettings
from proposals import repository as proposals_repo
from residents.permissions import MaybeResident
from voting import repository as voting_repo

router = APIRouter()


@access.public
@router.get("/")
def home(request: Request, session: SessionDep):
    partnerships = repository.list_partnerships(session)
    rounds = repository.list_rounds(session)
    return render(request, "governance/home.html", {
        "partnerships": [(p, [r for r in rounds if r.partnership_id == p.id]) for p in partnerships],
        "open_rounds": [r for r in rounds if r.accepts_votes],
    })


def _arc(voting_round: Round) -> list[dict]:
    return arc.steps(voting_round)


@access.public
@router.get("/rounds/{round_id}")
def round_page(request: Request, round_id: int, session: SessionDep, resident: MaybeResident, staff: MaybeStaff):
    # Only messages of our own: a link must not be able to put words of its choosing on a public page.
    return render_round_page(request, session, round_id, resident=resident, staff=staff,
                             message=ROUND_PAGE_MESSAGES.get(request.query_params.get("done", "")))


ROUND_PAGE_MESSAGES = {"comment": "Your comment is posted", "priorities": "Thank you: your priorities are counted",
                       "hidden": "The comment is hidden", "shown": "The comment is shown again"}


def render_round_page(request: Request, session, round_id: int, *, resident=None, staff=None, message=None,
                      error: PlatformError | None = None, comment_form: dict | None = None,
                      ranking_form: dict | None = None):
    """The public round page; a refused comment or poll answer comes back here with what was typed."""
    from consult.routes import consult_context

    voting_round = repository.get_round(session, round_id)
    return render(request, "governance/round.html", {
        "round": voting_round, "partnership": repository.get_partnership(session, voting_round.partnership_id),
        "arc": _arc(voting_round),
        # Before the vote, the residents' ideas still in the running; from then on, the ballot.
        "proposals": (proposals_repo.in_the_running(session, round_id) if voting_round.vote_status == "draft"
                      else proposals_repo.on_ballot(session, round_id)),
        "turnout": voting_repo.ballot_count(session, round_id), "guide": arc.resident_guide(voting_round),
        "message": message, "error": error, "errors": _field_errors(error),
        **consult_context(session, voting_round, resident=resident, staff=staff, comment_form=comment_form,
                          ranking_form=ranking_form),
    }, status_code=error.status_code if error else 200)


# --- sign-in ---------------------------------------------------------------------------------

@access.public
@router.get("/login")
def login_page(request: Request, next: str = "/manage"):
    return render(request, "governance/login.html", {"next": _safe_next(next),
                                                     "oidc": bool(request.app.state.settings.oidc_issuer)})


DEVICE_COOKIE = "cp_device"
DEVICE_COOKIE_SECONDS = 365 * 24 * 60 * 60


def _safe_next(target: str) -> str:
    # Only paths on this site, so a crafted link cannot bounce a signed-in officer elsewhere.
    return target if target.startswith("/") and not target.startswith("//") else "/manage"


@access.public
@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, db: DatabaseDep, username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1000)] = "", next: Annotated[str, Form()] = "/manage"):
    def refused(message: str, status_code: int, headers=None):
        return render(request, "governance/login.html", {"next": _safe_next(next), "username": username,
                                                         "error": message}, status_code=status_code,
                      headers=headers)

    try:
        with db.session(write=True) as session:
            staff = service.authenticate(session, username.strip(), password,
                                         client=request.client.host if request.client else "",
                                         device=request.cookies.get(DEVICE_COOKIE))
    except service.TooManyAttempts as error:
        return refused(error.message, error.status_code, {"Retry-After": str(error.wait_seconds)})
    if staff is None:
        return refused("That username and password do not match an account.", 401)
    start_staff_session(request, staff)
    response = RedirectResponse(_safe_next(next), status_code=303)
    # This browser is now a known device for the account: guessing from elsewhere cannot hold it up.
    settings = get_settings()
    response.set_cookie(DEVICE_COOKIE, service.device_token(staff.username), max_age=DEVICE_COOKIE_SECONDS,
                        httponly=True, samesite="lax",
                        secure=settings.session_cookie_secure or settings.public_url.startswith("https://"))
    return response


@access.public
@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: DatabaseDep, staff: MaybeStaff):
    if staff is not None:
        with db.session(write=True) as session:
            service.end_sessions(session, staff.id)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


# --- the chair's pages -----------------------------------------------------------------------

@access.staff()
@router.get("/manage")
def manage(request: Request, session: SessionDep, staff: CurrentStaff):
    rounds = rounds_for_staff(session, staff, SEES_MANAGEMENT)
    chaired = [p for p in repository.list_partnerships(session)
               if staff.is_admin or "chair" in repository.roles_in(session, staff.id, p.id)]
    return render(request, "governance/manage.html", {
        "rounds": rounds, "chaired": chaired, "message": request.query_params.get("done"),
        "archived": rounds_for_staff(session, staff, CHAIR, archived=True)})


@access.staff_of(CHAIR)
@router.get("/manage/rounds/new")
def new_round_page(request: Request, session: SessionDep, staff: CurrentStaff, partnership_id: int):
    require_partnership_role(session, staff, partnership_id, CHAIR)
    return _round_form(request, repository.get_partnership(session, partnership_id), {})


def _round_form(request: Request, partnership, form: dict, error: PlatformError | None = None,
                voting_round: Round | None = None):
    """The round form, new or being fixed; after a refusal, what was typed with the message beside its field."""
    return render(request, "governance/round_form.html", {
        "partnership": partnership, "form": form, "rules": COUNTING_RULE_LABELS, "round": voting_round,
        "error": error, "errors": _field_errors(error)},
        status_code=error.status_code if error else 200)


def _field_errors(error: PlatformError | None) -> dict[str, str]:
    return {error.field: error.message} if error is not None and error.field else {}


ROUND_FIELDS = ("title", "budget", "fund_source", "summary", "eligible_postcodes", "priorities", "ballot_kind",
                "score_max", "max_picks", "counting_rule", "min_picks", "points_total", "rank_depth")


def _ballot_settings(form: dict) -> BallotSettings:
    score_max = parse_whole(form["score_max"], "Highest score", low=1, high=10, example="5", field="score_max")
    min_picks, max_picks = form.get("min_picks", "").strip(), form["max_picks"].strip()
    return BallotSettings(
        ballot_kind=_choice(BallotKind, form["ballot_kind"], "Choose a ballot kind: scores, approval, points or "
                            "ranked.", "ballot_kind"),
        score_min=0 if score_max == 10 else 1, score_max=score_max,
        min_picks=parse_whole(min_picks, "Fewest picks", low=0, high=MAX_PICKS, example="1", field="min_picks")
        if min_picks else 0,
        max_picks=parse_whole(max_picks, "Most picks", low=1, high=MAX_PICKS, example="3", field="max_picks")
        if max_picks else None,
        # Wide bounds here: BallotSettings.check() says what the allowed range is.
        points_total=parse_whole(form.get("points_total") or "10", "Points each resident shares out",
                                 high=10**6, example="10", field="points_total"),
        rank_depth=parse_whole(form.get("rank_depth") or "3", "Places each resident fills", high=10**6,
                               example="3", field="rank_depth"),
        counting_rule=_choice(CountingRule, form["counting_rule"], "Choose how winners are chosen.", "counting_rule"))


@access.staff_of(CHAIR)
@router.post("/manage/rounds", dependencies=[CsrfChecked])
def create_round(request: Request, db: DatabaseDep, staff: CurrentStaff,
                 partnership_id: Annotated[int, Form()], title: Annotated[str, Form()] = "",
                 budget: Annotated[str, Form()] = "", fund_source: Annotated[str, Form()] = "",
                 summary: Annotated[str, Form()] = "", eligible_postcodes: Annotated[str, Form()] = "",
                 priorities: Annotated[str, Form()] = "", ballot_kind: Annotated[str, Form()] = "scores",
                 score_max: Annotated[str, Form()] = "5", max_picks: Annotated[str, Form()] = "",
                 counting_rule: Annotated[str, Form()] = "greedy", min_picks: Annotated[str, Form()] = "",
                 points_total: Annotated[str, Form()] = "10", rank_depth: Annotated[str, Form()] = "3"):
    form = dict(title=title, budget=budget, fund_source=fund_source, summary=summary,
                eligible_postcodes=eligible_postcodes, priorities=priorities, ballot_kind=ballot_kind,
                score_max=score_max, max_picks=max_picks, counting_rule=counting_rule, min_picks=min_picks,
                points_total=points_total, rank_depth=rank_depth)
    try:
        with db.session(write=True) as session:
            actor = require_partnership_role(session, staff, partnership_id, CHAIR)
            voting_round = service.create_round(
                session, actor, partnership_id=partnership_id, title=title,
                budget=_whole(budget, "Budget", "budget"), fund_source=fund_source, summary=summary,
                eligible_postcodes=eligible_postcodes, priorities=priorities, settings=_ballot_settings(form),
                phase=Phase.inform)
            round_id = voting_round.id
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            partnership = repository.get_partnership(session, partnership_id)
        return _round_form(request, partnership, form, error)
    return RedirectResponse(f"/manage/rounds/{round_id}", status_code=303)


def _choice(options, value: str, message: str, field: str | None = None):
    if value not in options.__members__:
        raise InvalidInput(message, field=field)
    return options(value)


def _whole(text: str, label: str, field: str | None = None) -> int:
    return parse_money(text, label, example="100000", field=field)


@access.staff_of(CHAIR)
@router.get("/manage/rounds/{round_id}/edit")
def edit_round_page(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    voting_round, _ = require_round_role(session, staff, round_id, CHAIR)
    form = {name: getattr(voting_round, name) for name in ROUND_FIELDS}
    form["max_picks"] = "" if voting_round.max_picks is None else voting_round.max_picks
    return _round_form(request, repository.get_partnership(session, voting_round.partnership_id),
                       {k: str(v) for k, v in form.items()}, voting_round=voting_round)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/edit", dependencies=[CsrfChecked])
def edit_round(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff,
               title: Annotated[str, Form()] = "", budget: Annotated[str, Form()] = "",
               fund_source: Annotated[str, Form()] = "", summary: Annotated[str, Form()] = "",
               eligible_postcodes: Annotated[str, Form()] = "", priorities: Annotated[str, Form()] = "",
               ballot_kind: Annotated[str, Form()] = "scores", score_max: Annotated[str, Form()] = "5",
               max_picks: Annotated[str, Form()] = "", counting_rule: Annotated[str, Form()] = "greedy"):
    form = dict(title=title, budget=budget, fund_source=fund_source, summary=summary,
                eligible_postcodes=eligible_postcodes, priorities=priorities, ballot_kind=ballot_kind,
                score_max=score_max, max_picks=max_picks, counting_rule=counting_rule)
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, CHAIR)
            service.change_round_details(
                session, actor, round_id, title=title, budget=_whole(budget, "Budget", "budget"),
                fund_source=fund_source, summary=summary, eligible_postcodes=eligible_postcodes,
                priorities=priorities, settings=_ballot_settings(form))
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            voting_round = repository.get_round(session, round_id)
            partnership = repository.get_partnership(session, voting_round.partnership_id)
            return _round_form(request, partnership, form, error, voting_round=voting_round)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Round+details+saved", status_code=303)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/archive", dependencies=[CsrfChecked])
def archive_round(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, CHAIR)
            voting_round = service.archive_round(session, actor, round_id)
            title = voting_round.title
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return manage_round_page(request, session, staff, round_id, error=error)
    return RedirectResponse(f"/manage?done={quote_plus(f'{title} was archived')}", status_code=303)


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/restore", dependencies=[CsrfChecked])
def restore_round(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    with db.session(write=True) as session:
        _, actor = require_round_role(session, staff, round_id, CHAIR)
        service.restore_round(session, actor, round_id)
    return RedirectResponse(f"/manage/rounds/{round_id}?done=Round+restored", status_code=303)


@access.staff_of(SEES_MANAGEMENT)
@router.get("/manage/rounds/{round_id}")
def manage_round(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff):
    return manage_round_page(request, session, staff, round_id, message=request.query_params.get("done"))


def manage_round_page(request: Request, session, staff, round_id: int, *, message: str | None = None,
                      error: PlatformError | None = None, proposal_form: dict | None = None):
    """The round's staff page; a refused proposal comes back here with what was typed."""
    from voting.service import ballots_in_progress

    voting_round = repository.get_round(session, round_id)
    role = role_on_round(session, staff, voting_round, SEES_MANAGEMENT)
    proposals = proposals_repo.for_round(session, round_id)
    return render(request, "governance/manage_round.html", {
        "round": voting_round, "role": role,
        "proposals": [p for p in proposals if p.status in ("on_ballot", "eligible")],
        "withdrawn": [p for p in proposals if p.status == "withdrawn"],
        "partnership": repository.get_partnership(session, voting_round.partnership_id),
        "turnout": voting_repo.ballot_count(session, round_id),
        "passes_issued": voting_repo.passes_issued(session, round_id), "arc": _arc(voting_round),
        "next_move": arc.next_move(voting_round), "skip_move": (arc.skip_move(voting_round) or (None,))[0],
        "in_progress": ballots_in_progress(session, round_id) if voting_round.is_closing else 0,
        "message": message, "error": error, "errors": _field_errors(error), "proposal_form": proposal_form or {},
    }, status_code=error.status_code if error else 200)
