"""Who moderates comments, and who sees hidden ones."""

from sqlmodel import Session

from governance import repository as governance_repo
from governance.models import Role, Round, StaffAccount

# Officers and the chair of the round's partnership hide comments; scrutiny members read hidden ones.
MODERATES = frozenset({Role.officer, Role.chair})
SEES_HIDDEN = frozenset({Role.officer, Role.chair, Role.scrutiny})


def sees_hidden_comments(session: Session, staff: StaffAccount | None, voting_round: Round) -> bool:
    if staff is None:
        return False
    return staff.is_admin or bool(governance_repo.roles_in(session, staff.id, voting_round.partnership_id)
                                  & SEES_HIDDEN)


def moderates(session: Session, staff: StaffAccount | None, voting_round: Round) -> bool:
    if staff is None:
        return False
    return staff.is_admin or bool(governance_repo.roles_in(session, staff.id, voting_round.partnership_id)
                                  & MODERATES)
