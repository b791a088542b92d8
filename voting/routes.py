"""Pages of the PB day: the kiosk, the steward's desk, the chair's steps, results."""

import json
import secrets
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse

from core.errors import InvalidInput, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import COUNTING_RULE_LABELS, BallotKind, Round
from governance.permissions import CHAIR, RUNS_EVENT_DESK, CurrentStaff, require_round_role, rounds_for_staff
from proposals import repository as proposals_repo
from voting import ballots, casting, export, service
from voting import repository as voting_repo
from voting.ballots import BallotChoices

router = APIRouter()


# --- the kiosk: a pass opens a ballot; review; confirm; receipt; reset -------------------------

def _kiosk_entry(request: Request, error: PlatformError | None = None, code: str = ""):
    return render(request, "voting/kiosk.html", {"error": error.message if error else None, "code": code},
                  status_code=error.status_code if error else 200)


@router.get("/kiosk")
def kiosk(request: Request, session: SessionDep, code: str = ""):
    if not code:
        return _kiosk_entry(request)
    # A QR code on the pass opens this address on the resident's own phone.
    return _show_ballot(request, session, code)


@router.post("/kiosk")
def kiosk_start(request: Request, session: SessionDep, code: Annotated[str, Form()] = ""):
    return _show_ballot(request, session, code)


def _show_ballot(request: Request, session, code: str, chosen: dict | None = None, error: str | None = None,
                 status_code: int = 200):
    try:
        voting_round, _ = service.check_pass(session, code)
    except PlatformError as problem:
        return _kiosk_entry(request, problem, code)
    return render(request, "voting/ballot.html", {
        "round": voting_round, "projects": proposals_repo.on_ballot(session, voting_round.id), "code": code,
        "chosen": chosen or {}, "error": error, "scores": _score_range(voting_round),
    }, status_code=status_code)


def _score_range(voting_round: Round) -> list[int]:
    return list(range(voting_round.score_min, voting_round.score_max + 1))


async def _choices_from_form(request: Request, voting_round: Round) -> tuple[BallotChoices, dict]:
    """The ballot form's fields: `pick` (approval) or `score-<id>` (scores)."""
    form = await request.form()
    if voting_round.ballot_kind == BallotKind.approval:
        picked = []
        for value in form.getlist("pick"):
            if not str(value).isdigit():
                raise InvalidInput("The ballot form was damaged; please start again.")
            picked.append(int(value))
        return BallotChoices(approvals=picked), {p: True for p in picked}
    scores: dict[int, int] = {}
    for name, value in form.items():
        if name.startswith("score-") and str(value).strip():
            project, score = name.removeprefix("score-"), str(value).strip()
            if not project.isdigit() or not score.lstrip("-").isdigit():
                raise InvalidInput("The ballot form was damaged; please start again.")
            scores[int(project)] = int(score)
    return BallotChoices(scores=scores), scores


@router.post("/kiosk/review")
async def kiosk_review(request: Request, db: DatabaseDep):
    form = await request.form()
    code = str(form.get("code", ""))
    with db.session() as session:
        try:
            voting_round, _ = service.check_pass(session, code)
        except PlatformError as problem:
            return _kiosk_entry(request, problem, code)
        projects = proposals_repo.on_ballot(session, voting_round.id)
        chosen: dict = {}
        try:
            choices, chosen = await _choices_from_form(request, voting_round)
            content = ballots.validate(voting_round, projects, choices)
        except PlatformError as problem:
            return _show_ballot(request, session, code, chosen, problem.message, problem.status_code)
        total = sum(p.cost for p in projects if p.id in chosen) if "approvals" in content else None
        return render(request, "voting/review.html", {
            "round": voting_round, "projects": projects, "code": code, "chosen": chosen, "total": total,
            "choices_json": json.dumps(content),
            # One key per reviewed ballot: pressing Confirm twice, or again after a dropped
            # connection, gets the same receipt instead of an error.
            "idempotency_key": secrets.token_urlsafe(18),
        })


@router.post("/kiosk/change")
def kiosk_change(request: Request, session: SessionDep, code: Annotated[str, Form()] = "",
                 choices_json: Annotated[str, Form()] = "{}"):
    try:
        content = json.loads(choices_json)
    except ValueError:
        content = {}
    chosen = ({int(p): True for p in content.get("approvals", [])} if "approvals" in content
              else {int(p): s for p, s in content.get("scores", {}).items()})
    return _show_ballot(request, session, code, chosen)


