"""Every scrutiny query: the audit log read (never written) through these functions, and the
queries and purge records scrutiny owns."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, not_, or_
from sqlmodel import Session, select

from core.audit import AuditCheckpoint, AuditEvent
from core.numbers import id_or_none
from governance import repository as governance_repo
from governance.models import StaffAccount
from proposals import repository as proposals_repo
from proposals.models import Proposal
from scrutiny.models import Query, RegisterPurge

# Actions about staff rather than about the public's business: who holds which role, sign-ins,
# locks, moderation and overrides. Only scrutiny members and admins read them.
STAFF_TRAIL_PREFIXES = ("staff.", "member.", "sign_in.", "signin.", "moderation.", "override.", "role.")


def is_staff_trail(action: str) -> bool:
    return action.startswith(STAFF_TRAIL_PREFIXES)


@dataclass(frozen=True)
class TrailFilter:
    round_id: int | None = None
    partnership_id: int | None = None
    action: str | None = None
    role: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    subject: str | None = None


def _payload_mentions(key: str, ref: str):
    # Payloads are canonical JSON (sorted keys, no spaces), so a reference reads exactly like this.
    return AuditEvent.payload.contains(f'"{key}":"{ref}"', autoescape=True)


def _round_clause(session: Session, round_id: int):
    subjects = [f"round:{round_id}"] + [f"proposal:{p.id}" for p in proposals_repo.for_round(session, round_id)]
    return or_(AuditEvent.subject.in_(subjects), _payload_mentions("round", f"round:{round_id}"))


def _partnership_clause(session: Session, partnership_id: int):
    rounds = governance_repo.list_rounds(session, partnership_id)
    clauses = [AuditEvent.subject == f"partnership:{partnership_id}",
               _payload_mentions("partnership", f"partnership:{partnership_id}")]
    clauses += [_round_clause(session, r.id) for r in rounds]
    return or_(*clauses)


def _trail_statement(session: Session, trail: TrailFilter, *, with_staff_trail: bool):
    statement = select(AuditEvent)
    if not with_staff_trail:
        statement = statement.where(not_(or_(*[AuditEvent.action.startswith(p) for p in STAFF_TRAIL_PREFIXES])))
    if trail.round_id is not None:
        statement = statement.where(_round_clause(session, trail.round_id))
    if trail.partnership_id is not None:
        statement = statement.where(_partnership_clause(session, trail.partnership_id))
    if trail.action:
        statement = statement.where(AuditEvent.action == trail.action)
    if trail.role:
        statement = statement.where(AuditEvent.actor_role == trail.role)
    if trail.subject:
        statement = statement.where(AuditEvent.subject == trail.subject)
    # `at` is ISO 8601 in UTC, so text order is time order.
    if trail.date_from is not None:
        statement = statement.where(AuditEvent.at >= trail.date_from.isoformat())
    if trail.date_to is not None:
        statement = statement.where(AuditEvent.at < (trail.date_to + timedelta(days=1)).isoformat())
    return statement


def trail_page(session: Session, trail: TrailFilter, *, with_staff_trail: bool, offset: int,
               limit: int) -> tuple[list[AuditEvent], int]:
    """One page of the trail, newest first, and how many entries match in all."""
    statement = _trail_statement(session, trail, with_staff_trail=with_staff_trail)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    entries = list(session.exec(statement.order_by(AuditEvent.seq.desc()).offset(offset).limit(limit)))
    return entries, total


# Plain rows rather than ORM objects for exports: building an object per entry was most of the
# cost of exporting a 10,000-ballot log.
_EXPORT_COLUMNS = (AuditEvent.seq, AuditEvent.at, AuditEvent.actor_role, AuditEvent.actor_ref, AuditEvent.action,
                   AuditEvent.subject, AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.hash)


def trail_in_log_order(session: Session, trail: TrailFilter | None, *, with_staff_trail: bool, after_seq: int,
                       limit: int) -> list:
    """Entries after `after_seq`, oldest first, as rows with the entry's fields; no filter: the whole chain."""
    if trail is None:
        statement = select(*_EXPORT_COLUMNS)
    else:
        statement = _trail_statement(session, trail, with_staff_trail=with_staff_trail).with_only_columns(
            *_EXPORT_COLUMNS)
    return list(session.execute(statement.where(AuditEvent.seq > after_seq).order_by(AuditEvent.seq).limit(limit)))


