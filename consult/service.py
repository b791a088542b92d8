"""Consult rules: residents comment on a round's priorities and rank them while the round's step
allows it; moderators hide a comment with a reason (post-moderation: a comment shows at once)."""

import json
from collections import Counter

from sqlmodel import Session

from consult import repository
from consult.events import ConsultEvent
from consult.models import Comment, PriorityRanking
from core import audit, i18n
from core.audit import Actor
from core.errors import Conflict, InvalidInput
from core.text import storable
from governance import repository as governance_repo
from governance.models import Round, StaffAccount, utcnow
from governance.service import require_phase_allows
from residents import repository as residents_repo
from residents.models import Resident
from residents.service import actor_for

MAX_COMMENT_LENGTH = 5000
MAX_REASON_LENGTH = 500
MAX_PICKS = 3
GAP_IN_RANKING = [(i18n.N_("Choose your first priority before your second."), "first"),
                  (i18n.N_("Choose your second priority before your third."), "second")]


def _priority(voting_round: Round, text: str, field: str) -> str:
    text = storable(text)
    if text and text not in voting_round.priority_list:
        raise InvalidInput(i18n.gettext("Choose one of the round's priorities from the list."), field=field)
    return text


def post_comment(session: Session, resident: Resident, *, round_id: int, body: str, priority: str = "") -> Comment:
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.archived:
        raise Conflict(i18n.gettext("This round is archived: it takes no comments."))
    require_phase_allows(voting_round, "comment")
    body = storable(body)
    if not body:
        raise InvalidInput(i18n.gettext("Write your comment first."), field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise InvalidInput(i18n.gettext("A comment can be at most %(most)s characters; this one has %(has)s. "
                                        "Shorten it and send it again.", most=f"{MAX_COMMENT_LENGTH:,}",
                                        has=f"{len(body):,}"), field="body")
    comment = Comment(round_id=round_id, resident_id=resident.id, body=body,
                      priority=_priority(voting_round, priority, "priority"))
    session.add(comment)
    session.flush()
    audit.append(session, actor_for(resident), ConsultEvent.comment_posted, f"round:{round_id}",
                 {"comment": f"comment:{comment.id}", "priority": comment.priority})
    return comment


def hide_comment(session: Session, actor: Actor, staff: StaffAccount, *, round_id: int, comment_id: int,
                 reason: str) -> Comment:
    """Hide a comment from the public page. Its author still sees it, with the reason."""
    comment = repository.get_comment(session, round_id, comment_id, for_update=True)
    reason = " ".join(storable(reason).split())
    if not reason:
        raise InvalidInput("Say why the comment is hidden: its author will read the reason.", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"The reason can be at most {MAX_REASON_LENGTH} characters.", field="reason")
    if comment.hidden:
        raise Conflict("This comment is already hidden.")
    comment.hidden_at, comment.hidden_reason, comment.hidden_by = utcnow(), reason, staff.id
    session.add(comment)
    audit.append(session, actor, ConsultEvent.comment_hidden, f"comment:{comment.id}", {"round": f"round:{round_id}"})
    return comment


def restore_comment(session: Session, actor: Actor, *, round_id: int, comment_id: int) -> Comment:
    comment = repository.get_comment(session, round_id, comment_id, for_update=True)
    if not comment.hidden:
        raise Conflict("This comment is not hidden.")
    comment.hidden_at, comment.hidden_reason, comment.hidden_by = None, "", None
    session.add(comment)
    audit.append(session, actor, ConsultEvent.comment_restored, f"comment:{comment.id}",
                 {"round": f"round:{round_id}"})
    return comment


def rank_priorities(session: Session, resident: Resident, *, round_id: int, choices: list[str]) -> PriorityRanking:
    """Up to three of the round's priorities, most important first; a second answer replaces the first."""
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.archived:
        raise Conflict(i18n.gettext("This round is archived: its poll is closed."))
    require_phase_allows(voting_round, "rank_priorities")
    if not voting_round.priority_list:
        raise Conflict(i18n.gettext("This round has no priorities to rank."))
    given = [_priority(voting_round, choice, "first") for choice in choices]
    # "Second" without a first is not a ranking: it would silently be counted as a first choice.
    for place, (earlier, later) in enumerate(zip(given, given[1:], strict=False)):
        if later and not earlier:
            message, field = GAP_IN_RANKING[place]
            raise InvalidInput(i18n.gettext(message), field=field)
    picked = [choice for choice in given if choice]
    if not picked:
        raise InvalidInput(i18n.gettext("Pick at least one priority."), field="first")
    if len(picked) > MAX_PICKS:
        raise InvalidInput(i18n.gettext("Pick up to %(most)s priorities.", most=MAX_PICKS), field="first")
    if len(set(picked)) != len(picked):
        raise InvalidInput(i18n.gettext("Pick each priority once."), field="second")
    ranking = repository.ranking_of(session, round_id, resident.id, for_update=True)
    if ranking is None:
        ranking = PriorityRanking(round_id=round_id, resident_id=resident.id)
    elif ranking.choice_list == picked:
        return ranking  # the same answer sent again changes nothing
    ranking.choices, ranking.updated_at = json.dumps(picked), utcnow()
    session.add(ranking)
    session.flush()
    audit.append(session, actor_for(resident), ConsultEvent.priorities_ranked, f"round:{round_id}", {})
    return ranking


# --- what the round page shows ---------------------------------------------------------------------

def priority_counts(session: Session, voting_round: Round) -> list[dict]:
    """Per priority: residents who picked it, who put it first, and visible comments about it."""
    picks, firsts = Counter(), Counter()
    for ranking in repository.rankings_for_round(session, voting_round.id):
        choices = ranking.choice_list
        picks.update(choices)
        if choices:
            firsts[choices[0]] += 1
    comments = Counter(c.priority for c in repository.comments_for_round(session, voting_round.id) if not c.hidden)
    return [{"priority": p, "picks": picks[p], "first": firsts[p], "comments": comments[p]}
            for p in voting_round.priority_list]


def comments_for_viewer(session: Session, round_id: int, *, resident: Resident | None, sees_hidden: bool
                        ) -> list[dict]:
    """The comments a viewer may read: hidden ones only for their author, moderators and scrutiny."""
    comments = repository.comments_for_round(session, round_id)
    authors = residents_repo.residents_by_ids(session, {c.resident_id for c in comments})
    shown = []
    for comment in comments:
        mine = resident is not None and comment.resident_id == resident.id
        if comment.hidden and not (mine or sees_hidden):
            continue
        author = authors.get(comment.resident_id)
        name = (author.display_name if author else "") or i18n.gettext("A resident")
        shown.append({"comment": comment, "author": name, "mine": mine})
    return shown
