"""Every consult query."""

from sqlalchemy import func
from sqlmodel import Session, select

from consult.models import Comment, PriorityRanking
from core.errors import NotFound

MAX_ID = 2**31 - 1


def comments_for_round(session: Session, round_id: int) -> list[Comment]:
    return list(session.exec(select(Comment).where(Comment.round_id == round_id)
                             .order_by(Comment.created_at, Comment.id)))


def comments_by(session: Session, resident_id: int) -> list[Comment]:
    return list(session.exec(select(Comment).where(Comment.resident_id == resident_id)
                             .order_by(Comment.created_at.desc(), Comment.id.desc())))


def get_comment(session: Session, round_id: int, comment_id: int, *, for_update: bool = False) -> Comment:
    statement = select(Comment).where(Comment.id == comment_id, Comment.round_id == round_id)
    if for_update:
        statement = statement.with_for_update()
    found = session.exec(statement).first() if 1 <= comment_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"There is no comment {comment_id} on this round.")
    return found


def ranking_of(session: Session, round_id: int, resident_id: int, *, for_update: bool = False
               ) -> PriorityRanking | None:
    statement = select(PriorityRanking).where(PriorityRanking.round_id == round_id,
                                              PriorityRanking.resident_id == resident_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def rankings_for_round(session: Session, round_id: int) -> list[PriorityRanking]:
    return list(session.exec(select(PriorityRanking).where(PriorityRanking.round_id == round_id)))


def rankings_by(session: Session, resident_id: int) -> list[PriorityRanking]:
    return list(session.exec(select(PriorityRanking).where(PriorityRanking.resident_id == resident_id)))


def commenters(session: Session, round_id: int) -> int:
    return session.exec(select(func.count(func.distinct(Comment.resident_id)))
                        .where(Comment.round_id == round_id)).one()


def rankers(session: Session, round_id: int) -> int:
    return session.exec(select(func.count(func.distinct(PriorityRanking.resident_id)))
                        .where(PriorityRanking.round_id == round_id)).one()
