"""The kiosk: a pass opens a ballot; review; confirm; receipt; reset.

Every step a resident takes is a POST that redirects to a page (post/redirect/get), and the pass
and the reviewed choices live in the session until the vote is confirmed. So a reload never
re-posts, and the browser's Back button on a shared tablet only ever reaches pages that ask the
server again, which has forgotten the last voter by then. Pages are never stored (`no-store`)."""

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from core import access, i18n
from core.database import Database
from core.errors import InvalidInput, PlatformError
from core.security import keyed_hash, normalise_code
from core.templating import render
from core.web import DatabaseDep
from governance import repository as governance_repo
from governance.models import BallotKind, Round
from proposals import repository as proposals_repo
from voting import ballots, casting, register
from voting import repository as voting_repo
from voting.ballots import BallotChoices
from voting.errors import InvalidBallot, PassAlreadyUsed
from voting.kiosk_lock import counting_wrong_codes
from voting.models import Channel

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
STATE = "kiosk"  # the session key holding the ballot in progress: pass, device, reviewed choices
DAMAGED = i18n.N_("The ballot form was damaged; please start again.")
USED = i18n.N_("This pass has already been used, so its vote is already in the ballot box. If you have not "
               "voted yet, take the pass to a steward at the desk.")
# What the bar under the ballot says as the resident goes (ballot.js fills in the numbers).
PROGRESS_WORDS = {
    "scored": i18n.N_("%(n)s of %(total)s scored"),
    "given": i18n.N_("%(n)s of %(total)s points given"),
    "over_points": i18n.N_("%(n)s of %(total)s points given: that is %(over)s too many, take some away"),
    "points_left": i18n.N_("%(n)s of %(total)s points given (%(left)s left)"),
    "filled": i18n.N_("%(n)s of %(total)s places filled"),
    "picked_count": i18n.N_("%(n)s picked"),
    "picked": i18n.N_("%(n)s picked: %(sum)s of %(budget)s"),
    "over_budget": i18n.N_("%(n)s picked: %(sum)s of %(budget)s (over budget: untick something)"),
    "too_many": i18n.N_("%(n)s picked: %(sum)s of %(budget)s (too many: at most %(most)s)"),
}


def _page(request: Request, name: str, context: dict, status_code: int = 200):
    return render(request, name, context, status_code=status_code, headers=NO_STORE)


def _to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=NO_STORE)


def _kiosk_entry(request: Request, error: PlatformError | None = None, code: str = ""):
    message = None
    if error is not None:
        message = i18n.gettext(USED) if isinstance(error, PassAlreadyUsed) else error.message
    headers = dict(NO_STORE)
    if getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    return render(request, "voting/kiosk.html", {"error": message, "code": code},
                  status_code=error.status_code if error else 200, headers=headers)


# --- a pass opens a ballot -------------------------------------------------------------------

@access.public
@router.get("/kiosk")
def kiosk(request: Request, db: DatabaseDep, code: str = ""):
    if code:
        # A QR code on the pass opens this address on the resident's own phone.
        return _start(request, db, code, own_device=True)
    # The start screen: whoever was here before has finished or walked away.
    request.session.pop(STATE, None)
    return _kiosk_entry(request)


@access.public
@router.post("/kiosk")
def kiosk_start(request: Request, db: DatabaseDep, code: Annotated[str, Form()] = ""):
    return _start(request, db, code, own_device=False)


def _start(request: Request, db: Database, code: str, own_device: bool):
    request.session.pop(STATE, None)
    try:
        with counting_wrong_codes(db, request, code), db.session() as session:
            register.check_pass(session, code)
    except PlatformError as problem:
        return _kiosk_entry(request, problem, code)
    _mark_opened(db, code)
    request.session[STATE] = {"code": normalise_code(code), "own": own_device}
    return _to("/kiosk/ballot")


