"""The demo after the vote: last year's round certified (the chair, then the officer confirming)."""

from sqlmodel import Session, select

from governance import repository as governance_repo
from governance.models import Membership, Role, StaffAccount
from governance.permissions import actor_for
from voting import certification


def seed_delivery_demo(session: Session, round_id: int) -> None:
    voting_round = governance_repo.get_round(session, round_id)
    memberships = session.exec(select(Membership).where(Membership.partnership_id == voting_round.partnership_id))
    members = {m.role: session.get(StaffAccount, m.staff_id) for m in memberships}
    chair, officer = members[Role.chair], members[Role.officer]
    certification.certify(session, actor_for(chair, Role.chair), round_id, name=chair.display_name)
    certification.confirm(session, actor_for(officer, Role.officer), round_id, name=officer.display_name)
