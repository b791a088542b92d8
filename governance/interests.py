"""Declarations of interest: a member or officer with an interest in a proposal, or in the
organisation that would deliver it, takes no part in reviewing, costing, merging, moderating or
deciding on it. The register is public."""

import unicodedata
from datetime import datetime

from sqlmodel import Field, Session, SQLModel, select

from core import audit, i18n
from core.audit import Actor
from core.errors import InvalidInput, NotAllowed, NotFound
from core.text import storable
from governance.models import Role, StaffAccount, utcnow

MAX_DESCRIPTION = 2000
DECLARING_ROLES = frozenset({Role.chair, Role.member, Role.officer, Role.scrutiny, Role.steward})


class Declaration(SQLModel, table=True):
    __tablename__ = "governance_declaration"

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="governance_partnership.id", index=True)
    staff_id: int = Field(foreign_key="governance_staff.id", index=True)
    # The subject: one proposal, or an organisation by name (every proposal it would deliver).
    proposal_id: int | None = Field(default=None, foreign_key="proposals_proposal.id")
    organisation: str = ""
    description: str = ""
    declared_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None


def organisation_key(name: str) -> str:
    """"Hurdsfield CIC", "hurdsfield  c.i.c." are one organisation."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def declare_interest(session: Session, actor: Actor, *, partnership_id: int, staff_id: int,
                     proposal_id: int | None = None, organisation: str = "", description: str = "") -> Declaration:
    from proposals.models import Proposal

    organisation, description = storable(organisation), storable(description)
    if (proposal_id is None) == (not organisation):
        raise InvalidInput("Declare an interest in one proposal or in one organisation.", field="subject")
    if proposal_id is not None:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        from governance.repository import get_round

        if get_round(session, proposal.round_id).partnership_id != partnership_id:
            raise InvalidInput("That proposal is not on one of this partnership's rounds.", field="subject")
    if len(organisation) > 200:
        raise InvalidInput("An organisation's name can be at most 200 characters.", field="organisation")
    if not description:
        raise InvalidInput("Say what the interest is (for example: \"I am a trustee of this group\").",
                           field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description can be at most {MAX_DESCRIPTION:,} characters.", field="description")
    declaration = Declaration(partnership_id=partnership_id, staff_id=staff_id, proposal_id=proposal_id,
                              organisation=organisation, description=description)
    session.add(declaration)
    session.flush()
    audit.append(session, actor, "interest.declared", f"partnership:{partnership_id}", {
        "declaration": declaration.id, "staff": f"staff:{staff_id}",
        "subject": f"proposal:{proposal_id}" if proposal_id else organisation})
    return declaration


def withdraw_declaration(session: Session, actor: Actor, *, declaration_id: int, staff_id: int) -> Declaration:
    declaration = session.get(Declaration, declaration_id)
    if declaration is None or declaration.withdrawn_at is not None:
        raise NotFound("There is no such declaration in force.")
    if declaration.staff_id != staff_id:
        raise NotAllowed("Only the person who declared an interest can withdraw the declaration.")
    declaration.withdrawn_at = utcnow()
    session.add(declaration)
    audit.append(session, actor, "interest.withdrawn", f"partnership:{declaration.partnership_id}",
                 {"declaration": declaration.id})
    return declaration


def _related_proposal_ids(session: Session, proposal) -> set[int]:
    """The proposal and any folded into it: an interest in a merged-in duplicate is one in the whole."""
    from proposals.models import Proposal

    merged = session.exec(select(Proposal.id).where(Proposal.merged_into_id == proposal.id)).all()
    return {proposal.id, *merged}


def has_interest(session: Session, staff: StaffAccount | int, proposal) -> Declaration | None:
    """The declaration in force that keeps `staff` from acting on `proposal`, if there is one."""
    staff_id = staff if isinstance(staff, int) else staff.id
    rows = session.exec(select(Declaration).where(Declaration.staff_id == staff_id,
                                                  Declaration.withdrawn_at.is_(None))).all()
    if not rows:
        return None
    ids = _related_proposal_ids(session, proposal)
    org = organisation_key(proposal.delivered_by) if proposal.delivered_by else ""
    for row in rows:
        if row.proposal_id is not None and row.proposal_id in ids:
            return row
        if row.organisation and org and organisation_key(row.organisation) == org:
            return row
    return None


def subject_words(session: Session, declaration: Declaration) -> str:
    if declaration.proposal_id is not None:
        from proposals.models import Proposal

        proposal = session.get(Proposal, declaration.proposal_id)
        if proposal is None:
            return i18n.gettext("proposal %(number)s", number=declaration.proposal_id)
        return i18n.gettext("the proposal \"%(title)s\"", title=proposal.title)
    return i18n.gettext("the organisation %(name)s", name=declaration.organisation)


def refusal(session: Session, declaration: Declaration, action: str) -> str:
    return (f"You declared an interest in {subject_words(session, declaration)} "
            f"({declaration.description}), so you cannot {action} this proposal. Another officer or member "
            "must do it.")


def declarations_for_partnership(session: Session, partnership_id: int, *,
                                 include_withdrawn: bool = True) -> list[dict]:
    """The public register: who declared what, when, and whether it is still in force."""
    query = select(Declaration, StaffAccount).where(
        Declaration.partnership_id == partnership_id, Declaration.staff_id == StaffAccount.id)
    if not include_withdrawn:
        query = query.where(Declaration.withdrawn_at.is_(None))
    out = []
    for declaration, staff in session.exec(query.order_by(Declaration.declared_at, Declaration.id)):
        out.append({"id": declaration.id, "name": staff.display_name, "staff_id": staff.id,
                    "subject": subject_words(session, declaration), "proposal_id": declaration.proposal_id,
                    "organisation": declaration.organisation, "description": declaration.description,
                    "declared_at": declaration.declared_at, "withdrawn_at": declaration.withdrawn_at})
    return out


def declarations_of(session: Session, staff_id: int, partnership_id: int) -> list[Declaration]:
    return list(session.exec(select(Declaration).where(
        Declaration.staff_id == staff_id, Declaration.partnership_id == partnership_id,
        Declaration.withdrawn_at.is_(None))))
