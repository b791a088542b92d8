"""Every governance query."""

from sqlmodel import Session, select

from core.errors import NotFound
from governance.models import Membership, Partnership, Round, StaffAccount, VoteStatus

# Ids are 32-bit integers in both databases; anything else cannot name a row (and would make
# PostgreSQL raise "integer out of range" rather than find nothing).
MAX_ID = 2**31 - 1


def get_round(session: Session, round_id: int, *, for_update: bool = False) -> Round:
    if not 1 <= round_id <= MAX_ID:
        raise NotFound(f"There is no round {round_id}.")
    # A round this session already holds is not asked for again (its rows are this transaction's).
    found = session.get(Round, round_id, with_for_update=for_update or None)
    if found is None:
        raise NotFound(f"There is no round {round_id}.")
    return found


def get_partnership(session: Session, partnership_id: int) -> Partnership:
    found = session.get(Partnership, partnership_id) if 1 <= partnership_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"There is no partnership {partnership_id}.")
    return found


def list_partnerships(session: Session) -> list[Partnership]:
    return list(session.exec(select(Partnership).order_by(Partnership.name)))


def list_rounds(session: Session, partnership_id: int | None = None, *, archived: bool = False) -> list[Round]:
    """Rounds newest first; archived ones (made by mistake) only when asked for."""
    statement = select(Round).where(Round.archived == archived).order_by(Round.created_at.desc(), Round.id.desc())
    if partnership_id is not None:
        statement = statement.where(Round.partnership_id == partnership_id)
    return list(session.exec(statement))


def open_rounds(session: Session) -> list[Round]:
    return list(session.exec(select(Round).where(Round.vote_status == VoteStatus.open).order_by(Round.id)))


def staff_by_username(session: Session, username: str) -> StaffAccount | None:
    return session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()


def roles_in(session: Session, staff_id: int, partnership_id: int) -> set[str]:
    rows = session.exec(select(Membership.role).where(
        Membership.staff_id == staff_id, Membership.partnership_id == partnership_id))
    return set(rows)


def memberships_of(session: Session, staff_id: int) -> list[Membership]:
    return list(session.exec(select(Membership).where(Membership.staff_id == staff_id)))


def staff_by_oidc_subject(session: Session, subject: str) -> StaffAccount | None:
    return session.exec(select(StaffAccount).where(StaffAccount.oidc_subject == subject)).first()


def members_of(session: Session, partnership_id: int) -> list[tuple[StaffAccount, str]]:
    """Active staff with a role in this partnership, and the role, chair first."""
    rows = session.exec(select(StaffAccount, Membership.role).join(Membership, Membership.staff_id == StaffAccount.id)
                        .where(Membership.partnership_id == partnership_id, StaffAccount.active.is_(True)))
    order = {"chair": 0, "member": 1, "officer": 2, "steward": 3, "scrutiny": 4}
    return sorted(rows, key=lambda row: (order.get(row[1], 9), row[0].display_name))
