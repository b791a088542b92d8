"""Every residents query."""

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, delete, select

from residents.models import Resident, SignInLink

MAX_ID = 2**31 - 1


def get_resident(session: Session, resident_id: int) -> Resident | None:
    return session.get(Resident, resident_id) if 1 <= resident_id <= MAX_ID else None


def resident_by_email(session: Session, email: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.email == email)).first()


def link_by_token_hash(session: Session, token_hash: str, *, for_update: bool = False) -> SignInLink | None:
    statement = select(SignInLink).where(SignInLink.token_hash == token_hash)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def links_since(session: Session, since: datetime, *, email: str | None = None, client_hash: str | None = None) -> int:
    statement = select(func.count()).select_from(SignInLink).where(SignInLink.created_at >= since)
    if email is not None:
        statement = statement.where(SignInLink.email == email)
    if client_hash is not None:
        statement = statement.where(SignInLink.client_hash == client_hash)
    return session.exec(statement).one()


def oldest_link_since(session: Session, since: datetime, *, email: str) -> datetime | None:
    return session.exec(select(func.min(SignInLink.created_at)).where(
        SignInLink.created_at >= since, SignInLink.email == email)).one()


def delete_links_before(session: Session, moment: datetime) -> None:
    session.exec(delete(SignInLink).where(SignInLink.created_at < moment))


def residents_by_ids(session: Session, ids: set[int]) -> dict[int, Resident]:
    if not ids:
        return {}
    return {r.id: r for r in session.exec(select(Resident).where(Resident.id.in_(sorted(ids))))}