def entry(session: Session, seq: int) -> AuditEvent | None:
    if not 1 <= seq <= governance_repo.MAX_ID:
        return None
    return session.get(AuditEvent, seq)


def history(session: Session, subject: str, *, with_staff_trail: bool, limit: int = 20) -> list[AuditEvent]:
    entries, _ = trail_page(session, TrailFilter(subject=subject), with_staff_trail=with_staff_trail,
                            offset=0, limit=limit)
    return entries


def actions_in_log(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def roles_in_log(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.actor_role).distinct().order_by(AuditEvent.actor_role)))


def checkpoints(session: Session, seqs: list[int] | None = None) -> list[AuditCheckpoint]:
    statement = select(AuditCheckpoint).order_by(AuditCheckpoint.seq)
    if seqs is not None:
        statement = statement.where(AuditCheckpoint.seq.in_(seqs))
    return list(session.exec(statement))


def staff_names(session: Session, staff_ids: set[int]) -> dict[int, str]:
    if not staff_ids:
        return {}
    rows = session.exec(select(StaffAccount.id, StaffAccount.display_name).where(StaffAccount.id.in_(staff_ids)))
    return dict(rows.all())


def titles(session: Session, subjects: set[str]) -> dict[str, str]:
    """The names people know rounds and proposals by, for the subjects of some entries."""
    round_ids = {id_or_none(s[6:]) for s in subjects if s.startswith("round:")} - {None}
    proposal_ids = {id_or_none(s[9:]) for s in subjects if s.startswith("proposal:")} - {None}
    found = {}
    if round_ids:
        found |= {f"round:{r.id}": r.title for r in governance_repo.list_rounds(session) if r.id in round_ids}
    if proposal_ids:
        rows = session.exec(select(Proposal.id, Proposal.title).where(Proposal.id.in_(proposal_ids)))
        found |= {f"proposal:{pid}": title for pid, title in rows}
    return found


def proposal(session: Session, proposal_id: int) -> Proposal | None:
    # proposals/repository.py has no lookup by id yet; this is a read, never a write.
    return session.get(Proposal, proposal_id) if 1 <= proposal_id <= governance_repo.MAX_ID else None


# --- queries -----------------------------------------------------------------------------------

def queries(session: Session, *, about: str | None = None, open_only: bool | None = None) -> list[Query]:
    statement = select(Query).order_by(Query.id.desc())
    if about is not None:
        statement = statement.where(Query.about == about)
    if open_only is True:
        statement = statement.where(Query.answer.is_(None))
    elif open_only is False:
        statement = statement.where(Query.answer.is_not(None))
    return list(session.exec(statement))


def query(session: Session, query_id: int, *, for_update: bool = False) -> Query | None:
    if not 1 <= query_id <= governance_repo.MAX_ID:
        return None
    statement = select(Query).where(Query.id == query_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


# --- the register purge ------------------------------------------------------------------------

def purge_of(session: Session, round_id: int) -> RegisterPurge | None:
    return session.get(RegisterPurge, round_id)


# --- a decision's history ------------------------------------------------------------------------

def decision_history(session: Session, decision_id: int, limit: int = 20) -> list[AuditEvent]:
    """Newest first: what happened to a decision since it was recorded (its call-in and
    reconsideration, subject "decision:N"), and the entry that recorded it (about its meeting)."""
    # Payloads are canonical JSON with sorted keys: "decision" is followed by "partnership".
    recorded = (AuditEvent.action == "decision.recorded") & AuditEvent.payload.contains(
        f'"decision":{decision_id},', autoescape=True)
    statement = select(AuditEvent).where(or_(AuditEvent.subject == f"decision:{decision_id}", recorded))
    return list(session.exec(statement.order_by(AuditEvent.seq.desc()).limit(limit)))
