"""Who may do what in scrutiny. Reading the public trail, the queries and the statements needs
nobody; the staff trail needs a scrutiny member (of any partnership) or an admin; a query is raised
by a scrutiny member of the partnership concerned and answered by its chair. Admins are admitted
everywhere, as in governance.permissions."""

from sqlmodel import Session

from governance import repository as governance_repo
from governance.models import Role, StaffAccount
from governance.permissions import CHAIR

RAISES_QUERIES = frozenset({Role.scrutiny})
ANSWERS_QUERIES = CHAIR


def _roles_anywhere(session: Session, staff: StaffAccount) -> set[str]:
    return {m.role for m in governance_repo.memberships_of(session, staff.id)}


def reads_staff_trail(session: Session, staff: StaffAccount | None) -> bool:
    return staff is not None and (staff.is_admin or Role.scrutiny in _roles_anywhere(session, staff))


def raises_queries_somewhere(session: Session, staff: StaffAccount | None) -> bool:
    """Whether to offer the form at all; the partnership concerned is checked when it is sent."""
    return reads_staff_trail(session, staff)


def raises_queries_in(session: Session, staff: StaffAccount | None, partnership_id: int) -> bool:
    if staff is None:
        return False
    return staff.is_admin or bool(governance_repo.roles_in(session, staff.id, partnership_id) & RAISES_QUERIES)


def answers_queries_in(session: Session, staff: StaffAccount | None) -> set[int] | None:
    """The partnerships whose queries this person may answer; None means every one (an admin)."""
    if staff is None:
        return set()
    if staff.is_admin:
        return None
    return {m.partnership_id for m in governance_repo.memberships_of(session, staff.id) if m.role in ANSWERS_QUERIES}
