"""The paper ballot pages: printing sheets, and stewards entering them twice (voting/paper.py)."""

from urllib.parse import quote_plus

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from core import access, i18n
from core.errors import Conflict, InvalidInput, PlatformError
from core.templating import render
from core.web import CsrfChecked, DatabaseDep, SessionDep
from governance import repository as governance_repo
from governance.models import BallotKind, Role, VoteStatus
from governance.permissions import CHAIR, RUNS_EVENT_DESK, CurrentStaff, require_round_role
from proposals import repository as proposals_repo
from voting import paper
from voting.kiosk import _choices_from_form, _Refused
from voting.paper import ENTERS_PAPER

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_PRINT_COUNT = 20


def _ballot_context(voting_round, projects) -> dict:
    return {"scores": list(range(voting_round.score_min, voting_round.score_max + 1)),
            "places": list(range(1, min(voting_round.rank_depth, len(projects)) + 1))}


def _sheet_words(voting_round, places: list[int], language: str) -> dict:
    """What a printed sheet says, in one language: a sheet can carry English and Welsh together,
    whatever language the steward's screen is in."""
    kind = voting_round.ballot_kind
    with i18n.use(language):
        if kind == BallotKind.scores:
            how = [i18n.gettext("Give each project a score by circling one number: %(low)s means least support, "
                                "%(high)s means most support. Leave out any project you do not want to score.",
                                low=voting_round.score_min, high=voting_round.score_max)]
            mark = i18n.gettext("Circle one score")
        elif kind == BallotKind.points:
            how = [i18n.gettext("You have %(points)s points to share out. Write the points you give each project in "
                                "its box; give more to the ones you want most. Together they must not come to more "
                                "than %(points)s. Leave a box empty to give nothing.",
                                points=voting_round.points_total)]
            mark = i18n.gettext("Points")
        elif kind == BallotKind.ranking:
            how = [i18n.gettext("Write 1 in the box of the project you want most, 2 for your next choice, and so on, "
                                "up to %(top)s. Use each number once. You can rank fewer.", top=len(places))]
            mark = i18n.gettext("Place")
        else:
            how = [i18n.gettext("Put a tick in the box of each project you want. The projects you tick must cost no "
                                "more than %(budget)s together.",
                                budget=i18n.money(voting_round.budget, voting_round.currency))]
            if voting_round.min_picks > 1:
                how.append(i18n.gettext("Tick at least %(least)s.", least=voting_round.min_picks))
            if voting_round.max_picks:
                how.append(i18n.gettext("Tick no more than %(most)s.", most=voting_round.max_picks))
            mark = i18n.gettext("Tick")
        return {
            "language": language, "title": i18n.gettext("Paper ballot"),
            "sheet_number": i18n.gettext("Sheet number"), "how_heading": i18n.gettext("How to vote"),
            "how": " ".join(how),
            "secret": i18n.gettext("Do not write your name on this sheet. When you have finished, fold it and put it "
                                   "in the ballot box. If you make a mistake, ask a steward for a new sheet."),
            "project": i18n.gettext("Project"), "cost": i18n.gettext("Cost"), "mark": mark,
        }


@access.staff_of(RUNS_EVENT_DESK)
@router.get("/manage/rounds/{round_id}/paper-ballots")
def print_sheets(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff, count: str = "",
                 welsh: str = ""):
    """Sheets to print: the kiosk's projects in the kiosk's order, each sheet with a fresh number."""
    voting_round, _ = require_round_role(session, staff, round_id, RUNS_EVENT_DESK)
    projects = proposals_repo.on_ballot(session, round_id)
    error, numbers = None, []
    wanted = count.strip() or str(DEFAULT_PRINT_COUNT)
    try:
        if voting_round.vote_status in (VoteStatus.closed, VoteStatus.published) or voting_round.is_closing:
            # A sheet printed now could never be entered: paper is keyed while voting is open.
            raise Conflict("Voting on this round has closed, so no more paper ballots can be printed: a sheet "
                           "printed now could never be counted.", field="count")
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 4):
            raise InvalidInput("Enter how many sheets to print, as a whole number from 1 to 500.", field="count")
        numbers = paper.new_sheet_numbers(round_id, int(wanted))
    except (InvalidInput, Conflict) as refused:
        error = refused
    context = _ballot_context(voting_round, projects)
    languages = ["en", "cy"] if welsh == "yes" else ["en"]
    return render(request, "voting/paper_ballots.html", {
        "round": voting_round, "projects": projects, "numbers": numbers if projects else [], "count": wanted,
        "welsh": welsh == "yes", "wording": [_sheet_words(voting_round, context["places"], lang) for lang in languages],
        "error": error, "errors": {error.field: error.message} if error else {},
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id), **context,
    }, status_code=error.status_code if error else 200, headers=NO_STORE)


