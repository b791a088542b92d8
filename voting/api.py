"""The JSON API under /api/v1 (see DESIGN.md: scripts and integrators rely on it)."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from core import access
from core.errors import problem_response
from core.web import DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import Round
from proposals import repository as proposals_repo
from voting import casting, service
from voting import repository as voting_repo
from voting.errors import ResultsNotPublished
from voting.kiosk_lock import TooManyWrongCodes, counting_wrong_codes

router = APIRouter(prefix="/api/v1", tags=["rounds"])


class RoundSummary(BaseModel):
    id: int
    title: str
    phase: str
    budget: int
    currency: str
    ballot_kind: str
    vote_status: str


class ProjectOut(BaseModel):
    id: int
    title: str
    cost: int


class RoundDetail(RoundSummary):
    rule: str
    score_min: int
    score_max: int
    min_picks: int
    max_picks: int | None
    points_total: int
    rank_depth: int
    projects: list[ProjectOut]


class Turnout(BaseModel):
    ballots: int


class TrackingCode(BaseModel):
    tracking_code: str


def _summary(r: Round) -> dict[str, Any]:
    return {"id": r.id, "title": r.title, "phase": r.phase, "budget": r.budget, "currency": r.currency,
            "ballot_kind": r.ballot_kind, "vote_status": r.vote_status}


@access.public
@router.get("/rounds", response_model=list[RoundSummary])
def list_rounds(session: SessionDep):
    return [_summary(r) for r in governance_repo.list_rounds(session)]


@access.public
@router.get("/rounds/{round_id}", response_model=RoundDetail)
def get_round(round_id: int, session: SessionDep):
    r = governance_repo.get_round(session, round_id)
    return {**_summary(r), "rule": r.counting_rule, "score_min": r.score_min, "score_max": r.score_max,
            "min_picks": r.min_picks, "max_picks": r.max_picks, "points_total": r.points_total,
            "rank_depth": r.rank_depth,
            "projects": [{"id": p.id, "title": p.title, "cost": p.cost}
                         for p in proposals_repo.on_ballot(session, round_id)]}


BALLOT_BODY_SCHEMA = {
    "type": "object",
    "required": ["pass"],
    "properties": {
        "pass": {"type": "string", "description": "the code on the voter pass, e.g. ABCD-EFGH"},
        "approvals": {"type": "array", "items": {"type": "integer"}, "description": "approval ballots"},
        "scores": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "scores ballots: project id -> score"},
        "points": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                   "description": "points ballots: project id -> points, at most the round's points_total"},
        "ranking": {"type": "array", "items": {"type": "integer"},
                    "description": "ranking ballots: project ids, first choice first, at most rank_depth"},
    },
    "oneOf": [{"required": ["approvals"]}, {"required": ["scores"]}, {"required": ["points"]},
              {"required": ["ranking"]}],
}


@access.public
@router.post("/rounds/{round_id}/ballots", status_code=201, response_model=TrackingCode,
             # The body is read by hand (parse_ballot_body) so a bad one gets a plain-English 422;
             # the schema still tells integrators what to send.
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": BALLOT_BODY_SCHEMA}}}},
             responses={403: {"description": "unknown pass"}, 409: {"description": "pass used or vote not open"},
                        422: {"description": "invalid ballot"},
                        429: {"description": "too many wrong pass codes from this client; see Retry-After"}})
def cast_ballot(round_id: int, request: Request, db: DatabaseDep, body: Annotated[Any, Body()] = None,
                idempotency_key: Annotated[str | None, Header(max_length=200)] = None):
    """Cast a ballot with a voter pass. Send `Idempotency-Key` to make retries safe. Wrong pass codes
    are counted per client: after a few, the client is paused (429 with `Retry-After`)."""
    code, choices = service.parse_ballot_body(body)
    try:
        with counting_wrong_codes(db, request, code, check_in_callers_session=True) as pause_check:
            receipt = casting.cast_with_replay(db, round_id=round_id, code=code, choices=choices,
                                               idempotency_key=idempotency_key, first_check=pause_check)
    except TooManyWrongCodes as paused:
        response = problem_response(paused.status_code, paused.title, paused.message, request,
                                    retry_after=paused.retry_after)
        response.headers["Retry-After"] = str(paused.retry_after)
        return response
    return JSONResponse({"tracking_code": receipt.tracking_code}, status_code=201)


@access.public
@router.get("/rounds/{round_id}/turnout", response_model=Turnout)
def turnout(round_id: int, session: SessionDep):
    return {"ballots": service.turnout(session, round_id)}


@access.public
@router.get("/rounds/{round_id}/results")
def results(round_id: int, session: SessionDep):
    governance_repo.get_round(session, round_id)
    result = voting_repo.result_of(session, round_id)
    if result is None:
        raise ResultsNotPublished("Results for this round are not published yet.")
    outcome = json.loads(result.outcome)
    support_key = "votes" if outcome["ballot_kind"] == "approval" else "score"
    return {"rule": outcome["rule"], "selected": outcome["selected"], "total_cost": outcome["total_cost"],
            "ballots": outcome["ballots"],
            "projects": [{"id": p["id"], "title": p["title"], "cost": p["cost"], support_key: p["support"],
                          "selected": p["selected"], "reason": p["reason"]} for p in outcome["projects"]]}