def _mark_opened(db: Database, code: str) -> None:
    """A ballot has started: if the chair closes now, this voter gets the grace period."""
    with db.session(write=True) as session:
        register.mark_opened(session, code)


def _current(request: Request, db: Database, code: str = "") -> tuple[dict, Round, list] | RedirectResponse:
    """The ballot in progress, or the way back to the start (pass spent, vote closed, nothing here).

    A form that names its pass (a page from before the session began) starts the session."""
    state = request.session.get(STATE)
    if code and normalise_code(code) and (not isinstance(state, dict) or state.get("code") != normalise_code(code)):
        try:
            with counting_wrong_codes(db, request, code), db.session() as session:
                register.check_pass(session, code)
        except PlatformError:
            return _to("/kiosk")
        state = request.session[STATE] = {"code": normalise_code(code), "own": False}
    if not isinstance(state, dict) or not state.get("code"):
        return _to("/kiosk")
    try:
        with db.session() as session:
            voting_round, _ = register.check_pass(session, state["code"])
            projects = proposals_repo.on_ballot(session, voting_round.id)
    except PlatformError:
        request.session.pop(STATE, None)
        return _to("/kiosk")
    return state, voting_round, projects


# --- the ballot ------------------------------------------------------------------------------

@access.public
@router.get("/kiosk/ballot")
def kiosk_ballot(request: Request, db: DatabaseDep):
    current = _current(request, db)
    if isinstance(current, RedirectResponse):
        return current
    state, voting_round, projects = current
    chosen = _chosen_from_content(state.get("content") or {})
    return _ballot_page(request, state, voting_round, projects, chosen)


def _ballot_page(request: Request, state: dict, voting_round: Round, projects: list, chosen: dict,
                 error: str | None = None, status_code: int = 200):
    return _page(request, "voting/ballot.html", {
        "round": voting_round, "projects": projects, "chosen": chosen, "error": error,
        "scores": list(range(voting_round.score_min, voting_round.score_max + 1)),
        "places": list(range(1, min(voting_round.rank_depth, len(projects)) + 1)),
        "progress": _progress(voting_round, projects, chosen),
        "progress_words": json.dumps({name: i18n.gettext(words) for name, words in PROGRESS_WORDS.items()},
                                     ensure_ascii=False),
        # Names the copy of this ballot kept on the tablet, so a reload restores it; a hash, so
        # the pass code itself is not written to storage.
        "draft_key": keyed_hash(f"draft|{state['code']}")[:20],
    }, status_code=status_code)


def _progress(voting_round: Round, projects: list, chosen: dict) -> str:
    """"7 of 17 scored": how far through the ballot the resident is (ballot.js keeps it current)."""
    kind = voting_round.ballot_kind
    if kind == BallotKind.scores:
        return i18n.gettext(PROGRESS_WORDS["scored"], n=len(chosen), total=len(projects))
    if kind == BallotKind.points:
        given = sum(n for n in chosen.values() if isinstance(n, int))
        return i18n.gettext(PROGRESS_WORDS["given"], n=given, total=voting_round.points_total)
    if kind == BallotKind.ranking:
        return i18n.gettext(PROGRESS_WORDS["filled"], n=len(chosen), total=min(voting_round.rank_depth, len(projects)))
    return i18n.gettext(PROGRESS_WORDS["picked_count"], n=len(chosen))


