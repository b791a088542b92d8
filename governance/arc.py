"""The engagement arc as residents and the chair see it: which steps were done, skipped or are to
come, what a resident may do now and what comes next, and the refusal that says when a thing opens.
Pure functions of a round; the moves themselves are in governance.service."""

from datetime import date

from core import i18n
from core.errors import Conflict
from core.i18n import N_, gettext
from governance.models import PHASE_FLAGS, PHASE_LABELS, PHASE_ORDER, PUBLIC_PHASE_WORDS, Phase, Round, VoteStatus

# The chair moves a round between these steps; voting opening moves it to empower, publishing to deliver.
CHAIR_MOVES = (Phase.inform, Phase.consult, Phase.involve, Phase.collaborate)

# What each flag is called when it opens, and when it has closed (shown in the resident's language).
FLAG_OPENS = {
    "comment": N_("Comments open"),
    "rank_priorities": N_("The priority poll opens"),
    "answer_survey": N_("The survey opens"),
    "submit_proposals": N_("Ideas for projects can be put forward"),
    "refine_proposals": N_("Proposals can be refined with officers"),
    "see_feasibility": N_("Officers' feasibility notes are shown"),
    "vote": N_("Voting opens"),
    "follow_projects": N_("Funded projects can be followed"),
}
FLAG_CLOSED = {
    "comment": N_("Comments are closed"),
    "rank_priorities": N_("The priority poll is closed"),
    "answer_survey": N_("The survey is closed"),
    "submit_proposals": N_("Ideas can no longer be put forward"),
    "refine_proposals": N_("Proposals can no longer be changed"),
    "see_feasibility": N_("Feasibility notes are no longer shown"),
    "vote": N_("Voting is closed"),
    "follow_projects": N_("Projects cannot be followed now"),
}


class PhaseClosed(Conflict):
    """Something residents may do only in some steps of the arc, asked for outside them."""

    title = N_("Not open at this step")


def day_words(day: date, today: date | None = None) -> str:
    """"3 March" ("3 Mawrth" in Welsh), with the year when it is not this year's."""
    today = today or date.today()
    return i18n.format_date(day, "d MMMM" if day.year == today.year else "d MMMM y")


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(Phase(phase))


def require_phase_allows(voting_round: Round, flag: str) -> None:
    """PhaseClosed unless residents may do `flag` at the round's step, saying when it opens."""
    if flag in voting_round.flags:
        return
    planned = voting_round.planned_dates
    for phase in PHASE_ORDER[phase_index(voting_round.phase) + 1:]:
        if flag in PHASE_FLAGS[phase]:
            what, step = gettext(FLAG_OPENS.get(flag, flag)), gettext(PUBLIC_PHASE_WORDS[phase])
            if phase in planned:
                raise PhaseClosed(gettext("%(what)s when the round reaches '%(step)s' (planned %(day)s).",
                                          what=what, step=step, day=day_words(planned[phase])))
            raise PhaseClosed(gettext("%(what)s when the round reaches '%(step)s'.", what=what, step=step))
    raise PhaseClosed(gettext("%(what)s: this round has moved on to '%(step)s'.",
                              what=gettext(FLAG_CLOSED.get(flag, flag)), step=voting_round.public_stage))


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
    day, place = day_words(voting_round.pb_day_date), voting_round.pb_day_place
    opens, closes = voting_round.pb_day_opens, voting_round.pb_day_closes
    if place and opens and closes:
        return gettext("the PB day on %(day)s at %(place)s, %(opens)s to %(closes)s", day=day, place=place,
                       opens=opens, closes=closes)
    if place:
        return gettext("the PB day on %(day)s at %(place)s", day=day, place=place)
    if opens and closes:
        return gettext("the PB day on %(day)s, %(opens)s to %(closes)s", day=day, opens=opens, closes=closes)
    return gettext("the PB day on %(day)s", day=day)


def resident_guide(voting_round: Round) -> dict[str, str]:
    """What a resident can do now and what comes next, in plain words, in the resident's language."""
    phase = Phase(voting_round.phase)
    now = {
        Phase.inform: N_("Read the budget and the priorities below. Comments and ideas are not open yet."),
        Phase.consult: N_("Tell the partnership what matters to you: comment on the priorities and rank them "
                          "below."),
        Phase.involve: N_("Put forward your idea for a project, on your own or for a community group. You can "
                          "still comment on the priorities."),
        Phase.collaborate: N_("Officers are checking and costing the ideas with the people who put them "
                              "forward. You can still comment on the priorities."),
        Phase.empower: {VoteStatus.open: N_("Vote now, with the pass you get at the desk."),
                        VoteStatus.closed: N_("Voting has closed: the votes are being counted.")}.get(
            voting_round.vote_status, N_("Voting has not opened yet.")),
        Phase.deliver: N_("The results are published. Follow the funded projects as they report their progress."),
    }[phase]
    planned = voting_round.planned_dates
    following = PHASE_ORDER[phase_index(phase) + 1] if phase != Phase.deliver else None
    if following is None:
        upcoming = ""
    elif following == Phase.empower:
        pb_day = _pb_day_words(voting_round)
        upcoming = gettext("Next: voting, at %(pb_day)s.", pb_day=pb_day) if pb_day else gettext("Next: voting.")
        if not pb_day and Phase.empower in planned:
            upcoming = gettext("Next: voting (planned %(day)s).", day=day_words(planned[Phase.empower]))
    elif following == Phase.deliver:
        upcoming = gettext("Next: the results, and the funded projects get under way.")
    else:
        step = gettext(PUBLIC_PHASE_WORDS[following]).lower()
        if following in planned:
            upcoming = gettext("Next: %(step)s (planned %(day)s).", step=step, day=day_words(planned[following]))
        else:
            upcoming = gettext("Next: %(step)s.", step=step)
    return {"now": gettext(now), "next": upcoming, "pb_day": _pb_day_words(voting_round)}