@router.post("/kiosk/confirm")
def kiosk_confirm(request: Request, db: DatabaseDep, code: Annotated[str, Form()] = "",
                  choices_json: Annotated[str, Form()] = "{}", idempotency_key: Annotated[str, Form()] = ""):
    try:
        content = json.loads(choices_json)
        choices = (BallotChoices(approvals=[int(p) for p in content["approvals"]]) if "approvals" in content
                   else BallotChoices(scores={int(p): int(s) for p, s in content["scores"].items()}))
    except (ValueError, KeyError, TypeError, AttributeError):
        return _kiosk_entry(request, InvalidInput("The ballot form was damaged; please start again."), code)
    try:
        receipt = casting.cast_with_replay(db, round_id=None, code=code, choices=choices,
                                           idempotency_key=idempotency_key)
    except PlatformError as problem:
        return _kiosk_entry(request, problem, code)
    with db.session() as session:
        voting_round = governance_repo.get_round(session, receipt.round_id)
    return render(request, "voting/receipt.html", {"round": voting_round, "receipt": receipt})


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
        url = f"{request.base_url}kiosk?code={issued.code}"
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
            issued = service.issue_pass(session, actor, round_id=round_id, name=name, postcode=postcode)
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


# --- the chair's steps ------------------------------------------------------------------------

def _chair_step(db, staff, round_id: int, step, done: str):
    with db.session(write=True) as session:
        _, actor = require_round_role(session, staff, round_id, CHAIR)
        step(session, actor, round_id)
    return RedirectResponse(f"/manage/rounds/{round_id}?done={done}", status_code=303)


@router.post("/manage/rounds/{round_id}/open", dependencies=[CsrfChecked])
def open_vote(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _chair_step(db, staff, round_id, service.open_vote, "Voting+is+open")


@router.post("/manage/rounds/{round_id}/close", dependencies=[CsrfChecked])
def close_vote(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _chair_step(db, staff, round_id, service.close_vote, "Voting+is+closed")


@router.post("/manage/rounds/{round_id}/publish", dependencies=[CsrfChecked])
def publish_results(round_id: int, db: DatabaseDep, staff: CurrentStaff):
    return _chair_step(db, staff, round_id, service.publish_results, "Results+published")


# --- results and the big screen ---------------------------------------------------------------

def results_context(session, round_id: int) -> dict:
    voting_round = governance_repo.get_round(session, round_id)
    result = voting_repo.result_of(session, round_id)
    outcome = json.loads(result.outcome) if result else None
    if outcome:
        outcome["projects"].sort(key=lambda p: (not p["selected"], -p["support"], p["id"]))
    return {"round": voting_round, "outcome": outcome, "result": result,
            "rule_label": COUNTING_RULE_LABELS.get(voting_round.counting_rule, voting_round.counting_rule),
            "partnership": governance_repo.get_partnership(session, voting_round.partnership_id)}


@router.get("/rounds/{round_id}/results")
def results_page(request: Request, round_id: int, session: SessionDep):
    return render(request, "voting/results.html", results_context(session, round_id))


@router.get("/rounds/{round_id}/results.pb")
def results_pabulib(round_id: int, session: SessionDep):
    """The anonymised ballot box in Pabulib format, to recount with pabutools or `main.py tally`."""
    text = export.pabulib_for_round(session, round_id)
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="round-{round_id}.pb"'})


@router.get("/rounds/{round_id}/check")
def check_ballot_page(request: Request, round_id: int, session: SessionDep, code: str = ""):
    """A voter checks their ballot is in the box, as cast, with the tracking code from the receipt."""
    voting_round = governance_repo.get_round(session, round_id)
    context = {"round": voting_round, "code": code, "check": None, "error": None}
    status_code = 200
    if code.strip():
        try:
            context["check"] = service.check_ballot(session, round_id, code)
        except PlatformError as problem:
            context["error"], status_code = problem.message, problem.status_code
    return render(request, "voting/check.html", context, status_code=status_code)


@router.get("/screen/{round_id}")
def big_screen(request: Request, round_id: int, session: SessionDep):
    context = results_context(session, round_id)
    context["turnout"] = voting_repo.ballot_count(session, round_id)
    context["passes_issued"] = voting_repo.passes_issued(session, round_id)
    return render(request, "voting/screen.html", context)