class _Refused(InvalidBallot):
    """A ballot form refused before its choices could be read; `kept` is what the resident typed."""

    def __init__(self, message: str, kept: dict) -> None:
        super().__init__(message)
        self.kept = kept


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _choices_from_form(form, voting_round: Round, projects: list) -> tuple[BallotChoices, dict]:
    """The ballot form's fields, by kind: `pick` (approval), `score-<id>`, `points-<id>`, `rank-<id>`.

    Returns the choices and what to show again if the ballot is refused (input is never lost)."""
    titles = {p.id: p.title for p in projects}
    kind = voting_round.ballot_kind
    if kind == BallotKind.approval:
        picked = [_whole_number(str(v)) for v in form.getlist("pick")]
        if None in picked:
            raise InvalidInput(i18n.gettext(DAMAGED))
        return BallotChoices(approvals=picked), {p: True for p in picked}
    prefix = {BallotKind.scores: "score-", BallotKind.points: "points-", BallotKind.ranking: "rank-"}[kind]
    given: dict[int, int] = {}
    kept: dict = {}
    bad: list[str] = []
    for name, value in form.items():
        text = str(value).strip()
        if not name.startswith(prefix) or not text:
            continue
        project = _whole_number(name.removeprefix(prefix))
        if project is None:
            raise InvalidInput(i18n.gettext(DAMAGED))
        kept[project] = text
        number = _whole_number(text)
        if number is None:
            bad.append(titles.get(project, str(project)))
        else:
            given[project] = kept[project] = number
    if bad:
        if kind == BallotKind.scores:
            # Say the range the ballot takes: "0 or more" would invite a 0 the range refuses.
            message = i18n.gettext("Scores must be whole numbers from %(low)s to %(high)s: check %(projects)s.",
                                   low=voting_round.score_min, high=voting_round.score_max, projects=", ".join(bad))
        elif kind == BallotKind.points:
            message = i18n.gettext("Points must be whole numbers, 0 or more: check %(projects)s.",
                                   projects=", ".join(bad))
        else:
            message = i18n.gettext("Places must be whole numbers, 1 or more: check %(projects)s.",
                                   projects=", ".join(bad))
        raise _Refused(message, kept)
    if kind == BallotKind.scores:
        return BallotChoices(scores=given), given
    if kind == BallotKind.points:
        return BallotChoices(points=given), given
    by_place: dict[int, list[int]] = {}
    for project, place in given.items():
        by_place.setdefault(place, []).append(project)
    shared = [(place, ps) for place, ps in sorted(by_place.items()) if len(ps) > 1]
    if shared:
        place, ps = shared[0]
        raise _Refused(i18n.gettext("%(projects)s are both in place %(place)s. Give each place to one project.",
                                    projects=i18n.gettext(" and ").join(titles.get(p, str(p)) for p in ps),
                                    place=place), given)
    # Places are kept in order even with a gap (1st and 3rd, no 2nd): the review shows the result.
    return BallotChoices(ranking=[by_place[place][0] for place in sorted(by_place)]), given


def _chosen_from_content(content: dict) -> dict:
    if "approvals" in content:
        return {int(p): True for p in content["approvals"]}
    if "ranking" in content:
        return {int(p): place for place, p in enumerate(content["ranking"], start=1)}
    return {int(p): n for p, n in (content.get("scores") or content.get("points") or {}).items()}


@access.public
@router.post("/kiosk/review")
async def kiosk_review(request: Request, db: DatabaseDep):
    form = await request.form()
    current = _current(request, db, str(form.get("code", "")))
    if isinstance(current, RedirectResponse):
        return current
    state, voting_round, projects = current
    chosen: dict = {}
    try:
        choices, chosen = _choices_from_form(form, voting_round, projects)
        content = ballots.validate(voting_round, projects, choices)
    except _Refused as problem:
        return _ballot_page(request, state, voting_round, projects, problem.kept, problem.message,
                            problem.status_code)
    except PlatformError as problem:
        return _ballot_page(request, state, voting_round, projects, chosen, problem.message, problem.status_code)
    # One key per reviewed ballot: pressing Confirm twice, or again after a dropped connection,
    # gets the same receipt instead of an error.
    request.session[STATE] = {**state, "content": content, "key": secrets.token_urlsafe(18)}
    return _to("/kiosk/review")


