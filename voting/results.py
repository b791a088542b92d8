"""Results, the ballot check and the big screen."""

import json
import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from core import access, audit, i18n
from core.errors import PlatformError
from core.templating import render
from core.web import SessionDep
from governance import repository as governance_repo
from governance.models import COUNTING_RULE_LABELS, VoteStatus
from voting import certification, export, service
from voting import repository as voting_repo
from voting.models import Channel

router = APIRouter()


# --- results and the big screen ---------------------------------------------------------------

CHANNEL_WORDS = {Channel.kiosk: i18n.N_("At a tablet at the event"), Channel.phone: i18n.N_("On their own phone"),
                 Channel.online: i18n.N_("Online, through the open API"),
                 Channel.paper: i18n.N_("On a paper ballot, entered alike by two stewards or settled by the chair")}

# Why a project was not funded is stored with the result in English (the counting rules know no
# language); the reasons residents read are put in the page's language from these shapes.
REASONS = [(re.compile(pattern), words) for pattern, words in (
    (r"did not fit the remaining (?P<left>\S+)", i18n.N_("did not fit the remaining %(left)s")),
    (r"it costs (?P<cost>\S+), more than the whole budget of (?P<budget>\S+)",
     i18n.N_("it costs %(cost)s, more than the whole budget of %(budget)s")),
    (r"nobody voted for it", i18n.N_("nobody voted for it")),
    (r"its supporters gave it no points", i18n.N_("its supporters gave it no points")),
    (r"its supporters ran out of budget share: together they had (?P<left>\S+) left, it costs (?P<cost>\S+)",
     i18n.N_("its supporters ran out of budget share: together they had %(left)s left, it costs %(cost)s")),
    (r"did not fit the remaining (?P<left>\S+); counting stopped here \(Phragmén never skips\)",
     i18n.N_("did not fit the remaining %(left)s; counting stopped here (Phragmén never skips)")),
    (r"counting stopped when project (?P<name>.+) did not fit the remaining (?P<left>\S+)",
     i18n.N_("counting stopped when project %(name)s did not fit the remaining %(left)s")),
    (r"not funded", i18n.N_("not funded")),
)]


def reason_words(reason: str | None) -> str | None:
    """A stored reason in the page's language (as stored when its shape is not known)."""
    for pattern, words in REASONS:
        found = pattern.fullmatch(reason or "")
        if found:
            return i18n.gettext(words, **found.groupdict())
    return reason


def results_context(session, round_id: int) -> dict:
    voting_round = governance_repo.get_round(session, round_id)
    result = voting_repo.result_of(session, round_id)
    outcome = json.loads(result.outcome) if result else None
    if outcome:
        for project in outcome["projects"]:
            project["reason"] = reason_words(project.get("reason"))
        outcome["projects"].sort(key=lambda p: (not p["selected"], -p["support"], p["id"]))
    return {"round": voting_round, "outcome": outcome, "result": result,
            "certification": certification.certification_of(session, round_id),
            "rule_label": COUNTING_RULE_LABELS.get(voting_round.counting_rule, voting_round.counting_rule),
            "partnership": governance_repo.get_partnership(session, voting_round.partnership_id)}


def support_bars(outcome: dict) -> list[dict]:
    """One bar per project, as long as its support compared with the best supported."""
    most = max((p["support"] for p in outcome["projects"]), default=0) or 1
    return [{**p, "length": round(1000 * p["support"] / most)} for p in outcome["projects"]]


def budget_segments(outcome: dict, budget: int) -> list[dict]:
    """The budget as one bar: a segment per funded project in the order they were chosen."""
    by_id = {p["id"]: p for p in outcome["projects"]}
    segments, start = [], 0
    for n, project_id in enumerate(outcome["selected"]):
        project = by_id[project_id]
        width = 1000 * project["cost"] / budget if budget else 0
        segments.append({**project, "x": round(start, 2), "width": round(width, 2), "tone": n % 6,
                         "percent": _percent(project["cost"], budget)})
        start += width
    return segments


def _percent(part: float, whole: float) -> str:
    share = 100 * part / whole if whole else 0
    return f"{share:.0f}%" if share >= 1 or share == 0 else i18n.gettext("under %(share)s", share="1%")


def tie_notes(outcome: dict) -> list[dict]:
    """Where a tie decided which project was funded, the projects and the rule that settled it.

    Greedy takes projects in order of support, so projects with the same support are a tie, and
    the tie-break (the earlier reference, compared as text, as pabutools does) decided between
    them. It only mattered where one of them was funded and another was not. Equal shares and
    Phragmén compare other quantities, so equal support is not a tie there.
    """
    if outcome["rule"] != "greedy":
        return []
    groups: dict = {}
    for project in outcome["projects"]:
        if project["support"] > 0:
            groups.setdefault(project["support"], []).append(project)
    notes = []
    for support, tied in groups.items():
        ordered = sorted(tied, key=lambda p: str(p["id"]))
        unfunded = [n for n, p in enumerate(ordered) if not p["selected"]]
        if not unfunded:
            continue
        # A funded project taken after the last one left out did not win its place by the tie.
        involved = [p for n, p in enumerate(ordered) if not p["selected"] or n < unfunded[-1]]
        if any(p["selected"] for p in involved):
            notes.append({"support": support, "projects": involved, "ids": {p["id"] for p in involved}})
    return notes


