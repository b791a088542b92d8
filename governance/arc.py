"""The engagement arc as residents and the chair see it: which steps were done, skipped or are to
come, what a resident may do now and what comes next, and the refusal that says when a thing opens.
Pure functions of a round; the moves themselves are in governance.service."""

from datetime import date

from core.errors import Conflict
from governance.models import PHASE_FLAGS, PHASE_LABELS, PHASE_ORDER, PUBLIC_PHASE_WORDS, Phase, Round, VoteStatus

# The chair moves a round between these steps; voting opening moves it to empower, publishing to deliver.
CHAIR_MOVES = (Phase.inform, Phase.consult, Phase.involve, Phase.collaborate)

# What each flag is called when it opens, and when it has closed.
FLAG_OPENS = {
    "comment": "Comments open",
    "rank_priorities": "The priority poll opens",
    "answer_survey": "The survey opens",
    "submit_proposals": "Ideas for projects can be put forward",
    "refine_proposals": "Proposals can be refined with officers",
    "see_feasibility": "Officers' feasibility notes are shown",
    "vote": "Voting opens",
    "follow_projects": "Funded projects can be followed",
}
FLAG_CLOSED = {
    "comment": "Comments are closed",
    "rank_priorities": "The priority poll is closed",
    "answer_survey": "The survey is closed",
    "submit_proposals": "Ideas can no longer be put forward",
    "refine_proposals": "Proposals can no longer be changed",
    "see_feasibility": "Feasibility notes are no longer shown",
    "vote": "Voting is closed",
    "follow_projects": "Projects cannot be followed now",
}


class PhaseClosed(Conflict):
    """Something residents may do only in some steps of the arc, asked for outside them."""

    title = "Not open at this step"


def day_words(day: date, today: date | None = None) -> str:
    """"3 March", with the year when it is not this year's."""
    today = today or date.today()
    words = f"{day.day} {day:%B}"
    return words if day.year == today.year else f"{words} {day.year}"


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(Phase(phase))


def require_phase_allows(voting_round: Round, flag: str) -> None:
    """PhaseClosed unless residents may do `flag` at the round's step, saying when it opens."""
    if flag in voting_round.flags:
        return
    planned = voting_round.planned_dates
    for phase in PHASE_ORDER[phase_index(voting_round.phase) + 1:]:
        if flag in PHASE_FLAGS[phase]:
            when = f" (planned {day_words(planned[phase])})" if phase in planned else ""
            raise PhaseClosed(f"{FLAG_OPENS.get(flag, flag)} when the round reaches "
                              f"'{PUBLIC_PHASE_WORDS[phase]}'{when}.")
    raise PhaseClosed(f"{FLAG_CLOSED.get(flag, flag)}: this round has moved on to '{voting_round.public_stage}'.")


def steps(voting_round: Round) -> list[dict]:
    """Each step of the arc: done, skipped, current or to do, with its planned date."""
    current = phase_index(voting_round.phase)
    skipped, planned = voting_round.skipped, voting_round.planned_dates
    result = []
    for i, phase in enumerate(PHASE_ORDER):
        state = "current" if i == current else "todo" if i > current else "skipped" if phase in skipped else "done"
        result.append({"phase": phase, "label": PHASE_LABELS[phase], "public": PUBLIC_PHASE_WORDS[phase],
                       "state": state, "planned": planned.get(phase)})
    return result


def next_move(voting_round: Round) -> Phase | None:
    """The step the chair can move the round to next, or None when voting (or nothing) comes next."""
    i = phase_index(voting_round.phase)
    if voting_round.vote_status != VoteStatus.draft or voting_round.archived or i + 1 >= len(CHAIR_MOVES):
        return None
    return CHAIR_MOVES[i + 1]


def skip_move(voting_round: Round) -> tuple[Phase, Phase] | None:
    """(the step skipped, the step reached) when the chair can skip the next step."""
    i = phase_index(voting_round.phase)
    if voting_round.vote_status != VoteStatus.draft or voting_round.archived or i + 2 >= len(CHAIR_MOVES):
        return None
    return CHAIR_MOVES[i + 1], CHAIR_MOVES[i + 2]


def _pb_day_words(voting_round: Round) -> str:
    if voting_round.pb_day_date is None:
        return ""
    words = f"the PB day on {day_words(voting_round.pb_day_date)}"
    if voting_round.pb_day_place:
        words += f" at {voting_round.pb_day_place}"
    if voting_round.pb_day_opens and voting_round.pb_day_closes:
        words += f", {voting_round.pb_day_opens} to {voting_round.pb_day_closes}"
    return words


def resident_guide(voting_round: Round) -> dict[str, str]:
    """What a resident can do now and what comes next, in plain words."""
    phase = Phase(voting_round.phase)
    now = {
        Phase.inform: "Read the budget and the priorities below. Comments and ideas are not open yet.",
        Phase.consult: "Tell the partnership what matters to you: comment on the priorities and rank them below.",
        Phase.involve: "Put forward your idea for a project, on your own or for a community group. You can still "
                       "comment on the priorities.",
        Phase.collaborate: "Officers are checking and costing the ideas with the people who put them forward. "
                           "You can still comment on the priorities.",
        Phase.empower: {VoteStatus.open: "Vote now, with the pass you get at the desk.",
                        VoteStatus.closed: "Voting has closed: the votes are being counted."}.get(
            voting_round.vote_status, "Voting has not opened yet."),
        Phase.deliver: "The results are published. Follow the funded projects as they report their progress.",
    }[phase]
    planned = voting_round.planned_dates
    following = PHASE_ORDER[phase_index(phase) + 1] if phase != Phase.deliver else None
    if following is None:
        upcoming = ""
    elif following == Phase.empower:
        pb_day = _pb_day_words(voting_round)
        upcoming = f"Next: voting{', at ' + pb_day if pb_day else ''}."
        if not pb_day and Phase.empower in planned:
            upcoming = f"Next: voting (planned {day_words(planned[Phase.empower])})."
    elif following == Phase.deliver:
        upcoming = "Next: the results, and the funded projects get under way."
    else:
        when = f" (planned {day_words(planned[following])})" if following in planned else ""
        upcoming = f"Next: {PUBLIC_PHASE_WORDS[following].lower()}{when}."
    return {"now": now, "next": upcoming, "pb_day": _pb_day_words(voting_round)}