@access.public
@router.get("/kiosk/review")
def kiosk_review_page(request: Request, db: DatabaseDep):
    current = _current(request, db)
    if isinstance(current, RedirectResponse):
        return current
    state, voting_round, projects = current
    content = state.get("content")
    if not content:
        return _to("/kiosk/ballot")
    chosen = _chosen_from_content(content)
    total = sum(p.cost for p in projects if p.id in chosen) if "approvals" in content else None
    ranked = ([next(p for p in projects if p.id == int(pid)) for pid in content["ranking"]]
              if "ranking" in content else None)
    return _page(request, "voting/review.html", {
        "round": voting_round, "projects": projects, "code": state["code"], "chosen": chosen, "total": total,
        "ranked": ranked, "choices_json": json.dumps(content), "idempotency_key": state["key"],
        "device": "own" if state.get("own") else "kiosk",
    })


# --- confirm and receipt ---------------------------------------------------------------------

@access.public
@router.post("/kiosk/confirm")
def kiosk_confirm(request: Request, db: DatabaseDep, code: Annotated[str, Form()] = "",
                  choices_json: Annotated[str, Form()] = "{}", idempotency_key: Annotated[str, Form()] = "",
                  device: Annotated[str, Form()] = "kiosk"):
    # What the resident reviewed is in the session: that, not the form, is what gets cast, so
    # nothing on the tablet can change a ballot between Review and Confirm. Without a session (a
    # ballot kept on the tablet through a Wi-Fi drop and resent after it moved on) the form's copy
    # is used, under the same idempotency key.
    state = request.session.get(STATE)
    if isinstance(state, dict) and state.get("content") and state.get("code") == normalise_code(code):
        content, own = state["content"], bool(state.get("own"))
        idempotency_key = idempotency_key or state.get("key", "")
    else:
        try:
            content, own = json.loads(choices_json), device == "own"
        except ValueError:
            return _kiosk_entry(request, InvalidInput(i18n.gettext(DAMAGED)), code)
    try:
        choices = ballots.choices_from_content(content)
    except (ValueError, KeyError, TypeError, AttributeError):
        return _kiosk_entry(request, InvalidInput(i18n.gettext(DAMAGED)), code)
    try:
        with counting_wrong_codes(db, request, code, check_in_callers_session=True) as pause_check:
            receipt = casting.cast_with_replay(db, round_id=None, code=code, choices=choices,
                                               idempotency_key=idempotency_key, first_check=pause_check,
                                               channel=Channel.phone if own else Channel.kiosk)
    except PlatformError as problem:
        return _kiosk_entry(request, problem, code)
    request.session.pop(STATE, None)
    with db.session() as session:
        voting_round = governance_repo.get_round(session, receipt.round_id)
    return _receipt_page(request, voting_round, receipt.tracking_code, own)


def _receipt_page(request: Request, voting_round: Round, tracking_code: str, own: bool):
    # The receipt answers a form, so its language switch is a form too: it shows the same receipt
    # again in the other language (from its tracking code, already on the page), nothing else.
    switch = {"action": "/kiosk/receipt", "fields": {"tracking_code": tracking_code, "round": voting_round.id,
                                                     "device": "own" if own else "kiosk"}}
    return _page(request, "voting/receipt.html", {"round": voting_round, "receipt": {"tracking_code": tracking_code},
                                                  "own_device": own, "switch_form": switch})


@access.public
@router.post("/kiosk/receipt")
def kiosk_receipt_again(request: Request, db: DatabaseDep, tracking_code: Annotated[str, Form()] = "",
                        round: Annotated[str, Form()] = "", device: Annotated[str, Form()] = "kiosk"):
    """The receipt just shown, in the language asked for (`?lang=`): only for a code in the box."""
    round_id = int(round) if round.isascii() and round.isdigit() and len(round) < 10 else None
    with db.session() as session:
        receipt = voting_repo.receipt_by_tracking_code(session, tracking_code.strip()[:40])
        if receipt is None or receipt.round_id != round_id:
            return _to("/kiosk")
        voting_round = governance_repo.get_round(session, receipt.round_id)
    return _receipt_page(request, voting_round, receipt.tracking_code, device == "own")
