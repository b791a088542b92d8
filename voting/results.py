"""Results, the ballot check and the big screen."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from core.errors import PlatformError
from core.templating import render
from core.web import SessionDep
from governance import repository as governance_repo
from governance.models import COUNTING_RULE_LABELS
from voting import export, service
from voting import repository as voting_repo

router = APIRouter()


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


@router.get("/rounds/{round_id}/check.json")
def check_ballot_json(round_id: int, session: SessionDep, code: str):
    """The same check as data: the receipt's leaf and its inclusion proof against the sealed root."""
    return JSONResponse(service.check_ballot(session, round_id, code).as_json())


@router.get("/screen/{round_id}")
def big_screen(request: Request, round_id: int, session: SessionDep):
    context = results_context(session, round_id)
    context["turnout"] = voting_repo.ballot_count(session, round_id)
    context["passes_issued"] = voting_repo.passes_issued(session, round_id)
    return render(request, "voting/screen.html", context)