def _entry_page(request: Request, session, staff, round_id: int, *, error: PlatformError | None = None,
                form: dict | None = None, chosen: dict | None = None, message: str | None = None,
                decision: dict | None = None):
    voting_round, actor = require_round_role(session, staff, round_id, ENTERS_PAPER)
    projects = proposals_repo.on_ballot(session, round_id)
    sheets = paper.overview(session, round_id)
    return render(request, "voting/paper_entry.html", {
        "round": voting_round, "projects": projects, "titles": {p.id: p.title for p in projects},
        "partnership": governance_repo.get_partnership(session, voting_round.partnership_id),
        "sheets": sheets, "figures": paper.figures(session, round_id),
        "waiting": [s for s in sheets if s.status == paper.ENTERED_ONCE],
        "mismatched": [s for s in sheets if s.status == paper.MISMATCHED],
        "settled": [s for s in sheets if s.status not in paper.UNSETTLED],
        "is_chair": actor.role in (Role.chair, "admin"), "actor": actor,
        "form": form or {}, "chosen": chosen or {}, "message": message, "error": error,
        # The chair's refused decision: which sheet, and what was chosen, shown again beside it.
        "decision": decision or {},
        "errors": {error.field: error.message} if error is not None and error.field else {},
        "marks_of": _marks_words,
        **_ballot_context(voting_round, projects),
    }, status_code=error.status_code if error else 200, headers=NO_STORE)


def _marks_words(entry, titles: dict) -> str:
    """An entry's marks in words, for the chair comparing two entries with the paper."""
    import json

    if entry.spoilt:
        return f"spoilt: {entry.spoilt_reason}"
    if entry.marks is None:
        return "settled"
    content = json.loads(entry.marks)
    if "approvals" in content:
        return "; ".join(titles.get(p, str(p)) for p in content["approvals"])
    if "ranking" in content:
        return "; ".join(f"{n}. {titles.get(p, str(p))}" for n, p in enumerate(content["ranking"], start=1))
    numbers = content.get("scores") or content.get("points") or {}
    return "; ".join(f"{titles.get(int(p), p)}: {n}" for p, n in numbers.items())


@access.staff_of(ENTERS_PAPER)
@router.get("/manage/rounds/{round_id}/paper")
def entry_page(request: Request, round_id: int, session: SessionDep, staff: CurrentStaff, done: str = ""):
    return _entry_page(request, session, staff, round_id, message=done[:200] or None)


@access.staff_of(ENTERS_PAPER)
@router.post("/manage/rounds/{round_id}/paper", dependencies=[CsrfChecked])
async def enter_sheet(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    form = await request.form()
    typed = {"sheet": str(form.get("sheet", "")), "reason": str(form.get("reason", "")),
             "spoilt": form.get("spoilt") == "yes"}
    chosen: dict = {}
    try:
        with db.session(write=True) as session:
            voting_round, actor = require_round_role(session, staff, round_id, ENTERS_PAPER)
            choices = None
            if not typed["spoilt"]:
                projects = proposals_repo.on_ballot(session, round_id)
                try:
                    choices, chosen = _choices_from_form(form, voting_round, projects)
                except _Refused as refused:
                    chosen = refused.kept
                    raise
            entered = paper.enter_sheet(session, actor, round_id=round_id, name=staff.display_name,
                                        sheet=typed["sheet"], choices=choices,
                                        spoilt_reason=typed["reason"] if typed["spoilt"] else None)
    except PlatformError as error:
        if error.status_code in (401, 403, 404):
            raise
        with db.session() as session:
            return _entry_page(request, session, staff, round_id, error=error, form=typed, chosen=chosen)
    return RedirectResponse(f"/manage/rounds/{round_id}/paper?done={quote_plus(_entered_words(entered))}",
                            status_code=303)


def _entered_words(entered: paper.Entered) -> str:
    if entered.status == paper.COUNTED:
        return f"Sheet {entered.number} matches the first entry: it is counted"
    if entered.status == paper.SPOILT:
        return f"Sheet {entered.number}: both entries say spoilt, so it is recorded as spoilt"
    if entered.status == paper.MISMATCHED:
        return (f"Sheet {entered.number} does not match the earlier entry: it is held out of the count until "
                "another steward enters it or the chair decides")
    return f"Sheet {entered.number} entered once: a different steward must enter it again"


@access.staff_of(CHAIR)
@router.post("/manage/rounds/{round_id}/paper/decide", dependencies=[CsrfChecked])
async def decide_sheet(request: Request, round_id: int, db: DatabaseDep, staff: CurrentStaff):
    """The chair settles a mismatched sheet after looking at the paper."""
    form = await request.form()
    sheet, choice, reason = str(form.get("sheet", "")), str(form.get("entry", "")), str(form.get("reason", ""))
    try:
        with db.session(write=True) as session:
            _, actor = require_round_role(session, staff, round_id, CHAIR)
            if choice != "spoilt" and not (choice.isascii() and choice.isdigit() and len(choice) <= 12):
                raise InvalidInput("Choose which entry matches the paper, or that the sheet is spoilt.")
            record = paper.decide_sheet(session, actor, round_id=round_id, sheet=sheet,
                                        entry_id=None if choice == "spoilt" else int(choice),
                                        spoilt_reason=reason)
    except PlatformError as error:
        if error.status_code in (401, 403):
            raise
        with db.session() as session:
            return _entry_page(request, session, staff, round_id, error=error,
                               decision={"sheet": sheet, "entry": choice, "reason": reason})
    words = "counted" if record.status == paper.COUNTED else "recorded as spoilt"
    return RedirectResponse(f"/manage/rounds/{round_id}/paper?done={quote_plus(f'Sheet {record.number} is {words}')}",
                            status_code=303)