def turnout_by_channel(session, round_id: int, ballots: int) -> list[dict]:
    """Ballots per channel; a round counted before channels were kept has none to show."""
    counts = voting_repo.channel_counts(session, round_id)
    if not counts:
        return []
    rows = [(channel.value, CHANNEL_WORDS[channel], counts.get(channel, 0)) for channel in Channel
            if counts.get(channel, 0) or channel not in (Channel.online, Channel.paper)]
    if ballots > sum(counts.values()):
        rows.append(("unknown", i18n.N_("Not recorded (cast before channels were counted)"),
                     ballots - sum(counts.values())))
    total = max(ballots, sum(counts.values()))
    return [{"channel": channel, "label": label, "ballots": n, "length": round(1000 * n / total),
             "percent": _percent(n, total)} for channel, label, n in rows]


# The big screen pages its results so that nothing ever scrolls: a few funded projects a slide
# (each with its bar), then the totals, then those not funded, in shorter lines.
FUNDED_PER_SLIDE = 4
NOT_FUNDED_PER_SLIDE = 8
STEP_MS = 1800  # between one funded project and the next appearing; a slide rests three steps


def screen_slides(outcome: dict | None, budget: int) -> list[dict]:
    if not outcome:
        return []
    funded = budget_segments(outcome, budget)
    not_funded = [p for p in outcome["projects"] if not p["selected"]]
    slides = []
    for start in range(0, len(funded), FUNDED_PER_SLIDE):
        slides.append({"kind": "funded", "projects": funded[start:start + FUNDED_PER_SLIDE], "first": start + 1,
                       "pages": _pages(len(funded), FUNDED_PER_SLIDE), "page": start // FUNDED_PER_SLIDE + 1})
    slides.append({"kind": "totals"})
    for start in range(0, len(not_funded), NOT_FUNDED_PER_SLIDE):
        slides.append({"kind": "not-funded", "projects": not_funded[start:start + NOT_FUNDED_PER_SLIDE],
                       "pages": _pages(len(not_funded), NOT_FUNDED_PER_SLIDE),
                       "page": start // NOT_FUNDED_PER_SLIDE + 1})
    return slides


def _pages(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


def screen_turnout_context(session, round_id: int) -> dict | None:
    """The turnout block's context while there are no results to reveal; None once there are."""
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.vote_status not in (VoteStatus.draft, VoteStatus.open) or voting_repo.result_of(session, round_id):
        return None
    return {"round": voting_round, "outcome": None, "turnout": voting_repo.turnout_so_far(session, round_id),
            "passes_issued": voting_repo.passes_issued(session, round_id)}


def screen_context(session, round_id: int, slide: int = 0, step_ms: int = STEP_MS) -> dict:
    context = results_context(session, round_id)
    voting_round = context["round"]
    slides = screen_slides(context["outcome"], voting_round.budget)
    context.update({
        "turnout": voting_repo.ballot_count(session, round_id),
        "passes_issued": voting_repo.passes_issued(session, round_id),
        "slides": slides, "slide": slide % len(slides) if slides else 0, "step_ms": step_ms,
        "allocated_width": round(1000 * context["outcome"]["total_cost"] / voting_round.budget)
        if context["outcome"] and voting_round.budget else 0,
    })
    # Without JavaScript the page reloads itself on the next slide (or, before the reveal, with
    # the latest turnout); with it, static/screen.js pages on a timer and the websocket updates.
    context["next_slide"] = (context["slide"] + 1) % len(slides) if slides else 0
    context["refresh_seconds"] = max(5, round(step_ms * (FUNDED_PER_SLIDE + 3) / 1000)) if slides else 10
    return context


@access.public
@router.get("/rounds/{round_id}/results")
def results_page(request: Request, round_id: int, session: SessionDep):
    context = results_context(session, round_id)
    if context["outcome"]:
        context.update({"bars": support_bars(context["outcome"]),
                        "segments": budget_segments(context["outcome"], context["round"].budget),
                        "unallocated": context["round"].budget - context["outcome"]["total_cost"],
                        "ties": tie_notes(context["outcome"]),
                        "channels": turnout_by_channel(session, round_id, context["outcome"]["ballots"]),
                        "public_key": audit.public_key_b64()})
        context["tied_ids"] = set().union(*(tie["ids"] for tie in context["ties"]))
    return render(request, "voting/results.html", context)


@access.public
@router.get("/rounds/{round_id}/results.pb")
def results_pabulib(round_id: int, session: SessionDep):
    """The anonymised ballot box in Pabulib format, to recount with pabutools or `main.py tally`."""
    text = export.pabulib_for_round(session, round_id)
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="round-{round_id}.pb"'})


def _download(text: str, media_type: str, filename: str) -> Response:
    return Response(text, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@access.public
@router.get("/rounds/{round_id}/results.csv")
def results_csv(round_id: int, session: SessionDep):
    """A certified round's projects and results, one row per project and a totals row."""
    return _download(export.results_csv(session, round_id), "text/csv; charset=utf-8", f"round-{round_id}-results.csv")


@access.public
@router.get("/rounds/{round_id}/ballots.csv")
def ballots_csv(round_id: int, session: SessionDep):
    """A certified round's anonymised ballots, one row per ballot and project."""
    return _download(export.ballots_csv(session, round_id), "text/csv; charset=utf-8", f"round-{round_id}-ballots.csv")


@access.public
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


@access.public
@router.get("/rounds/{round_id}/check.json")
def check_ballot_json(round_id: int, session: SessionDep, code: str):
    """The same check as data: the receipt's leaf and its inclusion proof against the sealed root."""
    return JSONResponse(service.check_ballot(session, round_id, code).as_json())


@access.public
@router.get("/screen/{round_id}")
def big_screen(request: Request, round_id: int, session: SessionDep, slide: int = 0, step: int = STEP_MS):
    """`slide` is where a screen without JavaScript is in the results; `step` (milliseconds) sets
    the pace of the reveal, e.g. quicker for a rehearsal."""
    step_ms = min(max(step, 100), 20_000)
    return render(request, "voting/screen.html", screen_context(session, round_id, max(slide, 0), step_ms))
