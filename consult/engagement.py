"""How many people took part at each step of a round: counts only, no one named.

"voted" counts ballots (a ballot is one person, and the ballot box knows nobody); "proposed" counts
distinct proposers of proposals that left the draft stage (an account, or the name on a paper form an
officer entered); "attended" adds up the residents at the partnership's meetings while the round ran
(meetings record a number, not names)."""

from sqlalchemy import func
from sqlmodel import Session, select

from consult import repository
from core.i18n import N_
from governance import repository as governance_repo
from proposals.models import Proposal
from voting import repository as voting_repo

FIELDS = ("commented", "ranked", "proposed", "voted", "attended")
# The step of the arc each count belongs to, for the page and the CSV.
STEPS = {"commented": "consult", "ranked": "consult", "proposed": "involve", "voted": "empower",
         "attended": "meetings"}
# Marked for the catalogue; the round page shows them in its language.
WORDS = {"commented": N_("commented on the priorities"), "ranked": N_("answered the priority poll"),
         "proposed": N_("put forward an idea"), "voted": N_("voted"), "attended": N_("came to a partnership meeting")}


def _proposers(session: Session, round_id: int) -> int:
    # Proposals by residents arrive with the proposals work (proposer_id, proposer_name); until then a
    # proposal is an officer's and no resident proposed it.
    proposer = getattr(Proposal, "proposer_id", None)
    if proposer is None:
        return 0
    listed = Proposal.round_id == round_id, Proposal.status != "draft"
    with_account = session.exec(select(func.count(func.distinct(proposer))).where(
        *listed, proposer.is_not(None))).one()
    on_paper = 0
    if hasattr(Proposal, "proposer_name"):
        names = session.exec(select(Proposal.proposer_name).where(*listed, proposer.is_(None))).all()
        on_paper = len({" ".join(name.casefold().split()) for name in names if name and name.strip()})
    return with_account + on_paper


def _attended(session: Session, round_id: int) -> int:
    """Residents at the partnership's meetings held while the round ran (from the day it was made).

    A meeting records how many residents came, not who: so this adds up attendances, and one resident
    at two meetings counts twice. Meetings arrive with the partnership work (governance.models.Meeting);
    until then nobody attended one."""
    import governance.models as governance_models

    meeting = getattr(governance_models, "Meeting", None)
    if meeting is None or not hasattr(meeting, "residents_attending"):
        return 0
    voting_round = governance_repo.get_round(session, round_id)
    total = session.exec(select(func.coalesce(func.sum(meeting.residents_attending), 0)).where(
        meeting.partnership_id == voting_round.partnership_id,
        meeting.held_on >= voting_round.created_at.date())).one()
    return int(total)


def engagement_counts(session: Session, round_id: int) -> dict[str, int]:
    governance_repo.get_round(session, round_id)
    return {"commented": repository.commenters(session, round_id), "ranked": repository.rankers(session, round_id),
            "proposed": _proposers(session, round_id), "voted": voting_repo.ballot_count(session, round_id),
            "attended": _attended(session, round_id)}
