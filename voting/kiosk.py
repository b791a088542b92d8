"""The kiosk: a pass opens a ballot; review; confirm; receipt; reset."""

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request

from core.errors import InvalidInput, PlatformError
from core.templating import render
from core.web import DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import BallotKind, Round
from proposals import repository as proposals_repo
from voting import ballots, casting, register
from voting.ballots import BallotChoices
from voting.models import Channel

router = APIRouter()


# --- the kiosk: a pass opens a ballot; review; confirm; receipt; reset -------------------------

def _kiosk_entry(request: Request, error: PlatformError | None = None, code: str = ""):
    return render(request, "voting/kiosk.html", {"error": error.message if error else None, "code": code},
                  status_code=error.status_code if error else 200)


# Turnout by channel: the door a ballot came in by is remembered by the device, not the ballot,
# and only counted (voting_channel_count) when the vote is cast.
CHANNEL_COOKIE = "cp_channel"


def _remember_channel(response, channel: Channel):
    response.set_cookie(CHANNEL_COOKIE, channel.value, path="/kiosk", httponly=True, samesite="lax")
    return response


def _channel_of(request: Request) -> Channel:
    return Channel.phone if request.cookies.get(CHANNEL_COOKIE) == Channel.phone else Channel.kiosk


@router.get("/kiosk")
def kiosk(request: Request, session: SessionDep, code: str = ""):
    if not code:
        return _kiosk_entry(request)
    # A QR code on the pass opens this address on the resident's own phone.
    return _remember_channel(_show_ballot(request, session, code), Channel.phone)


@router.post("/kiosk")
def kiosk_start(request: Request, session: SessionDep, code: Annotated[str, Form()] = ""):
    # A pass typed (or scanned) into the entry form: a tablet at the event.
    return _remember_channel(_show_ballot(request, session, code), Channel.kiosk)


def _show_ballot(request: Request, session, code: str, chosen: dict | None = None, error: str | None = None,
                 status_code: int = 200):
    try:
        voting_round, _ = register.check_pass(session, code)
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
            voting_round, _ = register.check_pass(session, code)
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
                                           idempotency_key=idempotency_key, channel=_channel_of(request))
    except PlatformError as problem:
        return _kiosk_entry(request, problem, code)
    with db.session() as session:
        voting_round = governance_repo.get_round(session, receipt.round_id)
    return render(request, "voting/receipt.html", {"round": voting_round, "receipt": receipt})


